/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One re-homing pass: walk each tmpfs, copy each file charged elsewhere so
 * that the copy is charged to the keeper's cgroup, verify that page by page
 * through /proc/kpagecgroup, and swap the copy in under a write lease
 * (cgpersist-keeper(8), "RE-HOMING"). Bounded by the pass's deadline and
 * given up at a stop request or a lease break. */

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "cgpath.h"
#include "extents.h"
#include "fileio.h"
#include "keeper.h"
#include "log.h"
#include "pagecharge.h"
#include "path.h"
#include "size.h"
#include "timeutil.h"

bool keeper_stop_requested(Keeper *k) {
        struct timespec zero = {};

        if (!k->stopping && sigtimedwait(&k->stop_mask, NULL, &zero) > 0)
                k->stopping = true;
        return k->stopping;
}

/* The pass must end: a stop was requested or its deadline passed. */
static bool pass_over(Keeper *k) {
        if (keeper_stop_requested(k))
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

/* ---- who holds a file ------------------------------------------------- */

typedef struct Holder {
        long pid;
        char comm[64];
        char *unit;
} Holder;

static bool fd_dir_holds(const Keeper *k, const char *pid, const struct stat *st) {
        _cleanup_free_ char *dir = path_join(k->proc, pid, "fd");
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

static bool maps_hold(const Keeper *k, const char *pid, const struct stat *st) {
        _cleanup_free_ char *p = path_join(k->proc, pid, "maps");
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
static bool find_holder(const Keeper *k, const struct stat *st, Holder *ret) {
        _cleanup_closedir_ DIR *d = opendir(k->proc);
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
                if (!fd_dir_holds(k, de->d_name, st) && !maps_hold(k, de->d_name, st))
                        continue;

                *ret = (Holder){ .pid = pid };
                comm_path = path_join(k->proc, de->d_name, "comm");
                if (comm_path && read_full_file(comm_path, 256, &comm, NULL) >= 0) {
                        comm[strcspn(comm, "\n")] = 0;
                        snprintf(ret->comm, sizeof ret->comm, "%s", comm);
                }
                if (proc_pid_cgroup(k->proc, de->d_name, &cg) >= 0) {
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
                          "CGPERSIST_ENTITY=%s", k->entity, "CGPERSIST_PATH=%s", s->path,
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
                        size_t want = (size_t) MIN(offset + length - o, KEEPER_COPY_CHUNK);
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
        snprintf(buf, len, KEEPER_TMP_PREFIX "%016" PRIx64, r);
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
        return g->lease_broken || keeper_stop_requested(g->k);
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

        r = pagecharge_fd_bounded(tmp, k->proc, &bounds, &pc);
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
        r = pagecharge_fd_bounded(fd, k->proc, &bounds, &pc);
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
                (void) find_holder(k, &st, &h);
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
                if (strneq(de->d_name, KEEPER_TMP_PREFIX, strlen(KEEPER_TMP_PREFIX))) {
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
KeeperReply keeper_rehome_all(Keeper *k, const char *dying) {
        char bytes[FORMAT_BYTES_MAX];
        uint64_t t0 = now_usec(CLOCK_MONOTONIC);
        int r;

        k->sum = (KeeperReply){};
        k->deadline = t0 + k->pass_timeout_usec;
        k->timed_out = false;
        k->ids.dying = 0;
        k->dying_cgroup = dying;
        if (dying) {
                r = cgroupfs_id(k->cgroupfs, dying, &k->ids.dying);
                if (r < 0)
                        /* Gone already: its pages read as the entity's. */
                        log_debug_errno(r, "Failed to find cgroup %s, re-homing what the entity holds: %m",
                                        dying);
        }

        for (size_t i = 0; i < k->n_mounts; i++) {
                _cleanup_close_ int dfd = -EBADF;

                if (!k->mounts[i].active || pass_over(k))
                        continue;
                dfd = keeper_open_mount_root(&k->mounts[i]);
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
                k->sum.moved, k->sum.files, format_bytes(bytes, sizeof bytes, k->sum.bytes), k->entity,
                dying ? "after the stop of " : "at keeper start", dying ? strrchr(dying, '/') + 1 : "",
                k->sum.usec / 1000, k->sum.failed > 0 ? ", some not re-homed (see the messages before)" : "",
                k->timed_out          ? "; the pass reached its time limit, the rest waits for the next one"
                        : k->stopping ? "; the pass ended early, the keeper is stopping"
                                      : "",
                "CGPERSIST_ENTITY=%s", k->entity, "CGPERSIST_CGROUP=%s", dying ?: "",
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
