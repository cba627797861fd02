/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* The few settings of a unit that decide whether and where cgpersist may
 * place it, as systemd reads them from the unit file and its drop-ins
 * (systemd.unit(5), "Unit File Load Path" and the drop-in directories:
 * "service.d/", the dash prefixes "a-.service.d/", the template's and the
 * unit's own), leaving out the drop-in that cgpersist-generator writes.
 * Pure file reading: PID 1 would report cgpersist's own Slice=, and asking
 * it loads the unit. */

typedef struct UnitKeys {
        /* [Service] Slice=: NULL when none is set (systemd's default,
         * system.slice); slice_source is the file of the one that applies. */
        char *slice;
        char *slice_source;
        /* [Unit] DefaultDependencies=: 1 (the default) or 0. */
        int default_dependencies;
} UnitKeys;

#define UNIT_KEYS_INIT ((UnitKeys){ .default_dependencies = 1 })

void unit_keys_done(UnitKeys *k);

/* Applies one unit file's or drop-in's text onto k, as systemd does: a
 * setting replaces what came before, an empty assignment resets it,
 * continuation lines (a trailing backslash) are joined, comments skipped.
 * source is recorded as slice_source if the text sets Slice=. A value that
 * is not a boolean for DefaultDependencies= is ignored, as systemd ignores
 * it (with a warning of its own). 0 or -ENOMEM. */
int unit_keys_apply_text(UnitKeys *k, const char *text, const char *source);

/* Reads the keys of unit ("web.service", "foo@a.service") below root from
 * the unit directories dirs (relative to root, highest priority first; see
 * unitfiles.h): the unit's file (for an instance without one, its
 * template's), then the drop-ins in file name order, each name taken from
 * the highest-priority directory that has it and, within one, from the most
 * specific drop-in directory. A drop-in named skip_dropin in a generator
 * directory ("run/systemd/generator*") is cgpersist's own and left out.
 * Files over 1 MiB are refused (-EFBIG) rather than read in part. 0 with
 * *ret filled (UNIT_KEYS_INIT when nothing is set), or -errno. */
int unit_keys_read(const char *root, const char *const *dirs, size_t n_dirs, const char *unit,
                   const char *skip_dropin, UnitKeys *ret);
