/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whole-memory page census by memory cgroup and kind.
 *
 * Kernel interfaces (Documentation/admin-guide/mm/pagemap.rst):
 *  - /proc/kpagecgroup (4.3+, CONFIG_MEMCG): one u64 per page frame, the
 *    inode number of the closest online memcg the page is charged to (0:
 *    none). A page charged to a cgroup that has died reads as charged to its
 *    closest live ancestor: for pages left behind by a dead service, the
 *    slice it ran in.
 *  - /proc/kpageflags: one u64 of KPF_* bits per page frame.
 *  Both are root only, must be read at 8-byte aligned offsets in multiples
 *  of 8 bytes, and end at the highest frame (a read there returns 0).
 *  Reading either costs the kernel a few nanoseconds per frame; reading them
 *  sequentially in large chunks, in step, is the floor of any whole-memory
 *  scan (a 24 GiB machine has 6.3 million frames, 50 MiB per file).
 *
 * Compound pages (THP, large folios, hugetlb): on 6.1 the page flags that
 * live in the head (LRU, dirty, swap-backed...) and the memcg are reported
 * for the head page only; its tail pages read as charged to no cgroup and
 * with few flags. Later kernels report the folio's for every page. A head
 * always precedes its tails (compound pages are naturally aligned), so a
 * sequential scan gives each tail its head's cgroup and kind: the same
 * answer on both. A tail's own KPF_MMAP is kept (page_mapped() of a tail
 * looks at the whole compound page).
 *
 * Kinds: anonymous (KPF_ANON, KSM included), shmem/tmpfs (swap-backed but
 * not anonymous), page cache (on an LRU or holding file data: uptodate,
 * dirty, under writeback, mapped), kernel (charged, none of these: kernel
 * stacks, page tables and other __GFP_ACCOUNT pages; slab pages read as
 * charged to no cgroup). */

#include <fcntl.h>
#include <stdbool.h>

#include "kpagescan.h"
#include "macro.h"
#include "path.h"

#define KPF_DIRTY 4
#define KPF_LRU 5
#define KPF_WRITEBACK 8
#define KPF_MMAP 11
#define KPF_ANON 12
#define KPF_SWAPBACKED 14
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_HUGE 17
#define KPF_NOPAGE 20
#define KPF_THP 22
#define KPF_UPTODATE 3

#define BIT(n) (UINT64_C(1) << (n))

typedef struct Cursor {
        uint64_t head_flags;
        uint64_t head_cgroup;
        bool in_compound;
        size_t last; /* index of the last entry hit: runs of one cgroup are long */
} Cursor;

static int read_exact_or_short(int fd, void *buf, size_t len, uint64_t off, size_t *ret) {
        size_t done = 0;

        while (done < len) {
                ssize_t k = pread(fd, (uint8_t *) buf + done, len - done, (off_t) (off + done));

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        break;
                done += (size_t) k;
        }
        *ret = done;
        return 0;
}

/* The entry of cgroup_id, made if new (the array stays sorted by id). */
static KpageCount *entry_of(KpageScan *s, Cursor *c, uint64_t cgroup_id) {
        size_t lo = 0, hi = s->n_by_cgroup;

        if (c->last < s->n_by_cgroup && s->by_cgroup[c->last].cgroup_id == cgroup_id)
                return &s->by_cgroup[c->last];

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (s->by_cgroup[mid].cgroup_id == cgroup_id) {
                        c->last = mid;
                        return &s->by_cgroup[mid];
                }
                if (s->by_cgroup[mid].cgroup_id < cgroup_id)
                        lo = mid + 1;
                else
                        hi = mid;
        }

        if (s->n_by_cgroup == s->allocated) {
                size_t na = MAX(s->allocated * 2, (size_t) 64);
                KpageCount *n = realloc(s->by_cgroup, na * sizeof(KpageCount));

                if (!n)
                        return NULL;
                s->by_cgroup = n;
                s->allocated = na;
        }
        memmove(s->by_cgroup + lo + 1, s->by_cgroup + lo, (s->n_by_cgroup - lo) * sizeof(KpageCount));
        s->by_cgroup[lo] = (KpageCount){ .cgroup_id = cgroup_id };
        s->n_by_cgroup++;
        c->last = lo;
        return &s->by_cgroup[lo];
}

static void count(PageKinds *k, uint64_t flags, bool huge) {
        k->pages++;
        if (huge)
                k->huge++;
        if (flags & BIT(KPF_ANON))
                k->anon++;
        else if (flags & BIT(KPF_SWAPBACKED))
                k->shmem++;
        else if (flags &
                 (BIT(KPF_LRU) | BIT(KPF_UPTODATE) | BIT(KPF_DIRTY) | BIT(KPF_WRITEBACK) | BIT(KPF_MMAP))) {
                k->file++;
                if (flags & BIT(KPF_DIRTY))
                        k->file_dirty++;
                if (flags & BIT(KPF_WRITEBACK))
                        k->file_writeback++;
                if (flags & BIT(KPF_MMAP))
                        k->file_mapped++;
        } else
                k->kernel++;
}

static int scan_chunk(KpageScan *s, Cursor *c, const uint64_t *cgroups, const uint64_t *flags, size_t n) {
        for (size_t i = 0; i < n; i++) {
                uint64_t f = flags[i], cg = cgroups[i], kind = f;
                bool huge = false;
                KpageCount *e;

                if (f & BIT(KPF_COMPOUND_HEAD)) {
                        c->in_compound = true;
                        c->head_flags = f;
                        c->head_cgroup = cg;
                        huge = true;
                } else if (f & BIT(KPF_COMPOUND_TAIL)) {
                        if (c->in_compound) {
                                if (cg == 0)
                                        cg = c->head_cgroup;
                                kind = (c->head_flags & ~BIT(KPF_MMAP)) | (f & BIT(KPF_MMAP));
                        }
                        huge = true;
                } else
                        c->in_compound = false;

                if (cg == 0 || (f & BIT(KPF_NOPAGE))) {
                        s->not_charged++;
                        continue;
                }

                e = entry_of(s, c, cg);
                if (!e)
                        return -ENOMEM;
                count(&e->kinds, kind, huge);
        }
        return 0;
}

static int open_proc(const char *proc_root, const char *name, int *ret) {
        _cleanup_free_ char *p = path_join(proc_root, name);
        int fd;

        if (!p)
                return -ENOMEM;
        fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        *ret = fd;
        return 0;
}

int kpage_scan(const char *proc_root, size_t chunk_frames, KpageScan *ret) {
        _cleanup_(kpage_scan_done) KpageScan s = {};
        _cleanup_close_ int cfd = -EBADF, ffd = -EBADF;
        _cleanup_free_ uint64_t *cbuf = NULL, *fbuf = NULL;
        Cursor c = {};
        uint64_t off = 0;
        long ps;
        int r;

        if (isempty(proc_root) || chunk_frames == 0 || chunk_frames > SIZE_MAX / sizeof(uint64_t) || !ret)
                return -EINVAL;

        ps = sysconf(_SC_PAGESIZE);
        if (ps <= 0)
                return -EIO;
        s.page_size = (uint64_t) ps;

        r = open_proc(proc_root, "kpagecgroup", &cfd);
        if (r < 0)
                return r;
        r = open_proc(proc_root, "kpageflags", &ffd);
        if (r < 0)
                return r;

        cbuf = malloc(chunk_frames * sizeof(uint64_t));
        fbuf = malloc(chunk_frames * sizeof(uint64_t));
        if (!cbuf || !fbuf)
                return -ENOMEM;

        for (;;) {
                size_t nc, nf, n;

                r = read_exact_or_short(cfd, cbuf, chunk_frames * sizeof(uint64_t), off, &nc);
                if (r < 0)
                        return r;
                r = read_exact_or_short(ffd, fbuf, chunk_frames * sizeof(uint64_t), off, &nf);
                if (r < 0)
                        return r;

                /* Both end at the highest frame; should memory be added
                 * between the two reads, the shorter one wins and the next
                 * round goes on from there. */
                n = MIN(nc, nf) / sizeof(uint64_t);
                if (n == 0)
                        break;

                r = scan_chunk(&s, &c, cbuf, fbuf, n);
                if (r < 0)
                        return r;
                s.frames += n;
                off += n * sizeof(uint64_t);
        }

        *ret = s;
        s = (KpageScan){};
        return 0;
}

const KpageCount *kpage_scan_find(const KpageScan *s, uint64_t cgroup_id) {
        size_t lo = 0, hi;

        if (!s)
                return NULL;
        hi = s->n_by_cgroup;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (s->by_cgroup[mid].cgroup_id == cgroup_id)
                        return &s->by_cgroup[mid];
                if (s->by_cgroup[mid].cgroup_id < cgroup_id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

void page_kinds_add(PageKinds *a, const PageKinds *b) {
        a->pages += b->pages;
        a->file += b->file;
        a->file_dirty += b->file_dirty;
        a->file_writeback += b->file_writeback;
        a->file_mapped += b->file_mapped;
        a->shmem += b->shmem;
        a->anon += b->anon;
        a->kernel += b->kernel;
        a->huge += b->huge;
}

void kpage_scan_done(KpageScan *s) {
        if (!s)
                return;
        free(s->by_cgroup);
        *s = (KpageScan){};
}
