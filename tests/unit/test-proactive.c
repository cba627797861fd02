/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* proactive_decide() and proactive_record(): step sizes, the floor, and the
 * exponential back-off on PSI pressure and on steps that bring nothing. */

#include <errno.h>

#include "proactive.h"
#include "tests.h"

#define MiB (UINT64_C(1) << 20)
#define SEC (UINT64_C(1000000))

static ProactiveParams params(void) {
        ProactiveParams p;
        proactive_params_default(&p);
        return p;
}

/* An entity with leftovers bytes of clean inactive page cache above a live
 * instance of live bytes (anon). */
static ProactiveInput input(uint64_t now, uint64_t leftovers, uint64_t live) {
        return (ProactiveInput){
                .now_usec = now,
                .entity_current = leftovers + live,
                .instances_current = live,
                .stat = { .inactive_file = leftovers, .file = leftovers, .anon = live },
                .psi_known = true,
        };
}

TEST(defaults) {
        ProactiveParams p = params();

        CHECK_U64(p.floor_bytes, 8 * MiB);
        CHECK_INT(p.step_shift, 3);
        CHECK_U64(p.pressure_ppm, 1000);
        CHECK_STR(proactive_verdict_to_string(PROACTIVE_WAITING), "waiting");
        CHECK_STR(proactive_backoff_reason_to_string(PROACTIVE_BACKOFF_NO_PROGRESS), "no-progress");
        CHECK(proactive_verdict_to_string(_PROACTIVE_VERDICT_MAX) == NULL);
}

TEST(floor_asks_nothing) {
        ProactiveParams p = params();
        ProactiveState s = {};
        ProactiveInput in = input(SEC, 8 * MiB, 100 * MiB);
        ProactiveDecision d;

        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_FLOOR);
        CHECK_U64(d.request, 0);
        CHECK_U64(d.leftovers, 8 * MiB);

        /* Instances measured above the entity (read at other times): no
         * leftovers, never a negative one. */
        in = input(2 * SEC, 0, 10 * MiB);
        in.instances_current = 20 * MiB;
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_FLOOR);
        CHECK_U64(d.leftovers, 0);
}

TEST(step_is_a_fraction_of_leftovers_above_floor) {
        ProactiveParams p = params();
        ProactiveState s = {};
        ProactiveInput in = input(SEC, 72 * MiB, 30 * MiB);
        ProactiveDecision d;

        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_STEP);
        CHECK_U64(d.request, 8 * MiB); /* (72 - 8) / 8 */

        /* Large leftovers: capped at step_max. */
        in = input(2 * SEC, 4096 * MiB, 0);
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_U64(d.request, 64 * MiB);

        /* Just above the floor: step_min, but never past the floor. */
        in = input(3 * SEC, 8 * MiB + 3 * 4096, 0);
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_STEP);
        CHECK_U64(d.request, 3 * 4096);

        /* Whole pages only. */
        in = input(4 * SEC, 8 * MiB + 4096 + 100, 0);
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_U64(d.request, 4096);
        in = input(5 * SEC, 8 * MiB + 100, 0);
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_NOTHING);
}

TEST(only_page_cache_is_asked_for) {
        ProactiveParams p = params();
        ProactiveState s = {};
        ProactiveInput in = input(SEC, 72 * MiB, 0);
        ProactiveDecision d;

        /* Leftovers that are shmem and anon: nothing to ask for, swap or not. */
        in.stat = (MemStat){ .shmem = 40 * MiB, .anon = 30 * MiB, .inactive_file = 2 * MiB };
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_STEP);
        CHECK_U64(d.request, 2 * MiB);

        /* Dirty and writeback pages are not cheap to drop. */
        in.stat = (MemStat){ .inactive_file = 4 * MiB, .file_dirty = 3 * MiB, .file_writeback = MiB };
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_NOTHING);
        CHECK_U64(d.request, 0);
}

TEST(pressure_backs_off_exponentially) {
        ProactiveParams p = params();
        ProactiveState s = {};
        ProactiveInput in;
        ProactiveDecision d;
        uint64_t t = 10 * SEC, stall = 0;
        unsigned waited;

        /* The first look only sets the reference. */
        in = input(t, 72 * MiB, 0);
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_STEP);

        /* 0.05 % stall: below the threshold. */
        t += 10 * SEC;
        stall += 5000;
        in = input(t, 72 * MiB, 0);
        in.psi_some_total = stall;
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_STEP);
        CHECK_U64(s.pressure_ppm, 500);

        /* Three pressured intervals in a row: 1, 3, then 7 intervals to sit
         * out; only the first is a start. */
        for (unsigned i = 1; i <= 3; i++) {
                t += 10 * SEC;
                stall += 50000; /* 0.5 % */
                in = input(t, 72 * MiB, 0);
                in.psi_some_total = stall;
                CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
                CHECK_INT(d.verdict, PROACTIVE_PRESSURE);
                CHECK_U64(d.request, 0);
                CHECK_INT(d.backoff_started, i == 1);
                CHECK_INT(s.level, i);
                CHECK_INT(s.skip, (1U << i) - 1);
                CHECK_INT(s.reason, PROACTIVE_BACKOFF_PRESSURE);
                CHECK_U64(s.backoff_usec, 30 * SEC);
        }

        /* Quiet now: sit out the 7 intervals, then steps at an eighth of the
         * size (level 3); each that reclaims takes a doubling off. */
        for (waited = 0;; waited++) {
                t += 10 * SEC;
                in = input(t, 72 * MiB, 0);
                in.psi_some_total = stall;
                CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
                if (d.verdict != PROACTIVE_WAITING)
                        break;
                CHECK(waited < 100);
        }
        CHECK_INT(waited, 7);
        for (unsigned level = 3; level > 0; level--) {
                bool started, ended;

                CHECK_INT(d.verdict, PROACTIVE_STEP);
                CHECK_INT(s.level, level);
                CHECK(!d.backoff_ended);
                CHECK_U64(d.request, (8 * MiB) >> level);
                proactive_record(&p, &s, t, d.request, d.request, &started, &ended);
                CHECK(!started);
                CHECK_INT(ended, level == 1);
                t += 10 * SEC;
                in = input(t, 72 * MiB, 0);
                in.psi_some_total = stall;
                CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        }
        CHECK_INT(s.level, 0);
        CHECK_INT(d.verdict, PROACTIVE_STEP);
        CHECK_U64(d.request, 8 * MiB);
}

TEST(quiet_floor_ends_backoff) {
        ProactiveParams p = params();
        ProactiveState s = {};
        ProactiveInput in = input(SEC, 72 * MiB, 0);
        ProactiveDecision d;

        in.psi_some_avg10 = 50;
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_PRESSURE);
        in = input(2 * SEC, 72 * MiB, 0);
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_WAITING);
        /* Meanwhile the leftovers went away: nothing to do ends it. */
        in = input(3 * SEC, 4 * MiB, 0);
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_FLOOR);
        CHECK(d.backoff_ended);
        CHECK_INT(s.level, 0);
}

TEST(pressure_while_waiting_doubles_again) {
        ProactiveParams p = params();
        ProactiveState s = {};
        ProactiveInput in = input(SEC, 72 * MiB, 0);
        ProactiveDecision d;

        in.psi_some_avg10 = 11; /* 0.11 %: above avg10_centi */
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_PRESSURE);
        CHECK(d.backoff_started);
        CHECK_INT(s.skip, 1);
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_PRESSURE);
        CHECK(!d.backoff_started);
        CHECK_INT(s.level, 2);
        CHECK_INT(s.skip, 3);

        /* The back-off never grows past 2^backoff_max intervals. */
        for (unsigned i = 0; i < 100; i++)
                CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(s.level, p.backoff_max);
        CHECK_INT(s.skip, (1U << p.backoff_max) - 1);

        /* avg10 at the threshold is not above it. */
        in.psi_some_avg10 = 10;
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_WAITING);
}

TEST(pressure_counts_even_at_the_floor) {
        ProactiveParams p = params();
        ProactiveState s = {};
        ProactiveInput in = input(SEC, MiB, 0);
        ProactiveDecision d;

        in.psi_some_total = 0;
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_FLOOR);
        in = input(2 * SEC, MiB, 0);
        in.psi_some_total = 500000; /* half of the second stalled */
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_PRESSURE);
        CHECK_U64(s.pressure_ppm, 500000);

        /* Stall counters that go backwards (a new cgroup): no pressure. */
        s = (ProactiveState){};
        in = input(SEC, 72 * MiB, 0);
        in.psi_some_total = 900000;
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        in = input(2 * SEC, 72 * MiB, 0);
        in.psi_some_total = 10;
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_STEP);
        CHECK_U64(s.pressure_ppm, 0);
}

TEST(unknown_psi_is_no_pressure) {
        ProactiveParams p = params();
        ProactiveState s = {};
        ProactiveInput in = input(SEC, 72 * MiB, 0);
        ProactiveDecision d;

        in.psi_known = false;
        in.psi_some_avg10 = 9999;
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_STEP);
        CHECK(!s.psi_known);
        CHECK_INT(proactive_decide(NULL, &s, &in, &d), -EINVAL);
}

TEST(no_progress_backs_off) {
        ProactiveParams p = params();
        ProactiveState s = {};
        ProactiveInput in = input(SEC, 72 * MiB, 0);
        ProactiveDecision d;
        bool started;

        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        proactive_record(&p, &s, SEC, d.request, 3 * MiB, &started, NULL);
        CHECK(!started);
        CHECK_U64(s.reclaimed, 3 * MiB);
        CHECK_U64(s.last_request, 8 * MiB);
        CHECK_U64(s.last_reclaimed, 3 * MiB);
        CHECK_INT(s.level, 0);

        proactive_record(&p, &s, 2 * SEC, 8 * MiB, 0, &started, NULL);
        CHECK(started);
        CHECK_INT(s.level, 1);
        CHECK_INT(s.reason, PROACTIVE_BACKOFF_NO_PROGRESS);
        CHECK_U64(s.backoff_usec, 2 * SEC);
        CHECK_U64(s.steps, 2);
        CHECK_U64(s.reclaimed, 3 * MiB);

        in = input(3 * SEC, 72 * MiB, 0);
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_WAITING);
}

TEST(held_back_for_swap) {
        ProactiveParams p = params();
        ProactiveState s = {};
        ProactiveInput in = input(SEC, 72 * MiB, 16 * MiB);
        ProactiveDecision d;
        bool started;

        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_STEP);
        proactive_held_back(&p, &s, SEC, &started);
        CHECK(started);
        CHECK_INT(s.reason, PROACTIVE_BACKOFF_SWAP);
        CHECK_STR(proactive_backoff_reason_to_string(s.reason), "swap");
        CHECK_U64(s.steps, 0);
        CHECK_INT(s.level, 1);
        CHECK_INT(s.skip, 1);

        /* Still held back next time: the wait doubles, one start only. */
        in = input(2 * SEC, 72 * MiB, 16 * MiB);
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_WAITING);
        in = input(3 * SEC, 72 * MiB, 16 * MiB);
        CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
        CHECK_INT(d.verdict, PROACTIVE_STEP);
        proactive_held_back(&p, &s, 3 * SEC, &started);
        /* A lasting cause: the waits grow, no end and no new start. */
        CHECK(!started);
        CHECK_INT(s.level, 2);
        CHECK_INT(s.skip, 3);
        CHECK_U64(s.backoff_usec, SEC);
}

/* A simulated entity: leftovers are reclaimed as asked; the live instance's
 * working set is anon and never asked for. Converges to the floor without
 * ever asking below it. */
TEST(converges_to_floor) {
        ProactiveParams p = params();
        ProactiveState s = {};
        uint64_t leftovers = 72 * MiB, live = 16 * MiB, t = 0;
        unsigned i;

        for (i = 0; i < 100 && leftovers > p.floor_bytes; i++) {
                ProactiveInput in = input(t += 5 * SEC, leftovers, live);
                ProactiveDecision d;

                CHECK_INT(proactive_decide(&p, &s, &in, &d), 0);
                if (d.verdict != PROACTIVE_STEP)
                        break;
                CHECK(d.request <= leftovers - p.floor_bytes);
                leftovers -= d.request;
                proactive_record(&p, &s, t, d.request, d.request, NULL, NULL);
        }
        CHECK_U64(leftovers, p.floor_bytes);
        CHECK(i < 80);
        CHECK_U64(s.reclaimed, 64 * MiB);
        CHECK_INT(s.level, 0);
}
