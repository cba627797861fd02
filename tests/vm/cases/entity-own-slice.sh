#!/bin/bash
# A configured service that sets its own Slice= stays in the hierarchy the
# administrator built: its entity is a child of that slice (cgtcustom.slice
# holds cgtcustom-cgtown.slice), whose limits keep applying, and cgctl status
# shows where it is; the same with Slice= set in a drop-in. A Slice= that
# cannot hold an entity (one with specifiers) is refused with the reason,
# never moved silently: the service stays where its unit puts it.
# timeout: 180
. "$CGTEST_LIB"

systemctl start cgpersistd.service

CG=/sys/fs/cgroup
parent=cgtcustom.slice
conf=/etc/cgpersist/conf.d/50-cgtest-own-slice.conf
units="cgtown.service cgtown2.service cgtown3.service"
cleanup() {
	systemctl stop $units 2>/dev/null || true
	rm -rf /etc/systemd/system/cgtown*.service* /etc/systemd/system/$parent $conf
	systemctl daemon-reload
}
trap cleanup EXIT
recorded() { [ "$(cgctl --json history "$1" | jq '[.instances[] | select(.stop_usec != null)] | length')" -ge "$2" ]; }
dying() { sed -n 's/^nr_dying_descendants //p' "$CG/$parent/$1/cgroup.stat"; }

printf '[Slice]\nMemoryMax=1G\n' > /etc/systemd/system/$parent
printf '[Service]\nSlice=%s\nExecStart=/bin/sleep infinity\n' $parent > /etc/systemd/system/cgtown.service
printf '[Service]\nExecStart=/bin/sleep infinity\n' > /etc/systemd/system/cgtown2.service
mkdir -p /etc/systemd/system/cgtown2.service.d
printf '[Service]\nSlice=%s\n' $parent > /etc/systemd/system/cgtown2.service.d/override.conf
printf '[Service]\nSlice=cgt-%%N.slice\nExecStart=/bin/sleep infinity\n' > /etc/systemd/system/cgtown3.service
mkdir -p /etc/cgpersist/conf.d
printf '[service cgtown.service]\n[service cgtown2.service]\n[service cgtown3.service]\n' > $conf
systemctl daemon-reload

# Slice= in the unit file, and in a drop-in of the administrator's.
for s in cgtown cgtown2; do
	ent=cgtcustom-$s.slice
	wait_for -t 20 systemctl -q is-active $ent || fail "entity $ent not started"
	assert_eq "$(systemctl show -P Slice $s.service)" $ent "Slice= of $s.service"
	systemctl start $s.service
	assert_eq "$(systemctl show -P ControlGroup $s.service)" "/$parent/$ent/$s.service" "cgroup of $s.service"
	assert_match "$(cgctl status $s.service)" "$ent" "cgctl status $s.service names its entity"
	systemctl restart $s.service
	assert_eq "$(systemctl show -P ControlGroup $s.service)" "/$parent/$ent/$s.service" "cgroup of $s.service after a restart"
	log "$s.service runs in $(systemctl show -P ControlGroup $s.service)"
	wait_for -t 20 recorded $s.service 1 || fail "the stop of $s.service not recorded"
	wait_for -t 20 eval '[ "$(dying '"$ent"')" -le 1 ]' || log "$(dying "$ent") dying cgroups under $ent"
	assert_le "$(dying "$ent")" 1 "dying cgroups under $ent"
done
# The administrator's limit on the parent still applies to the entities.
assert_eq "$(cat $CG/$parent/memory.max)" $((1 << 30)) "memory.max of $parent"
assert_eq "$(cgctl --json status cgtown.service | jq -r '.slice // .entities[0].slice')" cgtcustom-cgtown.slice \
	"slice in cgctl --json status"

# Specifiers in Slice=: refused and left where the unit puts it.
assert_eq "$(systemctl show -P Slice cgtown3.service)" cgt-cgtown3.slice "Slice= of cgtown3.service left alone"
systemctl start cgtown3.service
assert_eq "$(systemctl show -P ControlGroup cgtown3.service)" /cgt.slice/cgt-cgtown3.slice/cgtown3.service \
	"cgroup of cgtown3.service"
st=$(cgctl status 2>&1)
log "$(grep -A3 '^Not covered' <<<"$st")"
assert_match "$st" "cgtown3.service: its own Slice= has specifiers.*(Slice=cgt-%N.slice)" \
	"cgctl status names the refused service and why"
assert_match "$(journalctl -b -q -o cat | grep 'Not placing cgtown3.service' | tail -n1)" "Slice=cgt-%N.slice" \
	"the generator's warning"
systemctl stop cgtown3.service
