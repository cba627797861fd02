/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgpersist-keeper: the persistent leaf of an entity (cgpersist-keeper(8)).
 * Runs as cgpersist-keeper@ENTITY.service with Slice=ENTITY.slice, so its
 * cgroup lives as long as the entity. It mounts the tmpfs that the entity's
 * services declare (in the host's mount namespace: the unit has no
 * sandboxing) and re-homes files that instances wrote: copies them, so that
 * the copy is charged to this cgroup, verifies that page by page through
 * /proc/kpagecgroup, and renames the copy over the original.
 *
 * Kernel facts: shmem pages are charged to whoever first writes or faults
 * them in, and stay there while anything holds the file; there is no way to
 * move a charge, only to make a new page. A file lease (F_SETLEASE F_WRLCK)
 * is granted only while no other open file description of the inode exists
 * (a mapping keeps its file open), and an open() or truncate() by anyone else
 * breaks it, which F_GETLEASE then shows. */

#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <systemd/sd-daemon.h>

#include "build-config.h"
#include "cgpath.h"
#include "config.h"
#include "extents.h"
#include "fileio.h"
#include "keeperproto.h"
#include "lastgood.h"
#include "log.h"
#include "macro.h"
#include "mountinfo.h"
#include "mountpoint.h"
#include "pagecharge.h"
#include "path.h"
#include "rehome.h"
#include "size.h"
#include "timeutil.h"
#include "unitname.h"
#include "unitscan.h"

#define TMP_PREFIX ".#cgpersist-rehome-"
#define COPY_CHUNK (UINT64_C(1) << 20)

static const char *arg_cgroup_root = "/sys/fs/cgroup";
static const char *arg_proc = "/proc";
static const char *arg_config_root = "/";
static const char *arg_socket_dir = CGPERSIST_RUNDIR "/keeper";
static const char *arg_entity = NULL;
/* Each pass ends by then, whatever is left is tried at the next one: below
 * the stop hook's default --rehome-timeout (30 s), so that the hook gets an
 * answer, and well below systemd's start timeout for the pass at start. */
static uint64_t arg_pass_timeout_usec = 20 * USEC_PER_SEC;

typedef struct Mount {
        TmpfsSpec spec;
        bool active; /* mounted (by us or before) and ours to walk */
        dev_t dev;
        uint64_t mnt_id; /* 0: not known (no STATX_MNT_ID) */
} Mount;

typedef struct Keeper {
        Mount *mounts;
        size_t n_mounts;
        char *own_cgroup; /* "/system.slice/ENT.slice/cgpersist-keeper@ENT.service" */
        RehomeIds ids;
        const char *dying_cgroup; /* of the current pass, NULL at start */
        char *buf;
        sigset_t stop_mask;
        sigset_t lease_mask; /* the lease break signal (F_SETSIG), and SIGIO */
        int lease_signal;
        bool stopping;
        uint64_t deadline; /* of the current pass, CLOCK_MONOTONIC */
        bool timed_out; /* the current pass reached its deadline */
        KeeperReply sum;
} Keeper;

/* ---- small helpers --------------------------------------------------- */

static int cgroup_id_of(const char *cgpath, uint64_t *ret) {
        return cgpath_id(arg_cgroup_root, cgpath, ret);
}

/* The unified-hierarchy path of a process ("0::/system.slice/..."). */
static int cgroup_of_pid(const char *pid, char **ret) {
        return proc_pid_cgroup(arg_proc, pid, ret);
}

static bool stop_requested(Keeper *k) {
        struct timespec zero = {};

        if (!k->stopping && sigtimedwait(&k->stop_mask, NULL, &zero) > 0)
                k->stopping = true;
        return k->stopping;
}

/* The pass must end: a stop was requested or its deadline passed. */
static bool pass_over(Keeper *k) {
        if (stop_requested(k))
                return true;
        if (!k->timed_out && deadline_check(k->deadline) < 0)
                k->timed_out = true;
        return k->timed_out;
}

/* Forgets lease break signals of files we are done with. */
static void lease_signals_flush(Keeper *k) {
        struct timespec zero = {};

        for (unsigned i = 0; i < 1024 && sigtimedwait(&k->lease_mask, NULL, &zero) > 0; i++)
                ;
}

/* Whether someone began to break our lease on fd: the signal of F_SETSIG
 * says so at once (SIGIO if the queue of real-time signals overflowed),
 * F_GETLEASE confirms (a lease being broken reads as the type it is being
 * broken to). Leases are held on one file at a time, so any signal is ours;
 * a stale one only costs an F_GETLEASE. */
static bool lease_broken(Keeper *k, int fd) {
        struct timespec zero = {};

        if (sigtimedwait(&k->lease_mask, NULL, &zero) <= 0)
                return false;
        return fcntl(fd, F_GETLEASE) != F_WRLCK;
}

/* ---- mounts ---------------------------------------------------------- */

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

static void log_mount(const Mount *m, const char *what) {
        char size[FORMAT_BYTES_MAX];

        (void) log_struct(LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_TMPFS_MOUNTED,
                          "MESSAGE=%s tmpfs %s of %s (size %s, mode %04o, owner %s).", what, m->spec.path,
                          arg_entity, format_bytes(size, sizeof size, m->spec.size), m->spec.mode,
                          m->spec.owner ?: "root", "CGPERSIST_ENTITY=%s", arg_entity, "CGPERSIST_PATH=%s",
                          m->spec.path, "CGPERSIST_BYTES=%" PRIu64, m->spec.size, NULL);
}

static void log_refused(const Mount *m, const MountpointRefusal *why) {
        _cleanup_free_ char *msg = NULL;

        if (mountpoint_refusal_message(m->spec.path, why, &msg) < 0) {
                log_oom();
                return;
        }
        (void) log_struct(LOG_ERR, "MESSAGE_ID=" MESSAGE_ID_TMPFS_REFUSED,
                          "MESSAGE=Not mounting tmpfs %s, not re-homing there.", msg, "CGPERSIST_ENTITY=%s",
                          arg_entity, "CGPERSIST_PATH=%s", m->spec.path, "CGPERSIST_REASON=%s",
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
static unsigned stack_depth(uint64_t mnt_id) {
        _cleanup_free_ char *p = path_join(arg_proc, "self/mountinfo"), *text = NULL;

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
static int mount_one(Mount *m) {
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
                log_refused(m, &why);
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
                depth = stack_depth(mnt_id);
                if (depth > 1)
                        log_warning("%u tmpfs are stacked on %s: adopting the topmost; the data of the ones "
                                    "below is hidden (unmount the topmost after saving what it holds).",
                                    depth, m->spec.path);
                log_mount(m, "Adopted the existing");
        } else {
                r = resolve_owner(m->spec.owner, &uid, &gid);
                if (r < 0)
                        return log_error_errno(r, "Failed to resolve owner=%s of %s: %m", m->spec.owner,
                                               m->spec.path);
                r = tmpfs_mount_onto(fd, m->spec.size, m->spec.mode, uid, gid);
                if (r < 0)
                        return log_error_errno(r, "Failed to mount tmpfs on %s: %m", m->spec.path);
                log_mount(m, "Mounted");
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
static int open_mount_root(const Mount *m) {
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

/* ---- who holds a file ------------------------------------------------- */

typedef struct Holder {
        long pid;
        char comm[64];
        char *unit;
} Holder;

static bool fd_dir_holds(const char *pid, const struct stat *st) {
        _cleanup_free_ char *dir = path_join(arg_proc, pid, "fd");
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (!dir || !(d = opendir(dir)))
                return false;
        while ((de = readdir(d))) {
                struct stat t;

                if (de->d_name[0] == '.')
                        continue;
                /* stat() follows the magic link to the open file itself. */
                if (fstatat(dirfd(d), de->d_name, &t, 0) == 0 && t.st_dev == st->st_dev &&
                    t.st_ino == st->st_ino)
                        return true;
        }
        return false;
}

static bool maps_hold(const char *pid, const struct stat *st) {
        _cleanup_free_ char *p = path_join(arg_proc, pid, "maps");
        _cleanup_fclose_ FILE *f = NULL;
        char line[4096];

        if (!p || !(f = fopen(p, "re")))
                return false;
        while (fgets(line, sizeof line, f)) {
                unsigned maj, min;
                unsigned long long ino;

                /* ADDR PERMS OFFSET MAJ:MIN INODE [PATH] */
                if (sscanf(line, "%*s %*s %*s %x:%x %llu", &maj, &min, &ino) == 3 && ino == st->st_ino &&
                    makedev(maj, min) == st->st_dev)
                        return true;
        }
        return false;
}

/* The first process (other than us) that has the file open or mapped. */
static bool find_holder(const struct stat *st, Holder *ret) {
        _cleanup_closedir_ DIR *d = opendir(arg_proc);
        struct dirent *de;
        long self = (long) getpid();

        if (!d)
                return false;
        while ((de = readdir(d))) {
                _cleanup_free_ char *comm_path = NULL, *comm = NULL, *cg = NULL;
                char *end;
                long pid = strtol(de->d_name, &end, 10);

                if (*end || pid <= 0 || pid == self)
                        continue;
                if (!fd_dir_holds(de->d_name, st) && !maps_hold(de->d_name, st))
                        continue;

                *ret = (Holder){ .pid = pid };
                comm_path = path_join(arg_proc, de->d_name, "comm");
                if (comm_path && read_full_file(comm_path, 256, &comm, NULL) >= 0) {
                        comm[strcspn(comm, "\n")] = 0;
                        snprintf(ret->comm, sizeof ret->comm, "%s", comm);
                }
                if (cgroup_of_pid(de->d_name, &cg) >= 0) {
                        const char *slash = strrchr(cg, '/');

                        ret->unit = strdup(slash && slash[1] ? slash + 1 : cg);
                }
                return true;
        }
        return false;
}

/* ---- re-homing one file ----------------------------------------------- */

static void report_skip(Keeper *k, const RehomeSkip *s) {
        _cleanup_free_ char *msg = NULL;

        k->sum.failed++;
        if (rehome_skip_message(s, &msg) < 0) {
                log_oom();
                return;
        }
        (void) log_struct(LOG_WARNING, "MESSAGE_ID=" MESSAGE_ID_TMPFS_NOT_REHOMED, "MESSAGE=%s", msg,
                          "CGPERSIST_ENTITY=%s", arg_entity, "CGPERSIST_PATH=%s", s->path,
                          "CGPERSIST_REASON=%s", rehome_failure_to_string(s->failure), "CGPERSIST_CGROUP=%s",
                          k->dying_cgroup ?: "", "CGPERSIST_ERRNO=%d", s->error, "CGPERSIST_HOLDER_PID=%ld",
                          s->holder_pid, "CGPERSIST_HOLDER_UNIT=%s", strempty(s->holder_unit),
                          "CGPERSIST_PAGES_ELSEWHERE=%" PRIu64, s->elsewhere, NULL);
}

static int copy_xattrs(int from, int to) {
        _cleanup_free_ char *names = NULL, *value = NULL;
        ssize_t n;

        n = flistxattr(from, NULL, 0);
        if (n < 0)
                return errno == ENOTSUP ? 0 : negative_errno();
        if (n == 0)
                return 0;
        names = malloc((size_t) n);
        value = malloc(65536);
        if (!names || !value)
                return -ENOMEM;
        n = flistxattr(from, names, (size_t) n);
        if (n < 0)
                return negative_errno();
        for (char *name = names; name < names + n; name += strlen(name) + 1) {
                ssize_t v = fgetxattr(from, name, value, 65536);

                if (v < 0)
                        return negative_errno();
                if (fsetxattr(to, name, value, (size_t) v, 0) < 0)
                        return negative_errno();
        }
        return 0;
}

/* Copies the data of from into to, hole for hole: reading a hole of a
 * tmpfs allocates nothing, writing zeros would. Returns bytes copied, or
 * -EBUSY when the lease on from was broken, -ECANCELED when the keeper is
 * stopping, -ETIME at the deadline of the pass: each checked after every
 * chunk, so that an opener waits for a chunk, not for the whole copy. */
static int64_t copy_data(Keeper *k, int from, int to) {
        DataExtents it;
        uint64_t offset, length;
        int64_t copied = 0;
        int r;

        r = data_extents_init(&it, from, k->deadline);
        if (r < 0)
                return r;
        if (ftruncate(to, (off_t) it.end) < 0)
                return negative_errno();
        while ((r = data_extents_next(&it, &offset, &length)) > 0)
                for (uint64_t o = offset; o < offset + length;) {
                        size_t want = (size_t) MIN(offset + length - o, COPY_CHUNK);
                        ssize_t n, w;

                        if (lease_broken(k, from))
                                return -EBUSY;
                        if (pass_over(k))
                                return k->stopping ? -ECANCELED : -ETIME;
                        n = pread(from, k->buf, want, (off_t) o);
                        if (n < 0)
                                return negative_errno();
                        if (n == 0)
                                return -EIO; /* shrank under us: the lease forbids that */
                        w = pwrite(to, k->buf, (size_t) n, (off_t) o);
                        if (w < 0)
                                return negative_errno();
                        if (w != n)
                                return -EIO;
                        o += (uint64_t) n;
                        copied += n;
                }
        if (r == -ETIME)
                k->timed_out = true;
        return r < 0 ? r : copied;
}

static void random_name(char *buf, size_t len) {
        uint64_t r = now_usec(CLOCK_MONOTONIC) ^ ((uint64_t) getpid() << 40);
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

        if (fd >= 0) {
                (void) !read(fd, &r, sizeof r);
                close(fd);
        }
        snprintf(buf, len, TMP_PREFIX "%016" PRIx64, r);
}

/* The verify scan of a copy ends when the keeper stops, the pass runs out
 * of time or the lease on the original is broken. */
typedef struct ScanGuard {
        Keeper *k;
        int fd; /* the original, leased */
        bool lease_broken;
} ScanGuard;

static bool scan_cancelled(void *userdata) {
        ScanGuard *g = userdata;

        if (lease_broken(g->k, g->fd))
                g->lease_broken = true;
        return g->lease_broken || stop_requested(g->k);
}

/* A scan or copy that ended early: reported unless the keeper is stopping
 * (the file is tried again by the next keeper). */
static void report_cut_short(Keeper *k, const char *path, int r, RehomeFailure otherwise) {
        if (r == -ECANCELED && k->stopping) {
                log_debug("Stopping: %s left as it is.", path);
                return;
        }
        if (r == -ETIME)
                k->timed_out = true;
        report_skip(k,
                    &(RehomeSkip){ .path = path,
                                   .failure = r == -EBUSY ? REHOME_LEASE_BROKEN
                                           : r == -ETIME  ? REHOME_TIMEOUT
                                                          : otherwise,
                                   .error = r == -EBUSY || r == -ETIME ? 0 : -r });
}

/* Copy, verify, swap in. Every failure before the swap leaves the original
 * as it was: the copy is an O_TMPFILE that vanishes with its descriptor.
 * st: the original as fstat() saw it under the lease. A lease is broken by
 * open() and truncate() only: a chmod, chown, utimes, setxattr or link by
 * path is not, so the original is compared with st before the swap and
 * after it, and any change keeps the original. */
static void rehome_file(Keeper *k, int dfd, const char *name, const char *path, int fd,
                        const struct stat *st) {
        _cleanup_close_ int tmp = -EBADF;
        char proc_fd[64], tmpname[64];
        PageCharges pc = {};
        ScanGuard guard = { .k = k, .fd = fd };
        PageChargeBounds bounds = { .deadline_usec = k->deadline,
                                    .cancelled = scan_cancelled,
                                    .userdata = &guard };
        struct stat after = {}, now = {};
        int64_t copied;
        uint64_t elsewhere;
        int r;

        tmp = openat(dfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (tmp < 0) {
                report_skip(k, &(RehomeSkip){ .path = path, .failure = REHOME_COPY_FAILED, .error = errno });
                return;
        }
        copied = copy_data(k, fd, tmp);
        if (copied < 0) {
                report_cut_short(k, path, (int) copied, REHOME_COPY_FAILED);
                return;
        }
        r = 0;
        /* Owner first: a chown clears the set-id bits that the chmod sets. */
        if (fchown(tmp, st->st_uid, st->st_gid) < 0)
                r = negative_errno();
        if (r >= 0 && fchmod(tmp, st->st_mode & 07777) < 0)
                r = negative_errno();
        if (r >= 0)
                r = copy_xattrs(fd, tmp);
        if (r >= 0 && futimens(tmp, (struct timespec[2]){ st->st_atim, st->st_mtim }) < 0)
                r = negative_errno();
        if (r < 0) {
                report_skip(k, &(RehomeSkip){ .path = path, .failure = REHOME_COPY_FAILED, .error = -r });
                return;
        }

        r = pagecharge_fd_bounded(tmp, arg_proc, &bounds, &pc);
        if (r < 0) {
                report_cut_short(k, path, guard.lease_broken ? -EBUSY : r, REHOME_SCAN_FAILED);
                return;
        }
        elsewhere = rehome_pages_elsewhere(&pc, k->ids.keeper);
        if (elsewhere > 0) {
                report_skip(k,
                            &(RehomeSkip){ .path = path,
                                           .failure = REHOME_VERIFY_FAILED,
                                           .elsewhere = elsewhere,
                                           .resident = pc.resident });
                pagecharges_done(&pc);
                return;
        }
        pagecharges_done(&pc);

        if (lease_broken(k, fd) || fcntl(fd, F_GETLEASE) != F_WRLCK) {
                report_skip(k, &(RehomeSkip){ .path = path, .failure = REHOME_LEASE_BROKEN });
                return;
        }
        if (fstat(fd, &now) < 0 || !rehome_same_state(st, &now)) {
                report_skip(k, &(RehomeSkip){ .path = path, .failure = REHOME_CHANGED });
                return;
        }

        /* Give the copy a name, then swap it with the original in one step:
         * the path never lacks a complete file. */
        snprintf(proc_fd, sizeof proc_fd, "/proc/self/fd/%d", tmp);
        random_name(tmpname, sizeof tmpname);
        if (linkat(AT_FDCWD, proc_fd, dfd, tmpname, AT_SYMLINK_FOLLOW) < 0) {
                report_skip(k, &(RehomeSkip){ .path = path, .failure = REHOME_COPY_FAILED, .error = errno });
                return;
        }
        if (renameat2(dfd, tmpname, dfd, name, RENAME_EXCHANGE) < 0) {
                r = errno;
                (void) unlinkat(dfd, tmpname, 0);
                report_skip(k, &(RehomeSkip){ .path = path, .failure = REHOME_COPY_FAILED, .error = r });
                return;
        }
        /* The temp name now holds what was at the path. It must be the file
         * we copied, still unopened by anyone (an open() racing with the
         * swap breaks the lease) and unchanged (a chmod racing with the swap
         * by path reached the original): otherwise swap back, keep
         * everything. */
        if (fstatat(dfd, tmpname, &after, AT_SYMLINK_NOFOLLOW) < 0 || after.st_ino != st->st_ino ||
            after.st_dev != st->st_dev || fcntl(fd, F_GETLEASE) != F_WRLCK || fstat(fd, &now) < 0 ||
            !rehome_same_state_renamed(st, &now)) {
                bool same = after.st_ino == st->st_ino && after.st_dev == st->st_dev;
                bool leased = same && fcntl(fd, F_GETLEASE) == F_WRLCK;

                if (renameat2(dfd, tmpname, dfd, name, RENAME_EXCHANGE) < 0)
                        log_error_errno(errno, "Failed to swap %s back from %s, both are kept: %m", path,
                                        tmpname);
                else
                        (void) unlinkat(dfd, tmpname, 0);
                report_skip(k,
                            &(RehomeSkip){ .path = path,
                                           .failure = !same  ? REHOME_COPY_FAILED
                                                   : !leased ? REHOME_LEASE_BROKEN
                                                             : REHOME_CHANGED,
                                           .error = same ? 0 : ESTALE });
                return;
        }
        if (unlinkat(dfd, tmpname, 0) < 0)
                log_warning_errno(errno, "Failed to remove the old copy of %s (%s), ignoring: %m", path,
                                  tmpname);
        k->sum.moved++;
        k->sum.bytes += (uint64_t) copied;
        log_debug("Re-homed %s (%" PRId64 " bytes).", path, copied);
}

static void visit_file(Keeper *k, int dfd, const char *name, const char *path, dev_t dev) {
        _cleanup_close_ int fd = -EBADF;
        PageCharges pc = {};
        PageChargeBounds bounds = { .deadline_usec = k->deadline };
        struct stat st, leased;
        uint64_t tomove;
        int r;

        /* O_NONBLOCK: a lease someone else holds makes open() fail with
         * EWOULDBLOCK instead of waiting for it. O_NOATIME: looking is not
         * reading. */
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME | O_NONBLOCK | O_NOCTTY);
        if (fd < 0 && errno == EPERM)
                fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
                if (errno == EWOULDBLOCK) {
                        k->sum.files++;
                        report_skip(k, &(RehomeSkip){ .path = path, .failure = REHOME_OPEN });
                }
                return;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_dev != dev)
                return;
        k->sum.files++;

        /* Only the data extents are scanned (a sparse file of 2^63-1 bytes
         * has a few pages), within the deadline of the pass. */
        r = pagecharge_fd_bounded(fd, arg_proc, &bounds, &pc);
        if (r < 0) {
                report_cut_short(k, path, r, REHOME_SCAN_FAILED);
                return;
        }
        tomove = rehome_pages_to_move(&pc, &k->ids);
        pagecharges_done(&pc);
        if (tomove == 0)
                return;

        if (st.st_nlink > 1) {
                report_skip(k, &(RehomeSkip){ .path = path, .failure = REHOME_HARDLINKED });
                return;
        }

        /* The break of the lease is signalled with k->lease_signal and the
         * fd (F_SETSIG), which we look for while copying; signals of
         * earlier files are forgotten first. */
        lease_signals_flush(k);
        if (fcntl(fd, F_SETSIG, k->lease_signal) < 0) {
                report_skip(k, &(RehomeSkip){ .path = path, .failure = REHOME_COPY_FAILED, .error = errno });
                return;
        }
        if (fcntl(fd, F_SETLEASE, F_WRLCK) < 0) {
                Holder h = {};

                if (errno != EAGAIN && errno != EBUSY) {
                        report_skip(k,
                                    &(RehomeSkip){
                                            .path = path, .failure = REHOME_COPY_FAILED, .error = errno });
                        return;
                }
                (void) find_holder(&st, &h);
                report_skip(k,
                            &(RehomeSkip){ .path = path,
                                           .failure = REHOME_OPEN,
                                           .holder_pid = h.pid,
                                           .holder_unit = h.unit,
                                           .holder_comm = h.comm[0] ? h.comm : NULL });
                free(h.unit);
                return;
        }
        /* What the copy must keep, as it is now that nobody else has the
         * file open. */
        if (fstat(fd, &leased) < 0)
                report_skip(k, &(RehomeSkip){ .path = path, .failure = REHOME_COPY_FAILED, .error = errno });
        else if (leased.st_nlink > 1)
                report_skip(k, &(RehomeSkip){ .path = path, .failure = REHOME_HARDLINKED });
        else
                rehome_file(k, dfd, name, path, fd, &leased);
        /* Releasing the lease lets a blocked opener go on at once. */
        (void) fcntl(fd, F_SETLEASE, F_UNLCK);
}

/* Walks a directory of one mount (never into another mount: st_dev). */
static void walk(Keeper *k, int dfd, const char *dir_path, dev_t dev, bool clean_leftovers, unsigned depth) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        if (depth > 64) {
                log_warning("%s is nested too deep, not looking further.", dir_path);
                return;
        }
        fd = dup(dfd);
        if (fd < 0 || !(d = fdopendir(fd))) {
                if (fd >= 0)
                        close(fd);
                log_warning_errno(errno, "Failed to read %s, ignoring: %m", dir_path);
                return;
        }

        while (!pass_over(k) && (de = readdir(d))) {
                _cleanup_free_ char *path = NULL;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                path = path_join(dir_path, de->d_name);
                if (!path) {
                        log_oom();
                        return;
                }
                if (strneq(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX))) {
                        /* A copy or an original a killed keeper left behind
                         * between linking and swapping: in either case the
                         * path beside it holds a complete file. */
                        if (clean_leftovers && unlinkat(dirfd(d), de->d_name, 0) >= 0)
                                log_notice("Removed %s, left by an interrupted re-homing.", path);
                        continue;
                }
                if (de->d_type == DT_DIR) {
                        _cleanup_close_ int sub = openat(dirfd(d), de->d_name,
                                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        struct stat st;

                        if (sub >= 0 && fstat(sub, &st) >= 0 && st.st_dev == dev)
                                walk(k, sub, path, dev, clean_leftovers, depth + 1);
                        continue;
                }
                if (de->d_type != DT_REG)
                        continue;
                visit_file(k, dirfd(d), de->d_name, path, dev);
        }
}

/* One pass over every mount. dying: the stopping instance's cgroup path, or
 * NULL at start. */
static KeeperReply rehome_all(Keeper *k, const char *dying) {
        char bytes[FORMAT_BYTES_MAX];
        uint64_t t0 = now_usec(CLOCK_MONOTONIC);
        int r;

        k->sum = (KeeperReply){};
        k->deadline = t0 + arg_pass_timeout_usec;
        k->timed_out = false;
        k->ids.dying = 0;
        k->dying_cgroup = dying;
        if (dying) {
                r = cgroup_id_of(dying, &k->ids.dying);
                if (r < 0)
                        /* Gone already: its pages read as the entity's. */
                        log_debug_errno(r, "Failed to find cgroup %s, re-homing what the entity holds: %m",
                                        dying);
        }

        for (size_t i = 0; i < k->n_mounts; i++) {
                _cleanup_close_ int dfd = -EBADF;

                if (!k->mounts[i].active || pass_over(k))
                        continue;
                dfd = open_mount_root(&k->mounts[i]);
                if (dfd < 0) {
                        log_warning_errno(dfd, "Failed to open the tmpfs %s, not re-homing there: %m",
                                          k->mounts[i].spec.path);
                        continue;
                }
                walk(k, dfd, k->mounts[i].spec.path, k->mounts[i].dev, !dying, 0);
        }
        k->sum.usec = now_usec(CLOCK_MONOTONIC) - t0;

        (void) log_struct(
                k->sum.failed > 0 ? LOG_WARNING : LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_TMPFS_REHOMED,
                "MESSAGE=Re-homed %" PRIu64 " of %" PRIu64 " files (%s) of %s %s%s in %" PRIu64 " ms%s%s.",
                k->sum.moved, k->sum.files, format_bytes(bytes, sizeof bytes, k->sum.bytes), arg_entity,
                dying ? "after the stop of " : "at keeper start", dying ? strrchr(dying, '/') + 1 : "",
                k->sum.usec / 1000, k->sum.failed > 0 ? ", some not re-homed (see the messages before)" : "",
                k->timed_out          ? "; the pass reached its time limit, the rest waits for the next one"
                        : k->stopping ? "; the pass ended early, the keeper is stopping"
                                      : "",
                "CGPERSIST_ENTITY=%s", arg_entity, "CGPERSIST_CGROUP=%s", dying ?: "",
                "CGPERSIST_FILES=%" PRIu64, k->sum.files, "CGPERSIST_MOVED=%" PRIu64, k->sum.moved,
                "CGPERSIST_FAILED=%" PRIu64, k->sum.failed, "CGPERSIST_BYTES=%" PRIu64, k->sum.bytes,
                "CGPERSIST_USEC=%" PRIu64, k->sum.usec, "CGPERSIST_COMPLETE=%d",
                !k->timed_out && !k->stopping, NULL);
        /* The message above is written once the dying instance's id was
         * resolved; a log line mentioning it in the middle of a pass would
         * not help anyone. */
        k->dying_cgroup = NULL;
        return k->sum;
}

/* ---- the socket -------------------------------------------------------- */

static int socket_path(char **ret) {
        _cleanup_free_ char *name = NULL;

        if (asprintf(&name, "%s.sock", arg_entity) < 0)
                return -ENOMEM;
        *ret = path_join(arg_socket_dir, name);
        return *ret ? 0 : -ENOMEM;
}

static int listen_socket(int *ret) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int r;

        r = socket_path(&path);
        if (r < 0)
                return r;
        if (strlen(path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);

        r = mkdir_p(arg_socket_dir, 0755);
        if (r < 0)
                return r;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        /* A socket left by a killed keeper: nobody listens on it. */
        (void) unlink(path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                return negative_errno();
        if (chmod(path, 0600) < 0)
                return negative_errno();
        if (listen(fd, 16) < 0)
                return negative_errno();
        *ret = TAKE_FD(fd);
        return 0;
}

static void send_reply(int fd, const KeeperReply *r, const char *text) {
        _cleanup_free_ char *line = NULL;

        if (keeper_reply_format(r, text, &line) < 0)
                return;
        /* The hook may have given up waiting: no SIGPIPE for that. */
        (void) send(fd, line, strlen(line), MSG_NOSIGNAL);
}

/* cgroup is "/<cgroup of entity>/<one name>". */
static bool cgroup_is_instance_of(const char *cgroup, const char *entity) {
        _cleanup_free_ char *ecg = NULL;
        size_t n;

        if (slice_cgroup_path(entity, &ecg) < 0)
                return false;
        n = strlen(ecg);
        return cgroup[0] == '/' && strneq(cgroup + 1, ecg, n) && cgroup[1 + n] == '/' &&
                !strchr(cgroup + 2 + n, '/');
}

static void refuse_peer(int fd, const struct ucred *cred, const char *cgroup, const char *reason) {
        (void) log_struct(LOG_WARNING, "MESSAGE_ID=" MESSAGE_ID_KEEPER_PEER_REFUSED,
                          "MESSAGE=Refused a re-homing request of %s from pid %d uid %d: %s.", arg_entity,
                          cred ? (int) cred->pid : 0, cred ? (int) cred->uid : -1, reason,
                          "CGPERSIST_ENTITY=%s", arg_entity, "CGPERSIST_CGROUP=%s", strempty(cgroup),
                          "CGPERSIST_PEER_PID=%d", cred ? (int) cred->pid : 0, "CGPERSIST_PEER_UID=%d",
                          cred ? (int) cred->uid : -1, "CGPERSIST_REASON=%s", reason, NULL);
        send_reply(fd, &(KeeperReply){ .error = EPERM }, reason);
}

static void serve_one(Keeper *k, int lfd) {
        _cleanup_free_ char *cgroup = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct timeval tv = { .tv_sec = 5 };
        struct ucred cred;
        socklen_t l = sizeof cred;
        char line[KEEPER_LINE_MAX + 1];
        size_t n = 0;
        KeeperReply rep;
        int r;

        fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
                return;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &l) < 0 || cred.uid != 0) {
                refuse_peer(fd, l == sizeof cred ? &cred : NULL, NULL, "only root may ask for re-homing");
                return;
        }
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        while (n < sizeof line - 1) {
                ssize_t k2 = recv(fd, line + n, sizeof line - 1 - n, 0);

                if (k2 <= 0)
                        break;
                n += (size_t) k2;
                if (memchr(line, '\n', n))
                        break;
        }
        line[n] = 0;
        r = keeper_request_parse(line, &cgroup);
        if (r < 0) {
                send_reply(fd, &(KeeperReply){ .error = EBADMSG }, "expected \"REHOME [CGROUP]\"");
                return;
        }
        /* Only an instance of our own entity: a pass for another entity's
         * instance would re-home files this keeper owns as if that one had
         * written them. */
        if (cgroup && !cgroup_is_instance_of(cgroup, arg_entity)) {
                refuse_peer(fd, &cred, cgroup, "the cgroup is not an instance of this keeper's entity");
                return;
        }
        rep = rehome_all(k, cgroup);
        send_reply(fd, &rep, NULL);
}

/* ---- start-up ---------------------------------------------------------- */

static int load_mounts(Keeper *k) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(unit_names_done) UnitNames names = {};
        _cleanup_free_ TmpfsSpec *specs = NULL;
        ConfigDiags diags = {};
        size_t n = 0, conflicts = 0;
        int r;

        r = config_load(arg_config_root, &c, &diags);
        config_diags_clear(&diags);
        if (r < 0) {
                /* cgpersistd reports what is wrong with the files; place
                 * the mounts as the configuration that placed the services. */
                _cleanup_free_ char *run_dir = path_join(arg_config_root, CGPERSIST_RUNDIR);
                _cleanup_free_ char *state_dir = path_join(arg_config_root, CGPERSIST_STATEDIR);
                _cleanup_free_ char *used = NULL;
                const char *dirs[] = { run_dir, state_dir, NULL };

                if (!run_dir || !state_dir || lastgood_load(dirs, &c, &used) < 0)
                        return log_error_errno(r, "Configuration refused and no last good one: %m");
                log_warning("Configuration refused, using the last good one in %s.", used);
        }

        r = config_unit_names(c, arg_config_root, NULL, NULL, &names);
        if (r < 0)
                return log_oom();
        r = config_entity_tmpfs(c, &names, arg_entity, &specs, &n, &conflicts);
        if (r < 0)
                return log_oom();
        if (conflicts > 0)
                log_warning("%zu tmpfs path(s) of %s are declared with different options or by another "
                            "entity as well: not mounted. See cgpersist.conf(5).",
                            conflicts, arg_entity);

        k->mounts = calloc(MAX(n, (size_t) 1), sizeof(Mount));
        if (!k->mounts)
                return log_oom();
        for (size_t i = 0; i < n; i++) {
                TmpfsSpec *t = &k->mounts[i].spec;

                t->path = strdup(specs[i].path);
                t->owner = specs[i].owner ? strdup(specs[i].owner) : NULL;
                if (!t->path || (specs[i].owner && !t->owner))
                        return log_oom();
                t->size = specs[i].size;
                t->mode = specs[i].mode;
                k->n_mounts++;
        }
        return 0;
}

static int find_ids(Keeper *k) {
        _cleanup_free_ char *entity_cg = NULL;
        int r;

        r = cgroup_of_pid("self", &k->own_cgroup);
        if (r < 0)
                return log_error_errno(r, "Failed to find our own cgroup: %m");
        r = slice_cgroup_path(arg_entity, &entity_cg);
        if (r < 0)
                return log_error_errno(r, "Failed to find the cgroup of %s: %m", arg_entity);
        r = cgroup_id_of(entity_cg, &k->ids.entity);
        if (r < 0)
                return log_error_errno(r, "Failed to find the cgroup of %s (%s): %m", arg_entity, entity_cg);
        r = cgroup_id_of(k->own_cgroup, &k->ids.keeper);
        if (r < 0)
                return log_error_errno(r, "Failed to find our own cgroup %s: %m", k->own_cgroup);
        /* Re-homing copies into our own cgroup: it must be a leaf of the
         * entity, or the copies would just be charged somewhere else. */
        if (!strneq(k->own_cgroup + 1, entity_cg, strlen(entity_cg)) ||
            k->own_cgroup[1 + strlen(entity_cg)] != '/')
                log_warning(
                        "Running in %s, not inside %s: re-homed data is charged there. Start the keeper as "
                        "cgpersist-keeper@%.*s.service.",
                        k->own_cgroup, entity_cg, (int) (strlen(arg_entity) - strlen(".slice")), arg_entity);
        return 0;
}

static void help(void) {
        printf("%s [OPTIONS...] ENTITY.slice\n\n"
               "Own the persistent tmpfs mounts of an entity and re-home files that its\n"
               "instances wrote. Run by systemd as cgpersist-keeper@ENTITY.service.\n\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --config-root=PATH  Read the configuration below PATH (default /)\n"
               "     --cgroup-root=PATH  cgroup2 mount (default /sys/fs/cgroup)\n"
               "     --socket-dir=PATH   Where to listen (default " CGPERSIST_RUNDIR "/keeper)\n"
               "     --pass-timeout=DURATION\n"
               "                         End each re-homing pass after DURATION (default 20s)\n"
               "\nSee cgpersist-keeper(8).\n",
               program_invocation_short_name);
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_CONFIG_ROOT,
                ARG_CGROUP_ROOT,
                ARG_SOCKET_DIR,
                ARG_PASS_TIMEOUT,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "config-root", required_argument, NULL, ARG_CONFIG_ROOT },
                { "cgroup-root", required_argument, NULL, ARG_CGROUP_ROOT },
                { "socket-dir", required_argument, NULL, ARG_SOCKET_DIR },
                { "pass-timeout", required_argument, NULL, ARG_PASS_TIMEOUT },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 1;
                case ARG_VERSION:
                        printf("cgpersist-keeper %s\n", PACKAGE_VERSION);
                        return 1;
                case ARG_CONFIG_ROOT:
                case ARG_CGROUP_ROOT:
                case ARG_SOCKET_DIR:
                        if (isempty(optarg) || optarg[0] != '/') {
                                log_error("Invalid --%s=%s: expected an absolute path.",
                                          c == ARG_CONFIG_ROOT           ? "config-root"
                                                  : c == ARG_CGROUP_ROOT ? "cgroup-root"
                                                                         : "socket-dir",
                                          optarg);
                                return -EINVAL;
                        }
                        if (c == ARG_CONFIG_ROOT)
                                arg_config_root = optarg;
                        else if (c == ARG_CGROUP_ROOT)
                                arg_cgroup_root = optarg;
                        else
                                arg_socket_dir = optarg;
                        break;
                case ARG_PASS_TIMEOUT:
                        if (parse_duration_usec(optarg, &arg_pass_timeout_usec) < 0 ||
                            arg_pass_timeout_usec == 0) {
                                log_error("Invalid --pass-timeout=%s: expected a duration above 0, such as "
                                          "20s.",
                                          optarg);
                                return -EINVAL;
                        }
                        break;
                case '?':
                        return -EINVAL;
                default:
                        log_error("Unhandled option %d.", c);
                        return -EINVAL;
                }

        if (argc - optind != 1) {
                log_error("Expected one argument, the entity slice (such as system-web.slice); see --help.");
                return -EINVAL;
        }
        arg_entity = argv[optind];
        if (!slice_name_is_valid(arg_entity)) {
                log_error("Invalid entity \"%s\": expected a slice below system.slice, such as "
                          "system-web.slice.",
                          arg_entity);
                return -EINVAL;
        }
        return 0;
}

static void keeper_done(Keeper *k) {
        for (size_t i = 0; i < k->n_mounts; i++) {
                free(k->mounts[i].spec.path);
                free(k->mounts[i].spec.owner);
        }
        free(k->mounts);
        free(k->own_cgroup);
        free(k->buf);
}

int main(int argc, char *argv[]) {
        _cleanup_(keeper_done) Keeper k = {};
        _cleanup_close_ int lfd = -EBADF, sfd = -EBADF;
        _cleanup_free_ char *sock = NULL;
        size_t active = 0;
        int r;

        log_set_ident("cgpersist-keeper");
        r = parse_argv(argc, argv);
        if (r != 0)
                return r < 0 ? 2 : 0;

        /* Stop requests are looked for between chunks of a copy and
         * windows of a scan, never in the middle of a swap. A lease break
         * is signalled with lease_signal (F_SETSIG; SIGIO when the queue
         * overflows), also blocked and looked for while copying. */
        sigemptyset(&k.stop_mask);
        sigaddset(&k.stop_mask, SIGTERM);
        sigaddset(&k.stop_mask, SIGINT);
        sigprocmask(SIG_BLOCK, &k.stop_mask, NULL);
        k.lease_signal = SIGRTMIN;
        sigemptyset(&k.lease_mask);
        sigaddset(&k.lease_mask, k.lease_signal);
        sigaddset(&k.lease_mask, SIGIO);
        sigprocmask(SIG_BLOCK, &k.lease_mask, NULL);
        signal(SIGPIPE, SIG_IGN);
        sfd = signalfd(-1, &k.stop_mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0)
                return log_error_errno(errno, "Failed to set up signals: %m"), 1;

        k.buf = malloc(COPY_CHUNK);
        if (!k.buf)
                return log_oom(), 1;

        if (load_mounts(&k) < 0 || find_ids(&k) < 0)
                return 1;

        for (size_t i = 0; i < k.n_mounts; i++)
                if (mount_one(&k.mounts[i]) >= 0)
                        active++;
        if (k.n_mounts == 0)
                log_notice("No tmpfs is declared for services of %s: nothing to keep.", arg_entity);

        r = listen_socket(&lfd);
        if (r < 0)
                return log_error_errno(r, "Failed to listen in %s: %m", arg_socket_dir), 1;
        (void) socket_path(&sock);

        /* What dead instances or an earlier keeper left, before anyone is
         * told that we are ready. */
        (void) rehome_all(&k, NULL);

        (void) sd_notifyf(false, "READY=1\nSTATUS=Keeping %zu of %zu tmpfs of %s.", active, k.n_mounts,
                          arg_entity);

        while (!stop_requested(&k)) {
                struct pollfd p[2] = { { .fd = lfd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };

                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        log_error_errno(errno, "poll() failed: %m");
                        break;
                }
                if (p[0].revents & POLLIN)
                        serve_one(&k, lfd);
        }

        (void) sd_notify(false, "STOPPING=1");
        if (sock)
                (void) unlink(sock);
        /* The mounts stay: their data outlives the keeper (see
         * cgpersist-keeper(8), "RETIREMENT"). */
        return 0;
}
