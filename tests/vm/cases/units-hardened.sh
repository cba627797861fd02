#!/bin/bash
# The sandbox of the units: `systemd-analyze security` scores cgpersistd.service
# at most 3.0 and a keeper instance at most 4.0; the daemon runs with no
# capability, the keeper with only those its unit lists, both under a system
# call filter and without new privileges; the keeper still mounts in PID 1's
# mount namespace (the tmpfs is seen by the service and by PID 1); systemd
# has no complaint about either unit file (`systemd-analyze verify`, and no
# warning from PID 1 in the journal).
# timeout: 120
. "$CGTEST_LIB"

svc=cguh.service
keeper=cgpersist-keeper@system-cguh.service
mnt=/srv/cguh
conf=/etc/cgpersist/conf.d/50-cgtest-hardened.conf
DAEMON_MAX=30 # tenths
KEEPER_MAX=40
# CAP_CHOWN 0, CAP_DAC_OVERRIDE 1, CAP_DAC_READ_SEARCH 2, CAP_FOWNER 3,
# CAP_FSETID 4, CAP_LEASE 28, CAP_SYS_PTRACE 19, CAP_SYS_ADMIN 21
KEEPER_CAPS=$(printf '%016x' $(((1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 28) | (1 << 19) | (1 << 21))))

cleanup() {
	systemctl stop "$svc" 2>/dev/null || true
	systemctl stop "$keeper" 2>/dev/null || true
	umount $mnt 2>/dev/null || true
	rmdir $mnt 2>/dev/null || true
	rm -f /etc/systemd/system/$svc $conf
	systemctl daemon-reload
}
trap cleanup EXIT

# score UNIT: the overall exposure in tenths; the exposed settings to the log
score() {
	local out s
	out=$(systemd-analyze security --no-pager "$1" 2>&1) || true
	grep '✗' <<<"$out" | sed 's/  */ /g; s/^/#   /' >&2 || true
	s=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9]*\.[0-9]\).*/\1/p' <<<"$out")
	[[ -n $s ]] || fail "no score from systemd-analyze security $1: $out"
	echo "${s/./}"
}

status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

systemctl start cgpersistd.service

cat >/etc/systemd/system/$svc <<UNIT
[Service]
Type=exec
ExecStart=/bin/sh -c 'echo hello > $mnt/greeting; exec sleep infinity'
UNIT
mkdir -p /etc/cgpersist/conf.d
printf '[service %s]\ntmpfs = %s size=1M mode=0755\n' $svc $mnt >$conf
systemctl daemon-reload
systemctl reload cgpersistd.service
systemctl start $svc
wait_for -t 20 test -s $mnt/greeting || fail "$svc did not write to its tmpfs"
systemctl -q is-active $keeper || fail "$keeper is not active"

# The keeper's mount is PID 1's: same mount namespace, and PID 1 sees it.
kpid=$(systemctl show -P MainPID $keeper)
assert_eq "$(readlink /proc/"$kpid"/ns/mnt)" "$(readlink /proc/1/ns/mnt)" "keeper's mount namespace"
assert_eq "$(findmnt -n -N 1 -o FSTYPE --mountpoint $mnt)" tmpfs "the tmpfs as PID 1 sees it"
assert_eq "$(cat $mnt/greeting)" hello "what the service wrote"

# What the kernel says of both processes.
dpid=$(systemctl show -P MainPID cgpersistd.service)
for p in "$dpid" "$kpid"; do
	log "PID $p ($(cat /proc/"$p"/comm)): CapBnd $(status_field "$p" CapBnd) CapEff $(status_field "$p" CapEff)" \
		"NoNewPrivs $(status_field "$p" NoNewPrivs) Seccomp $(status_field "$p" Seccomp)"
	assert_eq "$(status_field "$p" NoNewPrivs)" 1 "NoNewPrivs of $p"
	assert_eq "$(status_field "$p" Seccomp)" 2 "seccomp filter mode of $p"
done
assert_eq "$(status_field "$dpid" CapBnd)" 0000000000000000 "the daemon's capability bounding set"
assert_eq "$(status_field "$kpid" CapBnd)" "$KEEPER_CAPS" "the keeper's capability bounding set"
# The daemon is in a network namespace of its own, the keeper too.
assert_ne "$(readlink /proc/"$dpid"/ns/net)" "$(readlink /proc/1/ns/net)" "the daemon's network namespace"
assert_ne "$(readlink /proc/"$kpid"/ns/net)" "$(readlink /proc/1/ns/net)" "the keeper's network namespace"

log "systemd-analyze security cgpersistd.service:"
d=$(score cgpersistd.service)
log "systemd-analyze security $keeper:"
k=$(score $keeper)
log "exposure: cgpersistd.service $((d / 10)).$((d % 10)) (at most $((DAEMON_MAX / 10)).$((DAEMON_MAX % 10))), $keeper $((k / 10)).$((k % 10)) (at most $((KEEPER_MAX / 10)).$((KEEPER_MAX % 10)))"
assert_le "$d" $DAEMON_MAX "exposure of cgpersistd.service, in tenths"
assert_le "$k" $KEEPER_MAX "exposure of $keeper, in tenths"

# No complaint about the unit files: from `systemd-analyze verify`, and from
# PID 1 when it loaded them (at boot, at the daemon-reloads, for the keeper
# instance).
units=$(systemctl show -P FragmentPath cgpersistd.service $keeper | sort -u)
for f in $units; do
	out=$(systemd-analyze verify --man=no "$f" 2>&1 | grep cgpersist || true)
	[[ -z $out ]] || fail "systemd-analyze verify $f: $out"
done
bad=$(journalctl -b -q -o cat _PID=1 | grep -E 'cgpersist(d|-keeper@)[^ :]*\.service(:[0-9]+)?: ' |
	grep -Ei 'unknown|ignor|invalid|failed to parse|not supported|deprecated|unsafe' || true)
[[ -z $bad ]] || fail "PID 1 complained about our units: $bad"
log "no warning about the unit files"
