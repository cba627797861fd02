#!/bin/bash
# Benchmark (numbers only, never pass/fail on time): the restart drift,
# three ways in one boot. A service reads a 64 MiB file from the ext4
# disk, keeps a 16 MiB file on a tmpfs (written by the first instance, read
# by the later ones) and appends an 8 MiB log per instance (fsync), 6
# instances, run
#   stock  - plain systemd, the service in system.slice;
#   slice  - a hand-written Slice=system-NAME.slice drop-in, no cgpersist;
#   cgp    - configured in cgpersist (entity slice, stop hook drain=file,
#            the tmpfs declared with tmpfs=, so the entity's keeper owns it).
# stock and slice get the same tmpfs, mounted by hand.
# Prints (lines "BENCH ..."): memory left in system.slice outside any live
# cgroup, memory in the entity slice outside its live instance, the charge of
# instance 1 and of instances 2..6, dying cgroups, the share of the tmpfs
# file charged to the entity's persistent leaf, each instance's time from
# (re)start to having read its data and written its log, and the drain time
# per GiB from the journal's drained events.
# timeout: 900
. "$CGTEST_LIB"

CG=/sys/fs/cgroup
MiB=$((1 << 20))
DRAINED=5661e915c23348ddbeee96d9d057d056
data=$CGTEST_DISK/drift-data
conf=/etc/cgpersist/conf.d/50-bench-drift.conf
modes="stock slice cgp"

cleanup() {
	local m
	for m in $modes; do
		systemctl stop cgbd$m.service 2>/dev/null || true
		rm -rf /etc/systemd/system/cgbd$m.service /etc/systemd/system/cgbd$m.service.d
		rm -f "$CGTEST_DISK/drift-log-$m"
	done
	systemctl stop cgpersist-keeper@system-cgbdcgp.service 2>/dev/null || true
	for m in $modes; do
		umount /srv/cgbd-$m 2>/dev/null || true
		rmdir /srv/cgbd-$m 2>/dev/null || true
	done
	systemctl stop system-cgbdslice.slice 2>/dev/null || true
	rm -f $conf "$data"
	systemctl daemon-reload
}
trap cleanup EXIT

systemctl start cgpersistd.service

unowned_in() { # CGROUP-DIR: its memory.current minus its live children's
	local total sum=0 c
	total=$(<"$1/memory.current")
	for c in "$1"/*/memory.current; do sum=$((sum + $(<"$c"))); done
	echo $((total - sum))
}
dying_in() { sed -n 's/^nr_dying_descendants //p' "$1/cgroup.stat"; }
mib() { echo $((($1 + MiB / 2) / MiB)); }
smib() { # signed
	local v=$1 s=
	((v < 0)) && { s=-; v=$((-v)); }
	echo "$s$(mib $v)"
}
ms_since() { echo $(((${EPOCHREALTIME/./} - $1) / 1000)); }
# Percent of FILE's resident pages charged to cgroup CG (relative to the
# cgroup root), page by page with "cgctl charges"; where this cgctl lacks it,
# the shmem of CG against FILE's size.
pct_in() { # FILE CG
	local j
	if j=$(cgctl --json charges "$1" 2>/dev/null); then
		jq -r --arg cg "$2" '.files[0] as $f | ((([$f.charges[] | select(.cgroup == $cg) | .pages] | add) // 0) * 100 / ([$f.resident, 1] | max)) | floor' <<<"$j"
	else
		echo $(($(sed -n 's/^shmem //p' "$CG/$2/memory.stat") * 100 / $(stat -c %s "$1")))
	fi
}

dd if=/dev/urandom of="$data" bs=1M count=64 status=none
sync

declare -A U_SYS U_ENT C1 C26 DY DYSYS READY TMPFS
for m in $modes; do
	svc=cgbd$m.service
	logf=$CGTEST_DISK/drift-log-$m
	mnt=/srv/cgbd-$m
	rm -f "$logf"
	cat > /etc/systemd/system/$svc <<UNIT
[Unit]
# restarted faster than the default start limit (5 in 10 s) allows
StartLimitIntervalSec=0
[Service]
Type=exec
ExecStart=/bin/sh -c '[ -f $mnt/state ] || dd if=/dev/urandom of=$mnt/state bs=1M count=16 status=none; cat $data $mnt/state > /dev/null; dd if=/dev/zero of=$logf bs=1M count=8 oflag=append conv=notrunc,fsync status=none; exec sleep infinity'
UNIT
	ent= leaf=
	case $m in
	stock)
		mkdir -p $mnt
		mount -t tmpfs -o size=64M,mode=0755 tmpfs $mnt
		;;
	slice)
		mkdir -p $mnt
		mount -t tmpfs -o size=64M,mode=0755 tmpfs $mnt
		ent=system-cgbdslice.slice
		mkdir -p /etc/systemd/system/$svc.d
		printf '[Unit]\n# hand-written, no cgpersist\n[Service]\nSlice=%s\n' $ent > /etc/systemd/system/$svc.d/50-slice.conf
		;;
	cgp)
		ent=system-cgbdcgp.slice
		mkdir -p /etc/cgpersist/conf.d
		leaf=system.slice/$ent/cgpersist-keeper@${ent%.slice}.service
		printf '[service %s]\ntmpfs = %s size=64M mode=0755\n' $svc $mnt > $conf
		;;
	esac
	systemctl daemon-reload
	[ $m = cgp ] && { wait_for -t 30 systemctl -q is-active $ent || fail "entity $ent not started"; }

	# Start every way from the same state: no page cache of the data file.
	sync
	echo 3 > /proc/sys/vm/drop_caches
	sleep 1
	u0=$(unowned_in $CG/system.slice)
	dsys0=$(dying_in $CG/system.slice)
	charges=() ready=()
	for i in 1 2 3 4 5 6; do
		t0=${EPOCHREALTIME/./}
		if [ $i = 1 ]; then systemctl start $svc; else systemctl restart $svc; fi
		want=$((i * 8 * MiB))
		grown() { [ -f "$logf" ] && [ "$(stat -c %s "$logf")" -ge "$want" ]; }
		wait_for -t 120 -i 0.05 grown || fail "$m: instance $i did not run"
		ready+=("$(ms_since "$t0")")
		cg=$CG$(systemctl show -P ControlGroup $svc)
		charges+=("$(<"$cg/memory.current")")
		log "$m: instance $i in ${cg#"$CG"}: charge $(mib "${charges[-1]}") MiB, ready in ${ready[-1]} ms"
	done
	sleep 5 # let dead cgroups with nothing left in them go
	u1=$(unowned_in $CG/system.slice)
	U_SYS[$m]=$(smib $((u1 - u0)))
	DYSYS[$m]=$(($(dying_in $CG/system.slice) - dsys0))
	if [ -n "$ent" ]; then
		U_ENT[$m]=$(mib "$(unowned_in $CG/system.slice/$ent)")
		DY[$m]=$(dying_in $CG/system.slice/$ent)
	else
		U_ENT[$m]=-
		DY[$m]=${DYSYS[$m]}
	fi
	# Only cgpersist gives the entity a persistent leaf; without one, none
	# of the data can be charged to it.
	TMPFS[$m]=0
	[ -n "$leaf" ] && TMPFS[$m]=$(pct_in $mnt/state "$leaf")
	C1[$m]=$(mib "${charges[0]}")
	l=
	for i in 1 2 3 4 5; do l+="${l:+,}$(mib "${charges[i]}")"; done
	C26[$m]=$l
	l=
	for i in 0 1 2 3 4 5; do l+="${l:+,}${ready[i]}"; done
	READY[$m]=$l
	log "$m: unowned in system.slice ${U_SYS[$m]} MiB, in entity ${U_ENT[$m]} MiB, dying ${DY[$m]} (system.slice +${DYSYS[$m]})"
	systemctl stop $svc
done

# Drain cost, from the drained events of the cgp service (5 restarts + stop).
ev() { journalctl -b -o export MESSAGE_ID=$DRAINED CGPERSIST_SERVICE=cgbdcgp.service; }
bytes=0 usec=0 n=0 list=
while read -r k v; do
	case $k in
	CGPERSIST_BYTES) bytes=$((bytes + v)); n=$((n + 1)) ;;
	CGPERSIST_USEC) usec=$((usec + v)); list+="${list:+,}$((v / 1000))" ;;
	esac
done < <(ev | sed -n 's/^\(CGPERSIST_BYTES\|CGPERSIST_USEC\)=/\1 /p')

echo "BENCH kernel=$(uname -r) systemd=$(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') release=$CGTEST_RELEASE"
printf 'BENCH %-34s %10s %10s %10s\n' figure stock slice cgpersist
row() { printf 'BENCH %-34s %10s %10s %10s\n' "$1" "$2" "$3" "$4"; }
row "unowned_in_system.slice_MiB" "${U_SYS[stock]}" "${U_SYS[slice]}" "${U_SYS[cgp]}"
row "unowned_in_entity_slice_MiB" "${U_ENT[stock]}" "${U_ENT[slice]}" "${U_ENT[cgp]}"
row "charge_instance1_MiB" "${C1[stock]}" "${C1[slice]}" "${C1[cgp]}"
row "charge_instances2..6_MiB" "${C26[stock]}" "${C26[slice]}" "${C26[cgp]}"
row "dying_cgroups" "${DY[stock]}" "${DY[slice]}" "${DY[cgp]}"
row "dying_added_in_system.slice" "${DYSYS[stock]}" "${DYSYS[slice]}" "${DYSYS[cgp]}"
row "tmpfs_data_in_persistent_leaf_%" "${TMPFS[stock]}" "${TMPFS[slice]}" "${TMPFS[cgp]}"
echo "BENCH ready_ms_instances1..6 stock=${READY[stock]} slice=${READY[slice]} cgp=${READY[cgp]}"
if ((bytes >= MiB)); then
	echo "BENCH drain events=$n bytes=$bytes usec=$usec per_event_ms=$list ms_per_GiB=$((usec * 1024 / (bytes / MiB) / 1000))"
else
	echo "BENCH drain events=$n bytes=0 usec=$usec (nothing drained)"
fi

# --- The cost of draining: the next instance's time to
# ready with drain=file and with drain=none, and drain time per GiB. The
# service reads the 64 MiB file and is ready (Type=forking: its first process
# exits) once it has; a child sleeps on so that the instance keeps its cgroup
# until it is stopped (a Type=oneshot service's cgroup goes as soon as it has
# run, so its stop hook would drain an empty new one). systemd's
# InactiveExit -> ActiveEnter monotonic timestamps of each restart give the
# next instance's time to ready: after a drain it reads from the disk,
# without one from the page cache the dead instance left behind. Median over
# COST_RESTARTS restarts. Kept apart from the table above (its own units,
# data and cleanup).
COST_RESTARTS=7
COSTDRAINED=5661e915c23348ddbeee96d9d057d056

cost_cleanup() {
	local d
	for d in file none; do
		systemctl stop cgbcost$d.service 2>/dev/null || true
		rm -f /etc/systemd/system/cgbcost$d.service
	done
	rm -f /etc/cgpersist/conf.d/50-bench-cost.conf "$CGTEST_DISK/cost-data"
	systemctl daemon-reload
}

median() { # NUMBERS...: the middle one (the lower middle of an even count)
	printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"
}

cost_of_draining() {
	local d svc i a b list bytes usec n k v
	local -A MED LIST
	trap 'cost_cleanup; cleanup' EXIT
	dd if=/dev/urandom of="$CGTEST_DISK/cost-data" bs=1M count=64 status=none
	sync
	mkdir -p /etc/cgpersist/conf.d
	: > /etc/cgpersist/conf.d/50-bench-cost.conf
	for d in file none; do
		svc=cgbcost$d.service
		cat > /etc/systemd/system/$svc <<UNIT
[Unit]
StartLimitIntervalSec=0
[Service]
Type=forking
# Output stays with the journal: cgpersist-drain logs there only when
# JOURNAL_STREAM says its stderr goes there.
ExecStart=/bin/sh -c 'cat $CGTEST_DISK/cost-data > /dev/null; sleep infinity > /dev/null 2>&1 &'
UNIT
		printf '[service %s]\ndrain = %s\n' $svc $d >> /etc/cgpersist/conf.d/50-bench-cost.conf
	done
	systemctl daemon-reload
	for d in file none; do
		svc=cgbcost$d.service
		wait_for -t 30 systemctl -q is-active system-cgbcost$d.slice || fail "cost: entity of $svc not started"
		sync
		echo 3 > /proc/sys/vm/drop_caches
		systemctl start $svc
		list=()
		for ((i = 1; i <= COST_RESTARTS; i++)); do
			systemctl restart $svc
			a=$(systemctl show -P InactiveExitTimestampMonotonic $svc)
			b=$(systemctl show -P ActiveEnterTimestampMonotonic $svc)
			((a > 0 && b >= a)) || fail "cost: no timestamps for $svc ($a, $b)"
			list+=($(((b - a) / 1000)))
		done
		systemctl stop $svc
		MED[$d]=$(median "${list[@]}")
		LIST[$d]=$(
			IFS=,
			echo "${list[*]}"
		)
		log "cost: drain=$d: time to ready after a restart ${LIST[$d]} ms (median ${MED[$d]})"
	done
	bytes=0 usec=0 n=0
	while read -r k v; do
		case $k in
		CGPERSIST_BYTES) bytes=$((bytes + v)); n=$((n + 1)) ;;
		CGPERSIST_USEC) usec=$((usec + v)) ;;
		esac
	done < <(journalctl -b -o export MESSAGE_ID=$COSTDRAINED CGPERSIST_SERVICE=cgbcostfile.service |
		sed -n 's/^\(CGPERSIST_BYTES\|CGPERSIST_USEC\)=/\1 /p')
	echo "BENCH cost ready_ms_after_restart drain=file median=${MED[file]} (${LIST[file]}) drain=none median=${MED[none]} (${LIST[none]})"
	if ((bytes >= MiB)); then
		echo "BENCH cost drain events=$n bytes=$bytes usec=$usec ms_per_GiB=$((usec * 1024 / (bytes / MiB) / 1000))"
	else
		echo "BENCH cost drain events=$n bytes=$bytes usec=$usec (nothing drained)"
	fi
}
cost_of_draining
