/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Cgroup paths, and what the kernel and systemd tell about a cgroup by its
 * path: the cgroup of a process, the cgroup id, the invocation id. */

/* Normalizes a cgroup path to "a/b" ("" for the root cgroup): a leading "/",
 * empty and "." components are dropped; ".." is refused (-EINVAL), since a
 * cgroup path from systemd never has one and it is the way out of root. */
int cgpath_normalize(const char *cgpath, char **ret);

/* The same as "/a/b", for a cgroup below the root whose every component is
 * a safe file name (filename_is_safe()); -EINVAL for the root or anything
 * else. */
int cgpath_absolute(const char *cgpath, char **ret);

/* The unified-hierarchy path of a process, the "0::" line of
 * <proc>/<pid>/cgroup, as the kernel writes it ("/" for the root cgroup).
 * pid: a number or "self". -ENOMEDIUM without cgroup v2. */
int proc_pid_cgroup(const char *proc, const char *pid, char **ret);

/* The cgroup id (inode number of its directory below root), as
 * /proc/kpagecgroup and bpf report it. -ENOTDIR for a file. */
int cgpath_id(const char *root, const char *cgpath, uint64_t *ret);

/* The invocation id systemd set on a unit's cgroup: the xattr
 * "trusted.invocation_id" (32 hex digits; systemd 232 and later). Only the
 * trusted.* namespace: it takes CAP_SYS_ADMIN to set, where the user.* copy
 * newer systemd also writes is the delegated user's to change. -ENODATA if
 * unset, -EBADMSG if not an invocation id. */
int cgpath_invocation_id(const char *root, const char *cgpath, char **ret);

/* The cgroup a stop hook may act on. own is the hook's cgroup as the kernel
 * reports it; unit and entity come from the hook's command line, written by
 * cgpersist-generator (NULL for either: take it from own, for drop-ins of an
 * older generator). systemd runs ExecStopPost= in the unit's cgroup, or for
 * a Delegate=yes unit in its ".control" child; a delegated service can move
 * the hook anywhere in its own subtree. So own must be exactly
 * "/<cgroup of entity>/<unit>" or that plus "/.control", and no path inside
 * a delegated subtree is: its every ancestor would have to be a slice. On
 * success ret is the instance cgroup ("/system.slice/system-web.slice/
 * web.service"); on -EPERM, *ret_reason says why. Returns 1 for the unit's
 * own cgroup in another slice than entity (an instance that started before
 * its entity was configured), also "/<slices>/<unit>" and out of reach of a
 * delegated service; 0 for the entity's. */
int cgpath_stop_hook_instance(const char *own, const char *unit, const char *entity, char **ret,
                              const char **ret_reason);
