#!/bin/bash
# Entities and history survive reboots of the VM: an orderly reboot, then a
# hard one (sysrq b, nothing synced, as after a power loss) right after the
# daemon recorded a stop. /var/lib/cgpersist lives on the ext4 disk here (the
# guest's root is an initramfs that every boot starts afresh); the unit file
# and the configuration are written again in each boot before the daemon
# starts, as they would be found in /etc on a real host.
# timeout: 180
. "$CGTEST_LIB"

svc=cgtreboot.service
slice=system-cgtreboot.slice
conf=/etc/cgpersist/conf.d/50-cgtest-reboot.conf
keep=$CGTEST_DISK/cgtest-reboot
state=/var/lib/cgpersist/state

# closed: the instance records of $svc that have a stop time, one per line.
records() { grep "^instance unit=$svc " $state 2>/dev/null || true; }
closed() { records | grep -v ' stop=0 ' || true; }
count() { records | grep -c . || true; }
count_closed() { closed | grep -c . || true; }
count_is() { [ "$(count)" -eq "$1" ]; }
closed_is() { [ "$(count_closed)" -eq "$1" ]; }
entity_line() { grep "^entity slice=$slice " $state; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; } # FIELD < line

# What a real host keeps in /etc, and the daemon's state on the disk.
setup() {
	systemctl stop cgpersistd.service
	mkdir -p "$keep/var-lib-cgpersist" /var/lib/cgpersist /etc/cgpersist/conf.d
	mountpoint -q /var/lib/cgpersist || mount --bind "$keep/var-lib-cgpersist" /var/lib/cgpersist
	printf '[Service]\nExecStart=/bin/sleep infinity\n' >/etc/systemd/system/$svc
	printf '[service %s]\nmemory_high = 256M\n' $svc >$conf
	systemctl daemon-reload
	systemctl start cgpersistd.service
	wait_for -t 30 systemctl -q is-active $slice || fail "entity $slice not started (boot $CGTEST_BOOT)"
}
cleanup() {
	systemctl stop $svc cgpersistd.service 2>/dev/null || true
	umount /var/lib/cgpersist 2>/dev/null || true
	rm -rf /etc/systemd/system/$svc $conf "$keep"
	systemctl daemon-reload
}

[ -e /proc/sysrq-trigger ] || skip "no /proc/sysrq-trigger for the hard reboot"

case $CGTEST_BOOT in
1)
	rm -rf "$keep"
	setup
	systemctl start $svc
	systemctl restart $svc
	systemctl restart $svc
	wait_for -t 20 closed_is 2 || fail "expected 2 closed instances, have $(count_closed)"
	closed >"$keep/closed-1"
	entity_line >"$keep/entity-1"
	log "boot 1: $(count) instances, entity: $(cat "$keep/entity-1")"
	assert_eq "$(systemctl show -P MemoryHigh $slice)" $((256 << 20)) "MemoryHigh of the entity"
	# An orderly reboot: systemd stops the service (its stop hook runs)
	# and the daemon.
	cgtest_reboot
	;;
2)
	setup
	log "boot 2: entity: $(entity_line)"
	assert_eq "$(entity_line | field created)" "$(field created <"$keep/entity-1")" \
		"the entity's creation time after the reboot"
	assert_eq "$(systemctl show -P MemoryHigh $slice)" $((256 << 20)) "MemoryHigh of the entity after the reboot"
	# The records closed before the reboot, byte for byte; the instance
	# that ran when the guest went down is closed too, now or at shutdown.
	while IFS= read -r r; do
		records | grep -qxF -- "$r" || fail "record lost or changed by the reboot: $r"
	done <"$keep/closed-1"
	wait_for -t 20 closed_is 3 || fail "the instance of boot 1 still open: $(records | grep ' stop=0 ')"
	assert_eq "$(count)" 3 "instances after the reboot"
	# A new instance goes into the entity again.
	systemctl start $svc
	assert_eq "$(systemctl show -P Slice $svc)" $slice "the service's slice after the reboot"
	systemctl restart $svc
	wait_for -t 20 closed_is 4 || fail "instances of boot 2 not recorded ($(count_closed) closed)"
	assert_eq "$(entity_line | field restarts)" "$(($(field restarts <"$keep/entity-1") + 2))" \
		"restarts counted across the reboot"
	closed >"$keep/closed-2"
	sync "$keep/closed-2"
	log "boot 2: $(count) instances, $(count_closed) closed; hard reboot now"
	# No sync, no orderly stop: what the daemon wrote must already be on disk.
	cgtest_reboot --hard
	;;
3)
	trap cleanup EXIT
	setup
	log "boot 3: entity: $(entity_line)"
	ls /var/lib/cgpersist | grep -q corrupt && fail "the state was set aside as corrupt: $(ls /var/lib/cgpersist)"
	while IFS= read -r r; do
		records | grep -qxF -- "$r" || fail "record lost or changed by the hard reboot: $r"
	done <"$keep/closed-2"
	wait_for -t 20 closed_is 5 || fail "the instance of boot 2 still open"
	assert_eq "$(count)" 5 "instances after two reboots"
	log "history after two reboots: $(count) instances"
	;;
*) fail "unexpected CGTEST_BOOT=$CGTEST_BOOT" ;;
esac
