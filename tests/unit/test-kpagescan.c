/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "kpagescan.h"
#include "macro.h"
#include "path.h"
#include "tests.h"

/* Fixture /proc files: kpagecgroup and kpageflags as the kernel lays them
 * out, one u64 per frame. */

#define F(n) (UINT64_C(1) << (n))
#define UPTODATE F(3)
#define DIRTY F(4)
#define LRU F(5)
#define WRITEBACK F(8)
#define MMAP F(11)
#define ANON F(12)
#define SWAPBACKED F(14)
#define HEAD F(15)
#define TAIL F(16)
#define NOPAGE F(20)
#define THP F(22)

/* 32 frames:
 *  0-3   cgroup 7: file (clean, dirty, writeback+dirty, mapped)
 *  4-5   cgroup 7: shmem, anon
 *  6     cgroup 7: kernel (no flags)
 *  7     not charged, 8 no page
 *  9-15  cgroup 9: anon, 16-23 not used: free
 *  16-23 one order-3 THP of shmem, cgroup 9 on the head only (6.1's way),
 *        tails with few flags of their own, tail 18 mapped
 *  24-31 one order-3 large file folio, cgroup 11 on every page and the
 *        folio's flags on every page (6.12's way) */
static char *fixture(void) {
        uint64_t cg[32] = {}, fl[32] = {};
        char *t = test_tmpdir();

        for (size_t i = 0; i <= 6; i++)
                cg[i] = 7;
        fl[0] = LRU | UPTODATE;
        fl[1] = LRU | UPTODATE | DIRTY;
        fl[2] = LRU | UPTODATE | DIRTY | WRITEBACK;
        fl[3] = LRU | UPTODATE | MMAP;
        fl[4] = LRU | UPTODATE | SWAPBACKED;
        fl[5] = LRU | UPTODATE | SWAPBACKED | ANON;
        fl[6] = 0;
        fl[7] = LRU | UPTODATE;
        fl[8] = NOPAGE;
        for (size_t i = 9; i <= 15; i++) {
                cg[i] = 9;
                fl[i] = LRU | ANON | SWAPBACKED | UPTODATE;
        }
        cg[16] = 9;
        fl[16] = HEAD | THP | LRU | UPTODATE | SWAPBACKED;
        for (size_t i = 17; i <= 23; i++)
                fl[i] = TAIL | THP;
        fl[18] |= MMAP;
        for (size_t i = 24; i <= 31; i++) {
                cg[i] = 11;
                fl[i] = (i == 24 ? HEAD : TAIL) | LRU | UPTODATE;
        }

        test_write_u64s(t, "kpagecgroup", cg, ELEMENTSOF(cg));
        test_write_u64s(t, "kpageflags", fl, ELEMENTSOF(fl));
        return t;
}

static void check_fixture(size_t chunk) {
        KpageScan s = {};
        const KpageCount *e;
        char *t = fixture();

        CHECK_INT(kpage_scan(t, chunk, &s), 0);
        CHECK_U64(s.frames, 32);
        CHECK_U64(s.not_charged, 2);
        CHECK_U64(s.n_by_cgroup, 3);

        e = kpage_scan_find(&s, 7);
        CHECK(e);
        CHECK_U64(e->kinds.pages, 7);
        CHECK_U64(e->kinds.file, 4);
        CHECK_U64(e->kinds.file_dirty, 2);
        CHECK_U64(e->kinds.file_writeback, 1);
        CHECK_U64(e->kinds.file_mapped, 1);
        CHECK_U64(e->kinds.shmem, 1);
        CHECK_U64(e->kinds.anon, 1);
        CHECK_U64(e->kinds.kernel, 1);
        CHECK_U64(e->kinds.huge, 0);

        /* The tails of the 6.1-style THP count as the head's: shmem, cgroup 9. */
        e = kpage_scan_find(&s, 9);
        CHECK(e);
        CHECK_U64(e->kinds.pages, 15);
        CHECK_U64(e->kinds.anon, 7);
        CHECK_U64(e->kinds.shmem, 8);
        CHECK_U64(e->kinds.huge, 8);
        CHECK_U64(e->kinds.kernel, 0);

        e = kpage_scan_find(&s, 11);
        CHECK(e);
        CHECK_U64(e->kinds.pages, 8);
        CHECK_U64(e->kinds.file, 8);
        CHECK_U64(e->kinds.huge, 8);

        CHECK(!kpage_scan_find(&s, 8));
        CHECK(!kpage_scan_find(&s, 0));
        kpage_scan_done(&s);
}

TEST(kinds_one_chunk) {
        check_fixture(KPAGE_SCAN_CHUNK_FRAMES);
}

/* Chunks that split both compound pages: the head's cgroup and kind carry
 * over into the next chunk. */
TEST(kinds_small_chunks) {
        check_fixture(3);
        check_fixture(1);
        check_fixture(17);
}

/* A tail without its head (the scan read it split meanwhile, or it is the
 * first frame) keeps its own answer. */
TEST(orphan_tail) {
        uint64_t cg[2] = { 0, 5 }, fl[2] = { TAIL | LRU, TAIL | LRU | UPTODATE };
        char *t = test_tmpdir();
        KpageScan s = {};

        test_write_u64s(t, "kpagecgroup", cg, 2);
        test_write_u64s(t, "kpageflags", fl, 2);
        CHECK_INT(kpage_scan(t, 4, &s), 0);
        CHECK_U64(s.not_charged, 1);
        CHECK(kpage_scan_find(&s, 5));
        CHECK_U64(kpage_scan_find(&s, 5)->kinds.file, 1);
        kpage_scan_done(&s);
}

/* Files of different lengths (memory added between two reads): the
 * shorter decides. */
TEST(shorter_file_wins) {
        uint64_t cg[4] = { 1, 1, 1, 1 }, fl[2] = { LRU, LRU };
        char *t = test_tmpdir();
        KpageScan s = {};

        test_write_u64s(t, "kpagecgroup", cg, 4);
        test_write_u64s(t, "kpageflags", fl, 2);
        CHECK_INT(kpage_scan(t, 3, &s), 0);
        CHECK_U64(s.frames, 2);
        CHECK_U64(kpage_scan_find(&s, 1)->kinds.pages, 2);
        kpage_scan_done(&s);
}

TEST(errors) {
        char *t = test_tmpdir();
        KpageScan s = { .frames = 42 };

        CHECK_INT(kpage_scan(t, 4, &s), -ENOENT);
        CHECK_U64(s.frames, 42);
        CHECK_INT(kpage_scan(t, 0, &s), -EINVAL);
        CHECK_INT(kpage_scan("", 4, &s), -EINVAL);
        CHECK_INT(kpage_scan(NULL, 4, &s), -EINVAL);
}

/* Many cgroups in an order that makes the table grow in the middle. */
TEST(many_cgroups) {
        uint64_t cg[1000], fl[1000];
        char *t = test_tmpdir();
        KpageScan s = {};

        for (size_t i = 0; i < 1000; i++) {
                cg[i] = (i * 7919) % 500 + 1;
                fl[i] = LRU | UPTODATE;
        }
        test_write_u64s(t, "kpagecgroup", cg, 1000);
        test_write_u64s(t, "kpageflags", fl, 1000);
        CHECK_INT(kpage_scan(t, 64, &s), 0);
        CHECK_U64(s.n_by_cgroup, 500);
        for (size_t i = 0; i < s.n_by_cgroup; i++) {
                CHECK_U64(s.by_cgroup[i].cgroup_id, i + 1);
                CHECK_U64(s.by_cgroup[i].kinds.file, 2);
        }
        kpage_scan_done(&s);
}
