/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading and saving the state (lib/state.c's file in /var/lib/cgpersist).
 *
 * A save that fails (a full or read-only /var/lib) loses nothing: the state
 * is written to /run/cgpersist/unsaved/state instead (a tmpfs, kept across
 * daemon restarts by RuntimeDirectoryPreserve=), the save is tried again
 * at every change and on a timer that backs off from 1 s to 60 s, and once
 * it succeeds the copy in /run is removed. Every attempt raises the state's
 * generation, written in both copies: at start-up the daemon takes the one
 * with the higher generation, so a copy in /run left by a restart between a
 * good save and its removal is never taken over the newer one. A reboot
 * loses /run: what a full /var/lib held back until then is lost with it. */
#include <inttypes.h>
#include <malloc.h>
#include <time.h>

#include "log.h"
#include "manager.h"
#include "timeutil.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(State *, state_free);

#define SAVE_RETRY_FIRST_USEC (1 * USEC_PER_SEC)
#define SAVE_RETRY_MAX_USEC (60 * USEC_PER_SEC)

/* 1 s after the first failure, doubling up to 60 s. */
static uint64_t save_retry_delay(uint64_t failures) {
        unsigned shift = (unsigned) MIN(failures > 0 ? failures - 1 : 0, (uint64_t) 6);

        return MIN(SAVE_RETRY_FIRST_USEC << shift, SAVE_RETRY_MAX_USEC);
}

static int on_save_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        if (m->state_dirty)
                manager_save_state(m);
        return 0;
}

static void arm_save_retry(Manager *m) {
        uint64_t when = now_usec(CLOCK_MONOTONIC) + save_retry_delay(m->save_failures);
        int r;

        /* The last save, on the way out: no loop is left to retry. */
        if (sd_event_get_state(m->event) == SD_EVENT_FINISHED)
                return;

        if (m->save_retry) {
                r = sd_event_source_set_time(m->save_retry, when);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->save_retry, SD_EVENT_ONESHOT);
        } else {
                r = sd_event_add_time(m->event, &m->save_retry, CLOCK_MONOTONIC, when, USEC_PER_SEC / 10,
                                      on_save_retry, m);
                if (r >= 0)
                        (void) sd_event_source_set_description(m->save_retry, "save-retry");
        }
        if (r < 0)
                log_warning_errno(r,
                                  "Failed to schedule the next attempt to save the state, it is tried "
                                  "at the next change: %m");
}

static void save_failed(Manager *m, int error, int kept_error) {
        bool news = m->save_failures == 0 || error != m->save_error || kept_error != m->save_kept_error;
        char kept[256];

        if (m->save_failures == 0)
                m->save_failed_since = now_usec(CLOCK_REALTIME);
        m->save_failures++;
        m->save_error = error;
        m->save_kept_error = kept_error;
        arm_save_retry(m);

        /* Once, and again when the reason changes: a retry every minute for
         * a day is not worth a line each. cgctl status counts them. */
        if (!news) {
                log_debug_errno(error, "Saving the state failed again (attempt %" PRIu64 "): %m",
                                m->save_failures);
                return;
        }
        if (kept_error == 0)
                snprintf(kept, sizeof kept, "kept in %s until a save succeeds", m->unsaved_dir);
        else
                snprintf(kept, sizeof kept,
                         "and keeping it in %s failed too (%s): what changed since the last good save is "
                         "lost if the daemon stops",
                         m->unsaved_dir, strerror(-kept_error));
        log_struct(
                LOG_ERR, "MESSAGE_ID=" MESSAGE_ID_STATE_SAVE_FAILED, "CGPERSIST_PATH=%s", m->state_dir,
                "CGPERSIST_ERRNO=%i", -error, "CGPERSIST_ATTEMPTS=%" PRIu64, m->save_failures,
                "MESSAGE=Failed to save the state to %s: %s; %s. Retrying at every change and every %" PRIu64
                " s at most.",
                m->state_dir, strerror(-error), kept, SAVE_RETRY_MAX_USEC / USEC_PER_SEC, NULL);
}

static void save_succeeded(Manager *m) {
        int r;

        r = state_discard(m->unsaved_dir);
        if (r < 0)
                /* Harmless: its generation is lower than the saved one's. */
                log_warning_errno(r, "Failed to remove the unsaved copy of the state in %s, ignoring: %m",
                                  m->unsaved_dir);
        if (m->save_failures > 0)
                log_struct(LOG_NOTICE, "MESSAGE_ID=" MESSAGE_ID_STATE_SAVED, "CGPERSIST_PATH=%s",
                           m->state_dir, "CGPERSIST_ATTEMPTS=%" PRIu64, m->save_failures,
                           "MESSAGE=State saved to %s again, after %" PRIu64
                           " failed attempt%s over %" PRIu64 " s.",
                           m->state_dir, m->save_failures, m->save_failures == 1 ? "" : "s",
                           (now_usec(CLOCK_REALTIME) - m->save_failed_since) / USEC_PER_SEC, NULL);
        m->save_failures = 0;
        m->save_failed_since = 0;
        m->save_error = 0;
        m->save_kept_error = 0;
        m->save_retry = sd_event_source_disable_unref(m->save_retry);
        m->state_dirty = false;
}

void manager_save_state(Manager *m) {
        int r;

        if (!m->state)
                return;
        /* Without a configuration, nothing says how many to keep: keep
         * what there is (STATE_HISTORY_MAX still bounds it). */
        if (m->config)
                (void) state_trim_history(m->state, m->config->daemon.history_max);
        m->state->generation++;
        r = state_save(m->state, m->state_dir);
        if (r >= 0)
                save_succeeded(m);
        else
                save_failed(m, r, MIN(state_save(m->state, m->unsaved_dir), 0));
        /* Every change of state is a change of the metrics. */
        manager_update_metrics(m);
}

static int on_save(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        m->save_defer = sd_event_source_unref(m->save_defer);
        log_debug("Saving state.");
        if (m->state_dirty)
                manager_save_state(m);
        /* Idle priority: a burst (signals of a thousand units) is over. Give
         * the heap it grew back, or RSS stays at the burst's peak. */
        (void) malloc_trim(0);
        return 0;
}

/* A burst of changes (a reconcile picking up a thousand instances, a storm
 * of stops) is written once, at the end of the loop iteration: the record is
 * on disk within the same wake-up, without one fsync per change. */
void manager_queue_save(Manager *m) {
        int r;

        m->state_dirty = true;
        if (m->save_defer)
                return;
        r = sd_event_add_defer(m->event, &m->save_defer, on_save, m);
        if (r < 0) {
                manager_save_state(m);
                return;
        }
        (void) sd_event_source_set_priority(m->save_defer, SD_EVENT_PRIORITY_IDLE);
        (void) sd_event_source_set_description(m->save_defer, "save-state");
}

int manager_load_state(Manager *m) {
        _cleanup_(state_freep) State *kept = NULL;
        unsigned line = 0;
        int r;

        r = state_load(m->state_dir, &m->state, &line);
        if (r == 1) {
                log_struct(LOG_ERR, "MESSAGE_ID=" MESSAGE_ID_STATE_CORRUPT,
                           "MESSAGE=State file %s/state is corrupt (line %u); set aside as state.corrupt-*, "
                           "its copy state.copy taken instead (generation %" PRIu64 ").",
                           m->state_dir, line, m->state ? m->state->generation : 0, NULL);
                /* Written whole again as soon as the loop runs. */
                manager_queue_save(m);
        } else if (r == -EBADMSG)
                log_struct(LOG_ERR, "MESSAGE_ID=" MESSAGE_ID_STATE_CORRUPT,
                           "MESSAGE=State file %s/state is corrupt (line %u); set aside as state.corrupt-*, "
                           "starting from what systemd shows.",
                           m->state_dir, line, NULL);
        else if (r == -EPROTONOSUPPORT)
                return log_error_errno(
                        r, "State in %s was written by a newer cgpersist; refusing to touch it: %m",
                        m->state_dir);
        else if (r < 0)
                return log_error_errno(r, "Failed to load state from %s: %m", m->state_dir);
        if (!m->state)
                return -ENOMEM;

        /* What failed to be saved before the last stop of the daemon. */
        r = state_load(m->unsaved_dir, &kept, &line);
        if (r == 1)
                log_struct(LOG_ERR, "MESSAGE_ID=" MESSAGE_ID_STATE_CORRUPT,
                           "MESSAGE=State file %s/state is corrupt (line %u); set aside as state.corrupt-*, "
                           "its copy state.copy taken instead.",
                           m->unsaved_dir, line, NULL);
        else if (r == -EBADMSG)
                log_struct(LOG_ERR, "MESSAGE_ID=" MESSAGE_ID_STATE_CORRUPT,
                           "MESSAGE=State file %s/state is corrupt (line %u); set aside as state.corrupt-*.",
                           m->unsaved_dir, line, NULL);
        else if (r < 0) {
                log_warning_errno(r, "Failed to read the unsaved state in %s, ignoring: %m", m->unsaved_dir);
                return 0;
        }
        if (!kept)
                return -ENOMEM;

        if (kept->generation > m->state->generation) {
                log_struct(LOG_WARNING, "MESSAGE_ID=" MESSAGE_ID_STATE_RECOVERED, "CGPERSIST_PATH=%s",
                           m->unsaved_dir,
                           "MESSAGE=Took the state from %s (generation %" PRIu64 ", %s has %" PRIu64
                           "): the last saves failed before the daemon stopped. Saving it now.",
                           m->unsaved_dir, kept->generation, m->state_dir, m->state->generation, NULL);
                state_free(m->state);
                m->state = TAKE_PTR(kept);
                /* On disk as soon as the loop runs, or retried from there. */
                manager_queue_save(m);
        } else if (kept->generation > 0) {
                log_debug("Removing the unsaved state in %s: %s is newer.", m->unsaved_dir, m->state_dir);
                (void) state_discard(m->unsaved_dir);
        }
        return 0;
}
