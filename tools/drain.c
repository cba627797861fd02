/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgpersist-drain-hook: the stop hook. cgpersist-generator adds it to
 * configured services as
 *
 *     ExecStopPost=-+<libexecdir>/cgpersist-drain --unit=%n --entity=SLICE --mode=file --budget=2s
 *
 * where cgpersist-drain is a small static entry (drain-entry.c) that clears
 * the environment and executes this program. systemd runs it privileged,
 * inside the dying instance's cgroup once the service's processes are gone
 * and before the cgroup is removed. It records the charge at stop and the
 * peak, drains the page cache through memory.reclaim so the dead cgroup has
 * nothing left to pin it, logs the event, and leaves a record in
 * /run/cgpersist/stops/ for cgpersistd (which need not be running).
 *
 * It runs as root with what the service controls around it, so it trusts
 * none of it: not the environment (the entry's job), not $INVOCATION_ID (the
 * invocation id is the one systemd set on the cgroup as
 * trusted.invocation_id), and its own cgroup only when it is exactly the
 * unit's in the entity its command line names (a Delegate=yes service can
 * move it within its subtree). Why this and not an unprivileged hook asking
 * a privileged party: the record must be left while cgpersistd is stopped,
 * and a hook of a service with RestrictAddressFamilies= or a seccomp filter
 * could not reach one anyway.
 *
 * Whatever happens, it exits 0 unless its arguments are wrong: a failing
 * hook must never look like a failing service. */

#include <getopt.h>
#include <inttypes.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include <systemd/sd-bus.h>

#include "build-config.h"
#include "cgpath.h"
#include "cgroupfs.h"
#include "config.h"
#include "fileio.h"
#include "keeperproto.h"
#include "log.h"
#include "macro.h"
#include "path.h"
#include "reclaim.h"
#include "size.h"
#include "stoprecord.h"
#include "timeutil.h"
#include "unitname.h"

#define EXIT_BAD_ARGUMENTS 2

static DrainMode arg_mode = DRAIN_FILE;
static uint64_t arg_budget_usec = POLICY_DEFAULT_DRAIN_BUDGET_USEC;
static const char *arg_root = NULL; /* libcgroup's mount for memory */
static const char *arg_cgroup = NULL;
static const char *arg_invocation_id = NULL;
static const char *arg_record_dir = CGPERSIST_RUNDIR "/stops";
static bool arg_rehome = false;
static uint64_t arg_rehome_timeout_usec = 30 * USEC_PER_SEC;
static const char *arg_keeper_dir = CGPERSIST_RUNDIR "/keeper";
static const char *arg_unit = NULL;
static const char *arg_entity = NULL;
static const char *arg_systemd_bus = "unix:path=/run/systemd/private";

/* How long the hook waits for PID 1's answer about the instance's start. */
#define SYSTEMD_TIMEOUT_USEC (1 * USEC_PER_SEC)

/* Anon memory of this very process, charged to the cgroup being drained:
 * RssAnon in /proc/self/status, plus room for what the drain itself
 * allocates and for memory.stat's lazily flushed counters. */
static uint64_t own_anon_allowance(void) {
        _cleanup_free_ char *text = NULL;
        const uint64_t slack = UINT64_C(1) << 20;
        const char *p;
        unsigned long long kb;

        if (read_full_file("/proc/self/status", 64 * 1024, &text, NULL) < 0)
                return slack;
        p = strstr(text, "\nRssAnon:");
        if (!p || sscanf(p + strlen("\nRssAnon:"), "%llu", &kb) != 1)
                return slack;
        return (uint64_t) kb * 1024 + slack;
}

static char *format_elapsed(char *buf, size_t len, uint64_t usec) {
        if (usec < 1000)
                snprintf(buf, len, "%" PRIu64 "us", usec);
        else if (usec < USEC_PER_SEC)
                snprintf(buf, len, "%" PRIu64 "ms", usec / 1000);
        else
                snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "s", usec / USEC_PER_SEC,
                         usec % USEC_PER_SEC / 100000);
        return buf;
}

typedef struct Stop {
        StopRecord rec; /* what the record says */
        const char *entity;
        int charge_error; /* why charge is unknown */
} Stop;

static void log_wait_expired(const char *unit, const char *what, uint64_t bound_usec, int error) {
        char t[32];

        format_elapsed(t, sizeof t, bound_usec);
        (void) log_struct(LOG_WARNING, "MESSAGE_ID=" MESSAGE_ID_HOOK_WAIT_EXPIRED,
                          "MESSAGE=The stop hook of %s gave up waiting for %s after %s, going on: %s", unit,
                          what, t, strerror(error < 0 ? -error : error), "CGPERSIST_SERVICE=%s", unit,
                          "CGPERSIST_WAIT=%s", what, "CGPERSIST_USEC=%" PRIu64, bound_usec, NULL);
}

static void log_refused(const char *cgroup, const char *reason) {
        (void) log_struct(LOG_WARNING, "MESSAGE_ID=" MESSAGE_ID_HOOK_REFUSED,
                          "MESSAGE=Stop hook of %s running in %s: %s. Nothing drained, recorded or "
                          "re-homed.",
                          arg_unit ?: "a service", cgroup, reason, "CGPERSIST_SERVICE=%s",
                          strempty(arg_unit), "CGPERSIST_ENTITY=%s", strempty(arg_entity),
                          "CGPERSIST_CGROUP=%s", cgroup, "CGPERSIST_REASON=%s", reason, NULL);
}

static void log_stop(const Stop *st, DrainMode mode, const ReclaimResult *res, bool reclaimed) {
        const StopRecord *s = &st->rec;
        char before[FORMAT_BYTES_MAX], after[FORMAT_BYTES_MAX], peak[FORMAT_BYTES_MAX], t[32];
        _cleanup_free_ char *msg = NULL;
        int r;

        if (s->charge == UINT64_MAX) {
                log_warning_errno(st->charge_error,
                                  "%s stopped, but memory.current of %s could not be read (no memory "
                                  "accounting?), nothing to drain: %m",
                                  s->unit, s->cgroup);
                return;
        }

        format_bytes(before, sizeof before, s->charge);
        format_bytes(after, sizeof after, s->residual == UINT64_MAX ? 0 : s->residual);
        format_bytes(peak, sizeof peak, s->peak);
        format_elapsed(t, sizeof t, s->elapsed_usec);

        if (mode == DRAIN_NONE || !reclaimed)
                r = asprintf(&msg, "Recorded %s at stop: %s charged%s%s%s, not drained.", s->unit, before,
                             s->peak != UINT64_MAX ? ", peak " : "", s->peak != UINT64_MAX ? peak : "",
                             mode == DRAIN_NONE ? "" : " (drain failed)");
        else
                r = asprintf(
                        &msg, "Drained %s: %s \u2192 %s in %s%s.", s->unit, before, after, t,
                        res->swap_guard
                                ? " (page cache held back: the kernel lacks swappiness=0 and swap is in use)"
                                : res->budget_exhausted ? " (time budget spent)"
                                                        : "");
        if (r < 0) {
                log_oom();
                return;
        }

        /* CGPERSIST_PEAK last: a NULL format ends the field list when the
         * peak is unknown. */
        (void) log_struct(LOG_INFO, "MESSAGE_ID=" MESSAGE_ID_INSTANCE_DRAINED, "MESSAGE=%s", msg,
                          "CGPERSIST_SERVICE=%s", s->unit, "CGPERSIST_INSTANCE=%s", s->invocation_id ?: "",
                          "CGPERSIST_CGROUP=%s", s->cgroup, "CGPERSIST_MODE=%s", drain_mode_to_string(mode),
                          "CGPERSIST_BYTES=%" PRIu64, s->drained, "CGPERSIST_BEFORE=%" PRIu64, s->charge,
                          "CGPERSIST_AFTER=%" PRIu64, s->residual == UINT64_MAX ? s->charge : s->residual,
                          "CGPERSIST_USEC=%" PRIu64, s->elapsed_usec, "CGPERSIST_SWAPPINESS_ARG=%d",
                          s->swappiness_arg ? 1 : 0,
                          s->peak != UINT64_MAX ? "CGPERSIST_PEAK=%" PRIu64 : NULL, s->peak, NULL);
}

/* Sets the socket's send and receive timeouts to what is left until the
 * deadline; false when nothing is. */
static bool set_timeouts(int fd, uint64_t deadline) {
        uint64_t now = now_usec(CLOCK_MONOTONIC), left = deadline > now ? deadline - now : 0;
        struct timeval tv = { .tv_sec = (time_t) (left / USEC_PER_SEC),
                              .tv_usec = (suseconds_t) (left % USEC_PER_SEC) };

        if (left == 0)
                return false;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        return true;
}

/* Asks the entity's keeper to re-home the tmpfs files this instance wrote,
 * and waits for it, bounded by --rehome-timeout as a whole (connect, send
 * and every read): while this hook runs, systemd does not start the next
 * instance, which must find its data charged to the entity. The keeper
 * reports each file it could not re-home; this only says how the exchange
 * went. Before the drain: files the keeper replaces free the dying
 * instance's shmem pages, which no reclaim could. */
static void rehome(const char *cgroup, const char *unit, const char *entity) {
        _cleanup_free_ char *name = NULL, *path = NULL, *req = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + arg_rehome_timeout_usec;
        char line[KEEPER_LINE_MAX + 1];
        size_t n = 0;
        KeeperReply rep;
        int r;

        if (asprintf(&name, "%s.sock", entity) < 0 || !(path = path_join(arg_keeper_dir, name)) ||
            keeper_request_format(cgroup, &req) < 0) {
                log_oom();
                return;
        }
        if (strlen(path) >= sizeof sa.sun_path) {
                log_warning("Keeper socket path %s is too long, tmpfs data of %s not re-homed.", path, unit);
                return;
        }
        strcpy(sa.sun_path, path);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                log_warning_errno(errno, "Failed to create a socket, tmpfs data of %s not re-homed: %m",
                                  unit);
                return;
        }
        /* Each blocking call gets what is left of the bound, so the whole
         * exchange ends by the deadline, however the keeper trickles. */
        set_timeouts(fd, deadline);
        if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                if (errno == EAGAIN || errno == EINPROGRESS || errno == ETIMEDOUT)
                        log_wait_expired(unit, "the keeper's socket", arg_rehome_timeout_usec, ETIMEDOUT);
                else
                        log_warning_errno(errno,
                                          "No keeper of %s listens on %s, tmpfs data of %s stays charged to "
                                          "it: %m",
                                          entity, path, unit);
                return;
        }
        set_timeouts(fd, deadline);
        if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t) strlen(req)) {
                if (errno == EAGAIN)
                        log_wait_expired(unit, "the keeper's socket", arg_rehome_timeout_usec, ETIMEDOUT);
                else
                        log_warning_errno(errno, "Failed to ask the keeper of %s to re-home, ignoring: %m",
                                          entity);
                return;
        }
        while (n < sizeof line - 1) {
                ssize_t k;

                if (!set_timeouts(fd, deadline)) {
                        log_wait_expired(unit, "the keeper's re-homing", arg_rehome_timeout_usec, ETIMEDOUT);
                        return;
                }
                k = recv(fd, line + n, sizeof line - 1 - n, 0);
                if (k < 0 && (errno == EINTR || errno == EAGAIN))
                        continue; /* set_timeouts() tells when the time is up */
                if (k < 0) {
                        log_warning_errno(errno, "Lost the keeper of %s while re-homing, going on: %m",
                                          entity);
                        return;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (memchr(line, '\n', n))
                        break;
        }
        line[n] = 0;
        r = keeper_reply_parse(line, &rep);
        if (r < 0) {
                log_warning("The keeper of %s gave an unreadable answer, going on.", entity);
                return;
        }
        if (rep.error != 0) {
                log_warning_errno(rep.error, "The keeper of %s refused to re-home: %m", entity);
                return;
        }
        log_debug("The keeper of %s re-homed %" PRIu64 " of %" PRIu64 " files (%" PRIu64 " bytes), %" PRIu64
                  " not.",
                  entity, rep.moved, rep.files, rep.bytes, rep.failed);
}

/* When the instance started, as PID 1 knows it (the main process's start),
 * for cgpersistd to adopt a record of an instance it never saw start (it
 * was stopped then). Over PID 1's private socket, which needs no bus
 * broker; bounded. 0 if unknown. */
static uint64_t instance_start_usec(const char *unit) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL;
        uint64_t t = 0;
        int r;

        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, arg_systemd_bus);
        if (r >= 0)
                r = sd_bus_set_method_call_timeout(bus, SYSTEMD_TIMEOUT_USEC);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r >= 0)
                r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path);
        if (r >= 0)
                r = sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path,
                                                "org.freedesktop.systemd1.Service", "ExecMainStartTimestamp",
                                                &error, 't', &t);
        if (r == -ETIMEDOUT)
                log_wait_expired(unit, "PID 1 (the instance's start time)", SYSTEMD_TIMEOUT_USEC, r);
        else if (r < 0)
                log_debug_errno(r, "Failed to ask PID 1 when %s started, ignoring: %m", unit);
        return r < 0 ? 0 : t;
}

static void drain(void) {
        _cleanup_(cgroupfs_freep) CgroupFs *fs = NULL;
        _cleanup_free_ char *own = NULL, *cgroup = NULL, *inv = NULL, *entity_buf = NULL;
        const char *unit, *env, *reason = NULL;
        ReclaimResult res = {};
        bool reclaimed = false, outside = false;
        uint64_t v, base;
        Stop st = {
                .rec = STOP_RECORD_INIT,
        };
        StopRecord *s = &st.rec;
        int r;

        s->stop_usec = now_usec(CLOCK_REALTIME);
        if (arg_cgroup)
                r = cgpath_absolute(arg_cgroup, &cgroup); /* checked in parse_argv */
        else {
                r = proc_pid_cgroup("/proc", "self", &own);
                if (r >= 0) {
                        r = cgpath_stop_hook_instance(own, arg_unit, arg_entity, &cgroup, &reason);
                        if (r == -EPERM) {
                                log_refused(own, reason);
                                return;
                        }
                        outside = r == 1;
                }
        }
        if (r < 0) {
                log_warning_errno(r,
                                  "Failed to find the cgroup of the stopping service, nothing to drain: %m");
                return;
        }
        unit = strrchr(cgroup, '/') + 1;
        if (!unit_name_is_valid_service(unit)) {
                log_notice("Not running in the cgroup of a service (%s), nothing to drain.", cgroup);
                return;
        }
        if (outside)
                log_notice(
                        "%s ran in %s, outside its entity %s until its next start: no keeper re-homes its "
                        "data.",
                        unit, cgroup, arg_entity);
        else if (arg_entity)
                st.entity = arg_entity;
        else {
                /* The entity is the parent of the instance's cgroup. */
                const char *slash = memrchr(cgroup, '/', (size_t) (unit - 1 - cgroup));

                if (slash) {
                        entity_buf = strndup(slash + 1, (size_t) (unit - 1 - (slash + 1)));
                        if (!entity_buf) {
                                log_oom();
                                return;
                        }
                        if (slice_name_is_valid(entity_buf))
                                st.entity = entity_buf;
                }
        }
        s->unit = (char *) unit;
        s->cgroup = cgroup;

        r = cgroupfs_new(arg_root, &fs);
        if (r < 0) {
                log_warning_errno(r, "Failed to open the cgroup v2 tree%s%s, nothing to drain: %s",
                                  arg_root ? " at " : "", strempty(arg_root), cgroupfs_strerror(r));
                return;
        }

        /* Never $INVOCATION_ID: the service sets its own environment. */
        if (arg_invocation_id)
                s->invocation_id = (char *) arg_invocation_id;
        else {
                r = cgpath_invocation_id(cgroupfs_root(fs), cgroup, &inv);
                if (r < 0)
                        log_warning_errno(r,
                                          "No trusted.invocation_id on %s, draining %s without leaving a "
                                          "record: %m",
                                          cgroup, unit);
                s->invocation_id = inv;
        }
        env = getenv("SERVICE_RESULT");
        if (stop_result_is_valid(env))
                s->result = (char *) env;
        (void) cgroupfs_id(fs, cgroup, &s->cgroup_id);

        r = cgroupfs_read_u64(fs, cgroup, "memory.current", &v);
        if (r < 0)
                st.charge_error = r;
        else
                s->charge = s->residual = v;
        /* memory.peak: Linux 5.19+. */
        r = cgroupfs_read_u64(fs, cgroup, "memory.peak", &v);
        if (r < 0 && r != -ENOENT)
                log_debug_errno(r, "Failed to read memory.peak of %s, ignoring: %m", cgroup);
        else if (r >= 0)
                s->peak = v;

        /* The charge at stop is recorded before re-homing; what the drain
         * reclaimed is counted from what re-homing left. */
        base = s->charge;
        if (arg_rehome) {
                if (!st.entity)
                        log_notice("%s does not run in an entity slice (%s), nothing to re-home.", unit,
                                   cgroup);
                else {
                        rehome(cgroup, unit, st.entity);
                        if (s->charge != UINT64_MAX &&
                            cgroupfs_read_u64(fs, cgroup, "memory.current", &v) >= 0)
                                base = s->residual = v;
                }
        }

        if (arg_mode != DRAIN_NONE && s->charge != UINT64_MAX) {
                ReclaimOptions opts = {
                        .mode = reclaim_mode_for_drain(arg_mode),
                        .budget_usec = arg_budget_usec,
                        .anon_allowance = own_anon_allowance(),
                };
                uint64_t t0 = now_usec(CLOCK_MONOTONIC);

                opts.no_swap = reclaim_swap_active("/proc") == 0;
                r = reclaim_cgroup(fs, cgroup, &opts, &res);
                s->elapsed_usec = now_usec(CLOCK_MONOTONIC) - t0;
                if (r == -EOPNOTSUPP)
                        log_notice("The kernel has no memory.reclaim (Linux 5.19+), %s not drained.", unit);
                else if (r < 0)
                        log_warning_errno(r, "Failed to drain %s, ignoring: %m", unit);
                else {
                        reclaimed = true;
                        s->swappiness_arg = res.swappiness_arg;
                }

                if (cgroupfs_read_u64(fs, cgroup, "memory.current", &v) >= 0)
                        s->residual = v;
                s->drained = base > s->residual ? base - s->residual : 0;
        }

        log_stop(&st, arg_mode, &res, reclaimed);

        if (!s->invocation_id)
                return;
        if (!arg_cgroup)
                s->start_usec = instance_start_usec(unit);
        if (s->start_usec > s->stop_usec)
                s->start_usec = 0;
        r = stop_record_write(arg_record_dir, s);
        if (r < 0)
                log_warning_errno(r, "Failed to leave the stop record of %s in %s, ignoring: %m", unit,
                                  arg_record_dir);
}

static void help(void) {
        printf("%s [OPTIONS...]\n\n"
               "Drain the page cache of a stopping service's cgroup and record its charge.\n"
               "Run by systemd as ExecStopPost= of services cgpersist manages.\n\n"
               "  -h --help               Show this help\n"
               "     --version            Show the version\n"
               "     --mode=MODE          file (default): page cache only; all: swap allowed;\n"
               "                          none: record only\n"
               "     --budget=DURATION    Time to spend reclaiming (default 2s, at most 5min)\n"
               "     --root=PATH          cgroup2 mount (default: the one libcgroup finds;\n"
               "                          another path is refused)\n"
               "     --cgroup=PATH        Cgroup to drain (default: our own, /proc/self/cgroup)\n"
               "     --invocation-id=ID   Invocation id (default: the cgroup's trusted.invocation_id)\n"
               "     --unit=UNIT          The stopping unit (default: from our cgroup)\n"
               "     --entity=SLICE       Its entity (default: the parent of its cgroup)\n"
               "     --record-dir=PATH    Where to leave the stop record\n"
               "                          (default " CGPERSIST_RUNDIR "/stops)\n"
               "     --rehome             Have the entity's keeper re-home tmpfs data first\n"
               "     --rehome-timeout=DURATION\n"
               "                          How long to wait for the keeper (default 30s)\n"
               "     --keeper-dir=PATH    Where keepers listen (default " CGPERSIST_RUNDIR "/keeper)\n"
               "\nSee cgpersist-drain(8).\n",
               program_invocation_short_name);
}

/* 0: go on; 1: exit 0 (help, version); negative: bad arguments. */
static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_MODE,
                ARG_BUDGET,
                ARG_ROOT,
                ARG_CGROUP,
                ARG_INVOCATION_ID,
                ARG_RECORD_DIR,
                ARG_REHOME,
                ARG_REHOME_TIMEOUT,
                ARG_KEEPER_DIR,
                ARG_UNIT,
                ARG_ENTITY,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "mode", required_argument, NULL, ARG_MODE },
                { "budget", required_argument, NULL, ARG_BUDGET },
                { "root", required_argument, NULL, ARG_ROOT },
                { "cgroup", required_argument, NULL, ARG_CGROUP },
                { "invocation-id", required_argument, NULL, ARG_INVOCATION_ID },
                { "record-dir", required_argument, NULL, ARG_RECORD_DIR },
                { "rehome", no_argument, NULL, ARG_REHOME },
                { "rehome-timeout", required_argument, NULL, ARG_REHOME_TIMEOUT },
                { "keeper-dir", required_argument, NULL, ARG_KEEPER_DIR },
                { "unit", required_argument, NULL, ARG_UNIT },
                { "entity", required_argument, NULL, ARG_ENTITY },
                {}
        };
        int c, r;

        /* getopt prints its own message for unknown options; keep it. */
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 1;
                case ARG_VERSION:
                        printf("cgpersist-drain %s\n", PACKAGE_VERSION);
                        return 1;
                case ARG_MODE: {
                        /* The names of cgpersist.conf's drain_mode=, which the
                         * generator passes on. */
                        DrainMode m = drain_mode_from_string(optarg);

                        if (m < 0) {
                                log_error("Invalid --mode=%s: expected file, all or none.", optarg);
                                return -EINVAL;
                        }
                        arg_mode = m;
                        break;
                }
                case ARG_BUDGET:
                        /* Bounded as drain_budget= in cgpersist.conf: the hook
                         * delays the stop, and systemd kills it at
                         * TimeoutStopSec= anyway. */
                        r = parse_duration_usec(optarg, &arg_budget_usec);
                        if (r < 0 || arg_budget_usec == 0 ||
                            arg_budget_usec > POLICY_MAX_DRAIN_BUDGET_USEC) {
                                log_error("Invalid --budget=%s: expected a duration above 0 and at most "
                                          "5min, such as 2s or 500ms.",
                                          optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_ROOT:
                        if (isempty(optarg) || optarg[0] != '/') {
                                log_error("Invalid --root=%s: expected an absolute path.", optarg);
                                return -EINVAL;
                        }
                        arg_root = optarg;
                        break;
                case ARG_CGROUP: {
                        _cleanup_free_ char *p = NULL;

                        if (cgpath_absolute(optarg, &p) < 0) {
                                log_error("Invalid --cgroup=%s: expected a cgroup path such as "
                                          "/system.slice/web.service, without \".\" or \"..\".",
                                          optarg);
                                return -EINVAL;
                        }
                        arg_cgroup = optarg;
                        break;
                }
                case ARG_INVOCATION_ID:
                        if (!invocation_id_is_valid(optarg)) {
                                log_error("Invalid --invocation-id=%s: expected 32 hexadecimal digits.",
                                          optarg);
                                return -EINVAL;
                        }
                        arg_invocation_id = optarg;
                        break;
                case ARG_RECORD_DIR:
                        if (isempty(optarg)) {
                                log_error("Invalid --record-dir=: expected a directory.");
                                return -EINVAL;
                        }
                        arg_record_dir = optarg;
                        break;
                case ARG_REHOME:
                        arg_rehome = true;
                        break;
                case ARG_REHOME_TIMEOUT:
                        /* Within the unit's stop timeout, like the budget. */
                        r = parse_duration_usec(optarg, &arg_rehome_timeout_usec);
                        if (r < 0 || arg_rehome_timeout_usec == 0 ||
                            arg_rehome_timeout_usec > POLICY_MAX_DRAIN_BUDGET_USEC) {
                                log_error("Invalid --rehome-timeout=%s: expected a duration above 0 and at "
                                          "most 5min, such as 30s.",
                                          optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_KEEPER_DIR:
                        if (isempty(optarg) || optarg[0] != '/') {
                                log_error("Invalid --keeper-dir=%s: expected an absolute path.", optarg);
                                return -EINVAL;
                        }
                        arg_keeper_dir = optarg;
                        break;
                case ARG_UNIT:
                        if (!unit_name_is_valid_service(optarg)) {
                                log_error("Invalid --unit=%s: expected a service name.", optarg);
                                return -EINVAL;
                        }
                        arg_unit = optarg;
                        break;
                case ARG_ENTITY:
                        if (!slice_name_is_valid(optarg)) {
                                log_error("Invalid --entity=%s: expected a slice name.", optarg);
                                return -EINVAL;
                        }
                        arg_entity = optarg;
                        break;
                case '?':
                        return -EINVAL;
                default:
                        log_error("Unhandled option %d.", c);
                        return -EINVAL;
                }

        if (optind < argc) {
                log_error("Unexpected argument %s: %s takes options only.", argv[optind],
                          program_invocation_short_name);
                return -EINVAL;
        }
        return 0;
}

int main(int argc, char *argv[]) {
        int r;

        log_set_ident("cgpersist-drain");
        r = parse_argv(argc, argv);
        if (r < 0)
                return EXIT_BAD_ARGUMENTS;
        if (r > 0)
                return EXIT_SUCCESS;

        /* libcgroup's process-wide mount table: once, from main(). */
        r = cgroupfs_library_init();
        if (r < 0)
                log_debug_errno(r, "libcgroup found no usable cgroup mount: %m");
        drain();
        return EXIT_SUCCESS;
}
