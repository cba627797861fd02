/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* reclaim_cgroup_with_ops() against a simulated memcg that answers
 * memory.reclaim the way the kernel does (EAGAIN when short, EINVAL for an
 * argument it lacks, anon to swap when a plain request cannot be met from the
 * page cache) and reclaim_cgroup() on a fixture tree; the built stop hook
 * is tried in test-drain.c. */

#include <fcntl.h>
#include <inttypes.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "path.h"
#include "reclaim.h"
#include "tests.h"

#define MiB (UINT64_C(1) << 20)

static uint64_t psize(void) {
        long p = sysconf(_SC_PAGESIZE);
        return p > 0 ? (uint64_t) p : 4096;
}

typedef struct SimMemcg {
        /* Charges, bytes. dirty is part of inactive_file and not reclaimable. */
        uint64_t inactive_file, active_file, dirty, anon, shmem, other;

        bool has_swappiness; /* 6.11+: takes "swappiness=0" */
        bool swap; /* a swap device is active */
        uint64_t swap_max; /* memory.swap.max */

        uint64_t now, usec_per_write;
        int fail_with; /* every write fails with this errno */
        unsigned eintr_left; /* so many writes fail with EINTR first */
        bool endless; /* the page cache refills after every write */

        /* What happened. */
        unsigned writes, probes_rejected, plain_requests;
        uint64_t swapped; /* anon/shmem pushed to swap */
        bool plain_over_file; /* a plain request asked for more than the page cache */
        char last[64];
} SimMemcg;

static uint64_t sim_current(const SimMemcg *s) {
        return s->inactive_file + s->active_file + s->anon + s->shmem + s->other;
}

static uint64_t take(uint64_t *from, uint64_t want) {
        uint64_t n = MIN(*from, want);
        *from -= n;
        return n;
}

static uint64_t take_file(SimMemcg *s, uint64_t want) {
        uint64_t clean = s->inactive_file - s->dirty, n;

        n = MIN(clean, want);
        s->inactive_file -= n;
        return n + take(&s->active_file, want - n);
}

static uint64_t take_swap_backed(SimMemcg *s, uint64_t want) {
        uint64_t n;

        if (!s->swap || s->swap_max == 0)
                return 0;
        n = take(&s->anon, want);
        n += take(&s->shmem, want - n);
        s->swapped += n;
        return n;
}

static int sim_write_reclaim(void *userdata, const char *request) {
        SimMemcg *s = userdata;
        uint64_t want, got = 0;
        bool file_only = false;
        char *end;

        s->writes++;
        s->now += s->usec_per_write;
        snprintf(s->last, sizeof s->last, "%s", request);

        if (s->fail_with)
                return -s->fail_with;

        want = strtoull(request, &end, 10);
        if (streq(end, " swappiness=0")) {
                if (!s->has_swappiness) {
                        s->probes_rejected++;
                        return -EINVAL;
                }
                file_only = true;
        } else if (*end)
                return -EINVAL;
        want -= want % psize();

        if (s->eintr_left > 0) {
                s->eintr_left--;
                return -EINTR;
        }

        if (file_only)
                got = take_file(s, want);
        else {
                uint64_t floor = psize() << 12;

                s->plain_requests++;
                if (want > s->inactive_file + s->active_file - s->dirty)
                        s->plain_over_file = true;

                /* Roughly vmscan's balance without "swappiness=": page cache
                 * only while the inactive list is big and not low against the
                 * active one; past that, anon and file alike; anon last of
                 * all when the page cache is gone. */
                while (got < want) {
                        uint64_t chunk = MIN(want - got, 32 * psize()), n;

                        if (s->inactive_file >= floor && s->inactive_file >= s->active_file)
                                n = take_file(s, chunk);
                        else {
                                n = take_swap_backed(s, chunk / 2);
                                n += take_file(s, chunk - n);
                                if (n < chunk)
                                        n += take_swap_backed(s, chunk - n);
                        }
                        if (n == 0)
                                break;
                        got += n;
                }
        }

        if (s->endless) {
                /* The page cache refills from "other", which shrinks: every
                 * step shows progress and there is always more to take. */
                uint64_t n = take(&s->other, got);
                s->inactive_file += n;
        }

        return got < want ? -EAGAIN : 0;
}

static int sim_read_current(void *userdata, uint64_t *ret) {
        SimMemcg *s = userdata;
        *ret = sim_current(s);
        return 0;
}

static int sim_read_memstat(void *userdata, MemStat *ret) {
        SimMemcg *s = userdata;
        *ret = (MemStat){
                .anon = s->anon,
                .file = s->inactive_file + s->active_file + s->shmem,
                .shmem = s->shmem,
                .file_dirty = s->dirty,
                .active_file = s->active_file,
                .inactive_file = s->inactive_file,
        };
        return 0;
}

static int sim_read_swap_max(void *userdata, uint64_t *ret) {
        SimMemcg *s = userdata;
        *ret = s->swap_max;
        return 0;
}

static uint64_t sim_now(void *userdata) {
        SimMemcg *s = userdata;
        return s->now;
}

static const ReclaimOps sim_ops = {
        .write_reclaim = sim_write_reclaim,
        .read_current = sim_read_current,
        .read_memstat = sim_read_memstat,
        .read_swap_max = sim_read_swap_max,
        .now_usec = sim_now,
};

/* The measured service: 73 MiB of page cache, 10 MiB anon. */
static SimMemcg sim_service(bool new_kernel, bool swap) {
        return (SimMemcg){
                .inactive_file = 60 * MiB,
                .active_file = 13 * MiB,
                .anon = 10 * MiB,
                .other = 1 * MiB,
                .has_swappiness = new_kernel,
                .swap = swap,
                .swap_max = UINT64_MAX,
                .usec_per_write = 1000,
        };
}

TEST(file_only_drains_page_cache_keeps_anon) {
        SimMemcg s = sim_service(true, true);
        ReclaimOptions o = { .mode = RECLAIM_FILE, .budget_usec = 2000000 };
        ReclaimResult r;

        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK_U64(r.before, 84 * MiB);
        CHECK_U64(r.after, 11 * MiB);
        CHECK_U64(r.file_before, 73 * MiB);
        CHECK_U64(r.file_after, 0);
        CHECK_U64(s.anon, 10 * MiB);
        CHECK_U64(s.swapped, 0);
        CHECK(r.swappiness_arg);
        CHECK(!r.budget_exhausted);
        CHECK(!r.swap_guard);
        CHECK_INT(s.plain_requests, 0);
        /* 16+16+16+16+9 (EAGAIN, progress), then one with no progress. */
        CHECK_INT(r.steps, 6);
        CHECK_STR(s.last, "16777216 swappiness=0");
        CHECK_U64(r.elapsed_usec, 6000);
}

TEST(eagain_with_nothing_left_is_done) {
        SimMemcg s = sim_service(true, true);
        ReclaimOptions o = { .mode = RECLAIM_FILE };
        ReclaimResult r;

        s.inactive_file = s.active_file = 0;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK_INT(r.steps, 1);
        CHECK_U64(r.before, 11 * MiB);
        CHECK_U64(r.after, 11 * MiB);
        CHECK_U64(s.anon, 10 * MiB);
        CHECK(r.swappiness_arg);
}

TEST(old_kernel_without_swap_falls_back_to_file_bounded_requests) {
        SimMemcg s = sim_service(false, false);
        ReclaimOptions o = { .mode = RECLAIM_FILE, .no_swap = true };
        ReclaimResult r;

        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK_INT(s.probes_rejected, 1);
        CHECK(!r.swappiness_arg);
        CHECK(!r.swap_guard);
        CHECK(!s.plain_over_file);
        CHECK_U64(r.file_after, 0);
        CHECK_U64(r.after, 11 * MiB);
        CHECK_U64(s.anon, 10 * MiB);
        /* The probe, 16+16+16+16+9, then the bound is 0: no request. */
        CHECK_INT(r.steps, 6);
        CHECK_INT(s.plain_requests, 5);
        CHECK_STR(s.last, "9437184");
}

TEST(old_kernel_no_swap_with_shmem_drains_all_page_cache) {
        SimMemcg s = sim_service(false, false);
        ReclaimOptions o = { .mode = RECLAIM_FILE, .no_swap = true };
        ReclaimResult r;

        /* shmem cannot go anywhere without swap: no guard needed. */
        s.shmem = 4 * MiB;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK_U64(r.file_after, 0);
        CHECK_U64(s.swapped, 0);
        CHECK(!r.swap_guard);
}

TEST(old_kernel_swap_max_zero_is_no_swap) {
        SimMemcg s = sim_service(false, true);
        ReclaimOptions o = { .mode = RECLAIM_FILE };
        ReclaimResult r;

        s.swap_max = 0;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK_U64(r.file_after, 0);
        CHECK_U64(s.anon, 10 * MiB);
        CHECK(!r.swap_guard);
}

TEST(old_kernel_with_swap_guards_anon_and_shmem) {
        SimMemcg s = sim_service(false, true);
        ReclaimOptions o = { .mode = RECLAIM_FILE };
        ReclaimResult r;
        uint64_t floor = psize() << 12;

        s.shmem = 4 * MiB;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK(r.swap_guard);
        CHECK(!r.swappiness_arg);
        CHECK_U64(s.swapped, 0);
        CHECK_U64(s.anon, 10 * MiB);
        CHECK_U64(s.shmem, 4 * MiB);
        /* Down to the floor of the inactive list, the active list kept. */
        CHECK_U64(s.inactive_file, floor);
        CHECK_U64(s.active_file, 13 * MiB);
        CHECK_U64(r.file_after, floor + 13 * MiB);
        CHECK(r.after < r.before);

        /* The same memcg drained with RECLAIM_ALL does swap: the simulation
         * would have caught a guard that let requests through. */
        s = sim_service(false, true);
        s.shmem = 4 * MiB;
        o.mode = RECLAIM_ALL;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK(s.swapped > 0);
        CHECK(!r.swappiness_arg);
        CHECK_INT(s.probes_rejected, 0);
}

TEST(old_kernel_with_swap_and_low_inactive_list_asks_nothing) {
        SimMemcg s = sim_service(false, true);
        ReclaimOptions o = { .mode = RECLAIM_FILE };
        ReclaimResult r;

        s.inactive_file = 13 * MiB;
        s.active_file = 60 * MiB;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK(r.swap_guard);
        CHECK_INT(r.steps, 1); /* the rejected probe only */
        CHECK_INT(s.plain_requests, 0);
        CHECK_U64(r.after, r.before);
        CHECK_U64(s.swapped, 0);
}

TEST(anon_allowance_lets_a_hook_ignore_its_own_anon) {
        SimMemcg s = sim_service(false, true);
        ReclaimOptions o = { .mode = RECLAIM_FILE, .anon_allowance = 2 * MiB };
        ReclaimResult r;

        /* Only the hook's own 1 MiB of anon is left in the cgroup. */
        s.anon = 1 * MiB;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK(!r.swap_guard);
        CHECK_U64(r.file_after, 0);
        CHECK(!s.plain_over_file);

        /* More anon than the allowance: the guard is back. */
        s = sim_service(false, true);
        s.anon = 3 * MiB;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK(r.swap_guard);
        CHECK_U64(s.swapped, 0);
}

TEST(dirty_pages_bound_old_kernel_requests) {
        SimMemcg s = sim_service(false, false);
        ReclaimOptions o = { .mode = RECLAIM_FILE, .no_swap = true };
        ReclaimResult r;

        s.dirty = 5 * MiB;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK(!s.plain_over_file);
        CHECK_U64(s.inactive_file, 5 * MiB);
        CHECK_U64(s.active_file, 0);
}

TEST(budget_exhaustion_stops) {
        SimMemcg s = sim_service(true, true);
        ReclaimOptions o = { .mode = RECLAIM_FILE, .budget_usec = 250000 };
        ReclaimResult r;

        s.inactive_file = 1024 * MiB;
        s.usec_per_write = 100000;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK(r.budget_exhausted);
        CHECK_INT(r.steps, 3);
        CHECK_U64(r.before - r.after, 48 * MiB);
        CHECK_U64(r.elapsed_usec, 300000);
}

TEST(hard_error_is_returned_and_result_untouched) {
        SimMemcg s = sim_service(true, true);
        ReclaimOptions o = { .mode = RECLAIM_FILE };
        ReclaimResult r, sentinel;

        memset(&r, 0xa5, sizeof r);
        sentinel = r;
        s.fail_with = EACCES;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), -EACCES);
        CHECK(memcmp(&r, &sentinel, sizeof r) == 0);
        CHECK_INT(s.writes, 1);

        /* EINVAL is a hard error too once no probe explains it. */
        s = sim_service(true, true);
        s.fail_with = EINVAL;
        o.mode = RECLAIM_ALL;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), -EINVAL);
}

TEST(missing_memory_reclaim_is_eopnotsupp) {
        SimMemcg s = sim_service(true, true);
        ReclaimOptions o = { .mode = RECLAIM_FILE };
        ReclaimResult r;

        s.fail_with = ENOENT;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), -EOPNOTSUPP);
}

TEST(eintr_is_retried) {
        SimMemcg s = sim_service(true, true);
        ReclaimOptions o = { .mode = RECLAIM_FILE };
        ReclaimResult r;

        s.eintr_left = 3;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK_U64(r.file_after, 0);
        CHECK(r.swappiness_arg);
        CHECK_INT(r.steps, 3 + 6);
}

TEST(eintr_forever_stays_bounded) {
        SimMemcg s = sim_service(true, true);
        ReclaimOptions o = { .mode = RECLAIM_FILE, .max_steps = 20 };
        ReclaimResult r;

        s.eintr_left = UINT32_MAX;
        s.usec_per_write = 0;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK_INT(r.steps, 20);
        CHECK_U64(r.after, r.before);
}

TEST(target_stops_early) {
        SimMemcg s = sim_service(true, true);
        ReclaimOptions o = { .mode = RECLAIM_FILE, .target_bytes = 50 * MiB };
        ReclaimResult r;

        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK_U64(r.after, 50 * MiB);
        /* 84 -> 68 -> 52 -> 50: the last request asks only for the rest. */
        CHECK_INT(r.steps, 3);
        CHECK_STR(s.last, "2097152 swappiness=0");

        /* Already below target: nothing written. */
        s = sim_service(true, true);
        o.target_bytes = 100 * MiB;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK_INT(r.steps, 0);
        CHECK_INT(s.writes, 0);
}

TEST(steps_are_bounded) {
        SimMemcg s = sim_service(true, true);
        ReclaimOptions o = { .mode = RECLAIM_FILE, .max_steps = 50, .budget_usec = UINT64_MAX };
        ReclaimResult r;

        /* A memcg that always yields and always refills would keep a naive
         * loop going for ever. */
        s.endless = true;
        s.usec_per_write = 0;
        s.other = UINT64_C(1) << 40;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK_INT(r.steps, 50);

        o.max_steps = 0;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK_INT(r.steps, RECLAIM_MAX_STEPS_DEFAULT);
}

TEST(step_size_is_honoured) {
        SimMemcg s = sim_service(true, true);
        ReclaimOptions o = { .mode = RECLAIM_ALL, .step_bytes = 4 * MiB };
        ReclaimResult r;

        s.anon = 0;
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), 0);
        CHECK_STR(s.last, "4194304");
        CHECK(!r.swappiness_arg);
        /* 73 MiB in 4 MiB steps: 18 full, one short, one empty. */
        CHECK_INT(r.steps, 20);
        CHECK_U64(r.file_after, 0);
}

TEST(bad_arguments) {
        SimMemcg s = sim_service(true, true);
        ReclaimOptions o = { .mode = 7 };
        ReclaimResult r;
        ReclaimOps no_write = sim_ops;

        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, &r), -EINVAL);
        o.mode = RECLAIM_FILE;
        CHECK_INT(reclaim_cgroup_with_ops(NULL, &s, &o, &r), -EINVAL);
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, NULL, &r), -EINVAL);
        CHECK_INT(reclaim_cgroup_with_ops(&sim_ops, &s, &o, NULL), -EINVAL);
        no_write.write_reclaim = NULL;
        CHECK_INT(reclaim_cgroup_with_ops(&no_write, &s, &o, &r), -EINVAL);
        CHECK_INT(s.writes, 0);
}

TEST(reclaim_file_bytes_saturates) {
        MemStat m = { .active_file = 10 * MiB,
                      .inactive_file = 20 * MiB,
                      .file_dirty = 3 * MiB,
                      .file_writeback = 2 * MiB,
                      .shmem = 50 * MiB };

        CHECK_U64(reclaim_file_bytes(&m), 25 * MiB);
        m.file_dirty = 40 * MiB;
        CHECK_U64(reclaim_file_bytes(&m), 0);
        CHECK_U64(reclaim_file_bytes(NULL), 0);
}

/* The real ops on a fixture tree: the "kernel" is a plain file that takes any
 * write and changes nothing, so the first step shows no progress. */

static const char *fixture_stat = "anon 10485760\n"
                                  "file 76546048\n"
                                  "shmem 0\n"
                                  "file_dirty 0\n"
                                  "file_writeback 0\n"
                                  "active_file 13631488\n"
                                  "inactive_file 62914560\n";

TEST(reclaim_cgroup_on_fixture_tree) {
        char *root = test_tmpdir();
        _cleanup_(cgroupfs_freep) CgroupFs *fs = NULL;
        _cleanup_free_ char *text = NULL, *p = NULL;
        ReclaimOptions o = { .mode = RECLAIM_FILE };
        ReclaimResult r;

        test_write(root, "system.slice/web.service/memory.current", "88080384\n");
        test_write(root, "system.slice/web.service/memory.stat", fixture_stat);
        test_write(root, "system.slice/web.service/memory.reclaim", "");
        test_cgroup_mount(root);
        CHECK_INT(cgroupfs_new(root, &fs), 0);

        CHECK_INT(reclaim_cgroup(fs, "system.slice/web.service", &o, &r), 0);
        CHECK_INT(r.steps, 1);
        CHECK(r.swappiness_arg);
        CHECK_U64(r.before, 88080384);
        CHECK_U64(r.after, 88080384);
        CHECK_U64(r.file_before, 76546048);

        p = path_join(root, "system.slice/web.service/memory.reclaim");
        CHECK(p);
        CHECK_INT(read_full_file(p, 4096, &text, NULL), 0);
        CHECK_STR(text, "16777216 swappiness=0");
}

TEST(reclaim_cgroup_on_fixture_tree_errors) {
        char *root = test_tmpdir();
        _cleanup_(cgroupfs_freep) CgroupFs *fs = NULL;
        ReclaimOptions o = { .mode = RECLAIM_FILE };
        ReclaimResult r;

        test_write(root, "old/memory.current", "4096\n");
        test_write(root, "old/memory.stat", fixture_stat);
        test_write(root, "nomem/cgroup.procs", "");
        test_cgroup_mount(root);
        CHECK_INT(cgroupfs_new(root, &fs), 0);

        /* A kernel before 5.19: no memory.reclaim. */
        CHECK_INT(reclaim_cgroup(fs, "old", &o, &r), -EOPNOTSUPP);
        /* No memory controller on the cgroup, or no such cgroup. */
        CHECK_INT(reclaim_cgroup(fs, "nomem", &o, &r), -ENOENT);
        CHECK_INT(reclaim_cgroup(fs, "gone", &o, &r), -ENOENT);
        /* Never outside the root. */
        CHECK(reclaim_cgroup(fs, "../etc", &o, &r) < 0);
}

/* What proactive steps ask before a plain request on a kernel without
 * "swappiness=": whether anon or shmem could go to swap. */
TEST(swap_at_stake_on_fixture_tree) {
        char *root = test_tmpdir();
        _cleanup_(cgroupfs_freep) CgroupFs *fs = NULL;

        test_write(root, "anon/memory.stat", fixture_stat);
        test_write(root, "capped/memory.stat", fixture_stat);
        test_write(root, "capped/memory.swap.max", "0\n");
        test_write(root, "cache/memory.stat", "anon 0\nshmem 0\nactive_file 4096\ninactive_file 4096\n");
        test_write(root, "unread/cgroup.procs", "");
        test_cgroup_mount(root);
        CHECK_INT(cgroupfs_new(root, &fs), 0);

        CHECK(reclaim_swap_at_stake(fs, "anon", false));
        CHECK(!reclaim_swap_at_stake(fs, "anon", true)); /* no swap active */
        CHECK(!reclaim_swap_at_stake(fs, "capped", false)); /* memory.swap.max 0 */
        CHECK(!reclaim_swap_at_stake(fs, "cache", false)); /* nothing swap-backed */
        CHECK(reclaim_swap_at_stake(fs, "unread", false)); /* not knowing is no licence */
        /* A fixture's memory.reclaim takes any write: the argument "is known". */
        test_write(root, "anon/memory.reclaim", "");
        CHECK_INT(reclaim_probe_swappiness_arg(fs, "anon"), 1);
        CHECK(reclaim_probe_swappiness_arg(fs, "capped") < 0);

        CHECK_INT(reclaim_mode_for_drain(DRAIN_ALL), RECLAIM_ALL);
        CHECK_INT(reclaim_mode_for_drain(DRAIN_FILE), RECLAIM_FILE);
        CHECK_INT(reclaim_mode_for_drain(DRAIN_NONE), RECLAIM_FILE);
}

TEST(swap_active_from_proc_swaps) {
        char *root = test_tmpdir();
        _cleanup_free_ char *none = path_join(root, "none"), *zram = path_join(root, "zram"),
                            *missing = path_join(root, "missing");

        CHECK(none && zram && missing);
        test_write(root, "none/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
        CHECK_INT(reclaim_swap_active(none), 0);
        test_write(root, "zram/swaps",
                   "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
                   "/dev/zram0                              partition\t524284\t\t0\t\t100\n");
        CHECK_INT(reclaim_swap_active(zram), 1);
        CHECK_INT(reclaim_swap_active(missing), -ENOENT);
}
