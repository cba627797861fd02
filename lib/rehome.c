/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>

#include "macro.h"
#include "path.h"
#include "rehome.h"

uint64_t rehome_pages_to_move(const PageCharges *c, const RehomeIds *ids) {
        uint64_t n = 0;

        if (!c || !ids)
                return 0;
        for (size_t i = 0; i < c->n_by_cgroup; i++) {
                uint64_t id = c->by_cgroup[i].cgroup_id;

                /* 0 is "not charged": never a reason to copy. The keeper's
                 * own id can equal neither, but be explicit about it. */
                if (id == 0 || id == ids->keeper)
                        continue;
                if (id == ids->entity || (ids->dying != 0 && id == ids->dying))
                        n += c->by_cgroup[i].pages;
        }
        return n;
}

uint64_t rehome_pages_elsewhere(const PageCharges *c, uint64_t keeper_id) {
        uint64_t mine;

        if (!c)
                return 0;
        mine = pagecharges_pages_of(c, keeper_id);
        return c->resident > mine ? c->resident - mine : 0;
}

bool rehome_same_state_renamed(const struct stat *a, const struct stat *b) {
        if (!a || !b)
                return false;
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_nlink == b->st_nlink &&
                a->st_mode == b->st_mode && a->st_uid == b->st_uid && a->st_gid == b->st_gid &&
                a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
                a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

bool rehome_same_state(const struct stat *a, const struct stat *b) {
        return rehome_same_state_renamed(a, b) && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
                a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static const char *const failure_names[_REHOME_FAILURE_MAX] = {
        [REHOME_OPEN] = "open",
        [REHOME_HARDLINKED] = "hardlinked",
        [REHOME_LEASE_BROKEN] = "lease-broken",
        [REHOME_COPY_FAILED] = "copy-failed",
        [REHOME_VERIFY_FAILED] = "verify-failed",
        [REHOME_SCAN_FAILED] = "scan-failed",
        [REHOME_CHANGED] = "changed",
        [REHOME_TIMEOUT] = "timeout",
};

const char *rehome_failure_to_string(RehomeFailure f) {
        if ((unsigned) f >= _REHOME_FAILURE_MAX)
                return NULL;
        return failure_names[f];
}

int rehome_skip_message(const RehomeSkip *s, char **ret) {
        _cleanup_free_ char *path = NULL, *unit = NULL, *comm = NULL, *why = NULL;
        int r;

        if (!s || !s->path || !ret || !rehome_failure_to_string(s->failure))
                return -EINVAL;

        path = string_escape_control(s->path);
        if (!path)
                return -ENOMEM;

        switch (s->failure) {
        case REHOME_OPEN:
                if (s->holder_pid <= 0) {
                        why = strdup("open or mapped by another process");
                        break;
                }
                if (s->holder_unit && !(unit = string_escape_control(s->holder_unit)))
                        return -ENOMEM;
                if (s->holder_comm && !(comm = string_escape_control(s->holder_comm)))
                        return -ENOMEM;
                r = asprintf(&why, "open by PID %ld%s%s%s%s%s", s->holder_pid, comm || unit ? " (" : "",
                             strempty(comm), comm && unit ? ", " : "", strempty(unit),
                             comm || unit ? ")" : "");
                if (r < 0)
                        why = NULL;
                break;
        case REHOME_HARDLINKED:
                why = strdup("it has other hard links, which a rename would leave on the old copy");
                break;
        case REHOME_LEASE_BROKEN:
                why = strdup("opened by another process while it was copied");
                break;
        case REHOME_CHANGED:
                why = strdup("its mode, owner, size or times changed while it was copied");
                break;
        case REHOME_TIMEOUT:
                why = strdup("the pass reached its time limit while copying it");
                break;
        case REHOME_COPY_FAILED:
                r = asprintf(&why, "copy failed: %s", strerror(s->error));
                if (r < 0)
                        why = NULL;
                break;
        case REHOME_SCAN_FAILED:
                r = asprintf(&why, "its page charges could not be read: %s", strerror(s->error));
                if (r < 0)
                        why = NULL;
                break;
        case REHOME_VERIFY_FAILED:
                r = asprintf(&why,
                             "verify failed: %" PRIu64 " of %" PRIu64 " pages of the copy charged elsewhere",
                             s->elsewhere, s->resident);
                if (r < 0)
                        why = NULL;
                break;
        default:
                return -EINVAL;
        }
        if (!why)
                return -ENOMEM;

        if (asprintf(ret, "%s not re-homed: %s.", path, why) < 0)
                return -ENOMEM;
        return 0;
}
