/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgpersist-generator: a systemd.generator(7). systemd runs it early at boot
 * and at every daemon-reload, before units are loaded, with no D-Bus and
 * possibly no journal. For every configured service it writes
 * <normal-dir>/<unit>.d/zz-cgpersist.conf, which moves the service's
 * instances into their entity slice and adds the stop hook.
 *
 * It must never fail the boot: whatever goes wrong is logged (to /dev/kmsg,
 * since the journal may not run yet; to stderr otherwise) and it exits 0.
 * A refused configuration places nothing. */
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <syslog.h>

#include "build-config.h"
#include "config.h"
#include "coverage.h"
#include "dropin.h"
#include "lastgood.h"
#include "fileio.h"
#include "macro.h"
#include "path.h"
#include "unitname.h"
#include "unitfiles.h"

#define PROGRAM "cgpersist-generator"

static int log_fd = -EBADF;

static void log_open(const char *root) {
        /* At boot the journal may not run yet, and the kernel log is where
         * generators' messages are looked for. A run by hand on a terminal,
         * or a test on a fixture tree (CGPERSIST_ROOT), reports on stderr
         * instead, not into the kernel log of the machine. */
        if (!streq(root, "/") || isatty(STDERR_FILENO))
                return;
        log_fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
}

_printf_(2, 3) static void log_msg(int level, const char *format, ...) {
        char buf[1024];
        va_list ap;

        va_start(ap, format);
        vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);

        if (log_fd >= 0) {
                /* kmsg takes one record per write(), with its priority. */
                char rec[1100];
                int n = snprintf(rec, sizeof(rec), "<%d>" PROGRAM "[%d]: %s\n", level, (int) getpid(), buf);

                if (n > 0 && write(log_fd, rec, MIN((size_t) n, sizeof(rec) - 1)) >= 0)
                        return;
        }
        fprintf(stderr, PROGRAM ": %s\n", buf);
}

static void log_diags(const ConfigDiags *d) {
        for (size_t i = 0; i < d->n; i++) {
                const ConfigDiag *g = &d->items[i];
                int level = g->level == DIAG_ERROR ? LOG_ERR : LOG_WARNING;

                if (g->line > 0)
                        log_msg(level, "%s:%u: %s", g->file, g->line, g->message);
                else
                        log_msg(level, "%s: %s", g->file, g->message);
        }
}

static int write_dropin(const char *normal_dir, const char *unit, const ServicePolicy *p,
                        const char *entity) {
        _cleanup_free_ char *text = NULL, *dir_name = NULL, *dir = NULL, *path = NULL;
        int r;

        /* No policy: an instance taken out of its managed template's family. */
        if (p)
                r = dropin_render(unit, p, entity, CGPERSIST_LIBEXECDIR, &text);
        else
                r = dropin_render_unmanaged(unit, &text);
        if (r < 0)
                return r;

        if (asprintf(&dir_name, "%s.d", unit) < 0)
                return -ENOMEM;
        dir = path_join(normal_dir, dir_name);
        path = dir ? path_join(dir, DROPIN_FILE_NAME) : NULL;
        if (!path)
                return -ENOMEM;

        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        return write_file_atomic(path, text, strlen(text), 0644);
}

static bool template_is_managed(const Config *c, const UnitFiles *files, const char *unit) {
        _cleanup_free_ char *template = NULL;
        _cleanup_(coverage_unit_done) CoverageUnit t = {};

        if (!unit_name_is_instance(unit) || unit_name_template_of(unit, &template) < 0)
                return false;
        return coverage_of(c, files, template, &t) > 0;
}

static int run(const char *normal_dir, const char *root) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(unit_files_done) UnitFiles files = {};
        _cleanup_(coverage_done) Coverage cov = {};
        ConfigDiags diags = {};
        unsigned placed = 0;
        int r;

        r = config_load(root, &c, &diags);
        log_diags(&diags);
        config_diags_clear(&diags);
        if (r < 0) {
                /* Half a configuration could move services that a later,
                 * corrected file would not: use none of it. The daemon keeps
                 * a copy of the last configuration it accepted; placing per
                 * that one changes nothing. Without it, place nothing: the
                 * services stay where systemd puts them by default. */
                _cleanup_free_ char *run_dir = path_join(root, CGPERSIST_RUNDIR);
                _cleanup_free_ char *state_dir = path_join(root, CGPERSIST_STATEDIR);
                _cleanup_free_ char *used = NULL;
                const char *dirs[] = { run_dir, state_dir, NULL };

                if (!run_dir || !state_dir || lastgood_load(dirs, &c, &used) < 0) {
                        log_msg(LOG_ERR, "Configuration refused (%s), no service is placed.", strerror(-r));
                        return 0;
                }
                log_msg(LOG_ERR, "Configuration refused (%s), placing services per the last good one in %s.",
                        strerror(-r), used);
        }

        /* A glob needs to know which units exist, and every covered unit's
         * entity goes below the Slice= its own files set. An unreadable
         * unit directory: the units of the others are still placed. */
        r = unit_files_scan(root, &files);
        if (r == -ENOMEM) {
                log_msg(LOG_ERR, "Failed to read the unit directories: %s", strerror(-r));
                return 0;
        }
        if (r < 0)
                log_msg(LOG_WARNING, "Failed to read a unit directory below %s, ignoring: %s", root,
                        strerror(-r));
        r = coverage_collect(c, &files, NULL, 0, &cov);
        if (r < 0) {
                log_msg(LOG_ERR, "Failed to collect configured services: %s", strerror(-r));
                return 0;
        }

        for (size_t i = 0; i < cov.n; i++) {
                const CoverageUnit *u = &cov.units[i];

                switch (u->reason) {
                case COVERAGE_COVERED:
                        r = write_dropin(normal_dir, u->unit, &u->policy, u->entity);
                        break;
                case COVERAGE_NOT_CONFIGURED:
                        /* enable = no. For an instance, the template's
                         * drop-in would still apply: mask it. */
                        if (!template_is_managed(c, &files, u->unit))
                                continue;
                        r = write_dropin(normal_dir, u->unit, NULL, NULL);
                        break;
                case COVERAGE_OWN:
                        /* Only for names the configuration spells out;
                         * globs silently pass over cgpersist's own units. */
                        log_msg(LOG_WARNING, "%s is one of cgpersist's own units, not placing it.", u->unit);
                        continue;
                default:
                        if (coverage_reason_is_slice(u->reason)) {
                                log_msg(LOG_WARNING, "Not placing %s (Slice=%s): %s.", u->unit,
                                        strna(u->own_slice), coverage_reason_to_string(u->reason));
                                continue;
                        }
                        /* What a glob passed over: cgctl status names it,
                         * the kernel log at every boot would not. */
                        continue;
                }
                if (r < 0) {
                        log_msg(LOG_ERR, "Failed to write drop-in for %s, ignoring: %s", u->unit,
                                strerror(-r));
                        continue;
                }
                placed++;
        }

        if (placed > 0)
                log_msg(LOG_DEBUG, "Placed %u service(s) in their entities.", placed);
        return 0;
}

static void help(void) {
        printf("%s NORMAL-DIR [EARLY-DIR LATE-DIR]\n"
               "\n"
               "systemd generator: writes NORMAL-DIR/UNIT.d/" DROPIN_FILE_NAME " for every\n"
               "service configured in cgpersist.conf(5), placing it in its entity slice.\n"
               "Run by systemd at boot and at daemon-reload; see cgpersist-generator(8).\n"
               "\n"
               "  -h --help     Show this help\n"
               "     --version  Show the version\n"
               "\n"
               "Environment: CGPERSIST_ROOT=DIR reads the configuration and unit\n"
               "directories below DIR instead of /.\n",
               PROGRAM);
}

int main(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        const char *root;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf(PROGRAM " " PACKAGE_VERSION "\n");
                        return 0;
                default:
                        return 1;
                }

        /* systemd passes three directories; one is enough by hand. */
        if (argc - optind != 1 && argc - optind != 3) {
                fprintf(stderr, PROGRAM ": expected 1 or 3 directories, got %d (see --help)\n",
                        argc - optind);
                return 1;
        }

        root = getenv("CGPERSIST_ROOT");
        if (isempty(root))
                root = "/";
        log_open(root);

        if (root[0] != '/') {
                log_msg(LOG_ERR, "CGPERSIST_ROOT=%s is not an absolute path, no service is placed.", root);
                return 0;
        }

        (void) run(argv[optind], root);
        if (log_fd >= 0)
                close(log_fd);
        return 0;
}
