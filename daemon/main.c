/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <systemd/sd-daemon.h>

#include "build-config.h"
#include "cgroupfs.h"
#include "log.h"
#include "manager.h"
#include "memory.h"

static void help(void) {
        printf("Usage: cgpersistd [OPTIONS]\n\n"
               "Keeps a persistent memory cgroup (an entity slice) for every configured\n"
               "systemd service. Normally started by cgpersistd.service.\n\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --root=DIR          Read the configuration below DIR (default /)\n"
               "     --state-dir=DIR     Keep state in DIR (default " CGPERSIST_STATEDIR ")\n"
               "     --run-dir=DIR       Runtime files in DIR (default " CGPERSIST_RUNDIR ")\n"
               "     --log-level=LEVEL   debug, info, notice, warning, err\n\n"
               "See cgpersistd(8).\n");
}

/* The daemon keeps the measured cgroup files open (two per entity, one per
 * live instance: manager-metrics.c), past the soft limit of 1024 that systemd
 * gives services with a thousand entities. It never uses select() and never
 * starts a process, so the hard limit (512K under systemd) is safe to use. */
static void raise_nofile_limit(void) {
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
                return;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                log_debug_errno(errno, "Failed to raise the soft limit of open files, ignoring: %m");
}

int main(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_ROOT,
                ARG_STATE_DIR,
                ARG_RUN_DIR,
                ARG_LOG_LEVEL
        };
        static const struct option options[] = { { "help", no_argument, NULL, 'h' },
                                                 { "version", no_argument, NULL, ARG_VERSION },
                                                 { "root", required_argument, NULL, ARG_ROOT },
                                                 { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                                                 { "run-dir", required_argument, NULL, ARG_RUN_DIR },
                                                 { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                                                 {} };
        ManagerOptions opts = {
                .root = "/",
                .state_dir = CGPERSIST_STATEDIR,
                .run_dir = CGPERSIST_RUNDIR,
                .cgroup_root = NULL, /* libcgroup's mount for memory */
        };
        _cleanup_(manager_freep) Manager *m = NULL;
        int c, r;

        memory_setup();
        log_set_ident("cgpersistd");

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                case ARG_VERSION:
                        printf("cgpersistd %s\n", PACKAGE_VERSION);
                        return EXIT_SUCCESS;
                case ARG_ROOT:
                        opts.root = optarg;
                        break;
                case ARG_STATE_DIR:
                        opts.state_dir = optarg;
                        break;
                case ARG_RUN_DIR:
                        opts.run_dir = optarg;
                        break;
                case ARG_LOG_LEVEL:
                        r = log_level_from_string(optarg);
                        if (r < 0) {
                                fprintf(stderr, "cgpersistd: --log-level: unknown level '%s'\n", optarg);
                                return 2;
                        }
                        log_set_max_level(r);
                        break;
                default:
                        fprintf(stderr, "Try 'cgpersistd --help'.\n");
                        return 2;
                }
        if (optind < argc) {
                fprintf(stderr, "cgpersistd: unexpected argument '%s'\n", argv[optind]);
                return 2;
        }

        raise_nofile_limit();
        /* libcgroup's process-wide mount table: once, here, before any
         * worker thread exists. */
        r = cgroupfs_library_init();
        if (r < 0) {
                log_error_errno(r, "Failed to find the cgroup v2 tree: %s.", cgroupfs_strerror(r));
                return EXIT_FAILURE;
        }
        r = manager_new(&opts, &m);
        if (r < 0) {
                log_error_errno(r, "Failed to set up: %m");
                return EXIT_FAILURE;
        }
        r = manager_start(m);
        /* Serve cgctl only once the entities are in place, so the first
         * answer is a true one. */
        if (r >= 0) {
                r = manager_bus_setup(m);
                if (r < 0)
                        log_error_errno(r, "Failed to publish org.cgpersist1 on the system bus: %m");
        }
        if (r < 0) {
                log_error_errno(r, "Failed to start: %m");
                (void) sd_notifyf(false, "STATUS=Failed to start: %s\nERRNO=%i", strerror(-r), -r);
                return EXIT_FAILURE;
        }
        /* Optional: without it cgctl goes by the system bus, only slower. */
        r = manager_private_setup(m);
        if (r < 0)
                log_warning_errno(r, "Not serving cgctl on the private socket, the system bus only: %m");

        (void) sd_notifyf(false, "READY=1\nSTATUS=Watching %zu entities.", m->state->n_entities);
        r = sd_event_loop(m->event);
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Shutting down.");
        manager_save_state(m);
        if (r < 0) {
                log_error_errno(r, "Event loop failed: %m");
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
