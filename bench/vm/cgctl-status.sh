#!/bin/bash
# Benchmark (numbers only, never pass/fail on time): `cgctl status`,
# `cgctl metrics`, `cgctl --json list`, `cgctl status NAME` and `cgctl
# zombies` with many entities: wall time and cgpersistd's CPU time per call, and `cgctl status`
# when the daemon reads every entity's dying count again. Run by
# bench/cgctl-status. N entities: cgpersist.bench=N on the kernel command
# line, 1000 by default. Prints "BENCH key value" lines.
# timeout: 1500
. "$CGTEST_LIB"

n=$(sed -n 's/.*cgpersist\.bench=\([0-9][0-9]*\).*/\1/p' /proc/cmdline)
n=${n:-1000}
calls=20
conf=/etc/cgpersist/conf.d/90-cgtest-bench.conf

bench() { echo "BENCH $*"; }

# On a loaded host a TCG guest is slow enough that the daemon's synchronous
# calls to PID 1 during the first reconcile of a thousand services outlast
# the unit's 30 s watchdog; this measures cgctl, not that: no watchdog.
mkdir -p /run/systemd/system/cgpersistd.service.d
printf '[Service]\nWatchdogSec=0\n' >/run/systemd/system/cgpersistd.service.d/90-bench.conf
systemctl daemon-reload
systemctl start cgpersistd
wait_for -t 30 systemctl -q is-active cgpersistd || fail "cgpersistd did not start"

# N services, never started: each gets an entity (a started slice).
t0=${EPOCHREALTIME/./}
# One section per service: a glob section makes the daemon list every unit
# file of the system through PID 1, which takes longer than a D-Bus timeout
# under TCG with this many.
: >"$conf"
for ((i = 0; i < n; i++)); do
	printf '[Service]\nExecStart=/bin/sleep infinity\n' >/etc/systemd/system/cgbench-$i.service
	printf '[service cgbench-%d.service]\n' "$i" >>"$conf"
done
systemctl daemon-reload
cgctl reload || true
# A reconcile whose calls to PID 1 time out (a TCG guest on a loaded host
# answers a thousand names slowly) is not retried by the daemon until the
# next change: when the count stands still for a minute, reload again.
have=0 last=0 still=0
for ((waited = 0; waited < 1200; waited += 5)); do
	if ! systemctl -q is-active cgpersistd; then
		journalctl -b -u cgpersistd --no-pager | tail -n 30
		fail "cgpersistd is $(systemctl is-active cgpersistd) while the entities were being set up"
	fi
	have=$(cgctl --json list | jq '.entities | length') || have=0
	((have >= n)) && break
	if ((have == last)); then
		still=$((still + 5))
	else
		still=0 last=$have
	fi
	if ((still >= 60)); then
		log "$have of $n entities for a minute: reloading again"
		cgctl reload || true
		still=0
	fi
	sleep 5
done
((have >= n)) || fail "only $have of $n entities"
bench setup_seconds $(((${EPOCHREALTIME/./} - t0) / 1000000))
bench entities "$(cgctl --json list | jq '.entities | length')"
# One running instance, so status NAME has an instance to measure.
systemctl start cgbench-0.service

pid=$(systemctl show -P MainPID cgpersistd)
# The daemon's CPU time in ns: /proc/PID/schedstat (first field), exact;
# else utime+stime in clock ticks.
cpu_ns() {
	local a
	if read -r a _ </proc/"$pid"/schedstat 2>/dev/null; then
		echo "$a"
	else
		awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($14 + $15) * 1e9 / hz }' /proc/"$pid"/stat
	fi
}

measure() { # NAME CMD...: wall and daemon CPU per call, in ms
	local name=$1 t c i
	shift
	"$@" >/dev/null # warm up
	c=$(cpu_ns)
	t=${EPOCHREALTIME/./}
	for ((i = 0; i < calls; i++)); do
		"$@" >/dev/null
	done
	t=$((${EPOCHREALTIME/./} - t))
	c=$(($(cpu_ns) - c))
	bench "$name" "wall_ms=$(awk -v t="$t" -v n="$calls" 'BEGIN { printf "%.1f", t / n / 1000 }')" \
		"daemon_cpu_ms=$(awk -v c="$c" -v n="$calls" 'BEGIN { printf "%.1f", c / n / 1e6 }')" "calls=$calls"
}

# Measure a guest at rest: after the setup the daemon may still be starting
# slices and PID 1 answering for them. Wait (up to 5 minutes) until the
# daemon uses under 2 % of a CPU and the whole guest under 5 % of its CPUs
# over 3 s, and say how busy both were.
busy_ticks() { # busy and total jiffies of all CPUs
	awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}
for ((waited = 0; waited < 300; waited += 3)); do
	c=$(cpu_ns)
	read -r b0 t0 < <(busy_ticks)
	sleep 3
	read -r b1 t1 < <(busy_ticks)
	idle_ms=$((($(cpu_ns) - c) / 1000000))
	guest_busy_pct=$((100 * (b1 - b0) / (t1 - t0 > 0 ? t1 - t0 : 1)))
	((idle_ms < 60 && guest_busy_pct < 5)) && break
done
bench daemon_idle "cpu_ms_per_3s=$idle_ms" "guest_busy_pct=$guest_busy_pct" "waited_s=$waited"

# The same command by the private socket (cgctl's default) and by the
# system bus, call by call in turn, so that neither gets the quieter moments.
measure_paths() { # NAME CMD...
	local name=$1 i k t c
	local -a wall=(0 0) cpu=(0 0)
	shift
	"$@" >/dev/null
	CGCTL_SYSTEM_BUS=1 "$@" >/dev/null
	for ((i = 0; i < 2 * calls; i++)); do
		k=$((i % 2))
		c=$(cpu_ns)
		t=${EPOCHREALTIME/./}
		if ((k == 0)); then
			"$@" >/dev/null
		else
			CGCTL_SYSTEM_BUS=1 "$@" >/dev/null
		fi
		wall[k]=$((wall[k] + ${EPOCHREALTIME/./} - t))
		cpu[k]=$((cpu[k] + $(cpu_ns) - c))
	done
	for k in 0 1; do
		bench "$name$([[ $k == 1 ]] && echo _system_bus)" \
			"wall_ms=$(awk -v t="${wall[k]}" -v n="$calls" 'BEGIN { printf "%.1f", t / n / 1000 }')" \
			"daemon_cpu_ms=$(awk -v c="${cpu[k]}" -v n="$calls" 'BEGIN { printf "%.1f", c / n / 1e6 }')" \
			"calls=$calls"
	done
}

# Baselines: what any call costs before cgpersistd does anything: starting
# cgctl (libsystemd and its libraries) and a D-Bus round trip to the daemon.
measure base_cgctl_version cgctl --version
measure base_busctl_ping busctl call org.cgpersist1 /org/cgpersist1 org.freedesktop.DBus.Peer Ping
measure_paths cgctl_status cgctl status
measure_paths cgctl_metrics cgctl metrics
measure_paths cgctl_list_json cgctl --json list
measure_paths cgctl_status_one cgctl status cgbench-0.service
# cgctl zombies names the entities: the daemon measures them all to answer,
# beside the scan. How long cgctl still waits for the answer after its scan
# (CGCTL_TIMING), by the private socket and by the system bus.
if [[ -r /proc/kpagecgroup ]]; then
	measure_paths cgctl_zombies cgctl zombies
	for sb in 0 1; do
		bench "cgctl_zombies_steps$([[ $sb == 1 ]] && echo _system_bus)" "$(CGCTL_SYSTEM_BUS=$sb CGCTL_TIMING=1 \
			cgctl zombies 2>&1 >/dev/null | sed -n 's/^cgctl: timing: \(.*[a-z]\) \([0-9.]*\) ms$/\1=\2/p' |
			tr ' ' _ | paste -sd ' ')"
	done
fi
# The calls above reuse the dying counts of entities that had none (read
# again when a cgroup below is made or removed; 30 s later where a tree
# cannot be watched): a call after a quiet half minute shows which. A few of
# those, 31 s apart.
measure_recheck() { # NAME CMD...
	local name=$1 i t=0 c=0 t0 c0 k=3
	shift
	for ((i = 0; i < k; i++)); do
		sleep 31
		c0=$(cpu_ns)
		t0=${EPOCHREALTIME/./}
		"$@" >/dev/null
		t=$((t + ${EPOCHREALTIME/./} - t0))
		c=$((c + $(cpu_ns) - c0))
	done
	bench "$name" "wall_ms=$(awk -v t="$t" -v n="$k" 'BEGIN { printf "%.1f", t / n / 1000 }')" \
		"daemon_cpu_ms=$(awk -v c="$c" -v n="$k" 'BEGIN { printf "%.1f", c / n / 1e6 }')" "calls=$k"
}
measure_recheck cgctl_status_after_31s_quiet cgctl status
# The daemon reads each entity's cgroup.stat only when system.slice has
# dying cgroups below it: measure that case too, with one made by a service
# that leaves page cache behind.
dd if=/dev/urandom of=/srv/disk/cgbench-cache bs=1M count=16 status=none
sync
echo 3 >/proc/sys/vm/drop_caches
systemd-run --wait --quiet cat /srv/disk/cgbench-cache >/dev/null
dying=$(awk '$1 == "nr_dying_descendants" { print $2 }' /sys/fs/cgroup/system.slice/cgroup.stat)
bench dying_below_system_slice "$dying"
if ((dying > 0)); then
	measure cgctl_status_with_dying cgctl status
	measure cgctl_list_json_with_dying cgctl --json list
fi
bench status_bytes "$(cgctl status | wc -c)"
# Descriptors the daemon holds (it keeps the files it measures open) and
# its limit.
bench daemon_fds "$(ls /proc/"$pid"/fd | wc -l)" \
	"nofile_soft=$(awk '/^Max open files/ { print $4 }' /proc/"$pid"/limits)"
bench metrics_bytes "$(cgctl metrics | wc -c)"
bench watched_cgroups "$(busctl get-property org.cgpersist1 /org/cgpersist1 org.cgpersist1.Manager WatchedCgroups | awk '{ print $2 }')"

# The worst case: every entity has a dying cgroup below it (a cgroup made by
# hand that wrote page cache of its own, then removed), so every count is read at each
# call, as on a host where restarts leave dying cgroups everywhere.
t0=${EPOCHREALTIME/./} k=0
while read -r s; do
	cg=/sys/fs/cgroup/system.slice/$s
	[[ -d $cg ]] || continue
	echo +memory >"$cg/cgroup.subtree_control" 2>/dev/null || true
	mkdir "$cg/cgbench-dying" || continue
	sh -c "echo \$\$ >'$cg/cgbench-dying/cgroup.procs' && dd if=/dev/zero of=/srv/disk/cgbench-dying bs=64k seek=$k count=1 conv=notrunc status=none"
	k=$((k + 1))
	rmdir "$cg/cgbench-dying" 2>/dev/null || { sleep 0.1; rmdir "$cg/cgbench-dying"; }
done < <(cgctl --json list | jq -r '.entities[].slice')
bench all_dying_setup_seconds $(((${EPOCHREALTIME/./} - t0) / 1000000))
bench entities_with_dying "$(cgctl --json list | jq '[.entities[] | select(.dying_descendants > 0)] | length')"
measure cgctl_status_all_dying cgctl status
measure cgctl_metrics_all_dying cgctl metrics

# Cleanup, best effort: the VM is powered off after the last case anyway.
systemctl stop cgbench-0.service
rm -f "$conf" /etc/systemd/system/cgbench-*.service /srv/disk/cgbench-cache /srv/disk/cgbench-dying /run/systemd/system/cgpersistd.service.d/90-bench.conf
systemctl daemon-reload
