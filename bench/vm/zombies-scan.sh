#!/bin/bash
# Benchmark (numbers only, never pass/fail on time): the whole-memory scan of
# `cgctl zombies` against its floor, a plain sequential read of
# /proc/kpagecgroup and /proc/kpageflags with dd in 1 MiB blocks, in the same
# run (best of 5 each); its peak RSS and where its time goes (CGCTL_TIMING);
# and `cgctl charges` over 1 GiB of cached files (time, pages per second)
# against the share of that floor for as many pages. Run by bench/zombies-scan, in a VM or on the host (then
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
[[ -r /proc/kpagecgroup ]] || { echo "no /proc/kpagecgroup" >&2; exit 77; }

floor=() cmd=() rss=() pure=() timing=
for ((i = 0; i < runs; i++)); do
	t0=$(usec)
	dd if=/proc/kpagecgroup of=/dev/null bs=1M status=none
	dd if=/proc/kpageflags of=/dev/null bs=1M status=none
	floor+=($(($(usec) - t0)))
	# The whole command, as an operator runs it, alone.
	t0=$(usec)
	"$cgctl" --json zombies >/dev/null
	cmd+=($(($(usec) - t0)))
	# Where its time goes and its peak RSS (getrusage), as cgctl tells
	# with CGCTL_TIMING=1; the scan alone as it timed it.
	out=$(CGCTL_TIMING=1 "$cgctl" --json zombies 2>"$dir.timing")
	pure+=("$(jq .scan_usec <<<"$out")")
	rss+=("$(sed -n 's/^cgctl: timing: peak RSS \([0-9]*\) KiB$/\1/p' "$dir.timing")")
	timing+=$(sed -n 's/^cgctl: timing: \(.*[a-z]\) \([0-9.]*\) ms$/\1=\2/p' "$dir.timing" | tr ' ' _)$'\n'
done
rm -f "$dir.timing"
f=$(printf '%s\n' "${floor[@]}" | best)
s=$(printf '%s\n' "${cmd[@]}" | best)
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
# Each step's best over the runs, in order; what the whole command took
# beyond their sum is starting and ending the process.
printf '%s' "$timing" | awk -F= 'NF == 2 {
	if (!($1 in b) || $2 < b[$1]) b[$1] = $2; if (!($1 in o)) o[$1] = n++
} END { for (k in b) printf "%d %s %s\n", o[k], k, b[k] }' | sort -n |
	while read -r _ k v; do bench "zombies_step_${k}_ms $v"; done

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
