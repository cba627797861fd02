#!/bin/bash
# What a database-like service leaves in its dying cgroups after the default
# drain (drain=file): the service reads a 32 MiB table file, rewrites 2 MiB of
# it in place and appends 2 MiB to a log, with fsync (MODE=fsync) or without
# (MODE=nosync), and keeps a small pid file in /run; restarted 4 times.
# After each restart, cgctl zombies' row of the entity (dying, kinds) and the
# residual the stop hook recorded; then the same after writeback has run
# (dirty_expire) and once more after a second drain (cgctl drain). Run by
# bench/zombies-residual. Prints "BENCH key value" lines.
# timeout: 900
. "$CGTEST_LIB"

CG=/sys/fs/cgroup
conf=/etc/cgpersist/conf.d/90-cgtest-residual.conf
bench() { echo "BENCH $*"; }

systemctl start cgpersistd

row() { # SLICE
	cgctl --json zombies | jq -c --arg cg "system.slice/$1" \
		'.cgroups_holding[] | select(.cgroup == $cg) | {dying, left: (.left // {} | with_entries(.value |= (. / 1024 | floor)))}'
}

for mode in fsync nosync; do
	svc=cgtres$mode.service
	db=$CGTEST_DISK/res-$mode.db wal=$CGTEST_DISK/res-$mode.wal
	[[ -f $db ]] || dd if=/dev/urandom of="$db" bs=1M count=32 status=none
	if [[ $mode == fsync ]]; then sync=conv=notrunc,fsync; else sync=conv=notrunc; fi
	cat >/etc/systemd/system/$svc <<UNIT
[Unit]
StartLimitIntervalSec=0
[Service]
Type=exec
ExecStart=/bin/sh -c 'echo \$\$ >/run/cgtres-$mode.pid; cat $db >/dev/null; for i in 0 1 2 3 4 5 6 7; do dd if=/dev/urandom of=$db bs=256k count=1 seek=\$((i * 13 %% 128)) $sync status=none; dd if=/dev/urandom of=$wal bs=256k count=1 oflag=append $sync status=none; done; touch /run/cgtres-$mode.ready; exec sleep infinity'
UNIT
	printf '[service %s]\n' "$svc" >"${conf%.conf}-$mode.conf"
done
systemctl daemon-reload
systemctl reload cgpersistd
sleep 2

for mode in fsync nosync; do
	svc=cgtres$mode.service
	slice=$(systemctl show -P Slice $svc)
	wait_for -t 30 systemctl -q is-active "$slice" || fail "entity $slice not started"
	bench "mode $mode slice $slice"
	for i in 1 2 3 4 5; do
		rm -f /run/cgtres-$mode.ready
		if [ $i = 1 ]; then systemctl start $svc; else systemctl restart $svc; fi
		wait_for -t 60 test -e /run/cgtres-$mode.ready || fail "$svc did not get ready"
		if [ $i -gt 1 ]; then
			sleep 1
			bench "$mode restart $((i - 1)) zombies $(row "$slice")"
		fi
	done
	bench "$mode history $(cgctl --json history $svc | jq -c '[.. | objects | select(has("residual")) | {residual: (.residual / 1024 | floor), drained: ((.drained // 0) / 1024 | floor)}]')"
	bench "$mode dying $(dying_under "$slice")"
	sleep 35 # past vm.dirty_expire_centisecs (30 s) and a writeback period
	bench "$mode after_writeback zombies $(row "$slice")"
	flush_charge_caches
	sleep 2
	bench "$mode after_flush_charge_caches zombies $(row "$slice")"
	cgctl drain "$slice" >/dev/null
	sleep 2
	bench "$mode after_drain zombies $(row "$slice")"
	flush_charge_caches
	sleep 2
	bench "$mode after_drain_flush zombies $(row "$slice")"
	systemctl stop $svc
done
rm -f /etc/cgpersist/conf.d/90-cgtest-residual-*.conf
