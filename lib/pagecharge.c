/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whom the resident pages of a file are charged to.
 *
 * Kernel interfaces (Documentation/admin-guide/mm/pagemap.rst, mincore(2),
 * madvise(2)):
 *  - mincore() on a MAP_SHARED file mapping reports the page cache state of
 *    the file. Since 5.0 it does so only for callers that own the file or may
 *    write it (root may); others see only pages they have mapped themselves.
 *  - /proc/self/pagemap: one u64 per virtual page; bit 63 present, bits 0-54
 *    the page frame number. Since 4.2 the PFN reads as 0 without
 *    CAP_SYS_ADMIN (the present bit stays), so such pages are "unknown".
 *  - /proc/kpagecgroup: one u64 per page frame, the inode number of the
 *    closest online memcg the frame is charged to (0: not charged), which is
 *    the cgroup id. Root only; reads must be 8-byte aligned.
 *  - /proc/kpageflags: one u64 of KPF_* flags per page frame; root only.
 *    On 6.1 page_cgroup_ino() reads the memcg of the struct page itself,
 *    which only the head page of a compound page carries: the tail pages of
 *    a tmpfs huge page (or of any large folio) read as charged to nobody.
 *    Seen in a bookworm VM: 2044 of 2048 pages of an 8 MiB file on a
 *    huge=always tmpfs read 0. So a frame that reads 0 and is a compound
 *    tail is given the cgroup of its head (newer kernels answer the
 *    folio's cgroup for every page and never get here).
 *  - MADV_POPULATE_READ (5.14+) faults in a range without touching it from
 *    user space and reports failures as errors instead of SIGBUS. Older
 *    kernels give -EINVAL: then one byte per page is read.
 *
 * Only pages that mincore() reports resident are faulted in: a read fault
 * on a tmpfs hole allocates a page and charges it to the caller, and one on
 * an evicted page of a disk file reads it back, charged to the caller. So
 * the scan never adds charges, except for a page evicted in the short gap
 * between mincore() and the fault (then it is read back and charged to us).
 * Mapping a page does not change its charge: the memcg of a page cache page
 * is set when it is added to the cache.
 *
 * Only the data extents of the file are mapped (lseek SEEK_DATA, see
 * extents.h), in bounded windows, so a huge file costs no more address
 * space or buffers than PAGECHARGE_WINDOW, and a sparse one of 2^63-1 bytes
 * no more time than its data. */

#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "extents.h"
#include "macro.h"
#include "pagecharge.h"
#include "path.h"
#include "timeutil.h"

#define PAGECHARGE_WINDOW (UINT64_C(64) * 1024 * 1024)

/* kpagecgroup entries read in one go: frames of one file are often close to
 * each other, so one 4 KiB read tends to answer several of them. */
#define KPAGECGROUP_BATCH 512

#define KPF_COMPOUND_HEAD (UINT64_C(1) << 15)
#define KPF_COMPOUND_TAIL (UINT64_C(1) << 16)
/* Compound pages are naturally aligned; the largest (1 GiB hugetlb on x86)
 * is order 18. */
#define COMPOUND_ORDER_MAX 18

#define PM_PRESENT (UINT64_C(1) << 63)
#define PM_PFN_MASK ((UINT64_C(1) << 55) - 1)

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

typedef struct FrameSlot {
        uint64_t pfn;
        size_t slot; /* index into the window's page array */
} FrameSlot;

typedef struct Scan {
        const PageChargeOps *ops;
        void *userdata;
        uint64_t page_size;
        bool no_populate; /* MADV_POPULATE_READ known to be missing */

        unsigned char *vec; /* mincore() of one window */
        uint64_t *pagemap; /* pagemap entries of one window */
        FrameSlot *frames; /* visible frames of one window, sorted by pfn */
        uint64_t *cgroups; /* cgroup id per frame */
        uint64_t *batch; /* kpagecgroup read buffer */

        ChargeTally tally;
} Scan;

static void scan_done(Scan *s) {
        free(s->vec);
        free(s->pagemap);
        free(s->frames);
        free(s->cgroups);
        free(s->batch);
        charge_tally_done(&s->tally);
}

/* Faults in pages [first, first+n) of the window at addr, all of them
 * resident, so that pagemap shows their frames. */
static void populate(Scan *s, uint8_t *addr, size_t first, size_t n) {
        uint8_t *p = addr + first * s->page_size;

        if (!s->no_populate) {
                if (madvise(p, n * s->page_size, MADV_POPULATE_READ) >= 0)
                        return;
                /* EINVAL: a kernel before 5.14. Anything else (EFAULT when
                 * the file shrank, ENOMEM, EINTR): leave the rest to pagemap,
                 * which then shows the pages as unmapped. */
                if (errno != EINVAL)
                        return;
                s->no_populate = true;
        }

        /* A file truncated right now would SIGBUS here; only on kernels
         * without MADV_POPULATE_READ. */
        for (size_t i = 0; i < n; i++)
                (void) *(volatile uint8_t *) (p + i * s->page_size);
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

static int cmp_frame(const void *a, const void *b) {
        const FrameSlot *x = a, *y = b;

        if (x->pfn != y->pfn)
                return x->pfn < y->pfn ? -1 : 1;
        return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* Looks up the cgroup of n_frames frames (sorted by pfn) in batches of
 * nearby frames, writing s->cgroups[i] for s->frames[i]. */
static int lookup_cgroups(Scan *s, size_t n_frames) {
        size_t i = 0;

        while (i < n_frames) {
                uint64_t start = s->frames[i].pfn;
                size_t j = i + 1;
                int r;

                while (j < n_frames && s->frames[j].pfn - start < KPAGECGROUP_BATCH)
                        j++;

                r = s->ops->read_kpagecgroup(s->userdata, start, s->frames[j - 1].pfn - start + 1, s->batch);
                if (r < 0)
                        return r;

                for (; i < j; i++)
                        s->cgroups[i] = s->batch[s->frames[i].pfn - start];
        }
        return 0;
}

static int read_one(int (*read)(void *, uint64_t, size_t, uint64_t *), void *userdata, uint64_t pfn,
                    uint64_t *ret) {
        return read(userdata, pfn, 1, ret);
}

/* The head of the compound page that the tail frame pfn belongs to: the
 * first aligned frame below it that is a compound head. */
static int find_head(Scan *s, uint64_t pfn, uint64_t *ret_head, unsigned *ret_order) {
        uint64_t last = pfn;

        for (unsigned order = 1; order <= COMPOUND_ORDER_MAX; order++) {
                uint64_t cand = pfn & ~((UINT64_C(1) << order) - 1), flags;
                int r;

                if (cand == last)
                        continue;
                last = cand;
                r = read_one(s->ops->read_kpageflags, s->userdata, cand, &flags);
                if (r < 0)
                        return r;
                if (flags & KPF_COMPOUND_HEAD) {
                        *ret_head = cand;
                        *ret_order = order;
                        return 1;
                }
                if (!(flags & KPF_COMPOUND_TAIL))
                        return 0; /* split or freed meanwhile */
        }
        return 0;
}

/* Frames that read as not charged but are tails of a compound page get
 * their head's cgroup (see the header comment). Frames are sorted, so the
 * tails of one head come in a row and the head is looked up once. */
static int resolve_tails(Scan *s, size_t n_frames) {
        uint64_t head = 0, head_end = 0, head_cgroup = 0;

        if (!s->ops->read_kpageflags)
                return 0;

        for (size_t i = 0; i < n_frames; i++) {
                uint64_t pfn = s->frames[i].pfn, flags;
                unsigned order = 0;
                int r;

                if (s->cgroups[i] != 0)
                        continue;
                if (pfn > head && pfn < head_end) {
                        s->cgroups[i] = head_cgroup;
                        continue;
                }

                r = read_one(s->ops->read_kpageflags, s->userdata, pfn, &flags);
                if (r < 0)
                        return r;
                if (!(flags & KPF_COMPOUND_TAIL))
                        continue;

                r = find_head(s, pfn, &head, &order);
                if (r < 0)
                        return r;
                if (r == 0) {
                        head_end = 0;
                        continue;
                }
                r = read_one(s->ops->read_kpagecgroup, s->userdata, head, &head_cgroup);
                if (r < 0)
                        return r;
                /* At least up to pfn; maybe the compound page is larger, then
                 * a later tail looks its head up again, with a range twice
                 * as large: a few dozen reads for a 2 MiB page. */
                head_end = head + (UINT64_C(1) << order);
                s->cgroups[i] = head_cgroup;
        }
        return 0;
}

static int scan_window(Scan *s, int fd, uint64_t offset, size_t n_pages, PageCharges *c) {
        size_t len = n_pages * s->page_size, n_frames = 0, i;
        uint64_t vpn;
        uint8_t *addr;
        int r;

        addr = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t) offset);
        if (addr == MAP_FAILED)
                return negative_errno();

        /* No readahead on our faults: a resident page still marked
         * PG_readahead would start async readahead of the pages after it,
         * charged to us (filemap_fault() skips it for VM_RAND_READ). */
        (void) madvise(addr, len, MADV_RANDOM);

        if (mincore(addr, len, s->vec) < 0) {
                r = negative_errno();
                goto finish;
        }

        /* Fault in each run of resident pages, nothing else. */
        for (i = 0; i < n_pages;) {
                size_t j;

                if (!(s->vec[i] & 1)) {
                        i++;
                        continue;
                }
                for (j = i; j < n_pages && (s->vec[j] & 1); j++)
                        c->resident++;
                populate(s, addr, i, j - i);
                i = j;
        }

        vpn = (uint64_t) (uintptr_t) addr / s->page_size;
        r = s->ops->read_pagemap(s->userdata, vpn, n_pages, s->pagemap);
        if (r < 0)
                goto finish;
        r = 0;

        for (i = 0; i < n_pages; i++) {
                uint64_t e = s->pagemap[i];

                if (!(s->vec[i] & 1))
                        continue;
                if (!(e & PM_PRESENT))
                        c->unmapped++;
                else if ((e & PM_PFN_MASK) == 0)
                        c->unknown++;
                else
                        s->frames[n_frames++] = (FrameSlot){ .pfn = e & PM_PFN_MASK, .slot = i };
        }

        if (n_frames == 0)
                goto finish;

        qsort(s->frames, n_frames, sizeof(FrameSlot), cmp_frame);
        r = lookup_cgroups(s, n_frames);
        if (r < 0)
                goto finish;
        r = resolve_tails(s, n_frames);
        if (r < 0)
                goto finish;

        /* Frames sorted by pfn give no order by cgroup: sort the ids and
         * add each run once. */
        qsort(s->cgroups, n_frames, sizeof(uint64_t), cmp_u64);
        for (i = 0; i < n_frames;) {
                size_t j = i + 1;

                while (j < n_frames && s->cgroups[j] == s->cgroups[i])
                        j++;
                r = charge_tally_add(&s->tally, s->cgroups[i], j - i);
                if (r < 0)
                        goto finish;
                i = j;
        }

finish:
        (void) munmap(addr, len);
        return r;
}

static int check_bounds(const PageChargeBounds *b) {
        if (!b)
                return 0;
        if (b->cancelled && b->cancelled(b->userdata))
                return -ECANCELED;
        return deadline_check(b->deadline_usec);
}

int pagecharge_fd_with_window(int fd, const PageChargeOps *ops, void *userdata, uint64_t window,
                              const PageChargeBounds *bounds, PageCharges *ret) {
        _cleanup_(scan_done) Scan s = { .ops = ops, .userdata = userdata };
        PageCharges c = {};
        DataExtents it;
        uint64_t window_pages, next_page = 0, offset, length;
        long ps;
        int r;

        if (fd < 0 || !ops || !ops->read_pagemap || !ops->read_kpagecgroup || !ret)
                return -EINVAL;

        ps = sysconf(_SC_PAGESIZE);
        if (ps <= 0)
                return -EIO;
        s.page_size = (uint64_t) ps;
        if (window < s.page_size || window % s.page_size != 0)
                return -EINVAL;

        r = data_extents_init(&it, fd, bounds ? bounds->deadline_usec : 0);
        if (r < 0)
                return r;

        c.page_size = s.page_size;
        c.file_pages = it.end / s.page_size + (it.end % s.page_size != 0);
        if (c.file_pages == 0) {
                *ret = c;
                return 0;
        }

        window_pages = MIN(window / s.page_size, c.file_pages);
        s.vec = malloc(window_pages);
        s.pagemap = malloc(window_pages * sizeof(uint64_t));
        s.frames = malloc(window_pages * sizeof(FrameSlot));
        s.cgroups = malloc(window_pages * sizeof(uint64_t));
        s.batch = malloc(KPAGECGROUP_BATCH * sizeof(uint64_t));
        if (!s.vec || !s.pagemap || !s.frames || !s.cgroups || !s.batch)
                return -ENOMEM;

        /* Holes have no pages (a page cache page over a hole of a disk file,
         * read as zeros, is the exception, and not counted): only the data
         * extents are mapped, a window at a time. Extents are rounded out to
         * whole pages; a page shared by two extents is counted once. */
        while ((r = data_extents_next(&it, &offset, &length)) > 0) {
                uint64_t first = MAX(offset / s.page_size, next_page);
                uint64_t last = MIN((offset + length + s.page_size - 1) / s.page_size, c.file_pages);

                for (; first < last; first += window_pages) {
                        size_t n = (size_t) MIN(window_pages, last - first);

                        r = check_bounds(bounds);
                        if (r < 0)
                                return r;
                        r = scan_window(&s, fd, first * s.page_size, n, &c);
                        if (r < 0)
                                return r;
                }
                next_page = MAX(next_page, last);
        }
        if (r < 0)
                return r;

        charge_tally_sort_by_pages(&s.tally);
        c.n_by_cgroup = s.tally.n;
        c.by_cgroup = TAKE_PTR(s.tally.v);
        *ret = c;
        return 0;
}

int pagecharge_fd_with(int fd, const PageChargeOps *ops, void *userdata, PageCharges *ret) {
        return pagecharge_fd_with_window(fd, ops, userdata, PAGECHARGE_WINDOW, NULL, ret);
}

/* The real files. kpagecgroup is opened on first use: without
 * CAP_SYS_ADMIN no frame is visible and it is never needed. */
typedef struct ProcFiles {
        const char *proc_root;
        int pagemap_fd;
        int kpagecgroup_fd;
        int kpageflags_fd;
} ProcFiles;

static int pread_u64s(int fd, uint64_t index, size_t n, uint64_t *out) {
        uint8_t *p = (uint8_t *) out;
        size_t left = n * sizeof(uint64_t);
        uint64_t off;

        if (index > (uint64_t) INT64_MAX / sizeof(uint64_t))
                return -EOVERFLOW;
        off = index * sizeof(uint64_t);

        while (left > 0) {
                ssize_t k = pread(fd, p, left, (off_t) off);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                /* Past the last frame, or a file that is not what it should
                 * be: an answer cut short is no answer. */
                if (k == 0)
                        return -EIO;
                p += k;
                off += (uint64_t) k;
                left -= (size_t) k;
        }
        return 0;
}

static int proc_read_pagemap(void *userdata, uint64_t vpn, size_t n, uint64_t *out) {
        ProcFiles *f = userdata;

        return pread_u64s(f->pagemap_fd, vpn, n, out);
}

static int open_lazily(const char *proc_root, const char *name, int *fd) {
        _cleanup_free_ char *p = NULL;

        if (*fd >= 0)
                return 0;
        p = path_join(proc_root, name);
        if (!p)
                return -ENOMEM;
        *fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (*fd < 0)
                return negative_errno();
        return 0;
}

static int proc_read_kpagecgroup(void *userdata, uint64_t pfn, size_t n, uint64_t *out) {
        ProcFiles *f = userdata;
        int r;

        r = open_lazily(f->proc_root, "kpagecgroup", &f->kpagecgroup_fd);
        if (r < 0)
                return r;
        return pread_u64s(f->kpagecgroup_fd, pfn, n, out);
}

static int proc_read_kpageflags(void *userdata, uint64_t pfn, size_t n, uint64_t *out) {
        ProcFiles *f = userdata;
        int r;

        r = open_lazily(f->proc_root, "kpageflags", &f->kpageflags_fd);
        if (r < 0)
                return r;
        return pread_u64s(f->kpageflags_fd, pfn, n, out);
}

int pagecharge_fd_bounded(int fd, const char *proc_root, const PageChargeBounds *bounds, PageCharges *ret) {
        static const PageChargeOps ops = {
                .read_pagemap = proc_read_pagemap,
                .read_kpagecgroup = proc_read_kpagecgroup,
                .read_kpageflags = proc_read_kpageflags,
        };
        _cleanup_free_ char *p = NULL;
        ProcFiles f = {
                .proc_root = proc_root,
                .pagemap_fd = -EBADF,
                .kpagecgroup_fd = -EBADF,
                .kpageflags_fd = -EBADF,
        };
        int r;

        if (isempty(proc_root) || !ret)
                return -EINVAL;

        p = path_join(proc_root, "self", "pagemap");
        if (!p)
                return -ENOMEM;
        f.pagemap_fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (f.pagemap_fd < 0)
                return negative_errno();

        r = pagecharge_fd_with_window(fd, &ops, &f, PAGECHARGE_WINDOW, bounds, ret);

        close(f.pagemap_fd);
        if (f.kpagecgroup_fd >= 0)
                close(f.kpagecgroup_fd);
        if (f.kpageflags_fd >= 0)
                close(f.kpageflags_fd);
        return r;
}

int pagecharge_fd(int fd, const char *proc_root, PageCharges *ret) {
        return pagecharge_fd_bounded(fd, proc_root, NULL, ret);
}

uint64_t pagecharges_pages_of(const PageCharges *c, uint64_t cgroup_id) {
        if (!c)
                return 0;
        for (size_t i = 0; i < c->n_by_cgroup; i++)
                if (c->by_cgroup[i].cgroup_id == cgroup_id)
                        return c->by_cgroup[i].pages;
        return 0;
}

void pagecharges_done(PageCharges *c) {
        if (!c)
                return;
        free(c->by_cgroup);
        *c = (PageCharges){};
}

/* ---- tallies ------------------------------------------------------------ */

int charge_tally_add(ChargeTally *t, uint64_t cgroup_id, uint64_t pages) {
        size_t lo = 0, hi = t->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (t->v[mid].cgroup_id == cgroup_id) {
                        t->v[mid].pages += pages;
                        return 0;
                }
                if (t->v[mid].cgroup_id < cgroup_id)
                        lo = mid + 1;
                else
                        hi = mid;
        }

        if (t->n == t->allocated) {
                size_t na = MAX(t->allocated * 2, (size_t) 8);
                PageCharge *n = realloc(t->v, na * sizeof(PageCharge));

                if (!n)
                        return -ENOMEM;
                t->v = n;
                t->allocated = na;
        }
        memmove(t->v + lo + 1, t->v + lo, (t->n - lo) * sizeof(PageCharge));
        t->v[lo] = (PageCharge){ .cgroup_id = cgroup_id, .pages = pages };
        t->n++;
        return 0;
}

static int cmp_charge(const void *a, const void *b) {
        const PageCharge *x = a, *y = b;

        if (x->pages != y->pages)
                return x->pages > y->pages ? -1 : 1;
        return x->cgroup_id < y->cgroup_id ? -1 : x->cgroup_id > y->cgroup_id;
}

void charge_tally_sort_by_pages(ChargeTally *t) {
        if (t->n > 1) /* v is NULL when empty: no qsort(NULL, 0) */
                qsort(t->v, t->n, sizeof(PageCharge), cmp_charge);
}

void charge_tally_done(ChargeTally *t) {
        free(t->v);
        *t = (ChargeTally){};
}
