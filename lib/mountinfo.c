/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdbool.h>

#include "macro.h"
#include "mountinfo.h"

void mount_info_done(MountInfo *m) {
        if (!m)
                return;
        free(m->root);
        free(m->mount_point);
        free(m->fstype);
        free(m->source);
        *m = (MountInfo){};
}

/* The next field of [*p, end) separated by one or more blanks: its start
 * and length, or false at the end. */
static bool next_field(const char **p, const char *end, const char **ret, size_t *ret_len) {
        const char *s = *p, *e;

        while (s < end && *s == ' ')
                s++;
        if (s >= end)
                return false;
        for (e = s; e < end && *e != ' '; e++)
                ;
        *ret = s;
        *ret_len = (size_t) (e - s);
        *p = e;
        return true;
}

/* \ooo (octal, at most \377) as the byte; other backslashes stay. */
static char *unescape(const char *s, size_t n) {
        char *out = malloc(n + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '\\' && n - i >= 4 && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
                    s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
                        *o++ = (char) ((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
                        i += 3;
                } else
                        *o++ = s[i];
        }
        *o = 0;
        return out;
}

static int parse_u64(const char *s, size_t n, uint64_t *ret) {
        uint64_t v = 0;

        if (n == 0 || n > 20)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                if (v > (UINT64_MAX - (uint64_t) (s[i] - '0')) / 10)
                        return -EINVAL;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        *ret = v;
        return 0;
}

int mountinfo_parse_line(const char *line, MountInfo *ret) {
        _cleanup_(mount_info_done) MountInfo m = {};
        const char *p = line, *end, *f, *colon;
        size_t n;
        uint64_t major, minor;
        bool dash = false;

        if (!line || !ret)
                return -EINVAL;
        end = line + strcspn(line, "\n");

        if (!next_field(&p, end, &f, &n) || parse_u64(f, n, &m.id) < 0)
                return -EINVAL;
        if (!next_field(&p, end, &f, &n) || parse_u64(f, n, &m.parent_id) < 0)
                return -EINVAL;
        if (!next_field(&p, end, &f, &n) || !(colon = memchr(f, ':', n)) ||
            parse_u64(f, (size_t) (colon - f), &major) < 0 ||
            parse_u64(colon + 1, n - (size_t) (colon - f) - 1, &minor) < 0 || major > UINT32_MAX ||
            minor > UINT32_MAX)
                return -EINVAL;
        m.major = (unsigned) major;
        m.minor = (unsigned) minor;
        if (!next_field(&p, end, &f, &n))
                return -EINVAL;
        if (!(m.root = unescape(f, n)))
                return -ENOMEM;
        if (!next_field(&p, end, &f, &n))
                return -EINVAL;
        if (!(m.mount_point = unescape(f, n)))
                return -ENOMEM;
        /* Options, then optional fields up to the lone "-". */
        while (next_field(&p, end, &f, &n))
                if (n == 1 && f[0] == '-') {
                        dash = true;
                        break;
                }
        if (!dash || !next_field(&p, end, &f, &n))
                return -EINVAL;
        if (!(m.fstype = unescape(f, n)))
                return -ENOMEM;
        if (!next_field(&p, end, &f, &n))
                return -EINVAL;
        if (!(m.source = unescape(f, n)))
                return -ENOMEM;

        *ret = m;
        m = (MountInfo){};
        return 0;
}

/* Calls fn on every well-formed line until it returns non-zero. */
static int each_line(const char *text, int (*fn)(const MountInfo *m, void *userdata), void *userdata) {
        for (const char *l = text; l && *l;) {
                const char *nl = strchr(l, '\n');
                MountInfo m;
                int r;

                r = mountinfo_parse_line(l, &m);
                if (r == -ENOMEM)
                        return r;
                if (r >= 0) {
                        r = fn(&m, userdata);
                        mount_info_done(&m);
                        if (r != 0)
                                return r;
                }
                l = nl ? nl + 1 : NULL;
        }
        return 0;
}

typedef struct FindById {
        uint64_t id;
        MountInfo *found;
} FindById;

static int match_id(const MountInfo *m, void *userdata) {
        FindById *f = userdata;

        if (m->id != f->id)
                return 0;
        f->found->id = m->id;
        f->found->parent_id = m->parent_id;
        f->found->major = m->major;
        f->found->minor = m->minor;
        f->found->root = strdup(m->root);
        f->found->mount_point = strdup(m->mount_point);
        f->found->fstype = strdup(m->fstype);
        f->found->source = strdup(m->source);
        if (!f->found->root || !f->found->mount_point || !f->found->fstype || !f->found->source) {
                mount_info_done(f->found);
                return -ENOMEM;
        }
        return 1;
}

int mountinfo_find(const char *text, uint64_t id, MountInfo *ret) {
        MountInfo m = {};
        FindById f = { .id = id, .found = &m };
        int r;

        if (!text || !ret)
                return -EINVAL;
        r = each_line(text, match_id, &f);
        if (r <= 0)
                return r;
        *ret = m;
        return 1;
}

unsigned mountinfo_stack_depth(const char *text, uint64_t id) {
        _cleanup_(mount_info_done) MountInfo m = {};
        unsigned depth = 0;

        if (!text || mountinfo_find(text, id, &m) <= 0)
                return 0;
        /* Each step goes to the parent, bounded: ids are unique in the
         * kernel's text, but a text could say anything (a cycle). Deeper
         * stacks than the bound are counted as the bound. */
        while (depth < MOUNTINFO_STACK_MAX) {
                _cleanup_(mount_info_done) MountInfo parent = {};

                depth++;
                if (m.parent_id == m.id || mountinfo_find(text, m.parent_id, &parent) <= 0 ||
                    !streq(parent.mount_point, m.mount_point))
                        break;
                mount_info_done(&m);
                m = parent;
                parent = (MountInfo){};
        }
        return depth;
}
