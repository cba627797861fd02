/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cgroupfs.h"
#include "coverage.h"
#include "dropin.h"
#include "macro.h"
#include "unitkeys.h"
#include "unitname.h"

static const char *const reason_table[_COVERAGE_REASON_MAX] = {
        [COVERAGE_COVERED] = "covered",
        [COVERAGE_NOT_CONFIGURED] = "not configured",
        [COVERAGE_OWN] = "one of cgpersist's own units",
        [COVERAGE_TRANSIENT] = "transient unit, placed by whoever made it",
        [COVERAGE_EARLY_BOOT] = "DefaultDependencies=no, an early-boot or late-shutdown unit",
        [COVERAGE_OWN_SLICE] = "sets its own Slice=",
        [COVERAGE_INITRD] = "initrd unit",
        [COVERAGE_SHELL] = "rescue, emergency or debug shell",
        [COVERAGE_UNREADABLE] = "unit file or drop-in unreadable",
        [COVERAGE_SLICE_SPECIFIERS] = "its own Slice= has specifiers, which only systemd resolves",
        [COVERAGE_SLICE_FOREIGN] = "its own Slice= is the root slice or in user.slice or machine.slice",
        [COVERAGE_ENTITY_OUTSIDE_SLICE] = "entity= is not below its own Slice=",
        [COVERAGE_NAME_TOO_LONG] = "the name of its entity below its own Slice= would be too long",
};

const char *coverage_reason_to_string(CoverageReason r) {
        if (r < 0 || r >= _COVERAGE_REASON_MAX)
                return NULL;
        return reason_table[r];
}

void coverage_unit_done(CoverageUnit *u) {
        if (!u)
                return;
        free(u->unit);
        free(u->entity);
        free(u->own_slice);
        *u = (CoverageUnit){};
}

void coverage_done(Coverage *c) {
        if (!c)
                return;
        for (size_t i = 0; i < c->n; i++)
                coverage_unit_done(&c->units[i]);
        free(c->units);
        *c = (Coverage){};
}

static int unit_cmp_key(const void *key, const void *item) {
        return strcmp(key, ((const CoverageUnit *) item)->unit);
}

const CoverageUnit *coverage_find(const Coverage *c, const char *unit) {
        if (!c || c->n == 0 || !unit)
                return NULL;
        return bsearch(unit, c->units, c->n, sizeof *c->units, unit_cmp_key);
}

bool coverage_reason_is_slice(CoverageReason r) {
        return r == COVERAGE_SLICE_SPECIFIERS || r == COVERAGE_SLICE_FOREIGN ||
                r == COVERAGE_ENTITY_OUTSIDE_SLICE || r == COVERAGE_NAME_TOO_LONG;
}

/* Whether slice is below parent ("a-b-c.slice" is below "a.slice" and
 * "a-b.slice"): its name begins with the parent's stem and a dash. */
static bool slice_is_below(const char *slice, const char *parent) {
        size_t stem = strlen(parent) - strlen(".slice");

        return strneq(slice, parent, stem) && slice[stem] == '-';
}

int coverage_entity_of(const ServicePolicy *p, const char *unit, const char *own_slice, char **ret) {
        char *s;

        if (!p || !ret)
                return -EINVAL;
        if (own_slice && !slice_can_hold_entities(own_slice))
                return -EINVAL;
        if (!p->entity)
                return unit_name_entity_slice_in(own_slice, unit, ret);
        if (!slice_name_is_valid(p->entity))
                return -EINVAL;
        if (own_slice && !slice_is_below(p->entity, own_slice))
                return -EXDEV;
        s = strdup(p->entity);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* A section that names the unit or its template (no glob). */
static bool named_by_section(const Config *c, const char *unit) {
        for (size_t i = 0; i < c->n_services; i++) {
                const ServiceSection *s = &c->services[i];

                if (!unit_pattern_is_glob(s->pattern) && config_section_applies(s, unit))
                        return true;
        }
        return false;
}

static bool name_is_shell(const char *unit) {
        static const char *const shells[] = {
                "rescue.service",
                "emergency.service",
                "debug-shell.service",
        };

        for (size_t i = 0; i < ELEMENTSOF(shells); i++)
                if (streq(unit, shells[i]))
                        return true;
        return false;
}

/* Why a glob must not take unit, or COVERAGE_COVERED, or -ENOMEM. The name
 * first: it needs no file. */
static int glob_exclusion(const UnitFiles *files, const char *unit, int keys_read, const UnitKeys *k) {
        if (strneq(unit, "initrd-", strlen("initrd-")))
                return COVERAGE_INITRD;
        if (name_is_shell(unit))
                return COVERAGE_SHELL;
        if (!files)
                return COVERAGE_COVERED;
        if (unit_files_is_transient(files, unit))
                return COVERAGE_TRANSIENT;
        /* No file (a unit PID 1 still runs after its file went): nothing
         * more is known of it. */
        if (!unit_files_exist(files, unit))
                return COVERAGE_COVERED;
        if (keys_read < 0)
                return COVERAGE_UNREADABLE; /* what it asks is unknown: leave it */
        if (!k->default_dependencies)
                return COVERAGE_EARLY_BOOT;
        if (k->slice)
                return COVERAGE_OWN_SLICE;
        return COVERAGE_COVERED;
}

static bool some_section_applies(const Config *c, const char *unit) {
        for (size_t i = 0; i < c->n_services; i++)
                if (config_section_applies(&c->services[i], unit))
                        return true;
        return false;
}

/* has_globs: config_has_globs(c), worked out once for a whole collection. */
/* Reads the unit's own settings when its files are known: 0, 1 read, or
 * negative errno (-ENOMEM only is fatal). */
static int read_keys(const UnitFiles *files, const char *unit, UnitKeys *k) {
        _cleanup_free_ char *family = NULL;
        const char *const *dirs;
        size_t n_dirs;
        int r;

        if (!files || !unit_files_exist(files, unit))
                return 0;
        /* An instance's entity is its family's: the template's settings,
         * where the generator's drop-in for the template applies. */
        r = unit_name_template_of(unit, &family);
        if (r < 0)
                return r;
        dirs = unit_files_dirs(&n_dirs);
        r = unit_keys_read(files->root, dirs, n_dirs, family, DROPIN_FILE_NAME, k);
        return r < 0 ? r : 1;
}

/* The reason a unit whose own Slice= is own stays where it is, or
 * COVERAGE_COVERED. */
static CoverageReason slice_refusal(const char *own) {
        if (!own)
                return COVERAGE_COVERED;
        if (strchr(own, '%'))
                return COVERAGE_SLICE_SPECIFIERS;
        if (!slice_can_hold_entities(own))
                return COVERAGE_SLICE_FOREIGN;
        return COVERAGE_COVERED;
}

static int unit_coverage(const Config *c, const UnitFiles *files, const char *unit, bool has_globs,
                         CoverageUnit *ret) {
        _cleanup_(unit_keys_done) UnitKeys k = UNIT_KEYS_INIT;
        CoverageUnit u = {};
        ServicePolicy p;
        const char *own;
        int r, keys;

        u.unit = strdup(unit);
        if (!u.unit)
                return -ENOMEM;
        u.reason = COVERAGE_NOT_CONFIGURED;

        if (!unit_name_is_valid_service(unit))
                goto not_covered;
        u.by_glob = has_globs && !named_by_section(c, unit);
        if (unit_name_is_cgpersist_own(unit)) {
                if (some_section_applies(c, unit))
                        u.reason = COVERAGE_OWN;
                goto not_covered;
        }
        r = config_policy_for(c, unit, &p);
        if (r < 0) {
                coverage_unit_done(&u);
                return r;
        }
        if (r == 0)
                goto not_covered;
        keys = read_keys(files, unit, &k);
        if (keys == -ENOMEM) {
                coverage_unit_done(&u);
                return keys;
        }
        if (u.by_glob) {
                r = glob_exclusion(files, unit, keys, &k);
                if (r < 0) {
                        coverage_unit_done(&u);
                        return r;
                }
                u.reason = r;
                if (u.reason != COVERAGE_COVERED)
                        goto not_covered;
        }
        /* Its own Slice= (system.slice is where it would be anyway): the
         * entity goes below it, or the unit stays where it is. */
        own = k.slice && !streq(k.slice, "system.slice") ? k.slice : NULL;
        if (own) {
                u.own_slice = strdup(own);
                if (!u.own_slice) {
                        coverage_unit_done(&u);
                        return -ENOMEM;
                }
        }
        u.reason = slice_refusal(own);
        if (u.reason != COVERAGE_COVERED)
                goto not_covered;
        r = coverage_entity_of(&p, unit, own, &u.entity);
        if (r == -EXDEV || r == -ENAMETOOLONG) {
                u.reason = r == -EXDEV ? COVERAGE_ENTITY_OUTSIDE_SLICE : COVERAGE_NAME_TOO_LONG;
                goto not_covered;
        }
        if (r < 0) {
                coverage_unit_done(&u);
                return r;
        }
        u.reason = COVERAGE_COVERED;
        u.policy = p;
        *ret = u;
        return 1;

not_covered:
        *ret = u;
        return 0;
}

int coverage_of(const Config *c, const UnitFiles *files, const char *unit, CoverageUnit *ret) {
        if (!c || !unit || !ret)
                return -EINVAL;
        return unit_coverage(c, files, unit, config_has_globs(c), ret);
}

typedef struct Candidate {
        const char *unit;
        bool named; /* a section's own pattern */
} Candidate;

typedef struct Candidates {
        Candidate *items;
        size_t n, allocated;
} Candidates;

static int candidate_add(Candidates *l, const char *unit, bool named) {
        if (l->n == l->allocated) {
                size_t a = MAX(l->allocated * 2, (size_t) 64);
                Candidate *x = realloc(l->items, a * sizeof *x);
                if (!x)
                        return -ENOMEM;
                l->items = x;
                l->allocated = a;
        }
        l->items[l->n++] = (Candidate){ .unit = unit, .named = named };
        return 0;
}

static int candidate_cmp(const void *a, const void *b) {
        return strcmp(((const Candidate *) a)->unit, ((const Candidate *) b)->unit);
}

/* One of each name (named if any copy is), each unit evaluated once: a
 * glob reads the unit's file and drop-ins. */
static int evaluate(const Config *c, const UnitFiles *files, Candidates *l, Coverage *ret) {
        bool has_globs = config_has_globs(c);
        CoverageUnit *units = NULL;
        size_t n = 0;

        if (l->n > 0)
                qsort(l->items, l->n, sizeof *l->items, candidate_cmp);
        units = l->n > 0 ? calloc(l->n, sizeof *units) : NULL;
        if (l->n > 0 && !units)
                return -ENOMEM;
        for (size_t i = 0; i < l->n;) {
                const char *unit = l->items[i].unit;
                bool named = false;
                int r;

                for (; i < l->n && streq(l->items[i].unit, unit); i++)
                        named = named || l->items[i].named;
                r = unit_coverage(c, files, unit, has_globs, &units[n]);
                if (r < 0) {
                        coverage_done(&(Coverage){ .units = units, .n = n });
                        return r;
                }
                /* Of what a glob or PID 1 brought: what is covered, and
                 * what a glob passed over for safety (shown to the
                 * operator). */
                if (!named && r == 0 && units[n].reason < COVERAGE_TRANSIENT) {
                        coverage_unit_done(&units[n]);
                        continue;
                }
                n++;
        }
        *ret = (Coverage){ .units = units, .n = n };
        return 0;
}

int coverage_collect(const Config *c, const UnitFiles *files, char *const *extra, size_t n_extra,
                     Coverage *ret) {
        Candidates l = {};
        bool globs;
        int r = 0;

        if (!c || !ret)
                return -EINVAL;
        globs = config_has_globs(c);

        /* Names and templates from the configuration need no unit file: a
         * drop-in for a unit that does not exist is simply never used, and
         * one for foo@.service applies to all of foo's instances. */
        for (size_t i = 0; i < c->n_services && r >= 0; i++)
                if (!unit_pattern_is_glob(c->services[i].pattern))
                        r = candidate_add(&l, c->services[i].pattern, true);
        /* Without a glob, a unit that is no instance is covered only by a
         * section of its name, which is a candidate already: a thousand
         * loaded units are not matched against a thousand sections. */
        for (size_t i = 0; i < n_extra && r >= 0; i++)
                if (globs || unit_name_is_instance(extra[i]))
                        r = candidate_add(&l, extra[i], false);
        if (files && globs) {
                for (size_t i = 0; i < files->n && r >= 0; i++)
                        if (!files->items[i].masked)
                                r = candidate_add(&l, files->items[i].name, false);
                for (size_t i = 0; i < files->n_wanted && r >= 0; i++)
                        if (unit_files_exist(files, files->wanted[i]))
                                r = candidate_add(&l, files->wanted[i], false);
        }
        if (r >= 0)
                r = evaluate(c, files, &l, ret);
        free(l.items);
        return r;
}

static bool section_applies_to_entity(const ServiceSection *s, const Coverage *cov, const char *entity,
                                      const char *unit) {
        if (unit && config_section_applies(s, unit))
                return true;
        for (size_t i = 0; cov && entity && i < cov->n; i++)
                if (cov->units[i].reason == COVERAGE_COVERED && streq(cov->units[i].entity, entity) &&
                    config_section_applies(s, cov->units[i].unit))
                        return true;
        return false;
}

int coverage_entity_sections(const Config *c, const Coverage *cov, const char *entity, const char *unit,
                             char ***ret) {
        char **l = NULL;
        size_t n = 0;

        if (!c || (!unit && !entity) || !ret)
                return -EINVAL;
        for (size_t i = 0; i < c->n_services; i++) {
                const ServiceSection *s = &c->services[i];
                char **x;

                if (!section_applies_to_entity(s, cov, entity, unit))
                        continue;
                x = realloc(l, (n + 2) * sizeof *x);
                if (!x)
                        goto oom;
                l = x;
                if (asprintf(&l[n], "%s:%u", s->file, s->line) < 0) {
                        l[n] = NULL;
                        goto oom;
                }
                l[++n] = NULL;
        }
        if (!l) {
                l = calloc(1, sizeof *l);
                if (!l)
                        return -ENOMEM;
        }
        *ret = l;
        return (int) n;
oom:
        strv_free(l);
        return -ENOMEM;
}

int coverage_sections(const Config *c, const char *unit, char ***ret) {
        return coverage_entity_sections(c, NULL, NULL, unit, ret);
}

static bool tmpfs_same(const TmpfsSpec *a, const TmpfsSpec *b) {
        return a->size == b->size && a->mode == b->mode && streq_ptr(a->owner, b->owner);
}

/* Whether path is declared by a covered unit of another entity. */
static bool claimed_elsewhere(const Coverage *cov, const char *entity, const char *path) {
        for (size_t i = 0; i < cov->n; i++) {
                const CoverageUnit *u = &cov->units[i];

                if (u->reason != COVERAGE_COVERED || streq(u->entity, entity))
                        continue;
                for (size_t j = 0; j < u->policy.n_tmpfs; j++)
                        if (streq(u->policy.tmpfs[j].path, path))
                                return true;
        }
        return false;
}

int coverage_entity_tmpfs(const Coverage *cov, const char *entity, TmpfsSpec **ret, size_t *ret_n,
                          size_t *ret_conflicts) {
        _cleanup_free_ TmpfsSpec *list = NULL;
        _cleanup_free_ bool *bad = NULL;
        size_t n = 0, conflicts = 0, k = 0;

        if (!cov || !entity || !ret || !ret_n)
                return -EINVAL;

        for (size_t i = 0; i < cov->n; i++) {
                const CoverageUnit *u = &cov->units[i];

                if (u->reason != COVERAGE_COVERED || !streq(u->entity, entity))
                        continue;
                for (size_t j = 0; j < u->policy.n_tmpfs; j++) {
                        const TmpfsSpec *t = &u->policy.tmpfs[j];
                        TmpfsSpec *nl;
                        bool *nb;
                        size_t m;

                        for (m = 0; m < n; m++)
                                if (streq(list[m].path, t->path))
                                        break;
                        if (m < n) {
                                if (!tmpfs_same(&list[m], t))
                                        bad[m] = true;
                                continue;
                        }
                        nl = realloc(list, (n + 1) * sizeof(TmpfsSpec));
                        if (!nl)
                                return -ENOMEM;
                        list = nl;
                        nb = realloc(bad, (n + 1) * sizeof(bool));
                        if (!nb)
                                return -ENOMEM;
                        bad = nb;
                        list[n] = *t;
                        bad[n++] = false;
                }
        }

        for (size_t m = 0; m < n; m++) {
                if (!bad[m] && claimed_elsewhere(cov, entity, list[m].path))
                        bad[m] = true;
                if (bad[m]) {
                        conflicts++;
                        continue;
                }
                list[k++] = list[m];
        }

        if (ret_conflicts)
                *ret_conflicts = conflicts;
        *ret_n = k;
        *ret = k > 0 ? TAKE_PTR(list) : NULL;
        return 0;
}
