/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* cgpersist.conf(5): /etc/cgpersist/cgpersist.conf, then the drop-ins
 * *.conf of /etc/cgpersist/conf.d, /run/cgpersist/conf.d and
 * /usr/lib/cgpersist/conf.d, sorted by file name across the three (later
 * wins); of drop-ins with the same name only one is read: the one in /etc
 * over the one in /run over the one in /usr/lib, as in systemd's *.conf.d.
 * All paths are below `root`, so tests use fixture trees. Parsed with inih. */

typedef enum DrainMode {
        DRAIN_NONE, /* do not reclaim at stop; still record the charge */
        DRAIN_FILE, /* reclaim page cache only (default) */
        DRAIN_ALL, /* reclaim everything reclaimable, swap allowed */
        _DRAIN_MODE_MAX,
        _DRAIN_MODE_INVALID = -EINVAL,
} DrainMode;

const char *drain_mode_to_string(DrainMode m);
DrainMode drain_mode_from_string(const char *s);

typedef struct TmpfsSpec {
        char *path; /* absolute mount point */
        uint64_t size; /* bytes */
        unsigned mode; /* e.g. 0750 */
        char *owner; /* user[:group], NULL = root */
} TmpfsSpec;

/* Bits of ServiceSection.set_mask and ServicePolicy.set_mask: which fields a
 * section (or, for the effective policy, any applied section) set. */
typedef enum PolicyField {
        POLICY_ENTITY = UINT64_C(1) << 0,
        POLICY_MEMORY_LOW = UINT64_C(1) << 1,
        POLICY_MEMORY_HIGH = UINT64_C(1) << 2,
        POLICY_MEMORY_MAX = UINT64_C(1) << 3,
        POLICY_RETIRE_RESIDUAL_MAX = UINT64_C(1) << 4,
        POLICY_DRAIN = UINT64_C(1) << 5,
        POLICY_DRAIN_BUDGET = UINT64_C(1) << 6,
        POLICY_PROACTIVE_RECLAIM = UINT64_C(1) << 7,
        POLICY_TMPFS = UINT64_C(1) << 8,
        POLICY_ENABLED = UINT64_C(1) << 9,
} PolicyField;

/* Built-in defaults, overridden by [defaults]. */
#define POLICY_DEFAULT_RETIRE_RESIDUAL_MAX (UINT64_C(16) * 1024 * 1024)
#define POLICY_DEFAULT_DRAIN DRAIN_FILE
#define POLICY_DEFAULT_DRAIN_BUDGET_USEC (UINT64_C(2) * 1000000)
/* The stop hook runs under the unit's TimeoutStopSec= (90 s by default). */
#define POLICY_MAX_DRAIN_BUDGET_USEC (UINT64_C(300) * 1000000)
#define TMPFS_DEFAULT_MODE 0755

/* The policy of one service: [defaults] overlaid with every matching
 * [service NAME] section, in the order they were read. Every field has a
 * "set" bit so overlays only replace what a section names. */
typedef struct ServicePolicy {
        char *entity; /* slice override, NULL = derived name */
        /* SIZE_INFINITY = unset (no limit). For memory_low, POLICY_MEMORY_LOW
         * in set_mask tells an explicit "infinity" from unset. */
        uint64_t memory_low;
        uint64_t memory_high;
        uint64_t memory_max;
        uint64_t retire_residual_max; /* SIZE_INFINITY: always retire */
        DrainMode drain;
        uint64_t drain_budget_usec;
        bool proactive_reclaim;
        TmpfsSpec *tmpfs; /* n_tmpfs entries */
        size_t n_tmpfs;
        bool enabled; /* false for "enable = no" */
        /* Effective policy: the fields set by [defaults] or by a matching
         * section (PolicyField bits); 0 in a section's own policy. */
        uint64_t set_mask;
} ServicePolicy;

typedef struct ServiceSection {
        char *pattern; /* unit name, template or glob */
        char *file; /* where it was defined, for messages */
        unsigned line;
        ServicePolicy policy;
        uint64_t set_mask; /* which policy fields the section sets */
} ServiceSection;

/* The metrics file is rewritten this often by default: Prometheus' default
 * scrape interval, so a scrape never sees values older than one interval. */
#define METRICS_INTERVAL_DEFAULT_USEC (UINT64_C(15) * 1000000)
#define METRICS_INTERVAL_MIN_USEC (UINT64_C(1) * 1000000)

typedef struct DaemonSettings {
        uint64_t watchdog_usec; /* 0 = as systemd says (WATCHDOG_USEC) */
        uint64_t metrics_interval_usec; /* 0 = only after a change */
        uint64_t proactive_interval_usec; /* between proactive reclaim rounds */
        uint64_t leftovers_interval_usec; /* between scans of leftovers; 0 = never */
        bool leftovers_interval_set; /* set by a file: scan whatever it costs */
        size_t history_max; /* instance records kept per entity */
        char *log_level;
} DaemonSettings;

typedef struct Config {
        DaemonSettings daemon;
        ServiceSection defaults;
        ServiceSection *services;
        size_t n_services;
        char **files; /* files read, in order */
        size_t n_files;
} Config;

typedef enum DiagLevel {
        DIAG_WARNING,
        DIAG_ERROR,
} DiagLevel;

typedef struct ConfigDiag {
        DiagLevel level;
        char *file;
        unsigned line; /* 0 = the whole file */
        char *message;
} ConfigDiag;

typedef struct ConfigDiags {
        ConfigDiag *items;
        size_t n;
        size_t n_errors;
} ConfigDiags;

/* Largest configuration file read; a bigger one is an error. */
#define CONFIG_FILE_MAX (UINT64_C(1) << 20)

/* Reads the configuration below root ("/" on a real system, NULL = "/").
 * Diagnostics are appended to diags (may be NULL); each names the file (as
 * opened, root included) and the line. Returns 0 and a
 * Config when no error was found (warnings may be in diags); -EINVAL and no
 * Config when any error was found, every one of them in diags; other negative
 * errno for I/O failures (with an error in diags saying which file). A missing
 * main file or conf.d directory is not an error. */
int config_load(const char *root, Config **ret, ConfigDiags *diags);

/* Reads the named files in order as one configuration (cgctl verify): as
 * config_load(), except that a missing or unreadable file is an error in
 * diags (and -EINVAL), not an I/O failure. */
int config_load_files(char *const *paths, size_t n, Config **ret, ConfigDiags *diags);

/* Parses one file's text, as config_load() does, for tests and fuzzing.
 * filename (NULL: "<string>") is used in diagnostics only. */
int config_parse_string(const char *text, const char *filename, Config **ret, ConfigDiags *diags);

Config *config_free(Config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Config *, config_free);
void config_diags_clear(ConfigDiags *d);

/* The effective policy for a concrete service unit (or a template, which
 * stands for its instances); returns 1 and fills ret if any [service] section
 * matches it (and it is not disabled), 0 if the service is not configured,
 * is disabled, is not a valid service name, or is one of cgpersist's own
 * units. ret's strings and tmpfs array point into c: valid while c lives. */
int config_policy_for(const Config *c, const char *unit, ServicePolicy *ret);

/* Section patterns that name concrete units or templates (not globs) tell
 * the generator and the daemon which units to look at without listing every
 * unit on the system; true if some pattern is a glob, which needs a unit
 * list: see config_policy_for(). */
bool config_has_globs(const Config *c);

/* Whether section s applies to unit (a valid service name): the unit is its
 * name, an instance of its template, or matches its glob. The one rule of
 * config_policy_for() and of coverage.h's answers. */
bool config_section_applies(const ServiceSection *s, const char *unit);
