#!/bin/bash
# Expected to TIME OUT after its own 3 s (the runner reports TIMEOUT, the
# host FAIL), with its child processes killed.
# timeout: 3
. "$CGTEST_LIB"
sleep 300 &
log "sleeping"
sleep 300
