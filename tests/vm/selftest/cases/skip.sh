#!/bin/bash
# Expected to SKIP.
. "$CGTEST_LIB"
skip "selftest skip reason"
