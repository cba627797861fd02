/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdint.h>

#include "macro.h"
#include "path.h"

/* Component lengths without the slashes that a join would double. */
static void component_trim(const char *s, bool first, const char **ret_start, size_t *ret_len) {
        const char *start = s;
        size_t len;

        /* The first component keeps its leading slash: it says whether the
         * result is absolute. Later components lose theirs at the join. */
        if (!first)
                while (*start == '/')
                        start++;

        len = strlen(start);
        /* Trailing slashes go too, unless that would make an absolute "/"
         * vanish entirely. */
        while (len > 1 && start[len - 1] == '/')
                len--;
        if (!first && len == 1 && start[0] == '/')
                len = 0;

        *ret_start = start;
        *ret_len = len;
}

char *path_join_internal(const char *first, ...) {
        va_list ap;
        size_t total = 1;
        bool have = false;
        char *buf, *p;

        /* Pass 1: the size. Pass 2: copy. Empty components are skipped, so
         * path_join(root, "", "x") is root/x and a NULL-ish config value does
         * not introduce "//". */
        va_start(ap, first);
        for (const char *c = first; c; c = va_arg(ap, const char *)) {
                const char *s;
                size_t l;

                if (isempty(c))
                        continue;
                component_trim(c, !have, &s, &l);
                if (l == 0)
                        continue;
                if (total > SIZE_MAX - l - 1) {
                        va_end(ap);
                        return NULL;
                }
                total += l + 1;
                have = true;
        }
        va_end(ap);

        buf = malloc(total);
        if (!buf)
                return NULL;

        p = buf;
        have = false;
        va_start(ap, first);
        for (const char *c = first; c; c = va_arg(ap, const char *)) {
                const char *s;
                size_t l;

                if (isempty(c))
                        continue;
                component_trim(c, !have, &s, &l);
                if (l == 0)
                        continue;
                /* "/" as first component already ends in the separator. */
                if (have && !(p == buf + 1 && buf[0] == '/'))
                        *p++ = '/';
                memcpy(p, s, l);
                p += l;
                have = true;
        }
        va_end(ap);
        *p = 0;

        return buf;
}

/* Decodes one UTF-8 sequence at s; returns its length, or 0 if invalid.
 * Rejects overlong forms, surrogates and code points past U+10FFFF, all of
 * which let two different byte strings name "the same" character. */
static size_t utf8_decode(const unsigned char *s, uint32_t *ret_cp) {
        uint32_t cp, min;
        size_t n;

        if (s[0] < 0x80) {
                *ret_cp = s[0];
                return 1;
        } else if ((s[0] & 0xe0) == 0xc0) {
                n = 2;
                cp = s[0] & 0x1f;
                min = 0x80;
        } else if ((s[0] & 0xf0) == 0xe0) {
                n = 3;
                cp = s[0] & 0x0f;
                min = 0x800;
        } else if ((s[0] & 0xf8) == 0xf0) {
                n = 4;
                cp = s[0] & 0x07;
                min = 0x10000;
        } else
                return 0;

        for (size_t i = 1; i < n; i++) {
                /* Also stops at the terminating NUL, which is not 10xxxxxx. */
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }

        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;

        *ret_cp = cp;
        return n;
}

static bool codepoint_is_control(uint32_t cp) {
        /* C0, DEL and C1: none of them belongs in a unit name, a path or a
         * journal field, and some of them drive terminals. */
        return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

bool string_is_safe_utf8(const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        if (!s)
                return false;

        while (*p) {
                uint32_t cp;
                size_t n;

                n = utf8_decode(p, &cp);
                if (n == 0 || codepoint_is_control(cp))
                        return false;
                p += n;
        }

        return true;
}

bool filename_is_safe(const char *s) {
        if (isempty(s))
                return false;
        if (streq(s, ".") || streq(s, ".."))
                return false;
        if (strchr(s, '/'))
                return false;
        if (strlen(s) > 255) /* NAME_MAX */
                return false;
        return string_is_safe_utf8(s);
}

char *string_escape_control(const char *s) {
        size_t n = strlen(s);
        char *out = malloc(n * 4 + 1), *o = out;

        if (!out)
                return NULL;
        for (const unsigned char *c = (const unsigned char *) s; *c; c++)
                if (*c < 0x20 || *c == 0x7f || *c == '\\')
                        o += sprintf(o, "\\x%02x", *c);
                else
                        *o++ = (char) *c;
        *o = 0;
        return out;
}
