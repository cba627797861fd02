/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroupfs.h"
#include "kpagescan.h"
#include "memstat.h"

/* What dead cgroups left behind, by the live cgroup that holds it: a page
 * census (kpagescan.h) laid over the cgroup tree (see leftovers.c). */

typedef struct Leftover {
        char *path; /* relative to the cgroup root, "" for the root */
        uint64_t cgroup_id;
        /* Dying cgroups whose closest live ancestor this is: its
         * nr_dying_descendants minus those of its live children. */
        uint64_t dying;
        /* false: the cgroup has processes of its own, so the pages charged
         * to it are theirs and kinds stays zero (only dying counts). */
        bool inner;
        PageKinds kinds; /* pages charged to the cgroup itself */
} Leftover;

typedef struct Leftovers {
        uint64_t page_size;
        Leftover *v; /* sorted by path (strcmp): a parent before its children */
        size_t n;
        uint64_t cgroups; /* live cgroups walked */
        uint64_t dying_total; /* nr_dying_descendants of the root */
        PageKinds live; /* charged to cgroups with processes of their own */
        PageKinds unknown; /* charged to ids no directory has (gone since, another hierarchy) */
        uint64_t not_charged;
        uint64_t frames;
} Leftovers;

/* Walks the cgroup2 tree of fs and keeps
 * every cgroup with pages charged to it while it has no process of its own,
 * or with dying cgroups it is the closest live ancestor of. The root cgroup
 * is never inner (kernel threads are its processes). At most max_cgroups
 * directories are read (-E2BIG beyond). ret untouched on failure. */
#define LEFTOVERS_CGROUPS_MAX 100000
int leftovers_read(const CgroupFs *fs, const KpageScan *scan, Leftovers *ret);

/* How often cgpersistd scans ([daemon] leftovers_interval=). By default it
 * stops when one scan costs more than LEFTOVERS_CPU_SHARE_MAX_PPM of one CPU
 * over the interval: on a 24 GiB machine a scan takes some 0.4 s of CPU, 0.07 %
 * of a CPU every 10 minutes; on a 1 TiB machine some 17 s, 2.8 %. */
#define LEFTOVERS_INTERVAL_DEFAULT_USEC (UINT64_C(600) * 1000000)
#define LEFTOVERS_INTERVAL_MIN_USEC (UINT64_C(10) * 1000000)
#define LEFTOVERS_INTERVAL_MAX_USEC (UINT64_C(24) * 3600 * 1000000)
#define LEFTOVERS_CPU_SHARE_MAX_PPM 10000
/* Whether a scan that took cpu_usec of CPU may run every interval_usec. */
bool leftovers_scan_affordable(uint64_t cpu_usec, uint64_t interval_usec);

/* Page cache that dead cgroups below a slice still hold, from memory.stat
 * (hierarchical, dead descendants included) of the slice and of its live
 * children: clean (reclaim can drop it: active_file + inactive_file minus
 * dirty and writeback) and dirty or under writeback. Never negative: the
 * files are read one after the other. */
void leftovers_file_from_memstat(const MemStat *slice, const MemStat *live, size_t n_live,
                                 uint64_t *ret_clean, uint64_t *ret_dirty);

/* The cgroup at path, NULL if not kept (a binary search). */
const Leftover *leftovers_find(const Leftovers *l, const char *path);

void leftovers_done(Leftovers *l);
