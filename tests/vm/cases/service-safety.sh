#!/bin/bash
# Services never pay for cgpersist's faults: a configured service with a
# persistent tmpfs (tmpfs=) restarts, stops and starts with Result=success
# while cgpersistd is stopped, killed (SIGKILL), hung (SIGSTOP) or without its
# private socket, and while the entity's keeper is hung (SIGSTOP: the stop
# hook's wait for it is bounded and logged) or killed in the middle of a
# copy. Each stop completes; the seconds each step took are printed, not
# asserted. The tmpfs data is intact (checksums) and, once the daemon is
# back, the history holds every instance that ran.
# timeout: 240
. "$CGTEST_LIB"

svc=cgtss.service
slice=system-cgtss.slice
keeper=cgpersist-keeper@system-cgtss.service
mnt=/srv/cgtss
conf=/etc/cgpersist/conf.d/50-cgtest-safety.conf
tune=/run/systemd/system/$svc.d/60-cgtest-rehome-timeout.conf
WAIT_EXPIRED=153b981ceae44f92ba34510c94fb704b

cleanup() {
	local p
	for u in cgpersistd.service $keeper; do
		p=$(systemctl show -P MainPID "$u" 2>/dev/null) || continue
		[ "${p:-0}" -gt 0 ] && kill -CONT "$p" 2>/dev/null || true
	done
	systemctl start cgpersistd.service 2>/dev/null || true
	systemctl stop $svc 2>/dev/null || true
	systemctl stop $keeper 2>/dev/null || true
	umount $mnt 2>/dev/null || true
	rmdir $mnt 2>/dev/null || true
	rm -rf /etc/systemd/system/$svc $conf ${tune%/*}
	systemctl daemon-reload
}
trap cleanup EXIT

# Every instance writes 8 MiB of fresh data on the tmpfs (charged to it
# until the stop hook has the keeper copy it), the first also a state file.
cat > /etc/systemd/system/$svc <<UNIT
[Unit]
StartLimitIntervalSec=0
[Service]
Type=exec
ExecStart=/bin/sh -c '[ -f $mnt/state ] || head -c 4M /dev/urandom > $mnt/state; rm -f $mnt/work; head -c 8M /dev/urandom > $mnt/work.new && mv $mnt/work.new $mnt/work; exec sleep infinity'
UNIT
mkdir -p /etc/cgpersist/conf.d ${tune%/*}
printf '[service %s]\ntmpfs = %s size=32M mode=0755\n' $svc $mnt > $conf
systemctl start cgpersistd.service
systemctl daemon-reload
dropin=/run/systemd/generator/$svc.d/zz-cgpersist.conf
hook=$(sed -n 's/^ExecStopPost=//p' $dropin)
assert_match "$hook" "--rehome" "stop hook re-homes"
# The operator's bound on the wait for the keeper, short for this case.
printf '[Service]\nExecStopPost=\nExecStopPost=%s --rehome-timeout=2s\n' "$hook" > $tune
systemctl daemon-reload
wait_for -t 30 systemctl -q is-active $slice || fail "entity $slice not started by the daemon"

invs=()
written() { [ -f $mnt/work ] && [ "$(stat -c %s $mnt/work)" -eq $((8 * MiB)) ]; }
checksum() { (cd $mnt && sha256sum state work) | sha256sum | cut -d' ' -f1; }
secs() { awk "BEGIN{printf \"%.2f\", ($EPOCHREALTIME - $1)}"; }
started() {
	assert_eq "$(systemctl is-active $svc)" active "$1: $svc active"
	invs+=("$(systemctl show -P InvocationID $svc)")
	wait_for -t 30 written || fail "$1: the instance did not write its data"
}
stopped() {
	assert_eq "$(systemctl show -P ActiveState $svc)" inactive "$1: stop completed"
	assert_eq "$(systemctl show -P Result $svc)" success "$1: Result"
}
# cycle FAULT: restart, stop, start; each step with its Result and time
cycle() {
	local t sum
	sum=$(checksum)
	t=$EPOCHREALTIME
	systemctl restart $svc
	assert_eq "$(systemctl show -P Result $svc)" success "$1: Result of the restart"
	local tr
	tr=$(secs "$t")
	started "$1: restart"
	sum=$(checksum)
	t=$EPOCHREALTIME
	systemctl stop $svc
	local ts
	ts=$(secs "$t")
	stopped "$1: stop"
	assert_eq "$(checksum)" "$sum" "$1: tmpfs data after the stop"
	t=$EPOCHREALTIME
	systemctl start $svc
	log "$1: restart ${tr} s, stop ${ts} s, start $(secs "$t") s"
	started "$1: start"
}
daemon_pid() { systemctl show -P MainPID cgpersistd.service; }

systemctl start $svc
started "first start"
state_sum=$(sha256sum $mnt/state | cut -d' ' -f1)

# The daemon stopped for maintenance
systemctl stop cgpersistd.service
cycle "daemon stopped"
systemctl start cgpersistd.service

# The daemon killed: systemd restarts it a second later, the service goes on
kill -KILL "$(daemon_pid)"
cycle "daemon killed"
wait_for -t 30 systemctl -q is-active cgpersistd.service || fail "daemon not back after SIGKILL"

# The daemon hung
pid=$(daemon_pid)
kill -STOP "$pid"
cycle "daemon hung (SIGSTOP)"
kill -CONT "$pid"

# Its private socket gone
rm -f /run/cgpersist/private
cycle "daemon socket removed"
systemctl restart cgpersistd.service
assert_file /run/cgpersist/private "the daemon's socket after its restart"

# The keeper hung: the stop hook waits for it 2 s (the bound set above), logs
# that and goes on; the data stays where it is.
t_hang=$(date '+%Y-%m-%d %H:%M:%S')
kpid=$(systemctl show -P MainPID $keeper)
assert_ne "$kpid" 0 "keeper running"
kill -STOP "$kpid"
cycle "keeper hung (SIGSTOP)"
kill -CONT "$kpid"
ev=$(journalctl -q -o export --since "$t_hang" MESSAGE_ID=$WAIT_EXPIRED)
n=$(grep -c "^CGPERSIST_WAIT=the keeper's re-homing" <<<"$ev" || true)
log "stop hook's bounded waits for the hung keeper: $n"
journalctl -q -o cat --since "$t_hang" MESSAGE_ID=$WAIT_EXPIRED | sed 's/^/journal: /'
assert_ge "$n" 2 "bounded waits logged (restart and stop)"

# The keeper killed while it copies the last instance's data at the stop
for i in 1 2 3; do
	sum=$(checksum)
	t=$EPOCHREALTIME
	systemctl stop --no-block $svc
	# The hook runs within a few hundred ms of the stop; kill at a point
	# somewhat later each time.
	sleep "0.$((i * 2))"
	systemctl kill -s KILL $keeper 2>/dev/null || true
	wait_for -t 60 bash -c "[ \"\$(systemctl show -P ActiveState $svc)\" = inactive ]" ||
		fail "keeper killed ($i): the stop did not complete"
	log "keeper killed ($i): stop $(secs "$t") s"
	stopped "keeper killed ($i)"
	assert_eq "$(checksum)" "$sum" "keeper killed ($i): tmpfs data"
	wait_for -t 30 systemctl -q is-active $keeper || fail "keeper not back after SIGKILL"
	findmnt -n --mountpoint $mnt >/dev/null || fail "$mnt unmounted after the keeper was killed"
	t=$EPOCHREALTIME
	systemctl start $svc
	log "keeper killed ($i): start $(secs "$t") s"
	started "keeper killed ($i): start"
done
assert_eq "$(sha256sum $mnt/state | cut -d' ' -f1)" "$state_sum" "state file written by the first instance"
systemctl stop $svc
stopped "last stop"

# The daemon back: every instance that ran is in the history, in order.
systemctl -q is-active cgpersistd.service || systemctl start cgpersistd.service
log "instances started: ${#invs[@]}"
want=$(printf '%s\n' "${invs[@]}" | jq -R . | jq -sc .)
complete() {
	cgctl --json history $svc | jq -e --argjson want "$want" '
		[.instances[] | select(.invocation_id as $i | $want | index($i)) | .invocation_id] == $want' >/dev/null
}
wait_for -t 30 complete || fail "history lacks instances: $(cgctl --json history $svc | jq -c '[.instances[].invocation_id]') want $want"
n=$(cgctl --json history $svc | jq --argjson want "$want" '[.instances[] | select(.invocation_id as $i | $want | index($i))] | length')
assert_eq "$n" "${#invs[@]}" "instances in the history = starts"
log "PASS: ${#invs[@]} starts, ${#invs[@]} in the history"
