#!/bin/bash
# cgctl charges on a real kernel: a file on the ext4 disk read by one
# transient service and a tmpfs file written by another are attributed to
# each one's cgroup (>= 95 % of resident pages), and to the slice above once
# the services are gone (kpagecgroup reports the closest online memcg). The
# scan itself must charge nothing: holes stay holes. --json checked with jq;
# a user that is not root gets exit 4 and the reason.
# timeout: 240
. "$CGTEST_LIB"

slice=cgtcharge.slice
reader=cgtcharge-reader.service
writer=cgtcharge-writer.service
dir=$CGTEST_DISK/cgt-charges
mnt=$CGTEST_TMP/tmpfs
huge=$CGTEST_TMP/huge

cleanup() {
	systemctl stop "$reader" "$writer" 2>/dev/null || true
	systemctl reset-failed "$reader" "$writer" 2>/dev/null || true
	umount "$mnt" 2>/dev/null || true
	umount "$huge" 2>/dev/null || true
	systemctl stop "$slice" 2>/dev/null || true
	rm -f /etc/systemd/system/"$slice"
	rm -rf "$dir"
	systemctl daemon-reload
}
trap cleanup EXIT

[[ -r /proc/kpagecgroup ]] || skip "no /proc/kpagecgroup"

# A slice of our own that stays active when its services stop: the closest
# online ancestor of their dead cgroups.
printf '[Slice]\n' >/etc/systemd/system/"$slice"
systemctl daemon-reload
systemctl start "$slice"

mkdir -p "$dir" "$mnt"
dd if=/dev/urandom of="$dir/data" bs=1M count=16 status=none
dd if=/dev/urandom of="$dir/small" bs=4k count=3 status=none
sync
echo 3 >/proc/sys/vm/drop_caches
mount -t tmpfs -o size=64M,mode=0755 cgtcharge "$mnt"
# A sparse tmpfs file: 4 MiB written, then a 4 MiB hole that a careless scan
# would fill (a read fault on a tmpfs hole allocates a page).
truncate -s 8M "$mnt/sparse"
# tmpfs huge pages, where the kernel has them: 6.1 reports the cgroup of a
# compound page on its head page only.
mkdir -p "$huge"
has_huge=no
if [[ -e /sys/kernel/mm/transparent_hugepage/shmem_enabled ]] &&
	mount -t tmpfs -o size=64M,huge=always cgtchargehuge "$huge"; then
	has_huge=yes
fi
shmem_huge_kb() { awk '/^ShmemHugePages:/ { print $2 }' /proc/meminfo; }
huge_before=$(shmem_huge_kb)

systemd-run --quiet --unit="$reader" -p Slice="$slice" -p Type=exec \
	/bin/sh -c "cat '$dir/data' '$dir/small' >/dev/null; exec sleep infinity"
systemd-run --quiet --unit="$writer" -p Slice="$slice" -p Type=exec \
	/bin/sh -c "dd if=/dev/urandom of='$mnt/file' bs=1M count=8 status=none &&
		dd if=/dev/urandom of='$mnt/sparse' bs=1M count=4 conv=notrunc status=none &&
		{ [ $has_huge = no ] || dd if=/dev/urandom of='$huge/file' bs=1M count=8 status=none; } &&
		touch '$mnt/done'; exec sleep infinity"

resident_all() { # FILE: every page of it is resident
	cgctl --json charges "$1" | jq -e '.files[0] | .resident == .pages and .pages > 0' >/dev/null
}
wait_for -t 60 resident_all "$dir/data" || fail "$dir/data never became resident: $(cgctl charges "$dir/data")"
wait_for -t 60 test -e "$mnt/done" || fail "the writer did not finish"

# share FILE CGROUP: permille of FILE's resident pages charged to CGROUP
share() {
	cgctl --json charges "$1" | jq --arg cg "$2" \
		'.files[0] | ([.charges[] | select(.cgroup == $cg) | .pages] | add // 0) * 1000 / .resident | floor'
}

check_owner() { # FILE CGROUP WHAT
	local out s
	out=$(cgctl charges "$1")
	log "cgctl charges $1 ($3):"$'\n'"$out"
	s=$(share "$1" "$2")
	log "$1: $s permille of resident pages charged to $2"
	assert_ge "$s" 950 "share of $1 charged to $2 ($3)"
	assert_match "$out" "$2 " "the table names $2"
}

# --- while the services run ---------------------------------------------------
t0=${EPOCHREALTIME/./}
cgctl charges "$dir/data" >/dev/null
log "cgctl charges of 16 MiB, all resident: $(((${EPOCHREALTIME/./} - t0) / 1000)) ms (a number, not a check)"
check_owner "$dir/data" "$slice/$reader" "reader alive"
check_owner "$mnt/file" "$slice/$writer" "writer alive"
check_owner "$mnt/sparse" "$slice/$writer" "writer alive"

if [[ $has_huge == yes ]]; then
	huge_kb=$(($(shmem_huge_kb) - huge_before))
	log "tmpfs huge pages of the writer: $huge_kb kB"
	assert_ge "$huge_kb" 2048 "tmpfs huge pages in use (ShmemHugePages grew, kB)"
	check_owner "$huge/file" "$slice/$writer" "writer alive, huge pages"
else
	log "no tmpfs huge pages on this kernel: not checked"
fi

# The scan faulted in no hole: half of the sparse file is still not there.
j=$(cgctl --json charges "$mnt/sparse")
log "cgctl --json charges $mnt/sparse: $j"
assert_eq "$(jq '.files[0].pages' <<<"$j")" $((8 * 256)) "pages of the sparse file (4 KiB pages)"
assert_eq "$(jq '.files[0].resident' <<<"$j")" $((4 * 256)) "resident pages of the sparse file"
cgctl charges "$mnt/sparse" >/dev/null
assert_eq "$(cgctl --json charges "$mnt/sparse" | jq '.files[0].resident')" $((4 * 256)) \
	"resident pages of the sparse file after scanning it twice"
assert_le "$(du -k "$mnt/sparse" | cut -f1)" 4096 "blocks of the sparse file (KiB)"

# --- JSON ----------------------------------------------------------------------
j=$(cgctl --json charges "$dir")
log "cgctl --json charges $dir: $j"
assert_eq "$(jq '.files | map(.path)' -c <<<"$j")" "[\"$dir/data\",\"$dir/small\"]" "files below $dir, in order"
assert_eq "$(jq .total.files <<<"$j")" 2 ".total.files"
assert_eq "$(jq '.total.pages == ([.files[].pages] | add)' <<<"$j")" true ".total.pages is the sum"
assert_eq "$(jq '.total.resident == ([.files[].resident] | add)' <<<"$j")" true ".total.resident is the sum"
# Every file's charges add up to its resident pages minus the unmapped ones.
assert_eq "$(jq '[.files[] | (([.charges[].pages] | add // 0) + .unmapped) == .resident] | all' <<<"$j")" true \
	"charges + unmapped == resident"
assert_eq "$(jq '[.files[].charges[] | .bytes == .pages * 4096] | all' <<<"$j")" true "bytes == pages * page_size"
assert_eq "$(jq -r '.files[0].charges[0].cgroup' <<<"$j")" "$slice/$reader" "top charge of $dir/data"
id=$(stat -c %i "/sys/fs/cgroup/$slice/$reader")
assert_eq "$(jq '.files[0].charges[0].cgroup_id' <<<"$j")" "$id" "cgroup_id is the inode of the cgroup"
assert_eq "$(jq '.files[0].size' <<<"$j")" $((16 * 1024 * 1024)) ".size"
assert_eq "$(jq '.files[0].page_size' <<<"$j")" 4096 ".page_size"
assert_eq "$(cgctl --json=pretty charges "$dir" | jq -c .)" "$(jq -c . <<<"$j")" "pretty == short"
# A directory walk does not cross into another mount: the tmpfs below
# CGTEST_TMP is left out.
touch "$CGTEST_TMP/plain"
j=$(cgctl --json charges "$CGTEST_TMP")
assert_eq "$(jq -c '[.files[].path]' <<<"$j")" "[\"$CGTEST_TMP/plain\"]" "files below $CGTEST_TMP"
out=$(cgctl charges "$dir")
log "cgctl charges $dir:"$'\n'"$out"
assert_match "$out" "Total: 2 files" "the totals line"

# --- once the services are gone -------------------------------------------------
systemctl stop "$reader" "$writer"
wait_for -t 20 bash -c "[[ ! -d /sys/fs/cgroup/$slice/$reader && ! -d /sys/fs/cgroup/$slice/$writer ]]" ||
	fail "the services' cgroups are still there"
check_owner "$dir/data" "$slice" "reader gone"
check_owner "$mnt/file" "$slice" "writer gone"
[[ $has_huge == no ]] || check_owner "$huge/file" "$slice" "writer gone, huge pages"

# --- errors ---------------------------------------------------------------------
rc=0
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups -- cgctl charges "$dir/data" 2>&1) || rc=$?
log "cgctl charges as nobody -> $rc: $out"
assert_eq "$rc" 4 "exit status as nobody"
assert_match "$out" "requires root" "message as nobody"
rc=0
out=$(cgctl charges "$dir/data" /nonexistent 2>&1) || rc=$?
log "cgctl charges with a missing file -> $rc: $out"
assert_eq "$rc" 1 "exit status with a missing file"
assert_match "$out" "Failed to stat /nonexistent" "message for a missing file"
assert_match "$out" "$dir/data: " "the other file is still shown"
# No daemon needed.
was_active=$(systemctl is-active cgpersistd || true)
systemctl stop cgpersistd
cgctl charges "$dir/data" >/dev/null || fail "cgctl charges without the daemon"
[[ $was_active != active ]] || systemctl start cgpersistd
