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

/* cgroup trees are shallow; a bound keeps a looping fixture (bind mounts
 * are not followed, but be safe) from exhausting file descriptors. */
#define WALK_DEPTH_MAX 64

/* Searches below the directory dfd (path rel, "" for the root). 1 and the
 * path in *ret if found, 0 if not, negative errno on failure. */
static int walk(int dfd, const char *rel, dev_t dev, uint64_t id, unsigned depth, char **ret) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (depth > WALK_DEPTH_MAX)
                return -ELOOP;

        d = fdopendir(dfd);
        if (!d) {
                int r = negative_errno();
                close(dfd);
                return r;
        }

        for (;;) {
                _cleanup_free_ char *child = NULL;
                struct stat st;
                int cfd, r;

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
                if (!S_ISDIR(st.st_mode) || st.st_dev != dev)
                        continue;

                child = isempty(rel) ? strdup(de->d_name) : path_join(rel, de->d_name);
                if (!child)
                        return -ENOMEM;

                if ((uint64_t) st.st_ino == id) {
                        *ret = TAKE_PTR(child);
                        return 1;
                }

                cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (cfd < 0) {
                        if (errno == ENOENT)
                                continue;
                        return negative_errno();
                }
                r = walk(cfd, child, dev, id, depth + 1, ret);
                if (r != 0)
                        return r;
        }
}

int cgroup_id_to_path(const char *root, uint64_t id, char **ret) {
        struct stat st;
        char *p = NULL;
        int fd, r;

        if (isempty(root) || !ret)
                return -EINVAL;

        fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0) {
                r = negative_errno();
                close(fd);
                return r;
        }

        if ((uint64_t) st.st_ino == id) {
                close(fd);
                p = strdup("");
                if (!p)
                        return -ENOMEM;
                *ret = p;
                return 0;
        }

        r = walk(fd, "", st.st_dev, id, 0, &p);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;

        *ret = p;
        return 0;
}
