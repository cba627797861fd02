/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"
#include "path.h"
#include "unitname.h"
#include "unitkeys.h"

/* A unit file or drop-in is configuration, never this big; systemd itself
 * refuses lines over 1 MiB. */
#define UNIT_FILE_MAX (1024 * 1024)
/* Drop-ins of one unit taken into account; more is a broken system. */
#define DROPINS_MAX 256

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\r';
}

/* [s, e) without surrounding white space. */
static void trim(const char **s, const char **e) {
        while (*s < *e && is_space(**s))
                (*s)++;
        while (*e > *s && is_space((*e)[-1]))
                (*e)--;
}

/* systemd's booleans (parse_boolean()): -1 for anything else. */
static int parse_bool(const char *s, size_t n) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strlen(yes[i]) == n && strncasecmp(s, yes[i], n) == 0)
                        return 1;
                if (strlen(no[i]) == n && strncasecmp(s, no[i], n) == 0)
                        return 0;
        }
        return -1;
}

static bool key_is(const char *s, const char *e, const char *key) {
        return (size_t) (e - s) == strlen(key) && strneq(s, key, strlen(key));
}

/* One logical line "Key=value" of section (0 [Unit], 1 [Service]). */
static int apply_assignment(UnitKeys *k, int section, const char *s, const char *e, const char *source) {
        const char *eq = memchr(s, '=', (size_t) (e - s)), *ke, *v;

        if (!eq)
                return 0;
        ke = eq;
        while (ke > s && is_space(ke[-1]))
                ke--;
        v = eq + 1;
        trim(&v, &e);

        if (section == 1 && key_is(s, ke, "Slice")) {
                char *value = NULL, *src = NULL;

                if (v < e) {
                        value = strndup(v, (size_t) (e - v));
                        src = strdup(source ?: "");
                        if (!value || !src) {
                                free(value);
                                free(src);
                                return -ENOMEM;
                        }
                } else if (source) {
                        src = strdup(source);
                        if (!src)
                                return -ENOMEM;
                }
                free(k->slice);
                free(k->slice_source);
                k->slice = value;
                k->slice_source = src;
        } else if (section == 0 && key_is(s, ke, "DefaultDependencies")) {
                int b = v < e ? parse_bool(v, (size_t) (e - v)) : 1;

                if (b >= 0)
                        k->default_dependencies = b;
        }
        return 0;
}

int unit_keys_apply_text(UnitKeys *k, const char *text, const char *source) {
        _cleanup_free_ char *logical = NULL;
        size_t cap = 0, len = 0;
        int section = -1, r;
        bool continued = false;
        const char *p = text;

        while (p && *p) {
                const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p), *s = p, *e = end;
                bool cont;

                p = nl ? nl + 1 : NULL;
                trim(&s, &e);
                /* Comment lines are skipped, also inside a continuation. */
                if (s < e && (*s == '#' || *s == ';'))
                        continue;
                cont = e > s && e[-1] == '\\';
                if (cont)
                        e--;
                if (!continued)
                        len = 0;
                /* A continuation joins with a space, as systemd does. */
                if (len + (size_t) (e - s) + 2 > cap) {
                        size_t c = MAX(cap * 2, len + (size_t) (e - s) + 64);
                        char *x = realloc(logical, c);

                        if (!x)
                                return -ENOMEM;
                        logical = x;
                        cap = c;
                }
                if (continued && len > 0)
                        logical[len++] = ' ';
                memcpy(logical + len, s, (size_t) (e - s));
                len += (size_t) (e - s);
                logical[len] = 0;
                continued = cont;
                if (cont && p)
                        continue;
                continued = false;

                s = logical;
                e = logical + len;
                trim(&s, &e);
                if (s == e)
                        continue;
                if (*s == '[') {
                        section = key_is(s, e, "[Unit]") ? 0 : key_is(s, e, "[Service]") ? 1 : -1;
                        continue;
                }
                if (section < 0)
                        continue;
                r = apply_assignment(k, section, s, e, source);
                if (r < 0)
                        return r;
        }
        return 0;
}

void unit_keys_done(UnitKeys *k) {
        if (!k)
                return;
        free(k->slice);
        free(k->slice_source);
        *k = UNIT_KEYS_INIT;
}

typedef struct Dropin {
        char *name; /* file name, the key systemd sorts and overrides by */
        char *path;
} Dropin;

typedef struct Dropins {
        Dropin items[DROPINS_MAX];
        size_t n;
} Dropins;

static void dropins_done(Dropins *d) {
        for (size_t i = 0; i < d->n; i++) {
                free(d->items[i].name);
                free(d->items[i].path);
        }
        d->n = 0;
}

static bool dir_is_generator(const char *dir) {
        return strneq(dir, "run/systemd/generator", strlen("run/systemd/generator"));
}

/* Adds the *.conf of one drop-in directory, unless a file of the same name
 * came from a directory read before (higher priority, or more specific). */
static int dropins_add_dir(Dropins *d, const char *path, bool generator, const char *skip) {
        _cleanup_closedir_ DIR *dir = opendir(path);
        struct dirent *de;

        if (!dir)
                return errno == ENOENT || errno == ENOTDIR ? 0 : negative_errno();
        while ((de = readdir(dir))) {
                size_t l = strlen(de->d_name);
                bool seen = false;

                if (de->d_name[0] == '.' || l <= strlen(".conf") || !streq(de->d_name + l - 5, ".conf"))
                        continue;
                if (generator && skip && streq(de->d_name, skip))
                        continue;
                for (size_t i = 0; i < d->n && !seen; i++)
                        seen = streq(d->items[i].name, de->d_name);
                if (seen)
                        continue;
                if (d->n == DROPINS_MAX)
                        return -E2BIG;
                d->items[d->n].name = strdup(de->d_name);
                d->items[d->n].path = path_join(path, de->d_name);
                if (!d->items[d->n].name || !d->items[d->n].path) {
                        d->n++;
                        return -ENOMEM;
                }
                d->n++;
        }
        return 0;
}

static int dropin_cmp(const void *a, const void *b) {
        return strcmp(((const Dropin *) a)->name, ((const Dropin *) b)->name);
}

/* The drop-in directory names of unit, most specific first: its own, its
 * template's, each dash prefix from the longest ("a-b-.service.d" for
 * "a-b-c.service"), and the type's ("service.d"). */
static int dropin_dir_names(const char *unit, char *names[static 16], size_t *ret_n) {
        const char *at = strchr(unit, '@');
        size_t stem = at ? (size_t) (at - unit) : strlen(unit) - strlen(".service"), n = 0;
        int r;

        if (asprintf(&names[n], "%s.d", unit) < 0)
                return -ENOMEM;
        n++;
        if (at) {
                _cleanup_free_ char *template = NULL;

                r = unit_name_template_of(unit, &template);
                if (r < 0)
                        return r;
                if (asprintf(&names[n], "%s.d", template) < 0)
                        return -ENOMEM;
                n++;
        }
        for (size_t i = stem; i > 0 && n < 15; i--)
                if (unit[i - 1] == '-' && i > 1) {
                        if (asprintf(&names[n], "%.*s.service.d", (int) i, unit) < 0)
                                return -ENOMEM;
                        n++;
                }
        names[n] = strdup("service.d");
        if (!names[n])
                return -ENOMEM;
        *ret_n = n + 1;
        return 0;
}

/* The unit's file: the first directory that has it, or for an instance
 * without a file of its own, its template's. NULL if there is none. */
static int find_unit_file(const char *root, const char *const *dirs, size_t n_dirs, const char *unit,
                          char **ret) {
        _cleanup_free_ char *template = NULL;
        const char *names[2] = { unit, NULL };

        if (unit_name_is_instance(unit)) {
                if (unit_name_template_of(unit, &template) < 0)
                        return -ENOMEM;
                names[1] = template;
        }
        for (size_t k = 0; k < 2 && names[k]; k++)
                for (size_t i = 0; i < n_dirs; i++) {
                        _cleanup_free_ char *p = path_join(root, dirs[i], names[k]);
                        struct stat st;

                        if (!p)
                                return -ENOMEM;
                        if (lstat(p, &st) < 0)
                                continue;
                        *ret = TAKE_PTR(p);
                        return 0;
                }
        *ret = NULL;
        return 0;
}

/* Applies one file. */
static int apply_file(const char *path, UnitKeys *k) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_full_file(path, UNIT_FILE_MAX, &text, NULL);
        if (r == -ENOENT)
                return 0; /* a dangling link: systemd skips it too */
        if (r < 0)
                return r;
        return unit_keys_apply_text(k, text, path);
}

int unit_keys_read(const char *root, const char *const *dirs, size_t n_dirs, const char *unit,
                   const char *skip_dropin, UnitKeys *ret) {
        _cleanup_free_ char *file = NULL;
        char *names[16] = {};
        size_t n_names = 0;
        Dropins *d = NULL;
        UnitKeys s = UNIT_KEYS_INIT;
        int r;

        if (!ret || !unit_name_is_valid_service(unit))
                return -EINVAL;
        *ret = UNIT_KEYS_INIT;

        r = find_unit_file(root, dirs, n_dirs, unit, &file);
        if (r < 0)
                return r;
        if (file) {
                r = apply_file(file, &s);
                if (r < 0)
                        goto finish;
        }

        r = dropin_dir_names(unit, names, &n_names);
        if (r < 0)
                goto finish;
        d = calloc(1, sizeof *d);
        if (!d) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t i = 0; i < n_dirs && r >= 0; i++)
                for (size_t k = 0; k < n_names && r >= 0; k++) {
                        _cleanup_free_ char *p = path_join(root, dirs[i], names[k]);

                        r = p ? dropins_add_dir(d, p, dir_is_generator(dirs[i]), skip_dropin) : -ENOMEM;
                }
        if (r < 0)
                goto finish;
        qsort(d->items, d->n, sizeof *d->items, dropin_cmp);
        for (size_t i = 0; i < d->n && r >= 0; i++)
                r = apply_file(d->items[i].path, &s);

finish:
        for (size_t k = 0; k < ELEMENTSOF(names); k++)
                free(names[k]);
        if (d)
                dropins_done(d);
        free(d);
        if (r < 0) {
                unit_keys_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}
