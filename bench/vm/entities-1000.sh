#!/bin/bash
# Benchmark (numbers only, never pass/fail on time): cgpersistd with 1000
# configured services. Prints start-up time to READY=1, RSS, idle wake-ups
# per minute and the delay from an instance stopping to its history record.
# timeout: 1500
. "$CGTEST_LIB"

N=${BENCH_SERVICES:-1000}
conf=/etc/cgpersist/conf.d/50-bench.conf
# A slow start-up is a number to print, not a failure: no start timeout.
timeout_dropin=/run/systemd/system/cgpersistd.service.d/50-bench-timeout.conf
cleanup() {
	systemctl stop 'cgb-*.service' 2>/dev/null || true
	rm -f /etc/systemd/system/cgb-*.service $conf $timeout_dropin
	systemctl daemon-reload
}
trap cleanup EXIT

mkdir -p /etc/cgpersist/conf.d ${timeout_dropin%/*}
printf '[Service]\nTimeoutStartSec=infinity\n' > $timeout_dropin
: > $conf
for i in $(seq 1 "$N"); do
	printf '[Service]\nExecStart=/bin/sleep infinity\n' > /etc/systemd/system/cgb-$i.service
	printf '[service cgb-%d.service]\nmemory_high = 256M\n' "$i" >> $conf
done
t0=$EPOCHREALTIME
systemctl daemon-reload
t1=$EPOCHREALTIME
log "daemon-reload with $N configured services (generator included): $(echo "$t1 - $t0" | bc 2>/dev/null || awk "BEGIN{print $t1-$t0}") s"

# Start-up: systemctl restart returns when the new daemon sent READY=1
# (Type=notify). Cold: no entity exists yet, the daemon asks PID 1 to start
# N slices (the jobs run on after READY=1). Warm: a restart of the daemon
# once those are active, the common case.
n_active() { systemctl list-units --state=active --no-legend 'system-cgb*.slice' | wc -l; }
t0=$EPOCHREALTIME
systemctl restart cgpersistd.service
t1=$EPOCHREALTIME
cold=$(awk "BEGIN{printf \"%.2f\", $t1-$t0}")
log "entities active at READY=1 (cold): $(n_active)"
all_active() { [ "$(n_active)" -ge "$N" ]; }
wait_for -t 600 all_active || log "only $(n_active) of $N entities active after 600 s"
t2=$EPOCHREALTIME
log "all entities active $(awk "BEGIN{printf \"%.1f\", $t2-$t1}") s after READY=1"
t0=$EPOCHREALTIME
systemctl restart cgpersistd.service
t1=$EPOCHREALTIME
pid=$(systemctl show -P MainPID cgpersistd.service)
ready=$(awk "BEGIN{printf \"%.2f\", $t1-$t0}")
log "entities active (warm): $(n_active)"
rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
hwm=$(awk '/VmHWM/{print $2}' /proc/$pid/status)

# What the RSS is made of: per mapping (library, [heap], anonymous
# mappings such as malloc arenas and thread stacks), Rss and the part of it
# private to the daemon, in KiB.
memory_breakdown() {
	echo "BENCH-SMAPS --- $1"
	awk '
	/^[0-9a-f]+-[0-9a-f]+ / { name = $6 ? $6 : "[anon]"; sub(".*/", "", name); next }
	/^Rss:/ { rss[name] += $2 }
	/^Private_(Clean|Dirty):/ { priv[name] += $2 }
	/^Anonymous:/ { anon[name] += $2 }
	END { for (n in rss) if (rss[n] > 0) printf "BENCH-SMAPS %-28s rss=%5d private=%5d anon=%5d\n", n, rss[n], priv[n], anon[n] }
	' /proc/$pid/smaps | sort -t= -k2 -nr
	# Each anonymous mapping on its own: malloc's mmapped chunks, .bss,
	# thread stacks.
	awk '
	/^[0-9a-f]+-[0-9a-f]+ / { name = $6; next }
	/^Size:/ { size = $2 }
	/^Rss:/ && name == "" && $2 >= 16 { printf "BENCH-ANON size=%6d rss=%5d\n", size, $2 }
	' /proc/$pid/smaps
	grep -E '^(RssAnon|RssFile|VmData)' /proc/$pid/status | sed 's/^/BENCH-STATUS /'

	awk '/^(Rss|Pss|Shared_Clean|Private_Clean|Private_Dirty|Anonymous):/{printf "BENCH-ROLLUP %s %s kB\n", $1, $2}' /proc/$pid/smaps_rollup
	echo "BENCH-ROLLUP threads $(ls /proc/$pid/task | wc -l)"
}
at_ready=$(memory_breakdown "at READY=1 (warm)")

# Idle wake-ups: after READY=1 the limits of every entity still go out
# (48 calls in flight at a time) and their signals come back: let that
# settle, then count context switches and CPU over 60 s with nothing
# happening (the watchdog ping is the one periodic wake-up asked for).
sw() { cat /proc/$pid/task/*/status | awk '/ctxt_switches/{s+=$2} END{print s}'; }
cpu() { awk '{print $14 + $15}' /proc/$pid/stat; }
settle=0
s0=$(sw)
while sleep 5; do
	s1=$(sw); settle=$((settle + 5))
	[ $((s1 - s0)) -le 3 ] || [ $settle -ge 120 ] && break
	s0=$s1
done
s0=$(sw); c0=$(cpu); sleep 60; s1=$(sw); c1=$(cpu)
idle=$((s1 - s0))
idle_cpu_ms=$(((c1 - c0) * 1000 / $(getconf CLK_TCK)))
metrics_bytes=$(wc -c </run/cgpersist/metrics.prom)
# The same minute without the periodic rewrite of the metrics file
# (metrics_interval=0): what the default 15 s costs.
printf '[daemon]\nmetrics_interval = 0\n' >/etc/cgpersist/conf.d/40-bench-metrics.conf
cgctl reload >/dev/null
sleep 20
s0=$(sw); c0=$(cpu); sleep 60; s1=$(sw); c1=$(cpu)
idle_nometrics=$((s1 - s0))
idle_nometrics_cpu_ms=$(((c1 - c0) * 1000 / $(getconf CLK_TCK)))
rm -f /etc/cgpersist/conf.d/40-bench-metrics.conf
cgctl reload >/dev/null

# Stop -> history record: journal time of systemd's stop vs. the daemon's
# instance-stopped event, for 10 instances.
delays=()
for i in 1 2 3 4 5 6 7 8 9 10; do
	systemctl start cgb-$i.service
	inv=$(systemctl show -P InvocationID cgb-$i.service)
	systemctl stop cgb-$i.service
	stopped() { journalctl -o cat MESSAGE_ID=a790ac02b59948bc94de4da3ffb7a039 CGPERSIST_INSTANCE=$inv | grep -q .; }
	wait_for -t 10 stopped || { log "no stop record for cgb-$i"; continue; }
	# systemd's own "Stopped" entry (SD_MESSAGE_UNIT_STOPPED): the unit's
	# properties are gone once PID 1 unloads the inactive unit.
	t_stop=$(journalctl -o export _PID=1 MESSAGE_ID=9d1aaa27d60140bd96365438aad20286 UNIT=cgb-$i.service | sed -n 's/^__MONOTONIC_TIMESTAMP=//p' | tail -n1)
	t_rec=$(journalctl -o export MESSAGE_ID=a790ac02b59948bc94de4da3ffb7a039 CGPERSIST_INSTANCE=$inv | sed -n 's/^__MONOTONIC_TIMESTAMP=//p' | head -n1)
	delays+=($(((t_rec - t_stop) / 1000)))
done
sorted=$(printf '%s\n' "${delays[@]}" | sort -n | tr '\n' ' ')
median=$(printf '%s\n' "${delays[@]}" | sort -n | sed -n "$(((${#delays[@]} + 1) / 2))p")

# Where start-up went: the daemon's own account and systemd's.
journalctl -b -o short-monotonic --no-pager -u cgpersistd.service |
	grep -E 'Reconciled|Received|Starting|Started cgpersistd|Stopping|Stopped cgpersistd|Configuration loaded' |
	sed 's/^/BENCH-LOG /' | tail -n 12
echo "$at_ready"
memory_breakdown "at the end (after the idle minute and 10 stops)"
echo "BENCH rss_at_end_kib=$(awk '/VmRSS/{print $2}' /proc/$pid/status)"
echo "BENCH services=$N"
echo "BENCH startup_to_ready_s=$ready cold_startup_to_ready_s=$cold"
echo "BENCH rss_kib=$rss peak_rss_kib=$hwm"
echo "BENCH settle_after_ready_s=$settle"
echo "BENCH idle_context_switches_per_min=$idle idle_cpu_ms_per_min=$idle_cpu_ms"
echo "BENCH without_metrics_rewrite idle_context_switches_per_min=$idle_nometrics idle_cpu_ms_per_min=$idle_nometrics_cpu_ms"
echo "BENCH metrics_file_bytes=$metrics_bytes"
echo "BENCH stop_to_record_ms median=$median all=[ $sorted]"
