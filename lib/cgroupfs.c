/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading the cgroup v2 tree (Documentation/admin-guide/cgroup-v2.rst),
 * through libcgroup.
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
 * libcgroup (2.0.2, soname 2) does the work:
 *  - the root is the mount its cgroup_init() took from /proc/mounts for the
 *    "memory" controller. Each program calls cgroup_init() once from main()
 *    through cgroupfs_library_init(), before any thread; the table is read
 *    under libcgroup's own lock after that, so worker threads read too, and
 *    lib/ keeps no global state;
 *  - single values and line files: cgroup_read_value_begin() / _next();
 *  - memory.stat: cgroup_read_stats_begin() / _next();
 *  - the tree: cgroup_walk_tree_begin() / _next().
 * Unit tests make a fixture directory that mount (test_cgroup_mount() in
 * tests/unit/tests.c), so they read through the same calls.
 *
 * What libcgroup leaves to its caller, done here:
 *  - its "memory" mount is the v1 one on a hybrid host: the root must have a
 *    cgroup.controllers (v2 only) that lists "memory";
 *  - it joins mount, path and file into FILENAME_MAX bytes and cuts what
 *    does not fit, which could name another file: a longer path is refused
 *    (-ENAMETOOLONG); ".." never reaches it (cgpath_normalize());
 *  - a missing memory.stat and a malformed one are both ECGINVAL: stat()
 *    tells them apart (-ENOENT, -EINVAL);
 *  - a line longer than the caller's buffer comes back cut: values are
 *    checked to end in the newline the kernel writes;
 *  - the walk gives paths, not ids: one lstat() per cgroup gives the inode.
 *    Its fts (FTS_LOGICAL) stat()s every file too, some 40-60 per cgroup:
 *    bench/cgroup-walk measured 276-424 us a cgroup with cgroup.stat read
 *    (trixie, bookworm; VM under TCG) against 90-116 us for find -type d,
 *    0.6-0.9 s for 2000 cgroups. Only cgctl and the leftovers census walk,
 *    never the daemon's loop, so libcgroup's walk stays.
 * libcgroup opens by path and follows symbolic links (fopen, FTS_LOGICAL):
 * a cgroup2 file system has none and nobody can make one there; the walk
 * skips a directory of another file system, and one deeper than
 * CGROUPFS_WALK_DEPTH_MAX ends it (-ELOOP).
 * The daemon's kept-open files are read by pread() (cgfiles.c, with the
 * benchmark that justifies it); inotify watches are cgwatch.c's. */

#include <fcntl.h>
#include <libcgroup.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgpath.h"
#include "cgroupfs.h"
#include "fileio.h"
#include "macro.h"
#include "path.h"

/* The controller whose mount is the root. */
#define CONTROLLER "memory"
/* cgroup.stat holds a handful of lines, cgroup.controllers one. */
#define CGROUP_LINES_MAX 4096U

struct CgroupFs {
        char *root; /* libcgroup's mount for "memory", no trailing slash */
        dev_t dev;
};

const char *cgroupfs_root(const CgroupFs *fs) {
        return fs ? fs->root : NULL;
}

static void libcgroup_silent(void *userdata, int level, const char *fmt, va_list ap) {
        /* lib/ does not log: libcgroup's own stderr logger would. Failures
         * come back to the caller as return values. */
}

int cgroupfs_library_init(void) {
        cgroup_set_logger(libcgroup_silent, CGROUP_LOG_ERROR, NULL);
        return cgroup_init() == 0 ? 0 : -ENXIO;
}

/* A libcgroup ECG* code as a negative errno. */
static int cg_errno(int ecg) {
        int e;

        switch (ecg) {
        case 0:
                return 0;
        case ECGEOF:
                return -ENODATA;
        case ECGOTHER:
                e = cgroup_get_last_errno();
                return e > 0 ? -e : -EIO;
        case ECGROUPNOTINITIALIZED:
        case ECGROUPNOTMOUNTED:
        case ECGROUPSUBSYSNOTMOUNTED:
        case ECGROUPNOTEXIST:
                return -ENXIO;
        case ECGINVAL:
                return -EINVAL;
        case ECGFAIL:
                return -ENAMETOOLONG;
        default:
                return -EIO;
        }
}

static bool cgfile_is_valid(const char *file) {
        /* A file name inside a cgroup directory, nothing more. */
        return !strchr(file, '/') && !streq(file, ".") && !streq(file, "..") && strlen(file) <= NAME_MAX;
}

/* cgpath as libcgroup takes it ("a/b", "/" for the root), checked so that
 * root/cgpath/file fits libcgroup's FILENAME_MAX buffers uncut. */
static int lib_path(const CgroupFs *fs, const char *cgpath, const char *file, char **ret) {
        _cleanup_free_ char *rel = NULL;
        int r;

        if (!fs || !ret)
                return -EINVAL;
        if (file && !isempty(file) && !cgfile_is_valid(file))
                return -EINVAL;

        r = cgpath_normalize(cgpath, &rel);
        if (r < 0)
                return r;
        /* root + "/" + rel + "/" + file + "/" (libcgroup adds slashes). */
        if (strlen(fs->root) + strlen(rel) + strlen(file ?: "") + 4 >= FILENAME_MAX)
                return -ENAMETOOLONG;
        if (isempty(rel)) {
                free(rel);
                rel = strdup("/");
                if (!rel)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(rel);
        return 0;
}

/* Up to size-1 bytes of a cgroup file's lines, NUL-terminated, through
 * libcgroup. -EFBIG if the file holds more. */
static int read_lines(const CgroupFs *fs, const char *cgpath, const char *file, char *buf, size_t size) {
        _cleanup_free_ char *rel = NULL, *name = NULL;
        void *h = NULL;
        size_t len = 0;
        int r, ecg;

        if (size < 2 || size > INT_MAX)
                return -EINVAL;
        r = lib_path(fs, cgpath, file, &rel);
        if (r < 0)
                return r;

        /* libcgroup 2.0 takes the name as char *. */
        name = strdup(file);
        if (!name)
                return -ENOMEM;
        buf[0] = 0;
        ecg = cgroup_read_value_begin(CONTROLLER, rel, name, &h, buf, (int) size);
        while (ecg == 0) {
                len += strlen(buf + len);
                if (len + 1 >= size) {
                        /* Full: the end of the file, or more to come. */
                        char probe[2];

                        ecg = cgroup_read_value_next(&h, probe, sizeof probe);
                        r = ecg == ECGEOF ? 0 : -EFBIG;
                        ecg = ECGEOF;
                        break;
                }
                ecg = cgroup_read_value_next(&h, buf + len, (int) (size - len));
        }
        if (h)
                (void) cgroup_read_value_end(&h);
        if (r < 0)
                return r;
        if (ecg != ECGEOF)
                return cg_errno(ecg);
        buf[len] = 0;
        return 0;
}

static int cgroupfs_is_v2_root(const CgroupFs *fs) {
        char buf[CGROUP_LINES_MAX];
        const char *p;
        int r;

        /* cgroup.controllers exists only on cgroup v2. */
        r = read_lines(fs, "", "cgroup.controllers", buf, sizeof buf);
        if (r < 0)
                return r == -ENOENT ? -EMEDIUMTYPE : r;
        for (p = buf; (p = strstr(p, CONTROLLER));) {
                bool start = p == buf || p[-1] == ' ';
                char end = p[(sizeof(CONTROLLER) - 1)];

                if (start && (end == 0 || end == ' ' || end == '\n'))
                        return 0;
                p += (sizeof(CONTROLLER) - 1);
        }
        return -EMEDIUMTYPE;
}

int cgroupfs_new(const char *root, CgroupFs **ret) {
        _cleanup_free_ char *real_root = NULL;
        _cleanup_(cgroupfs_freep) CgroupFs *fs = NULL;
        char *mnt = NULL;
        struct stat st;
        int r;

        if (!ret || (root && root[0] != '/'))
                return -EINVAL;

        r = cg_errno(cgroup_get_subsys_mount_point(CONTROLLER, &mnt));
        if (r < 0)
                return r;
        if (!mnt)
                return -ENXIO;

        fs = calloc(1, sizeof *fs);
        if (!fs) {
                free(mnt);
                return -ENOMEM;
        }
        fs->root = realpath(mnt, NULL);
        r = fs->root ? 0 : negative_errno();
        free(mnt);
        if (r < 0)
                return r;
        if (stat(fs->root, &st) < 0)
                return negative_errno();
        fs->dev = st.st_dev;

        /* A root given by the caller must be that same mount. */
        if (root) {
                real_root = realpath(root, NULL);
                if (!real_root)
                        return negative_errno();
                if (!streq(real_root, fs->root))
                        return -EXDEV;
        }

        r = cgroupfs_is_v2_root(fs);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(fs);
        return 0;
}

CgroupFs *cgroupfs_free(CgroupFs *fs) {
        if (!fs)
                return NULL;
        free(fs->root);
        free(fs);
        return NULL;
}

const char *cgroupfs_strerror(int error) {
        switch (error) {
        case -ENXIO:
                return "libcgroup found no mount of the memory controller";
        case -EMEDIUMTYPE:
                return "the memory controller is not on cgroup v2 (a hybrid or v1 host); cgpersist needs "
                       "the "
                       "unified hierarchy";
        case -EXDEV:
                return "the directory given is not the mount libcgroup found for the memory controller";
        default:
                return strerror(-error);
        }
}

int cgroupfs_path(const CgroupFs *fs, const char *cgpath, const char *file, char **ret) {
        _cleanup_free_ char *rel = NULL;
        char *p;
        int r;

        r = lib_path(fs, cgpath, file, &rel);
        if (r < 0)
                return r;

        p = path_join(fs->root, streq(rel, "/") ? "" : rel, file);
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
        /* "18446744073709551615\n" and a byte to tell a longer line. */
        char buf[32];
        int r;

        if (!ret || isempty(file))
                return -EINVAL;

        /* The whole file: a newline anywhere but at its end is junk to
         * cgroupfs_parse_u64(), as is a longer one. */
        r = read_lines(fs, cgpath, file, buf, sizeof buf);
        if (r == -EFBIG)
                return -EINVAL;
        if (r < 0)
                return r;

        return cgroupfs_parse_u64(buf, ret);
}

/* memory.stat's value as libcgroup splits it: the line's second word, its
 * newline kept. */
static int stat_value(const char *value, uint64_t *ret) {
        size_t len = strlen(value);

        if (len > 0 && value[len - 1] == '\n')
                len--;
        return safe_atou64_len(value, len, ret);
}

int cgroupfs_read_memstat(const CgroupFs *fs, const char *cgpath, MemStat *ret) {
        _cleanup_free_ char *rel = NULL;
        struct cgroup_stat st;
        MemStat m = {};
        void *h = NULL;
        unsigned lines = 0;
        int r = 0, ecg;

        if (!ret)
                return -EINVAL;
        r = lib_path(fs, cgpath, "memory.stat", &rel);
        if (r < 0)
                return r;

        for (ecg = cgroup_read_stats_begin(CONTROLLER, rel, &h, &st); ecg == 0;
             ecg = cgroup_read_stats_next(&h, &st)) {
                uint64_t v;

                /* memory.stat holds some 50 lines. */
                if (++lines > CGROUP_LINES_MAX) {
                        r = -EFBIG;
                        break;
                }
                r = stat_value(st.value, &v);
                if (r < 0)
                        break;
                memstat_set(&m, st.name, v);
        }
        if (h)
                (void) cgroup_read_stats_end(&h);
        if (r < 0)
                return r == -ERANGE ? -ERANGE : -EINVAL;
        if (ecg == ECGINVAL) {
                _cleanup_free_ char *p = NULL;
                struct stat sb;

                /* libcgroup says the same of a missing file and a malformed
                 * first line. */
                if (cgroupfs_path(fs, cgpath, "memory.stat", &p) >= 0 && stat(p, &sb) < 0)
                        return negative_errno();
                return -EINVAL;
        }
        if (ecg != ECGEOF)
                return cg_errno(ecg);

        *ret = m;
        return 0;
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
        char buf[CGROUP_LINES_MAX];
        int r;

        if (!ret)
                return -EINVAL;

        r = read_lines(fs, cgpath, "cgroup.stat", buf, sizeof buf);
        if (r == -EFBIG)
                return -EINVAL;
        if (r < 0)
                return r;

        return cgroupfs_parse_cgroup_stat(buf, ret);
}

int cgroupfs_is_empty(const CgroupFs *fs, const char *cgpath) {
        _cleanup_free_ char *rel = NULL;
        /* One line is enough to tell: a populated cgroup.procs starts with a
         * pid. Reading the whole list of a big cgroup would be waste. */
        char buf[64] = "";
        void *h = NULL;
        int r, ecg;

        r = lib_path(fs, cgpath, "cgroup.procs", &rel);
        if (r < 0)
                return r;

        ecg = cgroup_read_value_begin(CONTROLLER, rel, (char[]){ "cgroup.procs" }, &h, buf, sizeof buf);
        if (h)
                (void) cgroup_read_value_end(&h);
        if (ecg == ECGEOF)
                return 1;
        if (ecg != 0)
                return cg_errno(ecg);
        for (const char *p = buf; *p; p++)
                if (*p != '\n' && *p != ' ')
                        return 0;
        return 1;
}

int cgroupfs_walk(const CgroupFs *fs, const char *cgpath, cgroupfs_visit_t visit, void *userdata) {
        _cleanup_free_ char *rel = NULL, *base = NULL, *skip = NULL, *sub = NULL;
        struct cgroup_file_info info;
        void *h = NULL;
        int r = 0, ecg, base_level = 0;
        size_t root_len = strlen(fs ? fs->root : "");

        if (!visit)
                return -EINVAL;
        r = lib_path(fs, cgpath, NULL, &rel);
        if (r < 0)
                return r;
        r = cgroupfs_path(fs, cgpath, NULL, &base);
        if (r < 0)
                return r;
        /* fts would report a missing start as one more entry. */
        {
                struct stat st;

                if (stat(base, &st) < 0)
                        return negative_errno();
                if (!S_ISDIR(st.st_mode))
                        return -ENOTDIR;
        }

        ecg = cgroup_walk_tree_begin(CONTROLLER, rel, 0, &h, &info, &base_level);
        if (ecg == 0)
                ecg = cgroup_walk_tree_set_flags(&h, CGROUP_WALK_TYPE_PRE_DIR);
        for (; ecg == 0; ecg = cgroup_walk_tree_next(0, &h, &info, base_level)) {
                struct stat st;
                unsigned depth;

                if (info.type != CGROUP_FILE_TYPE_DIR || !info.full_path)
                        continue;
                /* Below a directory skipped: skipped too. */
                if (skip && strncmp(info.full_path, skip, strlen(skip)) == 0 &&
                    info.full_path[strlen(skip)] == '/')
                        continue;
                /* full_path is the root, then the path below it, with
                 * slashes doubled or trailing as libcgroup joins them. */
                if (strncmp(info.full_path, fs->root, root_len) != 0 ||
                    (info.full_path[root_len] != '/' && info.full_path[root_len] != 0)) {
                        r = -EIO;
                        break;
                }
                free(sub);
                sub = NULL;
                r = cgpath_normalize(info.full_path + root_len, &sub);
                if (r < 0)
                        break;
                depth = info.depth > base_level ? (unsigned) (info.depth - base_level) : 0;
                if (depth > CGROUPFS_WALK_DEPTH_MAX) {
                        r = -ELOOP;
                        break;
                }
                /* Gone meanwhile, a symbolic link fts followed, or another
                 * file system: skipped, with what is below it. */
                if (lstat(info.full_path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_dev != fs->dev) {
                        free(skip);
                        skip = strdup(info.full_path);
                        if (!skip) {
                                r = -ENOMEM;
                                break;
                        }
                        continue;
                }

                r = visit(fs, sub, (uint64_t) st.st_ino, depth, userdata);
                if (r != 0)
                        break;
        }
        if (h)
                (void) cgroup_walk_tree_end(&h);
        if (r != 0)
                return r;
        return ecg == ECGEOF ? 0 : cg_errno(ecg);
}

typedef struct Find {
        uint64_t id;
        char *path;
} Find;

static int visit_find(const CgroupFs *fs, const char *path, uint64_t id, unsigned depth, void *userdata) {
        Find *f = userdata;

        if (id != f->id)
                return 0;
        f->path = strdup(path);
        return f->path ? 1 : -ENOMEM;
}

int cgroupfs_id_to_path(const CgroupFs *fs, uint64_t id, char **ret) {
        Find f = { .id = id };
        int r;

        if (!ret)
                return -EINVAL;
        r = cgroupfs_walk(fs, "", visit_find, &f);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        *ret = f.path;
        return 0;
}

void strv_free(char **l) {
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}

static int cmp_strp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int collect_child(const CgroupFs *fs, const char *path, uint64_t id, unsigned depth, void *userdata) {
        struct {
                char **l;
                size_t n, allocated;
        } *c = userdata;
        const char *name;

        /* The whole subtree is walked (libcgroup's depth only labels); only
         * the direct children are kept. */
        if (depth != 1)
                return 0;
        name = strrchr(path, '/');
        name = name ? name + 1 : path;
        if (c->n + 2 > c->allocated) {
                size_t na = MAX(c->allocated * 2, (size_t) 8);
                char **nl = realloc(c->l, na * sizeof(char *));

                if (!nl)
                        return -ENOMEM;
                c->l = nl;
                c->allocated = na;
        }
        c->l[c->n] = strdup(name);
        if (!c->l[c->n])
                return -ENOMEM;
        c->l[++c->n] = NULL;
        return 0;
}

int cgroupfs_children(const CgroupFs *fs, const char *cgpath, char ***ret) {
        struct {
                char **l;
                size_t n, allocated;
        } c = {};
        int r;

        if (!ret)
                return -EINVAL;

        c.l = calloc(1, sizeof(char *));
        if (!c.l)
                return -ENOMEM;
        c.allocated = 1;

        r = cgroupfs_walk(fs, cgpath, collect_child, &c);
        if (r < 0) {
                strv_free(c.l);
                return r;
        }

        qsort(c.l, c.n, sizeof(char *), cmp_strp);
        *ret = c.l;
        return 0;
}
