/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which memory cgroup each resident page of an open file is charged to:
 * the data extents of the file (extents.h), mincore() for residency, /proc/self/pagemap for the frame of each page,
 * /proc/kpagecgroup for the cgroup id of each frame (see pagecharge.c). */

typedef struct PageChargeOps {
        /* Fill out[0..n) with 8-byte entries: /proc/self/pagemap at virtual page number vpn,
         * /proc/kpagecgroup at page frame pfn. 0 or negative errno. */
        int (*read_pagemap)(void *userdata, uint64_t vpn, size_t n, uint64_t *out);
        int (*read_kpagecgroup)(void *userdata, uint64_t pfn, size_t n, uint64_t *out);
        /* Added after the first version, optional (NULL is fine): /proc/kpageflags at pfn.
         * Some kernels (6.1) report the cgroup of a large folio (a tmpfs
         * huge page, a large page cache folio) on its head page only and 0
         * on the others; with this the others are given their head's. */
        int (*read_kpageflags)(void *userdata, uint64_t pfn, size_t n, uint64_t *out);
} PageChargeOps;

typedef struct PageCharge {
        uint64_t cgroup_id; /* inode of the closest online memcg; 0 = not charged */
        uint64_t pages;
} PageCharge;

typedef struct PageCharges {
        uint64_t page_size;
        uint64_t file_pages; /* file size in pages */
        uint64_t resident; /* pages mincore() reported resident */
        uint64_t unknown; /* resident, but no frame number visible (pagemap needs CAP_SYS_ADMIN) */
        PageCharge *by_cgroup; /* sorted by pages, most first */
        size_t n_by_cgroup;
        /* Added after the first version: resident by mincore(), but not
         * mapped when pagemap was read (evicted in between, or the fault
         * failed). resident == unknown + unmapped + sum of by_cgroup. */
        uint64_t unmapped;
} PageCharges;

/* proc_root: normally "/proc"; reads <proc_root>/self/pagemap and <proc_root>/kpagecgroup
 * (and <proc_root>/kpageflags for the pages of large folios, see above).
 * kpagecgroup is opened only once a frame number is visible, so without
 * CAP_SYS_ADMIN the call succeeds with every resident page counted as
 * unknown; with CAP_SYS_ADMIN but no read access to kpagecgroup it fails
 * with that error (-EACCES, -EPERM). */
int pagecharge_fd(int fd, const char *proc_root, PageCharges *ret);

/* Limits of one scan, checked before each window (at most
 * PAGECHARGE_WINDOW bytes, 64 MiB) and before each lseek() of the data
 * extents: -ETIME once deadline_usec (CLOCK_MONOTONIC, 0: none) passed,
 * -ECANCELED once cancelled(userdata) returns true (NULL: never). */
typedef struct PageChargeBounds {
        uint64_t deadline_usec;
        bool (*cancelled)(void *userdata);
        void *userdata;
} PageChargeBounds;

/* pagecharge_fd() within bounds (NULL: none). */
int pagecharge_fd_bounded(int fd, const char *proc_root, const PageChargeBounds *bounds, PageCharges *ret);

/* fd must be open for reading (it is mmap()ed MAP_SHARED, PROT_READ).
 * -EISDIR for a directory, -EINVAL for any other non-regular file; an empty
 * file gives a zeroed result (page_size set). ret is untouched on failure. */
int pagecharge_fd_with(int fd, const PageChargeOps *ops, void *userdata, PageCharges *ret);

/* The same with a chosen window (bytes mapped at a time, a multiple of the
 * page size; -EINVAL otherwise), so tests can cross windows with small
 * files, and bounds (NULL: none). */
int pagecharge_fd_with_window(int fd, const PageChargeOps *ops, void *userdata, uint64_t window,
                              const PageChargeBounds *bounds, PageCharges *ret);

/* Pages charged to cgroup_id (0: not charged); 0 if none. */
uint64_t pagecharges_pages_of(const PageCharges *c, uint64_t cgroup_id);

/* Frees by_cgroup and zeroes *c; NULL is fine. */
void pagecharges_done(PageCharges *c);

/* A tally of pages per cgroup id, kept sorted by id while it grows: the
 * scan's own, and a caller's totals over many files. */
typedef struct ChargeTally {
        PageCharge *v;
        size_t n, allocated;
} ChargeTally;

/* Adds pages to cgroup_id's entry (made if new). 0 or -ENOMEM. */
int charge_tally_add(ChargeTally *t, uint64_t cgroup_id, uint64_t pages);
/* Sorts by pages, most first (ties by id); the tally stays usable for
 * reading only. */
void charge_tally_sort_by_pages(ChargeTally *t);
void charge_tally_done(ChargeTally *t);
