#!/bin/bash
# systemd's conventions and a truthful journal: a drop-in in /etc overrides
# one of the same name in /run (which overrides /usr/lib); cgctl verify
# names file:line and fails on an error; systemctl reload fails on a refused
# configuration and the last good one stays; "Started entity" is logged once,
# when the slice has started; a no-op daemon-reload logs no "Configuration
# loaded"; a manual drain logs its own event with the bytes reclaimed; the
# stop line gives systemd's result; --json says its schema.
# timeout: 180
. "$CGTEST_LIB"

svc=cgtconv.service
slice=system-cgtconv.slice
name=50-cgtest-conv.conf
etc=/etc/cgpersist/conf.d/$name
run=/run/cgpersist/conf.d/$name
vendor=/usr/lib/cgpersist/conf.d/$name
bad=/etc/cgpersist/conf.d/99-cgtest-conv-bad.conf
STARTED=a0e35bb486274842891983cb8bd52b4d
LOADED=81ea21c67d994e628f65a8536722ab9e
STOPPED=a790ac02b59948bc94de4da3ffb7a039
ENTITY_DRAINED=b8f20ce558d44b0a9d4334c92551e986
STOP_DRAINED=5661e915c23348ddbeee96d9d057d056

cleanup() {
	systemctl stop "$svc" 2>/dev/null || true
	rm -f /etc/systemd/system/$svc "$etc" "$run" "$vendor" "$bad"
	systemctl daemon-reload
	systemctl -q is-active cgpersistd && cgctl reload || true
}
trap cleanup EXIT

# events of one kind so far (of the entity, when given)
events() { # MESSAGE_ID [ENTITY]
	journalctl --sync 2>/dev/null || true
	journalctl -b -q -o cat MESSAGE_ID="$1" ${2:+CGPERSIST_ENTITY=$2} | wc -l
}
field() { # MESSAGE_ID ENTITY FIELD: of the last such event
	journalctl -b -q -o export MESSAGE_ID="$1" CGPERSIST_ENTITY="$2" | sed -n "s/^$3=//p" | tail -n1
}

systemctl start cgpersistd
wait_for -t 30 systemctl -q is-active cgpersistd || fail "cgpersistd did not start"

# --- precedence: /etc over /run over /usr/lib ---------------------------------
dd if=/dev/urandom of="$CGTEST_DISK/conv-data" bs=1M count=16 status=none
cat >/etc/systemd/system/$svc <<UNIT
[Service]
ExecStart=/bin/sh -c 'cat $CGTEST_DISK/conv-data >/dev/null; exec sleep infinity'
UNIT
mkdir -p /etc/cgpersist/conf.d /run/cgpersist/conf.d /usr/lib/cgpersist/conf.d
printf '[service %s]\nmemory_max = 128M\nmemory_high = 100M\n' $svc >"$vendor"
printf '[service %s]\nmemory_max = 256M\n' $svc >"$run"
printf '[service %s]\nmemory_max = 512M\n' $svc >"$etc"
started0=$(events $STARTED $slice)
# Two reconciles in a row (systemd's Reloading, then cgctl reload): the start
# is asked for and logged once.
systemctl daemon-reload
cgctl reload
wait_for -t 20 systemctl -q is-active $slice || fail "entity not started"
assert_eq "$(systemctl show -P Slice $svc)" $slice "Slice= from the generator"
wait_for -t 10 test "$(systemctl show -P MemoryMax $slice)" = $((512 << 20)) ||
	fail "MemoryMax $(systemctl show -P MemoryMax $slice): the /etc drop-in should win over /run and /usr/lib"
assert_eq "$(systemctl show -P MemoryHigh $slice)" infinity "the /usr/lib file of the same name is not read at all"
j=$(cgctl --json status $svc)
assert_eq "$(jq -r '.entities[0].configured_by | join(" ")' <<<"$j")" "$etc:1" "configured by the /etc file only"
assert_eq "$(jq -r '.entities[0].memory_high' <<<"$j")" null "no limit is null"
wait_for -t 10 test "$(events $STARTED $slice)" -ge $((started0 + 1)) || fail "no Started entity event"
sleep 2
assert_eq "$(events $STARTED $slice)" $((started0 + 1)) "Started entity logged once"
log "Started entity: $(journalctl -b -q -o cat MESSAGE_ID=$STARTED CGPERSIST_ENTITY=$slice | tail -n1)"

# --- no-op daemon-reload: no "Configuration loaded" ---------------------------
loaded0=$(events $LOADED)
systemctl daemon-reload
cgctl status >/dev/null # the daemon has handled systemd's Reloading by now
sleep 1
assert_eq "$(events $LOADED)" "$loaded0" "Configuration loaded at a daemon-reload that changed nothing"
printf '[service %s]\nmemory_max = 512M\n# changed\n' $svc >"$etc"
systemctl daemon-reload
wait_for -t 10 test "$(events $LOADED)" -gt "$loaded0" || fail "no Configuration loaded after a change"

# --- cgctl verify ----------------------------------------------------------------
cgctl verify || fail "cgctl verify of the installed configuration"
printf '[service %s]\n# two\nmemory_max = lots\n' $svc >"$CGTEST_TMP/new.conf"
rc=0
out=$(cgctl verify "$CGTEST_TMP/new.conf" 2>&1) || rc=$?
log "cgctl verify (bad): rc=$rc $out"
assert_eq "$rc" 1 "verify of a bad file"
assert_match "$out" "^$CGTEST_TMP/new.conf:3: error: memory_max" "verify names file:line"
printf '[service %s]\nmemory_max = 1G\n' $svc >"$CGTEST_TMP/new.conf"
cgctl verify "$CGTEST_TMP/new.conf" || fail "verify of a good file"
assert_eq "$(cgctl --json verify "$CGTEST_TMP/new.conf" | jq -c '[.schema, .good, .services]')" '[2,true,1]' "verify --json"

# --- systemctl reload with a refused configuration ------------------------------
printf '[service %s]\n\nmemory_max = 12 potatoes\n' $svc >"$bad"
rc=0
out=$(systemctl reload cgpersistd 2>&1) || rc=$?
log "systemctl reload (refused): rc=$rc $out"
((rc != 0)) || fail "systemctl reload succeeded with a refused configuration"
systemctl -q is-active cgpersistd || fail "the daemon is not active after a refused reload"
assert_eq "$(cgctl --json status | jq -r .daemon.config_good)" true "the last good configuration stays"
assert_eq "$(systemctl show -P MemoryMax $slice)" $((512 << 20)) "limits unchanged"
rm -f "$bad"
systemctl reload cgpersistd || fail "systemctl reload of a good configuration"

# --- a manual drain --------------------------------------------------------------
# Its data read from disk by the instance: charged to it, not to this case.
sync
echo 3 >/proc/sys/vm/drop_caches
systemctl start $svc
wait_for -t 20 bash -c "cgctl --json status $svc | jq -e '.entities[0].instances == 1' >/dev/null" || fail "no instance"
wait_for -t 20 bash -c "(( \$(cat /sys/fs/cgroup/system.slice/$slice/memory.current) > 12 << 20 ))" || fail "no page cache to drain"
stop_drained0=$(events $STOP_DRAINED $slice)
drained0=$(events $ENTITY_DRAINED $slice)
j=$(cgctl --json drain $svc)
log "cgctl --json drain: $j"
wait_for -t 10 test "$(events $ENTITY_DRAINED $slice)" -gt "$drained0" || fail "no drain event"
assert_eq "$(field $ENTITY_DRAINED $slice CGPERSIST_BYTES)" "$(jq -r .drained <<<"$j")" "CGPERSIST_BYTES: the bytes reclaimed"
assert_eq "$(field $ENTITY_DRAINED $slice CGPERSIST_BEFORE)" "$(jq -r .memory_before <<<"$j")" "CGPERSIST_BEFORE"
assert_eq "$(field $ENTITY_DRAINED $slice CGPERSIST_AFTER)" "$(jq -r .memory_after <<<"$j")" "CGPERSIST_AFTER"
# The page cache must go where nothing can go to swap: the kernel takes
# "swappiness=" (6.11+), or no swap is active. On 6.1 with swap, a drain of an
# entity whose instance has just read its data may hold back what the swap
# guard keeps (cgpersistd(8)): reported, the figures above still true.
if echo "0 swappiness=0" >/sys/fs/cgroup/system.slice/$slice/memory.reclaim 2>/dev/null ||
	[ "$(wc -l </proc/swaps)" -le 1 ]; then
	assert_ge "$(jq -r .drained <<<"$j")" $((4 << 20)) "drained bytes"
else
	log "no swappiness= for memory.reclaim and swap active; the manual drain reclaimed $(jq -r .drained <<<"$j") B"
fi
assert_eq "$(events $STOP_DRAINED $slice)" "$stop_drained0" "no stop-hook event for a manual drain"
log "drain event: $(journalctl -b -q -o cat MESSAGE_ID=$ENTITY_DRAINED CGPERSIST_ENTITY=$slice | tail -n1)"

# --- the stop line ------------------------------------------------------------------
stopped0=$(events $STOPPED $slice)
systemctl stop $svc
wait_for -t 10 test "$(events $STOPPED $slice)" -gt "$stopped0" || fail "no stop event"
line=$(journalctl -b -q -o cat MESSAGE_ID=$STOPPED CGPERSIST_ENTITY=$slice | tail -n1)
log "stop: $line"
hist=$(cgctl --json history $svc | jq -r '.instances[-1].result')
assert_eq "$hist" success "history's result"
assert_match "$line" "stopped \\($hist\\)" "the stop line says what the history says"

# --- text output ----------------------------------------------------------------------
out=$(cgctl --no-legend --no-pager list)
[[ $out == *ENTITY* ]] && fail "--no-legend printed the header: $out"
assert_match "$out" "^$slice " "--no-legend list"
out=$(cgctl --no-legend history $svc)
log "history: $out"
zone=$(date +%Z)
assert_match "$out" "[0-9]{2}:[0-9]{2}:[0-9]{2} $zone " "times with their zone"
