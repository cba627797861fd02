/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>

#include "keeperproto.h"
#include "macro.h"

bool keeper_cgroup_path_is_valid(const char *p) {
        size_t n;

        if (!p || p[0] != '/' || p[1] == 0)
                return false;
        n = strlen(p);
        if (n > 4096)
                return false;
        for (const char *c = p; *c;) {
                size_t k;

                c++; /* the slash */
                k = strcspn(c, "/");
                if (k == 0 || k > 255)
                        return false; /* "//", a trailing "/", a long name */
                if ((k == 1 && c[0] == '.') || (k == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                for (size_t i = 0; i < k; i++)
                        if ((unsigned char) c[i] <= ' ' || c[i] == 0x7f)
                                return false;
                c += k;
        }
        return true;
}

/* The line without its one trailing "\n"; nothing else may follow. */
static int line_body(const char *line, size_t *ret_len) {
        size_t n;

        if (!line)
                return -EBADMSG;
        n = strnlen(line, KEEPER_LINE_MAX + 1);
        if (n > KEEPER_LINE_MAX)
                return -EBADMSG;
        if (n > 0 && line[n - 1] == '\n')
                n--;
        if (memchr(line, '\n', n))
                return -EBADMSG;
        *ret_len = n;
        return 0;
}

int keeper_request_parse(const char *line, char **ret_cgroup) {
        _cleanup_free_ char *cg = NULL;
        size_t n;

        if (!ret_cgroup || line_body(line, &n) < 0)
                return -EBADMSG;
        if (n == strlen("REHOME") && strneq(line, "REHOME", n)) {
                *ret_cgroup = NULL;
                return 0;
        }
        if (n <= strlen("REHOME ") || !strneq(line, "REHOME ", strlen("REHOME ")))
                return -EBADMSG;

        cg = strndup(line + strlen("REHOME "), n - strlen("REHOME "));
        if (!cg)
                return -ENOMEM;
        if (!keeper_cgroup_path_is_valid(cg))
                return -EBADMSG;
        *ret_cgroup = TAKE_PTR(cg);
        return 0;
}

int keeper_request_format(const char *cgroup, char **ret) {
        if (!ret)
                return -EINVAL;
        if (!cgroup)
                return (*ret = strdup("REHOME\n")) ? 0 : -ENOMEM;
        if (!keeper_cgroup_path_is_valid(cgroup))
                return -EINVAL;
        return asprintf(ret, "REHOME %s\n", cgroup) < 0 ? -ENOMEM : 0;
}

static int parse_u64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (*s < '0' || *s > '9')
                return -EBADMSG;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || *end)
                return -EBADMSG;
        *ret = v;
        return 0;
}

int keeper_reply_parse(const char *line, KeeperReply *ret) {
        _cleanup_free_ char *copy = NULL;
        KeeperReply r = {};
        size_t n;
        char *p, *w;
        unsigned seen = 0;

        if (!ret || line_body(line, &n) < 0)
                return -EBADMSG;
        copy = strndup(line, n);
        if (!copy)
                return -ENOMEM;

        if (strneq(copy, "ERROR ", 6)) {
                uint64_t e;
                char *sp = strchr(copy + 6, ' ');

                if (sp)
                        *sp = 0;
                if (parse_u64(copy + 6, &e) < 0 || e == 0 || e > 4095)
                        return -EBADMSG;
                *ret = (KeeperReply){ .error = (int) e };
                return 0;
        }
        if (!streq(copy, "OK") && !strneq(copy, "OK ", 3))
                return -EBADMSG;

        p = copy + 2;
        while ((w = strsep(&p, " "))) {
                static const char *const keys[] = { "files", "moved", "failed", "bytes", "usec" };
                uint64_t *fields[] = { &r.files, &r.moved, &r.failed, &r.bytes, &r.usec };
                char *eq;
                size_t i;

                if (!*w)
                        continue;
                eq = strchr(w, '=');
                if (!eq)
                        return -EBADMSG;
                *eq++ = 0;
                for (i = 0; i < ELEMENTSOF(keys); i++)
                        if (streq(w, keys[i]))
                                break;
                /* Unknown keys are skipped: a newer keeper may say more. */
                if (i == ELEMENTSOF(keys))
                        continue;
                if (seen & (1u << i) || parse_u64(eq, fields[i]) < 0)
                        return -EBADMSG;
                seen |= 1u << i;
        }
        *ret = r;
        return 0;
}

int keeper_reply_format(const KeeperReply *r, const char *text, char **ret) {
        if (!r || !ret)
                return -EINVAL;
        if (r->error != 0) {
                _cleanup_free_ char *t = strndup(strempty(text), 512);

                if (!t)
                        return -ENOMEM;
                for (char *c = t; *c; c++)
                        if ((unsigned char) *c < ' ' || *c == 0x7f)
                                *c = '?';
                return asprintf(ret, "ERROR %d %s\n", r->error < 0 ? -r->error : r->error, t) < 0 ? -ENOMEM
                                                                                                  : 0;
        }
        return asprintf(ret,
                        "OK files=%" PRIu64 " moved=%" PRIu64 " failed=%" PRIu64 " bytes=%" PRIu64
                        " usec=%" PRIu64 "\n",
                        r->files, r->moved, r->failed, r->bytes, r->usec) < 0
                ? -ENOMEM
                : 0;
}
