#!/bin/bash
# Malformed calls get clear errors and the daemon stays up: unknown services,
# names with "/", "..", bad escapes, control characters, 4 KiB names and
# non-UTF-8 bytes, through cgctl (refused before the bus) and straight through
# busctl (refused by the daemon, InvalidArgs naming the argument); wrong
# signatures; too many names at once; garbage and a flood of idle
# connections on the private socket.
# timeout: 180
. "$CGTEST_LIB"

systemctl start cgpersistd
wait_for -t 30 systemctl -q is-active cgpersistd || fail "cgpersistd did not start"
pid=$(systemctl show -P MainPID cgpersistd)
long=$(printf 'a%.0s' {1..4088}).service # 4096 bytes

expect() { # RC REGEX CMD...: the command exits RC with output matching REGEX
	local want=$1 re=$2 out rc
	shift 2
	rc=0
	out=$("$@" 2>&1) || rc=$?
	log "$(printf '%q ' "$@" | cut -c1-120) -> $rc: ${out:0:300}"
	assert_eq "$rc" "$want" "exit status of $(printf '%q ' "$@" | cut -c1-80)"
	assert_match "$out" "$re" "message of $(printf '%q ' "$@" | cut -c1-80)"
}

# --- through cgctl: refused before anything is sent (exit 2) ----------------
for cmd in status history drain retire; do
	expect 2 "contains '/'" cgctl "$cmd" ../../etc/passwd.service
	expect 2 "contains '/'" cgctl "$cmd" a/b.service
	expect 2 "contains '\.\.'" cgctl "$cmd" a..b.service
	expect 2 "escape" cgctl "$cmd" 'a\x2fb.service'
	expect 2 "escape" cgctl "$cmd" 'a\nb.service'
	expect 2 "too long \(at most 255 bytes\)" cgctl "$cmd" "$long"
	expect 2 "not valid UTF-8" cgctl "$cmd" $'\xff\xfe.service'
	expect 2 "not valid UTF-8 or holds control characters" cgctl "$cmd" $'web\e[2J.service'
	expect 2 "is not a service unit name" cgctl "$cmd" web.socket
	expect 2 "is empty" cgctl "$cmd" ''
done
expect 2 "is not a service unit name \(NAME.service" cgctl enable system-x.slice
expect 2 "contains '/'" cgctl enable web.service a/b.service
# A long name is never echoed back.
out=$(cgctl status "$long" 2>&1 || true)
((${#out} < 300)) || fail "cgctl echoed a 4 KiB name (${#out} bytes)"

# --- unknown entities: exit 1, NoSuchEntity --------------------------------------
expect 1 "No entity for 'cgtnope.service'" cgctl status cgtnope.service
expect 1 "No entity for 'system-cgtnope.slice'" cgctl status system-cgtnope.slice
expect 1 "No entity for 'cgtnope.service'" cgctl history cgtnope.service
expect 1 "No entity for 'cgtnope@x.service'" cgctl drain cgtnope@x.service
expect 1 "No entity for 'cgtnope.service'" cgctl retire cgtnope.service
expect 1 "No entity" cgctl status cgtnope.service cgtnope2.service

# --- straight to the daemon: it does not rely on cgctl ------------------------------
bc() { busctl call org.cgpersist1 /org/cgpersist1 org.cgpersist1.Manager "$@"; }
for m in GetEntity GetHistory Drain; do
	expect 1 "Argument name: '\.\./\.\./etc/passwd.service' contains '/'" bc "$m" s ../../etc/passwd.service
	expect 1 "Argument name: 'a\.\.b.service' contains '\.\.'" bc "$m" s a..b.service
	expect 1 "Argument name: .*escape" bc "$m" s 'a\x2fb.service'
	expect 1 "Argument name: the name is too long" bc "$m" s "$long"
	expect 1 "Argument name: the name is not valid UTF-8 or holds control characters" bc "$m" s $'a\tb.service'
	expect 1 "Argument name: 'x.socket' is not" bc "$m" s x.socket
	expect 1 "No entity for 'cgtnope.service'" bc "$m" s cgtnope.service
done
expect 1 "Argument name: .* contains '/'" bc Retire sb a/b.service true
expect 1 "Argument services: .* contains '/'" bc Enable asb 1 a/b.service false
expect 1 "Argument services: the name is too long" bc Enable asb 1 "$long" false
expect 1 "Argument services: no service given" bc Enable asb 0 false
expect 1 "Argument services: .*cgpersist's own units" bc Enable asb 1 cgpersistd.service false
expect 1 "Argument services: 'x.slice' is not a service unit name" bc Disable asb 1 x.slice false
# 2000 names in one call
mapfile -t many < <(for i in {1..2000}; do echo "cgtmany$i.service"; done)
expect 1 "too many services \(2000, at most 1024\)" bc Enable asb 2000 "${many[@]}" false
# Wrong signatures are refused by sd-bus before any handler runs.
expect 1 "." bc GetEntity i 5
expect 1 "." bc GetEntity
expect 1 "." bc Enable s web.service
# Non-UTF-8 cannot even be put in a message: busctl refuses it itself.
expect 1 "." bc GetEntity s $'\xff.service'
# No file was written by any of it.
ls /etc/cgpersist/conf.d/50-cgctl-cgtmany* /etc/cgpersist/conf.d/*passwd* 2>/dev/null && fail "a file was written"

# --- the private socket ----------------------------------------------------------
# cgctl's fast path: with no system bus to fall back to, cgctl still answers.
sock=/run/cgpersist/private
nobus() { DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent "$@"; }
nobus cgctl status >/dev/null || fail "cgctl status by the private socket alone"
expect 1 "No entity for 'cgtnope.service'" nobus cgctl status cgtnope.service
# The daemon's sockets (a connection may hold a pidfd too, on systemd 257),
# each counted once: a private connection holds its socket twice (the daemon
# reads it, sd-bus writes to a second descriptor).
nsocks() { find /proc/"$pid"/fd -lname 'socket:*' -printf '%l\n' | sort -u | wc -l; }
socks=$(nsocks)
# Garbage instead of the handshake, and garbage after a handshake.
head -c 65536 /dev/urandom | socat -t 2 - UNIX-CONNECT:$sock >/dev/null 2>&1 || true
{
	printf '\0AUTH EXTERNAL 30\r\nBEGIN\r\n'
	head -c 65536 /dev/urandom
} | socat -t 2 - UNIX-CONNECT:$sock >/dev/null 2>&1 || true
# More idle connections than the daemon serves at once (64): it keeps 64,
# turns the rest away, and cgctl goes by the system bus meanwhile.
for ((i = 0; i < 70; i++)); do
	sleep 307 | socat - UNIX-CONNECT:$sock >/dev/null 2>&1 &
done
export pid
export -f nsocks
wait_for -t 60 bash -c "(( \$(nsocks) >= $socks + 64 ))" ||
	fail "the daemon holds $(nsocks) sockets with 70 idle connections (had $socks)"
sleep 2
log "sockets: $socks before, $(nsocks) with 70 idle connections"
(($(nsocks) == socks + 64)) || fail "the daemon holds $(nsocks) sockets, not $socks + 64 connections"
cgctl status >/dev/null || fail "cgctl status with the private socket full"
rc=0
nobus cgctl status >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 3 "cgctl with the private socket full and no system bus"
pkill -x socat || true
pkill -f 'sleep 307' || true
wait_for -t 60 bash -c "(( \$(nsocks) == $socks ))" ||
	fail "the daemon still holds $(nsocks) sockets after the clients left (had $socks)"
nobus cgctl status >/dev/null || fail "cgctl status by the private socket after the clients left"

# --- the daemon is still the same process and still answers -----------------------
assert_eq "$(systemctl show -P MainPID cgpersistd)" "$pid" "cgpersistd MainPID"
systemctl -q is-active cgpersistd || fail "cgpersistd is not active"
cgctl status >/dev/null
cgctl --json list | jq -e '.schema == 2 and (.entities | type) == "array"' >/dev/null
