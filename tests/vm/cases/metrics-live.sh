#!/bin/bash
# The metrics file is true when scraped, with the default configuration: its
# value follows a service that reads 32 MiB within the rewrite interval (15 s),
# its timestamp advances, limits and peak are the kernel's, a refused
# configuration shows at once; node_exporter's textfile collector reads it
# without error; `systemctl stop cgpersistd` takes it away and a start brings
# it back; after kill -9 it stays with its old timestamp until the restarted
# daemon rewrites it.
# timeout: 240
. "$CGTEST_LIB"

svc=cgtmet.service
slice=system-cgtmet.slice
conf=/etc/cgpersist/conf.d/50-cgtest-metrics.conf
bad=/etc/cgpersist/conf.d/99-cgtest-metrics-bad.conf
file=/run/cgpersist/metrics.prom
port=9111

cleanup() {
	systemctl stop cgtest-node-exporter.service "$svc" 2>/dev/null || true
	rm -f /etc/systemd/system/"$svc" "$conf" "$bad"
	systemctl daemon-reload
	systemctl start cgpersistd 2>/dev/null && cgctl reload || true
}
trap cleanup EXIT

# sample NAME [LABELS]: the value of a sample in the file, empty if none.
sample() {
	local line
	line=$(grep -E "^$1(\{[^}]*entity=\"${2:-}[^}]*\})? " "$file" 2>/dev/null | head -n1)
	echo "${line##* }"
}

mkdir -p "$CGTEST_DISK/met"
dd if=/dev/urandom of="$CGTEST_DISK/met/data" bs=1M count=32 status=none
sync
echo 3 >/proc/sys/vm/drop_caches
# Reads its 32 MiB once /run/cgtmet-go appears.
cat >/etc/systemd/system/$svc <<EOF
[Service]
Type=exec
ExecStart=/bin/sh -c 'while [ ! -e /run/cgtmet-go ]; do sleep 0.2; done; cat $CGTEST_DISK/met/data >/dev/null; exec sleep infinity'
EOF
rm -f /run/cgtmet-go
mkdir -p /etc/cgpersist/conf.d
printf '[service %s]\nmemory_max = 768M\nmemory_high = 512M\n' $svc >$conf
systemctl daemon-reload
systemctl start cgpersistd
wait_for -t 30 systemctl -q is-active cgpersistd || fail "cgpersistd did not start"
cgctl reload >/dev/null
wait_for -t 20 systemctl -q is-active $slice || fail "$slice did not start"
systemctl start $svc
wait_for -t 10 grep -q "entity=\"$slice\"" $file || fail "$file lacks $slice"

# --- what the daemon says about itself --------------------------------------
version=$(cgctl --version | sed 's/^cgctl //')
assert_eq "$(grep -c "^cgpersist_build_info{version=\"$version\"} 1$" $file)" 1 "build info"
assert_eq "$(sample cgpersist_config_good)" 1 "config good"
assert_eq "$(sample cgpersist_metrics_interval_seconds)" 15 "default interval"
ts0=$(sample cgpersist_metrics_updated_timestamp_seconds)
assert_match "$ts0" '^[0-9]+(\.[0-9]+)?$' "timestamp"
age=$(awk -v t="$ts0" -v now="$EPOCHREALTIME" 'BEGIN { printf "%d", now - t }')
log "timestamp $ts0, $age s old"
assert_le "$age" 16 "age of the timestamp"

# --- limits and peak are the kernel's ----------------------------------------
cg=/sys/fs/cgroup/system.slice/$slice
assert_eq "$(sample cgpersist_entity_memory_max_bytes "$slice")" "$(<"$cg/memory.max")" "memory_max"
assert_eq "$(sample cgpersist_entity_memory_high_bytes "$slice")" "$(<"$cg/memory.high")" "memory_high"
assert_eq "$(sample cgpersist_entity_memory_low_bytes "$slice")" "$(<"$cg/memory.low")" "memory_low"
[[ -n $(sample cgpersist_entity_memory_peak_bytes "$slice") ]] || fail "no memory peak for $slice"

# --- the value follows the service within the interval -----------------------
before=$(sample cgpersist_entity_memory_bytes "$slice")
touch /run/cgtmet-go
read_32m() { (($(<"$cg/memory.current") - before >= 30 * MiB)); }
wait_for -t 30 read_32m || fail "$svc did not read its 32 MiB: $(<"$cg/memory.current")"
t_read=${EPOCHREALTIME/./}
followed() { (($(sample cgpersist_entity_memory_bytes "$slice") - before >= 30 * MiB)); }
# The rewrite interval and the timer's slack.
wait_for -t 17 followed || fail "$file still says $(sample cgpersist_entity_memory_bytes "$slice") B, live $(<"$cg/memory.current") B"
live=$(<"$cg/memory.current") in_file=$(sample cgpersist_entity_memory_bytes "$slice")
log "after the read: file $(mib "$in_file") MiB, live $(mib "$live") MiB, before $(mib "$before") MiB; followed within $(((${EPOCHREALTIME/./} - t_read) / 1000)) ms"
assert_le "$(mib $((live > in_file ? live - in_file : in_file - live)))" 4 "file vs live"

# --- the timestamp advances ---------------------------------------------------
ts1=$(sample cgpersist_metrics_updated_timestamp_seconds)
advanced() { awk -v a="$(sample cgpersist_metrics_updated_timestamp_seconds)" -v b="$ts1" 'BEGIN { exit !(a > b) }'; }
wait_for -t 17 advanced || fail "timestamp stuck at $ts1"
log "timestamp $ts0 -> $ts1 -> $(sample cgpersist_metrics_updated_timestamp_seconds)"

# --- a refused configuration shows at once -----------------------------------
printf '[service %s]\nmemory_max = lots\n' $svc >$bad
cgctl reload >/dev/null 2>&1 || true
config_good_is() { [[ $(sample cgpersist_config_good) == "$1" ]]; }
wait_for -t 5 config_good_is 0 || fail "config good still $(sample cgpersist_config_good) after a refused configuration"
rm -f $bad
cgctl reload >/dev/null
wait_for -t 5 config_good_is 1 || fail "config good not back to 1"

# --- node_exporter's textfile collector ---------------------------------------
if command -v prometheus-node-exporter >/dev/null; then
	systemd-run --quiet --unit=cgtest-node-exporter prometheus-node-exporter \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory=/run/cgpersist --web.listen-address=127.0.0.1:$port
	scrape() { printf 'GET /metrics HTTP/1.0\r\n\r\n' | socat -t 5 - TCP:127.0.0.1:$port 2>/dev/null; }
	wait_for -t 20 eval 'scrape | grep -q "^node_textfile_scrape_error"' || fail "node_exporter does not answer"
	out=$(scrape)
	assert_eq "$(sed -n 's/^node_textfile_scrape_error //p' <<<"$out")" 0 "node_textfile_scrape_error"
	grep -q "^cgpersist_entity_memory_bytes{entity=\"$slice\"" <<<"$out" ||
		fail "node_exporter does not serve the memory of $slice: $(grep cgpersist <<<"$out" | head)"
	grep -q '^cgpersist_metrics_updated_timestamp_seconds ' <<<"$out" || fail "node_exporter lacks the timestamp"
	log "node_exporter serves $(grep -c '^cgpersist_' <<<"$out") cgpersist samples, no textfile error"
else
	log "prometheus-node-exporter not in the image: textfile collector not tried"
fi

# --- stop takes the file away, start brings it back --------------------------
systemctl stop cgpersistd
assert_no_file $file "metrics file after stop"
if command -v prometheus-node-exporter >/dev/null; then
	out=$(scrape)
	grep -q '^cgpersist_' <<<"$out" && fail "node_exporter still serves cgpersist metrics after the stop"
	assert_eq "$(sed -n 's/^node_textfile_scrape_error //p' <<<"$out")" 0 "node_textfile_scrape_error after stop"
fi
systemctl start cgpersistd
wait_for -t 30 test -e $file || fail "no $file after start"
ts2=$(sample cgpersist_metrics_updated_timestamp_seconds)
awk -v a="$ts2" -v b="$ts1" 'BEGIN { exit !(a > b) }' || fail "timestamp after restart $ts2 not after $ts1"

# --- after kill -9 the file stays, dated; the restart writes it afresh --------
pid=$(systemctl show -P MainPID cgpersistd)
t_kill=$EPOCHREALTIME
kill -KILL "$pid"
assert_file $file "metrics file after kill -9 (nobody could remove it)"
tsk=$(sample cgpersist_metrics_updated_timestamp_seconds)
awk -v a="$tsk" -v b="$t_kill" 'BEGIN { exit !(a <= b) }' || fail "timestamp $tsk of the left file is after the kill ($t_kill)"
newer() { awk -v a="$(sample cgpersist_metrics_updated_timestamp_seconds)" -v b="$tsk" 'BEGIN { exit !(a > b) }'; }
# Restart=on-failure after 1 s, then the first write.
wait_for -t 30 newer || fail "the restarted daemon did not rewrite $file"
log "after kill -9: timestamp $tsk (killed at $t_kill) -> $(sample cgpersist_metrics_updated_timestamp_seconds)"
