#!/bin/bash
# A corrupt state file is set aside (state.corrupt-*), the journal says so
# with its MESSAGE_ID, and the daemon takes the whole copy it saved beside it
# (state.copy): no record is lost, and the configured service's entity is
# still there.
# timeout: 120
. "$CGTEST_LIB"

systemctl start cgpersistd.service
svc=cgtcorrupt.service
slice=system-cgtcorrupt.slice
state=/var/lib/cgpersist/state

cleanup() {
	systemctl stop $svc 2>/dev/null || true
	rm -f /etc/systemd/system/$svc /etc/cgpersist/conf.d/50-cgtest-corrupt.conf /var/lib/cgpersist/state.corrupt-*
	systemctl daemon-reload
}
trap cleanup EXIT
in_state() { grep -q "^entity slice=$slice " $state; }

printf '[Service]\nExecStart=/bin/sleep infinity\n' > /etc/systemd/system/$svc
mkdir -p /etc/cgpersist/conf.d
printf '[service %s]\n' $svc > /etc/cgpersist/conf.d/50-cgtest-corrupt.conf
systemctl daemon-reload
wait_for -t 20 in_state || fail "entity not in the state"
systemctl start $svc

systemctl restart $svc
wait_for -t 20 bash -c "[ \$(grep -c '^instance unit=$svc ' $state) -ge 2 ]" || fail "instances not in the state"
systemctl stop cgpersistd.service
records_before=$(grep -c "^instance " $state)
head -c 300 $state > $state.tmp
printf 'entity slice=%%zz garbage\n' >> $state.tmp
mv $state.tmp $state
systemctl start cgpersistd.service

ls /var/lib/cgpersist/state.corrupt-* >/dev/null 2>&1 || fail "corrupt state not set aside"
msg=$(journalctl -b -o cat MESSAGE_ID=e65a4f879cb84be78a4bce24fc80b844 | tail -n1)
log "journal: $msg"
assert_match "$msg" "corrupt" "state-corrupt event"
systemctl -q is-active $slice || fail "entity lost with the corrupt state"
wait_for -t 10 in_state || fail "entity not recorded again from what systemd shows"
assert_match "$(grep "^instance unit=$svc " $state)" "unit=$svc" "the running instance recorded again"
assert_match "$msg" "state.copy taken instead" "the copy taken"
records_after=$(grep -c "^instance " $state)
log "instance records: $records_before before the damage, $records_after after"
assert_ge "$records_after" "$records_before" "instance records kept through a corrupt state file"
log "$(head -n3 $state)"
