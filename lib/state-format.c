/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The state file's text, version 2:
 *
 *   cgpersist-state 2
 *   state generation=17
 *   entity slice=system-web.slice service=web.service created=1700000000000000 restarts=2 drained=0
 *   instance unit=web.service invocation=5f1c... cgroup_id=4711 start=... stop=... peak=... charge=... drained=... residual=... result=success
 *   end
 *
 * One record per line, every line ends in "\n". A record is a type word and
 * key=value fields separated by single spaces, in any order, each key once.
 * "instance" lines belong to the "entity" line before them, oldest first.
 * Numbers are decimal u64 (UINT64_MAX, "unknown", is written as such).
 * Strings are percent-encoded: "%", "=", space and every byte outside
 * printable ASCII become %XX, so any unit name (systemd's "\x2d" escapes,
 * spaces, non-UTF-8) round-trips and no value can break a line or a field.
 * A NULL string (invocation, result) is an absent field. The closing "end"
 * line tells a complete file from one cut off at a line boundary. The
 * "state" line, second and only in version 2, holds the generation: of the
 * copy saved in /var/lib and one kept in /run after that save failed, the
 * higher generation is the newer. Version 1 (no "state" line, generation 0)
 * is still read.
 *
 * Parsing is strict: an unknown record or key, a missing field, a duplicate
 * entity, a bad escape or anything after "end" is -EBADMSG with the line
 * number. A version above ours is -EPROTONOSUPPORT: that file belongs to a
 * newer cgpersist and must not be touched. */

#include <inttypes.h>

#include "macro.h"
#include "state-private.h"
#include "unitname.h"

#define STATE_MAGIC "cgpersist-state"

/* ---- fields ----------------------------------------------------------- */

typedef enum FieldType {
        FIELD_STRING, /* required string */
        FIELD_STRING_OPTIONAL, /* NULL when absent */
        FIELD_U64,
} FieldType;

typedef struct Field {
        const char *key;
        FieldType type;
        size_t offset;
} Field;

static const Field state_fields[] = {
        { "generation", FIELD_U64, offsetof(State, generation) },
};

static const Field entity_fields[] = {
        { "slice", FIELD_STRING, offsetof(EntityState, slice) },
        { "service", FIELD_STRING, offsetof(EntityState, service) },
        { "created", FIELD_U64, offsetof(EntityState, created_usec) },
        { "restarts", FIELD_U64, offsetof(EntityState, restarts) },
        { "drained", FIELD_U64, offsetof(EntityState, drained_total) },
};

static const Field instance_fields[] = {
        { "unit", FIELD_STRING, offsetof(InstanceRecord, unit) },
        { "invocation", FIELD_STRING_OPTIONAL, offsetof(InstanceRecord, invocation_id) },
        { "cgroup_id", FIELD_U64, offsetof(InstanceRecord, cgroup_id) },
        { "start", FIELD_U64, offsetof(InstanceRecord, start_usec) },
        { "stop", FIELD_U64, offsetof(InstanceRecord, stop_usec) },
        { "peak", FIELD_U64, offsetof(InstanceRecord, peak) },
        { "charge", FIELD_U64, offsetof(InstanceRecord, charge_at_stop) },
        { "drained", FIELD_U64, offsetof(InstanceRecord, drained) },
        { "residual", FIELD_U64, offsetof(InstanceRecord, residual) },
        { "result", FIELD_STRING_OPTIONAL, offsetof(InstanceRecord, result) },
};

#define FIELDS_MAX 16

static bool byte_needs_escape(unsigned char c) {
        return c <= ' ' || c >= 0x7f || c == '%' || c == '=';
}

/* ---- serializing ------------------------------------------------------ */

typedef struct Buf {
        char *data;
        size_t len, allocated;
} Buf;

static int buf_reserve(Buf *b, size_t extra) {
        size_t want;
        char *n;

        if (extra > SIZE_MAX - b->len - 1)
                return -ENOMEM;
        want = b->len + extra + 1;
        if (want <= b->allocated)
                return 0;
        want = MAX(want, b->allocated * 2);
        want = MAX(want, (size_t) 4096);
        n = realloc(b->data, want);
        if (!n)
                return -ENOMEM;
        b->data = n;
        b->allocated = want;
        return 0;
}

static int buf_put(Buf *b, const char *s, size_t l) {
        int r = buf_reserve(b, l);
        if (r < 0)
                return r;
        memcpy(b->data + b->len, s, l);
        b->len += l;
        b->data[b->len] = 0;
        return 0;
}

static int buf_puts(Buf *b, const char *s) {
        return buf_put(b, s, strlen(s));
}

static int buf_put_escaped(Buf *b, const char *s) {
        static const char hex[] = "0123456789ABCDEF";
        int r;

        r = buf_reserve(b, strlen(s) * 3);
        if (r < 0)
                return r;

        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (byte_needs_escape(*p)) {
                        b->data[b->len++] = '%';
                        b->data[b->len++] = hex[*p >> 4];
                        b->data[b->len++] = hex[*p & 15];
                } else
                        b->data[b->len++] = (char) *p;
        b->data[b->len] = 0;
        return 0;
}

static int serialize_fields(Buf *b, const char *type, const void *obj, const Field *fields,
                            size_t n_fields) {
        int r;

        r = buf_puts(b, type);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n_fields; i++) {
                const void *p = (const char *) obj + fields[i].offset;
                char num[32];

                if (fields[i].type == FIELD_U64) {
                        uint64_t v;

                        memcpy(&v, p, sizeof(v));
                        snprintf(num, sizeof(num), "%" PRIu64, v);
                        if ((r = buf_puts(b, " ")) < 0 || (r = buf_puts(b, fields[i].key)) < 0 ||
                            (r = buf_puts(b, "=")) < 0 || (r = buf_puts(b, num)) < 0)
                                return r;
                } else {
                        const char *s;

                        memcpy(&s, p, sizeof(s));
                        if (!s) {
                                if (fields[i].type == FIELD_STRING)
                                        return -EINVAL;
                                continue;
                        }
                        if ((r = buf_puts(b, " ")) < 0 || (r = buf_puts(b, fields[i].key)) < 0 ||
                            (r = buf_puts(b, "=")) < 0 || (r = buf_put_escaped(b, s)) < 0)
                                return r;
                }
        }

        return buf_puts(b, "\n");
}

int state_serialize(const State *s, char **ret) {
        Buf b = {};
        char head[64];
        int r;

        if (!s || !ret)
                return -EINVAL;

        snprintf(head, sizeof(head), STATE_MAGIC " %d\n", STATE_FORMAT_VERSION);
        r = buf_puts(&b, head);
        if (r < 0)
                goto fail;
        r = serialize_fields(&b, "state", s, state_fields, ELEMENTSOF(state_fields));
        if (r < 0)
                goto fail;

        for (size_t i = 0; i < s->n_entities; i++) {
                const EntityState *e = &s->entities[i];

                r = serialize_fields(&b, "entity", e, entity_fields, ELEMENTSOF(entity_fields));
                if (r < 0)
                        goto fail;

                for (size_t j = 0; j < e->n_history; j++) {
                        r = serialize_fields(&b, "instance", &e->history[j], instance_fields,
                                             ELEMENTSOF(instance_fields));
                        if (r < 0)
                                goto fail;
                }
        }

        r = buf_puts(&b, "end\n");
        if (r < 0)
                goto fail;

        *ret = b.data;
        return 0;

fail:
        free(b.data);
        return r;
}

/* ---- parsing ---------------------------------------------------------- */

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static int unescape(const char *s, size_t l, char **ret) {
        _cleanup_free_ char *out = NULL;
        size_t n = 0;

        out = malloc(l + 1);
        if (!out)
                return -ENOMEM;

        for (size_t i = 0; i < l; i++) {
                unsigned char c = (unsigned char) s[i];

                if (c == '%') {
                        int hi, lo;

                        if (l - i < 3)
                                return -EBADMSG;
                        hi = hexval(s[i + 1]);
                        lo = hexval(s[i + 2]);
                        if (hi < 0 || lo < 0)
                                return -EBADMSG;
                        c = (unsigned char) (hi << 4 | lo);
                        /* A NUL would silently cut the string short. */
                        if (c == 0)
                                return -EBADMSG;
                        i += 2;
                } else if (byte_needs_escape(c))
                        return -EBADMSG;

                out[n++] = (char) c;
        }
        out[n] = 0;

        *ret = TAKE_PTR(out);
        return 0;
}

static int parse_u64_field(const char *s, size_t l, uint64_t *ret) {
        uint64_t v = 0;

        if (l == 0 || l > 20)
                return -EBADMSG;
        for (size_t i = 0; i < l; i++) {
                unsigned d;

                if (s[i] < '0' || s[i] > '9')
                        return -EBADMSG;
                d = (unsigned) (s[i] - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -EBADMSG;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

static void free_string_fields(void *obj, const Field *fields, size_t n_fields) {
        for (size_t i = 0; i < n_fields; i++)
                if (fields[i].type != FIELD_U64) {
                        char *s;

                        memcpy(&s, (char *) obj + fields[i].offset, sizeof(s));
                        free(s);
                        s = NULL;
                        memcpy((char *) obj + fields[i].offset, &s, sizeof(s));
                }
}

/* Parses the fields of one line (after the type word) into obj, which must
 * be zeroed. On failure the strings set so far are freed. */
static int parse_fields(const char *p, const char *eol, void *obj, const Field *fields, size_t n_fields) {
        bool seen[FIELDS_MAX] = {};
        int r;

        while (p < eol) {
                const char *tok, *end, *eq;
                size_t i;

                /* Exactly one space before every field. */
                if (*p != ' ') {
                        r = -EBADMSG;
                        goto fail;
                }
                tok = p + 1;
                end = memchr(tok, ' ', (size_t) (eol - tok));
                if (!end)
                        end = eol;
                eq = memchr(tok, '=', (size_t) (end - tok));
                if (!eq || eq == tok) {
                        r = -EBADMSG;
                        goto fail;
                }

                for (i = 0; i < n_fields; i++)
                        if (strlen(fields[i].key) == (size_t) (eq - tok) &&
                            strneq(fields[i].key, tok, (size_t) (eq - tok)))
                                break;
                if (i >= n_fields || seen[i]) {
                        r = -EBADMSG;
                        goto fail;
                }
                seen[i] = true;

                if (fields[i].type == FIELD_U64) {
                        uint64_t v;

                        r = parse_u64_field(eq + 1, (size_t) (end - eq - 1), &v);
                        if (r < 0)
                                goto fail;
                        memcpy((char *) obj + fields[i].offset, &v, sizeof(v));
                } else {
                        char *s;

                        r = unescape(eq + 1, (size_t) (end - eq - 1), &s);
                        if (r < 0)
                                goto fail;
                        memcpy((char *) obj + fields[i].offset, &s, sizeof(s));
                }

                p = end;
        }

        for (size_t i = 0; i < n_fields; i++)
                if (!seen[i] && fields[i].type != FIELD_STRING_OPTIONAL) {
                        r = -EBADMSG;
                        goto fail;
                }

        return 0;

fail:
        free_string_fields(obj, fields, n_fields);
        return r;
}

static bool line_is(const char *p, const char *eol, const char *word, const char **ret_rest) {
        size_t l = strlen(word);

        if ((size_t) (eol - p) < l || !strneq(p, word, l))
                return false;
        if (p + l != eol && p[l] != ' ')
                return false;
        *ret_rest = p + l;
        return true;
}

static int parse_header(const char *p, const char *eol, uint64_t *ret_version) {
        const char *v;
        uint64_t version;

        if (!line_is(p, eol, STATE_MAGIC, &v) || v == eol)
                return -EBADMSG;
        v++;
        if (parse_u64_field(v, (size_t) (eol - v), &version) < 0 || version == 0)
                return -EBADMSG;
        if (version > STATE_FORMAT_VERSION)
                return -EPROTONOSUPPORT;
        *ret_version = version;
        return 0;
}

int state_parse(const char *text, State **ret, unsigned *ret_line) {
        _cleanup_(state_freep) State *s = NULL;
        EntityState *current = NULL;
        const char *p;
        uint64_t version = 0;
        unsigned line = 0;
        bool ended = false;
        int r;

        if (!text || !ret)
                return -EINVAL;

        s = state_new();
        if (!s)
                return -ENOMEM;

        for (p = text; *p;) {
                const char *eol, *rest;

                line++;
                eol = strchr(p, '\n');
                if (!eol) {
                        /* A last line without its newline: cut off. */
                        r = -EBADMSG;
                        goto fail;
                }

                if (ended) {
                        r = -EBADMSG;
                        goto fail;
                }

                if (line == 1) {
                        r = parse_header(p, eol, &version);
                        if (r < 0)
                                goto fail;

                } else if (line == 2 && version >= 2) {
                        /* Its own struct: a failed parse leaves s as it was. */
                        State head = {};

                        if (!line_is(p, eol, "state", &rest)) {
                                r = -EBADMSG;
                                goto fail;
                        }
                        r = parse_fields(rest, eol, &head, state_fields, ELEMENTSOF(state_fields));
                        if (r < 0)
                                goto fail;
                        s->generation = head.generation;

                } else if (line_is(p, eol, "entity", &rest)) {
                        EntityState e = {};

                        r = parse_fields(rest, eol, &e, entity_fields, ELEMENTSOF(entity_fields));
                        if (r < 0)
                                goto fail;
                        if (isempty(e.slice)) {
                                entity_state_done(&e);
                                r = -EBADMSG;
                                goto fail;
                        }
                        /* Its instance lines follow: current stays valid
                         * until the next entity is inserted. */
                        current = insert_entity(s, &e, &r);
                        if (!current) {
                                entity_state_done(&e);
                                if (r == -ENOMEM)
                                        return r;
                                r = -EBADMSG; /* the slice twice */
                                goto fail;
                        }

                } else if (line_is(p, eol, "instance", &rest)) {
                        InstanceRecord ir = {};

                        if (!current) {
                                r = -EBADMSG;
                                goto fail;
                        }

                        r = parse_fields(rest, eol, &ir, instance_fields, ELEMENTSOF(instance_fields));
                        if (r < 0)
                                goto fail;
                        if (isempty(ir.unit)) {
                                instance_record_done(&ir);
                                r = -EBADMSG;
                                goto fail;
                        }

                        /* A file written with a larger bound keeps its newest
                         * records. */
                        r = entity_add_instance(current, &ir);
                        instance_record_done(&ir);
                        if (r < 0)
                                return r;

                } else if (eol - p == 3 && strneq(p, "end", 3))
                        ended = true;
                else {
                        r = -EBADMSG;
                        goto fail;
                }

                p = eol + 1;
        }

        if (!ended) {
                /* Empty text, or cut off at a line boundary. */
                line = MAX(line, 1U);
                r = -EBADMSG;
                goto fail;
        }

        *ret = TAKE_PTR(s);
        return 0;

fail:
        if (ret_line && (r == -EBADMSG || r == -EPROTONOSUPPORT))
                *ret_line = line;
        return r;
}
