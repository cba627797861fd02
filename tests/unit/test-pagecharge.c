/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "pagecharge.h"
#include "path.h"
#include "tests.h"

/* A real temporary file gives mincore() something to report; fake pagemap
 * and kpagecgroup readers stand in for the root-only /proc files. Each
 * written page starts with MAGIC + its index, so the fake pagemap can tell
 * which file page a virtual page holds (by reading it, once mincore() says
 * it is resident, so the fake never faults anything in itself). */

#define MAGIC UINT64_C(0xc6a2000000000000)
#define PFN_BASE 5000
#define PFN_STRIDE 3 /* frames of neighbouring pages are not adjacent */
#define PM_PRESENT (UINT64_C(1) << 63)
#define HUGE_BASE 8192 /* aligned: a compound page of order 3 */
#define KPF_COMPOUND_HEAD (UINT64_C(1) << 15)
#define KPF_COMPOUND_TAIL (UINT64_C(1) << 16)

typedef struct Fake {
        bool no_cap; /* PFNs read as 0 */
        bool huge; /* the file in one order-3 compound page, cgroup on the head only */
        int64_t unmapped_index; /* this file page reads as not present; -1 none */
        int pagemap_error;
        int kpagecgroup_error;
        int kpageflags_error;
        unsigned kpageflags_calls;
        unsigned pagemap_calls;
        unsigned kpagecgroup_calls;
        size_t kpagecgroup_max_n;
} Fake;

static uint64_t ps(void) {
        return (uint64_t) sysconf(_SC_PAGESIZE);
}

/* The fixture's charges: pages 0-2 to cgroup 100, 3 and 5 to 200, 7 to
 * nobody (0). */
static uint64_t cgroup_of_index(uint64_t idx) {
        if (idx <= 2)
                return 100;
        if (idx == 3 || idx == 5)
                return 200;
        if (idx == 7)
                return 0;
        return 300 + idx;
}

static int fake_pagemap(void *userdata, uint64_t vpn, size_t n, uint64_t *out) {
        Fake *f = userdata;

        f->pagemap_calls++;
        if (f->pagemap_error)
                return f->pagemap_error;

        for (size_t i = 0; i < n; i++) {
                void *addr = (void *) (uintptr_t) ((vpn + i) * ps());
                unsigned char v = 0;
                uint64_t idx;

                out[i] = 0;
                if (mincore(addr, ps(), &v) < 0 || !(v & 1))
                        continue;
                idx = *(volatile uint64_t *) addr;
                if ((idx & ~UINT64_C(0xffff)) != MAGIC)
                        continue;
                idx &= 0xffff;
                if ((int64_t) idx == f->unmapped_index)
                        continue;
                out[i] = PM_PRESENT |
                        (f->no_cap         ? 0
                                 : f->huge ? HUGE_BASE + idx
                                           : PFN_BASE + idx * PFN_STRIDE);
        }
        return 0;
}

static int fake_kpagecgroup(void *userdata, uint64_t pfn, size_t n, uint64_t *out) {
        Fake *f = userdata;

        f->kpagecgroup_calls++;
        f->kpagecgroup_max_n = MAX(f->kpagecgroup_max_n, n);
        if (f->kpagecgroup_error)
                return f->kpagecgroup_error;

        for (size_t i = 0; i < n; i++) {
                uint64_t p = pfn + i;

                /* As 6.1 reports a compound page: its cgroup on the head. */
                if (f->huge) {
                        out[i] = p == HUGE_BASE ? 100 : 0;
                        continue;
                }
                /* Frames between the file's belong to someone else. */
                if (p < PFN_BASE || (p - PFN_BASE) % PFN_STRIDE != 0)
                        out[i] = 999;
                else
                        out[i] = cgroup_of_index((p - PFN_BASE) / PFN_STRIDE);
        }
        return 0;
}

static int fake_kpageflags(void *userdata, uint64_t pfn, size_t n, uint64_t *out) {
        Fake *f = userdata;

        f->kpageflags_calls++;
        if (f->kpageflags_error)
                return f->kpageflags_error;
        for (size_t i = 0; i < n; i++) {
                uint64_t p = pfn + i;

                out[i] = 0;
                if (f->huge && p == HUGE_BASE)
                        out[i] = KPF_COMPOUND_HEAD;
                else if (f->huge && p > HUGE_BASE && p < HUGE_BASE + 8)
                        out[i] = KPF_COMPOUND_TAIL;
        }
        return 0;
}

static const PageChargeOps fake_ops = {
        .read_pagemap = fake_pagemap,
        .read_kpagecgroup = fake_kpagecgroup,
        .read_kpageflags = fake_kpageflags,
};

/* As the first version of the API had it. */
static const PageChargeOps fake_ops_no_flags = {
        .read_pagemap = fake_pagemap,
        .read_kpagecgroup = fake_kpagecgroup,
};

static const int written[] = { 0, 1, 2, 3, 5, 7 };

/* 8 pages, the last one partial, with holes at 4 and 6: holes are not
 * resident, on tmpfs as on a disk file system. */
static int fixture_fd(char **ret_path) {
        char *t = test_tmpdir(), *p = path_join(t, "data");
        uint8_t *page = calloc(1, ps());
        int fd;

        fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0 || !page)
                CHECK_FAIL("open %s", p);
        CHECK_INT(ftruncate(fd, (off_t) (7 * ps() + 100)), 0);
        for (size_t i = 0; i < ELEMENTSOF(written); i++) {
                uint64_t tag = MAGIC | (uint64_t) written[i];
                size_t len = written[i] == 7 ? 100 : ps();

                memcpy(page, &tag, sizeof(tag));
                CHECK_INT(pwrite(fd, page, len, (off_t) (written[i] * ps())), (ssize_t) len);
        }
        free(page);
        if (ret_path)
                *ret_path = p;
        else
                free(p);
        return fd;
}

static void check_holes_untouched(int fd) {
        unsigned char vec[8];
        void *addr = mmap(NULL, 8 * ps(), PROT_READ, MAP_SHARED, fd, 0);

        CHECK(addr != MAP_FAILED);
        CHECK_INT(mincore(addr, 8 * ps(), vec), 0);
        CHECK_INT(vec[4] & 1, 0);
        CHECK_INT(vec[6] & 1, 0);
        munmap(addr, 8 * ps());
}

static void check_fixture_result(const PageCharges *c) {
        CHECK_U64(c->page_size, ps());
        CHECK_U64(c->file_pages, 8);
        CHECK_U64(c->resident, 6);
        CHECK_U64(c->unknown, 0);
        CHECK_U64(c->unmapped, 0);
        CHECK_INT(c->n_by_cgroup, 3);
        CHECK_U64(c->by_cgroup[0].cgroup_id, 100);
        CHECK_U64(c->by_cgroup[0].pages, 3);
        CHECK_U64(c->by_cgroup[1].cgroup_id, 200);
        CHECK_U64(c->by_cgroup[1].pages, 2);
        CHECK_U64(c->by_cgroup[2].cgroup_id, 0);
        CHECK_U64(c->by_cgroup[2].pages, 1);
        CHECK_U64(pagecharges_pages_of(c, 100), 3);
        CHECK_U64(pagecharges_pages_of(c, 0), 1);
        CHECK_U64(pagecharges_pages_of(c, 999), 0);
}

TEST(charges_by_cgroup) {
        Fake f = { .unmapped_index = -1 };
        PageCharges c = {};
        int fd = fixture_fd(NULL);

        CHECK_INT(pagecharge_fd_with(fd, &fake_ops, &f, &c), 0);
        check_fixture_result(&c);
        /* One window per extent of data (0-3, 5, 7: holes are not mapped),
         * one pagemap read each; the frames of each lie within one
         * kpagecgroup batch. */
        CHECK_INT(f.pagemap_calls, 3);
        CHECK_INT(f.kpagecgroup_calls, 3);
        CHECK_U64(f.kpagecgroup_max_n, 3 * PFN_STRIDE + 1);
        check_holes_untouched(fd);

        pagecharges_done(&c);
        CHECK(!c.by_cgroup);
        CHECK_INT(c.n_by_cgroup, 0);
        pagecharges_done(NULL);
        CHECK_U64(pagecharges_pages_of(NULL, 0), 0);
        close(fd);
}

TEST(small_windows) {
        Fake f = { .unmapped_index = -1 };
        PageCharges c = {};
        int fd = fixture_fd(NULL);

        /* 3 pages per window: windows 0-2, 3 (the rest of the first
         * extent), 5, 7 (a partial page); per-window counts add up. */
        CHECK_INT(pagecharge_fd_with_window(fd, &fake_ops, &f, 3 * ps(), NULL, &c), 0);
        check_fixture_result(&c);
        CHECK_INT(f.pagemap_calls, 4);
        check_holes_untouched(fd);
        pagecharges_done(&c);

        f = (Fake){ .unmapped_index = -1 };
        CHECK_INT(pagecharge_fd_with_window(fd, &fake_ops, &f, ps(), NULL, &c), 0);
        check_fixture_result(&c);
        CHECK_INT(f.pagemap_calls, 6);
        pagecharges_done(&c);

        CHECK_INT(pagecharge_fd_with_window(fd, &fake_ops, &f, ps() + 1, NULL, &c), -EINVAL);
        CHECK_INT(pagecharge_fd_with_window(fd, &fake_ops, &f, 0, NULL, &c), -EINVAL);
        close(fd);
}

TEST(no_cap_sys_admin) {
        Fake f = { .no_cap = true, .unmapped_index = -1 };
        PageCharges c = {};
        int fd = fixture_fd(NULL);

        /* Present, but no frame numbers: all resident pages are unknown and
         * kpagecgroup is never asked. */
        CHECK_INT(pagecharge_fd_with(fd, &fake_ops, &f, &c), 0);
        CHECK_U64(c.resident, 6);
        CHECK_U64(c.unknown, 6);
        CHECK_U64(c.unmapped, 0);
        CHECK_INT(c.n_by_cgroup, 0);
        CHECK(!c.by_cgroup);
        CHECK_INT(f.kpagecgroup_calls, 0);
        pagecharges_done(&c);
        close(fd);
}

TEST(not_present) {
        Fake f = { .unmapped_index = 5 };
        PageCharges c = {};
        int fd = fixture_fd(NULL);

        CHECK_INT(pagecharge_fd_with(fd, &fake_ops, &f, &c), 0);
        CHECK_U64(c.resident, 6);
        CHECK_U64(c.unmapped, 1);
        CHECK_U64(pagecharges_pages_of(&c, 200), 1);
        CHECK_U64(pagecharges_pages_of(&c, 100), 3);
        pagecharges_done(&c);
        close(fd);
}

TEST(reader_errors) {
        Fake f = { .unmapped_index = -1, .pagemap_error = -EIO };
        PageCharges c = { .resident = 4242 };
        int fd = fixture_fd(NULL);

        CHECK_INT(pagecharge_fd_with(fd, &fake_ops, &f, &c), -EIO);
        CHECK_U64(c.resident, 4242);

        f = (Fake){ .unmapped_index = -1, .kpagecgroup_error = -EACCES };
        CHECK_INT(pagecharge_fd_with_window(fd, &fake_ops, &f, 2 * ps(), NULL, &c), -EACCES);
        CHECK_U64(c.resident, 4242);
        CHECK(!c.by_cgroup);
        close(fd);
}

TEST(bad_files) {
        Fake f = { .unmapped_index = -1 };
        PageCharges c = { .resident = 4242 };
        char *t = test_tmpdir(), *p = path_join(t, "empty"), *data = NULL;
        PageChargeOps half = { .read_pagemap = fake_pagemap };
        int fd, pipefd[2];

        fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        CHECK(fd >= 0);
        CHECK_INT(pagecharge_fd_with(fd, &fake_ops, &f, &c), 0);
        CHECK_U64(c.page_size, ps());
        CHECK_U64(c.file_pages, 0);
        CHECK_U64(c.resident, 0);
        CHECK_INT(c.n_by_cgroup, 0);
        CHECK_INT(f.pagemap_calls, 0);
        close(fd);

        c.resident = 4242;
        fd = open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK_INT(pagecharge_fd_with(fd, &fake_ops, &f, &c), -EISDIR);
        close(fd);

        CHECK_INT(pipe(pipefd), 0);
        CHECK_INT(pagecharge_fd_with(pipefd[0], &fake_ops, &f, &c), -EINVAL);
        close(pipefd[0]);
        close(pipefd[1]);

        /* mmap() needs a readable fd. */
        fd = fixture_fd(&data);
        close(fd);
        fd = open(data, O_WRONLY | O_CLOEXEC);
        CHECK(fd >= 0);
        CHECK_INT(pagecharge_fd_with(fd, &fake_ops, &f, &c), -EACCES);
        close(fd);

        fd = open(data, O_RDONLY | O_CLOEXEC);
        CHECK_INT(pagecharge_fd_with(-1, &fake_ops, &f, &c), -EINVAL);
        CHECK_INT(pagecharge_fd_with(fd, NULL, &f, &c), -EINVAL);
        CHECK_INT(pagecharge_fd_with(fd, &half, &f, &c), -EINVAL);
        CHECK_INT(pagecharge_fd_with(fd, &fake_ops, &f, NULL), -EINVAL);
        CHECK_U64(c.resident, 4242);
        close(fd);
        free(data);
        free(p);
}

/* The /proc readers on a fixture root: a pagemap of zeros (sparse) shows
 * every resident page as not present, and kpagecgroup is not needed. */
TEST(proc_files) {
        char *t = test_tmpdir(), *pm;
        PageCharges c = {};
        int fd, pmfd;

        CHECK_INT(pagecharge_fd(0, "", &c), -EINVAL);
        CHECK_INT(pagecharge_fd(0, t, &c), -ENOENT);

        test_write(t, "self/pagemap", "");
        pm = path_join(t, "self", "pagemap");
        pmfd = open(pm, O_WRONLY | O_CLOEXEC);
        CHECK(pmfd >= 0);
        /* Covers every user-space virtual page number (47-bit addresses). */
        CHECK_INT(ftruncate(pmfd, (off_t) ((UINT64_C(1) << 47) / ps() * 8)), 0);
        close(pmfd);

        fd = fixture_fd(NULL);
        CHECK_INT(pagecharge_fd(fd, t, &c), 0);
        CHECK_U64(c.resident, 6);
        CHECK_U64(c.unmapped, 6);
        CHECK_INT(c.n_by_cgroup, 0);

        /* A pagemap cut short is an error, not a page without a frame. */
        pmfd = open(pm, O_WRONLY | O_TRUNC | O_CLOEXEC);
        close(pmfd);
        CHECK_INT(pagecharge_fd(fd, t, &c), -EIO);
        close(fd);
        free(pm);
}

/* Pages of a compound page whose cgroup the kernel reports on the head
 * only: the tails get the head's cgroup, looked up once. */
TEST(compound_tails) {
        Fake f = { .huge = true, .unmapped_index = -1 };
        PageCharges c = {};
        int fd = fixture_fd(NULL);

        CHECK_INT(pagecharge_fd_with(fd, &fake_ops, &f, &c), 0);
        CHECK_U64(c.resident, 6);
        CHECK_INT(c.n_by_cgroup, 1);
        CHECK_U64(pagecharges_pages_of(&c, 100), 6);
        /* Frames 8192 (head), 8193, 8194, 8195, 8197, 8199, in three
         * windows, one per extent of data (0-3, 5, 7). Each tail outside
         * the range known to belong to the head reads its own flags and the
         * aligned candidates below it: 8193 (8192: range to 8194), 8194
         * (8192: to 8196), 8195 known; in the next window 8197 (8196, 8192);
         * in the last 8199 (8198, 8196, 8192). */
        CHECK_INT(f.kpageflags_calls, 11);
        pagecharges_done(&c);

        /* Page by page (windows of one page): the head is found again in
         * each window, same answer. */
        f = (Fake){ .huge = true, .unmapped_index = -1 };
        CHECK_INT(pagecharge_fd_with_window(fd, &fake_ops, &f, ps(), NULL, &c), 0);
        CHECK_U64(pagecharges_pages_of(&c, 100), 6);
        pagecharges_done(&c);

        /* Without kpageflags: the tails read as not charged. */
        f = (Fake){ .huge = true, .unmapped_index = -1 };
        CHECK_INT(pagecharge_fd_with(fd, &fake_ops_no_flags, &f, &c), 0);
        CHECK_U64(pagecharges_pages_of(&c, 100), 1);
        CHECK_U64(pagecharges_pages_of(&c, 0), 5);
        pagecharges_done(&c);

        f = (Fake){ .huge = true, .unmapped_index = -1, .kpageflags_error = -EIO };
        CHECK_INT(pagecharge_fd_with(fd, &fake_ops, &f, &c), -EIO);
        close(fd);
}

/* A file of 1 TiB with a page of data at each end: two windows, not the
 * 16384 of 64 MiB that walking its size would map; a page count of the
 * whole size all the same. */
TEST(huge_hole_is_not_walked) {
        _cleanup_free_ char *p = path_join(test_tmpdir(), "huge");
        const uint64_t size = UINT64_C(1) << 40;
        uint8_t *page = calloc(1, ps());
        Fake f = { .unmapped_index = -1 };
        PageCharges c = {};
        int fd;

        CHECK(p && page);
        fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        CHECK(fd >= 0);
        CHECK_INT(ftruncate(fd, (off_t) size), 0);
        for (uint64_t i = 0; i < 2; i++) {
                uint64_t tag = MAGIC | i;

                memcpy(page, &tag, sizeof(tag));
                CHECK_INT(pwrite(fd, page, ps(), (off_t) (i == 0 ? 0 : size - ps())), (ssize_t) ps());
        }
        free(page);
        CHECK_INT(pagecharge_fd_with(fd, &fake_ops, &f, &c), 0);
        CHECK_U64(c.file_pages, size / ps());
        CHECK_U64(c.resident, 2);
        CHECK_INT(f.pagemap_calls, 2);
        CHECK_U64(pagecharges_pages_of(&c, 100), 2);
        pagecharges_done(&c);
        close(fd);
}

static bool cancel_after_first(void *userdata) {
        unsigned *calls = userdata;

        return ++*calls > 1;
}

TEST(bounds_stop_a_scan) {
        unsigned calls = 0;
        Fake f = { .unmapped_index = -1 };
        PageCharges c = {};
        PageChargeBounds past = { .deadline_usec = 1 };
        PageChargeBounds cancel = { .cancelled = cancel_after_first, .userdata = &calls };
        int fd = fixture_fd(NULL);

        /* A deadline long gone: nothing is read, nothing returned. */
        CHECK_INT(pagecharge_fd_with_window(fd, &fake_ops, &f, ps(), &past, &c), -ETIME);
        CHECK_INT(f.pagemap_calls, 0);
        CHECK(!c.by_cgroup);
        /* Asked before every window: the first one is scanned. */
        CHECK_INT(pagecharge_fd_with_window(fd, &fake_ops, &f, ps(), &cancel, &c), -ECANCELED);
        CHECK_INT(f.pagemap_calls, 1);
        CHECK_INT(calls, 2);
        /* A deadline in the future does not stop it. */
        past.deadline_usec = UINT64_MAX;
        CHECK_INT(pagecharge_fd_with_window(fd, &fake_ops, &f, ps(), &past, &c), 0);
        check_fixture_result(&c);
        pagecharges_done(&c);
        close(fd);
}

TEST(charge_tally_adds_sorts_and_frees) {
        ChargeTally t = {};
        const uint64_t ids[] = { 30, 10, 20, 10, 30, 30, 0 };

        /* Kept sorted by id while it grows, repeated ids summed. */
        for (size_t i = 0; i < ELEMENTSOF(ids); i++)
                CHECK_INT(charge_tally_add(&t, ids[i], 1 + i), 0);
        CHECK_U64(t.n, 4);
        CHECK_U64(t.v[0].cgroup_id, 0);
        CHECK_U64(t.v[1].cgroup_id, 10);
        CHECK_U64(t.v[1].pages, 2 + 4);
        CHECK_U64(t.v[3].cgroup_id, 30);
        CHECK_U64(t.v[3].pages, 1 + 5 + 6);

        /* Most pages first (30: 12, 0: 7), ties by id (10 and 20: 6). */
        CHECK_INT(charge_tally_add(&t, 20, 3), 0);
        charge_tally_sort_by_pages(&t);
        CHECK_U64(t.v[0].cgroup_id, 30);
        CHECK_U64(t.v[1].cgroup_id, 0);
        CHECK_U64(t.v[1].pages, 7);
        CHECK_U64(t.v[2].cgroup_id, 10);
        CHECK_U64(t.v[3].cgroup_id, 20);
        CHECK_U64(t.v[3].pages, 6);

        charge_tally_done(&t);
        CHECK(t.v == NULL && t.n == 0);
        charge_tally_sort_by_pages(&t); /* empty: nothing to sort, no qsort(NULL) */
}
