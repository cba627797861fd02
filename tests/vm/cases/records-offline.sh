#!/bin/bash
# Records are never lost: a configured service restarted while cgpersistd is
# stopped for maintenance. 7 instances run (3 with the daemon, 2 while it is
# stopped, 2 after), 6 stop; the history must hold all 7, in the order they
# ran, each stopped one with its stop figures, the one that started and
# stopped unseen adopted from its stop record with its start time.
# timeout: 180
. "$CGTEST_LIB"

svc=cgtrec.service
conf=/etc/cgpersist/conf.d/50-cgtest-records.conf

cleanup() {
	systemctl start cgpersistd.service 2>/dev/null || true
	systemctl stop $svc 2>/dev/null || true
	rm -f /etc/systemd/system/$svc $conf
	systemctl daemon-reload
}
trap cleanup EXIT

cat > /etc/systemd/system/$svc <<UNIT
[Unit]
StartLimitIntervalSec=0
[Service]
Type=exec
ExecStart=/bin/sh -c 'head -c 4M /dev/urandom > /dev/null; exec sleep infinity'
UNIT
mkdir -p /etc/cgpersist/conf.d
printf '[service %s]\n' $svc > $conf
systemctl start cgpersistd.service
systemctl daemon-reload
wait_for -t 30 systemctl -q is-active system-cgtrec.slice || fail "entity not started"

invs=()
run() { # start or restart, remember the invocation
	systemctl "$1" $svc
	invs+=("$(systemctl show -P InvocationID $svc)")
}
run start
run restart
run restart
wait_for -t 20 bash -c "cgctl --json history $svc | jq -e '.instances | length == 3' >/dev/null" || fail "daemon missed instances"
systemctl stop cgpersistd.service
run restart
run restart
systemctl start cgpersistd.service
run restart
run restart
log "instances: ${invs[*]}"

want=$(printf '%s\n' "${invs[@]}" | jq -R . | jq -sc .)
ok() {
	cgctl --json history $svc | jq -e --argjson want "$want" '
		([.instances[] | select(.invocation_id as $i | $want | index($i))] ) as $h
		| ($h | map(.invocation_id)) == $want
		and ($h[:-1] | all(.stop_usec != null and .charge_at_stop != null and .drained != null))
		and ($h[-1] | has("stop_usec") | not)
		and ($h | all(.start_usec > 0))
		and ([$h[].start_usec] == ([$h[].start_usec] | sort))' >/dev/null
}
wait_for -t 30 ok || fail "history is not the 7 instances in order with their figures: $(cgctl --json history $svc)"
h=$(cgctl history $svc)
log "cgctl history $svc:"$'\n'"$h"
assert_eq "$(journalctl -q -o cat MESSAGE_ID=132e243241094b53b6d39f4e903dcece CGPERSIST_INSTANCE=${invs[3]} | wc -l)" 1 \
	"instance 4 (ran while the daemon was stopped) adopted"
assert_no_file /run/cgpersist/stops/${invs[3]} "record of instance 4 left behind"
log "PASS"
