/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The keeper's tmpfs: opened without following any symbolic link, adopted
 * when already mounted (by mount ID), mounted onto the opened descriptor
 * otherwise (see lib/mountpoint.h). */

#include <fcntl.h>
#include <inttypes.h>
#include <grp.h>
#include <pwd.h>

#include "fileio.h"
#include "keeper.h"
#include "log.h"
#include "mountinfo.h"
#include "mountpoint.h"
#include "path.h"
#include "size.h"

static int resolve_owner(const char *owner, uid_t *ret_uid, gid_t *ret_gid) {
        _cleanup_free_ char *user = NULL;
        const char *group = NULL;
        uid_t uid = 0;
        gid_t gid = 0;
        char *colon, *end;

        if (!owner) {
                *ret_uid = 0;
                *ret_gid = 0;
                return 0;
        }
        user = strdup(owner);
        if (!user)
                return -ENOMEM;
        colon = strchr(user, ':');
        if (colon) {
                *colon = 0;
                group = colon + 1;
        }

        errno = 0;
        uid = (uid_t) strtoul(user, &end, 10);
        if (*end == 0 && errno == 0) {
                struct passwd *pw = getpwuid(uid);

                /* A numeric id without an entry: its group is root's. */
                gid = pw ? pw->pw_gid : 0;
        } else {
                struct passwd *pw = getpwnam(user);

                if (!pw)
                        return -ESRCH;
                uid = pw->pw_uid;
                gid = pw->pw_gid;
        }
        if (group) {
                errno = 0;
                gid = (gid_t) strtoul(group, &end, 10);
                if (*end != 0 || errno != 0) {
                        struct group *gr = getgrnam(group);

                        if (!gr)
                                return -ESRCH;
                        gid = gr->gr_gid;
                }
        }
        *ret_uid = uid;
        *ret_gid = gid;
        return 0;
}

static void log_mount(const Keeper *k, const Mount *m, const char *what) {
        char size[FORMAT_BYTES_MAX];

        (void) log_struct(LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_TMPFS_MOUNTED,
                          "MESSAGE=%s tmpfs %s of %s (size %s, mode %04o, owner %s).", what, m->spec.path,
                          k->entity, format_bytes(size, sizeof size, m->spec.size), m->spec.mode,
                          m->spec.owner ?: "root", "CGPERSIST_ENTITY=%s", k->entity, "CGPERSIST_PATH=%s",
                          m->spec.path, "CGPERSIST_BYTES=%" PRIu64, m->spec.size, NULL);
}

static void log_refused(const Keeper *k, const Mount *m, const MountpointRefusal *why) {
        _cleanup_free_ char *msg = NULL;

        if (mountpoint_refusal_message(m->spec.path, why, &msg) < 0) {
                log_oom();
                return;
        }
        (void) log_struct(LOG_ERR, "MESSAGE_ID=" MESSAGE_ID_TMPFS_REFUSED,
                          "MESSAGE=Not mounting tmpfs %s, not re-homing there.", msg, "CGPERSIST_ENTITY=%s",
                          k->entity, "CGPERSIST_PATH=%s", m->spec.path, "CGPERSIST_REASON=%s",
                          mountpoint_problem_to_string(why->problem), "CGPERSIST_COMPONENT=%s",
                          strempty(why->component), "CGPERSIST_ERRNO=%d", why->error, NULL);
}

/* Opens the mount point of m, safely (see mountpoint.h): an O_PATH
 * descriptor of what is there now, the topmost mount if any. */
static int open_mount_point(const Mount *m, bool create, int *ret_fd, MountpointRefusal *why) {
        _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (root < 0)
                return negative_errno();
        return mountpoint_open(root, m->spec.path, create, ret_fd, why);
}

/* How many mounts are stacked where mnt_id is (1: it alone); 0 if unknown. */
static unsigned stack_depth(const Keeper *k, uint64_t mnt_id) {
        _cleanup_free_ char *p = path_join(k->proc, "self/mountinfo"), *text = NULL;

        if (!p || read_full_file(p, 16 * 1024 * 1024, &text, NULL) < 0)
                return 0;
        return mountinfo_stack_depth(text, mnt_id);
}

/* Mounts m unless something is mounted there already: a keeper restarted
 * must find its data where it left it, so an existing tmpfs is adopted as it
 * is (never mounted over, which would hide the data), and anything else on
 * the mount point is left alone and not walked. What is mounted there is a
 * question of mount IDs, not of path names (see mountpoint.c).
 *
 * A path that is not safe for root to mount on (a symbolic link in it, a
 * directory above it that a user other than root can write) is refused and
 * logged, and the entry is left out: not mounted, not walked, until the
 * path is fixed and the keeper restarted. The keeper goes on with the other
 * entries and the service starts, without that tmpfs: what it writes there
 * lands on the file system below, with its own rights. */
int keeper_mount(const Keeper *k, Mount *m) {
        _cleanup_(mountpoint_refusal_done) MountpointRefusal why = { .problem = _MOUNTPOINT_PROBLEM_MAX };
        _cleanup_close_ int fd = -EBADF;
        uint64_t mnt_id = 0;
        struct stat st;
        unsigned depth;
        uid_t uid;
        gid_t gid;
        int r;

        r = open_mount_point(m, true, &fd, &why);
        if (r < 0) {
                if (!mountpoint_problem_to_string(why.problem))
                        return log_error_errno(r, "Failed to open the mount point %s: %m", m->spec.path);
                log_refused(k, m, &why);
                return r;
        }

        r = mountpoint_is_mounted(fd, &mnt_id);
        if (r < 0)
                return log_error_errno(r, "Failed to tell whether something is mounted on %s: %m",
                                       m->spec.path);
        if (r > 0) {
                r = fd_is_tmpfs(fd);
                if (r < 0)
                        return log_error_errno(r, "Failed to find the file system of %s: %m", m->spec.path);
                if (r == 0) {
                        log_error(
                                "%s is the mount point of another file system than tmpfs: not mounting over "
                                "it, not re-homing there.",
                                m->spec.path);
                        return -EEXIST;
                }
                depth = stack_depth(k, mnt_id);
                if (depth > 1)
                        log_warning("%u tmpfs are stacked on %s: adopting the topmost; the data of the ones "
                                    "below is hidden (unmount the topmost after saving what it holds).",
                                    depth, m->spec.path);
                log_mount(k, m, "Adopted the existing");
        } else {
                r = resolve_owner(m->spec.owner, &uid, &gid);
                if (r < 0)
                        return log_error_errno(r, "Failed to resolve owner=%s of %s: %m", m->spec.owner,
                                               m->spec.path);
                r = tmpfs_mount_onto(fd, m->spec.size, m->spec.mode, uid, gid);
                if (r < 0)
                        return log_error_errno(r, "Failed to mount tmpfs on %s: %m", m->spec.path);
                log_mount(k, m, "Mounted");
                /* fd is the directory below the new mount: look again. */
                close(TAKE_FD(fd));
                r = open_mount_point(m, false, &fd, &why);
                if (r < 0)
                        return log_error_errno(r, "Failed to open %s after mounting it: %m", m->spec.path);
                r = mountpoint_is_mounted(fd, &mnt_id);
                if (r <= 0)
                        return log_error_errno(r < 0 ? r : -ENOENT, "Failed to find the new mount on %s: %m",
                                               m->spec.path);
        }

        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "Failed to stat %s: %m", m->spec.path);
        m->dev = st.st_dev;
        m->mnt_id = mnt_id;
        m->active = true;
        return 0;
}

/* The root directory of m for a pass, if it is still the mount we adopted
 * or made: -ESTALE when it was unmounted or replaced since. */
int keeper_open_mount_root(const Mount *m) {
        _cleanup_(mountpoint_refusal_done) MountpointRefusal why = {};
        _cleanup_close_ int pfd = -EBADF;
        uint64_t mnt_id = 0;
        struct stat st;
        int r, fd;

        r = open_mount_point(m, false, &pfd, &why);
        if (r < 0)
                return r;
        r = mountpoint_is_mounted(pfd, &mnt_id);
        if (r < 0)
                return r;
        if (r == 0 || (mnt_id != 0 && m->mnt_id != 0 && mnt_id != m->mnt_id))
                return -ESTALE;
        fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0 || st.st_dev != m->dev) {
                close(fd);
                return -ESTALE;
        }
        return fd;
}
