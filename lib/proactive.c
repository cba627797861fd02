/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The decisions of proactive reclaim; see proactive.h. Pure: no I/O, no
 * clock, so that every back-off path is unit-tested. */

#include <errno.h>

#include "macro.h"
#include "proactive.h"
#include "reclaim.h"

#define MiB (UINT64_C(1) << 20)

void proactive_params_default(ProactiveParams *ret) {
        *ret = (ProactiveParams){
                .floor_bytes = 8 * MiB,
                .step_shift = 3,
                .step_min_bytes = 1 * MiB,
                .step_max_bytes = 64 * MiB,
                .page_bytes = 4096,
                .pressure_ppm = 1000,
                .avg10_centi = 10,
                .backoff_max = 6,
        };
}

static const char *const verdict_table[_PROACTIVE_VERDICT_MAX] = {
        [PROACTIVE_STEP] = "step",         [PROACTIVE_FLOOR] = "floor",     [PROACTIVE_NOTHING] = "nothing",
        [PROACTIVE_PRESSURE] = "pressure", [PROACTIVE_WAITING] = "waiting",
};

const char *proactive_verdict_to_string(ProactiveVerdict v) {
        return v >= 0 && v < _PROACTIVE_VERDICT_MAX ? verdict_table[v] : NULL;
}

static const char *const reason_table[_PROACTIVE_BACKOFF_REASON_MAX] = {
        [PROACTIVE_BACKOFF_NONE] = "none",
        [PROACTIVE_BACKOFF_PRESSURE] = "pressure",
        [PROACTIVE_BACKOFF_NO_PROGRESS] = "no-progress",
        [PROACTIVE_BACKOFF_SWAP] = "swap",
};

const char *proactive_backoff_reason_to_string(ProactiveBackoffReason r) {
        return r >= 0 && r < _PROACTIVE_BACKOFF_REASON_MAX ? reason_table[r] : NULL;
}

static uint64_t sub_sat(uint64_t a, uint64_t b) {
        return a > b ? a - b : 0;
}

/* One more doubling: sit out 2^level - 1 intervals from now. Returns true if
 * this began a back-off. */
static bool back_off(const ProactiveParams *p, ProactiveState *s, uint64_t now, ProactiveBackoffReason why) {
        bool started = s->level == 0;

        if (s->level < MIN(p->backoff_max, 31U))
                s->level++;
        s->skip = (1U << s->level) - 1;
        s->reason = why;
        if (started)
                s->backoff_usec = now;
        return started;
}

/* A quiet interval that needed no step, or a step that reclaimed something
 * without pressure: one doubling less. Returns true if that ended the
 * back-off. Only these calm down: a wait that merely ran out does not, so
 * that a lasting cause (all page cache in use, swap) keeps its long waits
 * instead of flapping between backing off and resuming. */
static bool calm_down(ProactiveState *s) {
        if (s->level == 0)
                return false;
        s->level--;
        s->skip = 0;
        return s->level == 0;
}

/* Stall time per wall time since the last look, in parts per million. */
static uint64_t stall_ppm(uint64_t stall, uint64_t wall) {
        if (wall == 0)
                return 0;
        if (stall >= wall)
                return 1000000;
        /* stall < wall: stall * 1e6 overflows only past 584 000 years. */
        return stall * 1000000 / wall;
}

int proactive_decide(const ProactiveParams *p, ProactiveState *s, const ProactiveInput *in,
                     ProactiveDecision *ret) {
        ProactiveDecision d = {};
        bool pressure = false;
        uint64_t room, want, page;

        if (!p || !s || !in || !ret)
                return -EINVAL;

        d.leftovers = sub_sat(in->entity_current, in->instances_current);

        /* Pressure first, every interval, so that the reference point moves
         * on even while sitting out a back-off. */
        if (in->psi_known) {
                if (s->psi_known && in->now_usec > s->psi_usec) {
                        s->pressure_ppm = stall_ppm(sub_sat(in->psi_some_total, s->psi_total),
                                                    in->now_usec - s->psi_usec);
                        pressure = s->pressure_ppm > p->pressure_ppm;
                }
                pressure = pressure || in->psi_some_avg10 > p->avg10_centi;
                s->psi_known = true;
                s->psi_total = in->psi_some_total;
                s->psi_usec = in->now_usec;
        }

        if (pressure) {
                d.backoff_started = back_off(p, s, in->now_usec, PROACTIVE_BACKOFF_PRESSURE);
                d.verdict = PROACTIVE_PRESSURE;
                goto done;
        }
        if (s->skip > 0) {
                s->skip--;
                d.verdict = PROACTIVE_WAITING;
                goto done;
        }
        if (d.leftovers <= p->floor_bytes) {
                d.verdict = PROACTIVE_FLOOR;
                d.backoff_ended = calm_down(s);
                goto done;
        }

        room = d.leftovers - p->floor_bytes;
        want = (room >> MIN(p->step_shift, 63U)) >> MIN(s->level, 63U);
        want = MAX(want, p->step_min_bytes);
        if (p->step_max_bytes > 0)
                want = MIN(want, p->step_max_bytes);
        want = MIN(want, room);
        /* Only page cache is asked for (the swap rule); the kernel's figures
         * for it are per entity, live instances included, so this is an upper
         * bound, not a promise. */
        want = MIN(want, reclaim_file_bytes(&in->stat));
        page = p->page_bytes ?: 4096;
        want -= want % page;
        if (want == 0) {
                d.verdict = PROACTIVE_NOTHING;
                d.backoff_ended = calm_down(s);
                goto done;
        }
        d.verdict = PROACTIVE_STEP;
        d.request = want;
done:
        *ret = d;
        return 0;
}

void proactive_record(const ProactiveParams *p, ProactiveState *s, uint64_t now_usec, uint64_t requested,
                      uint64_t reclaimed, bool *ret_backoff_started, bool *ret_backoff_ended) {
        bool started = false, ended = false;

        s->steps++;
        s->last_request = requested;
        s->last_reclaimed = reclaimed;
        s->reclaimed = s->reclaimed > UINT64_MAX - reclaimed ? UINT64_MAX : s->reclaimed + reclaimed;
        if (requested > 0 && reclaimed == 0)
                started = back_off(p, s, now_usec, PROACTIVE_BACKOFF_NO_PROGRESS);
        else
                ended = calm_down(s);
        if (ret_backoff_started)
                *ret_backoff_started = started;
        if (ret_backoff_ended)
                *ret_backoff_ended = ended;
}

void proactive_held_back(const ProactiveParams *p, ProactiveState *s, uint64_t now_usec,
                         bool *ret_backoff_started) {
        bool started = back_off(p, s, now_usec, PROACTIVE_BACKOFF_SWAP);

        if (ret_backoff_started)
                *ret_backoff_started = started;
}
