/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup id → cgroup path. The kernel has no reverse lookup for user space
 * short of open_by_handle_at() with a kernfs file handle (root and
 * CAP_DAC_READ_SEARCH), so walk: a cgroup tree holds hundreds of
 * directories, not millions. The id is the kernfs node id, which is the
 * inode number on 64-bit hosts. */

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "cgroupid.h"
#include "macro.h"
#include "path.h"

typedef struct Walk {
        dev_t dev;
        cgroup_visit_t visit;
        void *userdata;
} Walk;

/* Visits dfd (which it closes), then every directory below it. */
static int walk(Walk *w, int dfd, const char *rel, uint64_t id, unsigned depth) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        /* cgroup trees are shallow; a bound keeps a looping fixture (bind
         * mounts are not followed, but be safe) from exhausting file
         * descriptors. */
        if (depth > CGROUP_WALK_DEPTH_MAX) {
                close(dfd);
                return -ELOOP;
        }

        r = w->visit(dfd, rel, id, depth, w->userdata);
        if (r != 0) {
                close(dfd);
                return r;
        }

        d = fdopendir(dfd);
        if (!d) {
                r = negative_errno();
                close(dfd);
                return r;
        }

        for (;;) {
                _cleanup_free_ char *child = NULL;
                struct stat st;
                int cfd;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return negative_errno();
                        return 0;
                }
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
                        continue;

                /* A cgroup may go away while we walk: skip it. */
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (!S_ISDIR(st.st_mode) || st.st_dev != w->dev)
                        continue;

                child = isempty(rel) ? strdup(de->d_name) : path_join(rel, de->d_name);
                if (!child)
                        return -ENOMEM;

                cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (cfd < 0) {
                        if (errno == ENOENT)
                                continue;
                        return negative_errno();
                }
                r = walk(w, cfd, child, (uint64_t) st.st_ino, depth + 1);
                if (r != 0)
                        return r;
        }
}

int cgroup_walk(const char *root, cgroup_visit_t visit, void *userdata) {
        Walk w = { .visit = visit, .userdata = userdata };
        struct stat st;
        int fd, r;

        if (isempty(root) || !visit)
                return -EINVAL;

        fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0) {
                r = negative_errno();
                close(fd);
                return r;
        }
        w.dev = st.st_dev;
        return walk(&w, fd, "", (uint64_t) st.st_ino, 0);
}

typedef struct Find {
        uint64_t id;
        char *path;
} Find;

static int visit_find(int dfd, const char *path, uint64_t id, unsigned depth, void *userdata) {
        Find *f = userdata;

        (void) dfd;
        (void) depth;
        if (id != f->id)
                return 0;
        f->path = strdup(path);
        return f->path ? 1 : -ENOMEM;
}

int cgroup_id_to_path(const char *root, uint64_t id, char **ret) {
        Find f = { .id = id };
        int r;

        if (!ret)
                return -EINVAL;
        r = cgroup_walk(root, visit_find, &f);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        *ret = f.path;
        return 0;
}
