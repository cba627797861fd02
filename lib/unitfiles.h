/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Which service unit files exist, read from systemd's unit directories the
 * way systemd itself resolves names (systemd.unit(5), "Unit File Load
 * Path"), without asking PID 1: asking it about a unit (ListUnitsByNames,
 * GetUnit, LoadUnit) makes it load the unit, and a thousand loaded inactive
 * units are a thousand garbage collections and UnitNew/UnitRemoved signals.
 * Only names are read: the first directory in priority order that has a
 * name decides; a symlink to /dev/null or an empty file there masks it. */

typedef struct UnitFile {
        char *name; /* "web.service", "foo@.service" */
        bool masked;
} UnitFile;

typedef struct UnitFiles {
        UnitFile *items; /* sorted by name, one per name */
        size_t n;
} UnitFiles;

/* Scans the unit directories below root ("/" on a real system; a fixture
 * tree in tests). Directories that do not exist are skipped; others that
 * cannot be read give their -errno after the scan of the rest. ret is
 * filled in either case and must be cleared with unit_files_done(). */
int unit_files_scan(const char *root, UnitFiles *ret);
void unit_files_done(UnitFiles *u);

/* The entry for exactly this name, masked or not, or NULL. */
const UnitFile *unit_files_find(const UnitFiles *u, const char *name);
/* True if name can be loaded from a file: its own, or for an instance
 * ("foo@a.service") its template's ("foo@.service"); false when absent or
 * masked. */
bool unit_files_exist(const UnitFiles *u, const char *name);
