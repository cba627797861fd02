#!/bin/bash
# What the runner gives a case.
. "$CGTEST_LIB"
assert_eq "$CGTEST_CASE" env
assert_match "$CGTEST_RELEASE" '^(bookworm|trixie)$'
assert_eq "$PWD" "$CGTEST_TMP"
assert_eq "$(find "$CGTEST_TMP" -mindepth 1 | wc -l)" 0 "scratch directory empty"
assert_eq "$CGTEST_DISK" /srv/disk
assert_eq "$(id -u)" 0
assert_eq "$(stat -f -c %T /)" tmpfs "root file system"
unit_cgroup cgpersist-vmtest.service >/dev/null
assert_match "$(unit_cgroup cgpersist-vmtest.service)" '^/sys/fs/cgroup/system\.slice/cgpersist-vmtest\.service$'
