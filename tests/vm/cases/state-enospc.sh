#!/bin/bash
# Nothing recorded is lost to a failed save of the state. /var/lib/cgpersist
# is made full (a small tmpfs over it, filled up: ENOSPC), a configured
# service is restarted: the save fails, the journal says so (MESSAGE_ID),
# cgctl status shows it, the state is kept in /run/cgpersist/unsaved; the
# daemon is restarted and still has every record; space is freed and the
# next attempt saves them all. Then the same with /var/lib/cgpersist
# read-only (EROFS), with and without a restart of the daemon.
# timeout: 240
. "$CGTEST_LIB"

svc=cgtse.service
slice=system-cgtse.slice
conf=/etc/cgpersist/conf.d/50-cgtest-enospc.conf
var=/var/lib/cgpersist
unsaved=/run/cgpersist/unsaved/state
FAILED=344b6ee27f1f4d2493e746f91e79b33b
SAVED=aca8bd418f564c9cbba7db4d1dfc5c88
RECOVERED=3aab14c774594e23bc50b575e851d9d8
problems=()

cleanup() {
	systemctl stop $svc 2>/dev/null || true
	systemctl stop cgpersistd.service 2>/dev/null || true
	umount $var 2>/dev/null || true
	rm -f /etc/systemd/system/$svc $conf
	systemctl daemon-reload
	systemctl start cgpersistd.service || true
}
trap cleanup EXIT

# A check that does not end the case: everything that went wrong is listed
# at the end (on the code before this was fixed, the records lost).
check() { # WHAT CMD...
	local what=$1
	shift
	if "$@"; then
		log "ok: $what"
	else
		log "NOT OK: $what"
		problems+=("$what")
	fi
}
invocations() { cgctl --json history $svc | jq -r '.instances[].invocation_id' | tr '\n' ' '; }
n_history() { cgctl --json history $svc | jq '.instances | length'; }
history_is() { [ "$(n_history)" -eq "$1" ]; }
in_file() { # INVOCATIONS: each of them in the saved state file
	local i
	for i in $1; do grep -q "invocation=$i" $var/state || return 1; done
}
# A point in time (realtime µs) and the entries of an id after it. (Not a
# cursor: --after-cursor with a match found nothing on systemd 252.)
journal_after() { # USEC MESSAGE_ID
	journalctl -q -b MESSAGE_ID="$2" -o json |
		jq -r --argjson t "$1" 'select((.__REALTIME_TIMESTAMP | tonumber) > $t) | .MESSAGE'
}
journal_has() { # USEC MESSAGE_ID
	[ -n "$(journal_after "$1" "$2")" ]
}
cursor() { date +%s%6N; }
daemon_pid() { systemctl show -P MainPID cgpersistd.service; }
restart_daemon() {
	local pid
	pid=$(daemon_pid)
	systemctl restart cgpersistd.service
	wait_for -t 30 systemctl -q is-active cgpersistd.service
	[ "$(daemon_pid)" != "$pid" ] || fail "cgpersistd did not restart"
}
restart_svc() { # the new record is in the history (running)
	local n
	n=$(n_history)
	systemctl restart $svc
	wait_for -t 15 history_is $((n + 1)) || fail "restart of $svc not recorded: $(n_history) records"
}

printf '[Service]\nExecStart=/bin/sleep infinity\n' >/etc/systemd/system/$svc
mkdir -p /etc/cgpersist/conf.d
printf '[service %s]\n' $svc >$conf
systemctl daemon-reload
systemctl start cgpersistd.service
systemctl reload cgpersistd.service
wait_for -t 20 systemctl -q is-active $slice || fail "entity $slice not started"
systemctl start $svc
wait_for -t 15 history_is 1 || fail "first instance not recorded"
restart_svc

# A full /var/lib/cgpersist: the daemon is started again over it (its own
# mount namespace sees the mounts of the host at its start).
systemctl stop cgpersistd.service
mkdir -p "$CGTEST_TMP/var"
cp -a $var/. "$CGTEST_TMP/var/"
mount -t tmpfs -o size=256k,mode=0755 cgtest-full $var
cp -a "$CGTEST_TMP/var/." $var/
systemctl start cgpersistd.service
dd if=/dev/zero of=$var/filler bs=4k status=none 2>/dev/null || true
log "$var: $(df -h --output=size,used,avail $var | tail -1)"
before_full=$(invocations)

c=$(cursor)
restart_svc
restart_svc
all=$(invocations)
log "records: $all"
check "the failed save is in the journal (MESSAGE_ID $FAILED)" wait_for -t 10 journal_has "$c" $FAILED
journal_after "$c" $FAILED | sed 's/^/#   /'
st=$(cgctl status)
log "cgctl status: $(grep '^State' <<<"$st" || echo '(no State line)')"
check "cgctl status shows the failure" grep -q '^State: NOT SAVED since .*No space left on device.*kept in /run/cgpersist/unsaved/state' <<<"$st"
check "the daemon's StateSaveFailures" test "$(busctl get-property org.cgpersist1 /org/cgpersist1 org.cgpersist1.Manager StateSaveFailures 2>/dev/null | cut -d' ' -f2)" -ge 1
check "the state is kept in $unsaved" test -s $unsaved

restart_daemon
log "after a daemon restart: $(invocations)"
check "every record after a daemon restart with /var/lib full" test "$(invocations)" = "$all"
check "the daemon says it took the state from /run (MESSAGE_ID $RECOVERED)" journal_has "$c" $RECOVERED

c=$(cursor)
rm -f $var/filler
check "saved again once there is space (MESSAGE_ID $SAVED)" wait_for -t 40 journal_has "$c" $SAVED
check "every record in $var/state" in_file "$all"
check "the copy in /run removed" test ! -e $unsaved
check "cgctl status without a failure" bash -c "! cgctl status | grep -q '^State:'"
log "records before /var/lib was full: $before_full; saved: $(grep -c "^instance unit=$svc " $var/state)"

# Read-only, as after errors=remount-ro: the save fails, and succeeds
# again once the file system is read-write.
mount -o remount,ro $var
c=$(cursor)
restart_svc
all=$(invocations)
check "the failed save (read-only) is in the journal" wait_for -t 10 journal_has "$c" $FAILED
check "cgctl status shows it" bash -c "cgctl status | grep -q '^State: NOT SAVED since .*Read-only file system'"
c=$(cursor)
mount -o remount,rw $var
check "saved again once read-write" wait_for -t 40 journal_has "$c" $SAVED
check "every record in $var/state" in_file "$all"

# Read-only across a restart of the daemon. A daemon started while it was
# read-only sees it so until it restarts (its own mount of the directory,
# which systemd makes at its start, keeps the flags of that time).
mount -o remount,ro $var
c=$(cursor)
restart_svc
all=$(invocations)
check "the failed save (read-only) is in the journal" wait_for -t 10 journal_has "$c" $FAILED
restart_daemon
check "every record after a daemon restart with /var/lib read-only" test "$(invocations)" = "$all"
mount -o remount,rw $var
c=$(cursor)
restart_daemon
check "saved once the restarted daemon finds it read-write" wait_for -t 20 journal_has "$c" $RECOVERED
check "every record in $var/state" wait_for -t 10 in_file "$all"
check "the copy in /run removed" wait_for -t 10 test ! -e $unsaved

# Back to the real /var/lib/cgpersist, with what was saved here.
systemctl stop $svc
systemctl stop cgpersistd.service
cp -a $var/state "$CGTEST_TMP/state.saved"
umount $var
cp "$CGTEST_TMP/state.saved" $var/state
systemctl start cgpersistd.service

((${#problems[@]} == 0)) || fail "${#problems[@]} problem(s): $(printf '%s; ' "${problems[@]}")"
log "nothing lost: $(n_history) records of $svc"
