/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <stdbool.h>

#include "dropin.h"
#include "macro.h"
#include "path.h"
#include "unitname.h"
#include "unitscan.h"

/* Where systemd looks for unit files (the order does not matter here: only
 * the names are collected). */
/* clang-format off */
static const char *const unit_dirs[] = {
        "etc/systemd/system",
        "run/systemd/system",
        "usr/local/lib/systemd/system",
        "lib/systemd/system",
        "usr/lib/systemd/system",
};
/* clang-format on */

void unit_names_done(UnitNames *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                free(l->names[i]);
        free(l->names);
        *l = (UnitNames){};
}

static int names_add(UnitNames *l, const char *name) {
        char **n, *s;

        s = strdup(name);
        if (!s)
                return -ENOMEM;
        n = realloc(l->names, (l->n + 1) * sizeof(char *));
        if (!n) {
                free(s);
                return -ENOMEM;
        }
        l->names = n;
        l->names[l->n++] = s;
        return 0;
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Only names are read, no unit file is opened: a glob needs to know which
 * services exist, nothing more, and the generator runs on every boot. */
static int scan_unit_dir(const Config *c, const char *dir, UnitNames *l) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : negative_errno();

        while ((de = readdir(d))) {
                if (de->d_type != DT_REG && de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
                        continue;
                if (dropin_unit_must_skip(de->d_name))
                        continue;

                for (size_t i = 0; i < c->n_services; i++) {
                        const char *p = c->services[i].pattern;

                        if (unit_pattern_is_glob(p) && unit_pattern_match(p, de->d_name)) {
                                if (names_add(l, de->d_name) < 0)
                                        return -ENOMEM;
                                break;
                        }
                }
        }
        return 0;
}

int config_unit_names(const Config *c, const char *root, UnitScanWarn warn, void *userdata, UnitNames *ret) {
        UnitNames l = {};
        size_t k = 0;
        int r;

        if (!c || !ret)
                return -EINVAL;

        /* Names and templates from the configuration need no unit file: a
         * drop-in for a unit that does not exist is simply never used, and
         * one for foo@.service applies to all of foo's instances. */
        for (size_t i = 0; i < c->n_services; i++)
                if (!unit_pattern_is_glob(c->services[i].pattern)) {
                        r = names_add(&l, c->services[i].pattern);
                        if (r < 0)
                                goto fail;
                }

        if (config_has_globs(c))
                for (size_t i = 0; i < ELEMENTSOF(unit_dirs); i++) {
                        _cleanup_free_ char *dir = path_join(strempty(root), unit_dirs[i]);

                        if (!dir) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        r = scan_unit_dir(c, dir, &l);
                        if (r == -ENOMEM)
                                goto fail;
                        if (r < 0 && warn)
                                warn(dir, r, userdata);
                }

        if (l.n > 1) {
                qsort(l.names, l.n, sizeof(char *), strcmp_ptr);
                for (size_t i = 0; i < l.n; i++) {
                        if (k > 0 && streq(l.names[i], l.names[k - 1])) {
                                free(l.names[i]);
                                continue;
                        }
                        l.names[k++] = l.names[i];
                }
                l.n = k;
        }
        *ret = l;
        return 0;

fail:
        unit_names_done(&l);
        return r;
}

int config_entity_of(const ServicePolicy *p, const char *unit, char **ret) {
        char *s;

        if (!p || !ret)
                return -EINVAL;
        if (!p->entity)
                return unit_name_entity_slice(unit, ret);
        if (!slice_name_is_valid(p->entity))
                return -EINVAL;
        s = strdup(p->entity);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static bool tmpfs_same(const TmpfsSpec *a, const TmpfsSpec *b) {
        return a->size == b->size && a->mode == b->mode && streq_ptr(a->owner, b->owner);
}

/* Whether path is declared by a configured unit of another entity. */
static int claimed_elsewhere(const Config *c, const UnitNames *names, const char *entity, const char *path) {
        for (size_t i = 0; i < names->n; i++) {
                _cleanup_free_ char *e = NULL;
                ServicePolicy p;

                if (config_policy_for(c, names->names[i], &p) <= 0 || p.n_tmpfs == 0)
                        continue;
                if (config_entity_of(&p, names->names[i], &e) < 0 || streq(e, entity))
                        continue;
                for (size_t j = 0; j < p.n_tmpfs; j++)
                        if (streq(p.tmpfs[j].path, path))
                                return 1;
        }
        return 0;
}

int config_entity_tmpfs(const Config *c, const UnitNames *names, const char *entity, TmpfsSpec **ret,
                        size_t *ret_n, size_t *ret_conflicts) {
        _cleanup_free_ TmpfsSpec *list = NULL;
        _cleanup_free_ bool *bad = NULL;
        size_t n = 0, conflicts = 0, k = 0;

        if (!c || !names || !entity || !ret || !ret_n)
                return -EINVAL;

        for (size_t i = 0; i < names->n; i++) {
                _cleanup_free_ char *e = NULL;
                ServicePolicy p;

                if (config_policy_for(c, names->names[i], &p) <= 0 || p.n_tmpfs == 0)
                        continue;
                if (config_entity_of(&p, names->names[i], &e) < 0 || !streq(e, entity))
                        continue;

                for (size_t j = 0; j < p.n_tmpfs; j++) {
                        size_t m;
                        TmpfsSpec *nl;
                        bool *nb;

                        for (m = 0; m < n; m++)
                                if (streq(list[m].path, p.tmpfs[j].path))
                                        break;
                        if (m < n) {
                                if (!tmpfs_same(&list[m], &p.tmpfs[j]))
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
                        list[n] = p.tmpfs[j];
                        bad[n++] = false;
                }
        }

        for (size_t m = 0; m < n; m++) {
                if (!bad[m] && claimed_elsewhere(c, names, entity, list[m].path))
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
