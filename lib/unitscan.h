/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "config.h"

/* Which services the configuration names, and what their entities' keepers
 * own. Shared by cgpersist-generator (drop-ins) and cgpersist-keeper (its
 * mounts), so both read one configuration the same way. */

typedef struct UnitNames {
        char **names; /* sorted, no duplicates */
        size_t n;
} UnitNames;

void unit_names_done(UnitNames *l);

/* Called for a unit directory that could not be read (not for a missing
 * one); may be NULL. */
typedef void (*UnitScanWarn)(const char *dir, int error, void *userdata);

/* The services the configuration applies to: every section pattern that is a
 * name or a template, plus, when a section is a glob, the units of that name
 * found in systemd's unit directories below root (names only, no file is
 * read). cgpersist's own units are left out of glob matches. 0 or -ENOMEM. */
int config_unit_names(const Config *c, const char *root, UnitScanWarn warn, void *userdata, UnitNames *ret);

/* The entity slice a configured unit is placed in (its entity= or the derived
 * name). Returns 0 and a malloc'ed name, or negative errno. */
int config_entity_of(const ServicePolicy *p, const char *unit, char **ret);

/* The tmpfs mounts of an entity: the tmpfs= of every name in names whose
 * entity it is. A path declared the same way twice (a template and its
 * instances) counts once. A path declared with different options, or by
 * another entity as well, is left out and counted in *ret_conflicts (one
 * mount point, one owner). ret's entries point into c. */
int config_entity_tmpfs(const Config *c, const UnitNames *names, const char *entity, TmpfsSpec **ret,
                        size_t *ret_n, size_t *ret_conflicts);
