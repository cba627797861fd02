#!/bin/bash
# The keeper (root) against what a service user or a local user controls:
# - a declared tmpfs path that the service user replaced by a symbolic link
#   to a root-owned directory: nothing is mounted there, the directory is
#   unchanged, the refusal is in the journal with the path, and the service
#   and the keeper still start;
# - a declared path through a symbolic link, onto a tmpfs mounted there: a
#   keeper restart does not stack another tmpfs on it, its data stays visible;
# - a 2^63-1 byte sparse file on a small tmpfs: the keeper gets ready, a stop
#   gets the keeper's answer, "cgctl charges" on it returns;
# - a chmod while the keeper copies a file is kept, and an opener of the file
#   during the copy is not held until the copy ends.
# Each check is made and reported even when an earlier one failed, so that
# one run tells which of these attacks get through.
# timeout: 240
. "$CGTEST_LIB"

svc=cgtkh.service
slice=system-cgtkh.slice
keeper=cgpersist-keeper@system-cgtkh.service
conf=/etc/cgpersist/conf.d/50-cgtest-keeper-hostile.conf
udir=/srv/cgtkh-user          # owned by the service user
target=/etc/cgtkh-target      # root's; the symbolic link points here
real=/srv/cgtkh-real          # a tmpfs is mounted on $real/data by hand
link=/srv/cgtkh-link          # -> $real, root's own link
mnt=/srv/cgtkh                # the keeper's tmpfs for files
REFUSED=56370d2784f8443c9bc92a5eb26f8f73
REHOMED=c86478d49e2b4f1d9b2de178e2a7da11
NOT_REHOMED=65852b58021f49778db7f7d4390a9dd2

[ -r /proc/kpagecgroup ] || skip "no /proc/kpagecgroup"

cleanup() {
	systemctl stop "$svc" 2>/dev/null || true
	systemctl kill -s KILL "$keeper" 2>/dev/null || true
	systemctl stop "$keeper" 2>/dev/null || true
	systemctl reset-failed "$keeper" "$svc" 2>/dev/null || true
	for m in $target $real/data $mnt; do
		while umount "$m" 2>/dev/null; do :; done
	done
	rm -rf "$udir" "$target" "$real" "$link" "$mnt"
	rm -f /etc/systemd/system/$svc $conf
	systemctl daemon-reload
}
trap cleanup EXIT

bad=()
attack() { # WHAT: note an attack that got through, go on
	log "ATTACK SUCCEEDED: $*"
	bad+=("$*")
}
mounts_on() { awk -v p="$1" '$5 == p' /proc/self/mountinfo | wc -l; }
keeper_active() { [ "$(systemctl show -P ActiveState $keeper)" = active ]; }
keeper_ready() { keeper_active && [ "$(systemctl show -P SubState $keeper)" = running ]; }
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
# Microseconds of the last pass of the keeper since cursor $1 (waits for
# the journal to have it).
pass_logged() { journal_after "$1" MESSAGE_ID=$REHOMED CGPERSIST_ENTITY=$slice | grep -q ^CGPERSIST_USEC=; }
last_pass_usec() {
	wait_for -t 10 pass_logged "$1" || return 0
	journal_after "$1" MESSAGE_ID=$REHOMED CGPERSIST_ENTITY=$slice |
		sed -n 's/^CGPERSIST_USEC=//p' | tail -n 1
}
cursor() { journal_mark; }
# Waits for the keeper to hold a lease on inode $1.
lease_held() { grep -q "LEASE.*:$1 " /proc/locks; }

systemctl start cgpersistd.service

# 1. The service user's directory, and a root-owned one it would like to own.
mkdir -p $udir $target
chown nobody:nogroup $udir
echo 'echo root job' >$target/job
target_before=$(stat -c '%u:%g %a %i' $target; ls -la --time-style=+ $target)
as_nobody ln -s $target $udir/cache
# 2. A tmpfs with data, reached through a root-owned symbolic link.
mkdir -p $real/data
mount -t tmpfs -o size=1M,mode=0755 cgtkh-real $real/data
echo kept >$real/data/keep
ln -s $real $link

cat >/etc/systemd/system/$svc <<UNIT
[Unit]
StartLimitIntervalSec=0
[Service]
Type=exec
ExecStart=/bin/sleep infinity
UNIT
mkdir -p /etc/cgpersist/conf.d
{
	printf '[service %s]\n' $svc
	printf 'tmpfs = %s size=1M mode=0755 owner=nobody\n' $udir/cache
	printf 'tmpfs = %s size=1M mode=0755\n' $link/data
	printf 'tmpfs = %s size=512M mode=0755\n' $mnt
} >$conf
# The keeper starts with the entity: its refusals come from here on.
c0=$(cursor)
systemctl daemon-reload
wait_for -t 30 systemctl -q is-active $slice || fail "entity $slice not started by the daemon"
systemctl start $svc
assert_eq "$(systemctl is-active $svc)" active "the service starts"
wait_for -t 20 keeper_ready || fail "the keeper did not get ready"
log "keeper status: $(systemctl show -P StatusText $keeper)"

# --- 1. the symbolic link swap ---------------------------------------------
if [ "$(mounts_on $target)" != 0 ]; then
	attack "symlink swap: a tmpfs was mounted on $target: $(findmnt -n $target | tr '\n' ' ')"
	umount $target
fi
target_after=$(stat -c '%u:%g %a %i' $target; ls -la --time-style=+ $target)
[ "$target_before" = "$target_after" ] || attack "symlink swap: $target changed: $target_after"
# refusal PATH FIELD: the field of the keeper's refusal of PATH
refusal() {
	journal_after "$c0" MESSAGE_ID=$REFUSED CGPERSIST_PATH="$1" |
		sed -n "s/^$2=//p" | tail -n 1
}
log "refusal: $(refusal $udir/cache MESSAGE)"
if [ -z "$(refusal $udir/cache MESSAGE)" ]; then
	attack "symlink swap: no refusal of $udir/cache in the journal"
else
	# Refused for the directory the user owns, above its link.
	assert_eq "$(refusal $udir/cache CGPERSIST_REASON)" writable "reason of the refusal of $udir/cache"
	assert_eq "$(refusal $udir/cache CGPERSIST_COMPONENT)" $udir "component refused in $udir/cache"
fi
[ -L $udir/cache ] || attack "symlink swap: the keeper replaced the user's link"

# --- 2. a symbolic link in the path, across keeper restarts -----------------
for i in 1 2; do
	systemctl restart $keeper
	wait_for -t 20 keeper_ready || fail "the keeper did not get ready after restart $i"
done
log "refusal: $(refusal $link/data MESSAGE)"
assert_eq "$(refusal $link/data CGPERSIST_REASON)" symlink "reason of the refusal of $link/data"
n=$(mounts_on $real/data)
log "mounts on $real/data after 2 keeper restarts: $n"
[ "$n" = 1 ] || attack "symlink in the path: $n mounts stacked on $real/data"
[ "$(cat $real/data/keep 2>/dev/null)" = kept ] || attack "symlink in the path: the data on $real/data is hidden"
while [ "$(mounts_on $real/data)" -gt 1 ]; do umount $real/data; done
assert_eq "$(mounts_on $mnt)" 1 "one tmpfs on $mnt"

# --- 3. a 2^63-1 byte sparse file ------------------------------------------
# Written in the entity, so the keeper's start pass has to look at it.
systemd-run --quiet --wait -p Slice=$slice sh -c \
	"printf data > $mnt/huge && truncate -s 9223372036854775807 $mnt/huge"
log "sparse file: $(stat -c '%s bytes, %b blocks' $mnt/huge)"
systemctl restart --no-block $keeper
sleep 1
if ! wait_for -t 20 keeper_ready; then
	attack "sparse file: the keeper is not ready 20 s after its start ($(systemctl show -P SubState $keeper))"
	systemctl kill -s KILL $keeper
	rm -f $mnt/huge
	systemctl reset-failed $keeper 2>/dev/null || true
	systemctl start $keeper
else
	c1=$(cursor)
	systemctl restart $svc
	# The stop hook got the keeper's answer for this stop.
	answered() {
		journal_after "$c1" MESSAGE_ID=$REHOMED CGPERSIST_ENTITY=$slice |
			grep -q "^CGPERSIST_CGROUP=/system.slice/$slice/$svc\$"
	}
	wait_for -t 20 answered || attack "sparse file: the keeper did not answer the stop hook"
	log "stop pass with the sparse file: $(last_pass_usec "$c1") us"
fi
if [ -e $mnt/huge ]; then
	rc=0
	out=$(timeout 20 cgctl charges $mnt/huge 2>&1) || rc=$?
	log "cgctl charges $mnt/huge (exit $rc): $(head -n 1 <<<"$out")"
	[ $rc != 124 ] || attack "sparse file: cgctl charges did not return within 20 s"
	rm -f $mnt/huge
fi
wait_for -t 20 keeper_ready || fail "the keeper did not get ready"

# --- 4. leases ---------------------------------------------------------------
# A file written in the entity, so that a keeper start copies it; large
# enough that the copy takes a while.
write_big() {
	rm -f $mnt/big
	systemd-run --quiet --wait -p Slice=$slice dd if=/dev/zero of=$mnt/big bs=1M count=192 status=none
	chmod 0644 $mnt/big
}
write_big
ino=$(stat -c %i $mnt/big)
c2=$(cursor)
systemctl restart --no-block $keeper
wait_for -t 30 -i 0.01 lease_held "$ino" || fail "the keeper never took a lease on $mnt/big"
chmod 0640 $mnt/big
wait_for -t 60 keeper_ready || fail "the keeper did not get ready"
copy_usec=$(last_pass_usec "$c2")
mode=$(stat -c %a $mnt/big)
log "chmod during the copy: mode after the pass $mode (pass ${copy_usec} us)"
[ "$mode" = 640 ] || attack "lease: the chmod made during the copy was reverted to $mode"

write_big
ino=$(stat -c %i $mnt/big)
c3=$(cursor)
systemctl restart --no-block $keeper
wait_for -t 30 -i 0.01 lease_held "$ino" || fail "the keeper never took a lease on $mnt/big"
t0=${EPOCHREALTIME/./}
exec 3<$mnt/big
t1=${EPOCHREALTIME/./}
exec 3<&-
wait_for -t 60 keeper_ready || fail "the keeper did not get ready"
waited=$((t1 - t0))
pass_usec=$(last_pass_usec "$c3")
reason=$(journal_after "$c3" MESSAGE_ID=$NOT_REHOMED CGPERSIST_PATH=$mnt/big |
	sed -n 's/^CGPERSIST_REASON=//p' | tail -n 1)
log "opener during the copy: held ${waited} us; an uncontested copy pass took ${copy_usec} us; reason ${reason:-none}"
assert_eq "$reason" lease-broken "reason for the file opened during its copy"
((waited * 2 < copy_usec)) ||
	attack "lease: the opener was held ${waited} us, for most of the copy (${copy_usec} us)"

if ((${#bad[@]})); then
	fail "${#bad[@]} attack(s) got through: $(printf '%s; ' "${bad[@]}")"
fi
log "every attack failed"
