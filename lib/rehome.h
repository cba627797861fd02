/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "pagecharge.h"

/* The pure decisions of tmpfs re-homing (cgpersist-keeper(8)): which files
 * the keeper copies, whether a copy landed where it should, and the words of
 * the report. No file system, no state.
 *
 * Kernel facts: a shmem page is charged to the memcg of whoever first wrote
 * or faulted it, and /proc/kpagecgroup names the closest *online* memcg of a
 * page. While the stop hook runs, the dying instance is still online, so its
 * pages read as its own cgroup id; pages of instances (or keepers) already
 * gone read as the entity slice, which has no processes of its own. Both are
 * what re-homing moves; pages of the keeper's own cgroup are where they
 * belong, and pages of any other cgroup (another service that wrote into the
 * tmpfs) are not the entity's to take. */

typedef struct RehomeIds {
        uint64_t keeper; /* the keeper's own cgroup */
        uint64_t entity; /* the entity slice */
        uint64_t dying; /* the stopping instance; 0: none (keeper start) */
} RehomeIds;

/* Resident pages of a file that re-homing would move: those charged to the
 * dying instance or to the entity itself. A file with none needs no copy. */
uint64_t rehome_pages_to_move(const PageCharges *c, const RehomeIds *ids);

/* Resident pages of a finished copy that are not charged to the keeper
 * (frames that could not be seen count as elsewhere: nothing unverified
 * passes). 0 means the copy is verified. */
uint64_t rehome_pages_elsewhere(const PageCharges *c, uint64_t keeper_id);

/* Whether a file is as it was, by what fstat() tells: the same inode, link
 * count, mode, owner, size, modification and change times. The change time
 * moves with every chmod, chown, utimes, setxattr and link, none of which
 * breaks a lease. */
bool rehome_same_state(const struct stat *before, const struct stat *now);
/* The same but for the change time, for a file that was just renamed: a
 * rename (RENAME_EXCHANGE too) sets the change time of the inodes it moves,
 * so after the swap only a chmod, chown, write, truncate or utimes can still
 * be told. */
bool rehome_same_state_renamed(const struct stat *before, const struct stat *now);

typedef enum RehomeFailure {
        REHOME_OPEN, /* some process has it open or mapped */
        REHOME_HARDLINKED, /* another name points at the same inode */
        REHOME_LEASE_BROKEN, /* someone opened it while it was copied */
        REHOME_COPY_FAILED, /* errno */
        REHOME_VERIFY_FAILED, /* pages elsewhere of pages resident */
        REHOME_SCAN_FAILED, /* the charges of the file could not be read: errno */
        REHOME_CHANGED, /* its mode, owner, size or times changed while it was copied */
        REHOME_TIMEOUT, /* the pass reached its time limit during this file */
        _REHOME_FAILURE_MAX,
} RehomeFailure;

/* Short fixed keyword for CGPERSIST_REASON= ("open", "copy-failed", ...),
 * NULL for an invalid value. */
const char *rehome_failure_to_string(RehomeFailure f);

typedef struct RehomeSkip {
        const char *path;
        RehomeFailure failure;
        int error; /* positive errno for COPY_FAILED, SCAN_FAILED; 0 otherwise */
        long holder_pid; /* REHOME_OPEN: a holder found in /proc; 0: unknown */
        const char *holder_unit; /* its unit (last component of its cgroup), may be NULL */
        const char *holder_comm; /* may be NULL */
        uint64_t elsewhere, resident; /* VERIFY_FAILED */
} RehomeSkip;

/* One line for the journal: "/srv/web/data not re-homed: open by PID 42
 * (sleep, other.service)". Returns 0 and a malloc'ed string, -EINVAL or
 * -ENOMEM. Strings that come from /proc are escaped (control characters as
 * \xNN), the path as well. */
int rehome_skip_message(const RehomeSkip *s, char **ret);
