/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cgroupfs.h"

/* Cgroup files kept open and re-read with pread(), for callers that read the
 * same small files of many cgroups over and over (the daemon measures every
 * entity on each `cgctl status`): an open() of a cgroup file walks the path
 * and sets up a kernfs open file, a pread() at offset 0 only renders the
 * value again.
 *
 * No stale data: kernfs deactivates a removed cgroup's files, and a read
 * through a file opened before the removal fails (ENODEV) instead of showing
 * the old value. Any failed read closes the file and opens the path again, so
 * a cgroup that was removed reads as missing (-ENOENT) and one that was
 * created again under the same path reads the new cgroup. (Plain files of a
 * fixture tree have no such guarantee: a test that replaces one must drop the
 * cache with cgfiles_sweep().)
 *
 * At most max_open files are kept; past that, reads open and close the file
 * each time. Entries are keyed by the cgpath and file name as given. */

typedef struct CgroupFiles CgroupFiles;

int cgfiles_new(const CgroupFs *fs, size_t max_open, CgroupFiles **ret);
CgroupFiles *cgfiles_free(CgroupFiles *c);

/* As cgroupfs_read_u64() and cgroupfs_read_cgroup_stat(), through a kept file. */
int cgfiles_read_u64(CgroupFiles *c, const char *cgpath, const char *file, uint64_t *ret);
int cgfiles_read_cgroup_stat(CgroupFiles *c, const char *cgpath, CgroupStat *ret);

/* The dying cgroups below cgpath (cgroup.stat), for a caller that asks about
 * many cgroups on every call. A count of dying cgroups only grows when a
 * cgroup below is removed, and falls as the kernel frees them: a read that
 * found none below is reused until a removal below is seen (cgfiles_watch())
 * or, where the tree is not watched, until max_age_usec after it (now_usec
 * and the time of the read on one monotonic clock); and until
 * cgfiles_expire() on cgpath, which the caller calls when it learns of a
 * removal below (an instance that stopped). A read that found some is reused
 * only with settled (see cgfiles_dying_settled()). A reused value has
 * nr_descendants UINT64_MAX (not known); a fresh one is the whole
 * cgroup.stat. */
int cgfiles_read_dying(CgroupFiles *c, const char *cgpath, uint64_t now_usec, uint64_t max_age_usec,
                       bool settled, CgroupStat *ret);

/* Counts above zero fall as the kernel frees dying cgroups, which nothing
 * announces; but a count of dying cgroups below a parent changes only when
 * a cgroup below it is removed or a dying one is freed. With the parent's
 * tree watched: when no cgroup was removed below parent since the last call
 * and its own counts are as then, no dying cgroup below it was freed either,
 * and *ret_settled is true: cgfiles_read_dying() with settled reuses any
 * count read since that call for a watched cgroup with no removal below.
 * Otherwise *ret_settled is false and counts read before are old. *ret: the
 * parent's cgroup.stat, read now. */
int cgfiles_dying_settled(CgroupFiles *c, const char *parent, CgroupStat *ret, bool *ret_settled);
void cgfiles_expire(CgroupFiles *c, const char *cgpath);

/* Watch the trees of the cgroups cgfiles_read_dying() and
 * cgfiles_dying_settled() read (lib/cgwatch.c), at most max_watches
 * directories: a cgroup removed below one expires its value, so a value of
 * none is reused for as long as nothing is removed below, whatever its age;
 * a tree that cannot be watched, or only in part (it holds the cgroup of a
 * Delegate=yes unit with cgroups of its own: cgwatch_complete()), keeps the
 * age limit, and its parent's counts never settle. Returns the descriptor to poll, for cgfiles_process_watch(),
 * or a negative errno. cgfiles_pass_begin() also processes what is queued,
 * so a pass never reuses a value that a removal already made old. */
int cgfiles_watch(CgroupFiles *c, size_t max_watches);
int cgfiles_process_watch(CgroupFiles *c);
size_t cgfiles_n_watched(const CgroupFiles *c);

/* A pass over everything the caller still cares about: files not read since
 * cgfiles_pass_begin() are closed by cgfiles_sweep(), so the files of
 * stopped instances and retired entities do not stay open (nor their trees
 * watched). */
void cgfiles_pass_begin(CgroupFiles *c);
void cgfiles_sweep(CgroupFiles *c);

/* Files open now. */
size_t cgfiles_n_open(const CgroupFiles *c);
