/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>

#include "json.h"
#include "macro.h"

/* Deep enough for any record cgctl prints; deeper nesting is a bug. */
#define JSON_DEPTH_MAX 32

typedef struct JsonLevel {
        char kind; /* '{' or '[' */
        size_t n; /* members or elements so far */
        bool key_pending; /* a key was written, its value is due */
} JsonLevel;

struct JsonWriter {
        char *buf;
        size_t len, allocated;
        JsonFlags flags;
        int error;
        bool done; /* the top-level value is complete */
        unsigned depth;
        JsonLevel stack[JSON_DEPTH_MAX];
};

int json_writer_new(JsonFlags flags, JsonWriter **ret) {
        JsonWriter *w;

        if (!ret)
                return -EINVAL;
        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        w->flags = flags;
        *ret = w;
        return 0;
}

JsonWriter *json_writer_free(JsonWriter *w) {
        if (!w)
                return NULL;
        free(w->buf);
        free(w);
        return NULL;
}

static void fail(JsonWriter *w, int error) {
        if (w->error == 0)
                w->error = error;
}

static void append(JsonWriter *w, const char *s, size_t n) {
        if (w->error < 0)
                return;
        if (n > SIZE_MAX - w->len - 1) {
                fail(w, -ENOMEM);
                return;
        }
        if (w->len + n + 1 > w->allocated) {
                size_t a = MAX(w->allocated * 2, w->len + n + 1);
                char *b;

                a = MAX(a, (size_t) 256);
                b = realloc(w->buf, a);
                if (!b) {
                        fail(w, -ENOMEM);
                        return;
                }
                w->buf = b;
                w->allocated = a;
        }
        memcpy(w->buf + w->len, s, n);
        w->len += n;
        w->buf[w->len] = 0;
}

static void append_str(JsonWriter *w, const char *s) {
        append(w, s, strlen(s));
}

static void newline_indent(JsonWriter *w, unsigned depth) {
        static const char spaces[] = "                                ";

        if (!(w->flags & JSON_PRETTY))
                return;
        append(w, "\n", 1);
        for (unsigned i = 0; i < depth; i++)
                append(w, spaces, 2);
}

/* Everything that must happen before a value (scalar or container) starts:
 * the comma and indentation inside an array, the key check inside an
 * object, the one-value rule at the top. */
static bool begin_value(JsonWriter *w) {
        JsonLevel *l;

        if (w->error < 0)
                return false;
        if (w->depth == 0) {
                if (w->done) {
                        fail(w, -EINVAL);
                        return false;
                }
                return true;
        }
        l = &w->stack[w->depth - 1];
        if (l->kind == '{') {
                if (!l->key_pending) {
                        fail(w, -EINVAL);
                        return false;
                }
                l->key_pending = false;
                return true;
        }
        if (l->n > 0)
                append(w, ",", 1);
        newline_indent(w, w->depth);
        l->n++;
        return true;
}

static void end_value(JsonWriter *w) {
        if (w->depth == 0)
                w->done = true;
}

static void begin_container(JsonWriter *w, char kind) {
        if (!begin_value(w))
                return;
        if (w->depth >= JSON_DEPTH_MAX) {
                fail(w, -EINVAL);
                return;
        }
        append(w, kind == '{' ? "{" : "[", 1);
        w->stack[w->depth++] = (JsonLevel){ .kind = kind };
}

static void end_container(JsonWriter *w, char kind) {
        JsonLevel *l;

        if (w->error < 0)
                return;
        if (w->depth == 0) {
                fail(w, -EINVAL);
                return;
        }
        l = &w->stack[w->depth - 1];
        if (l->kind != kind || l->key_pending) {
                fail(w, -EINVAL);
                return;
        }
        w->depth--;
        if (l->n > 0)
                newline_indent(w, w->depth);
        append(w, kind == '{' ? "}" : "]", 1);
        end_value(w);
}

void json_begin_object(JsonWriter *w) {
        begin_container(w, '{');
}

void json_end_object(JsonWriter *w) {
        end_container(w, '{');
}

void json_begin_array(JsonWriter *w) {
        begin_container(w, '[');
}

void json_end_array(JsonWriter *w) {
        end_container(w, '[');
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid:
 * overlong forms, surrogates and code points past U+10FFFF are invalid, as
 * RFC 3629 says. */
static size_t utf8_valid(const unsigned char *s, size_t n, uint32_t *ret_cp) {
        uint32_t cp, min;
        size_t len;

        if (s[0] < 0x80) {
                *ret_cp = s[0];
                return 1;
        } else if ((s[0] & 0xe0) == 0xc0) {
                len = 2, cp = s[0] & 0x1f, min = 0x80;
        } else if ((s[0] & 0xf0) == 0xe0) {
                len = 3, cp = s[0] & 0x0f, min = 0x800;
        } else if ((s[0] & 0xf8) == 0xf0) {
                len = 4, cp = s[0] & 0x07, min = 0x10000;
        } else
                return 0;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        *ret_cp = cp;
        return len;
}

static void append_string_literal(JsonWriter *w, const char *s, size_t n) {
        const unsigned char *p = (const unsigned char *) s;
        size_t plain = 0; /* start of the run of bytes copied as they are */
        size_t i = 0;

        append(w, "\"", 1);
        while (i < n) {
                char esc[8];
                const char *rep = NULL;
                uint32_t cp;
                size_t l;

                /* Printable ASCII other than '"' and '\\' is copied as it is:
                 * skip over it before looking closer. */
                while (i < n && p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
                        i++;
                if (i >= n)
                        break;

                switch (p[i]) {
                case '"':
                        rep = "\\\"";
                        break;
                case '\\':
                        rep = "\\\\";
                        break;
                case '\b':
                        rep = "\\b";
                        break;
                case '\f':
                        rep = "\\f";
                        break;
                case '\n':
                        rep = "\\n";
                        break;
                case '\r':
                        rep = "\\r";
                        break;
                case '\t':
                        rep = "\\t";
                        break;
                default:
                        if (p[i] < 0x20 || p[i] == 0x7f) {
                                snprintf(esc, sizeof esc, "\\u%04x", p[i]);
                                rep = esc;
                        }
                }
                if (rep) {
                        append(w, s + plain, i - plain);
                        append_str(w, rep);
                        plain = ++i;
                        continue;
                }
                if (p[i] < 0x80) {
                        i++;
                        continue;
                }
                l = utf8_valid(p + i, n - i, &cp);
                if (l == 0) {
                        /* Not UTF-8: U+FFFD, one per bad byte. */
                        append(w, s + plain, i - plain);
                        append_str(w, "\\ufffd");
                        plain = ++i;
                } else if (cp == 0x2028 || cp == 0x2029) {
                        /* Valid JSON, but not valid JavaScript: escape. */
                        append(w, s + plain, i - plain);
                        snprintf(esc, sizeof esc, "\\u%04" PRIx32, cp);
                        append_str(w, esc);
                        i += l;
                        plain = i;
                } else
                        i += l;
        }
        append(w, s + plain, n - plain);
        append(w, "\"", 1);
}

void json_key(JsonWriter *w, const char *key) {
        JsonLevel *l;

        if (w->error < 0)
                return;
        if (!key || w->depth == 0) {
                fail(w, -EINVAL);
                return;
        }
        l = &w->stack[w->depth - 1];
        if (l->kind != '{' || l->key_pending) {
                fail(w, -EINVAL);
                return;
        }
        if (l->n > 0)
                append(w, ",", 1);
        newline_indent(w, w->depth);
        append_string_literal(w, key, strlen(key));
        append_str(w, w->flags & JSON_PRETTY ? ": " : ":");
        l->n++;
        l->key_pending = true;
}

void json_string_len(JsonWriter *w, const char *s, size_t len) {
        if (!s) {
                json_null(w);
                return;
        }
        if (!begin_value(w))
                return;
        append_string_literal(w, s, len);
        end_value(w);
}

void json_string(JsonWriter *w, const char *s) {
        json_string_len(w, s, s ? strlen(s) : 0);
}

static void scalar(JsonWriter *w, const char *text) {
        if (!begin_value(w))
                return;
        append_str(w, text);
        end_value(w);
}

void json_u64(JsonWriter *w, uint64_t v) {
        char t[24], *p = t + sizeof t;

        /* By hand: cgctl --json list writes ten numbers per entity. */
        *--p = 0;
        do
                *--p = (char) ('0' + v % 10);
        while ((v /= 10) > 0);
        scalar(w, p);
}

void json_i64(JsonWriter *w, int64_t v) {
        char t[32];

        snprintf(t, sizeof t, "%" PRIi64, v);
        scalar(w, t);
}

void json_double(JsonWriter *w, double v) {
        char t[40];

        if (!isfinite(v)) {
                scalar(w, "null");
                return;
        }
        /* %.17g reads back to the same double. */
        snprintf(t, sizeof t, "%.17g", v);
        scalar(w, t);
}

void json_bool(JsonWriter *w, bool b) {
        scalar(w, b ? "true" : "false");
}

void json_null(JsonWriter *w) {
        scalar(w, "null");
}

int json_writer_finish(JsonWriter *w, char **ret) {
        if (!w || !ret)
                return -EINVAL;
        if (w->error < 0)
                return w->error;
        if (w->depth > 0 || !w->done)
                return -EINVAL;
        if (w->flags & JSON_PRETTY)
                append(w, "\n", 1);
        if (w->error < 0)
                return w->error;
        *ret = TAKE_PTR(w->buf);
        w->len = w->allocated = 0;
        w->done = false;
        return 0;
}
