/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Which service unit files exist, read from systemd's unit directories the
 * way systemd itself resolves names (systemd.unit(5), "Unit File Load
 * Path"), without asking PID 1: asking it about a unit (ListUnitsByNames,
 * GetUnit, LoadUnit) makes it load the unit, and a thousand loaded inactive
 * units are a thousand garbage collections and UnitNew/UnitRemoved signals.
 * Names are read, and the links of .wants/, .requires/ and .upholds/
 * directories (what is enabled); the first directory in priority order that
 * has a name decides; a symlink to /dev/null or an empty file there masks
 * it. The one list of unit directories of cgpersist. */

typedef struct UnitFile {
        char *name; /* "web.service", "foo@.service" */
        unsigned dir; /* index of the directory that wins */
        bool masked;
} UnitFile;

typedef struct UnitFiles {
        char *root;
        UnitFile *items; /* sorted by name, one per name */
        size_t n;
        char **wanted; /* sorted, one per name: services linked from a .wants/ (.requires/, .upholds/) */
        size_t n_wanted;
} UnitFiles;

/* Scans the unit directories below root ("/" on a real system; a fixture
 * tree in tests). Directories that do not exist are skipped; others that
 * cannot be read give their -errno after the scan of the rest. ret is
 * filled in either case and must be cleared with unit_files_done(). */
int unit_files_scan(const char *root, UnitFiles *ret);
void unit_files_done(UnitFiles *u);

/* The unit directories, highest priority first, relative to the root. */
const char *const *unit_files_dirs(size_t *ret_n);

/* The entry for exactly this name, masked or not, or NULL. */
const UnitFile *unit_files_find(const UnitFiles *u, const char *name);
/* The entry systemd loads name from: its own, or for an instance
 * ("foo@a.service") its template's ("foo@.service"); NULL when absent or
 * masked. */
const UnitFile *unit_files_source(const UnitFiles *u, const char *name);
/* True if unit_files_source() finds one. */
bool unit_files_exist(const UnitFiles *u, const char *name);
/* True if name is a transient unit (its file is in /run/systemd/transient:
 * made at runtime by systemd-run or a D-Bus caller). */
bool unit_files_is_transient(const UnitFiles *u, const char *name);
/* True if name is enabled: linked from a .wants/, .requires/ or .upholds/
 * directory. A template is enabled when one of its instances is. */
bool unit_files_is_wanted(const UnitFiles *u, const char *name);
