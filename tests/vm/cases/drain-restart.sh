#!/bin/bash
# The drain figures: a configured service (default drain=file)
# that reads a 64 MiB file from the ext4 disk and appends an 8 MiB log per
# instance, restarted so that 6 instances run. The stop hook drains each dead
# instance: nothing is left in system.slice outside a live cgroup, instances
# 2..6 are charged their whole 72 MiB working set, at most one dying cgroup
# is left under the entity, and every drain is in the journal.
# timeout: 240
. "$CGTEST_LIB"

CG=/sys/fs/cgroup
svc=cgtdrain.service
slice=system-cgtdrain.slice
conf=/etc/cgpersist/conf.d/50-cgtest-drain.conf
data=$CGTEST_DISK/drain-data
logf=$CGTEST_DISK/drain-log
DRAINED=5661e915c23348ddbeee96d9d057d056

[ -e $CG/system.slice/memory.reclaim ] || skip "the kernel has no memory.reclaim (Linux 5.19+)"

cleanup() {
	systemctl stop "$svc" 2>/dev/null || true
	rm -f /etc/systemd/system/$svc $conf "$data" "$logf"
	systemctl daemon-reload
}
trap cleanup EXIT

systemctl start cgpersistd.service

log_at_least() { [ -f "$logf" ] && [ "$(stat -c %s "$logf")" -ge "$1" ]; }

dd if=/dev/urandom of="$data" bs=1M count=64 status=none
rm -f "$logf"
sync
echo 3 > /proc/sys/vm/drop_caches

cat > /etc/systemd/system/$svc <<UNIT
[Unit]
# restarted faster than the default start limit (5 in 10 s) allows
StartLimitIntervalSec=0
[Service]
Type=exec
ExecStart=/bin/sh -c 'cat $data > /dev/null; dd if=/dev/zero of=$logf bs=1M count=8 oflag=append conv=notrunc,fsync status=none; exec sleep infinity'
UNIT
mkdir -p /etc/cgpersist/conf.d
printf '[service %s]\n' $svc > $conf

u0=$(unowned)
systemctl daemon-reload
dropin=/run/systemd/generator/$svc.d/zz-cgpersist.conf
assert_file $dropin "generator drop-in"
assert_match "$(cat $dropin)" "ExecStopPost=-\+[^ ]*cgpersist-drain .*--mode=file" "stop hook in the drop-in"
assert_eq "$(systemctl show -P Slice $svc)" $slice "Slice= of $svc"
wait_for -t 30 systemctl -q is-active $slice || fail "entity $slice not started by the daemon"

charges=()
for i in 1 2 3 4 5 6; do
	if [ $i = 1 ]; then systemctl start $svc; else systemctl restart $svc; fi
	wait_for -t 60 log_at_least $((i * 8 * MiB)) || fail "instance $i did not read its data and write its log"
	cg=$CG$(systemctl show -P ControlGroup $svc)
	assert_eq "$cg" "$CG/system.slice/$slice/$svc" "cgroup of instance $i"
	c=$(<"$cg/memory.current")
	charges+=("$c")
	log "instance $i: charge $(mib "$c") MiB ($c B), entity $(mib "$(<$CG/system.slice/$slice/memory.current)") MiB, unowned in system.slice $(mib "$(unowned)") MiB, dying under entity $(dying_under $slice)"
done

# Instances 2..6: the 64 MiB file and their 8 MiB log, within 10 %.
want=$((72 * MiB))
for i in 2 3 4 5 6; do
	c=${charges[i - 1]}
	assert_ge "$c" $((want - want / 10)) "charge of instance $i (bytes)"
	assert_le "$c" $((want + want / 10)) "charge of instance $i (bytes)"
done

# Dead instances leave at most one dying cgroup (the last one may still be on
# its way out).
wait_dying_at_most $slice 1
d=$(dying_under $slice)
log "nr_dying_descendants of $slice after 6 instances: $d"
assert_le "$d" 1 "dying cgroups under the entity"

u1=$(unowned)
log "unowned in system.slice: before $(mib "$u0") MiB, after $(mib "$u1") MiB ($u0 -> $u1 B)"
assert_le $(((u1 - u0) / MiB)) 8 "memory left in system.slice outside any live cgroup (MiB, drift)"
assert_ge $(((u1 - u0) / MiB)) -8 "memory left in system.slice outside any live cgroup (MiB, drift)"

# The journal: one drained event per stopped instance, each with bytes.
ev() { journalctl -b -o export MESSAGE_ID=$DRAINED CGPERSIST_SERVICE=$svc; }
have_events() { [ "$(ev | grep -c '^CGPERSIST_BYTES=')" -ge 5 ]; }
wait_for -t 20 have_events || { ev | grep -E '^(MESSAGE|CGPERSIST_)' || true; fail "fewer than 5 drained events for $svc"; }
journalctl -b -o cat MESSAGE_ID=$DRAINED CGPERSIST_SERVICE=$svc | sed 's/^/journal: /'
bytes=$(ev | sed -n 's/^CGPERSIST_BYTES=//p')
usec=$(ev | sed -n 's/^CGPERSIST_USEC=//p')
log "drained bytes per stop: $(echo $bytes); usec: $(echo $usec)"
n=0
for b in $bytes; do
	n=$((n + 1))
	assert_ge "$b" 1 "CGPERSIST_BYTES of drained event $n"
done
assert_ge $n 5 "drained events"
