/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"
#include "unitname.h"

/* systemd.unit(5): unit names are made of ASCII letters, digits, ":", "-",
 * "_", "." and "\" (the escape character of systemd-escape), plus "@" to
 * separate a template's prefix from its instance. */
#define UNIT_NAME_CHARS \
        "abcdefghijklmnopqrstuvwxyz" \
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
        "0123456789" \
        ":-_.\\"

#define SERVICE_SUFFIX ".service"
#define SLICE_SUFFIX ".slice"
#define ENTITY_PARENT "system"

static bool endswith(const char *s, const char *suffix, size_t *ret_stem_len) {
        size_t l = strlen(s), sl = strlen(suffix);

        if (l < sl || !streq(s + l - sl, suffix))
                return false;
        if (ret_stem_len)
                *ret_stem_len = l - sl;
        return true;
}

/* The stem (name without suffix) of a unit of the given type, checked for
 * what systemd accepts and for what we must never pass on: "/" (a path),
 * ".." (a path component once the name is used in one), overlong names. */
static bool unit_name_is_valid_with_suffix(const char *name, const char *suffix, bool allow_at) {
        size_t len, stem;
        const char *at;

        if (isempty(name))
                return false;
        /* strnlen(): a 4 KiB hostile name is refused without walking all of
         * it twice. */
        len = strnlen(name, UNIT_NAME_MAX + 1);
        if (len > UNIT_NAME_MAX)
                return false;
        if (!endswith(name, suffix, &stem) || stem == 0)
                return false;
        if (strstr(name, ".."))
                return false;

        at = memchr(name, '@', stem);
        if (at && !allow_at)
                return false;
        if (at == name) /* "@foo.service": no prefix */
                return false;

        for (size_t i = 0; i < stem; i++) {
                /* The instance part may contain further "@"s, as in systemd;
                 * the prefix may not. */
                if (name[i] == '@' && at && name + i >= at)
                        continue;
                if (!strchr(UNIT_NAME_CHARS, name[i]))
                        return false;
        }

        return true;
}

bool unit_name_is_valid_service(const char *name) {
        return unit_name_is_valid_with_suffix(name, SERVICE_SUFFIX, true);
}

static const char *instance_start(const char *name) {
        const char *at = strchr(name, '@');

        return at ? at + 1 : NULL;
}

bool unit_name_is_template(const char *name) {
        const char *i;

        if (!unit_name_is_valid_service(name))
                return false;
        i = instance_start(name);
        return i && streq(i, SERVICE_SUFFIX);
}

bool unit_name_is_instance(const char *name) {
        const char *i;

        if (!unit_name_is_valid_service(name))
                return false;
        i = instance_start(name);
        return i && !streq(i, SERVICE_SUFFIX);
}

int unit_name_template_of(const char *name, char **ret) {
        const char *at;
        char *t;

        if (!ret || !unit_name_is_valid_service(name))
                return -EINVAL;

        at = strchr(name, '@');
        if (at)
                t = strndup(name, (size_t) (at - name) + 1);
        else
                t = strdup(name);
        if (!t)
                return -ENOMEM;
        if (at) {
                /* Shorter than name, which had ".service" after the "@". */
                char *n = realloc(t, strlen(t) + strlen(SERVICE_SUFFIX) + 1);
                if (!n) {
                        free(t);
                        return -ENOMEM;
                }
                t = n;
                strcat(t, SERVICE_SUFFIX);
        }

        *ret = t;
        return 0;
}

/* systemd's unit name escaping (systemd-escape(1)): a character that is not
 * plain in a unit name becomes "\xNN"; so do "-" (it means nesting in a slice
 * name) and "\" (the escape itself, so an already escaped prefix stays
 * unambiguous), and a leading "." (no hidden units). "/" would become "-",
 * but it cannot occur in a valid prefix. Unlike systemd, a trailing "." is
 * escaped too: "a.@x.service" would otherwise give "system-a..slice", and
 * ".." never passes our checks. */
static int unit_name_escape(const char *s, size_t n, char **ret) {
        char *buf, *t;

        if (n > (SIZE_MAX - 1) / 4)
                return -ENOMEM;
        buf = malloc(n * 4 + 1);
        if (!buf)
                return -ENOMEM;

        t = buf;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];

                if (c == '/')
                        *t++ = '-';
                else if (c == '-' || c == '\\' || (c == '.' && (i == 0 || i == n - 1)) || c == 0 ||
                         !strchr(UNIT_NAME_CHARS, c)) {
                        static const char hex[] = "0123456789abcdef";

                        *t++ = '\\';
                        *t++ = 'x';
                        *t++ = hex[c >> 4];
                        *t++ = hex[c & 15];
                } else
                        *t++ = (char) c;
        }
        *t = 0;

        *ret = buf;
        return 0;
}

static bool slice_name_is_valid_any(const char *name);

int unit_name_entity_slice_in(const char *parent, const char *service, char **ret) {
        _cleanup_free_ char *escaped = NULL;
        const char *at;
        size_t prefix_len;
        char *s;
        int r;

        if (!ret || !unit_name_is_valid_service(service))
                return -EINVAL;
        if (!parent)
                parent = ENTITY_PARENT SLICE_SUFFIX;
        if (!slice_can_hold_entities(parent))
                return -EINVAL;

        /* The prefix is what comes before "@" for a template family, or the
         * whole stem for a plain service. */
        at = strchr(service, '@');
        prefix_len = at ? (size_t) (at - service) : strlen(service) - strlen(SERVICE_SUFFIX);

        r = unit_name_escape(service, prefix_len, &escaped);
        if (r < 0)
                return r;

        if (asprintf(&s, "%.*s-%s" SLICE_SUFFIX, (int) (strlen(parent) - strlen(SLICE_SUFFIX)), parent,
                     escaped) < 0)
                return -ENOMEM;
        /* Escaping can quadruple a prefix: a valid service name may have no
         * valid slice name. systemd would fail to load such a slice too. */
        if (strlen(s) > UNIT_NAME_MAX) {
                free(s);
                return -ENAMETOOLONG;
        }

        *ret = s;
        return 0;
}

int unit_name_entity_slice(const char *service, char **ret) {
        return unit_name_entity_slice_in(NULL, service, ret);
}

/* Any slice name systemd accepts, with dash nesting that makes sense: no
 * empty component ("a--b", "-a", "a-"). "-.slice" is the root slice. */
static bool slice_name_is_valid_any(const char *name) {
        size_t stem;

        if (!unit_name_is_valid_with_suffix(name, SLICE_SUFFIX, false))
                return false;
        if (streq(name, "-" SLICE_SUFFIX))
                return true;

        stem = strlen(name) - strlen(SLICE_SUFFIX);
        if (name[0] == '-' || name[stem - 1] == '-')
                return false;
        for (size_t i = 1; i < stem; i++)
                if (name[i] == '-' && name[i - 1] == '-')
                        return false;
        return true;
}

/* Trees that other managers own: logind's user-UID.slice, machined's
 * machine.slice. */
static bool slice_in_foreign_tree(const char *name) {
        static const char *const trees[] = { "user", "machine" };

        for (size_t i = 0; i < ELEMENTSOF(trees); i++) {
                size_t n = strlen(trees[i]);

                if (strneq(name, trees[i], n) && (name[n] == '-' || streq(name + n, SLICE_SUFFIX)))
                        return true;
        }
        return false;
}

bool slice_can_hold_entities(const char *name) {
        return slice_name_is_valid_any(name) && !streq(name, "-" SLICE_SUFFIX) &&
                !slice_in_foreign_tree(name);
}

bool slice_name_is_valid(const char *name) {
        /* An entity is a slice of its own below another slice (the root
         * slice's children are what the administrator's slices hang on:
         * system.slice itself would make every service share one entity
         * with the rest of the system). */
        if (!slice_name_is_valid_any(name) || streq(name, "-" SLICE_SUFFIX) || slice_in_foreign_tree(name))
                return false;
        return strchr(name, '-') != NULL;
}

int unit_name_keeper(const char *slice, char **ret) {
        size_t stem;
        char *s;

        if (!ret || !slice_name_is_valid(slice))
                return -EINVAL;

        stem = strlen(slice) - strlen(SLICE_SUFFIX);
        if (asprintf(&s, "cgpersist-keeper@%.*s" SERVICE_SUFFIX, (int) stem, slice) < 0)
                return -ENOMEM;
        if (!unit_name_is_valid_service(s)) {
                free(s);
                return -ENAMETOOLONG;
        }

        *ret = s;
        return 0;
}

int slice_cgroup_path(const char *slice, char **ret) {
        size_t stem, total = 0;
        char *buf, *t;

        if (!ret || !slice_name_is_valid_any(slice))
                return -EINVAL;
        /* The root slice is the cgroup root: no relative path to give. */
        if (streq(slice, "-" SLICE_SUFFIX))
                return -EINVAL;

        /* "a-b-c.slice" lives at "a.slice/a-b.slice/a-b-c.slice": one
         * directory per dash-separated prefix. */
        stem = strlen(slice) - strlen(SLICE_SUFFIX);
        for (size_t i = 0; i <= stem; i++)
                if (i == stem || slice[i] == '-')
                        total += i + strlen(SLICE_SUFFIX) + 1;

        buf = malloc(total);
        if (!buf)
                return -ENOMEM;

        t = buf;
        for (size_t i = 0; i <= stem; i++)
                if (i == stem || slice[i] == '-') {
                        if (t != buf)
                                *t++ = '/';
                        memcpy(t, slice, i);
                        t += i;
                        memcpy(t, SLICE_SUFFIX, strlen(SLICE_SUFFIX));
                        t += strlen(SLICE_SUFFIX);
                }
        *t = 0;

        *ret = buf;
        return 0;
}

bool unit_pattern_is_glob(const char *pattern) {
        return pattern && strpbrk(pattern, "*?[");
}

bool unit_pattern_is_valid(const char *pattern) {
        size_t len;

        if (isempty(pattern))
                return false;
        if (!unit_pattern_is_glob(pattern))
                return unit_name_is_valid_service(pattern);

        /* A glob is held to the rules of the names it matches, with the
         * three glob characters (and "!" for negated classes) added: it can
         * contain no "/" or "..", nothing outside ASCII, and no more than a
         * unit name's length. */
        len = strnlen(pattern, UNIT_NAME_MAX + 1);
        if (len > UNIT_NAME_MAX)
                return false;
        if (strstr(pattern, ".."))
                return false;
        for (size_t i = 0; i < len; i++)
                if (!strchr(UNIT_NAME_CHARS "@*?[]!", pattern[i]))
                        return false;
        return true;
}

bool unit_pattern_match(const char *pattern, const char *name) {
        _cleanup_free_ char *template = NULL;

        if (!unit_pattern_is_valid(pattern) || !unit_name_is_valid_service(name))
                return false;

        if (unit_pattern_is_glob(pattern))
                /* FNM_NOESCAPE: "\" is part of escaped unit names
                 * ("foo\x2dbar"), not a glob escape. */
                return fnmatch(pattern, name, FNM_NOESCAPE) == 0;

        if (streq(pattern, name))
                return true;

        /* "foo@.service" stands for its whole family. */
        if (unit_name_is_template(pattern) && unit_name_is_instance(name) &&
            unit_name_template_of(name, &template) >= 0)
                return streq(template, pattern);

        return false;
}

bool unit_name_is_cgpersist_own(const char *name) {
        if (!name)
                return false;
        /* cgpersist's own units must never be moved into an entity or get a
         * drain hook: the daemon would manage itself, and the keeper already
         * lives in the entity it keeps. */
        return streq(name, "cgpersistd.service") || strneq(name, "cgpersist-", strlen("cgpersist-"));
}
