#!/bin/bash
# Expected to FAIL: an assertion that does not hold.
. "$CGTEST_LIB"
log "before the assertion"
assert_eq "$((1 + 1))" 3 "arithmetic"
log "not reached"
