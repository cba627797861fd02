/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgctl: the operator's view of cgpersistd, over D-Bus (org.cgpersist1). */

#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "build-config.h"
#include "cgctl.h"
#include "macro.h"
#include "namecheck.h"
#include "table.h"

typedef enum CommandOption {
        OPT_RUNTIME = 1 << 0,
        OPT_FORCE = 1 << 1,
        OPT_LOCAL = 1 << 2, /* needs no daemon: no bus connection */
        OPT_DEAD = 1 << 3,
} CommandOption;

typedef struct Command {
        const char *name;
        const char *synopsis;
        const char *summary;
        const char *help;
        unsigned min_args, max_args;
        unsigned options;
        unsigned name_kinds; /* NameKind of the operands, 0: not names */
        int (*run)(sd_bus *bus, const Args *a);
} Command;

static const Command commands[] = {
        { "status", "[SERVICE|SLICE...]", "Show the daemon and every entity, or entities in detail",
          "Without a name: the daemon's version and configuration files, then one line per entity (as\n"
          "'cgctl list'). With names (web.service, foo@a.service, foo@.service or the entity slice\n"
          "system-web.slice): each entity in detail: memory and its memory.stat split, persistent\n"
          "usage (the entity minus its live instances), limits in force, dying cgroups, restarts,\n"
          "drained bytes, live instances and whether they still run outside the entity (pending).\n",
          0, UINT_MAX, 0, NAME_SERVICE | NAME_SLICE, cmd_status },
        { "list", "", "List entities, one per line",
          "One line per entity: slice, service, memory, persistent usage, live instances, restarts,\n"
          "dying descendant cgroups, drained bytes and state (ok, pending, retiring, unconfigured).\n",
          0, 0, 0, 0, cmd_list },
        { "history", "SERVICE|SLICE", "Show the recorded instances of an entity",
          "Every instance the daemon recorded (the newest 64 per entity): start and stop time,\n"
          "memory.peak and charge at stop, bytes drained by the stop hook, residual, result. A\n"
          "service name shows that unit's instances, a template or slice the whole family's.\n",
          1, 1, 0, NAME_SERVICE | NAME_SLICE, cmd_history },
        { "enable", "[--runtime] SERVICE...", "Give services a persistent entity",
          "Writes /etc/cgpersist/conf.d/50-cgctl-SERVICE.conf ([service SERVICE]), or one in\n"
          "/run/cgpersist/conf.d with --runtime (gone at reboot), then reloads cgpersistd and runs\n"
          "systemd's daemon-reload so that cgpersist-generator places the service. A running\n"
          "service moves into its entity at its next restart. Requires root.\n",
          1, UINT_MAX, OPT_RUNTIME, NAME_SERVICE, cmd_enable },
        { "disable", "[--runtime] SERVICE...", "Remove what enable wrote",
          "Removes the snippet 'cgctl enable' wrote (in /run with --runtime), reloads, and runs\n"
          "systemd's daemon-reload. The entity is retired once no instance runs in it. A service\n"
          "configured by a file cgctl did not write is refused, naming that file. Requires root.\n",
          1, UINT_MAX, OPT_RUNTIME, NAME_SERVICE, cmd_disable },
        { "drain", "SERVICE|SLICE", "Reclaim the page cache an entity holds",
          "Writes memory.reclaim on the entity, page cache only (never pushing anonymous or shmem\n"
          "pages to swap), within the service's drain_budget, and reports memory before and after.\n"
          "Requires root.\n",
          1, 1, 0, NAME_SERVICE | NAME_SLICE, cmd_drain },
        { "retire", "[--force] SERVICE|SLICE", "Drain and stop an entity now",
          "Drains the entity, stops its slice and forgets it, reporting the residual charge. Refused\n"
          "while instances run. Refused while the service is still configured, unless --force: then\n"
          "the entity is started again at the next reconcile. Requires root.\n",
          1, 1, OPT_FORCE, NAME_SERVICE | NAME_SLICE, cmd_retire },
        { "reload", "", "Reload the configuration",
          "Rereads cgpersist.conf and its drop-ins. A configuration with errors is refused with\n"
          "every file:line, and the previous one stays in force. New [service] sections need\n"
          "'systemctl daemon-reload' too (cgctl enable does both). Requires root.\n",
          0, 0, 0, 0, cmd_reload },
        { "metrics", "", "Print the metrics (OpenMetrics text)",
          "The metrics in OpenMetrics text: per entity usage, persistent usage, peak, limits,\n"
          "instances, restarts, dying cgroups, drained bytes; the daemon's version, whether its\n"
          "configuration is good and when the values were measured. cgpersistd keeps the same\n"
          "values in /run/cgpersist/metrics.prom for node_exporter's textfile collector.\n",
          0, 0, 0, 0, cmd_metrics },
        { "verify", "[FILE...]", "Check a configuration; exit status 1 on an error",
          "Reads the configuration as cgpersistd does (cgpersist.conf and the drop-ins of /etc, /run\n"
          "and /usr/lib), or the FILEs given, in order, as one configuration, and prints every\n"
          "error and warning as FILE:LINE: LEVEL: MESSAGE. Exit status 1 when there is an error\n"
          "(usable as a configuration-management validate step), 0 otherwise. Needs no daemon and\n"
          "changes nothing.\n",
          0, UINT_MAX, OPT_LOCAL, 0, cmd_verify },
        { "zombies", "", "Show dying cgroups and the pages dead cgroups left, by who holds them",
          "Reads the cgroup and flags of every page frame (/proc/kpagecgroup, /proc/kpageflags) in\n"
          "one pass and lays them over the cgroup tree: for every cgroup without processes of its own\n"
          "(entity slices, system.slice, other slices), the pages dead cgroups below it left behind,\n"
          "by kind (page cache, of it dirty or under writeback and mapped; shmem/tmpfs; anonymous;\n"
          "kernel; in huge pages), and the dying cgroups it is the closest live ancestor of, marked\n"
          "when no page pins them. Entities are named by service when cgpersistd answers. Requires\n"
          "root. Needs no daemon.\n",
          0, 0, OPT_LOCAL, 0, cmd_zombies },
        { "charges", "[--dead] PATH...", "Show which cgroups the page cache of files is charged to",
          "For each file, or every regular file below a directory (not crossing mount points): its\n"
          "resident pages by the memory cgroup they are charged to (the closest live one, when the\n"
          "cgroup that was charged is gone), with pages, bytes and share of the resident pages;\n"
          "totals for more than one file. Reads /proc/kpagecgroup: requires root. Needs no daemon.\n"
          "Reading faults in only pages already resident, so it charges nothing new. With --dead,\n"
          "only the files with pages left by dead cgroups (charged to a cgroup without processes of\n"
          "its own, such as an entity slice or system.slice), most first.\n",
          1, UINT_MAX, OPT_LOCAL | OPT_DEAD, 0, cmd_charges },
};

static const Command *find_command(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (streq(commands[i].name, name))
                        return &commands[i];
        return NULL;
}

static void help(void) {
        printf("Usage: cgctl [OPTIONS] COMMAND [ARGS...]\n\n"
               "Shows and changes the persistent memory cgroups (entities) that cgpersistd keeps for\n"
               "systemd services.\n\nCommands:\n");
        for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
                char left[64];
                snprintf(left, sizeof left, "%s %s", commands[i].name, commands[i].synopsis);
                printf("  %-34s %s\n", left, commands[i].summary);
        }
        printf("\nOptions:\n"
               "  -h --help                Show this help, or a command's (cgctl status --help)\n"
               "     --version             Show the version\n"
               "     --json[=short|pretty] Print JSON (schema in cgctl(1)); short by default\n"
               "     --no-legend           Print tables without their header line, and no hints\n"
               "     --no-pager            Accepted for systemd's tools' sake: cgctl never pages\n"
               "     --runtime             enable/disable: in /run only, until reboot\n"
               "     --force               retire: even while the service is still configured\n"
               "     --dead                charges: only files with pages left by dead cgroups\n\n"
               "Exit status: 0 ok, 1 failure, 2 usage or invalid name, 3 cgpersistd not running,\n"
               "4 access denied. See cgctl(1).\n");
}

static void command_help(const Command *c) {
        printf("Usage: cgctl [--json] %s %s\n\n%s.\n", c->name, c->synopsis, c->summary);
        if (c->help)
                printf("\n%s", c->help);
        printf("\nSee cgctl(1).\n");
}

static int usage_error(const char *fmt, ...) _printf_(1, 2);
static int usage_error(const char *fmt, ...) {
        va_list ap;

        fprintf(stderr, "cgctl: ");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry 'cgctl --help'.\n");
        return CGCTL_EXIT_USAGE;
}

int main(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_JSON,
                ARG_RUNTIME,
                ARG_FORCE,
                ARG_DEAD,
                ARG_NO_LEGEND,
                ARG_NO_PAGER,
        };
        static const struct option options[] = { { "help", no_argument, NULL, 'h' },
                                                 { "version", no_argument, NULL, ARG_VERSION },
                                                 { "json", optional_argument, NULL, ARG_JSON },
                                                 { "runtime", no_argument, NULL, ARG_RUNTIME },
                                                 { "force", no_argument, NULL, ARG_FORCE },
                                                 { "dead", no_argument, NULL, ARG_DEAD },
                                                 { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                                                 { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                                                 {} };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        Args a = { .legend = true };
        const Command *cmd;
        bool want_help = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        want_help = true;
                        break;
                case ARG_VERSION:
                        printf("cgctl %s\n", PACKAGE_VERSION);
                        return CGCTL_EXIT_OK;
                case ARG_JSON:
                        if (!optarg || streq(optarg, "short"))
                                a.json = JSON_SHORT;
                        else if (streq(optarg, "pretty"))
                                a.json = JSON_PRETTY_MODE;
                        else
                                return usage_error("--json: expected 'short' or 'pretty', not '%s'.",
                                                   optarg);
                        break;
                case ARG_RUNTIME:
                        a.runtime = true;
                        break;
                case ARG_FORCE:
                        a.force = true;
                        break;
                case ARG_DEAD:
                        a.dead = true;
                        break;
                case ARG_NO_LEGEND:
                        a.legend = false;
                        table_set_legend(false);
                        break;
                case ARG_NO_PAGER:
                        /* Output goes straight to stdout: nothing to turn off. */
                        break;
                default:
                        fprintf(stderr, "Try 'cgctl --help'.\n");
                        return CGCTL_EXIT_USAGE;
                }

        if (optind >= argc) {
                if (want_help) {
                        help();
                        return CGCTL_EXIT_OK;
                }
                return usage_error("%s", "no command given.");
        }
        a.command = argv[optind];
        cmd = find_command(a.command);
        if (!cmd)
                return usage_error("unknown command '%s'.", a.command);
        if (want_help) {
                command_help(cmd);
                return CGCTL_EXIT_OK;
        }
        a.names = argv + optind + 1;
        a.n_names = (size_t) (argc - optind - 1);

        if (a.n_names < cmd->min_args)
                return usage_error("%s: %s expected.", cmd->name,
                                   cmd->options & OPT_LOCAL     ? "at least one path"
                                           : cmd->max_args == 1 ? "one name"
                                                                : "at least one name");
        if (a.n_names > cmd->max_args)
                return usage_error("%s: %s.", cmd->name,
                                   cmd->max_args == 0 ? "takes no arguments" : "one name expected");
        if (a.runtime && !(cmd->options & OPT_RUNTIME))
                return usage_error("--runtime is for enable and disable, not %s.", cmd->name);
        if (a.force && !(cmd->options & OPT_FORCE))
                return usage_error("--force is for retire, not %s.", cmd->name);
        if (a.dead && !(cmd->options & OPT_DEAD))
                return usage_error("--dead is for charges, not %s.", cmd->name);
        if (!cmd->run) {
                fprintf(stderr, "cgctl: %s is not yet implemented.\n", cmd->name);
                return CGCTL_EXIT_FAILURE;
        }

        /* Names are checked before anything is asked of the bus: a name that
         * is not UTF-8 could not even be put in a message. */
        if (cmd->name_kinds != 0) {
                r = cgctl_check_names(&a, cmd->name_kinds);
                if (r != 0)
                        return r;
        }

        if (cmd->options & OPT_LOCAL)
                return cmd->run(NULL, &a);

        r = cgctl_connect(&bus);
        if (r != 0)
                return r;
        return cmd->run(bus, &a);
}
