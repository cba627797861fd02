/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgpersist-drain: the stop hook. cgpersist-generator adds it to configured
 * services as
 *
 *     ExecStopPost=-+<libexecdir>/cgpersist-drain --mode=file --budget=2s
 *
 * so systemd runs it, privileged, inside the dying instance's cgroup once the
 * service's processes are gone and before the cgroup is removed. It records
 * the charge at stop and the peak, drains the page cache through
 * memory.reclaim so the dead cgroup has nothing left to pin it, logs the
 * event, and leaves a record in /run/cgpersist/stops/ for cgpersistd (which
 * need not be running). Whatever happens, it exits 0 unless its arguments are
 * wrong: a failing hook must never look like a failing service. */

#include <getopt.h>
#include <inttypes.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "build-config.h"
#include "cgroupfs.h"
#include "config.h"
#include "fileio.h"
#include "keeperproto.h"
#include "log.h"
#include "macro.h"
#include "path.h"
#include "reclaim.h"
#include "size.h"
#include "timeutil.h"
#include "unitname.h"

#define EXIT_BAD_ARGUMENTS 2
#define DEFAULT_ROOT "/sys/fs/cgroup"

static DrainMode arg_mode = DRAIN_FILE;
static uint64_t arg_budget_usec = POLICY_DEFAULT_DRAIN_BUDGET_USEC;
static const char *arg_root = DEFAULT_ROOT;
static const char *arg_cgroup = NULL;
static const char *arg_invocation_id = NULL;
static const char *arg_record_dir = CGPERSIST_RUNDIR "/stops";
static bool arg_rehome = false;
static uint64_t arg_rehome_timeout_usec = 30 * USEC_PER_SEC;
static const char *arg_keeper_dir = CGPERSIST_RUNDIR "/keeper";

DEFINE_TRIVIAL_CLEANUP_FUNC(CgroupFs *, cgroupfs_free);

/* systemd's invocation id: 128 bits as 32 hex digits. It becomes a file name,
 * so nothing else gets through. */
static bool invocation_id_is_valid(const char *s) {
        if (!s || strlen(s) != 32)
                return false;
        return s[strspn(s, "0123456789abcdefABCDEF")] == 0;
}

/* A cgroup path below the root: "/"-separated safe names, no "." or "..",
 * not the root itself. Returns it normalized with one leading "/" and no
 * trailing one. */
static int cgroup_normalize(const char *in, char **ret) {
        _cleanup_free_ char *copy = NULL, *out = NULL;
        size_t n = 0;
        char *save = NULL;

        if (isempty(in) || strlen(in) > 4096)
                return -EINVAL;
        copy = strdup(in);
        out = malloc(strlen(in) + 2);
        if (!copy || !out)
                return -ENOMEM;

        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (!filename_is_safe(c))
                        return -EINVAL;
                out[n++] = '/';
                strcpy(out + n, c);
                n += strlen(c);
        }
        if (n == 0)
                return -EINVAL;
        out[n] = 0;
        *ret = TAKE_PTR(out);
        return 0;
}

/* The unified-hierarchy line of /proc/self/cgroup ("0::/system.slice/..."). */
static int own_cgroup(char **ret) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_full_file("/proc/self/cgroup", 64 * 1024, &text, NULL);
        if (r < 0)
                return r;
        for (char *l = text; l && *l;) {
                char *nl = strchr(l, '\n');

                if (nl)
                        *nl = 0;
                if (strneq(l, "0::", 3)) {
                        _cleanup_free_ char *p = NULL;
                        size_t k;

                        /* The root cgroup: not a service's. Say so, the
                         * caller finds no unit name in it. */
                        if (streq(l + 3, "/")) {
                                p = strdup("/");
                                if (!p)
                                        return -ENOMEM;
                                *ret = TAKE_PTR(p);
                                return 0;
                        }
                        r = cgroup_normalize(l + 3, &p);
                        if (r < 0)
                                return r;
                        /* systemd runs the control processes of a unit with
                         * Delegate=yes in a ".control" child of its cgroup;
                         * the instance is the parent. */
                        k = strlen(p);
                        if (k > strlen("/.control") && streq(p + k - strlen("/.control"), "/.control"))
                                p[k - strlen("/.control")] = 0;
                        *ret = TAKE_PTR(p);
                        return 0;
                }
                l = nl ? nl + 1 : NULL;
        }
        return -ENOMEDIUM; /* no cgroup v2 */
}

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
        const char *unit;
        const char *cgroup;
        const char *invocation_id; /* NULL: no valid one */
        const char *result; /* $SERVICE_RESULT, NULL if unset or unsafe */
        uint64_t stop_usec; /* CLOCK_REALTIME */
        uint64_t charge, peak, residual; /* UINT64_MAX: unknown */
        uint64_t drained;
        uint64_t elapsed_usec;
        bool swappiness_arg;
        int charge_error; /* why charge is unknown */
} Stop;

static int write_record(const Stop *s) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t len = 0;
        int r;

        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        fprintf(f, "unit=%s\n", s->unit);
        fprintf(f, "invocation_id=%s\n", s->invocation_id);
        fprintf(f, "cgroup=%s\n", s->cgroup);
        fprintf(f, "stop_usec=%" PRIu64 "\n", s->stop_usec);
        if (s->charge != UINT64_MAX)
                fprintf(f, "charge=%" PRIu64 "\n", s->charge);
        if (s->peak != UINT64_MAX)
                fprintf(f, "peak=%" PRIu64 "\n", s->peak);
        fprintf(f, "drained=%" PRIu64 "\n", s->drained);
        if (s->residual != UINT64_MAX)
                fprintf(f, "residual=%" PRIu64 "\n", s->residual);
        fprintf(f, "elapsed_usec=%" PRIu64 "\n", s->elapsed_usec);
        if (s->result)
                fprintf(f, "result=%s\n", s->result);
        fprintf(f, "swappiness_arg=%d\n", s->swappiness_arg ? 1 : 0);
        if (fflush(f) != 0 || ferror(f))
                return -ENOMEM;
        r = fclose(TAKE_PTR(f));
        if (r != 0)
                return -ENOMEM;

        r = mkdir_p(arg_record_dir, 0755);
        if (r < 0)
                return r;
        path = path_join(arg_record_dir, s->invocation_id);
        if (!path)
                return -ENOMEM;
        /* cgpersistd watches the directory: it must see a whole record or
         * none, so temp file and rename (write_file_atomic). */
        return write_file_atomic(path, buf, len, 0644);
}

static void log_stop(const Stop *s, DrainMode mode, const ReclaimResult *res, bool reclaimed) {
        char before[FORMAT_BYTES_MAX], after[FORMAT_BYTES_MAX], peak[FORMAT_BYTES_MAX], t[32];
        _cleanup_free_ char *msg = NULL;
        int r;

        if (s->charge == UINT64_MAX) {
                log_warning_errno(s->charge_error,
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

/* Asks the entity's keeper to re-home the tmpfs files this instance wrote,
 * and waits for it, bounded: while this hook runs, systemd does not start
 * the next instance, which must find its data charged to the entity. The
 * keeper reports each file it could not re-home; this only says how the
 * exchange went. Before the drain: files the keeper replaces free the dying
 * instance's shmem pages, which no reclaim could. */
static void rehome(const char *cgroup, const char *unit) {
        _cleanup_free_ char *entity = NULL, *name = NULL, *path = NULL, *req = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct timeval tv = { .tv_sec = (time_t) (arg_rehome_timeout_usec / USEC_PER_SEC),
                              .tv_usec = (suseconds_t) (arg_rehome_timeout_usec % USEC_PER_SEC) };
        char line[KEEPER_LINE_MAX + 1];
        const char *slash;
        size_t n = 0;
        KeeperReply rep;
        int r;

        /* The entity is the parent of the instance's cgroup. */
        slash = strrchr(cgroup, '/');
        if (slash == cgroup)
                return;
        entity = strndup(cgroup, (size_t) (slash - cgroup));
        if (!entity) {
                log_oom();
                return;
        }
        slash = strrchr(entity, '/');
        if (!slice_name_is_valid(slash + 1)) {
                log_notice("%s does not run in an entity slice (%s), nothing to re-home.", unit, entity);
                return;
        }
        if (asprintf(&name, "%s.sock", slash + 1) < 0 || !(path = path_join(arg_keeper_dir, name)) ||
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
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                log_warning_errno(errno,
                                  "No keeper of %s listens on %s, tmpfs data of %s stays charged to it: %m",
                                  slash + 1, path, unit);
                return;
        }
        if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t) strlen(req)) {
                log_warning_errno(errno, "Failed to ask the keeper of %s to re-home, ignoring: %m",
                                  slash + 1);
                return;
        }
        while (n < sizeof line - 1) {
                ssize_t k = recv(fd, line + n, sizeof line - 1 - n, 0);

                if (k < 0) {
                        log_warning_errno(errno == EAGAIN ? ETIMEDOUT : errno,
                                          "The keeper of %s did not finish re-homing in time, going on: %m",
                                          slash + 1);
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
                log_warning("The keeper of %s gave an unreadable answer, going on.", slash + 1);
                return;
        }
        if (rep.error != 0) {
                log_warning_errno(rep.error, "The keeper of %s refused to re-home: %m", slash + 1);
                return;
        }
        log_debug("The keeper of %s re-homed %" PRIu64 " of %" PRIu64 " files (%" PRIu64 " bytes), %" PRIu64
                  " not.",
                  slash + 1, rep.moved, rep.files, rep.bytes, rep.failed);
}

static void drain(void) {
        _cleanup_(cgroupfs_freep) CgroupFs *fs = NULL;
        _cleanup_free_ char *cgroup = NULL;
        const char *unit, *env;
        ReclaimResult res = {};
        bool reclaimed = false;
        uint64_t v, base;
        Stop s = {
                .stop_usec = now_usec(CLOCK_REALTIME),
                .charge = UINT64_MAX,
                .peak = UINT64_MAX,
                .residual = UINT64_MAX,
        };
        int r;

        if (arg_cgroup)
                r = cgroup_normalize(arg_cgroup, &cgroup); /* checked in parse_argv */
        else
                r = own_cgroup(&cgroup);
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
        s.unit = unit;
        s.cgroup = cgroup;

        s.invocation_id = arg_invocation_id ?: getenv("INVOCATION_ID");
        if (!invocation_id_is_valid(s.invocation_id)) {
                log_warning("No valid $INVOCATION_ID for %s, draining without leaving a record.", unit);
                s.invocation_id = NULL;
        }
        env = getenv("SERVICE_RESULT");
        if (env && strlen(env) < 64 && string_is_safe_utf8(env) && !strchr(env, '='))
                s.result = env;

        r = cgroupfs_new(arg_root, true, &fs);
        if (r < 0) {
                log_warning_errno(r, "Failed to open the cgroup tree at %s, nothing to drain: %m", arg_root);
                return;
        }

        r = cgroupfs_read_u64(fs, cgroup, "memory.current", &v);
        if (r < 0)
                s.charge_error = r;
        else
                s.charge = s.residual = v;
        /* memory.peak: Linux 5.19+. */
        r = cgroupfs_read_u64(fs, cgroup, "memory.peak", &v);
        if (r < 0 && r != -ENOENT)
                log_debug_errno(r, "Failed to read memory.peak of %s, ignoring: %m", cgroup);
        else if (r >= 0)
                s.peak = v;

        /* The charge at stop is recorded before re-homing; what the drain
         * reclaimed is counted from what re-homing left. */
        base = s.charge;
        if (arg_rehome) {
                rehome(cgroup, unit);
                if (s.charge != UINT64_MAX && cgroupfs_read_u64(fs, cgroup, "memory.current", &v) >= 0)
                        base = s.residual = v;
        }

        if (arg_mode != DRAIN_NONE && s.charge != UINT64_MAX) {
                ReclaimOptions opts = {
                        .mode = arg_mode == DRAIN_ALL ? RECLAIM_ALL : RECLAIM_FILE,
                        .budget_usec = arg_budget_usec,
                        .anon_allowance = own_anon_allowance(),
                };
                uint64_t t0 = now_usec(CLOCK_MONOTONIC);

                opts.no_swap = reclaim_swap_active("/proc") == 0;
                r = reclaim_cgroup(fs, cgroup, &opts, &res);
                s.elapsed_usec = now_usec(CLOCK_MONOTONIC) - t0;
                if (r == -EOPNOTSUPP)
                        log_notice("The kernel has no memory.reclaim (Linux 5.19+), %s not drained.", unit);
                else if (r < 0)
                        log_warning_errno(r, "Failed to drain %s, ignoring: %m", unit);
                else {
                        reclaimed = true;
                        s.swappiness_arg = res.swappiness_arg;
                }

                if (cgroupfs_read_u64(fs, cgroup, "memory.current", &v) >= 0)
                        s.residual = v;
                s.drained = base > s.residual ? base - s.residual : 0;
        }

        log_stop(&s, arg_mode, &res, reclaimed);

        if (!s.invocation_id)
                return;
        r = write_record(&s);
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
               "     --root=PATH          cgroup2 mount (default " DEFAULT_ROOT ")\n"
               "     --cgroup=PATH        Cgroup to drain (default: our own, /proc/self/cgroup)\n"
               "     --invocation-id=ID   Invocation id (default: $INVOCATION_ID)\n"
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

                        if (cgroup_normalize(optarg, &p) < 0) {
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

        drain();
        return EXIT_SUCCESS;
}
