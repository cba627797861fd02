/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who holds what dead cgroups left behind.
 *
 * /proc/kpagecgroup reports a page charged to a dead memcg as charged to
 * its closest live ancestor. A cgroup with no process of its own (a slice:
 * an entity, system.slice; under cgroup v2 only leaves hold processes, the
 * root aside) is charged nothing directly, so every page that reads as
 * charged to it was left by a dead descendant. Likewise cgroup.stat's
 * nr_dying_descendants (4.14+) of a cgroup minus those of its live children
 * counts the dead cgroups whose closest live ancestor it is, the ones whose
 * pages show up there. A dead cgroup stays dying while anything holds a
 * reference: its pages (page cache, shmem, until 7.1 where LRU pages are
 * moved to the parent at death), swap entries, and on older kernels kernel
 * memory (slab objects moved to the parent since 5.9, other kernel pages
 * since 5.14) and the writeback structures of its inodes (switched to the
 * parent since 5.14). */

#include "cgroupfs.h"
#include "leftovers.h"
#include "macro.h"
#include "reclaim.h"

typedef struct Node {
        char *path;
        uint64_t id;
        size_t parent; /* SIZE_MAX: the root */
        uint64_t dying;
        bool has_procs;
} Node;

typedef struct Collect {
        const KpageScan *scan;
        Node *nodes;
        size_t n, allocated;
        size_t stack[CGROUPFS_WALK_DEPTH_MAX + 1]; /* node index by depth */
} Collect;

static void collect_done(Collect *c) {
        for (size_t i = 0; i < c->n; i++)
                free(c->nodes[i].path);
        free(c->nodes);
}

static int visit(const CgroupFs *fs, const char *path, uint64_t id, unsigned depth, void *userdata) {
        Collect *c = userdata;
        CgroupStat st = {};
        Node *n;
        int r;

        if (c->n >= LEFTOVERS_CGROUPS_MAX)
                return -E2BIG;
        if (c->n == c->allocated) {
                size_t na = MAX(c->allocated * 2, (size_t) 64);
                Node *v = realloc(c->nodes, na * sizeof(Node));

                if (!v)
                        return -ENOMEM;
                c->nodes = v;
                c->allocated = na;
        }

        /* Gone meanwhile, or not a cgroup (a fixture's stray directory):
         * counts as none dying. Below a cgroup with none dying below it,
         * none is: not read (most cgroups, with many entities; under TCG
         * reading it was a third of the walk). */
        if ((depth == 0 || c->nodes[c->stack[depth - 1]].dying > 0) &&
            cgroupfs_read_cgroup_stat(fs, path, &st) < 0)
                st = (CgroupStat){};

        n = &c->nodes[c->n];
        *n = (Node){
                .id = id,
                .parent = depth == 0 ? SIZE_MAX : c->stack[depth - 1],
                .dying = st.nr_dying_descendants,
                /* The root holds the kernel threads. */
                .has_procs = depth == 0,
        };
        n->path = strdup(path);
        if (!n->path)
                return -ENOMEM;

        /* cgroup.procs is read only where it decides something: one read
         * tells whether it lists a process. */
        if (depth > 0 && (st.nr_dying_descendants > 0 || kpage_scan_find(c->scan, id))) {
                r = cgroupfs_is_empty(fs, path);
                n->has_procs = r == 0;
        }

        c->stack[depth] = c->n;
        c->n++;
        return 0;
}

static int cmp_leftover_path(const void *a, const void *b) {
        return strcmp(((const Leftover *) a)->path, ((const Leftover *) b)->path);
}

int leftovers_read(const CgroupFs *fs, const KpageScan *scan, Leftovers *ret) {
        _cleanup_(collect_done) Collect c = { .scan = scan };
        _cleanup_(leftovers_done) Leftovers l = {};
        _cleanup_free_ uint64_t *children_dying = NULL;
        _cleanup_free_ bool *known = NULL;
        int r;

        if (!fs || !scan || !ret)
                return -EINVAL;

        r = cgroupfs_walk(fs, "", visit, &c);
        if (r < 0)
                return r;

        children_dying = calloc(MAX(c.n, (size_t) 1), sizeof(uint64_t));
        l.v = calloc(MAX(c.n, (size_t) 1), sizeof(Leftover));
        if (!children_dying || !l.v)
                return -ENOMEM;
        for (size_t i = 0; i < c.n; i++)
                if (c.nodes[i].parent != SIZE_MAX)
                        children_dying[c.nodes[i].parent] += c.nodes[i].dying;

        l.page_size = scan->page_size;
        l.cgroups = c.n;
        l.dying_total = c.n > 0 ? c.nodes[0].dying : 0;
        l.not_charged = scan->not_charged;
        l.frames = scan->frames;

        for (size_t i = 0; i < c.n; i++) {
                Node *n = &c.nodes[i];
                const KpageCount *e = kpage_scan_find(scan, n->id);
                const PageKinds *k = e ? &e->kinds : NULL;
                /* Counts read one after the other may disagree for a moment. */
                uint64_t own = n->dying > children_dying[i] ? n->dying - children_dying[i] : 0;

                if (k && n->has_procs)
                        page_kinds_add(&l.live, k);
                if (!(k && !n->has_procs) && own == 0)
                        continue;

                l.v[l.n] = (Leftover){
                        .path = TAKE_PTR(n->path),
                        .cgroup_id = n->id,
                        .dying = own,
                        .inner = !n->has_procs,
                };
                if (k && !n->has_procs)
                        l.v[l.n].kinds = *k;
                l.n++;
        }

        /* Pages of ids no directory has. */
        known = calloc(MAX(scan->n_by_cgroup, (size_t) 1), sizeof(bool));
        if (!known)
                return -ENOMEM;
        for (size_t i = 0; i < c.n; i++) {
                const KpageCount *e = kpage_scan_find(scan, c.nodes[i].id);

                if (e)
                        known[e - scan->by_cgroup] = true;
        }
        for (size_t i = 0; i < scan->n_by_cgroup; i++)
                if (!known[i])
                        page_kinds_add(&l.unknown, &scan->by_cgroup[i].kinds);

        /* By path, for leftovers_find(). */
        if (l.n > 1)
                qsort(l.v, l.n, sizeof *l.v, cmp_leftover_path);

        *ret = l;
        l = (Leftovers){};
        return 0;
}

bool leftovers_scan_affordable(uint64_t cpu_usec, uint64_t interval_usec) {
        if (interval_usec == 0)
                return false;
        /* cpu / interval <= max / 1e6, without overflow for any duration. */
        return cpu_usec / 1000 <= interval_usec / 1000000 * LEFTOVERS_CPU_SHARE_MAX_PPM / 1000;
}

static uint64_t sub0(uint64_t a, uint64_t b) {
        return a > b ? a - b : 0;
}

void leftovers_file_from_memstat(const MemStat *slice, const MemStat *live, size_t n_live,
                                 uint64_t *ret_clean, uint64_t *ret_dirty) {
        uint64_t clean = reclaim_file_bytes(slice), dirty = slice->file_dirty + slice->file_writeback;

        for (size_t i = 0; i < n_live; i++) {
                clean = sub0(clean, reclaim_file_bytes(&live[i]));
                dirty = sub0(dirty, live[i].file_dirty + live[i].file_writeback);
        }
        *ret_clean = clean;
        *ret_dirty = dirty;
}

const Leftover *leftovers_find(const Leftovers *l, const char *path) {
        size_t lo = 0, hi;

        if (!l || !path)
                return NULL;
        hi = l->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(l->v[mid].path, path);

                if (c == 0)
                        return &l->v[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

void leftovers_done(Leftovers *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i].path);
        free(l->v);
        *l = (Leftovers){};
}
