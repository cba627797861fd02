#!/bin/bash
# [service *.service] on the whole host: the host's services keep working; an
# entity exists for what runs or is enabled only, not for every installed unit
# file; what a glob may not take (DefaultDependencies=no, transient, rescue
# shells, a unit with its own Slice=) gets no drop-in and no entity, and cgctl
# status names it with the reason.
# timeout: 120
. "$CGTEST_LIB"

conf=/etc/cgpersist/conf.d/50-cgtest-glob.conf
svc=cgtglob.service
idle=cgtglobidle.service
early=cgtglobearly.service
own=cgtglobown.service

cleanup() {
	systemctl stop "$svc" "$early" "$own" cgtglob-run.service 2>/dev/null || true
	systemctl disable "$svc" 2>/dev/null || true
	rm -f "$conf" /etc/systemd/system/{"$svc","$idle","$early","$own"}
	systemctl daemon-reload
	systemctl -q is-active cgpersistd && cgctl reload || true
}
trap cleanup EXIT

systemctl start cgpersistd
wait_for -t 30 systemctl -q is-active cgpersistd || fail "cgpersistd did not start"
entities_before=$(cgctl --json status | jq '.entities | length')
failed_before=$(systemctl list-units --state=failed --no-legend | wc -l)
installed=$(systemctl list-unit-files --type=service --no-legend | wc -l)

printf '[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n' \
	>/etc/systemd/system/$svc
printf '[Service]\nExecStart=/bin/sleep infinity\n' >/etc/systemd/system/$idle
printf '[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/sleep infinity\n' \
	>/etc/systemd/system/$early
printf '[Service]\nSlice=system.slice\nExecStart=/bin/sleep infinity\n' >/etc/systemd/system/$own
systemctl daemon-reload
systemctl enable "$svc"
systemctl start "$early" "$own"
systemd-run --quiet --unit=cgtglob-run /bin/sleep infinity

printf '[service *.service]\n' >"$conf"
systemctl daemon-reload # the generator, then the daemon reads the configuration
systemctl start "$svc"
wait_for -t 20 systemctl -q is-active system-cgtglob.slice || fail "no entity for the enabled $svc"
assert_eq "$(systemctl show -P Slice $svc)" system-cgtglob.slice "$svc in its entity"
sleep 2 # the reconcile after the reload

# Entities: for what runs or is enabled, about that many, not one per unit file.
j=$(cgctl --json status)
entities=$(($(jqr "$j" '.entities | length') - entities_before))
inuse=$( (systemctl list-units --type=service --state=active,activating --no-legend --plain | awk '{print $1}'
	systemctl list-unit-files --type=service --state=enabled --no-legend | awk '{print $1}') | sort -u | wc -l)
log "installed service unit files: $installed; running or enabled: $inuse; new entities: $entities"
log "entities: $(jqr "$j" '[.entities[].slice] | join(" ")')"
assert_ge "$entities" 1 "entities for the running services"
assert_le "$entities" "$inuse" "no more entities than running or enabled services"
systemctl -q is-active system-cgtglobidle.slice && fail "an entity for $idle, which neither runs nor is enabled"

# What a glob may not take: no drop-in, no entity, named with the reason.
out=$(cgctl status)
log "cgctl status:"$'\n'"$out"
nc=$(jqr "$j" '.daemon.not_covered')
reason() { jqr "$nc" "map(select(.unit == \"$1\"))[0].reason // \"\""; }
assert_match "$(reason $early)" "DefaultDependencies=no" "$early left out"
assert_match "$(reason systemd-journald.service)" "DefaultDependencies=no" "journald left out"
assert_match "$(reason rescue.service)" "rescue" "rescue.service left out"
assert_match "$(reason emergency.service)" "emergency" "emergency.service left out"
assert_match "$(reason cgtglob-run.service)" "transient" "a transient unit left out"
assert_match "$(reason $own)" "Slice=" "a unit with its own Slice= left out"
assert_match "$out" "  $early: DefaultDependencies=no" "cgctl status names $early"
for u in $early $own systemd-journald.service cgtglob-run.service; do
	compgen -G "/run/systemd/generator/$u.d/*cgpersist*" >/dev/null && fail "a drop-in for $u"
done
assert_eq "$(systemctl show -P Slice $early)" system.slice "$early stays in system.slice"
systemctl -q is-active system-cgtglobearly.slice && fail "an entity for $early"

# The host keeps working: nothing failed, and a restarted service runs in its entity.
systemctl restart "$svc" "$early" "$own"
systemctl -q is-active "$svc" "$early" "$own" systemd-journald dbus || fail "a service is not active"
assert_eq "$(systemctl show -P ControlGroup $svc)" "/system.slice/system-cgtglob.slice/$svc" "$svc restarted in its entity"
assert_eq "$(systemctl list-units --state=failed --no-legend | wc -l)" "$failed_before" "no unit failed"
systemctl -q is-active cgpersistd || fail "cgpersistd died"
