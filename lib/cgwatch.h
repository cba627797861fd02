/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cgroupfs.h"

/* Cgroups removed below given roots, seen through inotify: a mkdir()
 * or rmdir() of a cgroup directory is reported on its parent (IN_CREATE,
 * IN_DELETE), on cgroupfs as on any file system. Each root is watched with
 * every directory below it; directories made later are watched as they come.
 * A watch pins the directory's inode (a kernfs node), not the cgroup or its
 * memcg: a watched cgroup that is removed goes as it would unwatched.
 *
 * The caller learns, per root, that something below changed; what changed
 * it reads itself. A root counts as watched once cgwatch_add() returned: a
 * change before that is the caller's to read (its count of dying cgroups,
 * say), one after it is reported. */

typedef struct CgroupWatch CgroupWatch;

/* max_watches bounds the directories watched (each an inotify watch, a
 * kernel resource limited per user). */
int cgwatch_new(const CgroupFs *fs, size_t max_watches, CgroupWatch **ret);
CgroupWatch *cgwatch_free(CgroupWatch *w);

/* The inotify descriptor: readable when cgwatch_process() has something. */
int cgwatch_fd(const CgroupWatch *w);

/* Watches cgpath and every directory below it, except below the cgroup of a
 * unit that may be delegated (NAME.service, .scope, .socket, .mount, .swap,
 * cgpath itself included): that one is watched, nothing below it. 0, or a negative errno
 * (-ENOENT: no such cgroup; -ENOSPC: past max_watches or the kernel's
 * limit), and then nothing of cgpath is watched. Adding a root watched
 * already watches it afresh. */
int cgwatch_add(CgroupWatch *w, const char *cgpath);
/* Stops watching the root cgpath. */
void cgwatch_remove(CgroupWatch *w, const char *cgpath);

/* changed(root, gone): a directory was removed below root (directories
 * made are watched, not reported); gone: root itself was removed, or could
 * not be watched any further, and is no longer watched. After a lost event (the
 * kernel's queue overflowed) nothing is watched any more and changed(NULL,
 * true) says so once. */
typedef void (*cgwatch_changed_fn)(const char *root, bool gone, void *userdata);

/* Reads what is queued, without blocking, and reports it. The number of
 * events read, or a negative errno. */
int cgwatch_process(CgroupWatch *w, cgwatch_changed_fn changed, void *userdata);

/* Whether every cgroup removed below root is seen: root is watched and holds
 * no unit's cgroup with cgroups below it (made by a Delegate=yes unit:
 * removals deeper than right below the unit's cgroup go unseen). */
bool cgwatch_complete(const CgroupWatch *w, const char *root);

/* Directories watched now. */
size_t cgwatch_n_watches(const CgroupWatch *w);
