# tests/vm/lib.sh — assertions for the cgpersist VM test cases.
# shellcheck shell=bash
#
# How cases are written
# ---------------------
# A case is a bash script tests/vm/cases/NAME.sh. tests/vm/run installs it in
# the guest as /usr/lib/cgpersist-vmtest/cases/NAME.sh and the guest runner
# runs it as root, with bash, after the guest reached multi-user.target:
#
#     #!/bin/bash
#     # What the case checks, in a sentence or two.
#     # timeout: 60            (optional; default 120 s)
#     . "$CGTEST_LIB"
#     assert_eq "$(cat /proc/1/comm)" systemd "PID 1"
#
# * Exit status 0 = PASS, 77 = SKIP (see `skip`), anything else = FAIL; the
#   runner kills the case (and its process group) at its timeout = TIMEOUT.
# * This library turns on `set -euo pipefail`: an unchecked failing command
#   fails the case, and the failing line is printed. Mind that with pipefail
#   `producer | head -n 3` fails when the producer gets SIGPIPE: read the
#   whole output (`sed -n 1,3p`) or add `|| true`.
# * Everything the case prints goes to the console log, each line prefixed
#   with "[NAME] ". Print what you measured (`log`): a failure is debugged
#   from that log. After a failure the runner adds the failed units and the
#   journal's tail ("[NAME/diag] " lines).
# * Environment: CGTEST_CASE (name), CGTEST_TMP (an empty scratch directory,
#   also the working directory, removed afterwards), CGTEST_DISK (/srv/disk:
#   ext4 on a virtio disk, for real page cache), CGTEST_RELEASE (bookworm or
#   trixie), CGTEST_LIB (this file), CGTEST_BOOT (1, then 2, 3... in the
#   boots after the case called cgtest_reboot), CGTEST_DEBS (the packages of
#   run --deb, in CGTEST_DEB_DIR; the first is installed; empty without).
# * Reboots: `cgtest_reboot` reboots the guest (orderly, or `--hard`: at once,
#   nothing synced, as after a power loss) and the case runs again from the
#   top in the next boot with CGTEST_BOOT one higher. Only $CGTEST_DISK
#   survives (the root is an initramfs): keep there what the next boot needs,
#   and set up again what the case put in /etc.
# * Cases run one after another in the same boot, in name order: leave the
#   system as you found it (stop the units you started, remove your unit
#   files and drop-ins, `systemctl daemon-reload`). Start long-running
#   processes as transient units (`systemd-run`), never with a bare `&` that
#   outlives the case.
# * Probe kernel and systemd features instead of testing version numbers, and
#   `skip` when a feature is missing.

set -euo pipefail
set -E
# Say which line of the case failed, quoting it; only once, not again from
# each command substitution.
_cgtest_err() { # STATUS LINE
	((BASH_SUBSHELL == 0)) || return 0
	local src
	src=$(sed -n "$2{s/^[[:space:]]*//;p;q}" "$0" 2>/dev/null) || true
	echo "FAIL: $0 line $2: ${src:-$BASH_COMMAND} (exit status $1)" >&2
}
trap '_cgtest_err $? $LINENO' ERR

CGTEST_CASE=${CGTEST_CASE:-$(basename "$0" .sh)}

# log MSG...: a note in the console log
log() { echo "# $*"; }

# fail MSG...: end the case as failed
fail() {
	trap - ERR
	echo "FAIL: $*" >&2
	exit 1
}

# skip MSG...: end the case as skipped (exit 77), e.g. a missing kernel feature
skip() {
	trap - ERR
	echo "SKIP: $*"
	exit 77
}

# assert_eq ACTUAL EXPECTED [WHAT]
assert_eq() {
	[[ $1 == "$2" ]] || fail "${3:-assert_eq}: expected '$2', got '$1'"
}

# assert_ne ACTUAL UNEXPECTED [WHAT]
assert_ne() {
	[[ $1 != "$2" ]] || fail "${3:-assert_ne}: got '$1'"
}

_cgtest_int() {
	[[ $1 =~ ^-?[0-9]+$ ]] || fail "$2: '$1' is not an integer"
}

# assert_ge ACTUAL MIN [WHAT]   integers
assert_ge() {
	_cgtest_int "$1" "${3:-assert_ge}"
	_cgtest_int "$2" "${3:-assert_ge}"
	(($1 >= $2)) || fail "${3:-assert_ge}: expected >= $2, got $1"
}

# assert_le ACTUAL MAX [WHAT]   integers
assert_le() {
	_cgtest_int "$1" "${3:-assert_le}"
	_cgtest_int "$2" "${3:-assert_le}"
	(($1 <= $2)) || fail "${3:-assert_le}: expected <= $2, got $1"
}

# assert_match STRING REGEX [WHAT]   bash extended regex
assert_match() {
	[[ $1 =~ $2 ]] || fail "${3:-assert_match}: '$1' does not match /$2/"
}

# assert_file PATH [WHAT]   PATH exists (any type)
assert_file() {
	[[ -e $1 ]] || fail "${2:-assert_file}: $1 does not exist"
}

# assert_no_file PATH [WHAT]
assert_no_file() {
	[[ ! -e $1 ]] || fail "${2:-assert_no_file}: $1 exists"
}

# wait_for [-t SECS] [-i INTERVAL] CMD [ARGS...]
# Runs CMD until it succeeds; returns 1 (and says so) when it did not within
# SECS (default 30). Under `set -e` an unchecked timeout fails the case; use
# `wait_for ... || { diagnose; fail ...; }` to add details.
wait_for() {
	local secs=30 interval=0.2
	while (($#)); do
		case $1 in
		-t) secs=$2; shift 2 ;;
		-i) interval=$2; shift 2 ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	(($#)) || fail "wait_for: no command"
	local deadline=$((${EPOCHREALTIME/./} + secs * 1000000))
	while :; do
		if "$@"; then
			return 0
		fi
		if ((${EPOCHREALTIME/./} >= deadline)); then
			echo "wait_for: timed out after ${secs}s: $*" >&2
			return 1
		fi
		sleep "$interval"
	done
}

# unit_cgroup UNIT: the unit's cgroup directory under /sys/fs/cgroup
unit_cgroup() {
	local cg
	cg=$(systemctl show -P ControlGroup "$1")
	[[ -n $cg ]] || return 1
	echo "/sys/fs/cgroup$cg"
}

# jqr JSON FILTER: jq -r on a JSON document, failing the case if it does not
# parse.
jqr() {
	local out
	out=$(jq -r "$2" <<<"$1") || fail "jq '$2' failed on: $1"
	printf '%s\n' "$out"
}

# Memory figures shared by the drain, tmpfs and reclaim cases.
MiB=$((1 << 20))
# mib BYTES: rounded to whole MiB
mib() { echo $((($1 + MiB / 2) / MiB)); }
# unowned: bytes charged to system.slice but to none of its live children,
# what dead cgroups (and the slice itself) hold
unowned() {
	local total sum=0 c
	total=$(</sys/fs/cgroup/system.slice/memory.current)
	for c in /sys/fs/cgroup/system.slice/*/memory.current; do sum=$((sum + $(<"$c"))); done
	echo $((total - sum))
}
# dying_under SLICE: nr_dying_descendants of system.slice/SLICE
# journal_mark: a point in the journal's time (realtime microseconds), for
# journal_after.
journal_mark() { echo "${EPOCHREALTIME/./}"; }
# journal_after MARK [FIELD=VALUE...]: the entries at or after MARK that have
# every FIELD=VALUE, as FIELD=VALUE lines, entries separated by an empty
# line (as -o export, without binary fields). The fields are matched here,
# not by journalctl: on systemd 252 a seek (--after-cursor, --since) combined
# with a field match finds nothing.
journal_after() {
	local mark=$1
	shift
	journalctl -o json --since "@$((mark / 1000000 - 1))" |
		jq -r --arg mark "$mark" '
			select((.__REALTIME_TIMESTAMP | tonumber) >= ($mark | tonumber))
			| . as $e
			| select(all($ARGS.positional[];
				(sub("=.*"; "") as $k | sub("^[^=]*="; "") as $v | ($e[$k] | tostring) == $v)))
			| (to_entries[] | "\(.key)=\(.value | if type == "string" then . else tostring end)"), ""
		' --args "$@"
}

dying_under() { sed -n 's/^nr_dying_descendants //p' "/sys/fs/cgroup/system.slice/$1/cgroup.stat"; }
_dying_at_most() { [ "$(dying_under "$1")" -le "$2" ]; }
# wait_dying_at_most SLICE N: wait up to 20 s for at most N dying cgroups
# under SLICE; if that runs out, charge on every CPU (flush_charge_caches)
# and wait 10 s more, saying so. Returns nothing useful: assert afterwards.
wait_dying_at_most() {
	wait_for -t 20 _dying_at_most "$1" "$2" && return 0
	log "$(dying_under "$1") dying under $1 after 20 s; charging on every CPU (flush_charge_caches)"
	flush_charge_caches
	wait_for -t 10 _dying_at_most "$1" "$2" || true
}

# assert_dying_unpinned SLICE N: at most N dying cgroups under SLICE, or, if
# more, none of those beyond held by a page of theirs (cgctl zombies): a
# dying cgroup that no page holds is kept by the kernel a while longer (the
# writeback state of an inode it dirtied, per-CPU caches) and is not what
# cgpersist reclaims.
assert_dying_unpinned() {
	local d r
	d=$(dying_under "$1")
	((d <= $2)) && return 0
	r=$(cgctl --json zombies | jq -c --arg cg "system.slice/$1" '.cgroups_holding[] | select(.cgroup == $cg)')
	log "$d dying cgroups under $1 (want at most $2, or no page holding them): $r"
	assert_eq "$(jq .pinned_by_pages <<<"$r")" false "dying cgroups under $1 beyond $2 held by pages"
}

# flush_charge_caches: charge a little memory on every CPU from the case's
# own cgroup. The kernel keeps a per-CPU cache of charge for the memory
# cgroup that last charged there (memcg_stock), and the reference it holds
# keeps a dead cgroup dying until another cgroup charges on that CPU: at once
# on a busy host, maybe not for a long while in an idle guest.
flush_charge_caches() {
	local c
	for ((c = 0; c < $(nproc); c++)); do taskset -c "$c" true; done
}

# cgtest_reboot [--hard]: reboot the guest and run this case again in the
# next boot with CGTEST_BOOT+1 (see "Reboots" above). Never returns.
cgtest_reboot() {
	local hard=0 secs msg
	[[ ${1:-} == --hard ]] && hard=1
	[[ -n ${CGTEST_STATE:-} && -f $CGTEST_STATE ]] ||
		fail "cgtest_reboot: the runner's state file is missing (is $CGTEST_DISK mounted?)"
	secs=$(( (${EPOCHREALTIME/./} - CGTEST_CASE_START) / 1000000 + ${CGTEST_RESUME_SECS:-0} ))
	sed -e "s/^resume_boot=.*/resume_boot=$((CGTEST_BOOT + 1))/" \
		-e "s/^resume_secs=.*/resume_secs=$secs/" \
		"$CGTEST_STATE" >"$CGTEST_DISK/.cgtest-resume.tmp"
	sync "$CGTEST_DISK/.cgtest-resume.tmp"
	mv -f "$CGTEST_DISK/.cgtest-resume.tmp" "$CGTEST_DISK/.cgtest-resume"
	sync -f "$CGTEST_DISK"
	# The host boots again only when it sees this marker. Straight to the
	# console too: a hard reset could beat the runner's pipe to it.
	msg="CGTEST-REBOOT $CGTEST_CASE boot=$((CGTEST_BOOT + 1))"
	((hard == 0)) || msg+=" hard"
	echo "$msg"
	echo "$msg" >/dev/console
	trap - ERR EXIT
	if ((hard)); then
		sleep 1
		echo 1 >/proc/sys/kernel/sysrq
		echo b >/proc/sysrq-trigger
	else
		touch /run/cgtest-rebooting
		# (not "systemctl reboot": that goes through logind, which the image masks)
		systemctl --no-block --job-mode=replace-irreversibly start reboot.target
	fi
	sleep infinity
}
