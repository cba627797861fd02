#!/bin/bash
# Leaves a background process holding its output open: the runner must not
# wait for it (it kills the case's process group), and the case passes.
. "$CGTEST_LIB"
sleep 300 &
log "left a child behind"
