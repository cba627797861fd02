/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The fields of cgroup v2 memory.stat that cgpersist reports (bytes).
 * Zero-initialize (MemStat m = {}) before feeding it with memstat_set(). */
typedef struct MemStat {
        uint64_t anon;
        uint64_t file;
        uint64_t shmem;
        uint64_t file_mapped;
        uint64_t file_dirty;
        uint64_t file_writeback;
        uint64_t kernel; /* "kernel" (5.18+), else kernel_stack+pagetables+slab */
        uint64_t slab;
        uint64_t sock;
        uint64_t active_file;
        uint64_t inactive_file;
        uint64_t unevictable;
        uint64_t kernel_stack;
        uint64_t pagetables;

        /* Private: whether the kernel reported "kernel" itself, so that the
         * derived sum never overwrites the real value, in whatever order the
         * lines come. */
        bool kernel_seen;
} MemStat;

/* Feeds one "name value" pair; unknown names are ignored. Keeps "kernel"
 * consistent after every call, so no finishing step is needed. */
void memstat_set(MemStat *m, const char *name, uint64_t value);

/* Parses the whole text of memory.stat. -EINVAL on a malformed line. */
int memstat_parse(const char *text, MemStat *ret);

/* Parses a "flat keyed" cgroup file (memory.stat, cgroup.stat, memory.events):
 * lines of "name value\n", name of [A-Za-z0-9_] (at most 63 bytes), value a
 * decimal u64, the last newline optional. Calls cb for each pair; a negative
 * return from cb stops the walk and is returned. -EINVAL on a malformed line,
 * -ERANGE on a value past UINT64_MAX. */
typedef int (*flat_keyed_cb)(const char *name, uint64_t value, void *userdata);
int flat_keyed_parse(const char *text, flat_keyed_cb cb, void *userdata);

/* Parses a decimal u64, the whole string: no sign, no blanks.
 * -EINVAL on junk, -ERANGE on overflow. */
int safe_atou64_strict(const char *s, uint64_t *ret);
/* The same, of the first len bytes of s. */
int safe_atou64_len(const char *s, size_t len, uint64_t *ret);
