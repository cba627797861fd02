#!/bin/bash
# cgpersistd.service, as installed by `meson install`, starts and becomes
# active.
# timeout: 60
. "$CGTEST_LIB"

systemctl cat cgpersistd.service >/dev/null 2>&1 || fail "cgpersistd.service is not installed"
if ! systemctl -q is-active cgpersistd.service; then
	log "starting cgpersistd.service"
	systemctl --no-block start cgpersistd.service
fi
if ! wait_for -t 30 systemctl -q is-active cgpersistd.service; then
	systemctl status --no-pager -l cgpersistd.service || true
	journalctl -b -u cgpersistd.service --no-pager -n 50 || true
	fail "cgpersistd.service is $(systemctl is-active cgpersistd.service || true), not active, after 30 s"
fi
log "cgpersistd: $(systemctl show -P MainPID cgpersistd.service) $(systemctl show -P ActiveState,SubState cgpersistd.service | tr '\n' ' ')"
