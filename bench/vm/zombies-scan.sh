#!/bin/bash
# Benchmark (numbers only, never pass/fail on time): the whole-memory scan of
# `cgctl zombies` against its floor, a plain sequential read of
# /proc/kpagecgroup and /proc/kpageflags with dd in 1 MiB blocks, in the same
# run (best of 5 each); its peak RSS; and `cgctl charges` over 1 GiB of
# cached files (time, pages per second) against the share of that floor for
# as many pages. Run by bench/zombies-scan, in a VM or on the host (then
# CGCTL names the cgctl to run and BENCH_DIR a directory on a disk). Prints
# "BENCH key value" lines.
# timeout: 900
if [[ -n ${CGTEST_LIB:-} ]]; then
	. "$CGTEST_LIB"
	dir=$CGTEST_DISK/zombies-bench
else
	set -euo pipefail
	dir=${BENCH_DIR:-/var/tmp}/zombies-bench
fi
cgctl=${CGCTL:-cgctl}
runs=5
gib_files=8 # of 128 MiB

bench() { echo "BENCH $*"; }
usec() { echo "${EPOCHREALTIME/./}"; }
best() { sort -n | head -n 1; }
# peak_rss_kib CMD...: the peak RSS of CMD (KiB), from /usr/bin/time where
# there is one, else VmHWM sampled while it runs (the guest has no time(1)).
peak_rss_kib() {
	if [[ -x /usr/bin/time ]]; then
		{ /usr/bin/time -f '%M' "$@" >/dev/null; } 2>&1
		return
	fi
	"$@" >/dev/null &
	local pid=$! hwm=0 v
	while v=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$pid/status 2>/dev/null) && [[ -n $v ]]; do
		hwm=$v
		sleep 0.01
	done
	wait $pid
	echo "$hwm"
}

[[ -r /proc/kpagecgroup ]] || { echo "no /proc/kpagecgroup" >&2; exit 77; }

floor=() scan=() rss=() pure=()
for ((i = 0; i < runs; i++)); do
	t0=$(usec)
	dd if=/proc/kpagecgroup of=/dev/null bs=1M status=none
	dd if=/proc/kpageflags of=/dev/null bs=1M status=none
	floor+=($(($(usec) - t0)))
	# The whole command timed alone: in the guest, peak_rss_kib samples
	# with a process every 10 ms, which costs the command its CPU.
	t0=$(usec)
	"$cgctl" --json zombies >/dev/null
	scan+=($(($(usec) - t0)))
	rss+=("$(peak_rss_kib "$cgctl" --json zombies)")
	# The scan alone, as cgctl timed it: without starting cgctl, walking
	# the cgroup tree and asking cgpersistd for the entities' names.
	pure+=("$("$cgctl" --json zombies | jq .scan_usec)")
done
f=$(printf '%s\n' "${floor[@]}" | best)
s=$(printf '%s\n' "${scan[@]}" | best)
frames=$("$cgctl" --json zombies | jq .frames)
bench "frames $frames"
bench "memory_gib $(awk -v f="$frames" 'BEGIN { printf "%.1f", f * 4096 / 2^30 }')"
bench "floor_dd_ms $((f / 1000))"
p=$(printf '%s\n' "${pure[@]}" | best)
bench "zombies_scan_ms $((p / 1000))"
bench "zombies_scan_over_floor $(awk -v a="$p" -v b="$f" 'BEGIN { printf "%.2f", a / b }')"
bench "zombies_command_ms $((s / 1000))"
bench "zombies_command_over_floor $(awk -v a="$s" -v b="$f" 'BEGIN { printf "%.2f", a / b }')"
bench "zombies_peak_rss_kib $(printf '%s\n' "${rss[@]}" | sort -n | tail -n 1)"

# cgctl charges over 1 GiB of cached files.
mkdir -p "$dir"
for ((i = 0; i < gib_files; i++)); do
	[[ -s $dir/f$i ]] || dd if=/dev/zero of="$dir/f$i" bs=1M count=128 status=none
done
cat "$dir"/f* >/dev/null
pages=$(($(du -sk "$dir" | cut -f1) / 4))
c=()
for ((i = 0; i < runs; i++)); do
	t0=$(usec)
	"$cgctl" charges "$dir" >/dev/null
	c+=($(($(usec) - t0)))
done
cb=$(printf '%s\n' "${c[@]}" | best)
resident=$("$cgctl" --json charges "$dir" | jq .total.resident)
bench "charges_pages $pages"
bench "charges_resident $resident"
bench "charges_ms $((cb / 1000))"
bench "charges_pages_per_s $((resident * 1000000 / cb))"
# The floor's share for as many frames: what reading their kpagecgroup and
# kpageflags entries in one stream would cost.
bench "charges_floor_share_ms $(awk -v f="$f" -v p="$resident" -v n="$frames" 'BEGIN { printf "%.1f", f * p / n / 1000 }')"
rm -rf "$dir"
