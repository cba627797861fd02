#!/bin/bash
# The assertions that should hold do hold.
. "$CGTEST_LIB"
assert_eq "$(cat /proc/1/comm)" systemd
assert_ne a b
assert_ge 3 3
assert_le -1 0
assert_match "cgctl 0.1.0" '[0-9]+\.[0-9]+'
assert_file /proc/self
assert_no_file /nonexistent
touch "$CGTEST_TMP/later"
(sleep 1; touch "$CGTEST_TMP/flag") &
wait_for -t 10 -i 0.1 test -e "$CGTEST_TMP/flag"
wait
log "all good"
