#!/bin/bash
# A configured service restarted 4 times keeps one entity slice, active the
# whole time; every instance runs in it; the page cache and log its instances
# leave behind stay charged below the entity and none of it lands in
# system.slice outside a live cgroup; the daemon records every instance with
# its charge at stop.
# timeout: 240
. "$CGTEST_LIB"

systemctl start cgpersistd.service

svc=cgtrestart.service
slice=system-cgtrestart.slice
CG=/sys/fs/cgroup

cleanup() {
	systemctl stop "$svc" 2>/dev/null || true
	rm -f /etc/systemd/system/$svc /etc/cgpersist/conf.d/50-cgtest-restart.conf
	systemctl daemon-reload
}
trap cleanup EXIT


log_at_least() { [ -f "$CGTEST_DISK/restart-log" ] && [ "$(stat -c %s "$CGTEST_DISK/restart-log")" -ge "$1" ]; }
history_at_least() { [ "$(grep -c "^instance unit=$svc " /var/lib/cgpersist/state)" -ge "$1" ]; }

dd if=/dev/urandom of="$CGTEST_DISK/restart-data" bs=1M count=32 status=none
sync
echo 3 > /proc/sys/vm/drop_caches

cat > /etc/systemd/system/$svc <<UNIT
[Service]
Type=exec
ExecStart=/bin/sh -c 'cat $CGTEST_DISK/restart-data > /dev/null; dd if=/dev/zero of=$CGTEST_DISK/restart-log bs=1M count=4 oflag=append conv=notrunc,fsync status=none; exec sleep infinity'
UNIT
mkdir -p /etc/cgpersist/conf.d
printf '[service %s]\nmemory_high = 1G\n' $svc > /etc/cgpersist/conf.d/50-cgtest-restart.conf

u0=$(unowned)
systemctl daemon-reload
assert_file /run/systemd/generator/$svc.d/zz-cgpersist.conf "generator drop-in"
assert_match "$(systemctl show -P Slice $svc)" "^$slice\$" "Slice= of $svc"
wait_for -t 20 systemctl -q is-active $slice || fail "entity $slice not started by the daemon"
log "entity $slice active before the first instance"
assert_eq "$(systemctl show -P MemoryHigh $slice)" $((1 << 30)) "MemoryHigh of the entity (set through systemd)"
since=$(systemctl show -P ActiveEnterTimestampMonotonic $slice)

for i in 1 2 3 4 5; do
	if [ $i = 1 ]; then systemctl start $svc; else systemctl restart $svc; fi
	# the instance has read its data once the log grows
	wait_for -t 30 log_at_least $((i * 4 << 20)) || fail "instance $i did not run"
	cg=$(systemctl show -P ControlGroup $svc)
	assert_eq "$cg" "/system.slice/$slice/$svc" "cgroup of instance $i"
	log "instance $i: $(($(cat $CG$cg/memory.current) >> 20)) MiB in $cg, entity $(($(cat $CG/system.slice/$slice/memory.current) >> 20)) MiB"
done

assert_eq "$(systemctl show -P ActiveEnterTimestampMonotonic $slice)" "$since" "entity never restarted"
ent=$(cat $CG/system.slice/$slice/memory.current)
assert_ge $((ent >> 20)) 32 "entity charge (MiB) holds the service's data"
u1=$(unowned)
log "unowned in system.slice: before $((u0 >> 20)) MiB, after $((u1 >> 20)) MiB; entity $((ent >> 20)) MiB"
assert_le $(((u1 - u0) >> 20)) 4 "memory left in system.slice outside any live cgroup (MiB)"

# The daemon's record: one entity, five instances, four with their charge at stop.
systemctl stop $svc
state=/var/lib/cgpersist/state
wait_for -t 10 history_at_least 5 || { cat $state; fail "history incomplete"; }
assert_eq "$(grep -c "^entity slice=$slice " $state)" 1 "entities for the service"
stopped=$(grep "^instance unit=$svc " $state | grep -vc ' charge=18446744073709551615' || true)
assert_ge "$stopped" 5 "instances with a charge at stop"
journalctl -b -o cat MESSAGE_ID=a790ac02b59948bc94de4da3ffb7a039 CGPERSIST_SERVICE=$svc | tail -n 2
assert_ge "$(journalctl -b -o cat MESSAGE_ID=a790ac02b59948bc94de4da3ffb7a039 CGPERSIST_SERVICE=$svc | wc -l)" 5 "instance-stopped journal events"
