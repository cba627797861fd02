#!/bin/bash
# Benchmark (numbers only, never pass/fail on time): the walk of the cgroup
# tree through libcgroup (lib/cgroupfs.c, cgroupfs_walk(): its fts stat()s
# every file of every cgroup, and the census reads each cgroup.stat), as
# `cgctl zombies` times it (CGCTL_TIMING, step "cgroup walk"), with the
# tree as booted and with 1000 and 2000 more empty cgroups; against a floor,
# `find -type d` over the same tree (readdir only, no stat). Best of 3 each.
# Run by bench/cgroup-walk, in a VM or on the host (then CGCTL names the
# cgctl to run). Prints "BENCH key value" lines.
# timeout: 900
if [[ -n ${CGTEST_LIB:-} ]]; then
	. "$CGTEST_LIB"
else
	set -euo pipefail
fi
cgctl=${CGCTL:-cgctl}
root=/sys/fs/cgroup
extra=$root/cgroup-walk-bench
runs=3

bench() { echo "BENCH $*"; }
usec() { echo "${EPOCHREALTIME/./}"; }
best() { sort -n | head -n 1; }
[[ -r /proc/kpagecgroup ]] || { echo "no /proc/kpagecgroup" >&2; exit 77; }
[[ -e $root/cgroup.controllers ]] || { echo "$root is not cgroup v2" >&2; exit 77; }
trap 'find "$extra" -mindepth 1 -depth -type d -delete 2>/dev/null; rmdir "$extra" 2>/dev/null' EXIT

walk_ms() { # best "cgroup walk" step of $runs runs of cgctl zombies
	local i
	for ((i = 0; i < runs; i++)); do
		CGCTL_TIMING=1 "$cgctl" --json zombies 2>&1 >/dev/null |
			sed -n 's/^cgctl: timing: cgroup walk \([0-9.]*\) ms$/\1/p'
	done | sort -g | head -n 1
}
floor_ms() { # best find -type d over the tree
	local i t0
	for ((i = 0; i < runs; i++)); do
		t0=$(usec)
		find "$root" -type d >/dev/null
		echo $(($(usec) - t0))
	done | best | awk '{ printf "%.3f\n", $1 / 1000 }'
}

mkdir -p "$extra"
added=0
for target in 0 1000 2000; do
	while ((added < target)); do
		mkdir "$extra/c$added"
		added=$((added + 1))
	done
	n=$(find "$root" -type d | wc -l)
	w=$(walk_ms)
	f=$(floor_ms)
	bench "cgroups_$target $n"
	bench "walk_ms_$target $w"
	bench "floor_find_ms_$target $f"
	[[ $target == 0 ]] && { w0=$w f0=$f n0=$n; }
done
# What one more cgroup costs, between the tree as booted and 2000 more.
per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", (a - b) * 1000 / n }'; }
bench "walk_us_per_cgroup $(per "$w" "$w0" $((n - n0)))"
bench "floor_find_us_per_cgroup $(per "$f" "$f0" $((n - n0)))"
