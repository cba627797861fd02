/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "memstat.h"
#include "psi.h"

/* "12.34" -> 1234; at most two decimals, as the kernel prints them, and no
 * more than 100.00. */
static int parse_centi(const char *s, size_t n, unsigned *ret) {
        unsigned whole = 0, frac = 0, digits = 0;
        size_t i = 0;

        if (n == 0)
                return -EINVAL;
        for (; i < n && s[i] != '.'; i++) {
                if (s[i] < '0' || s[i] > '9' || whole > 100)
                        return -EINVAL;
                whole = whole * 10 + (unsigned) (s[i] - '0');
        }
        if (i == 0)
                return -EINVAL;
        if (i < n) {
                for (i++; i < n; i++, digits++) {
                        if (s[i] < '0' || s[i] > '9' || digits >= 2)
                                return -EINVAL;
                        frac = frac * 10 + (unsigned) (s[i] - '0');
                }
                if (digits == 0)
                        return -EINVAL;
                if (digits == 1)
                        frac *= 10;
        }
        if (whole > 100 || (whole == 100 && frac > 0))
                return -EINVAL;
        *ret = whole * 100 + frac;
        return 0;
}

/* One line after its "some"/"full" word: space-separated key=value. */
static int parse_fields(const char *p, const char *end, PsiLine *ret) {
        PsiLine l = {};
        bool have_total = false;
        int r;

        while (p < end) {
                const char *tok, *eq;
                size_t klen;

                while (p < end && *p == ' ')
                        p++;
                if (p >= end)
                        break;
                tok = p;
                while (p < end && *p != ' ')
                        p++;
                eq = memchr(tok, '=', (size_t) (p - tok));
                if (!eq || eq == tok)
                        return -EINVAL;
                klen = (size_t) (eq - tok);
                const char *v = eq + 1;
                size_t vlen = (size_t) (p - v);

                if (klen == 5 && strneq(tok, "avg10", 5))
                        r = parse_centi(v, vlen, &l.avg10);
                else if (klen == 5 && strneq(tok, "avg60", 5))
                        r = parse_centi(v, vlen, &l.avg60);
                else if (klen == 6 && strneq(tok, "avg300", 6))
                        r = parse_centi(v, vlen, &l.avg300);
                else if (klen == 5 && strneq(tok, "total", 5)) {
                        char buf[32];

                        if (vlen == 0 || vlen >= sizeof buf)
                                return -EINVAL;
                        memcpy(buf, v, vlen);
                        buf[vlen] = 0;
                        r = safe_atou64_strict(buf, &l.total);
                        have_total = r >= 0;
                } else
                        r = 0; /* a key of a later kernel */
                if (r < 0)
                        return -EINVAL;
        }
        if (!have_total)
                return -EINVAL;
        *ret = l;
        return 0;
}

int psi_parse(const char *text, Psi *ret) {
        Psi psi = {};
        bool have_some = false;
        const char *p = text;
        int r;

        if (!text || !ret)
                return -EINVAL;

        while (*p) {
                const char *end = strchrnul(p, '\n');

                if (end > p) {
                        if (end - p > 4 && strneq(p, "some ", 5)) {
                                r = parse_fields(p + 5, end, &psi.some);
                                have_some = r >= 0;
                        } else if (end - p > 4 && strneq(p, "full ", 5)) {
                                r = parse_fields(p + 5, end, &psi.full);
                                psi.has_full = r >= 0;
                        } else
                                r = -EINVAL;
                        if (r < 0)
                                return r;
                }
                p = *end ? end + 1 : end;
        }
        if (!have_some)
                return -EINVAL;
        *ret = psi;
        return 0;
}
