#!/bin/bash
# Every cgctl command against the real daemon, with --json parsed by jq and
# checked field by field against what systemd and the cgroup tree say:
# status, list, history, enable/disable (with and without --runtime), drain,
# retire (refusals, --force), reload (good and rejected), metrics (the
# command and the file), and "daemon not running".
# timeout: 600
. "$CGTEST_LIB"

svc=cgtweb.service
slice=system-cgtweb.slice
idle=cgtidle.service
islice=system-cgtidle.slice
confd=/etc/cgpersist/conf.d
snippet=$confd/50-cgctl-$svc.conf

cleanup() {
	systemctl stop cgtest-monitor.service 2>/dev/null || true
	systemctl stop "$svc" "$idle" cgtdyer.service 2>/dev/null || true
	rm -f /etc/systemd/system/"$svc" /etc/systemd/system/"$idle" /etc/systemd/system/cgtdyer.service \
		/etc/systemd/system/cgtquiet.service "$confd"/50-cgctl-cgt*.conf \
		/run/cgpersist/conf.d/50-cgctl-cgt*.conf "$confd"/99-cgtest-bad.conf "$confd"/60-cgtest-hand.conf
	systemctl daemon-reload
	systemctl -q is-active cgpersistd && cgctl reload || true
}
trap cleanup EXIT

systemctl start cgpersistd
wait_for -t 30 systemctl -q is-active cgpersistd || fail "cgpersistd did not start"
version=$(cgctl --version | sed 's/^cgctl //')
# The daemon's signals, recorded for the end of the case.
systemd-run --quiet --unit=cgtest-monitor -p StandardOutput=file:"$CGTEST_TMP/signals" \
	busctl --system monitor --match "type='signal',sender='org.cgpersist1',interface='org.cgpersist1.Manager'"

# --- the daemon alone -------------------------------------------------------
out=$(cgctl status)
log "cgctl status:"$'\n'"$out"
assert_match "$out" "^cgpersistd $version: " "status headline"
j=$(cgctl --json status)
assert_eq "$(jqr "$j" .daemon.version)" "$version" "status .daemon.version"
assert_eq "$(jqr "$j" '.daemon.config_good')" true "status .daemon.ConfigGood"
assert_eq "$(jqr "$j" '.daemon.metrics_file')" /run/cgpersist/metrics.prom "status .daemon.MetricsFile"
assert_eq "$(jqr "$j" '.entities | type')" array "status .entities"
assert_eq "$(jqr "$j" '.daemon.entities')" "$(jqr "$j" '.entities | length')" "status .daemon.Entities"
# pretty and short JSON are the same document
assert_eq "$(cgctl --json=pretty list | jq -c .)" "$(cgctl --json=short list | jq -c .)" "pretty == short"

# --- enable ----------------------------------------------------------------
mkdir -p "$CGTEST_DISK/cgt"
dd if=/dev/urandom of="$CGTEST_DISK/cgt/data" bs=1M count=32 status=none
# Out of the page cache, so that the service's read charges it to the service.
sync
echo 3 >/proc/sys/vm/drop_caches
cat >/etc/systemd/system/$svc <<EOF
[Service]
Type=exec
ExecStart=/bin/sh -c 'cat $CGTEST_DISK/cgt/data >/dev/null; exec sleep infinity'
EOF
cat >/etc/systemd/system/$idle <<EOF
[Service]
ExecStart=/bin/sleep infinity
EOF
systemctl daemon-reload

out=$(cgctl enable "$svc")
log "cgctl enable $svc: $out"
assert_eq "$out" "Created $snippet." "enable output"
assert_file "$snippet"
grep -qxF "[service $svc]" "$snippet" || fail "$snippet lacks [service $svc]: $(cat "$snippet")"
# The call returns after systemd's daemon-reload: the generator's drop-in is there.
assert_eq "$(systemctl show -P Slice "$svc")" "$slice" "Slice= of $svc after enable"
# A second enable changes nothing.
assert_eq "$(cgctl --json enable "$svc")" '{"schema":2,"changed":[]}' "enable again"
# --runtime: in /run
j=$(cgctl --json enable --runtime "$idle")
assert_eq "$(jqr "$j" '.changed[0]')" "/run/cgpersist/conf.d/50-cgctl-$idle.conf" "enable --runtime .changed"
assert_file "/run/cgpersist/conf.d/50-cgctl-$idle.conf"

j=$(cgctl --json list)
log "cgctl --json list: $j"
e=$(jq -c --arg s "$slice" '.entities[] | select(.slice == $s)' <<<"$j")
[[ -n $e ]] || fail "list has no $slice: $j"
assert_eq "$(jqr "$e" .service)" "$svc" "list .service"
assert_eq "$(jqr "$e" .configured)" true "list .configured"
assert_eq "$(jqr "$e" .instances)" 0 "list .instances before start"
assert_eq "$(jqr "$e" .pending)" false "list .pending"
assert_eq "$(jqr "$e" .retiring)" false "list .retiring"
assert_eq "$(systemctl is-active "$slice")" active "entity slice active before the first instance"
jq -e --arg s "$islice" 'any(.entities[]; .slice == $s)' <<<"$j" >/dev/null || fail "list has no $islice"

# --- an instance -----------------------------------------------------------
systemctl start "$svc"
inv=$(systemctl show -P InvocationID "$svc")
cg=$(systemctl show -P ControlGroup "$svc")
assert_eq "$cg" "/system.slice/$slice/$svc" "ControlGroup of $svc"
# The daemon sees the start through systemd's signal: wait for it.
wait_for -t 20 bash -c "cgctl --json status $svc | jq -e '.entities[0].instances == 1' >/dev/null" ||
	fail "status never showed the instance: $(cgctl --json status "$svc")"
sleep 1 # let cat finish reading
j=$(cgctl --json status "$svc")
log "cgctl --json status $svc: $j"
e=$(jqr "$j" '.entities[0]')
assert_eq "$(jqr "$j" '.entities | length')" 1 "status NAME returns one record"
assert_eq "$(jqr "$e" .slice)" "$slice" "status .slice"
assert_eq "$(jqr "$e" .service)" "$svc" "status .service"
assert_eq "$(jqr "$e" .cgroup)" "system.slice/$slice" "status .cgroup"
assert_eq "$(jqr "$e" .configured)" true "status .configured"
assert_eq "$(jqr "$e" '.configured_by[0]')" "$snippet:2" "status .configured_by"
assert_eq "$(jqr "$e" .pending)" false "status .pending"
assert_eq "$(jqr "$e" .instances)" 1 "status .instances"
assert_eq "$(jqr "$e" '.live_instances | length')" 1 "status .live_instances"
assert_eq "$(jqr "$e" '.live_instances[0].unit')" "$svc" "instance .unit"
assert_eq "$(jqr "$e" '.live_instances[0].invocation_id')" "$inv" "instance .invocation_id"
assert_eq "$(jqr "$e" '.live_instances[0].cgroup')" "$cg" "instance .cgroup"
assert_eq "$(jqr "$e" '.live_instances[0].pending')" false "instance .pending"
assert_eq "$(jqr "$e" '.live_instances[0].cgroup_id')" "$(stat -c %i "/sys/fs/cgroup$cg")" "instance .cgroup_id"
mem=$(jqr "$e" .memory_current)
inst_mem=$(jqr "$e" '.live_instances[0].memory_current')
pers=$(jqr "$e" .persistent)
# The page cache of the 32 MiB file is charged to the instance.
assert_ge "$inst_mem" $((24 << 20)) "instance memory_current"
assert_ge "$mem" "$inst_mem" "entity memory_current >= instance"
assert_le "$(jqr "$e" .instances_current)" "$mem" "instances_current <= memory_current"
# persistent = entity - live instances (read at slightly different times)
diff=$((mem - $(jqr "$e" .instances_current) - pers))
assert_le "${diff#-}" $((1 << 20)) "persistent = memory_current - instances_current (off by $diff)"
assert_ge "$(jqr "$e" .memory_stat.file)" $((24 << 20)) "memory_stat.file"
for k in anon file shmem slab kernel sock file_mapped; do
	jq -e ".memory_stat.$k | type == \"number\"" <<<"$e" >/dev/null || fail "memory_stat.$k missing"
done
assert_eq "$(jqr "$e" .memory_max)" null "memory_max (no limit)"
assert_eq "$(jqr "$e" .memory_high)" null "memory_high (no limit)"
assert_eq "$(jqr "$e" .memory_low)" "$(cat /sys/fs/cgroup/system.slice/$slice/memory.low)" "memory_low"
assert_eq "$(jqr "$e" .dying_descendants)" \
	"$(sed -n 's/^nr_dying_descendants //p' /sys/fs/cgroup/system.slice/$slice/cgroup.stat)" "dying_descendants"
assert_eq "$(jqr "$e" .policy.drain)" file "policy.drain"
# The same entity by its slice name, by its family template.
assert_eq "$(cgctl --json status "$slice" | jq -r '.entities[0].service')" "$svc" "status SLICE"
out=$(cgctl status "$svc")
log "cgctl status $svc:"$'\n'"$out"
assert_match "$out" "$slice - entity of $svc" "status headline"
assert_match "$out" "Instances: $svc: " "status instances line"

# --- restart and history ---------------------------------------------------
restarts0=$(cgctl --json status "$svc" | jq -r '.entities[0].restarts')
systemctl restart "$svc"
inv2=$(systemctl show -P InvocationID "$svc")
wait_for -t 20 bash -c "cgctl --json history $svc | jq -e '(.instances | length) == 2 and .instances[0].stop_usec != null' >/dev/null" ||
	fail "history never showed two instances: $(cgctl --json history "$svc")"
j=$(cgctl --json history "$svc")
log "cgctl --json history $svc: $j"
assert_eq "$(jqr "$j" '.instances[0].unit')" "$svc" "history[0].unit"
assert_eq "$(jqr "$j" '.instances[0].invocation_id')" "$inv" "history[0].invocation_id"
assert_eq "$(jqr "$j" '.instances[1].invocation_id')" "$inv2" "history[1].invocation_id"
assert_eq "$(jqr "$j" '.instances[1] | has("stop_usec")')" false "history[1] still running"
assert_ge "$(jqr "$j" '.instances[0].stop_usec')" "$(jqr "$j" '.instances[0].start_usec')" "history[0] stop >= start"
assert_eq "$(jqr "$j" '.instances[0].cgroup_id | type')" number "history[0].cgroup_id"
assert_eq "$(jqr "$j" '.instances[0].drained | type')" number "history[0].drained"
assert_eq "$(cgctl --json status "$svc" | jq -r '.entities[0].restarts')" $((restarts0 + 1)) "restarts after a restart"
out=$(cgctl history "$svc")
log "cgctl history $svc:"$'\n'"$out"
assert_match "$(head -n1 <<<"$out")" '^UNIT +INVOCATION +STARTED +STOPPED +PEAK +AT STOP +DRAINED +RESIDUAL +RESULT$' "history header"
assert_eq "$(wc -l <<<"$out")" 3 "history lines"
assert_match "$(tail -n1 <<<"$out")" "running" "history: running instance"

# --- dying cgroups in the list ------------------------------------------------
# The list takes every entity's count from system.slice's cgroup.stat when
# that has none below it, and reads each entity's otherwise: either way the
# counts are the kernel's. (The kernel frees dying cgroups when it likes:
# compare until both reads agree.)
list_dying_matches() {
	local want got
	want=$(for d in /sys/fs/cgroup/system.slice/system-*.slice; do
		printf '%s %s\n' "${d##*/}" "$(sed -n 's/^nr_dying_descendants //p' "$d/cgroup.stat")"
	done | sort)
	got=$(cgctl --json list | jq -r '.entities[] | select(has("dying_descendants")) | "\(.slice) \(.dying_descendants)"' | sort)
	[[ -n $want && $(join <(echo "$want") <(echo "$got") | awk '$2 != $3' | wc -l) == 0 ]] &&
		[[ $(join <(echo "$want") <(echo "$got") | wc -l) -ge 1 ]]
}
wait_for -t 20 list_dying_matches || fail "list's dying counts are not cgroup.stat's"
# A dying cgroup in system.slice outside any entity: a service that leaves
# page cache behind.
dd if=/dev/urandom of=/srv/disk/cgtest-dying bs=1M count=8 status=none
sync
echo 3 >/proc/sys/vm/drop_caches
systemd-run --wait --quiet cat /srv/disk/cgtest-dying >/dev/null
log "dying below system.slice: $(sed -n 's/^nr_dying_descendants //p' /sys/fs/cgroup/system.slice/cgroup.stat)"
wait_for -t 20 list_dying_matches || fail "list's dying counts are not cgroup.stat's, with a dying cgroup in system.slice"
rm -f /srv/disk/cgtest-dying

# --- a dying cgroup appears below an entity -----------------------------------
# The list reuses an entity's count of none until a cgroup is made or removed
# below it (the daemon watches the entities' trees) or one of its instances
# stops: an instance that leaves page cache behind (drain = none) shows as
# soon as it stopped, and so does a cgroup removed by hand below an entity
# that never ran anything, which systemd does not tell of. (Reused for 30 s
# at most if the tree could not be watched.)
dyer=cgtdyer.service quiet=cgtquiet.service
dd if=/dev/urandom of="$CGTEST_DISK/cgt/dyer" bs=1M count=8 status=none
cat >/etc/systemd/system/$dyer <<EOF
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'cat $CGTEST_DISK/cgt/dyer >/dev/null; sleep 2'
EOF
printf '[Service]\nExecStart=/bin/sleep infinity\n' >/etc/systemd/system/$quiet
printf '[service %s]\ndrain = none\n[service %s]\n' "$dyer" "$quiet" >"$confd/50-cgctl-$dyer.conf"
systemctl daemon-reload
cgctl reload
slice_of() { cgctl --json status "$1" 2>/dev/null | jq -r '.entities[0].slice // empty'; }
dying_in_list() { cgctl --json list | jq -r --arg s "$1" '.entities[] | select(.slice == $s) | .dying_descendants'; }
dying_in_kernel() { sed -n 's/^nr_dying_descendants //p' "/sys/fs/cgroup/system.slice/$1/cgroup.stat"; }
list_has_kernels() { [[ $(dying_in_list "$1") == "$(dying_in_kernel "$1")" ]]; }
has_cgroup() { [[ -n $1 && -d /sys/fs/cgroup/system.slice/$1 ]]; }
entities_up() { dslice=$(slice_of $dyer) && qslice=$(slice_of $quiet) && has_cgroup "$dslice" && has_cgroup "$qslice"; }
wait_for -t 20 entities_up || fail "no entities with cgroups for $dyer and $quiet"
for s in "$dslice" "$qslice"; do
	assert_eq "$(dying_in_kernel "$s")" 0 "$s: no dying cgroup yet"
	assert_eq "$(dying_in_list "$s")" 0 "$s: the list says none"
done
sync
echo 3 >/proc/sys/vm/drop_caches
systemctl start "$dyer"
log "$dslice after $dyer ran: $(tr '\n' ' ' <"/sys/fs/cgroup/system.slice/$dslice/cgroup.stat")"
if (($(dying_in_kernel "$dslice") > 0)); then
	wait_for -t 10 list_has_kernels "$dslice" ||
		fail "$dslice: the list says $(dying_in_list "$dslice") dying after an instance stopped, the kernel $(dying_in_kernel "$dslice")"
else
	log "SKIP: the kernel freed the stopped instance's cgroup at once"
fi
qcg=/sys/fs/cgroup/system.slice/$qslice
# systemd enables the memory controller below a slice only for children
# it made: by hand here, or the hand-made cgroup has no memcg to leave.
echo +memory >"$qcg/cgroup.subtree_control"
mkdir "$qcg/cgtest-hand"
# Pages it writes are charged to it (a file read before may still be cached
# and charged elsewhere).
sh -c "echo \$\$ >'$qcg/cgtest-hand/cgroup.procs' && dd if=/dev/zero of='$CGTEST_DISK/cgt/hand' bs=1M count=8 status=none && sync"
wait_for -t 5 rmdir "$qcg/cgtest-hand" 2>/dev/null || fail "could not remove $qcg/cgtest-hand"
log "$qslice after a cgroup removed by hand: $(tr '\n' ' ' <"$qcg/cgroup.stat")"
if (($(dying_in_kernel "$qslice") > 0)); then
	wait_for -t 10 list_has_kernels "$qslice" ||
		fail "$qslice: the list says $(dying_in_list "$qslice") dying 10 s after a removal by hand, the kernel $(dying_in_kernel "$qslice")"
else
	log "SKIP: the kernel freed the hand-made cgroup at once"
fi
# Dying cgroups the kernel frees (their page cache dropped) leave the counts
# with no event; the list still follows, through system.slice's own count.
before=$(dying_in_kernel "$qslice"),$(dying_in_kernel "$dslice")
cgctl list >/dev/null
sync
echo 3 >/proc/sys/vm/drop_caches
wait_for -t 20 list_dying_matches || fail "list's dying counts are not cgroup.stat's after the kernel freed some"
log "dying in $qslice,$dslice: $before before dropping caches, $(dying_in_kernel "$qslice"),$(dying_in_kernel "$dslice") after; the list agrees"

# --- list as a table fits the terminal ---------------------------------------
out=$(COLUMNS=60 cgctl list)
log "COLUMNS=60 cgctl list:"$'\n'"$out"
while IFS= read -r l; do
	((${#l} <= 60)) || log "line longer than 60 (numbers are never cut): $l"
done <<<"$out"
assert_match "$(head -n1 <<<"$out")" '^ENTITY' "list header"
out=$(cgctl list)
assert_match "$out" "$slice +$svc +[0-9.]+[KMG]? +[0-9.]+[BKMG] +1 " "list row of $slice"

# --- drain -----------------------------------------------------------------
log "before drain: $(cgctl --json status "$svc" | jq -c '.entities[0] | {memory_current, persistent, instances_current}')"
j=$(cgctl --json drain "$svc")
log "cgctl --json drain $svc: $j"
assert_eq "$(jqr "$j" .slice)" "$slice" "drain .slice"
before=$(jqr "$j" .memory_before) after=$(jqr "$j" .memory_after)
assert_le "$after" "$before" "drain after <= before"
assert_eq "$(jqr "$j" .drained)" $((before - after)) "drain .drained"
assert_eq "$(jqr "$j" '.elapsed_usec | type')" number "drain .elapsed_usec"
out=$(cgctl drain "$slice")
log "cgctl drain $slice: $out"
assert_match "$out" "^Drained $slice: " "drain output"

# --- metrics ---------------------------------------------------------------
m=$(cgctl metrics)
assert_eq "$(tail -n1 <<<"$m")" "# EOF" "metrics end with # EOF"
grep -qE "^cgpersist_entity_memory_bytes\{entity=\"$slice\",service=\"$svc\"\} [0-9]+$" <<<"$m" ||
	fail "metrics lack the memory of $slice: $m"
grep -qE "^cgpersist_entity_restarts_total\{entity=\"$slice\",service=\"$svc\"\} [0-9]+$" <<<"$m" ||
	fail "metrics lack the restarts of $slice"
grep -qx "# TYPE cgpersist_entity_restarts counter" <<<"$m" || fail "metrics: counter TYPE"
# Values aside: the timestamp moves between two calls.
novalues() { sed 's/ [0-9.]*$//'; }
assert_eq "$(jqr "$(cgctl --json metrics)" .openmetrics | novalues)" "$(novalues <<<"$m")" "metrics --json"
grep -qE "^cgpersist_metrics_updated_timestamp_seconds [0-9]+(\.[0-9]+)?$" <<<"$m" || fail "metrics: timestamp"
grep -qx "cgpersist_build_info{version=\"$version\"} 1" <<<"$m" || fail "metrics: build info"
wait_for -t 5 grep -q "entity=\"$slice\"" /run/cgpersist/metrics.prom || fail "metrics.prom lacks $slice"
f=$(cat /run/cgpersist/metrics.prom)
grep -qx "# TYPE cgpersist_entity_restarts_total counter" <<<"$f" || fail "metrics.prom: counter TYPE for node_exporter"
grep -q "# EOF" <<<"$f" && fail "metrics.prom has # EOF"
grep -qE "^cgpersist_entity_instances\{entity=\"$slice\",service=\"$svc\"\} 1$" <<<"$f" ||
	fail "metrics.prom: instances of $slice"

# --- columns and records tell the same -------------------------------------
# cgctl reads ListEntityColumns(); ListEntities() must give the same records
# (busctl's JSON, values unwrapped), but for the memory values, which move.
rec() { # METHOD: the records of a call, as cgctl --json would write them
	busctl --json=short call org.cgpersist1 /org/cgpersist1 org.cgpersist1.Manager "$1" |
		jq -c '.data[0] | map(with_entries(.value |= .data)) | sort_by(.slice)'
}
moving='map(del(.memory_current, .persistent, .instances_current))'
j=$(cgctl --json list | jq -c .entities)
r=$(rec ListEntities)
assert_eq "$(jq -c 'map(keys)' <<<"$j")" "$(jq -c 'map(keys)' <<<"$r")" "list keys == ListEntities keys"
assert_eq "$(jq -c "$moving" <<<"$j")" "$(jq -c "$moving" <<<"$r")" "list == ListEntities"
# cgctl metrics is the text of GetMetrics(), values aside.
g=$(busctl --json=short call org.cgpersist1 /org/cgpersist1 org.cgpersist1.Manager GetMetrics | jq -r '.data[0]')
assert_eq "$(cgctl metrics | novalues)" "$(novalues <<<"$g")" "metrics == GetMetrics"

# --- a cgroup that is gone shows as gone ---------------------------------------
# The daemon keeps the files it measures open; once the slice is stopped its
# cgroup is removed and nothing may be shown for it, and once started again
# the new cgroup is read, not the old one. The daemon also watches the
# directories below system.slice: the old one's watch goes (WatchedCgroups
# falls) and the new one is watched (a cgroup removed below it counts at
# once).
watched() { busctl get-property org.cgpersist1 /org/cgpersist1 org.cgpersist1.Manager WatchedCgroups | awk '{ print $2 }'; }
cgctl list >/dev/null
w0=$(watched)
log "WatchedCgroups: $w0"
((w0 > 0)) || fail "the daemon watches no cgroup directory"
systemctl stop "$islice"
[[ -d /sys/fs/cgroup/system.slice/$islice ]] && fail "$islice still has a cgroup after stop"
e=$(cgctl --json list | jq -c --arg s "$islice" '.entities[] | select(.slice == $s)')
w1=$(watched)
((w1 < w0)) || fail "WatchedCgroups still $w1 after $islice was removed (was $w0)"
log "$islice stopped: $e"
assert_eq "$(jqr "$e" 'has("memory_current")')" false "stopped $islice: no memory_current"
assert_eq "$(jqr "$e" 'has("dying_descendants")')" false "stopped $islice: no dying_descendants"
assert_match "$(cgctl list)" "$islice +$idle +- +- " "stopped $islice: - in the table"
systemctl start "$islice"
e=$(cgctl --json list | jq -c --arg s "$islice" '.entities[] | select(.slice == $s)')
log "$islice started again: $e"
assert_eq "$(jqr "$e" '.memory_current | type')" number "started $islice: memory_current"
assert_eq "$(jqr "$e" .dying_descendants)" \
	"$(sed -n 's/^nr_dying_descendants //p' /sys/fs/cgroup/system.slice/$islice/cgroup.stat)" "started $islice: dying_descendants"
(($(watched) > w1)) || fail "WatchedCgroups $(watched) with $islice started again (was $w1 without it)"
icg=/sys/fs/cgroup/system.slice/$islice
echo +memory >"$icg/cgroup.subtree_control"
mkdir "$icg/cgtest-hand"
sh -c "echo \$\$ >'$icg/cgtest-hand/cgroup.procs' && dd if=/dev/zero of='$CGTEST_DISK/cgt/hand2' bs=1M count=8 status=none && sync"
wait_for -t 5 rmdir "$icg/cgtest-hand" 2>/dev/null || fail "could not remove $icg/cgtest-hand"
log "$islice after a cgroup removed by hand: $(tr '\n' ' ' <"$icg/cgroup.stat")"
if (($(dying_in_kernel "$islice") > 0)); then
	wait_for -t 10 list_has_kernels "$islice" ||
		fail "$islice started again: the list says $(dying_in_list "$islice") dying 10 s after a removal by hand, the kernel $(dying_in_kernel "$islice")"
else
	log "SKIP: the kernel freed the hand-made cgroup at once"
fi

# --- retire: refusals, then --force -----------------------------------------
rc=0
out=$(cgctl retire "$svc" 2>&1) || rc=$?
log "cgctl retire $svc (configured): rc=$rc $out"
assert_eq "$rc" 1 "retire of a configured service"
assert_match "$out" "still configured" "retire refusal message"
rc=0
out=$(cgctl retire --force "$svc" 2>&1) || rc=$?
log "cgctl retire --force $svc (running): rc=$rc $out"
assert_eq "$rc" 1 "retire --force of a running service"
assert_match "$out" "still runs" "retire refusal while running"
assert_eq "$(systemctl is-active "$slice")" active "entity kept after refusals"

# The idle entity has no instance: --force retires it, and says it will be back.
j=$(cgctl --json retire --force "$idle")
log "cgctl --json retire --force $idle: $j"
assert_eq "$(jqr "$j" .slice)" "$islice" "retire .slice"
assert_eq "$(jqr "$j" .service)" "$idle" "retire .service"
assert_eq "$(jqr "$j" .recreated_at_reconcile)" true "retire .recreated_at_reconcile"
assert_eq "$(jqr "$j" '.residual | type')" number "retire .residual"
cgctl --json list | jq -e --arg s "$islice" 'all(.entities[]; .slice != $s)' >/dev/null || fail "$islice still listed"
# The next reconcile brings it back.
cgctl reload
wait_for -t 20 bash -c "cgctl --json list | jq -e 'any(.entities[]; .slice == \"$islice\")' >/dev/null" ||
	fail "$islice not recreated by reload"

# --- reload: a rejected configuration names every file:line ------------------
printf '[service cgtx.service]\nmemory_max = -1\nmemory_high = lots\n' >"$confd/99-cgtest-bad.conf"
rc=0
out=$(cgctl reload 2>&1) || rc=$?
log "cgctl reload (bad): rc=$rc $out"
assert_eq "$rc" 1 "reload of a bad configuration"
assert_match "$out" "99-cgtest-bad.conf:2" "reload error names line 2"
assert_match "$out" "99-cgtest-bad.conf:3" "reload error names line 3"
assert_eq "$(cgctl --json status | jq -r .daemon.config_good)" true "previous configuration still in force"
cgctl --json list | jq -e --arg s "$slice" 'any(.entities[]; .slice == $s and .configured)' >/dev/null ||
	fail "$slice lost after a rejected reload"
# An enable that the configuration refuses names the refused files' lines
# and leaves no snippet behind.
rc=0
out=$(cgctl enable cgtrefused.service 2>&1) || rc=$?
log "cgctl enable under a bad configuration: rc=$rc $out"
assert_eq "$rc" 1 "enable under a bad configuration"
assert_match "$out" "99-cgtest-bad.conf:2" "enable error names line 2"
assert_no_file "$confd/50-cgctl-cgtrefused.service.conf"
rm "$confd/99-cgtest-bad.conf"
assert_eq "$(cgctl --json reload)" '{"schema":2}' "reload --json"

# --- disable ---------------------------------------------------------------
printf '[service cgthand.service]\n' >"$confd/60-cgtest-hand.conf"
cgctl reload
rc=0
out=$(cgctl disable cgthand.service 2>&1) || rc=$?
log "cgctl disable cgthand.service: rc=$rc $out"
assert_eq "$rc" 1 "disable of a hand-configured service"
assert_match "$out" "$confd/60-cgtest-hand.conf:1" "disable names the file"
rm "$confd/60-cgtest-hand.conf"
rc=0
out=$(cgctl disable "$idle" 2>&1) || rc=$?
log "cgctl disable $idle (enabled with --runtime): rc=$rc $out"
assert_eq "$rc" 1 "disable without --runtime of a runtime enable"
assert_match "$out" "with --runtime" "disable hint"
assert_eq "$(cgctl disable --runtime "$idle")" "Removed /run/cgpersist/conf.d/50-cgctl-$idle.conf." "disable --runtime"
systemctl stop "$svc"
j=$(cgctl --json disable "$svc")
assert_eq "$(jqr "$j" '.changed[0]')" "$snippet" "disable .changed"
assert_no_file "$snippet"
assert_eq "$(systemctl show -P Slice "$svc")" system.slice "Slice= of $svc after disable"
# Unconfigured and empty: the daemon retires both entities by itself.
wait_for -t 30 bash -c "cgctl --json list | jq -e 'all(.entities[]; .slice != \"$slice\" and .slice != \"$islice\")' >/dev/null" ||
	fail "entities not retired after disable: $(cgctl list)"
assert_eq "$(systemctl is-active "$slice" || true)" inactive "$slice stopped"
rc=0
out=$(cgctl status "$svc" 2>&1) || rc=$?
assert_eq "$rc" 1 "status of a retired entity"
assert_match "$out" "No entity for '$svc'" "status of a retired entity: message"

# --- signals ------------------------------------------------------------------
systemctl stop cgtest-monitor.service
sig=$(cat "$CGTEST_TMP/signals")
grep -q "Member=InstanceStopped" <<<"$sig" || fail "no InstanceStopped signal: $sig"
grep -q "\"$inv\"" <<<"$sig" || fail "no InstanceStopped for invocation $inv"
grep -q "Member=EntityRetired" <<<"$sig" || fail "no EntityRetired signal"
grep -q "\"$slice\"" <<<"$sig" || fail "no signal names $slice"
log "signals seen: $(grep -c 'Member=InstanceStopped' <<<"$sig") InstanceStopped, $(grep -c 'Member=EntityRetired' <<<"$sig") EntityRetired"

# --- the daemon not running ----------------------------------------------------
systemctl stop cgpersistd
rc=0
out=$(cgctl status 2>&1) || rc=$?
log "cgctl status, daemon stopped: rc=$rc $out"
assert_eq "$rc" 3 "exit status with the daemon stopped"
assert_match "$out" "cgpersistd is not running \(start it with: systemctl start cgpersistd\)" "message"
assert_eq "$(systemctl is-active cgpersistd || true)" inactive "cgctl did not start the daemon"
# Any other client activates it by its bus name (org.cgpersist1.service).
busctl call org.cgpersist1 /org/cgpersist1 org.cgpersist1.Manager GetMetrics >/dev/null ||
	fail "D-Bus activation of org.cgpersist1 failed"
assert_eq "$(systemctl is-active cgpersistd)" active "cgpersistd after D-Bus activation"
cgctl status >/dev/null
