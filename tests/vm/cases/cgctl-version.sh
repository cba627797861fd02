#!/bin/bash
# `cgctl --version` succeeds and prints a version.
# timeout: 30
. "$CGTEST_LIB"

cgctl=$(command -v cgctl) || fail "cgctl is not in PATH ($PATH)"
out=$(cgctl --version) || fail "cgctl --version exited $?"
log "$cgctl --version: $out"
assert_match "$out" '[0-9]+\.[0-9]+' "cgctl --version output"
