#!/bin/bash
# Removing a configured service's unit file (and daemon-reload) retires its
# entity: drained, residual logged, slice stopped, gone from the state. Taking
# a service out of the configuration does the same.
# timeout: 180
. "$CGTEST_LIB"

systemctl start cgpersistd.service

state=/var/lib/cgpersist/state
conf=/etc/cgpersist/conf.d/50-cgtest-retire.conf

cleanup() {
	systemctl stop cgtgone.service cgtdrop.service 2>/dev/null || true
	rm -f /etc/systemd/system/cgtgone.service /etc/systemd/system/cgtdrop.service $conf
	systemctl daemon-reload
}
trap cleanup EXIT

in_state() { grep -q "^entity slice=$1 " $state; }
not_in_state() { ! in_state "$1"; }
inactive() { ! systemctl -q is-active "$1"; }

for s in cgtgone cgtdrop; do
	printf '[Service]\nExecStart=/bin/sh -c "cat /usr/bin/* > /dev/null; exec sleep infinity"\n' > /etc/systemd/system/$s.service
done
printf '[service cgtgone.service]\n[service cgtdrop.service]\n' > $conf
systemctl daemon-reload
for s in cgtgone cgtdrop; do
	wait_for -t 20 systemctl -q is-active system-$s.slice || fail "entity of $s not started"
	systemctl start $s.service
	sleep 2
	systemctl stop $s.service
	wait_for -t 10 in_state system-$s.slice || fail "system-$s.slice not in the state"
done

# 1. The unit file goes away.
rm /etc/systemd/system/cgtgone.service
systemctl daemon-reload
wait_for -t 30 inactive system-cgtgone.slice || fail "system-cgtgone.slice still active after its unit file was removed"
wait_for -t 10 not_in_state system-cgtgone.slice || fail "retired entity still in the state"
msg=$(journalctl -b -o cat MESSAGE_ID=fb7d82b0b6b942bea125ab7c456d2378 CGPERSIST_ENTITY=system-cgtgone.slice)
log "$msg"
assert_match "$msg" "Retired entity system-cgtgone.slice .*residual" "retire message"
systemctl -q is-active system-cgtdrop.slice || fail "the other entity was retired too"

# 2. The configuration drops the service.
printf '[service cgtgone.service]\n' > $conf
systemctl daemon-reload
wait_for -t 30 inactive system-cgtdrop.slice || fail "system-cgtdrop.slice still active after leaving the configuration"
wait_for -t 10 not_in_state system-cgtdrop.slice || fail "dropped entity still in the state"
log "both entities retired"
