#!/bin/bash
# cgtest_reboot: an orderly reboot, then a hard one; the case runs again in
# each boot with CGTEST_BOOT one higher, the disk keeps its files and the
# initramfs root does not.
# timeout: 60
. "$CGTEST_LIB"
mark=$CGTEST_DISK/selftest-reboot
log "boot $CGTEST_BOOT"
case $CGTEST_BOOT in
1)
	assert_no_file "$mark"
	echo 1 >"$mark"
	touch /var/tmp/selftest-reboot
	cgtest_reboot
	;;
2)
	assert_eq "$(cat "$mark")" 1 "what boot 1 left on the disk"
	assert_no_file /var/tmp/selftest-reboot
	echo 2 >"$mark"
	sync "$mark"
	cgtest_reboot --hard
	;;
3)
	assert_eq "$(cat "$mark")" 2 "what boot 2 synced before the hard reboot"
	rm -f "$mark"
	;;
*) fail "unexpected CGTEST_BOOT=$CGTEST_BOOT" ;;
esac
