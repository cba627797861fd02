/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "size.h"

#define BLANKS " \t"

static bool is_digit(char c) {
        /* isdigit() depends on the locale; configuration syntax must not. */
        return c >= '0' && c <= '9';
}

/* Reads "123" or "123.456" at *p. The fraction is kept as an integer and the
 * power of ten it is to be divided by, so that "1.5G" is exact without
 * floating point. Digits past 18 in the fraction cannot change a result that
 * is truncated to whole units anyway, and are skipped. */
static int parse_decimal(const char **p, uint64_t *ret_whole, uint64_t *ret_frac, uint64_t *ret_frac_div,
                         bool *ret_has_frac) {
        const char *s = *p;
        uint64_t whole = 0, frac = 0, frac_div = 1;
        bool has_frac = false;

        /* A sign, a leading dot or anything else that is not a digit is
         * refused here: negative sizes are an error, not a wrap-around. */
        if (!is_digit(*s))
                return -EINVAL;

        for (; is_digit(*s); s++) {
                unsigned d = (unsigned) (*s - '0');

                if (whole > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                whole = whole * 10 + d;
        }

        if (*s == '.') {
                s++;
                if (!is_digit(*s))
                        return -EINVAL;
                has_frac = true;
                for (; is_digit(*s); s++)
                        if (frac_div < UINT64_C(1000000000000000000)) {
                                frac = frac * 10 + (uint64_t) (*s - '0');
                                frac_div *= 10;
                        }
        }

        *p = s;
        *ret_whole = whole;
        *ret_frac = frac;
        *ret_frac_div = frac_div;
        *ret_has_frac = has_frac;
        return 0;
}

/* whole * mult + frac * mult / frac_div, or -ERANGE. */
static int scale(uint64_t whole, uint64_t frac, uint64_t frac_div, uint64_t mult, uint64_t *ret) {
        unsigned __int128 v;

        v = (unsigned __int128) whole * mult;
        v += (unsigned __int128) frac * mult / frac_div;
        if (v > UINT64_MAX)
                return -ERANGE;
        *ret = (uint64_t) v;
        return 0;
}

int parse_size(const char *s, uint64_t *ret) {
        static const char units[] = "KMGTPE";
        uint64_t whole, frac, frac_div, mult = 1, v;
        const char *p, *u;
        bool has_frac;
        size_t n;
        int r;

        if (!s || !ret)
                return -EINVAL;

        p = s + strspn(s, BLANKS);
        n = strlen(p);
        while (n > 0 && strchr(BLANKS, p[n - 1]))
                n--;
        if (n == 8 && strneq(p, "infinity", 8)) {
                *ret = SIZE_INFINITY;
                return 0;
        }

        r = parse_decimal(&p, &whole, &frac, &frac_div, &has_frac);
        if (r < 0)
                return r;

        p += strspn(p, BLANKS);
        if (*p && (u = strchr(units, *p))) {
                mult = UINT64_C(1) << (10 * (u - units + 1));
                p++;
                if (*p == 'i')
                        p++;
                if (*p == 'B')
                        p++;
        } else if (*p == 'B')
                p++;
        p += strspn(p, BLANKS);
        if (*p)
                return -EINVAL;

        /* "1.5" bytes means nothing; say so instead of truncating. */
        if (has_frac && mult == 1)
                return -EINVAL;

        r = scale(whole, frac, frac_div, mult, &v);
        if (r < 0)
                return r;
        if (v == SIZE_INFINITY)
                return -ERANGE;

        *ret = v;
        return 0;
}

/* Decimal digits of v ending at end (exclusive); returns where they start. */
static char *digits_before(char *end, uint64_t v) {
        do
                *--end = (char) ('0' + v % 10);
        while ((v /= 10) > 0);
        return end;
}

/* Copies the n bytes at s into buf as snprintf() would: cut to len - 1. */
static char *copy_out(char *buf, size_t len, const char *s, size_t n) {
        n = MIN(n, len - 1);
        memcpy(buf, s, n);
        buf[n] = 0;
        return buf;
}

char *format_u64(char *buf, size_t len, uint64_t v) {
        char t[24], *p;

        if (!buf || len == 0)
                return buf;
        p = digits_before(t + sizeof t, v);
        return copy_out(buf, len, p, t + sizeof t - p);
}

/* By hand, not snprintf(): a table of a thousand entities has three sizes a
 * row. */
char *format_bytes(char *buf, size_t len, uint64_t v) {
        static const char suffixes[] = "KMGTPE";
        char t[32], *end = t + sizeof t, *p = end;

        if (!buf || len == 0)
                return buf;

        if (v == SIZE_INFINITY)
                return copy_out(buf, len, "infinity", strlen("infinity"));

        for (int i = (int) sizeof(suffixes) - 2; i >= 0; i--) {
                uint64_t factor = UINT64_C(1) << (10 * (i + 1));

                if (v >= factor) {
                        /* (v % factor) < 2^60, so times ten still fits. The
                         * tenth is truncated: "80.0M" may be a little less,
                         * never more, than what was charged. */
                        *--p = suffixes[i];
                        *--p = (char) ('0' + (v % factor) * 10 / factor);
                        *--p = '.';
                        p = digits_before(p, v / factor);
                        return copy_out(buf, len, p, end - p);
                }
        }

        *--p = 'B';
        p = digits_before(p, v);
        return copy_out(buf, len, p, end - p);
}

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC UINT64_C(1000000)
#define USEC_PER_MIN (UINT64_C(60) * USEC_PER_SEC)
#define USEC_PER_HOUR (UINT64_C(60) * USEC_PER_MIN)
#define USEC_PER_DAY (UINT64_C(24) * USEC_PER_HOUR)

static const struct {
        const char *suffix;
        uint64_t usec;
} duration_units[] = {
        /* Longer spellings first, so "ms" is not read as "m" + junk. */
        { "usec", 1 },
        { "us", 1 },
        { "msec", USEC_PER_MSEC },
        { "ms", USEC_PER_MSEC },
        { "seconds", USEC_PER_SEC },
        { "second", USEC_PER_SEC },
        { "sec", USEC_PER_SEC },
        { "s", USEC_PER_SEC },
        { "minutes", USEC_PER_MIN },
        { "minute", USEC_PER_MIN },
        { "min", USEC_PER_MIN },
        { "m", USEC_PER_MIN },
        { "hours", USEC_PER_HOUR },
        { "hour", USEC_PER_HOUR },
        { "hr", USEC_PER_HOUR },
        { "h", USEC_PER_HOUR },
        { "days", USEC_PER_DAY },
        { "day", USEC_PER_DAY },
        { "d", USEC_PER_DAY },
};

int parse_duration_usec(const char *s, uint64_t *ret_usec) {
        uint64_t total = 0;
        const char *p;
        bool any = false;
        int r;

        if (!s || !ret_usec)
                return -EINVAL;

        p = s + strspn(s, BLANKS);
        if (!*p)
                return -EINVAL;

        /* "1min 30s": a sum of number-unit pairs. A bare number is seconds,
         * but only on its own: "1 2" is a typo, not three seconds. */
        while (*p) {
                uint64_t whole, frac, frac_div, mult = 0, v;
                bool has_frac;
                size_t ulen = 0;

                r = parse_decimal(&p, &whole, &frac, &frac_div, &has_frac);
                if (r < 0)
                        return r;

                p += strspn(p, BLANKS);
                for (size_t i = 0; i < ELEMENTSOF(duration_units); i++) {
                        size_t l = strlen(duration_units[i].suffix);

                        if (strneq(p, duration_units[i].suffix, l) &&
                            (p[l] == 0 || is_digit(p[l]) || strchr(BLANKS, p[l]))) {
                                mult = duration_units[i].usec;
                                ulen = l;
                                break;
                        }
                }

                if (mult == 0) {
                        /* No unit: seconds, if this is the whole string. */
                        if (any || *p)
                                return -EINVAL;
                        mult = USEC_PER_SEC;
                }
                p += ulen;
                p += strspn(p, BLANKS);

                r = scale(whole, frac, frac_div, mult, &v);
                if (r < 0)
                        return r;
                if (v > UINT64_MAX - total)
                        return -ERANGE;
                total += v;
                any = true;
        }

        *ret_usec = total;
        return 0;
}

char *format_duration(char *buf, size_t len, uint64_t usec) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } table[] = {
                { "d", USEC_PER_DAY }, { "h", USEC_PER_HOUR },  { "min", USEC_PER_MIN },
                { "s", USEC_PER_SEC }, { "ms", USEC_PER_MSEC }, { "us", 1 },
        };

        if (!buf || len == 0)
                return buf;

        if (usec == 0) {
                snprintf(buf, len, "0");
                return buf;
        }

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (usec % table[i].usec == 0) {
                        snprintf(buf, len, "%" PRIu64 "%s", usec / table[i].usec, table[i].suffix);
                        break;
                }

        return buf;
}
