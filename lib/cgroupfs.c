/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading the cgroup v2 tree (Documentation/admin-guide/cgroup-v2.rst).
 *
 * Kernel interfaces and versions:
 *  - memory.current, memory.max, memory.high, memory.low: 4.5+;
 *    memory.peak: 5.19+. Single numbers, or "max" for "no limit".
 *  - memory.stat: flat keyed; its "kernel" key is 5.18+ (see memstat.c).
 *  - cgroup.stat: nr_descendants, nr_dying_descendants (4.14+);
 *    nr_dying_subsys_<controller> about 6.12+ (absent on bookworm's 6.1).
 *  - cgroup.procs: one pid per line; empty when no process is in the cgroup.
 *  - The cgroup id that /proc/kpagecgroup and bpf report is the inode
 *    number of the cgroup's directory (kernfs node id, 64-bit hosts).
 *
 * libcgroup (2.0.2 on bookworm) finds the v2 mount: cgroupfs_new() checks
 * that root is the mount libcgroup took from /proc/mounts for "memory". Its
 * process-wide mount table is filled by cgroup_init(), which each program
 * calls once from main() through cgroupfs_library_init(), before any thread;
 * lib/ itself keeps no global state. Every file is read by one plain reader,
 * on the real tree and on a fixture tree alike, on any thread:
 *  - memory.stat: cgroup_read_stats_begin() resolves paths against libcgroup's
 *    mount table only, so it cannot read a fixture tree, and it flattens a
 *    missing file into ECGINVAL where callers need -ENOENT;
 *  - cgroup.* files: 2.0 cannot read them on v2;
 *  - single values: cgroup_get_value_string() caps values at 4096 bytes and
 *    needs a struct cgroup per read, a plain read is simpler and equal;
 *  - listing children: cgroup_walk_tree_begin() with a depth only labels
 *    deeper entries, fts still descends the whole subtree (and follows
 *    symlinks, FTS_LOGICAL); a readdir() of one directory is O(children).
 */

#include <fcntl.h>
#include <libcgroup.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/vfs.h>

#include "cgpath.h"
#include "cgroupfs.h"
#include "fileio.h"
#include "macro.h"
#include "path.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* memory.stat holds about 50 lines; cgroup.stat a handful. */
#define CGROUP_FILE_MAX (64U * 1024U)

struct CgroupFs {
        char *root; /* no trailing slash, except for "/" itself */
        bool libcgroup; /* root is libcgroup's v2 mount */
        int libcgroup_error; /* ECG* code if libcgroup was wanted but not usable */
};

const char *cgroupfs_root(const CgroupFs *fs) {
        return fs ? fs->root : NULL;
}

bool cgroupfs_uses_libcgroup(const CgroupFs *fs) {
        return fs && fs->libcgroup;
}

int cgroupfs_libcgroup_error(const CgroupFs *fs) {
        return fs ? fs->libcgroup_error : 0;
}

static void libcgroup_silent(void *userdata, int level, const char *fmt, va_list ap) {
        /* lib/ does not log: libcgroup's own stderr logger would. Failures
         * come back to the caller as return values. */
}

int cgroupfs_library_init(void) {
        /* lib/ does not log: libcgroup's own stderr logger would. */
        cgroup_set_logger(libcgroup_silent, CGROUP_LOG_ERROR, NULL);
        return cgroup_init() == 0 ? 0 : -ENXIO;
}

/* Whether root is the cgroup2 mount libcgroup took from /proc/mounts for
 * "memory". Returns 0 or an ECG* code saying why not (ECGROUPNOTINITIALIZED
 * when the program did not call cgroupfs_library_init()). */
static int libcgroup_probe(const char *root) {
        _cleanup_free_ char *real_root = NULL, *real_mnt = NULL;
        char *mnt = NULL;
        struct statfs sfs;
        int r;

        if (statfs(root, &sfs) < 0 || (uint64_t) sfs.f_type != CGROUP2_SUPER_MAGIC)
                return ECGROUPNOTMOUNTED;

        r = cgroup_get_subsys_mount_point("memory", &mnt);
        if (r != 0)
                return r;

        real_root = realpath(root, NULL);
        real_mnt = realpath(mnt, NULL);
        free(mnt);
        if (!real_root || !real_mnt)
                return ECGOTHER;

        /* On a hybrid (v1 memory + v2 "unified") host libcgroup reports the
         * v1 mount: reading there would mix up two different trees. */
        if (!streq(real_root, real_mnt))
                return ECGROUPSUBSYSNOTMOUNTED;

        return 0;
}

int cgroupfs_new(const char *root, bool use_libcgroup, CgroupFs **ret) {
        CgroupFs *fs;
        size_t len;

        if (isempty(root) || !ret)
                return -EINVAL;
        if (root[0] != '/')
                return -EINVAL;

        fs = calloc(1, sizeof(*fs));
        if (!fs)
                return -ENOMEM;

        fs->root = strdup(root);
        if (!fs->root) {
                free(fs);
                return -ENOMEM;
        }
        len = strlen(fs->root);
        while (len > 1 && fs->root[len - 1] == '/')
                fs->root[--len] = 0;

        if (use_libcgroup) {
                fs->libcgroup_error = libcgroup_probe(fs->root);
                fs->libcgroup = fs->libcgroup_error == 0;
        }

        *ret = fs;
        return 0;
}

CgroupFs *cgroupfs_free(CgroupFs *fs) {
        if (!fs)
                return NULL;
        free(fs->root);
        free(fs);
        return NULL;
}

static bool cgfile_is_valid(const char *file) {
        /* A file name inside a cgroup directory, nothing more. */
        return !strchr(file, '/') && !streq(file, ".") && !streq(file, "..") && strlen(file) <= NAME_MAX;
}

int cgroupfs_path(const CgroupFs *fs, const char *cgpath, const char *file, char **ret) {
        _cleanup_free_ char *rel = NULL;
        char *p;
        int r;

        if (!fs || !ret)
                return -EINVAL;
        if (file && !isempty(file) && !cgfile_is_valid(file))
                return -EINVAL;

        r = cgpath_normalize(cgpath, &rel);
        if (r < 0)
                return r;

        p = path_join(fs->root, rel, file);
        if (!p)
                return -ENOMEM;

        *ret = p;
        return 0;
}

bool cgroupfs_exists(const CgroupFs *fs, const char *cgpath) {
        _cleanup_free_ char *p = NULL;
        struct stat st;

        if (cgroupfs_path(fs, cgpath, NULL, &p) < 0)
                return false;
        return stat(p, &st) >= 0 && S_ISDIR(st.st_mode);
}

int cgroupfs_id(const CgroupFs *fs, const char *cgpath, uint64_t *ret) {
        if (!fs)
                return -EINVAL;
        return cgpath_id(fs->root, cgpath, ret);
}

static int read_cgroup_file(const CgroupFs *fs, const char *cgpath, const char *file, char **ret) {
        _cleanup_free_ char *p = NULL;
        int r;

        r = cgroupfs_path(fs, cgpath, file, &p);
        if (r < 0)
                return r;

        return read_full_file(p, CGROUP_FILE_MAX, ret, NULL);
}

int cgroupfs_parse_u64(const char *text, uint64_t *ret) {
        size_t len;

        if (!text || !ret)
                return -EINVAL;

        /* The kernel ends every value with exactly one newline. */
        len = strlen(text);
        if (len > 0 && text[len - 1] == '\n')
                len--;

        if (len == 3 && memcmp(text, "max", 3) == 0) {
                *ret = UINT64_MAX;
                return 0;
        }
        return safe_atou64_len(text, len, ret);
}

int cgroupfs_read_u64(const CgroupFs *fs, const char *cgpath, const char *file, uint64_t *ret) {
        _cleanup_free_ char *text = NULL;
        int r;

        if (!ret || isempty(file))
                return -EINVAL;

        r = read_cgroup_file(fs, cgpath, file, &text);
        if (r < 0)
                return r;

        return cgroupfs_parse_u64(text, ret);
}

static int memstat_read_plain(const CgroupFs *fs, const char *cgpath, MemStat *ret) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_cgroup_file(fs, cgpath, "memory.stat", &text);
        if (r < 0)
                return r;

        return memstat_parse(text, ret);
}

int cgroupfs_read_memstat(const CgroupFs *fs, const char *cgpath, MemStat *ret) {
        _cleanup_free_ char *rel = NULL;
        int r;

        if (!fs || !ret)
                return -EINVAL;

        r = cgpath_normalize(cgpath, &rel);
        if (r < 0)
                return r;

        return memstat_read_plain(fs, rel, ret);
}

static int cgroup_stat_one(const char *name, uint64_t value, void *userdata) {
        CgroupStat *s = userdata;

        if (streq(name, "nr_descendants"))
                s->nr_descendants = value;
        else if (streq(name, "nr_dying_descendants"))
                s->nr_dying_descendants = value;
        else if (streq(name, "nr_dying_subsys_memory"))
                s->nr_dying_subsys_memory = value;
        return 0;
}

int cgroupfs_parse_cgroup_stat(const char *text, CgroupStat *ret) {
        CgroupStat s = {
                .nr_descendants = UINT64_MAX,
                .nr_dying_descendants = UINT64_MAX,
                .nr_dying_subsys_memory = UINT64_MAX,
        };
        int r;

        if (!text || !ret)
                return -EINVAL;

        r = flat_keyed_parse(text, cgroup_stat_one, &s);
        if (r < 0)
                return -EINVAL;

        /* Every v2 kernel (4.14+) has these two: their absence means this is
         * not a cgroup.stat. */
        if (s.nr_descendants == UINT64_MAX || s.nr_dying_descendants == UINT64_MAX)
                return -EINVAL;

        *ret = s;
        return 0;
}

bool cgroup_stat_none_dying(const CgroupStat *st) {
        return st->nr_dying_descendants == 0 &&
                (st->nr_dying_subsys_memory == 0 || st->nr_dying_subsys_memory == UINT64_MAX);
}

int cgroupfs_read_cgroup_stat(const CgroupFs *fs, const char *cgpath, CgroupStat *ret) {
        _cleanup_free_ char *text = NULL;
        int r;

        if (!ret)
                return -EINVAL;

        r = read_cgroup_file(fs, cgpath, "cgroup.stat", &text);
        if (r < 0)
                return r;

        return cgroupfs_parse_cgroup_stat(text, ret);
}

void strv_free(char **l) {
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}

static void strv_freep(char ***l) {
        strv_free(*l);
}

static int cmp_strp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int cgroupfs_children(const CgroupFs *fs, const char *cgpath, char ***ret) {
        _cleanup_free_ char *p = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_(strv_freep) char **l = NULL;
        size_t n = 0, allocated = 0;
        struct dirent *de;
        int fd, r;

        if (!ret)
                return -EINVAL;

        r = cgroupfs_path(fs, cgpath, NULL, &p);
        if (r < 0)
                return r;

        fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                r = negative_errno();
                close(fd);
                return r;
        }

        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        allocated = 1;

        for (;;) {
                bool is_dir;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return negative_errno();
                        break;
                }

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;

                if (de->d_type == DT_UNKNOWN) {
                        struct stat st;

                        /* A child may go away under us: skip it then. */
                        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                continue;
                        is_dir = S_ISDIR(st.st_mode);
                } else
                        is_dir = de->d_type == DT_DIR;
                if (!is_dir)
                        continue;

                if (n + 2 > allocated) {
                        size_t na = MAX(allocated * 2, (size_t) 8);
                        char **nl = realloc(l, na * sizeof(char *));
                        if (!nl)
                                return -ENOMEM;
                        l = nl;
                        allocated = na;
                }
                l[n] = strdup(de->d_name);
                if (!l[n])
                        return -ENOMEM;
                l[++n] = NULL;
        }

        qsort(l, n, sizeof(char *), cmp_strp);

        *ret = TAKE_PTR(l);
        return 0;
}

int cgroupfs_is_empty(const CgroupFs *fs, const char *cgpath) {
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        char buf[64];
        ssize_t n;
        int r;

        r = cgroupfs_path(fs, cgpath, "cgroup.procs", &p);
        if (r < 0)
                return r;

        fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();

        /* One read is enough to tell: a populated cgroup.procs starts with a
         * pid. Reading the whole list of a big cgroup would be waste. */
        do
                n = read(fd, buf, sizeof(buf));
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();

        for (ssize_t i = 0; i < n; i++)
                if (buf[i] != '\n' && buf[i] != ' ')
                        return 0;

        return 1;
}
