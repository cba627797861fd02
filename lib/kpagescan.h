/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Every page frame of the machine by the memory cgroup it is charged to and
 * by kind: one sequential pass over /proc/kpagecgroup and /proc/kpageflags,
 * read in step in large chunks (see kpagescan.c). */

/* Pages of one cgroup, by kind. Every charged page is exactly one of file,
 * shmem, anon or kernel; file_dirty, file_writeback and file_mapped are
 * parts of file, huge a part of the whole (pages of compound pages: THP,
 * large folios, hugetlb). */
typedef struct PageKinds {
        uint64_t pages;
        uint64_t file;
        uint64_t file_dirty;
        uint64_t file_writeback;
        uint64_t file_mapped;
        uint64_t shmem;
        uint64_t anon;
        uint64_t kernel; /* charged, on no LRU and not swap-backed: kernel pages (stacks, page tables) */
        uint64_t huge;
} PageKinds;

typedef struct KpageCount {
        uint64_t cgroup_id; /* inode of the closest online memcg */
        PageKinds kinds;
} KpageCount;

typedef struct KpageScan {
        uint64_t page_size;
        uint64_t frames; /* page frames read */
        uint64_t not_charged; /* frames with a page charged to no cgroup (or no page) */
        KpageCount *by_cgroup; /* sorted by cgroup_id */
        size_t n_by_cgroup;
        size_t allocated;
} KpageScan;

/* Frames read per chunk of each file by kpage_scan(): 1 MiB of each. */
#define KPAGE_SCAN_CHUNK_FRAMES (UINT64_C(1) << 17)

/* Reads <proc_root>/kpagecgroup and <proc_root>/kpageflags (root only:
 * -EACCES/-EPERM otherwise; -ENOENT on a kernel without them). chunk_frames:
 * frames per read, KPAGE_SCAN_CHUNK_FRAMES normally (tests cross chunks
 * with small ones); -EINVAL for 0. ret untouched on failure. */
int kpage_scan(const char *proc_root, size_t chunk_frames, KpageScan *ret);

/* The entry of cgroup_id, NULL if no page is charged to it. */
const KpageCount *kpage_scan_find(const KpageScan *s, uint64_t cgroup_id);

/* a += b */
void page_kinds_add(PageKinds *a, const PageKinds *b);

void kpage_scan_done(KpageScan *s);
