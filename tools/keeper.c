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

#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>

#include "build-config.h"
#include "cgpath.h"
#include "cgroupfs.h"
#include "keeper.h"
#include "lastgood.h"
#include "log.h"
#include "macro.h"
#include "path.h"
#include "size.h"
#include "timeutil.h"
#include "unitname.h"
#include "coverage.h"
#include "unitfiles.h"

static const char *arg_cgroup_root = NULL; /* libcgroup's memory mount */
static const char *arg_proc = "/proc";
static const char *arg_config_root = "/";
static const char *arg_socket_dir = CGPERSIST_RUNDIR "/keeper";
static const char *arg_entity = NULL;
/* Each pass ends by then, whatever is left is tried at the next one: below
 * the stop hook's default --rehome-timeout (30 s), so that the hook gets an
 * answer, and well below systemd's start timeout for the pass at start. */
static uint64_t arg_pass_timeout_usec = 20 * USEC_PER_SEC;

/* ---- start-up ---------------------------------------------------------- */

static int load_mounts(Keeper *k) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(unit_files_done) UnitFiles files = {};
        _cleanup_(coverage_done) Coverage cov = {};
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

        /* The units the generator placed, in the entities it gave them,
         * read the same way. */
        r = unit_files_scan(arg_config_root, &files);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                log_warning_errno(r, "Failed to read a unit directory below %s, ignoring: %m",
                                  arg_config_root);
        r = coverage_collect(c, &files, NULL, 0, &cov);
        if (r < 0)
                return log_oom();
        r = coverage_entity_tmpfs(&cov, arg_entity, &specs, &n, &conflicts);
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

        r = proc_pid_cgroup(k->proc, "self", &k->own_cgroup);
        if (r < 0)
                return log_error_errno(r, "Failed to find our own cgroup: %m");
        r = slice_cgroup_path(arg_entity, &entity_cg);
        if (r < 0)
                return log_error_errno(r, "Failed to find the cgroup of %s: %m", arg_entity);
        r = cgroupfs_id(k->cgroupfs, entity_cg, &k->ids.entity);
        if (r < 0)
                return log_error_errno(r, "Failed to find the cgroup of %s (%s): %m", arg_entity, entity_cg);
        r = cgroupfs_id(k->cgroupfs, k->own_cgroup, &k->ids.keeper);
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
               "     --cgroup-root=PATH  cgroup2 mount (default: libcgroup's, /sys/fs/cgroup)\n"
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
                log_error("Invalid entity \"%s\": expected a slice below another slice, such as "
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
        cgroupfs_free(k->cgroupfs);
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
        k.entity = arg_entity;
        k.proc = arg_proc;
        /* libcgroup's mount table, once, before anything else; then the
         * tree it names (or --cgroup-root=, which must be that mount). */
        r = cgroupfs_library_init();
        if (r < 0)
                return log_error_errno(r, "Failed to find the cgroup v2 tree: %s", cgroupfs_strerror(r)), 1;
        r = cgroupfs_new(arg_cgroup_root, &k.cgroupfs);
        if (r < 0)
                return log_error_errno(r, "Failed to open the cgroup v2 tree%s%s: %s",
                                       arg_cgroup_root ? " at " : "", strempty(arg_cgroup_root),
                                       cgroupfs_strerror(r)),
                       1;
        k.socket_dir = arg_socket_dir;
        k.pass_timeout_usec = arg_pass_timeout_usec;

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

        k.buf = malloc(KEEPER_COPY_CHUNK);
        if (!k.buf)
                return log_oom(), 1;

        if (load_mounts(&k) < 0 || find_ids(&k) < 0)
                return 1;

        for (size_t i = 0; i < k.n_mounts; i++)
                if (keeper_mount(&k, &k.mounts[i]) >= 0)
                        active++;
        if (k.n_mounts == 0)
                log_notice("No tmpfs is declared for services of %s: nothing to keep.", arg_entity);

        r = keeper_listen(&k, &lfd);
        if (r < 0)
                return log_error_errno(r, "Failed to listen in %s: %m", arg_socket_dir), 1;
        (void) keeper_socket_path(&k, &sock);

        /* What dead instances or an earlier keeper left, before anyone is
         * told that we are ready. */
        (void) keeper_rehome_all(&k, NULL);

        (void) sd_notifyf(false, "READY=1\nSTATUS=Keeping %zu of %zu tmpfs of %s.", active, k.n_mounts,
                          arg_entity);

        while (!keeper_stop_requested(&k)) {
                struct pollfd p[2] = { { .fd = lfd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };

                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        log_error_errno(errno, "poll() failed: %m");
                        break;
                }
                if (p[0].revents & POLLIN)
                        keeper_serve_one(&k, lfd);
        }

        (void) sd_notify(false, "STOPPING=1");
        if (sock)
                (void) unlink(sock);
        /* The mounts stay: their data outlives the keeper (see
         * cgpersist-keeper(8), "RETIREMENT"). */
        return 0;
}
