/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"
#include "memstat.h"

/* Reading the live cgroup v2 tree through libcgroup: its mount for the
 * memory controller is the root; files are read and the tree walked with its
 * iterators, on any thread (see cgroupfs.c for what is checked around it).
 * Paths are relative to the root ("system.slice/web.service"); a leading "/"
 * is tolerated. cgpersist never writes cgroup attributes; the only write is
 * memory.reclaim (see reclaim.h). */

typedef struct CgroupFs CgroupFs;

/* Once per program, from main() before any thread: cgroup_init() fills
 * libcgroup's process-wide mount table (and silences its stderr logger).
 * Never from lib/ or a worker thread. -ENXIO if libcgroup found no cgroup
 * mount; cgroupfs_new() says more. */
int cgroupfs_library_init(void);

/* The cgroup v2 tree libcgroup found for "memory". root NULL takes it;
 * otherwise root must be that same directory (-EXDEV if not). -ENXIO when
 * libcgroup has no mount for memory (cgroupfs_library_init() not called or
 * failed), -EMEDIUMTYPE when that mount is not cgroup v2 (a hybrid host
 * keeps memory on v1). Immutable once made: threads may share it. */
int cgroupfs_new(const char *root, CgroupFs **ret);
CgroupFs *cgroupfs_free(CgroupFs *fs);
/* What an error of cgroupfs_library_init() or cgroupfs_new() means to an
 * administrator, for every program to say it the same way. */
const char *cgroupfs_strerror(int error);
DEFINE_TRIVIAL_CLEANUP_FUNC(CgroupFs *, cgroupfs_free);
const char *cgroupfs_root(const CgroupFs *fs);

/* Absolute path of a cgroup file: root/path/file (file NULL or "": the
 * cgroup directory). A leading "/", "//" and "." in cgpath are tolerated;
 * -EINVAL for a ".." component or a file that is not a plain name, so no
 * cgpath reaches outside root. */
int cgroupfs_path(const CgroupFs *fs, const char *cgpath, const char *file, char **ret);

bool cgroupfs_exists(const CgroupFs *fs, const char *cgpath);

/* The cgroup id (inode number of its directory), as /proc/kpagecgroup and
 * bpf report it. */
int cgroupfs_id(const CgroupFs *fs, const char *cgpath, uint64_t *ret);

/* A single-number file (memory.current, memory.peak, memory.max...);
 * "max" reads as UINT64_MAX. -ENOENT if missing, -EINVAL on anything but
 * digits (one trailing newline allowed), -ERANGE past UINT64_MAX. */
int cgroupfs_read_u64(const CgroupFs *fs, const char *cgpath, const char *file, uint64_t *ret);
/* The same, of text already read. */
int cgroupfs_parse_u64(const char *text, uint64_t *ret);

/* memory.stat; -EINVAL if malformed. */
int cgroupfs_read_memstat(const CgroupFs *fs, const char *cgpath, MemStat *ret);

typedef struct CgroupStat {
        uint64_t nr_descendants;
        uint64_t nr_dying_descendants;
        uint64_t nr_dying_subsys_memory; /* UINT64_MAX when the kernel lacks it */
} CgroupStat;

/* cgroup.stat; -EINVAL if malformed or lacking nr_descendants or
 * nr_dying_descendants. */
int cgroupfs_read_cgroup_stat(const CgroupFs *fs, const char *cgpath, CgroupStat *ret);
/* No dying cgroup and no dying memcg below (one the kernel does not count
 * counts as none). */
bool cgroup_stat_none_dying(const CgroupStat *st);
int cgroupfs_parse_cgroup_stat(const char *text, CgroupStat *ret);

/* Called by cgroupfs_walk() for the start and every cgroup below it,
 * parents before their children: path relative to the root ("" for the
 * root), id its cgroup id, depth 0 for the start. 0 goes on, a positive
 * value ends the walk and is returned, a negative errno ends it as a
 * failure. */
typedef int (*cgroupfs_visit_t)(const CgroupFs *fs, const char *path, uint64_t id, unsigned depth,
                                void *userdata);

/* Walks cgpath and the cgroups below it (libcgroup's cgroup_walk_tree_*()).
 * A cgroup that goes away meanwhile is skipped; -ELOOP deeper than
 * CGROUPFS_WALK_DEPTH_MAX below cgpath; -ENOENT if cgpath is missing. 0 when
 * all were visited. */
#define CGROUPFS_WALK_DEPTH_MAX 64
int cgroupfs_walk(const CgroupFs *fs, const char *cgpath, cgroupfs_visit_t visit, void *userdata);

/* The cgroup whose id is id: its path relative to the root, "" for the
 * root. -ENOENT if none has it (removed since). */
int cgroupfs_id_to_path(const CgroupFs *fs, uint64_t id, char **ret);

/* The names of the direct child cgroups, sorted by strcmp(),
 * NULL-terminated; free with strv_free(). */
int cgroupfs_children(const CgroupFs *fs, const char *cgpath, char ***ret);

/* Whether cgroup.procs of cgpath lists no process: 1 empty, 0 not. */
int cgroupfs_is_empty(const CgroupFs *fs, const char *cgpath);

/* Frees a NULL-terminated string array; NULL is fine. */
void strv_free(char **l);
