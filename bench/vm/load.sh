#!/bin/bash
# Benchmark (figures, never pass/fail): cgpersistd under load. Prints
# "BENCH load=..." lines:
# * a crash loop (Restart=always, RestartSec=100ms, no start limit) run to
#   500 restarts with the default history_max (64): the entity's restart
#   counter against systemd's NRestarts + 1, the kept records, the stops
#   drained (the stop hook's events), the dying cgroups left;
# * 50 configured services restarted at once, 10 rounds: instances missing
#   from their history;
# * 1000 configured services: the daemon's RSS and open files before and
#   after 200 stops and 5 reloads, stop -> history record p50/p99.
# BENCH_RESTARTS, BENCH_PARALLEL, BENCH_ROUNDS, BENCH_SERVICES change them;
# cgpersist.bench_phases=crash,concurrent,services on the kernel command line
# (bench/load --phases) chooses the phases.
# timeout: 3000
. "$CGTEST_LIB"
set +e +E
trap - ERR

RESTARTS=${BENCH_RESTARTS:-500}
PAR=${BENCH_PARALLEL:-50}
ROUNDS=${BENCH_ROUNDS:-10}
N=${BENCH_SERVICES:-1000}
PHASES=$(sed -n 's/.*cgpersist\.bench_phases=\([a-z,]*\).*/\1/p' /proc/cmdline)
PHASES=${PHASES:-crash,concurrent,services}
phase() { [[ ,$PHASES, == *,$1,* ]]; }
STOPPED=a790ac02b59948bc94de4da3ffb7a039
DRAINED=5661e915c23348ddbeee96d9d057d056
ADOPTED=132e243241094b53b6d39f4e903dcece
conf=/etc/cgpersist/conf.d/50-bench-load.conf
timeout_dropin=/run/systemd/system/cgpersistd.service.d/50-bench-timeout.conf
cleanup() {
	systemctl stop cgbl-crash.service 'cgbl-p*.service' 'cgb-*.service' 2>/dev/null
	rm -f /etc/systemd/system/cgbl-*.service /etc/systemd/system/cgb-*.service $conf $timeout_dropin
	systemctl daemon-reload
}
trap cleanup EXIT
mkdir -p /etc/cgpersist/conf.d ${timeout_dropin%/*}
printf '[Service]\nTimeoutStartSec=infinity\n' > $timeout_dropin

# --- crash loop and concurrent restarts: their units ---------------------
if phase crash || phase concurrent; then
	crash=cgbl-crash.service
	cat > /etc/systemd/system/$crash <<-UNIT
	[Unit]
	StartLimitIntervalSec=0
	[Service]
	ExecStart=/bin/sh -c 'head -c 1M /dev/urandom > /dev/null; exit 1'
	Restart=always
	RestartSec=100ms
	UNIT
	{
		printf '[service %s]\n' $crash
		for i in $(seq 1 "$PAR"); do printf '[service cgbl-p%d.service]\n' "$i"; done
	} > $conf
	for i in $(seq 1 "$PAR"); do
		printf '[Service]\nExecStart=/bin/sh -c "head -c 1M /dev/urandom > /dev/null; exec sleep infinity"\n' > /etc/systemd/system/cgbl-p$i.service
	done
	systemctl daemon-reload
	systemctl restart cgpersistd.service
fi

# --- crash loop -------------------------------------------------------------
if phase crash; then
	wait_for -t 120 systemctl -q is-active system-cgbl\\x2dcrash.slice || log "crash loop entity not active"
	slice=$(systemctl show -P Slice $crash)
	t0=$EPOCHREALTIME
	systemctl start $crash
	nrestarts() { systemctl show -P NRestarts $crash; }
	enough() { [ "$(nrestarts)" -ge "$RESTARTS" ]; }
	wait_for -t 2400 -i 1 enough || log "only $(nrestarts) restarts after 2400 s"
	# NRestarts counts a restart as it begins: read it while the unit waits in
	# auto-restart and stop it there, so that none follows the read (systemd
	# 257 shows 0 once the unit is stopped).
	waiting() { [ "$(systemctl show -P SubState $crash)" = auto-restart ]; }
	wait_for -t 30 -i 0.02 waiting || log "never saw $crash in auto-restart"
	nr=$(nrestarts)
	systemctl stop $crash
	t1=$EPOCHREALTIME
	entity() { cgctl --json status $crash | jq -c --arg s "$slice" '[.entities[]? // . | select(.slice == $s)][0]'; }
	settled() { [ "$(entity | jq .instances)" = 0 ] && [ "$(entity | jq .restarts)" -ge $((nr + 1)) ]; }
	wait_for -t 60 settled || log "entity not settled: $(entity)"
	counted=$(entity | jq .restarts)
	kept=$(cgctl --json history $crash | jq '.instances | length')
	kept_stopped=$(cgctl --json history $crash | jq '[.instances[] | select(.stop_usec != null and .drained != null)] | length')
	drained=$(journalctl -q -o export MESSAGE_ID=$DRAINED CGPERSIST_SERVICE=$crash | grep -ac '^CGPERSIST_INSTANCE=')
	recorded=$(journalctl -q -o export MESSAGE_ID=$STOPPED CGPERSIST_SERVICE=$crash | grep -ac '^CGPERSIST_INSTANCE=')
	wait_dying_at_most "$slice" 1
	echo "BENCH load=crash-loop seconds=$(awk "BEGIN{printf \"%.0f\", $t1 - $t0}") nrestarts=$nr instances=$((nr + 1)) entity_restarts=$counted history_kept=$kept kept_with_stop_and_drain=$kept_stopped stops_drained=$drained stops_recorded=$recorded dying=$(dying_under "$slice") entity=$(entity)"
fi

if phase concurrent; then
	# --- concurrent restarts ----------------------------------------------------
	units=()
	for i in $(seq 1 "$PAR"); do units+=(cgbl-p$i.service); done
	systemctl start "${units[@]}"
	fails=0
	t0=$EPOCHREALTIME
	for ((r = 0; r < ROUNDS; r++)); do
		systemctl restart "${units[@]}" || fails=$((fails + 1))
	done
	t1=$EPOCHREALTIME
	systemctl stop "${units[@]}"
	missing=0
	notsuccess=0
	for u in "${units[@]}"; do
		[ "$(systemctl show -P Result "$u")" = success ] || notsuccess=$((notsuccess + 1))
	done
	complete() {
		missing=0
		for u in "${units[@]}"; do
			n=$(cgctl --json history "$u" | jq '[.instances[] | select(.stop_usec != null)] | length')
			((n >= ROUNDS + 1)) || missing=$((missing + ROUNDS + 1 - n))
		done
		((missing == 0))
	}
	wait_for -t 120 -i 2 complete
	echo "BENCH load=concurrent-restarts services=$PAR rounds=$ROUNDS seconds=$(awk "BEGIN{printf \"%.1f\", $t1 - $t0}") instances=$((PAR * (ROUNDS + 1))) missing_from_history=$missing systemctl_failures=$fails result_not_success=$notsuccess"
fi

if phase services; then
	# --- 1000 configured services ----------------------------------------------
	rm -f /etc/systemd/system/cgbl-*.service
	: > $conf
	for i in $(seq 1 "$N"); do
		printf '[Service]\nExecStart=/bin/sleep infinity\n' > /etc/systemd/system/cgb-$i.service
		printf '[service cgb-%d.service]\nmemory_high = 256M\n' "$i" >> $conf
	done
	systemctl daemon-reload
	systemctl restart cgpersistd.service
	n_active() { systemctl list-units --state=active --no-legend 'system-cgb*.slice' | wc -l; }
	all_active() { [ "$(n_active)" -ge "$N" ]; }
	t_up=$EPOCHREALTIME
	if ! wait_for -t 600 -i 2 all_active; then
		log "only $(n_active) of $N entities active after 600 s; cgpersistd said:"
		journalctl -q -b -u cgpersistd -p warning -o cat | grep -v '^Starting system-cgb' | sort | uniq -c |
			sort -rn | head -n 20
		journalctl -q -b -u cgpersistd -o cat | grep -c '^Starting system-cgb.* failed' |
			sed 's/^/# StartUnit calls failed: /'
		journalctl -q -b -u cgpersistd -o cat | grep -E 'Asking systemd again|Reconcile|Reading from systemd' |
			tail -n 5
		systemctl list-jobs --no-legend | wc -l | sed 's/^/# jobs queued in PID 1: /'
		missing=$(for i in $(seq 1 "$N"); do systemctl -q is-active "system-cgb\x2d$i.slice" || echo $i; done)
		m1=$(head -n1 <<<"$missing")
		log "missing: $(echo $missing | head -c 300)"
		systemctl show -p LoadState,ActiveState,SubState,Job "system-cgb\x2d$m1.slice" | tr '\n' ' '
		echo
		journalctl -q -b -o cat | grep -F "cgb\x2d$m1.slice" | tail -n 8
	fi
	echo "BENCH load=services-$N entities_active=$(n_active) seconds=$(awk "BEGIN{printf \"%.0f\", $EPOCHREALTIME - $t_up}")"
	limited=$(systemctl show -P MemoryHigh $(seq -f 'system-cgb\x2d%g.slice' 1 "$N") | grep -cx $((256 << 20)))
	echo "BENCH load=services-$N entities_with_memory_high=$limited"
	pid=$(systemctl show -P MainPID cgpersistd.service)
	sleep 20
	rss() { awk '/VmRSS/{print $2}' /proc/$pid/status; }
	fds() { ls /proc/$pid/fd | wc -l; }
	rss0=$(rss) fd0=$(fds)
	mark=$(journal_mark)
	# Entries since mark, filtered here: on systemd 252 a --since combined
	# with a field match finds nothing (see journal_after in lib.sh).
	since_json() { journalctl -q -o json --since "@$((mark / 1000000 - 1))"; }
	S=100
	for round in 1 2; do
		systemctl start $(seq -f 'cgb-%g.service' 1 $S)
		systemctl stop $(seq -f 'cgb-%g.service' 1 $S)
		systemctl reload cgpersistd.service
	done
	systemctl reload cgpersistd.service
	systemctl reload cgpersistd.service
	systemctl reload cgpersistd.service
	# A stop reaches the history as the daemon's stop event, or, for an
	# instance it did not see start, as the adoption of the stop hook's record.
	n_recorded() { since_json | jq -r --arg s $STOPPED --arg a $ADOPTED 'select(.MESSAGE_ID == $s or .MESSAGE_ID == $a) | .CGPERSIST_INSTANCE' | sort -u | grep -c .; }
	recorded() { [ "$(n_recorded)" -ge $((2 * S)) ]; }
	wait_for -t 120 -i 2 recorded || log "$(n_recorded) of $((2 * S)) stops recorded after 120 s"
	log "journal entries since the mark: $(since_json | wc -l); stop events in the whole journal: $(journalctl -q -o export MESSAGE_ID=$STOPPED | grep -ac '^CGPERSIST_INSTANCE=')"
	hist=0
	for i in $(seq 1 $S); do
		hist=$((hist + $(cgctl --json history cgb-$i.service | jq '[.instances[] | select(.stop_usec != null)] | length')))
	done
	echo "BENCH load=services-$N stops_in_history=$hist of $((2 * S))"
	log "cgb-1 in the daemon's journal: $(journalctl -q -b -u cgpersistd -o cat | grep -c 'cgb-1\.service')"
	journalctl -q -b -u cgpersistd -o cat | grep 'cgb-1\.service' | tail -n 4
	journalctl -q -b -o cat _PID=1 | grep -F 'cgb-1.service' | tail -n 3
	sleep 20
	rss1=$(rss) fd1=$(fds)
	# Stop -> record: PID 1's "Stopped" entry (by INVOCATION_ID) against the
	# daemon's instance-stopped event, monotonic µs.
	lat=$(since_json | jq -r --arg id $STOPPED --arg ad $ADOPTED '
		if .MESSAGE_ID == "9d1aaa27d60140bd96365438aad20286" and ._PID == "1" and .INVOCATION_ID != null
		then "S \(.INVOCATION_ID) \(.__MONOTONIC_TIMESTAMP)"
		elif .MESSAGE_ID == $id or .MESSAGE_ID == $ad then "R \(.CGPERSIST_INSTANCE) \(.__MONOTONIC_TIMESTAMP)"
		else empty end' | awk '$1 == "S" { s[$2] = $3 } $1 == "R" { r[$2] = $3 } END { for (i in s) if (i in r) print int((r[i] - s[i]) / 1000) }' | sort -n)
	cnt=$(grep -c . <<<"$lat")
	pct() { ((cnt)) && sed -n "$(((cnt * $1 + 99) / 100))p" <<<"$lat"; }
	n_event() { since_json | jq -r --arg id "$1" 'select(.MESSAGE_ID == $id) | .CGPERSIST_INSTANCE' | sort -u | grep -c .; }
	echo "BENCH load=services-$N stops_seen_live=$(n_event $STOPPED) stops_adopted_from_record=$(n_event $ADOPTED)"
	echo "BENCH load=services-$N rss_kib_before=$rss0 rss_kib_after=$rss1 fds_before=$fd0 fds_after=$fd1 stops=$((2 * S)) reloads=5"
	# (a stop record adopted: stop -> adoption)
	echo "BENCH load=services-$N stop_to_record_ms samples=$cnt p50=$(pct 50) p99=$(pct 99) max=$(tail -n1 <<<"$lat")"
fi
