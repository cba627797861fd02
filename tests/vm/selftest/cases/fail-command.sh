#!/bin/bash
# Expected to FAIL: an unchecked failing command, reported with its line.
. "$CGTEST_LIB"
x=$(cat /nonexistent/selftest)
log "not reached $x"
