/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "memstat.h"

/* Reading the live cgroup v2 tree. libcgroup finds the v2 mount; every file
 * is read by one plain reader, on the real tree and on a fixture tree (unit
 * tests) alike, on any thread (see cgroupfs.c for why).
 * Paths are relative to the root ("system.slice/web.service"); a leading "/"
 * is tolerated. cgpersist never writes cgroup attributes; the only write is
 * memory.reclaim (see reclaim.h). */

typedef struct CgroupFs CgroupFs;

/* Once per program, from main() before any thread: cgroup_init() fills
 * libcgroup's process-wide mount table (and silences its stderr logger).
 * Never from lib/ or a worker thread. -ENXIO if libcgroup found no usable
 * mount; then cgroupfs_uses_libcgroup() is false and reads work the same. */
int cgroupfs_library_init(void);

/* root: "/sys/fs/cgroup" or a fixture directory. use_libcgroup: true checks
 * that root is the v2 mount libcgroup found (needs cgroupfs_library_init()). */
int cgroupfs_new(const char *root, bool use_libcgroup, CgroupFs **ret);
CgroupFs *cgroupfs_free(CgroupFs *fs);
const char *cgroupfs_root(const CgroupFs *fs);

/* Whether root is libcgroup's cgroup v2 mount. false on fixture roots, with
 * use_libcgroup=false, and when libcgroup could not be set up (a hybrid v1/v2
 * host, cgroup_init() failing or not called): then cgroupfs_libcgroup_error() says why,
 * as a libcgroup ECG* code for cgroup_strerror(), so the caller can log it. */
bool cgroupfs_uses_libcgroup(const CgroupFs *fs);
int cgroupfs_libcgroup_error(const CgroupFs *fs);

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

/* The names of the direct child cgroups (directories only), sorted by
 * strcmp(), NULL-terminated; free with strv_free(). */
int cgroupfs_children(const CgroupFs *fs, const char *cgpath, char ***ret);

/* Whether cgroup.procs of cgpath lists no process: 1 empty, 0 not. */
int cgroupfs_is_empty(const CgroupFs *fs, const char *cgpath);

/* Frees a NULL-terminated string array; NULL is fine. */
void strv_free(char **l);
