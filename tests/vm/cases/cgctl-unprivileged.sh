#!/bin/bash
# An unprivileged user: every read works, every change is refused (exit 4,
# "requires root") and nothing changes. First through the daemon's private
# socket (cgctl's default), where the daemon's check of the caller's UID is
# the only one; then through the system bus with the installed bus policy,
# which stops the calls at the bus; then with a policy that lets them
# through, so the daemon's own check is what refuses there too.
# timeout: 240
. "$CGTEST_LIB"

svc=cgtpriv.service
slice=system-cgtpriv.slice
user=cgtestuser
open_policy=/etc/dbus-1/system.d/zz-cgtest-open.conf

cleanup() {
	rm -f "$open_policy"
	systemctl reload dbus 2>/dev/null || true
	systemctl stop "$svc" 2>/dev/null || true
	cgctl disable "$svc" >/dev/null 2>&1 || true
	rm -f /etc/systemd/system/"$svc" /etc/cgpersist/conf.d/50-cgctl-cgtdeny.service.conf
	systemctl daemon-reload
	userdel "$user" 2>/dev/null || true
}
trap cleanup EXIT

id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /bin/bash "$user"
uid=$(id -u "$user")
gid=$(id -g "$user")
as_user() { setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"; }

systemctl start cgpersistd
wait_for -t 30 systemctl -q is-active cgpersistd || fail "cgpersistd did not start"
cat >/etc/systemd/system/$svc <<EOF
[Service]
ExecStart=/bin/sleep infinity
EOF
systemctl daemon-reload
cgctl enable "$svc" >/dev/null
systemctl start "$svc"
wait_for -t 20 bash -c "cgctl --json status $svc | jq -e '.entities[0].instances == 1' >/dev/null" ||
	fail "no instance of $svc"

snapshot() { # what must not change
	ls -l /etc/cgpersist/conf.d /run/cgpersist/conf.d 2>/dev/null | grep -v '^total'
	cgctl --json list | jq -c '[.entities[] | {slice, service, configured, retiring, restarts}] | sort_by(.slice)'
	systemctl is-active "$slice" "$svc" || true
	sha256sum /var/lib/cgpersist/state 2>/dev/null | cut -d' ' -f1
}

# --- reads ------------------------------------------------------------------
check_reads() {
	local out
	as_user cgctl status >/dev/null || fail "status as $user"
	as_user cgctl list >/dev/null || fail "list as $user"
	out=$(as_user cgctl --json status "$svc") || fail "status $svc as $user"
	assert_eq "$(jq -r '.entities[0].slice' <<<"$out")" "$slice" "status $svc as $user: .slice"
	assert_eq "$(jq -r '.entities[0].live_instances[0].unit' <<<"$out")" "$svc" "status $svc as $user: instance"
	out=$(as_user cgctl --json history "$svc") || fail "history as $user"
	assert_ge "$(jq '.instances | length' <<<"$out")" 1 "history as $user"
	out=$(as_user cgctl metrics) || fail "metrics as $user"
	assert_eq "$(tail -n1 <<<"$out")" "# EOF" "metrics as $user"
	out=$(as_user cgctl --json status) || fail "status --json as $user"
	assert_eq "$(jq -r .daemon.version <<<"$out")" "$(cgctl --version | cut -d' ' -f2)" "properties as $user"
}

# --- changes ------------------------------------------------------------------
check_refused() { # WHO-SAYS-SO: every change exits 4 and changes nothing
	local before after out rc
	before=$(snapshot)
	local -a calls=(
		"enable cgtdeny.service"
		"enable --runtime cgtdeny.service"
		"disable $svc"
		"drain $svc"
		"retire $svc"
		"retire --force $svc"
		"reload"
	)
	for c in "${calls[@]}"; do
		rc=0
		# shellcheck disable=SC2086
		out=$(as_user cgctl $c 2>&1) || rc=$?
		log "as $user: cgctl $c -> $rc: $out"
		assert_eq "$rc" 4 "exit status of 'cgctl $c' as $user"
		assert_match "$out" "requires root" "message of 'cgctl $c'"
		[[ $1 == daemon ]] && assert_match "$out" "\(caller has UID $uid\)" "the daemon refused 'cgctl $c'"
	done
	after=$(snapshot)
	[[ $before == "$after" ]] || fail "something changed: before:"$'\n'"$before"$'\n'"after:"$'\n'"$after"
	assert_no_file /etc/cgpersist/conf.d/50-cgctl-cgtdeny.service.conf
	assert_no_file /run/cgpersist/conf.d/50-cgctl-cgtdeny.service.conf
}

# --- the private socket: the daemon alone decides -------------------------------
ls -l /run/cgpersist/private
assert_eq "$(stat -c %A /run/cgpersist/private)" srw-rw-rw- "mode of the private socket"
check_reads
check_refused daemon

# --- the system bus ---------------------------------------------------------------
export CGCTL_SYSTEM_BUS=1
check_reads
check_refused bus
# The same via busctl: the bus policy denies the method outright.
rc=0
out=$(as_user busctl call org.cgpersist1 /org/cgpersist1 org.cgpersist1.Manager Reload 2>&1) || rc=$?
log "as $user: busctl call ... Reload -> $rc: $out"
assert_ne "$rc" 0 "busctl Reload as $user"
assert_match "$out" "Access denied|AccessDenied|rejected|denied" "busctl Reload as $user"

# --- the daemon's own check -----------------------------------------------------
# A policy that lets everyone send anything to org.cgpersist1 (as a careless
# administrator might write): the daemon must still refuse.
cat >"$open_policy" <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy context="mandatory">
    <allow send_destination="org.cgpersist1"/>
  </policy>
</busconfig>
EOF
systemctl reload dbus
sleep 1
check_reads
check_refused daemon

# The daemon is unharmed and root can still change things.
systemctl -q is-active cgpersistd || fail "cgpersistd died"
cgctl reload
