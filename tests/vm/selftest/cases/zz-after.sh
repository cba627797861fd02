#!/bin/bash
# Runs after the leaking and timed-out cases: nothing of them is left.
. "$CGTEST_LIB"
if pgrep -x -f 'sleep 300' >/dev/null; then
	fail "leftover processes: $(pgrep -a -x -f 'sleep 300' | tr '\n' ' ')"
fi
