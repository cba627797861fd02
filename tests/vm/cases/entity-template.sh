#!/bin/bash
# Instances of a template (cgttpl@a, cgttpl@b) share one entity, the family's
# slice, and are both recorded in its history.
# timeout: 120
. "$CGTEST_LIB"

systemctl start cgpersistd.service

slice=system-cgttpl.slice
state=/var/lib/cgpersist/state

cleanup() {
	systemctl stop 'cgttpl@a.service' 'cgttpl@b.service' 2>/dev/null || true
	rm -f /etc/systemd/system/cgttpl@.service /etc/cgpersist/conf.d/50-cgtest-tpl.conf
	systemctl daemon-reload
}
trap cleanup EXIT
recorded() { grep -q "^instance unit=cgttpl@$1.service " $state; }

printf '[Service]\nExecStart=/bin/sleep infinity\n' > /etc/systemd/system/cgttpl@.service
mkdir -p /etc/cgpersist/conf.d
printf '[service cgttpl@.service]\n' > /etc/cgpersist/conf.d/50-cgtest-tpl.conf
systemctl daemon-reload
wait_for -t 20 systemctl -q is-active $slice || fail "family entity $slice not started"
systemctl start cgttpl@a.service cgttpl@b.service
assert_eq "$(systemctl show -P ControlGroup cgttpl@a.service)" "/system.slice/$slice/cgttpl@a.service" "cgroup of @a"
assert_eq "$(systemctl show -P ControlGroup cgttpl@b.service)" "/system.slice/$slice/cgttpl@b.service" "cgroup of @b"
wait_for -t 10 recorded a || fail "cgttpl@a not recorded"
wait_for -t 10 recorded b || fail "cgttpl@b not recorded"
assert_eq "$(grep -c "^entity slice=$slice " $state)" 1 "one entity for the family"
log "$(grep "^entity slice=$slice " $state)"
