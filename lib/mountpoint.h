/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A mount point that root can trust, and a tmpfs mounted onto it by file
 * descriptor (see mountpoint.c). */

typedef enum MountpointProblem {
        MOUNTPOINT_SYMLINK, /* a component is a symbolic link */
        MOUNTPOINT_WRITABLE, /* an ancestor can be written by a user other than root */
        MOUNTPOINT_NOT_DIRECTORY, /* a component is no directory */
        MOUNTPOINT_ERROR, /* another error; see error */
        _MOUNTPOINT_PROBLEM_MAX,
} MountpointProblem;

typedef struct MountpointRefusal {
        MountpointProblem problem;
        int error; /* positive errno */
        char *component; /* the path up to the component at fault, malloc'ed */
        uid_t uid; /* of that component (MOUNTPOINT_WRITABLE) */
        gid_t gid;
        mode_t mode;
} MountpointRefusal;

void mountpoint_refusal_done(MountpointRefusal *r);

/* Short keyword for CGPERSIST_REASON= ("symlink", "writable", ...); NULL for
 * an invalid value. */
const char *mountpoint_problem_to_string(MountpointProblem p);

/* One line: "/srv/a/b: /srv/a is writable by uid 1000 (mode 0755, owner
 * 1000:1000)". 0 or -ENOMEM, -EINVAL. Components are escaped. */
int mountpoint_refusal_message(const char *path, const MountpointRefusal *r, char **ret);

/* Opens path (absolute, normalized: no "." or ".." components, no double
 * slashes) below root_fd, one component at a time, never following a
 * symbolic link, and refuses it if any directory above the last component,
 * root_fd's own included, can be written by someone other than root: its
 * owner is not uid 0, it is writable by others (a sticky /tmp as well), or
 * by a group other than gid 0. With create, missing directories are made
 * (mode 0755, owned by the caller). Returns 0 and an O_PATH descriptor of
 * the directory at path (the topmost mount there, if any), or a negative
 * errno and *ret_refusal filled in: -ELOOP, -EPERM, -ENOTDIR for the
 * problems above, the error of a call otherwise. */
int mountpoint_open(int root_fd, const char *path, bool create, int *ret_fd, MountpointRefusal *ret_refusal);

/* Whether the directory fd (any descriptor, O_PATH too) is the root of a
 * mount: its mount ID (statx STATX_MNT_ID, 5.8+) differs from that of its
 * parent, or, without mount IDs, its device does. 1 and *ret_mnt_id (0 when
 * not known) if so, 0 if not, negative errno. */
int mountpoint_is_mounted(int fd, uint64_t *ret_mnt_id);

/* Whether fd is on a tmpfs (fstatfs). 1, 0 or negative errno. */
int fd_is_tmpfs(int fd);

/* Mounts a new tmpfs onto the directory fd (fsopen, fsconfig, fsmount,
 * move_mount with MOVE_MOUNT_T_EMPTY_PATH: Linux 5.2+), nosuid and nodev,
 * with the given size in bytes, mode of its root and owner. 0 or negative
 * errno. Needs CAP_SYS_ADMIN. */
int tmpfs_mount_onto(int fd, uint64_t size, mode_t mode, uid_t uid, gid_t gid);
