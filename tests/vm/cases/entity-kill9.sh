#!/bin/bash
# The entity and the instance history survive kill -9 of the daemon (systemd
# restarts it) and a clean restart of it: the slice never goes down, no
# record is lost, and instances started afterwards are recorded.
# timeout: 180
. "$CGTEST_LIB"

systemctl start cgpersistd.service

svc=cgtkill.service
slice=system-cgtkill.slice
state=/var/lib/cgpersist/state

cleanup() {
	systemctl stop $svc 2>/dev/null || true
	rm -f /etc/systemd/system/$svc /etc/cgpersist/conf.d/50-cgtest-kill.conf
	systemctl daemon-reload
}
trap cleanup EXIT

history() { grep -c "^instance unit=$svc " $state || true; }
history_is() { [ "$(history)" -eq "$1" ]; }
daemon_pid() { systemctl show -P MainPID cgpersistd.service; }
daemon_back() { systemctl -q is-active cgpersistd.service && [ "$(daemon_pid)" != "$1" ] && [ "$(daemon_pid)" != 0 ]; }

printf '[Service]\nExecStart=/bin/sleep infinity\n' > /etc/systemd/system/$svc
mkdir -p /etc/cgpersist/conf.d
printf '[service %s]\n' $svc > /etc/cgpersist/conf.d/50-cgtest-kill.conf
systemctl daemon-reload
wait_for -t 20 systemctl -q is-active $slice || fail "entity $slice not started"
systemctl start $svc
systemctl restart $svc
systemctl restart $svc
wait_for -t 10 history_is 3 || fail "expected 3 instances before the kill, have $(history)"
since=$(systemctl show -P ActiveEnterTimestampMonotonic $slice)
before=$(grep -A1000 "^entity slice=$slice " $state | grep "^instance unit=$svc " | md5sum)

pid=$(daemon_pid)
log "kill -9 cgpersistd ($pid)"
kill -9 "$pid"
wait_for -t 30 daemon_back "$pid" || fail "cgpersistd did not come back after kill -9"
log "cgpersistd back as $(daemon_pid)"
assert_eq "$(systemctl show -P ActiveEnterTimestampMonotonic $slice)" "$since" "entity untouched by the kill"
assert_eq "$(history)" 3 "history after kill -9"
after=$(grep -A1000 "^entity slice=$slice " $state | grep "^instance unit=$svc " | md5sum)
# The running instance's record is the same record: nothing duplicated, nothing lost.
assert_eq "$after" "$before" "instance records across kill -9"

systemctl restart $svc
wait_for -t 10 history_is 4 || fail "instance after the kill not recorded ($(history))"

pid=$(daemon_pid)
systemctl restart cgpersistd.service
wait_for -t 30 daemon_back "$pid" || fail "cgpersistd did not restart"
assert_eq "$(systemctl show -P ActiveEnterTimestampMonotonic $slice)" "$since" "entity untouched by a daemon restart"
assert_eq "$(history)" 4 "history after a clean restart"
systemctl restart $svc
wait_for -t 10 history_is 5 || fail "instance after the restart not recorded ($(history))"
log "history: $(history) instances, entity up since $since"
