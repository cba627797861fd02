#!/bin/bash
# The demonstration for the README's set-up-and-run: a sample service that
# reads a 64 MB file and appends to a log, given an entity with cgctl enable,
# shown by `cgctl status` before and after a restart. The memory the first
# instance read stays with the entity (persistent) instead of becoming
# nobody's in system.slice.
# timeout: 180
. "$CGTEST_LIB"

svc=demo-web.service
dir=$CGTEST_DISK/demo-web

cleanup() {
	systemctl stop "$svc" 2>/dev/null || true
	cgctl disable "$svc" >/dev/null 2>&1 || true
	rm -f /etc/systemd/system/$svc
	systemctl daemon-reload
}
trap cleanup EXIT

systemctl start cgpersistd
wait_for -t 30 systemctl -q is-active cgpersistd || fail "cgpersistd did not start"

mkdir -p "$dir"
dd if=/dev/urandom of="$dir/data" bs=1M count=64 status=none
sync
echo 3 >/proc/sys/vm/drop_caches
cat >/etc/systemd/system/$svc <<EOF
[Unit]
Description=cgpersist demo: reads 64 MB, appends to a log
[Service]
Type=exec
ExecStart=/bin/sh -c 'cat $dir/data >/dev/null; head -c 8M /dev/zero >>$dir/log; exec sleep infinity'
EOF
systemctl daemon-reload

echo "\$ cgctl enable $svc"
cgctl enable "$svc"
systemctl start "$svc"
wait_for -t 20 bash -c "cgctl --json status $svc | jq -e '.entities[0].instances == 1' >/dev/null" || fail "no instance"
sleep 3
echo "\$ cgctl status $svc    # first instance"
cgctl status "$svc"
first=$(cgctl --json status "$svc")

systemctl restart "$svc"
wait_for -t 20 bash -c "cgctl --json history $svc | jq -e '(.instances | length) >= 2 and .instances[-2].stop_usec != null' >/dev/null" ||
	fail "restart not recorded"
sleep 3
echo "\$ cgctl status $svc    # after a restart"
cgctl status "$svc"
echo "\$ cgctl history $svc"
cgctl history "$svc"
echo "\$ cgctl list"
cgctl list

assert_eq "$(cgctl --json status "$svc" | jq -r '.entities[0].restarts')" $(($(jq -r '.entities[0].restarts' <<<"$first") + 1)) "restarts"
assert_eq "$(systemctl show -P Slice "$svc")" system-demo\\x2dweb.slice "Slice= of $svc"
