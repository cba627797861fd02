/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Watching cgroup trees for cgroups made or removed (see cgwatch.h).
 *
 * One inotify descriptor; a record per watched directory (each watched once,
 * whatever the roots it is below: entity slices may nest), kept sorted by
 * watch descriptor, with the directory's cgpath; and the roots, sorted. An
 * event on a directory is reported to every root it is in.
 *
 * A unit's cgroup is watched, but nothing below it: systemd makes no cgroup
 * there, a Delegate=yes unit makes as many as it likes (a container manager,
 * thousands), and each would be an inotify watch from root's per-user
 * budget, which PID 1 and udev share. Removals right below a unit's cgroup
 * are still seen; those deeper are not, so a unit's cgroup with cgroups
 * below it ("opaque") makes the trees that hold it incomplete
 * (cgwatch_complete()). The opaque ones are few and kept in a list. */

#include <dirent.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgwatch.h"
#include "macro.h"
#include "path.h"

/* Deeper than any tree systemd or a delegated manager makes. */
#define DEPTH_MAX 32
#define EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR | IN_DONT_FOLLOW)

typedef struct Watch {
        int wd;
        char *path; /* the directory's cgpath */
        bool unit; /* a unit's cgroup: nothing below is watched */
        unsigned n_below; /* unit: directories right below it */
} Watch;

struct CgroupWatch {
        const CgroupFs *fs;
        int fd;
        Watch *watches;
        size_t n, allocated, max;
        char **roots;
        size_t n_roots, allocated_roots;
        char **opaque; /* cgpaths of units' cgroups with cgroups below */
        size_t n_opaque;
};

int cgwatch_new(const CgroupFs *fs, size_t max_watches, CgroupWatch **ret) {
        CgroupWatch *w;

        if (!fs || !ret)
                return -EINVAL;
        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        w->fs = fs;
        w->max = max_watches;
        w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (w->fd < 0) {
                int r = negative_errno();
                free(w);
                return r;
        }
        *ret = w;
        return 0;
}

CgroupWatch *cgwatch_free(CgroupWatch *w) {
        if (!w)
                return NULL;
        for (size_t i = 0; i < w->n; i++)
                free(w->watches[i].path);
        free(w->watches);
        for (size_t i = 0; i < w->n_roots; i++)
                free(w->roots[i]);
        free(w->roots);
        for (size_t i = 0; i < w->n_opaque; i++)
                free(w->opaque[i]);
        free(w->opaque);
        if (w->fd >= 0)
                close(w->fd);
        free(w);
        return NULL;
}

int cgwatch_fd(const CgroupWatch *w) {
        return w ? w->fd : -EBADF;
}

size_t cgwatch_n_watches(const CgroupWatch *w) {
        return w ? w->n : 0;
}

/* path is root, or below it. */
static bool path_in(const char *path, const char *root) {
        size_t len = strlen(root);

        return strncmp(path, root, len) == 0 && (path[len] == 0 || path[len] == '/');
}

/* The cgroup of a unit that may hold cgroups of its own (Delegate=): a
 * service, scope, socket, mount or swap, named so by systemd. Slices are
 * walked into. */
static bool is_unit_cgroup(const char *path) {
        static const char *const suffixes[] = { ".service", ".scope", ".socket", ".mount", ".swap" };
        const char *name = strrchr(path, '/');
        size_t len;

        name = name ? name + 1 : path;
        len = strlen(name);
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                size_t n = strlen(suffixes[i]);

                if (len > n && streq(name + len - n, suffixes[i]))
                        return true;
        }
        return false;
}

/* ---- opaque units' cgroups: an unsorted list, short ---- */

static void opaque_remove(CgroupWatch *w, const char *path) {
        for (size_t i = 0; i < w->n_opaque; i++)
                if (streq(w->opaque[i], path)) {
                        free(w->opaque[i]);
                        w->opaque[i] = w->opaque[--w->n_opaque];
                        return;
                }
}

static int opaque_add(CgroupWatch *w, const char *path) {
        char **q, *p;

        q = realloc(w->opaque, (w->n_opaque + 1) * sizeof *q);
        if (!q)
                return -ENOMEM;
        w->opaque = q;
        p = strdup(path);
        if (!p)
                return -ENOMEM;
        w->opaque[w->n_opaque++] = p;
        return 0;
}

/* A directory more or fewer right below the unit's cgroup of watch x. */
static int unit_below(CgroupWatch *w, Watch *x, int delta) {
        if (delta > 0 && x->n_below++ == 0)
                return opaque_add(w, x->path);
        if (delta < 0 && x->n_below > 0 && --x->n_below == 0)
                opaque_remove(w, x->path);
        return 0;
}

/* ---- roots: sorted strings ---- */

static int cmp_n(const char *s, size_t len, const char *t) {
        int c = strncmp(s, t, len);

        return c != 0 ? c : t[len] == 0 ? 0 : -1;
}

/* Where the root s[0..len) is, or would go. */
static size_t root_index(const CgroupWatch *w, const char *s, size_t len, bool *found) {
        size_t lo = 0, hi = w->n_roots;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (cmp_n(s, len, w->roots[mid]) > 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = lo < w->n_roots && cmp_n(s, len, w->roots[lo]) == 0;
        return lo;
}

static bool is_root(const CgroupWatch *w, const char *path) {
        bool found;

        (void) root_index(w, path, strlen(path), &found);
        return found;
}

bool cgwatch_complete(const CgroupWatch *w, const char *root) {
        if (!w || !root || !is_root(w, root))
                return false;
        for (size_t i = 0; i < w->n_opaque; i++)
                if (path_in(w->opaque[i], root))
                        return false;
        return true;
}

/* Some root other than except has path in its tree. */
static bool in_other_root(const CgroupWatch *w, const char *path, const char *except) {
        for (size_t i = 0; path[i]; i++)
                if (path[i + 1] == '/' || path[i + 1] == 0) {
                        bool found;
                        size_t k = root_index(w, path, i + 1, &found);

                        if (found && !streq(w->roots[k], except))
                                return true;
                }
        return false;
}

/* ---- watches: sorted by descriptor ---- */

static size_t watch_index(const CgroupWatch *w, int wd, bool *found) {
        size_t lo = 0, hi = w->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (w->watches[mid].wd < wd)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = lo < w->n && w->watches[lo].wd == wd;
        return lo;
}

static void watch_drop(CgroupWatch *w, size_t i) {
        if (w->watches[i].n_below > 0)
                opaque_remove(w, w->watches[i].path);
        free(w->watches[i].path);
        memmove(w->watches + i, w->watches + i + 1, (w->n - i - 1) * sizeof *w->watches);
        w->n--;
}

/* *ret: the record, NULL if it was there already. */
static int watch_insert(CgroupWatch *w, int wd, const char *cgpath, Watch **ret) {
        bool found;
        size_t i = watch_index(w, wd, &found);
        char *p;

        *ret = NULL;
        if (found)
                return 0; /* the same directory, reached again */
        if (w->n == w->allocated) {
                size_t a = MAX(w->allocated * 2, (size_t) 16);
                Watch *q = realloc(w->watches, a * sizeof *q);

                if (!q)
                        return -ENOMEM;
                w->watches = q;
                w->allocated = a;
        }
        p = strdup(cgpath);
        if (!p)
                return -ENOMEM;
        memmove(w->watches + i + 1, w->watches + i, (w->n - i) * sizeof *w->watches);
        w->watches[i] = (Watch){ .wd = wd, .path = p };
        w->n++;
        *ret = &w->watches[i];
        return 0;
}

static int add_tree(CgroupWatch *w, const char *cgpath, unsigned depth) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        Watch *x;
        bool unit;
        int wd, r;

        if (depth > DEPTH_MAX)
                return -ELOOP;
        if (w->n >= w->max)
                return -ENOSPC;
        r = cgroupfs_path(w->fs, cgpath, NULL, &dir);
        if (r < 0)
                return r;
        wd = inotify_add_watch(w->fd, dir, EVENTS);
        if (wd < 0)
                return errno == ENOTDIR ? -ENOENT : negative_errno();
        r = watch_insert(w, wd, cgpath, &x);
        if (r < 0) {
                (void) inotify_rm_watch(w->fd, wd);
                return r;
        }
        /* A unit's cgroup is not walked into, a root's neither: a caller
         * that watches an instance's cgroup must not end up watching what a
         * Delegate=yes service makes below it. */
        unit = is_unit_cgroup(cgpath);
        if (x)
                x->unit = unit;

        /* Directories made before the watch: watched too (below a unit's
         * cgroup: counted). One made between the watch and this read is
         * reached twice, which costs nothing. */
        d = opendir(dir);
        if (!d)
                return negative_errno();
        while ((de = readdir(d))) {
                _cleanup_free_ char *child = NULL;

                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (unit) {
                        if (x) {
                                r = unit_below(w, x, +1);
                                if (r < 0)
                                        return r;
                        }
                        continue;
                }
                child = path_join(cgpath, de->d_name);
                if (!child)
                        return -ENOMEM;
                r = add_tree(w, child, depth + 1);
                /* Gone since readdir(): its removal was reported. */
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        return 0;
}

/* Unwatches path and every directory below it; keep_for: except those
 * another root than keep_for holds in its tree (NULL: every one). */
static void unwatch_tree(CgroupWatch *w, const char *path, const char *keep_for) {
        for (size_t i = 0; i < w->n;)
                if (path_in(w->watches[i].path, path) &&
                    !(keep_for && in_other_root(w, w->watches[i].path, keep_for))) {
                        (void) inotify_rm_watch(w->fd, w->watches[i].wd);
                        watch_drop(w, i);
                } else
                        i++;
}

/* Takes root k out of the list: the caller frees it. */
static char *root_take(CgroupWatch *w, size_t k) {
        char *root = w->roots[k];

        memmove(w->roots + k, w->roots + k + 1, (w->n_roots - k - 1) * sizeof *w->roots);
        w->n_roots--;
        return root;
}

void cgwatch_remove(CgroupWatch *w, const char *cgpath) {
        bool found;
        size_t k;

        if (!w || !cgpath)
                return;
        k = root_index(w, cgpath, strlen(cgpath), &found);
        if (!found)
                return;
        unwatch_tree(w, cgpath, cgpath);
        free(root_take(w, k));
}

int cgwatch_add(CgroupWatch *w, const char *cgpath) {
        bool found;
        size_t k;
        int r;

        if (!w || !cgpath)
                return -EINVAL;
        cgwatch_remove(w, cgpath);
        k = root_index(w, cgpath, strlen(cgpath), &found);
        if (w->n_roots == w->allocated_roots) {
                size_t a = MAX(w->allocated_roots * 2, (size_t) 16);
                char **q = realloc(w->roots, a * sizeof *q);

                if (!q)
                        return -ENOMEM;
                w->roots = q;
                w->allocated_roots = a;
        }
        char *root = strdup(cgpath);
        if (!root)
                return -ENOMEM;
        memmove(w->roots + k + 1, w->roots + k, (w->n_roots - k) * sizeof *w->roots);
        w->roots[k] = root;
        w->n_roots++;

        r = add_tree(w, cgpath, 0);
        if (r < 0)
                cgwatch_remove(w, cgpath);
        return r;
}

static void drop_all(CgroupWatch *w) {
        for (size_t i = 0; i < w->n; i++) {
                (void) inotify_rm_watch(w->fd, w->watches[i].wd);
                free(w->watches[i].path);
        }
        w->n = 0;
        for (size_t i = 0; i < w->n_opaque; i++)
                free(w->opaque[i]);
        w->n_opaque = 0;
        for (size_t i = 0; i < w->n_roots; i++)
                free(w->roots[i]);
        w->n_roots = 0;
}

/* Tells every root whose tree holds path; gone: path itself, if a root,
 * is no longer watched. */
static void report(CgroupWatch *w, const char *path, bool gone, cgwatch_changed_fn changed, void *userdata) {
        for (size_t i = 0; path[i]; i++)
                if (path[i + 1] == '/' || path[i + 1] == 0) {
                        bool found, self = path[i + 1] == 0;
                        size_t k = root_index(w, path, i + 1, &found);

                        if (!found)
                                continue;
                        if (self && gone) {
                                _cleanup_free_ char *root = root_take(w, k);

                                changed(root, true, userdata);
                        } else
                                changed(w->roots[k], false, userdata);
                }
}

/* The roots whose trees hold path are given up, and said to be gone: a
 * directory below could not be watched, so changes there would go unseen. */
static void give_up(CgroupWatch *w, const char *path, cgwatch_changed_fn changed, void *userdata) {
        for (size_t i = 0; i < w->n_roots;) {
                if (!path_in(path, w->roots[i])) {
                        i++;
                        continue;
                }
                _cleanup_free_ char *root = strdup(w->roots[i]);
                if (!root) {
                        /* Rather all than some. */
                        drop_all(w);
                        changed(NULL, true, userdata);
                        return;
                }
                cgwatch_remove(w, root);
                changed(root, true, userdata);
        }
}

/* One event on the watched directory of record i. */
static void handle(CgroupWatch *w, size_t i, const struct inotify_event *ev, cgwatch_changed_fn changed,
                   void *userdata) {
        _cleanup_free_ char *path = strdup(w->watches[i].path);

        if (!path) {
                drop_all(w);
                changed(NULL, true, userdata);
                return;
        }
        if (ev->mask & IN_IGNORED) {
                /* The directory is gone (or its watch was removed). */
                watch_drop(w, i);
                if (is_root(w, path))
                        report(w, path, true, changed, userdata);
                return;
        }
        if (!(ev->mask & IN_ISDIR) || ev->len == 0)
                return;
        if (w->watches[i].unit) {
                /* Right below a unit's cgroup: counted, not watched. A
                 * removal is reported like any other. */
                if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
                        (void) unit_below(w, &w->watches[i], -1);
                        report(w, path, false, changed, userdata);
                } else if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && unit_below(w, &w->watches[i], +1) < 0)
                        give_up(w, path, changed, userdata);
                return;
        }
        _cleanup_free_ char *child = path_join(path, ev->name);
        if (!child) {
                give_up(w, path, changed, userdata);
                return;
        }
        if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
                /* A root among them is gone: said so after its parents. */
                bool root_gone = is_root(w, child);

                /* Its watches go: cgroupfs does not drop them itself (a
                 * removed cgroup directory keeps its link count, so the
                 * kernel drops a watch, IN_IGNORED, only when the inode
                 * goes, which the watch prevents). */
                unwatch_tree(w, child, NULL);
                report(w, path, false, changed, userdata);
                if (root_gone)
                        report(w, child, true, changed, userdata);
                return;
        }
        /* Made: watched, and nothing to report (a cgroup made takes no
         * dying one away, nor adds one). */
        if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
                int r = add_tree(w, child, 0);

                if (r < 0 && r != -ENOENT)
                        give_up(w, path, changed, userdata);
        }
}

int cgwatch_process(CgroupWatch *w, cgwatch_changed_fn changed, void *userdata) {
        /* Aligned for struct inotify_event, as inotify(7) shows. */
        char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
        int n = 0;

        if (!w || !changed)
                return -EINVAL;
        for (;;) {
                ssize_t len = read(w->fd, buf, sizeof buf);

                if (len < 0) {
                        if (errno == EINTR)
                                continue;
                        return errno == EAGAIN ? n : negative_errno();
                }
                for (char *p = buf; p < buf + len;) {
                        const struct inotify_event *ev = (const struct inotify_event *) p;
                        bool found;
                        size_t i;

                        p += sizeof *ev + ev->len;
                        n++;
                        if (ev->mask & IN_Q_OVERFLOW) {
                                drop_all(w);
                                changed(NULL, true, userdata);
                                continue;
                        }
                        i = watch_index(w, ev->wd, &found);
                        if (found)
                                handle(w, i, ev, changed, userdata);
                }
        }
}
