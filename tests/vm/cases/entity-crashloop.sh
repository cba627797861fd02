#!/bin/bash
# A configured service in a crash loop (Restart=always, no start limit):
# every instance is in the history once, and the journal says each start
# and each stop once, also while systemd waits to start the next instance
# (the unit is "activating" then, still with the invocation ID of the one
# that stopped).
# timeout: 120
. "$CGTEST_LIB"

svc=cgtloop.service
slice=system-cgtloop.slice
STARTED=50fdc16d46aa437f9cccb61927722f5f
STOPPED=a790ac02b59948bc94de4da3ffb7a039

cleanup() {
	systemctl stop $svc 2>/dev/null || true
	rm -f /etc/systemd/system/$svc /etc/cgpersist/conf.d/50-cgtest-loop.conf
	systemctl daemon-reload
}
trap cleanup EXIT

cat >/etc/systemd/system/$svc <<UNIT
[Unit]
StartLimitIntervalSec=0
[Service]
Type=exec
Restart=always
RestartSec=300ms
ExecStart=/bin/sh -c 'sleep 0.5; exit 1'
UNIT
mkdir -p /etc/cgpersist/conf.d
printf '[service %s]\n' $svc >/etc/cgpersist/conf.d/50-cgtest-loop.conf
systemctl start cgpersistd
systemctl daemon-reload
systemctl reload cgpersistd
wait_for -t 30 systemctl -q is-active $slice || fail "entity $slice not started"

mark=$(journal_mark)
systemctl start $svc
sleep 6
nrestarts=$(systemctl show -P NRestarts $svc)
systemctl stop $svc
instances() { cgctl --json history $svc | jq '[.instances[] | select(has("stop_usec"))] | length'; }
settled() { [ "$(instances)" = "$(cgctl --json history $svc | jq '.instances | length')" ]; }
wait_for -t 20 settled || log "history still has an open record"
n=$(instances)
events() { journal_after "$mark" MESSAGE_ID=$1 CGPERSIST_SERVICE=$svc | grep -c '^MESSAGE_ID='; }
starts=$(events $STARTED)
stops=$(events $STOPPED)
log "crash loop: NRestarts $nrestarts before the stop, $n instances in the history, $starts start and $stops stop events"
assert_ge "$n" 3 "instances of the crash loop"
assert_eq "$stops" "$n" "stop events, one per instance"
assert_eq "$starts" "$n" "start events, one per instance"
