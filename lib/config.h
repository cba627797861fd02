/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* cgpersist.conf(5): /etc/cgpersist/cgpersist.conf, then
 * /etc/cgpersist/conf.d/\*.conf, then /run/cgpersist/conf.d/\*.conf (later
 * wins; drop-ins sorted by file name across both directories, a file in /run
 * overriding one of the same name in /etc). All paths are below `root`, so
 * tests use fixture trees. Parsed with inih. */

typedef enum DrainMode {
        DRAIN_NONE,  /* do not reclaim at stop; still record the charge */
        DRAIN_FILE,  /* reclaim page cache only (default) */
        DRAIN_ALL,   /* reclaim everything reclaimable, swap allowed */
        _DRAIN_MODE_MAX,
        _DRAIN_MODE_INVALID = -EINVAL,
} DrainMode;

const char *drain_mode_to_string(DrainMode m);
DrainMode drain_mode_from_string(const char *s);

typedef struct TmpfsSpec {
        char *path;      /* absolute mount point */
        uint64_t size;   /* bytes */
        unsigned mode;   /* e.g. 0750 */
        char *owner;     /* user[:group], NULL = root */
} TmpfsSpec;

/* The policy of one service: [defaults] overlaid with every matching
 * [service NAME] section, in the order they were read. Every field has a
 * "set" bit so overlays only replace what a section names. */
typedef struct ServicePolicy {
        char *entity;                /* slice override, NULL = derived name */
        uint64_t memory_low;         /* SIZE_INFINITY = unset for limits */
        uint64_t memory_high;
        uint64_t memory_max;
        uint64_t retire_residual_max;
        DrainMode drain;
        uint64_t drain_budget_usec;
        bool proactive_reclaim;
        TmpfsSpec *tmpfs;            /* n_tmpfs entries */
        size_t n_tmpfs;
        bool enabled;                /* false for "enable = no" */
} ServicePolicy;

typedef struct ServiceSection {
        char *pattern;               /* unit name, template or glob */
        char *file;                  /* where it was defined, for messages */
        unsigned line;
        ServicePolicy policy;
        uint64_t set_mask;           /* which policy fields the section sets */
} ServiceSection;

typedef struct DaemonSettings {
        uint64_t watchdog_usec;      /* 0 = as systemd says (WATCHDOG_USEC) */
        uint64_t metrics_interval_usec; /* 0 = only on change */
        char *log_level;
} DaemonSettings;

typedef struct Config {
        DaemonSettings daemon;
        ServiceSection defaults;
        ServiceSection *services;
        size_t n_services;
        char **files;                /* files read, in order */
        size_t n_files;
} Config;

typedef enum DiagLevel {
        DIAG_WARNING,
        DIAG_ERROR,
} DiagLevel;

typedef struct ConfigDiag {
        DiagLevel level;
        char *file;
        unsigned line;               /* 0 = the whole file */
        char *message;
} ConfigDiag;

typedef struct ConfigDiags {
        ConfigDiag *items;
        size_t n;
        size_t n_errors;
} ConfigDiags;

/* Reads the configuration below root ("/" on a real system). Returns 0 and a
 * Config when no error was found (warnings may be in diags); -EINVAL and no
 * Config when any error was found, every one of them in diags; other negative
 * errno for I/O failures. A missing main file is not an error. */
int config_load(const char *root, Config **ret, ConfigDiags *diags);

/* Parses one file's text, as config_load() does, for tests and fuzzing. */
int config_parse_string(const char *text, const char *filename, Config **ret, ConfigDiags *diags);

Config *config_free(Config *c);
void config_diags_clear(ConfigDiags *d);

/* The effective policy for a concrete service unit; returns 1 and fills ret if
 * any [service] section matches it (and it is not disabled), 0 if the service
 * is not configured. ret's strings point into c: valid while c lives. */
int config_policy_for(const Config *c, const char *unit, ServicePolicy *ret);

/* Section patterns that name concrete units or templates (not globs), so the
 * generator and the daemon know which units to look at without listing every
 * unit on the system. Globs need a unit list: see config_policy_for(). */
bool config_has_globs(const Config *c);
