#!/bin/bash
# Benchmark (figures, never pass/fail): each fault of cgpersistd's
# environment tried repeatedly while a configured service with a persistent
# tmpfs is restarted. Prints per fault "BENCH fault=NAME tries=N lost=L
# service_failures=F": L instances that ran and are missing from the history
# once the daemon is back, F restarts/stops/starts of the service that did
# not end with Result=success.
# BENCH_TRIES=N (default 20) the tries of the random faults.
# timeout: 1800
. "$CGTEST_LIB"
set +e +E
trap - ERR

N=${BENCH_TRIES:-20}
# BENCH_FAULTS=NAME runs that fault alone (kill9, pid1, dbus, var-full,
# var-readonly, state, config, keeper)
only=${BENCH_FAULTS:-}
run() { [ -z "$only" ] || [ "$only" = "$1" ]; }
svc=cgbf.service
other=cgbf-other.service
keeper=cgpersist-keeper@system-cgbf
mnt=/srv/cgbf
conf=/etc/cgpersist/conf.d/50-bench-faults.conf
other_conf=/etc/cgpersist/conf.d/51-bench-faults-other.conf
var=/var/lib/cgpersist
# The daemon is killed more often than its unit's start limit allows.
limit=/run/systemd/system/cgpersistd.service.d/50-bench-nolimit.conf

cleanup() {
	local p
	p=$(systemctl show -P MainPID cgpersistd.service)
	[ "${p:-0}" -gt 0 ] && kill -CONT "$p" 2>/dev/null
	mountpoint -q $var && umount $var
	systemctl stop $svc $other 2>/dev/null
	systemctl stop $keeper.service 2>/dev/null
	umount $mnt 2>/dev/null
	rm -rf /etc/systemd/system/$svc /etc/systemd/system/$other $conf $other_conf ${limit%/*}
	systemctl daemon-reload
	systemctl restart cgpersistd.service
}
trap cleanup EXIT

cat > /etc/systemd/system/$svc <<UNIT
[Unit]
StartLimitIntervalSec=0
[Service]
Type=exec
ExecStart=/bin/sh -c 'rm -f $mnt/work; head -c 8M /dev/urandom > $mnt/work.new && mv $mnt/work.new $mnt/work; exec sleep infinity'
UNIT
printf '[Service]\nExecStart=/bin/sleep infinity\n' > /etc/systemd/system/$other
mkdir -p /etc/cgpersist/conf.d ${limit%/*}
printf '[Unit]\nStartLimitIntervalSec=0\n' > $limit
printf '[daemon]\nhistory_max = 4096\n\n[service %s]\ntmpfs = %s size=32M mode=0755\nmemory_high = 1G\n' $svc $mnt > $conf
printf '[service %s]\n' $other > $other_conf
systemctl daemon-reload
systemctl restart cgpersistd.service
wait_for -t 60 systemctl -q is-active system-cgbf.slice || log "entity of $svc not active"

# Instances started and failures seen, one line each: op also runs in the
# background, in a subshell.
invs=$CGTEST_TMP/invocations
fails=$CGTEST_TMP/failures
client=$CGTEST_TMP/client-errors
: > "$invs"
: > "$fails"
: > "$client"
n_invs() { wc -l < "$invs"; }
daemon_pid() { systemctl show -P MainPID cgpersistd.service; }
daemon_back() {
	local p
	wait_for -t 60 systemctl -q is-active cgpersistd.service || systemctl restart cgpersistd.service
	p=$(daemon_pid)
	[ "${p:-0}" -gt 0 ] && kill -CONT "$p" 2>/dev/null
	wait_for -t 30 bash -c 'cgctl status >/dev/null 2>&1'
}
# op VERB: systemctl VERB the service; a failure the service saw is counted
op() {
	local want=active
	[ "$1" != stop ] || want=inactive
	if ! systemctl "$1" $svc; then
		# systemctl's own call can be cut (PID 1 re-executed, the bus
		# restarted): what counts is what became of the unit.
		echo "systemctl $1 $svc: the call failed" >> "$client"
		wait_for -t 30 bash -c "[ \"\$(systemctl show -P ActiveState $svc)\" = $want ]" 2>/dev/null
	fi
	if [ "$(systemctl show -P Result $svc)" != success ] ||
		[ "$(systemctl show -P ActiveState $svc)" != $want ]; then
		echo "systemctl $1 $svc: Result=$(systemctl show -P Result $svc) ActiveState=$(systemctl show -P ActiveState $svc)" >> "$fails"
	fi
	if [ "$1" != stop ]; then
		systemctl show -P InvocationID $svc >> "$invs"
	fi
}
# report NAME TRIES FIRST: the instances from line FIRST+1 of $invs on, each
# in the history?
report() {
	local name=$1 tries=$2 first=$3 want lost=0 have nf
	daemon_back
	want=$(tail -n +$((first + 1)) "$invs" | sort -u)
	complete() {
		have=$(cgctl --json history $svc | jq -r '.instances[].invocation_id' | sort -u)
		[ -z "$(comm -23 <(echo "$want") <(echo "$have"))" ]
	}
	wait_for -t 30 complete 2>/dev/null
	lost=$(comm -23 <(echo "$want") <(echo "$have") | grep -c .)
	nf=$(grep -c . "$fails")
	sed "s/^/$name: /" "$fails" "$client"
	echo "BENCH fault=$name tries=$tries instances=$(grep -c . <<<"$want") lost=$lost service_failures=$nf systemctl_calls_cut=$(grep -c . "$client")"
	[ "$lost" -eq 0 ] || log "$name: lost $(comm -23 <(echo "$want") <(echo "$have") | tr '\n' ' ')"
	: > "$fails"
	: > "$client"
}
rnd_sleep() { sleep "$(awk -v r=$RANDOM -v m="$1" 'BEGIN{printf "%.3f", r / 32768 * m}')"; }

op start

# --- kill -9 of the daemon at a random point during its work -------------
if run kill9; then
	# Work: a restart (drain, record, re-homing), a reload of the configuration,
	# a drain by cgctl, a retirement (the other service's section removed), a
	# re-homing by the keeper that the daemon watches.
	first=$(n_invs)
	for ((i = 0; i < N; i++)); do
		case $((i % 4)) in
		0) work() { op restart; } ;;
		1) work() { systemctl reload cgpersistd.service 2>/dev/null; op restart; } ;;
		2) work() { cgctl drain $svc >/dev/null 2>&1; op restart; } ;;
		3) work() {
			if [ -e $other_conf ]; then rm -f $other_conf; else printf '[service %s]\n' $other > $other_conf; fi
			systemctl daemon-reload
			op restart
		} ;;
		esac
		work &
		w=$!
		rnd_sleep 1.5
		p=$(daemon_pid)
		[ "${p:-0}" -gt 0 ] && kill -KILL "$p"
		wait $w
		daemon_back
	done
	report kill9-during-work "$N" "$first"
fi

# --- systemd re-executed and reloaded during work ------------------------
if run pid1; then
	first=$(n_invs)
	for ((i = 0; i < N / 2; i++)); do
		op restart &
		w=$!
		rnd_sleep 0.5
		if ((i % 2)); then systemctl daemon-reload; else systemctl daemon-reexec; fi
		wait $w
	done
	report pid1-reexec-reload "$((N / 2))" "$first"
fi

# --- the D-Bus broker restarted -----------------------------------------
if run dbus; then
	first=$(n_invs)
	for ((i = 0; i < 5; i++)); do
		op restart &
		w=$!
		rnd_sleep 0.5
		systemctl restart dbus.service
		wait $w
		op restart
		daemon_back
	done
	report dbus-restart 5 "$first"
fi

# --- /var/lib/cgpersist full (ENOSPC) ------------------------------------
if run var-full; then
	first=$(n_invs)
	tmp=$(mktemp -d)
	for ((i = 0; i < 3; i++)); do
		systemctl stop cgpersistd.service
		cp -a $var/. "$tmp/"
		mount -t tmpfs -o size=256k,mode=0755 bench-full $var
		cp -a "$tmp/." $var/
		systemctl start cgpersistd.service
		dd if=/dev/zero of=$var/filler bs=4k status=none 2>/dev/null
		op restart
		op restart
		systemctl restart cgpersistd.service
		op restart
		rm -f $var/filler
		op restart
		sleep 1
		systemctl stop cgpersistd.service
		rm -rf "${tmp:?}"/*
		cp -a $var/. "$tmp/"
		umount $var
		cp -a "$tmp/." $var/
		systemctl start cgpersistd.service
		op restart
	done
	report var-full 3 "$first"
fi

# --- /var/lib/cgpersist read-only ----------------------------------------
if run var-readonly; then
	first=$(n_invs)
	for ((i = 0; i < 3; i++)); do
		mount --bind $var $var
		mount -o remount,bind,ro $var
		systemctl restart cgpersistd.service
		op restart
		op restart
		systemctl restart cgpersistd.service
		op restart
		umount $var
		systemctl restart cgpersistd.service
		op restart
	done
	report var-readonly 3 "$first"
fi

# --- a corrupt or truncated state file -----------------------------------
if run state; then
	# Lost here: instances in the history before the damage and not after.
	for kind in truncated corrupt; do
		first=$(n_invs)
		for ((i = 0; i < 5; i++)); do
			op restart
			sleep 1
			systemctl stop cgpersistd.service
			size=$(stat -c %s $var/state)
			cut=$((size / 2 + RANDOM % (size / 2)))
			if [ $kind = truncated ]; then
				truncate -s $cut $var/state
			else
				printf 'entity slice=%%zz garbage\n' | dd of=$var/state bs=1 seek=$cut conv=notrunc status=none
			fi
			systemctl start cgpersistd.service
			op restart
		done
		report state-$kind 5 "$first"
		rm -f $var/state.corrupt-*
	done
fi

# --- the configuration changed 100 times in a burst ----------------------
if run config; then
	first=$(n_invs)
	(for ((i = 0; i < 5; i++)); do op restart; done) &
	w=$!
	for ((i = 0; i < 100; i++)); do
		printf '[daemon]\nhistory_max = 4096\n\n[service %s]\ntmpfs = %s size=32M mode=0755\nmemory_high = %dM\n' \
			$svc $mnt $((512 + i)) > $conf
		systemctl reload cgpersistd.service 2>/dev/null
	done
	wait $w
	op restart
	systemctl daemon-reload
	op restart
	log "memory_high after the burst: $(systemctl show -P MemoryHigh system-cgbf.slice)"
	report config-burst-100 100 "$first"
fi

# --- the keeper killed during a copy -------------------------------------
if run keeper; then
	first=$(n_invs)
	lostdata=0
	for ((i = 0; i < N; i++)); do
		sum=$(sha256sum $mnt/work | cut -d' ' -f1)
		systemctl stop --no-block $svc
		rnd_sleep 1
		systemctl kill -s KILL $keeper.service 2>/dev/null
		wait_for -t 60 bash -c "[ \"\$(systemctl show -P ActiveState $svc)\" = inactive ]"
		[ "$(systemctl show -P Result $svc)" = success ] || echo "stop: Result=$(systemctl show -P Result $svc)" >> "$fails"
		[ "$(sha256sum $mnt/work | cut -d' ' -f1)" = "$sum" ] || lostdata=$((lostdata + 1))
		wait_for -t 30 systemctl -q is-active $keeper.service
		op start
	done
	echo "BENCH fault=keeper-kill9-copy tmpfs_files_lost=$lostdata"
	report keeper-kill9-copy "$N" "$first"
fi
