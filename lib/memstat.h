/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* The fields of cgroup v2 memory.stat that cgpersist reports (bytes). */
typedef struct MemStat {
        uint64_t anon;
        uint64_t file;
        uint64_t shmem;
        uint64_t file_mapped;
        uint64_t file_dirty;
        uint64_t file_writeback;
        uint64_t kernel;        /* "kernel" (5.18+), else kernel_stack+pagetables+slab */
        uint64_t slab;
        uint64_t sock;
        uint64_t active_file;
        uint64_t inactive_file;
        uint64_t unevictable;
} MemStat;

/* Feeds one "name value" pair; unknown names are ignored. */
void memstat_set(MemStat *m, const char *name, uint64_t value);

/* Parses the whole text of memory.stat. -EINVAL on a malformed line. */
int memstat_parse(const char *text, MemStat *ret);
