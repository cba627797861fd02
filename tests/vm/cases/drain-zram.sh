#!/bin/bash
# With swap enabled (zram in the guest), draining moves no anon or shmem page
# to swap. A service (drain=file, the default) holds 32 MiB
# of anon memory, writes a 16 MiB file to /dev/shm (shmem, charged to the
# instance: outlives it) and reads a 64 MiB file (page cache); it is
# restarted. Swap in use does not grow across the drain, nothing of the
# entity is in swap, the drain ran (its journal record: "held back" where the
# kernel lacks swappiness=0, the argument where it has it) and page cache was
# still drained. Then proactive reclaim with swap on: a drain=none service
# with the same workload, opted in; its leftovers' page cache shrinks and,
# again, nothing goes to swap.
# timeout: 300
. "$CGTEST_LIB"

CG=/sys/fs/cgroup
svc=cgtzram.service
pro=cgtzpro.service
slice=system-cgtzram.slice
pro_slice=system-cgtzpro.slice
conf=/etc/cgpersist/conf.d/50-cgtest-zram.conf
DRAINED=5661e915c23348ddbeee96d9d057d056
zram=

[ -e $CG/system.slice/memory.reclaim ] || skip "the kernel has no memory.reclaim (Linux 5.19+)"
for t in mkswap swapon swapoff; do
	command -v $t >/dev/null || fail "$t is not in the image"
done

cleanup() {
	systemctl stop $svc $pro 2>/dev/null || true
	rm -f /etc/systemd/system/$svc /etc/systemd/system/$pro $conf "$CGTEST_DISK"/zram-* /dev/shm/cgtz-*
	systemctl daemon-reload
	if [ -n "$zram" ]; then
		swapoff /dev/$zram 2>/dev/null || true
		echo 1 > /sys/block/$zram/reset 2>/dev/null || true
	fi
}
trap cleanup EXIT

swap_used() { awk '/^SwapTotal:/ { t = $2 } /^SwapFree:/ { f = $2 } END { print (t - f) * 1024 }' /proc/meminfo; }

# A zram swap device, through sysfs (zramctl is not needed).
modprobe zram num_devices=1 || fail "modprobe zram failed"
wait_for -t 10 test -e /sys/block/zram0/disksize || fail "no /sys/block/zram0 after modprobe zram"
zram=zram0
echo $((512 * MiB)) > /sys/block/$zram/disksize
wait_for -t 10 test -b /dev/$zram || fail "no /dev/$zram"
mkswap /dev/$zram >/dev/null
swapon /dev/$zram
grep -q "^/dev/$zram " /proc/swaps || fail "/dev/$zram is not in /proc/swaps after swapon"
log "swap on /dev/$zram: $(grep "^/dev/$zram " /proc/swaps), vm.swappiness $(</proc/sys/vm/swappiness)"

for u in $svc $pro; do
	dd if=/dev/urandom of="$CGTEST_DISK/zram-$u" bs=1M count=64 status=none
	# Anon (a 32 MiB shell variable), shmem (16 MiB in /dev/shm, a file per
	# instance) and page cache (the 64 MiB file).
	cat > /etc/systemd/system/$u <<UNIT
[Unit]
StartLimitIntervalSec=0
[Service]
Type=exec
ExecStartPre=/bin/rm -f $CGTEST_DISK/zram-$u.ready
ExecStart=/bin/bash -c 'printf -v x "%%33554432s" ""; dd if=/dev/urandom of=/dev/shm/cgtz-$u.\$\$\$\$ bs=1M count=16 status=none; cat $CGTEST_DISK/zram-$u > /dev/null; echo \$\${#x} > $CGTEST_DISK/zram-$u.ready; while :; do sleep 3600; done'
UNIT
done
sync
echo 3 > /proc/sys/vm/drop_caches

mkdir -p /etc/cgpersist/conf.d
cat > $conf <<CONF
[daemon]
proactive_interval = 1s
[service $svc]
drain = file
[service $pro]
drain = none
proactive_reclaim = yes
CONF
systemctl start cgpersistd.service
systemctl daemon-reload
cgctl reload >/dev/null
wait_for -t 30 systemctl -q is-active $slice || fail "entity $slice not started"
wait_for -t 30 systemctl -q is-active $pro_slice || fail "entity $pro_slice not started"

ready() { [ "$(cat "$CGTEST_DISK/zram-$1.ready" 2>/dev/null)" = 33554432 ]; }

# 1. The drain, with swap on.
systemctl start $svc
wait_for -t 60 ready $svc || fail "$svc did not get ready"
inv1=$(systemctl show -P InvocationID $svc)
s0=$(swap_used)
systemctl restart $svc
wait_for -t 60 ready $svc || fail "$svc did not get ready after its restart"
ev() { journalctl -b -o export MESSAGE_ID=$DRAINED CGPERSIST_INSTANCE="$inv1"; }
have_event() { ev | grep -q '^CGPERSIST_BYTES='; }
wait_for -t 20 have_event || fail "no drained event for the first instance of $svc"
s1=$(swap_used)
journalctl -b -o cat MESSAGE_ID=$DRAINED CGPERSIST_INSTANCE="$inv1" | sed 's/^/journal: /'
bytes=$(ev | sed -n 's/^CGPERSIST_BYTES=//p' | tail -1)
arg=$(ev | sed -n 's/^CGPERSIST_SWAPPINESS_ARG=//p' | tail -1)
msg=$(ev | sed -n 's/^MESSAGE=//p' | tail -1)
esw=$(<$CG/system.slice/$slice/memory.swap.current)
log "drain: swap in use $(mib "$s0") -> $(mib "$s1") MiB ($s0 -> $s1 B), entity swap $esw B, drained $(mib "$bytes") MiB, swappiness=0 taken: $arg"
assert_le "$s1" $((s0 + 256 * 1024)) "swap in use after the drain (bytes; before: $s0)"
assert_eq "$esw" 0 "memory.swap.current of $slice"
if [ "$arg" = 1 ]; then
	# The kernel takes swappiness=0: the whole page cache goes.
	assert_ge "$bytes" $((60 * MiB)) "bytes drained with swappiness=0"
else
	# Old kernel, swap in use, shmem charged: the swap guard held page
	# cache back, but what it allows (all but 16 MiB of the inactive
	# file list) was still drained.
	assert_match "$msg" "held back" "drain record on a kernel without swappiness=0"
	assert_ge "$bytes" $((40 * MiB)) "bytes drained with the swap guard"
fi

# 2. Proactive reclaim, with swap on. Where the kernel takes swappiness=0
# it takes the page cache of the leftovers; where it does not, it holds back
# entirely (anon and shmem are charged to the entity) and says so.
systemctl start $pro
wait_for -t 60 ready $pro || fail "$pro did not get ready"
s2=$(swap_used)
systemctl restart $pro
wait_for -t 60 ready $pro || fail "$pro did not get ready after its restart"
pj() { cgctl --json status $pro | jq -r ".entities[0].proactive.$1 // empty"; }
if [ "$arg" = 1 ]; then
	enough() { [ "$(pj reclaimed)" -ge $((32 * MiB)) ]; }
	wait_for -t 120 -i 1 enough || {
		cgctl status $pro || true
		fail "proactive reclaim took only $(pj reclaimed) B from $pro_slice"
	}
else
	held() { [ "$(pj backoff_reason)" = swap ]; }
	wait_for -t 60 -i 1 held || {
		cgctl status $pro || true
		fail "proactive reclaim of $pro_slice did not hold back for swap"
	}
	assert_eq "$(pj reclaimed)" 0 "proactive.reclaimed of $pro_slice, held back"
	BACKOFF=ee41fad3346241d5869dd71e8abe9d43
	assert_match "$(journalctl -b -o cat MESSAGE_ID=$BACKOFF CGPERSIST_ENTITY=$pro_slice)" "backs off \\(swap in use" "back-off record"
fi
# A few more intervals.
sleep 10
s3=$(swap_used)
esw=$(<$CG/system.slice/$pro_slice/memory.swap.current)
cgctl status $pro | sed 's/^/status: /'
journalctl -b -o cat MESSAGE_ID=ee41fad3346241d5869dd71e8abe9d43 CGPERSIST_ENTITY=$pro_slice | sed 's/^/journal: /'
log "proactive: swap in use $(mib "$s2") -> $(mib "$s3") MiB ($s2 -> $s3 B), entity swap $esw B, reclaimed $(mib "$(pj reclaimed)") MiB"
assert_le "$s3" $((s2 + 256 * 1024)) "swap in use after proactive reclaim (bytes; before: $s2)"
assert_eq "$esw" 0 "memory.swap.current of $pro_slice"
# Its shmem (two 16 MiB files) stayed in memory, charged below the entity.
shm=$(sed -n 's/^shmem //p' $CG/system.slice/$pro_slice/memory.stat)
assert_ge "$shm" $((31 * MiB)) "shmem of $pro_slice (bytes)"
