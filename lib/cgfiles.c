/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kept-open cgroup files (see cgfiles.h).
 *
 * Kernel behaviour this relies on (cgroup v2 on kernfs, every version cgpersist
 * supports): a pread() at offset 0 of a seq_file-backed cgroup file renders
 * the value afresh, so one open file serves any number of reads; and once a
 * cgroup is removed, kernfs deactivates its files, after which a read of a
 * file opened earlier fails with ENODEV. An open cgroup file pins only its
 * kernfs node, not the cgroup or its memcg: keeping files of a stopped
 * instance open does not make it a zombie, but they are closed at the next
 * sweep anyway.
 *
 * Why a plain pread() here and not libcgroup (bench/cgfile-read, 20000 reads
 * of a memcg file, host kernel 6.18): a one-number file costs 0.44 us by
 * pread() of the kept-open fd, 3.6 us by open+read+close, 4.6 us through
 * cgroup_read_value_*(); memory.stat 2.4 / 5.1 / 9.4 us. These files are
 * read every few seconds for every entity, so the kept-open fd stays.
 *
 * The table is open addressing with linear probing, keyed by cgpath and file
 * name; it only grows between sweeps, and a sweep that removed entries
 * rebuilds it from those read in the pass. */

#include <fcntl.h>

#include "cgfiles.h"
#include "cgwatch.h"
#include "macro.h"

/* cgroup.stat grows a line per controller on 6.12+; memory.current is one
 * number. A file that fills the buffer is read the ordinary way. */
#define CGFILES_BUF 4096

typedef struct Entry {
        char *key; /* cgpath "\0" file; NULL: free slot */
        size_t cgpath_len;
        int fd; /* -EBADF when not kept open */
        unsigned pass; /* of the last read */
        /* cgroup.stat only: */
        bool watched; /* cgroups removed below are seen (cgwatch) */
        /* The counts of the last read (cgfiles_read_dying()), at last_usec,
         * while nothing says they changed since; gen: c->gen then. */
        bool have_last;
        unsigned gen;
        uint64_t last_usec, last_dying, last_dying_memcgs;
        /* cgfiles_dying_settled() on this cgroup as a parent: its counts at
         * the last snapshot; removed_below: a cgroup was removed below since. */
        bool have_snapshot, removed_below;
        uint64_t snapshot_dying, snapshot_dying_memcgs;
} Entry;

struct CgroupFiles {
        const CgroupFs *fs;
        Entry *entries;
        size_t n_slots; /* a power of two, or 0 */
        size_t n_entries, n_open;
        size_t max_open;
        unsigned pass;
        unsigned gen; /* of the dying counts: a new one when a parent's changed */
        CgroupWatch *watch; /* NULL: not watching */
};

int cgfiles_new(const CgroupFs *fs, size_t max_open, CgroupFiles **ret) {
        CgroupFiles *c;

        if (!fs || !ret)
                return -EINVAL;
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->fs = fs;
        c->max_open = max_open;
        *ret = c;
        return 0;
}

static void entry_close(CgroupFiles *c, Entry *e) {
        if (e->fd >= 0) {
                close(e->fd);
                c->n_open--;
        }
        e->fd = -EBADF;
}

CgroupFiles *cgfiles_free(CgroupFiles *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_slots; i++)
                if (c->entries[i].key) {
                        entry_close(c, &c->entries[i]);
                        free(c->entries[i].key);
                }
        free(c->entries);
        cgwatch_free(c->watch);
        free(c);
        return NULL;
}

size_t cgfiles_n_open(const CgroupFiles *c) {
        return c ? c->n_open : 0;
}

static size_t hash(const char *cgpath, const char *file) {
        /* FNV-1a over cgpath, a separator, file. */
        uint64_t h = UINT64_C(14695981039346656037);

        for (const char *p = cgpath; *p; p++)
                h = (h ^ (unsigned char) *p) * UINT64_C(1099511628211);
        h = (h ^ 0) * UINT64_C(1099511628211);
        for (const char *p = file; *p; p++)
                h = (h ^ (unsigned char) *p) * UINT64_C(1099511628211);
        return (size_t) h;
}

static bool entry_is(const Entry *e, const char *cgpath, size_t cgpath_len, const char *file) {
        return e->cgpath_len == cgpath_len && memcmp(e->key, cgpath, cgpath_len) == 0 &&
                streq(e->key + cgpath_len + 1, file);
}

/* Places e (moved) into a table with a free slot for it. */
static void place(Entry *slots, size_t n_slots, Entry *e) {
        size_t i = hash(e->key, e->key + e->cgpath_len + 1) & (n_slots - 1);

        while (slots[i].key)
                i = (i + 1) & (n_slots - 1);
        slots[i] = *e;
}

static int resize(CgroupFiles *c, size_t n_slots) {
        Entry *slots = calloc(n_slots, sizeof *slots);

        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_slots; i++)
                if (c->entries[i].key)
                        place(slots, n_slots, &c->entries[i]);
        free(c->entries);
        c->entries = slots;
        c->n_slots = n_slots;
        return 0;
}

/* Nothing known of the dying counts of e any more; watched: whether its
 * tree is. */
static void entry_forget_dying(Entry *e, bool watched) {
        e->watched = watched;
        e->have_last = false;
        e->have_snapshot = false;
}

/* The entry of cgpath/file, or NULL. */
static Entry *find(CgroupFiles *c, const char *cgpath, const char *file) {
        size_t cgpath_len = strlen(cgpath);

        if (c->n_slots == 0)
                return NULL;
        for (size_t i = hash(cgpath, file) & (c->n_slots - 1); c->entries[i].key;
             i = (i + 1) & (c->n_slots - 1))
                if (entry_is(&c->entries[i], cgpath, cgpath_len, file))
                        return &c->entries[i];
        return NULL;
}

/* The entry of cgpath/file, added when missing; NULL when the table may not
 * grow (bounded: entries that are not kept open still take memory) or on
 * ENOMEM, and the caller reads without it. */
static Entry *lookup(CgroupFiles *c, const char *cgpath, const char *file) {
        size_t cgpath_len = strlen(cgpath), file_len = strlen(file), i;
        Entry *e = find(c, cgpath, file);

        if (e)
                return e;
        if (c->n_entries >= 2 * c->max_open + 64)
                return NULL;
        /* At most half full, so that probes stay short. */
        if ((c->n_entries + 1) * 2 > c->n_slots && resize(c, MAX(c->n_slots * 2, (size_t) 64)) < 0)
                return NULL;

        i = hash(cgpath, file) & (c->n_slots - 1);
        while (c->entries[i].key)
                i = (i + 1) & (c->n_slots - 1);
        e = &c->entries[i];
        e->key = malloc(cgpath_len + 1 + file_len + 1);
        if (!e->key)
                return NULL;
        memcpy(e->key, cgpath, cgpath_len + 1);
        memcpy(e->key + cgpath_len + 1, file, file_len + 1);
        e->cgpath_len = cgpath_len;
        e->fd = -EBADF;
        c->n_entries++;
        return e;
}

static ssize_t pread_retry(int fd, char *buf, size_t size) {
        ssize_t n;

        do
                n = pread(fd, buf, size, 0);
        while (n < 0 && errno == EINTR);
        return n;
}

/* Reads cgpath/file into buf (NUL-terminated). 1: read; 0: the file does not
 * fit, read it the ordinary way; <0: error (-ENOENT: no such cgroup or file). */
static int read_text(CgroupFiles *c, const char *cgpath, const char *file, char buf[static CGFILES_BUF]) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        Entry *e;
        ssize_t n;
        int r;

        e = lookup(c, cgpath, file);
        if (e) {
                e->pass = c->pass;
                if (e->fd >= 0) {
                        n = pread_retry(e->fd, buf, CGFILES_BUF);
                        if (n >= 0 && n < CGFILES_BUF) {
                                buf[n] = 0;
                                return 1;
                        }
                        /* ENODEV: the cgroup was removed since; it may
                         * exist again under the same path. Look afresh,
                         * and watch the new one (the kernel says the old
                         * one's watch is gone too; this does not rely on
                         * that). */
                        entry_close(c, e);
                        if (e->watched) {
                                cgwatch_remove(c->watch, e->key);
                                entry_forget_dying(e, false);
                        }
                }
        }

        r = cgroupfs_path(c->fs, cgpath, file, &path);
        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        n = pread_retry(fd, buf, CGFILES_BUF);
        if (n < 0)
                return negative_errno();
        if (n >= CGFILES_BUF)
                return 0;
        buf[n] = 0;
        if (e && c->n_open < c->max_open) {
                e->fd = TAKE_FD(fd);
                c->n_open++;
        }
        return 1;
}

int cgfiles_read_u64(CgroupFiles *c, const char *cgpath, const char *file, uint64_t *ret) {
        char buf[CGFILES_BUF];
        int r;

        if (!c || !cgpath || !ret || isempty(file))
                return -EINVAL;
        r = read_text(c, cgpath, file, buf);
        if (r < 0)
                return r;
        if (r == 0)
                return cgroupfs_read_u64(c->fs, cgpath, file, ret);
        return cgroupfs_parse_u64(buf, ret);
}

int cgfiles_read_cgroup_stat(CgroupFiles *c, const char *cgpath, CgroupStat *ret) {
        char buf[CGFILES_BUF];
        int r;

        if (!c || !cgpath || !ret)
                return -EINVAL;
        r = read_text(c, cgpath, "cgroup.stat", buf);
        if (r < 0)
                return r;
        if (r == 0)
                return cgroupfs_read_cgroup_stat(c->fs, cgpath, ret);
        return cgroupfs_parse_cgroup_stat(buf, ret);
}

/* The entry of cgpath's cgroup.stat, watched if watching is on. */
static Entry *lookup_watched(CgroupFiles *c, const char *cgpath) {
        Entry *e = lookup(c, cgpath, "cgroup.stat");

        if (e && c->watch && !e->watched && cgwatch_add(c->watch, cgpath) >= 0)
                /* Watched from now on: what came before, a read tells. */
                entry_forget_dying(e, true);
        return e;
}

/* Every removal below e's cgroup is seen: watched, and no Delegate=yes
 * unit's cgroup below it has cgroups of its own (lib/cgwatch.c). */
static bool entry_complete(const CgroupFiles *c, const Entry *e) {
        return e->watched && cgwatch_complete(c->watch, e->key);
}

int cgfiles_read_dying(CgroupFiles *c, const char *cgpath, uint64_t now_usec, uint64_t max_age_usec,
                       bool settled, CgroupStat *ret) {
        CgroupStat st;
        Entry *e;
        int r;

        if (!c || !cgpath || !ret)
                return -EINVAL;
        e = lookup_watched(c, cgpath);
        if (e && e->have_last) {
                bool complete = entry_complete(c, e);
                CgroupStat last = {
                        .nr_descendants = UINT64_MAX,
                        .nr_dying_descendants = e->last_dying,
                        .nr_dying_subsys_memory = e->last_dying_memcgs,
                };
                /* None stays none until a removal below; some stays as it
                 * was while the parent says nothing was freed. */
                bool reuse = cgroup_stat_none_dying(&last)
                        ? complete || (now_usec >= e->last_usec && now_usec - e->last_usec < max_age_usec)
                        : settled && complete && e->gen == c->gen;

                if (reuse) {
                        e->pass = c->pass;
                        *ret = last;
                        return 0;
                }
        }
        r = cgfiles_read_cgroup_stat(c, cgpath, &st);
        /* The read found the same entry (it exists: nothing was added, the
         * table did not move). */
        if (e) {
                e->have_last = r >= 0;
                e->gen = c->gen;
                e->last_usec = now_usec;
                e->last_dying = r >= 0 ? st.nr_dying_descendants : 0;
                e->last_dying_memcgs = r >= 0 ? st.nr_dying_subsys_memory : 0;
        }
        if (r < 0)
                return r;
        *ret = st;
        return 0;
}

int cgfiles_dying_settled(CgroupFiles *c, const char *parent, CgroupStat *ret, bool *ret_settled) {
        CgroupStat st;
        Entry *e;
        bool settled;
        int r;

        if (!c || !parent || !ret || !ret_settled)
                return -EINVAL;
        e = lookup_watched(c, parent);
        r = cgfiles_read_cgroup_stat(c, parent, &st);
        if (r < 0)
                return r;
        /* A removal before that read has its event queued by now. */
        (void) cgfiles_process_watch(c);
        settled = e && entry_complete(c, e) && e->have_snapshot && !e->removed_below &&
                e->snapshot_dying == st.nr_dying_descendants &&
                e->snapshot_dying_memcgs == st.nr_dying_subsys_memory;
        if (!settled) {
                /* Counts below may have fallen: every value read before now
                 * is old. */
                c->gen++;
                if (e) {
                        e->have_snapshot = e->watched;
                        e->removed_below = false;
                        e->snapshot_dying = st.nr_dying_descendants;
                        e->snapshot_dying_memcgs = st.nr_dying_subsys_memory;
                }
        }
        *ret = st;
        *ret_settled = settled;
        return 0;
}

void cgfiles_expire(CgroupFiles *c, const char *cgpath) {
        Entry *e;

        if (!c || !cgpath)
                return;
        e = find(c, cgpath, "cgroup.stat");
        if (e)
                e->have_last = false;
}

static void on_watch(const char *root, bool gone, void *userdata) {
        CgroupFiles *c = userdata;
        Entry *e;

        if (!root) {
                /* Events were lost: nothing is watched any more. */
                for (size_t i = 0; i < c->n_slots; i++)
                        entry_forget_dying(&c->entries[i], false);
                return;
        }
        e = find(c, root, "cgroup.stat");
        if (!e)
                return;
        if (gone)
                entry_forget_dying(e, false);
        else {
                e->have_last = false;
                e->removed_below = true;
        }
}

int cgfiles_watch(CgroupFiles *c, size_t max_watches) {
        int r;

        if (!c)
                return -EINVAL;
        if (!c->watch) {
                r = cgwatch_new(c->fs, max_watches, &c->watch);
                if (r < 0)
                        return r;
        }
        return cgwatch_fd(c->watch);
}

int cgfiles_process_watch(CgroupFiles *c) {
        if (!c || !c->watch)
                return 0;
        return cgwatch_process(c->watch, on_watch, c);
}

size_t cgfiles_n_watched(const CgroupFiles *c) {
        return c ? cgwatch_n_watches(c->watch) : 0;
}

void cgfiles_pass_begin(CgroupFiles *c) {
        if (!c)
                return;
        c->pass++;
        (void) cgfiles_process_watch(c);
}

void cgfiles_sweep(CgroupFiles *c) {
        size_t kept = 0, removed = 0;

        if (!c || c->n_slots == 0)
                return;
        for (size_t i = 0; i < c->n_slots; i++) {
                Entry *e = &c->entries[i];

                if (!e->key)
                        continue;
                if (e->pass == c->pass) {
                        kept++;
                        continue;
                }
                entry_close(c, e);
                if (e->watched)
                        cgwatch_remove(c->watch, e->key);
                free(e->key);
                *e = (Entry){};
                c->n_entries--;
                removed++;
        }
        /* Nothing removed (the usual pass: the same entities as the last
         * one): the table stands as it is. */
        if (removed == 0)
                return;
        /* Removing from a probed table leaves holes in probe chains: put
         * the survivors in a fresh table (also shrinking it). */
        size_t n_slots = 64;
        while (n_slots < kept * 2)
                n_slots *= 2;
        if (resize(c, n_slots) < 0) {
                /* Out of memory: rather forget everything than keep a
                 * table whose lookups may miss. */
                for (size_t i = 0; i < c->n_slots; i++)
                        if (c->entries[i].key) {
                                entry_close(c, &c->entries[i]);
                                free(c->entries[i].key);
                                c->entries[i] = (Entry){};
                        }
                c->n_entries = 0;
        }
}
