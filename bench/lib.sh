# shellcheck shell=bash
# What the bench/ scripts share: each runs one case of bench/vm in a Debian
# VM (tests/vm/run, qemu TCG: slower than real hardware) and prints the
# lines the case marked "BENCH", numbers only, never a verdict.
#
# bench_vm CASE [--release bookworm|trixie] [--build DIR]: runs CASE, prints
# its figures. Kernel parameters for the case (read from /proc/cmdline) go
# in CGPERSIST_VM_APPEND. Returns the harness's status; 1 without figures.
bench_vm() {
	local case=$1 release=bookworm build=build logs rc
	shift
	while (($#)); do
		case $1 in
		--release) release=${2:?}; shift 2 ;;
		--build) build=${2:?}; shift 2 ;;
		-h | --help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
		*) echo "$case: unknown argument $1" >&2; exit 2 ;;
		esac
	done
	logs=$(mktemp -d /tmp/cgpersist-bench.XXXXXX)
	CGPERSIST_VM_CASES=bench/vm tests/vm/run --release "$release" --build "$build" --log-dir "$logs" \
		"$case" >"$logs/run.out" 2>&1
	rc=$?
	echo "# $case: $release (VM under TCG); log: $logs/$release.console.log"
	if ! grep -a "\[$case\] BENCH " "$logs/$release.console.log" 2>/dev/null | sed 's/.*BENCH //'; then
		echo "# no numbers: the run failed, see $logs/run.out" >&2
		tail -n 20 "$logs/run.out" >&2
		return 1
	fi
	((rc == 0)) || echo "# the run ended with status $rc, see $logs/run.out" >&2
	return $rc
}
