/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Mount points that a root process may trust, and mounting onto them by
 * file descriptor.
 *
 * A root process that mounts by path follows whatever symbolic links the
 * path holds at the moment of mount(2): a user who can write a directory on
 * the way can swap a component for a link to, say, /etc/cron.hourly, and
 * have a tmpfs it owns mounted there. So the path is opened one component at
 * a time with O_PATH|O_NOFOLLOW, each directory above the mount point is
 * checked to be writable by root alone (then nobody else can swap what is
 * below it), and the new mount is attached to the opened descriptor with
 * the new mount API (fsopen/fsconfig/fsmount/move_mount, Linux 5.2+; glibc
 * has wrappers only since 2.36, so syscall(2) here). openat2()'s
 * RESOLVE_NO_SYMLINKS would do the resolution in one call, but the checks
 * need each directory anyway.
 *
 * Whether something is mounted on a directory is a question of mount IDs
 * (statx STATX_MNT_ID, 5.8+): the root of a mount has another one than its
 * parent. Comparing paths with /proc/self/mountinfo fails as soon as the
 * path and the kernel's name for it differ (a symbolic link, a bind mount). */

#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "macro.h"
#include "path.h"
#include "mountpoint.h"

#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC 0x00000001
#endif
#ifndef MOUNT_ATTR_NOSUID
#define MOUNT_ATTR_NOSUID 0x00000002
#endif
#ifndef MOUNT_ATTR_NODEV
#define MOUNT_ATTR_NODEV 0x00000004
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef FSCONFIG_SET_STRING
#define FSCONFIG_SET_STRING 1
#endif
#ifndef FSCONFIG_CMD_CREATE
#define FSCONFIG_CMD_CREATE 6
#endif
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

void mountpoint_refusal_done(MountpointRefusal *r) {
        if (!r)
                return;
        free(r->component);
        *r = (MountpointRefusal){};
}

static const char *const problem_names[_MOUNTPOINT_PROBLEM_MAX] = {
        [MOUNTPOINT_SYMLINK] = "symlink",
        [MOUNTPOINT_WRITABLE] = "writable",
        [MOUNTPOINT_NOT_DIRECTORY] = "not-directory",
        [MOUNTPOINT_ERROR] = "error",
};

const char *mountpoint_problem_to_string(MountpointProblem p) {
        if ((unsigned) p >= _MOUNTPOINT_PROBLEM_MAX)
                return NULL;
        return problem_names[p];
}

int mountpoint_refusal_message(const char *path, const MountpointRefusal *r, char **ret) {
        _cleanup_free_ char *p = NULL, *c = NULL;
        int k;

        if (!path || !r || !ret || !mountpoint_problem_to_string(r->problem))
                return -EINVAL;
        p = string_escape_control(path);
        c = string_escape_control(r->component ?: path);
        if (!p || !c)
                return -ENOMEM;
        switch (r->problem) {
        case MOUNTPOINT_SYMLINK:
                k = asprintf(ret, "%s: %s is a symbolic link, which the keeper does not follow", p, c);
                break;
        case MOUNTPOINT_WRITABLE:
                k = asprintf(ret,
                             "%s: %s can be written by a user other than root (mode %04o, owner %u:%u), "
                             "who could swap what is below it",
                             p, c, (unsigned) (r->mode & 07777), (unsigned) r->uid, (unsigned) r->gid);
                break;
        case MOUNTPOINT_NOT_DIRECTORY:
                k = asprintf(ret, "%s: %s is not a directory", p, c);
                break;
        default:
                k = asprintf(ret, "%s: %s: %s", p, c, strerror(r->error));
                break;
        }
        return k < 0 ? -ENOMEM : 0;
}

static int refuse(MountpointRefusal *ret, MountpointProblem problem, int error, const char *path, size_t len,
                  const struct stat *st) {
        if (ret) {
                *ret = (MountpointRefusal){ .problem = problem, .error = error };
                ret->component = strndup(path, len);
                if (st) {
                        ret->uid = st->st_uid;
                        ret->gid = st->st_gid;
                        ret->mode = st->st_mode;
                }
        }
        return -error;
}

/* Only root may write it: then only root can change what is below it. */
static bool root_only(const struct stat *st) {
        return st->st_uid == 0 && !(st->st_mode & S_IWOTH) && (st->st_gid == 0 || !(st->st_mode & S_IWGRP));
}

int mountpoint_open(int root_fd, const char *path, bool create, int *ret_fd,
                    MountpointRefusal *ret_refusal) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        const char *p;

        if (root_fd < 0 || !path || path[0] != '/' || !ret_fd)
                return -EINVAL;

        fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return negative_errno();
        p = path;
        for (;;) {
                _cleanup_free_ char *name = NULL;
                size_t n;
                int nfd;
                bool last;

                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                n = strcspn(p, "/");
                last = p[n] == 0 || p[n + strspn(p + n, "/")] == 0;
                name = strndup(p, n);
                if (!name)
                        return -ENOMEM;
                if (streq(name, ".") || streq(name, ".."))
                        return -EINVAL;

                /* fd is an ancestor of what follows: root's alone, or a
                 * user could swap the next component between our calls. */
                if (fstat(fd, &st) < 0)
                        return refuse(ret_refusal, MOUNTPOINT_ERROR, errno, path, (size_t) (p - path), NULL);
                if (!root_only(&st))
                        return refuse(ret_refusal, MOUNTPOINT_WRITABLE, EPERM, path,
                                      p - path > 1 ? (size_t) (p - path - 1) : 1, &st);

                nfd = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (nfd < 0 && errno == ENOENT && create) {
                        /* 0755 whatever the umask: the service reaches its
                         * tmpfs through it. fd is root's alone, so nobody
                         * swapped the new directory meanwhile. */
                        if (mkdirat(fd, name, 0755) < 0) {
                                if (errno != EEXIST)
                                        return refuse(ret_refusal, MOUNTPOINT_ERROR, errno, path,
                                                      (size_t) (p - path) + n, NULL);
                        } else if (fchmodat(fd, name, 0755, 0) < 0)
                                return refuse(ret_refusal, MOUNTPOINT_ERROR, errno, path,
                                              (size_t) (p - path) + n, NULL);
                        nfd = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                }
                if (nfd < 0)
                        return refuse(ret_refusal, MOUNTPOINT_ERROR, errno, path, (size_t) (p - path) + n,
                                      NULL);
                close(fd);
                fd = nfd;
                if (fstat(fd, &st) < 0)
                        return refuse(ret_refusal, MOUNTPOINT_ERROR, errno, path, (size_t) (p - path) + n,
                                      NULL);
                if (S_ISLNK(st.st_mode))
                        return refuse(ret_refusal, MOUNTPOINT_SYMLINK, ELOOP, path, (size_t) (p - path) + n,
                                      &st);
                if (!S_ISDIR(st.st_mode))
                        return refuse(ret_refusal, MOUNTPOINT_NOT_DIRECTORY, ENOTDIR, path,
                                      (size_t) (p - path) + n, &st);
                p += n;
                if (last)
                        break;
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int mount_id_of(int dfd, const char *name, uint64_t *ret_id, dev_t *ret_dev) {
        struct statx sx = {};

        if (statx(dfd, name, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID, &sx) < 0)
                return negative_errno();
        *ret_id = (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id : 0;
        *ret_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
        return 0;
}

int mountpoint_is_mounted(int fd, uint64_t *ret_mnt_id) {
        uint64_t id, parent_id;
        dev_t dev, parent_dev;
        int r;

        if (fd < 0)
                return -EINVAL;
        r = mount_id_of(fd, "", &id, &dev);
        if (r < 0)
                return r;
        /* ".." of a mount's root is the directory it is mounted on. */
        r = mount_id_of(fd, "..", &parent_id, &parent_dev);
        if (r < 0)
                return r;
        if (id != 0 && parent_id != 0) {
                if (id == parent_id)
                        return 0;
        } else if (dev == parent_dev)
                return 0;
        if (ret_mnt_id)
                *ret_mnt_id = id;
        return 1;
}

int fd_is_tmpfs(int fd) {
        struct statfs sf;

        if (fstatfs(fd, &sf) < 0)
                return negative_errno();
        return sf.f_type == TMPFS_MAGIC;
}

int tmpfs_mount_onto(int fd, uint64_t size, mode_t mode, uid_t uid, gid_t gid) {
        _cleanup_close_ int fs = -EBADF, mnt = -EBADF;
        char v[32];

        if (fd < 0)
                return -EINVAL;
        fs = (int) syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
        if (fs < 0)
                return negative_errno();
#define SET(key, fmt, val) \
        do { \
                snprintf(v, sizeof v, fmt, val); \
                if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, v, 0) < 0) \
                        return negative_errno(); \
        } while (0)
        /* As mount(8) names it: what findmnt and the mount table show. */
        SET("source", "%s", "tmpfs");
        SET("size", "%" PRIu64, size);
        SET("mode", "%o", (unsigned) (mode & 07777));
        SET("uid", "%u", (unsigned) uid);
        SET("gid", "%u", (unsigned) gid);
#undef SET
        if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return negative_errno();
        mnt = (int) syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
        if (mnt < 0)
                return negative_errno();
        if (syscall(SYS_move_mount, mnt, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return negative_errno();
        return 0;
}
