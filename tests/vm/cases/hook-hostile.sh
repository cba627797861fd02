#!/bin/bash
# The stop hook runs as root (ExecStopPost=-+) among what the service
# controls. Three services try to turn it:
#  * cgtenv.service (User=nobody) has an EnvironmentFile= that nobody writes,
#    with LD_PRELOAD of a library that marks any root process it is loaded
#    into, and INVOCATION_ID set to the running instance of cgtvictim.service;
#  * cgtdel.service (User=nobody, Delegate=yes, KillMode=process) leaves a
#    process behind that moves the hook, as it starts, into a sub-cgroup of
#    its own named like the victim's cgroup, with the same forged id.
# None of it may work: no marker, no record or drain under the victim's
# invocation or name, a refusal in the journal naming the cgroup, and both
# services stop with Result=success. The keeper of an entity re-homes for no
# other entity's instance.
# timeout: 240
. "$CGTEST_LIB"

CG=/sys/fs/cgroup
H=/usr/lib/cgpersist-vmtest
DRAINED=5661e915c23348ddbeee96d9d057d056
REFUSED=5b36d9cdf69840e7806c7df1256fcd33
PEER_REFUSED=5979b49bd695406cab614afe7e3ab01c
conf=/etc/cgpersist/conf.d/50-cgtest-hook.conf
units="cgtvictim.service cgtenv.service cgtdel.service cgtkeep.service"
envd=/var/lib/cgthook

cleanup() {
	systemctl stop $units 2>/dev/null || true
	pkill -x cgtest-mover 2>/dev/null || true
	systemctl stop 'cgpersist-keeper@system-cgtkeep.service' 2>/dev/null || true
	for u in $units; do rm -f /etc/systemd/system/$u; done
	umount -l /srv/cgthook 2>/dev/null || true
	rm -rf $conf $envd /srv/cgthook || true
	systemctl daemon-reload
}
trap cleanup EXIT

# Every attack is tried even when one works, so that a run on a vulnerable
# build shows them all; the case fails at the end.
worked=()
attack_worked() {
	log "ATTACK WORKED: $*"
	worked+=("$1")
}

systemctl start cgpersistd.service
rm -f /run/cgtest-preload-root.*
mkdir -p $envd /srv/cgthook
chown nobody: $envd

cat > /etc/systemd/system/cgtvictim.service <<UNIT
[Service]
Type=exec
ExecStart=/bin/sleep infinity
UNIT
cat > /etc/systemd/system/cgtenv.service <<UNIT
[Service]
Type=exec
User=nobody
EnvironmentFile=-$envd/env
ExecStart=/bin/sleep infinity
UNIT
del=$CG/system.slice/system-cgtdel.slice/cgtdel.service
nest=$del/x/system.slice/system-cgtvictim.slice/cgtvictim.service
cat > /etc/systemd/system/cgtdel.service <<UNIT
[Service]
Type=exec
User=nobody
Delegate=yes
KillMode=process
EnvironmentFile=-$envd/env-del
ExecStart=/bin/sh -c 'mkdir -p $nest && { $H/cgtest-mover $del/.control/cgroup.procs $nest/cgroup.procs 90 > /tmp/cgtest-moved 2>&1 & } ; exec sleep infinity'
UNIT
# A keeper for the last check.
cat > /etc/systemd/system/cgtkeep.service <<UNIT
[Service]
Type=exec
ExecStart=/bin/sleep infinity
UNIT
mkdir -p /etc/cgpersist/conf.d
cat > $conf <<CONF
[service cgtvictim.service]
[service cgtenv.service]
[service cgtdel.service]
[service cgtkeep.service]
tmpfs = /srv/cgthook size=1M
CONF
systemctl daemon-reload
systemctl start cgtvictim.service
victim=$(systemctl show -P InvocationID cgtvictim.service)
log "victim instance: $victim"

# What the service user writes.
runuser -u nobody -- sh -c "printf 'LD_PRELOAD=$H/preload.so\nINVOCATION_ID=%s\n' $victim > $envd/env"
runuser -u nobody -- sh -c "printf 'INVOCATION_ID=%s\n' $victim > $envd/env-del"

since=$(date '+%Y-%m-%d %H:%M:%S')
systemctl start cgtenv.service cgtdel.service cgtkeep.service
envinv=$(systemctl show -P InvocationID cgtenv.service)
assert_eq "$(cat /proc/$(systemctl show -P MainPID cgtenv.service)/environ | tr '\0' '\n' | grep -c '^LD_PRELOAD=')" 1 \
	"the service itself runs with LD_PRELOAD"
wait_for -t 20 test -d $nest || fail "cgtdel made no sub-cgroup"
systemctl stop cgtenv.service cgtdel.service
sleep 1
log "mover: $(tr '\n' ' ' </tmp/cgtest-moved 2>/dev/null)"

# 1. LD_PRELOAD reached no root process.
markers=$(cat /run/cgtest-preload-root.* 2>/dev/null | sort -u | tr '\n' ' ' || true)
log "root processes that loaded the library: ${markers:-none}"
[ -z "$markers" ] || attack_worked "LD_PRELOAD from the service's EnvironmentFile ran as root in: $markers"

j() { journalctl -q --since "$since" -o cat "$@" 2>/dev/null; }
# 2. Nothing was drained or recorded as the victim's instance or unit.
forged=$(j MESSAGE_ID=$DRAINED CGPERSIST_INSTANCE=$victim)
[ -z "$forged" ] || attack_worked "a hook recorded the victim's invocation $victim: $forged"
asvictim=$(j MESSAGE_ID=$DRAINED CGPERSIST_SERVICE=cgtvictim.service)
[ -z "$asvictim" ] || attack_worked "a moved hook drained as cgtvictim.service: $asvictim"
[ ! -e /run/cgpersist/stops/$victim ] || attack_worked "a record named after the victim's invocation"
systemctl -q is-active cgtvictim.service || fail "the victim stopped"

# The env service's own stop is recorded under its real invocation id,
# which the hook took from the cgroup's trusted.invocation_id.
wait_for -t 20 bash -c "journalctl -q --since '$since' MESSAGE_ID=$DRAINED CGPERSIST_INSTANCE=$envinv | grep -q ." ||
	attack_worked "no drain of cgtenv.service under its own invocation $envinv"
wait_for -t 20 bash -c "cgctl --json history cgtenv.service | jq -e '.instances[-1].invocation_id == \"$envinv\" and .instances[-1].charge_at_stop != null' >/dev/null" ||
	attack_worked "history of cgtenv.service lacks its stop figures: $(cgctl --json history cgtenv.service)"

# 3. The moved hook refused, saying where it ran and why.
refused=$(j -o export MESSAGE_ID=$REFUSED | grep -a '^CGPERSIST_CGROUP=\|^MESSAGE=' | tr '\n' ' ')
log "refusal: $refused"
[[ $refused =~ CGPERSIST_CGROUP=/system.slice/system-cgtdel.slice/cgtdel.service/x/ ]] ||
	attack_worked "no refusal naming the moved cgroup"

# Both stops were clean for systemd.
assert_eq "$(systemctl show -P Result cgtenv.service)" success "Result of cgtenv.service"
assert_eq "$(systemctl show -P Result cgtdel.service)" success "Result of cgtdel.service"
pkill -x cgtest-mover || true

# 4. The keeper of cgtkeep's entity: a root client asking it to re-home
# another entity's instance is refused and logged.
sock=/run/cgpersist/keeper/system-cgtkeep.slice.sock
wait_for -t 30 test -S $sock || fail "no keeper socket $sock"
reply=$(printf 'REHOME /system.slice/system-cgtvictim.slice/cgtvictim.service\n' |
	timeout 10 socat -t 5 - UNIX-CONNECT:$sock 2>&1 || true)
log "keeper reply to a foreign cgroup: $reply"
[[ $reply =~ ^ERROR\ 1\  ]] || attack_worked "the keeper of cgtkeep re-homed for another entity's instance: $reply"
# (the cgroup asked for is in CGPERSIST_CGROUP=, not in the message text)
wait_for -t 10 bash -c "journalctl -q --since '$since' -o verbose MESSAGE_ID=$PEER_REFUSED | grep -q 'CGPERSIST_CGROUP=.*cgtvictim'" ||
	attack_worked "no refusal of the keeper in the journal"
[ ${#worked[@]} = 0 ] || fail "${#worked[@]} attack(s) worked: ${worked[*]}"
log "PASS"
