/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "unitfiles.h"

/* Which units cgpersist covers, by which sections, in which entity: the one
 * answer cgpersist-generator (drop-ins), cgpersist-keeper (mounts) and
 * cgpersistd (entities, configured_by) all use, so that a unit placed by
 * one is known to the others. Pure: the configuration and a view of the
 * unit files go in (unitfiles.h), nothing is logged or kept.
 *
 * A section that names a unit or its template takes it. A glob takes a unit
 * only when it can be managed safely: not a transient unit (its creator
 * placed it, and the generator never sees it in time), not a unit with
 * DefaultDependencies=no (early boot and late shutdown: its entity slice
 * would be stopped under it at shutdown), not one that sets its own Slice=,
 * not an initrd unit, nor a rescue, emergency or debug shell; nor one whose
 * file or drop-ins cannot be read (unitkeys.h). */

typedef enum CoverageReason {
        COVERAGE_COVERED,
        COVERAGE_NOT_CONFIGURED, /* no section takes it, or "enable = no" */
        COVERAGE_OWN, /* one of cgpersist's own units */
        COVERAGE_TRANSIENT,
        COVERAGE_EARLY_BOOT,
        COVERAGE_OWN_SLICE,
        COVERAGE_INITRD,
        COVERAGE_SHELL,
        COVERAGE_UNREADABLE,
        /* Refusals of a unit a section takes, by name or glob, whose own
         * Slice= cannot hold its entity: left where its unit puts it. */
        COVERAGE_SLICE_SPECIFIERS,
        COVERAGE_SLICE_FOREIGN,
        COVERAGE_ENTITY_OUTSIDE_SLICE,
        COVERAGE_NAME_TOO_LONG,
        _COVERAGE_REASON_MAX,
} CoverageReason;

/* "transient unit", "DefaultDependencies=no", ...: why a glob passed over a
 * unit, for cgctl status and logs. */
const char *coverage_reason_to_string(CoverageReason r);

typedef struct CoverageUnit {
        char *unit;
        char *entity; /* the slice, when covered */
        char *own_slice; /* Slice= of its own unit files, NULL for system.slice or unknown */
        CoverageReason reason;
        bool by_glob; /* only globs match it, no section names it */
        ServicePolicy policy; /* when covered; points into the Config */
} CoverageUnit;

typedef struct Coverage {
        CoverageUnit *units; /* sorted by unit, one per name */
        size_t n;
} Coverage;

void coverage_unit_done(CoverageUnit *u);
void coverage_done(Coverage *c);
const CoverageUnit *coverage_find(const Coverage *c, const char *unit);

/* The entity slice of a covered unit: its entity= or the name derived from
 * the unit below own_slice, the Slice= of its own unit files (NULL:
 * system.slice; unit_name_entity_slice_in()). 0 and a malloc'ed name, or
 * negative errno: -EXDEV for an entity= that is not below own_slice,
 * -ENAMETOOLONG for a derived name over UNIT_NAME_MAX, -EINVAL for an
 * invalid entity= or an own_slice that cannot hold entities. */
int coverage_entity_of(const ServicePolicy *p, const char *unit, const char *own_slice, char **ret);

/* Why a unit that a section takes is left where its unit puts it, for its
 * own Slice=: one of the COVERAGE_SLICE_* reasons, COVERAGE_ENTITY_OUTSIDE_SLICE,
 * COVERAGE_NAME_TOO_LONG; false for the others. */
bool coverage_reason_is_slice(CoverageReason r);

/* One unit (a service, template or instance). files may be NULL (names
 * only: a glob then takes what it matches, and the unit's own Slice= is not
 * read: the entity is the one below system.slice). Returns 1 when covered, 0 when
 * not (ret->reason says why), negative errno. ret must be cleared with
 * coverage_unit_done(). */
int coverage_of(const Config *c, const UnitFiles *files, const char *unit, CoverageUnit *ret);

/* The units a configuration speaks of: every name and template a section
 * names (whether a unit file exists or not, covered or "enable = no"), and
 * the units a glob matches among the unit files that are not masked, the
 * enabled names (links in .wants/ directories) and extra (names PID 1 has
 * loaded; may be NULL). Units a glob matched but passed over are listed
 * with their reason; units nothing matches are not listed. */
int coverage_collect(const Config *c, const UnitFiles *files, char *const *extra, size_t n_extra,
                     Coverage *ret);

/* The sections that apply to unit (the ones config_policy_for() overlays),
 * as "file:line" strings in file order, NULL-terminated, free with
 * strv_free(). The number found, or negative errno. */
int coverage_sections(const Config *c, const char *unit, char ***ret);
/* The same for an entity: the sections that apply to unit (may be NULL) or
 * to a covered unit of cov whose entity is entity (may be NULL). */
int coverage_entity_sections(const Config *c, const Coverage *cov, const char *entity, const char *unit,
                             char ***ret);

/* The tmpfs mounts of an entity: the tmpfs= of every covered unit whose
 * entity it is. A path declared the same way twice (a template and its
 * instances) counts once. A path declared with different options, or by
 * another entity as well, is left out and counted in *ret_conflicts (one
 * mount point, one owner). ret's entries point into the Config. */
int coverage_entity_tmpfs(const Coverage *cov, const char *entity, TmpfsSpec **ret, size_t *ret_n,
                          size_t *ret_conflicts);
