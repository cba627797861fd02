#!/bin/bash
# PID 1 of the guest is systemd, booted from the initramfs.
# timeout: 30
. "$CGTEST_LIB"

comm=$(cat /proc/1/comm)
exe=$(readlink /proc/1/exe)
log "PID 1: comm=$comm exe=$exe"
assert_eq "$comm" systemd "PID 1 comm"
assert_match "$exe" '/systemd$' "PID 1 executable"
assert_file /run/systemd/system "systemd's runtime directory"

version=$(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')
log "systemd $version, kernel $(uname -r), system state $(systemctl is-system-running || true)"
assert_ge "$version" 252 "systemd version"
