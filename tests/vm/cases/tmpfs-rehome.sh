#!/bin/bash
# tmpfs placement: a configured service with a persistent tmpfs
# (tmpfs=) reads a 64 MiB file from the ext4 disk, keeps a 16 MiB file on its
# tmpfs (written by the first instance, kept by the later ones) and appends an
# 8 MiB log per instance; restarted so that 6 instances run. The entity's
# keeper mounts the tmpfs and re-homes the first instance's file at its stop:
# the data ends up charged to the keeper's leaf, instances 2..6 are charged
# their 72 MiB working set, nothing is left outside a live cgroup and at most
# one dying cgroup under the entity. A file held open by another service is
# not re-homed and is reported; the data survives a restart of the keeper.
# timeout: 300
. "$CGTEST_LIB"

CG=/sys/fs/cgroup
svc=cgtrh.service
slice=system-cgtrh.slice
keeper=cgpersist-keeper@system-cgtrh.service
holder=cgtrh-holder.service
mnt=/srv/cgtrh
conf=/etc/cgpersist/conf.d/50-cgtest-tmpfs.conf
data=$CGTEST_DISK/trh-data
logf=$CGTEST_DISK/trh-log
REHOMED=c86478d49e2b4f1d9b2de178e2a7da11
NOT_REHOMED=65852b58021f49778db7f7d4390a9dd2

[ -e $CG/system.slice/memory.reclaim ] || skip "the kernel has no memory.reclaim (Linux 5.19+)"
[ -r /proc/kpagecgroup ] || skip "no /proc/kpagecgroup"

cleanup() {
	systemctl stop "$svc" "$holder" 2>/dev/null || true
	systemctl stop "$keeper" 2>/dev/null || true
	umount $mnt 2>/dev/null || true
	rmdir $mnt 2>/dev/null || true
	rm -f /etc/systemd/system/$svc $conf "$data" "$logf"
	systemctl daemon-reload
}
trap cleanup EXIT

systemctl start cgpersistd.service

log_at_least() { [ -f "$logf" ] && [ "$(stat -c %s "$logf")" -ge "$1" ]; }
kcg() { echo "$CG/system.slice/$slice/$keeper"; }
keeper_shmem() { sed -n 's/^shmem //p' "$(kcg)/memory.stat"; }
# Percent of FILE's resident pages charged to the keeper's leaf, page by page
# (/proc/kpagecgroup) with "cgctl charges"; where this cgctl lacks it, the
# shmem of the keeper's cgroup against FILE's size.
keeper_pct() { # FILE
	local j kcgrel=system.slice/$slice/$keeper
	if j=$(cgctl --json charges "$1" 2>/dev/null); then
		jq -r --arg cg "$kcgrel" '.files[0] as $f | ((([$f.charges[] | select(.cgroup == $cg) | .pages] | add) // 0) * 100 / ([$f.resident, 1] | max)) | floor' <<<"$j"
		log "page by page (cgctl charges): $(jq -c '.files[0] | {resident, charges: [.charges[] | {cgroup, pages}]}' <<<"$j")" >&2
	else
		echo $(($(keeper_shmem) * 100 / $(stat -c %s "$1")))
		log "cgctl charges unavailable: keeper shmem against the file size" >&2
	fi
}
is_tmpfs() { [ "$(findmnt -n -o FSTYPE --mountpoint $mnt)" = tmpfs ]; }

dd if=/dev/urandom of="$data" bs=1M count=64 status=none
rm -f "$logf"
sync
echo 3 > /proc/sys/vm/drop_caches

cat > /etc/systemd/system/$svc <<UNIT
[Unit]
StartLimitIntervalSec=0
[Service]
Type=exec
ExecStart=/bin/sh -c '[ -f $mnt/state ] || dd if=/dev/urandom of=$mnt/state bs=1M count=16 status=none; cat $data $mnt/state > /dev/null; dd if=/dev/zero of=$logf bs=1M count=8 oflag=append conv=notrunc,fsync status=none; exec sleep infinity'
UNIT
mkdir -p /etc/cgpersist/conf.d
printf '[service %s]\ntmpfs = %s size=64M mode=0755\n' $svc $mnt > $conf

u0=$(unowned)
systemctl daemon-reload
dropin=/run/systemd/generator/$svc.d/zz-cgpersist.conf
assert_file $dropin "generator drop-in"
assert_match "$(cat $dropin)" "Wants=$keeper" "Wants= the keeper in the drop-in"
assert_match "$(cat $dropin)" "After=$keeper" "After= the keeper in the drop-in"
assert_match "$(cat $dropin)" "cgpersist-drain --unit=%n --entity=[^ ]* --mode=file [^ ]* --rehome" "stop hook re-homes"
wait_for -t 30 systemctl -q is-active $slice || fail "entity $slice not started by the daemon"

charges=()
for i in 1 2 3 4 5 6; do
	if [ $i = 1 ]; then systemctl start $svc; else systemctl restart $svc; fi
	if [ $i = 1 ]; then
		assert_eq "$(systemctl is-active $keeper)" active "keeper started with the service"
		assert_eq "$(systemctl show -P ControlGroup $keeper)" "/system.slice/$slice/$keeper" "keeper's cgroup"
		is_tmpfs || fail "$mnt is not a tmpfs"
	fi
	wait_for -t 60 log_at_least $((i * 8 * MiB)) || fail "instance $i did not read its data and write its log"
	cg=$CG$(systemctl show -P ControlGroup $svc)
	c=$(<"$cg/memory.current")
	charges+=("$c")
	log "instance $i: charge $(mib "$c") MiB, keeper shmem $(mib "$(keeper_shmem)") MiB, entity $(mib "$(<$CG/system.slice/$slice/memory.current)") MiB, unowned $(mib "$(unowned)") MiB, dying $(dying_under $slice)"
done

sum=$(sha256sum $mnt/state | cut -d' ' -f1)
pct=$(keeper_pct $mnt/state)
log "tmpfs data charged to the keeper's leaf: $pct % (keeper shmem $(mib "$(keeper_shmem)") MiB)"
assert_ge "$pct" 95 "tmpfs data charged to the keeper's leaf (%)"

want=$((72 * MiB))
for i in 2 3 4 5 6; do
	c=${charges[i - 1]}
	assert_ge "$c" $((want - want / 10)) "charge of instance $i (bytes)"
	assert_le "$c" $((want + want / 10)) "charge of instance $i (bytes)"
done
log "instance 1: $(mib "${charges[0]}") MiB (64 MiB read, 16 MiB tmpfs, 8 MiB log)"

wait_dying_at_most $slice 1
d=$(dying_under $slice)
log "nr_dying_descendants of $slice after 6 instances: $d"
assert_dying_unpinned $slice 1

# The keeper's 16 MiB sit in a live cgroup: nothing grows outside one.
u1=$(unowned)
log "unowned in system.slice: before $(mib "$u0") MiB, after $(mib "$u1") MiB ($u0 -> $u1 B)"
assert_le $(((u1 - u0) / MiB)) 8 "memory left in system.slice outside any live cgroup (MiB, drift)"
assert_ge $(((u1 - u0) / MiB)) -8 "memory left in system.slice outside any live cgroup (MiB, drift)"

# The journal: the first stop re-homed the state file.
ev() { journalctl -b -o export MESSAGE_ID=$REHOMED CGPERSIST_ENTITY=$slice; }
journalctl -b -o cat MESSAGE_ID=$REHOMED CGPERSIST_ENTITY=$slice | sed 's/^/journal: /'
moved=0
for m in $(ev | sed -n 's/^CGPERSIST_MOVED=//p'); do moved=$((moved + m)); done
assert_ge "$moved" 1 "files re-homed according to the journal"

# A file written in the entity (by a unit now gone), then held open by
# another service: not re-homed at the next stop, and reported.
systemd-run --quiet --wait -p Slice=$slice dd if=/dev/urandom of=$mnt/held bs=1M count=1 status=none
systemd-run --quiet --unit=$holder sh -c "exec 3<$mnt/held; exec sleep infinity"
wait_for -t 20 systemctl -q is-active $holder
sleep 0.5
systemctl restart $svc
held_ev() { journalctl -b -o export MESSAGE_ID=$NOT_REHOMED CGPERSIST_PATH=$mnt/held; }
reported() { held_ev | grep -q "^CGPERSIST_HOLDER_UNIT=$holder\$"; }
wait_for -t 20 reported || { held_ev | grep -E '^(MESSAGE|CGPERSIST_)' || true; fail "held file not reported with its holder"; }
journalctl -b -o cat MESSAGE_ID=$NOT_REHOMED CGPERSIST_PATH=$mnt/held | sed 's/^/journal: /'
assert_match "$(held_ev | sed -n 's/^CGPERSIST_REASON=//p' | tail -n 1)" '^open$' "reason for the held file"
systemctl stop $holder

# A restart of the keeper hides and loses nothing; what the old keeper held
# (now charged to its dead cgroup, read as the entity) is re-homed at start.
systemctl restart $keeper
is_tmpfs || fail "$mnt is no longer a tmpfs after a keeper restart"
assert_eq "$(findmnt -n --mountpoint $mnt | wc -l)" 1 "one mount on $mnt after a keeper restart"
assert_eq "$(sha256sum $mnt/state | cut -d' ' -f1)" "$sum" "state file after a keeper restart"
pct=$(keeper_pct $mnt/state)
log "after a keeper restart: $pct % charged to the new keeper, keeper shmem $(mib "$(keeper_shmem)") MiB, dying under entity $(dying_under $slice)"
assert_ge "$pct" 95 "tmpfs data charged to the new keeper's leaf (%)"
# The held file, no longer open, was re-homed at keeper start too.
pct=$(keeper_pct $mnt/held)
assert_ge "$pct" 95 "released file charged to the new keeper's leaf (%)"
