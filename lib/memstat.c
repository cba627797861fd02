/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memory.stat of cgroup v2 (Documentation/admin-guide/cgroup-v2.rst).
 *
 * The keys used here exist since 4.x except "kernel", which 5.18 added as
 * the sum of all kernel memory (stacks, page tables, slab, percpu, vmalloc...).
 * Older kernels (bookworm's backports aside, anything before 5.18) only have
 * the parts; there kernel_stack + pagetables + slab is the best available
 * approximation and is what we report. */

#include <stdint.h>

#include "macro.h"
#include "memstat.h"

#define FLAT_KEY_MAX 64

static int parse_digits(const char *s, size_t len, uint64_t *ret) {
        uint64_t v = 0;

        if (len == 0)
                return -EINVAL;

        for (size_t i = 0; i < len; i++) {
                unsigned d;

                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                d = (unsigned) (s[i] - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }

        *ret = v;
        return 0;
}

int safe_atou64_len(const char *s, size_t len, uint64_t *ret) {
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        r = parse_digits(s, len, &v);
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

int safe_atou64_strict(const char *s, uint64_t *ret) {
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        r = parse_digits(s, strlen(s), &v);
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

static bool key_char_ok(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

int flat_keyed_parse(const char *text, flat_keyed_cb cb, void *userdata) {
        const char *p = text;

        if (!text || !cb)
                return -EINVAL;

        while (*p) {
                char key[FLAT_KEY_MAX];
                const char *eol, *sp;
                size_t klen;
                uint64_t v;
                int r;

                eol = strchrnul(p, '\n');

                /* Exactly one space between key and value: the kernel prints
                 * "%s %llu\n" and nothing else. */
                sp = memchr(p, ' ', (size_t) (eol - p));
                if (!sp)
                        return -EINVAL;
                klen = (size_t) (sp - p);
                if (klen == 0 || klen >= sizeof(key))
                        return -EINVAL;
                for (size_t i = 0; i < klen; i++)
                        if (!key_char_ok(p[i]))
                                return -EINVAL;
                memcpy(key, p, klen);
                key[klen] = 0;

                r = parse_digits(sp + 1, (size_t) (eol - sp - 1), &v);
                if (r < 0)
                        return r;

                r = cb(key, v, userdata);
                if (r < 0)
                        return r;

                if (*eol == 0)
                        break;
                p = eol + 1;
        }

        return 0;
}

static void memstat_derive_kernel(MemStat *m) {
        uint64_t sum;

        if (m->kernel_seen)
                return;

        /* Saturate instead of wrapping: a garbage value must not look small. */
        sum = m->kernel_stack;
        sum = sum > UINT64_MAX - m->pagetables ? UINT64_MAX : sum + m->pagetables;
        sum = sum > UINT64_MAX - m->slab ? UINT64_MAX : sum + m->slab;
        m->kernel = sum;
}

void memstat_set(MemStat *m, const char *name, uint64_t value) {
        static const struct {
                const char *name;
                size_t offset;
        } table[] = {
                { "anon", offsetof(MemStat, anon) },
                { "file", offsetof(MemStat, file) },
                { "shmem", offsetof(MemStat, shmem) },
                { "file_mapped", offsetof(MemStat, file_mapped) },
                { "file_dirty", offsetof(MemStat, file_dirty) },
                { "file_writeback", offsetof(MemStat, file_writeback) },
                { "slab", offsetof(MemStat, slab) },
                { "sock", offsetof(MemStat, sock) },
                { "active_file", offsetof(MemStat, active_file) },
                { "inactive_file", offsetof(MemStat, inactive_file) },
                { "unevictable", offsetof(MemStat, unevictable) },
                { "kernel_stack", offsetof(MemStat, kernel_stack) },
                { "pagetables", offsetof(MemStat, pagetables) },
        };

        if (!m || !name)
                return;

        if (streq(name, "kernel")) {
                m->kernel = value;
                m->kernel_seen = true;
                return;
        }

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(name, table[i].name)) {
                        memcpy((char *) m + table[i].offset, &value, sizeof(value));
                        /* Only the parts of the derived sum change it. */
                        if (streq(name, "kernel_stack") || streq(name, "pagetables") || streq(name, "slab"))
                                memstat_derive_kernel(m);
                        return;
                }
}

static int memstat_parse_one(const char *name, uint64_t value, void *userdata) {
        memstat_set(userdata, name, value);
        return 0;
}

int memstat_parse(const char *text, MemStat *ret) {
        MemStat m = {};
        int r;

        if (!text || !ret)
                return -EINVAL;

        r = flat_keyed_parse(text, memstat_parse_one, &m);
        if (r < 0)
                return r == -ERANGE ? -EINVAL : r;

        *ret = m;
        return 0;
}
