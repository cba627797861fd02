#!/bin/bash
# A broken configuration on reload (systemctl reload, SIGHUP, daemon-reload) is
# rejected with file:line in the journal and nothing changes: entities stay,
# limits stay, drop-ins stay, nothing is retired; systemctl reload fails; a
# restarted daemon keeps the last good configuration too.
# timeout: 180
. "$CGTEST_LIB"

systemctl start cgpersistd.service

svc=cgtconf.service
slice=system-cgtconf.slice
good=/etc/cgpersist/conf.d/50-cgtest-conf.conf
bad=/etc/cgpersist/conf.d/99-cgtest-bad.conf

cleanup() {
	systemctl stop $svc 2>/dev/null || true
	rm -f /etc/systemd/system/$svc $good $bad
	systemctl daemon-reload
	systemctl reload cgpersistd || true
}
trap cleanup EXIT

printf '[Service]\nExecStart=/bin/sleep infinity\n' > /etc/systemd/system/$svc
mkdir -p /etc/cgpersist/conf.d
printf '[service %s]\nmemory_max = 512M\n' $svc > $good
systemctl daemon-reload
wait_for -t 20 systemctl -q is-active $slice || fail "entity not started"
assert_eq "$(systemctl show -P MemoryMax $slice)" $((512 << 20)) "MemoryMax of the entity"
systemctl start $svc

# Broken: a bad size on line 3, and an entity-less drop of the good service.
printf '[service %s]\n# line 2\nmemory_max = 12 potatoes\n' $svc > $bad
printf '# the good section is gone\n' > $good
rc=0
out=$(systemctl reload cgpersistd 2>&1) || rc=$?
log "systemctl reload with a broken configuration: rc=$rc $out"
((rc != 0)) || fail "systemctl reload succeeded with a broken configuration"
# SIGHUP (no one to tell) rejects it just the same.
systemctl kill --kill-who=main -s HUP cgpersistd
rejected() { journalctl -b -o cat MESSAGE_ID=180f5be14a144e208aff4fc2d58b58d3 | grep -q 99-cgtest-bad.conf; }
wait_for -t 10 rejected || fail "no configuration-rejected event in the journal"
err=$(journalctl -b -o cat MESSAGE_ID=180f5be14a144e208aff4fc2d58b58d3 | grep 99-cgtest-bad.conf | tail -n1)
log "journal: $err"
assert_match "$err" "99-cgtest-bad.conf:3" "error names file:line"
systemctl -q is-active cgpersistd || fail "daemon died on a bad configuration"
systemctl -q is-active $slice || fail "entity retired on a rejected configuration"
assert_eq "$(systemctl show -P MemoryMax $slice)" $((512 << 20)) "MemoryMax unchanged"

# daemon-reload: the generator refuses the files too, and places per the last good one.
systemctl daemon-reload
sleep 2
assert_file /run/systemd/generator/$svc.d/zz-cgpersist.conf "drop-in kept by the generator"
assert_eq "$(systemctl show -P Slice $svc)" $slice "Slice= kept"
systemctl -q is-active $slice || fail "entity retired after daemon-reload with a rejected configuration"

# A restarted daemon starts from the last good configuration.
systemctl restart cgpersistd
wait_for -t 30 systemctl -q is-active cgpersistd || fail "daemon did not restart"
sleep 2
systemctl -q is-active $slice || fail "entity retired by a daemon restarted on a broken configuration"
journalctl -b -u cgpersistd -o cat | grep -q "last good configuration" || fail "no word of the last good configuration"

# Fixed: the good configuration comes back in force.
rm -f $bad
printf '[service %s]\nmemory_max = 256M\n' $svc > $good
systemctl reload cgpersistd
wait_for -t 10 test "$(systemctl show -P MemoryMax $slice)" = $((256 << 20)) || fail "new limit not applied after the fix"
log "fixed configuration applied: MemoryMax $(systemctl show -P MemoryMax $slice)"
