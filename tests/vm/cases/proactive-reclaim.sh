#!/bin/bash
# Proactive reclaim of leftovers: two services with drain=none each read
# a 64 MiB file, hold 16 MiB of anon memory and are restarted once, so the
# first instance's page cache stays under each entity as leftovers. The one
# with proactive_reclaim=yes sees its leftovers shrink toward the floor
# (8 MiB) within a bounded number of 1 s intervals while its live instance
# keeps its working set; the other is left alone. cgctl status, --json and
# the metrics show what was reclaimed.
# timeout: 300
. "$CGTEST_LIB"

CG=/sys/fs/cgroup
on=cgtpro.service
off=cgtpoff.service
on_slice=system-cgtpro.slice
off_slice=system-cgtpoff.slice
conf=/etc/cgpersist/conf.d/50-cgtest-proactive.conf

[ -e $CG/system.slice/memory.reclaim ] || skip "the kernel has no memory.reclaim (Linux 5.19+)"

cleanup() {
	systemctl stop $on $off 2>/dev/null || true
	rm -f /etc/systemd/system/$on /etc/systemd/system/$off $conf "$CGTEST_DISK"/proactive-*
	systemctl daemon-reload
}
trap cleanup EXIT

# The entity minus its live instance: what dead instances left behind.
leftovers() { # SLICE UNIT
	local e i
	e=$(<$CG/system.slice/$1/memory.current)
	i=$(<"$CG/system.slice/$1/$2/memory.current")
	echo $((e - i))
}

for u in $on $off; do
	dd if=/dev/urandom of="$CGTEST_DISK/proactive-$u" bs=1M count=64 status=none
	# The instance reads the file, then holds 16 MiB of anon memory in a
	# shell variable: its own working set.
	cat > /etc/systemd/system/$u <<UNIT
[Unit]
StartLimitIntervalSec=0
[Service]
Type=exec
ExecStartPre=/bin/rm -f $CGTEST_DISK/proactive-$u.ready
ExecStart=/bin/bash -c 'cat $CGTEST_DISK/proactive-$u > /dev/null; printf -v x "%%16777216s" ""; echo \$\${#x} > $CGTEST_DISK/proactive-$u.ready; while :; do sleep 3600; done'
UNIT
done
sync
echo 3 > /proc/sys/vm/drop_caches

mkdir -p /etc/cgpersist/conf.d
cat > $conf <<CONF
[daemon]
proactive_interval = 1s
log_level = debug
[service $on]
drain = none
proactive_reclaim = yes
[service $off]
drain = none
CONF

systemctl start cgpersistd.service
systemctl daemon-reload
systemctl -q is-active cgpersistd.service || fail "cgpersistd is not active"
cgctl reload >/dev/null
wait_for -t 30 systemctl -q is-active $on_slice || fail "entity $on_slice not started"
wait_for -t 30 systemctl -q is-active $off_slice || fail "entity $off_slice not started"

ready() { [ "$(cat "$CGTEST_DISK/proactive-$1.ready" 2>/dev/null)" = 16777216 ]; }
# The service without the option first: the other one's leftovers start
# shrinking as soon as its restart is done.
for u in $off $on; do
	systemctl start $u
	wait_for -t 60 ready $u || fail "$u did not get ready"
	systemctl restart $u
	wait_for -t 60 ready $u || fail "$u did not get ready after its restart"
	s=system-${u%.service}.slice
	log "$u: leftovers right after the restart $(mib "$(leftovers $s $u)") MiB, instance $(mib "$(<$CG/system.slice/$s/$u/memory.current)") MiB"
done

# Leftovers of the opted-in entity: from ~64 MiB toward the 8 MiB floor,
# an eighth of the rest (at least 1 MiB) per 1 s interval: about 25 steps.
# Kernel memory of the dead instance is not page cache and stays; allow it.
at_floor() { [ "$(leftovers $on_slice $on)" -le $((8 * MiB + 6 * MiB)) ]; }
wait_for -t 150 -i 1 at_floor || {
	cgctl status $on || true
	journalctl -b -u cgpersistd --no-pager | grep -i proactive | tail -20 || true
	fail "leftovers of $on_slice did not shrink to the floor: $(mib "$(leftovers $on_slice $on)") MiB"
}
lon=$(leftovers $on_slice $on)
loff=$(leftovers $off_slice $off)
ion=$(<$CG/system.slice/$on_slice/$on/memory.current)
log "after proactive reclaim: $on leftovers $(mib "$lon") MiB (instance $(mib "$ion") MiB), $off leftovers $(mib "$loff") MiB"
assert_ge "$lon" $((6 * MiB)) "leftovers of $on_slice (bytes): not below the floor, minus slack"
# The live instance keeps its 16 MiB of anon memory.
assert_ge "$ion" $((16 * MiB)) "charge of the live $on (bytes)"
# The service without the option is left alone.
assert_ge "$loff" $((56 * MiB)) "leftovers of $off_slice (bytes)"

# What the daemon shows.
cgctl status $on | sed 's/^/status: /'
assert_match "$(cgctl status $on)" "Proactive: reclaimed [0-9.]+[KMG]" "cgctl status $on"
j=$(cgctl --json status $on)
rec=$(jq -r '.entities[0].proactive.reclaimed' <<<"$j")
steps=$(jq -r '.entities[0].proactive.steps' <<<"$j")
log "GetEntity: proactive reclaimed $rec B in $steps steps"
assert_ge "$rec" $((40 * MiB)) "proactive.reclaimed of $on_slice"
assert_le "$steps" 60 "proactive.steps of $on_slice"
assert_eq "$(cgctl --json status $off | jq -r '.entities[0].proactive // "none"')" none "proactive object of $off_slice"
assert_match "$(cgctl metrics)" "cgpersist_proactive_reclaimed_bytes_total\{entity=\"$on_slice\"[^}]*\} [1-9]" "metrics of $on_slice"
assert_match "$(cgctl metrics)" "cgpersist_proactive_reclaimed_bytes_total\{entity=\"$off_slice\"[^}]*\} 0" "metrics of $off_slice"
