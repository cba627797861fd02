/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgctl zombies: dying cgroups and the pages dead cgroups left behind, by
 * the live cgroup that holds them. Local: lib/kpagescan reads every page
 * frame's cgroup and flags (root only), lib/leftovers lays that over the
 * cgroup tree; the daemon, when it answers, only names the entities. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "cgctl.h"
#include "entities.h"
#include "json.h"
#include "kpagescan.h"
#include "leftovers.h"
#include "macro.h"
#include "path.h"
#include "size.h"
#include "table.h"
#include "unitname.h"

/* The JSON vocabulary's version (cgctl(1)). */
#ifndef CGCTL_JSON_SCHEMA
#define CGCTL_JSON_SCHEMA 2
#endif

DEFINE_TRIVIAL_CLEANUP_FUNC(JsonWriter *, json_writer_free);

#define PROC_ROOT "/proc"

#define DENIED_MESSAGE \
        "cgctl: Access denied: zombies requires root (/proc/kpagecgroup and /proc/kpageflags are " \
        "readable by root only).\n"

/* What the text says about dying cgroups that no page holds. */
#define NO_PAGES_NOTE \
        "Dying cgroups marked \"no pages\" are held by no page but by kernel references: per-CPU\n" \
        "charge caches, swap entries, open sockets, the writeback state of inodes they dirtied.\n" \
        "Slab objects stopped pinning dead cgroups in Linux 5.9, other kernel pages in 5.14, and\n" \
        "5.14 moves the writeback of inodes clean at death to the parent. Reclaim cannot free them;\n" \
        "each holds some KiB of kernel memory. See LEFTOVERS in cgctl(1).\n"

typedef struct Row {
        const Leftover *l; /* NULL: an entity with nothing dying or left */
        const char *path;
        const char *service; /* the entity's, or NULL */
} Row;

static uint64_t now_nsec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* With CGCTL_TIMING=1, where the time goes, on standard error: each step
 * since the last, and the peak RSS at the end. */
typedef struct Timing {
        bool on;
        uint64_t last;
} Timing;

static void timing_init(Timing *t) {
        const char *e = getenv("CGCTL_TIMING");

        *t = (Timing){ .on = e && streq(e, "1"), .last = now_nsec() };
}

static void timing_step(Timing *t, const char *what) {
        uint64_t now;

        if (!t->on)
                return;
        now = now_nsec();
        fprintf(stderr, "cgctl: timing: %s %" PRIu64 ".%03" PRIu64 " ms\n", what, (now - t->last) / 1000000,
                (now - t->last) / 1000 % 1000);
        t->last = now;
}

static void timing_end(Timing *t) {
        struct rusage ru;

        if (!t->on)
                return;
        (void) fflush(stdout);
        timing_step(t, "output");
        if (getrusage(RUSAGE_SELF, &ru) >= 0)
                fprintf(stderr, "cgctl: timing: peak RSS %ld KiB\n", ru.ru_maxrss);
}

/* The entities' names, asked of cgpersistd before the scan and read after
 * it: the daemon measures its entities to answer, which in a small guest
 * takes some 10 ms, and does so beside the scan. The call goes out before
 * the scan (the connection's authentication is a round trip first), by the
 * daemon's private socket when it lets us in at once. Quietly none when it
 * does not answer (zombies needs no daemon). */
#define NAMES_TIMEOUT_USEC (5 * UINT64_C(1000000))
/* What the scan may be held up to send the call: a busy daemon is asked
 * by the system bus instead, or answers after the scan. */
#define NAMES_SEND_USEC (200 * UINT64_C(1000))

typedef struct Names {
        sd_bus *bus;
        sd_bus_slot *slot;
        sd_bus_message *reply;
        bool done;
} Names;

static void names_done(Names *n) {
        sd_bus_slot_unref(n->slot);
        sd_bus_message_unref(n->reply);
        sd_bus_flush_close_unref(n->bus);
        *n = (Names){};
}

static int names_on_reply(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Names *n = userdata;

        n->done = true;
        if (!sd_bus_message_is_method_error(m, NULL))
                n->reply = sd_bus_message_ref(m);
        return 0;
}

/* Runs the connection until the reply came, or pred(n) holds (pred may be
 * NULL), or the deadline passed; false once the connection failed. */
static bool names_run(Names *n, uint64_t deadline_usec, bool (*pred)(Names *n)) {
        while (!n->done && !(pred && pred(n))) {
                uint64_t now = now_nsec() / 1000;
                int r;

                if (now >= deadline_usec)
                        return true;
                r = sd_bus_process(n->bus, NULL);
                if (r < 0)
                        return false;
                if (r > 0)
                        continue;
                if (sd_bus_wait(n->bus, deadline_usec - now) < 0)
                        return false;
        }
        return true;
}

static bool names_sent(Names *n) {
        uint64_t queued = 1;

        return sd_bus_is_ready(n->bus) > 0 && sd_bus_get_n_queued_write(n->bus, &queued) >= 0 && queued == 0;
}

static void names_ask(Names *n) {
        if (cgctl_connect_quiet(&n->bus, NAMES_SEND_USEC) < 0 ||
            sd_bus_call_method_async(n->bus, &n->slot, "org.cgpersist1", "/org/cgpersist1",
                                     "org.cgpersist1.Manager", "ListEntityColumns", names_on_reply, n,
                                     NULL) < 0 ||
            !names_run(n, now_nsec() / 1000 + NAMES_SEND_USEC, names_sent))
                n->done = true;
}

static void names_get(Names *n, EntityColumns *ret) {
        (void) names_run(n, now_nsec() / 1000 + NAMES_TIMEOUT_USEC, NULL);
        if (n->reply && entity_columns_from_reply(n->reply, ret) < 0)
                *ret = (EntityColumns){};
}

/* A cgroup's unit: the last component, when it names one. */
static bool has_suffix(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && streq(s + a - b, suffix);
}

static const char *unit_of(const char *path) {
        const char *b = strrchr(path, '/');

        if (isempty(path))
                return "-.slice";
        b = b ? b + 1 : path;
        if (has_suffix(b, ".slice") || has_suffix(b, ".service") || has_suffix(b, ".scope"))
                return b;
        return path;
}

static void json_kinds(JsonWriter *w, const PageKinds *k, uint64_t ps) {
        json_begin_object(w);
        json_key(w, "bytes");
        json_u64(w, k->pages * ps);
        json_key(w, "file");
        json_u64(w, k->file * ps);
        json_key(w, "file_dirty");
        json_u64(w, k->file_dirty * ps);
        json_key(w, "file_writeback");
        json_u64(w, k->file_writeback * ps);
        json_key(w, "file_mapped");
        json_u64(w, k->file_mapped * ps);
        json_key(w, "shmem");
        json_u64(w, k->shmem * ps);
        json_key(w, "anon");
        json_u64(w, k->anon * ps);
        json_key(w, "kernel");
        json_u64(w, k->kernel * ps);
        json_key(w, "huge");
        json_u64(w, k->huge * ps);
        json_end_object(w);
}

static int print_json(const Args *a, const Leftovers *l, const Row *rows, size_t n, uint64_t elapsed_usec) {
        _cleanup_(json_writer_freep) JsonWriter *w = NULL;
        int r;

        r = cgctl_json_new(a, &w);
        if (r != 0)
                return r;
        json_key(w, "page_size");
        json_u64(w, l->page_size);
        json_key(w, "frames");
        json_u64(w, l->frames);
        json_key(w, "scan_usec");
        json_u64(w, elapsed_usec);
        json_key(w, "cgroups");
        json_u64(w, l->cgroups);
        json_key(w, "dying_total");
        json_u64(w, l->dying_total);
        json_key(w, "cgroups_holding");
        json_begin_array(w);
        for (size_t i = 0; i < n; i++) {
                const Leftover *x = rows[i].l;
                PageKinds none = {};

                json_begin_object(w);
                json_key(w, "cgroup");
                json_string(w, isempty(rows[i].path) ? "/" : rows[i].path);
                json_key(w, "unit");
                json_string(w, unit_of(rows[i].path));
                json_key(w, "service");
                json_string(w, rows[i].service);
                json_key(w, "cgroup_id");
                if (x)
                        json_u64(w, x->cgroup_id);
                else
                        json_null(w);
                json_key(w, "dying");
                json_u64(w, x ? x->dying : 0);
                /* null: the cgroup has processes, its pages are theirs. */
                json_key(w, "left");
                if (x && !x->inner)
                        json_null(w);
                else
                        json_kinds(w, x ? &x->kinds : &none, l->page_size);
                json_key(w, "pinned_by_pages");
                json_bool(w, x && x->inner && x->kinds.pages > 0);
                json_end_object(w);
        }
        json_end_array(w);
        json_key(w, "live");
        json_kinds(w, &l->live, l->page_size);
        json_key(w, "unknown_cgroups");
        json_kinds(w, &l->unknown, l->page_size);
        json_key(w, "not_charged_frames");
        json_u64(w, l->not_charged);
        return cgctl_finish_json(a, w);
}

static const char *fmt_pages(char buf[static CGCTL_FMT_MAX], const Leftover *x, uint64_t pages,
                             uint64_t ps) {
        if (x && !x->inner)
                return "-";
        return format_bytes(buf, CGCTL_FMT_MAX, pages * ps);
}

static int print_text(const Leftovers *l, const Row *rows, size_t n, uint64_t elapsed_usec) {
        static const char *const headers[] = { "UNIT",   "SERVICE", "DYING", "LEFT",   "FILE", "DIRTY",
                                               "MAPPED", "SHMEM",   "ANON",  "KERNEL", "HUGE", "PINNED BY" };
        _cleanup_(table_freep) Table *t = table_new(ELEMENTSOF(headers), headers);
        char b[4][FORMAT_BYTES_MAX];
        uint64_t ps = l->page_size, left = 0, unpinned = 0;
        bool note = false;
        int r;

        if (!t)
                return -ENOMEM;
        for (size_t i = 2; i < ELEMENTSOF(headers) - 1; i++)
                table_set_right(t, i);

        for (size_t i = 0; i < n; i++) {
                const Leftover *x = rows[i].l;
                const PageKinds *k = x ? &x->kinds : &(PageKinds){};
                char c[10][CGCTL_FMT_MAX];
                const char *pinned = "-";

                if (x && x->inner && k->pages > 0)
                        pinned = "pages";
                else if (x && x->inner && x->dying > 0) {
                        pinned = "no pages";
                        note = true;
                        unpinned += x->dying;
                } else if (x && !x->inner)
                        pinned = "(has processes)";
                if (x && x->inner)
                        left += k->pages;

                snprintf(c[0], sizeof c[0], "%" PRIu64, x ? x->dying : 0);
                const char *cells[] = {
                        unit_of(rows[i].path),
                        rows[i].service,
                        c[0],
                        fmt_pages(c[1], x, k->pages, ps),
                        fmt_pages(c[2], x, k->file, ps),
                        fmt_pages(c[3], x, k->file_dirty + k->file_writeback, ps),
                        fmt_pages(c[4], x, k->file_mapped, ps),
                        fmt_pages(c[5], x, k->shmem, ps),
                        fmt_pages(c[6], x, k->anon, ps),
                        fmt_pages(c[7], x, k->kernel, ps),
                        fmt_pages(c[8], x, k->huge, ps),
                        pinned,
                };
                r = table_add_row(t, cells);
                if (r < 0)
                        return r;
        }

        printf("Scanned %" PRIu64 " page frames (%s) in %" PRIu64 ".%02" PRIu64 " s; %" PRIu64
               " live cgroup%s, %" PRIu64 " dying.\n",
               l->frames, format_bytes(b[0], sizeof b[0], l->frames * ps), elapsed_usec / 1000000,
               elapsed_usec / 10000 % 100, l->cgroups, l->cgroups == 1 ? "" : "s", l->dying_total);
        printf("Left behind by dead cgroups: %s; charged to live cgroups with processes: %s; to cgroups "
               "not found (gone since, or not in the cgroup v2 tree): %s.\n",
               format_bytes(b[1], sizeof b[1], left * ps),
               format_bytes(b[2], sizeof b[2], l->live.pages * ps),
               format_bytes(b[3], sizeof b[3], l->unknown.pages * ps));
        if (table_rows(t) == 0) {
                printf("No dying cgroups and nothing left behind.\n");
                return 0;
        }
        putchar('\n');
        r = table_print(t, stdout, terminal_width());
        if (r < 0)
                return r;
        if (note) {
                printf("\n%" PRIu64 " dying cgroup%s pinned by no page.\n", unpinned,
                       unpinned == 1 ? "" : "s");
                fputs(NO_PAGES_NOTE, stdout);
        }
        return 0;
}

static int cmp_row(const void *a, const void *b) {
        return strcmp(((const Row *) a)->path, ((const Row *) b)->path);
}

int cmd_zombies(sd_bus *bus, const Args *a) {
        _cleanup_(kpage_scan_done) KpageScan scan = {};
        _cleanup_(leftovers_done) Leftovers l = {};
        _cleanup_(cgroupfs_freep) CgroupFs *fs = NULL;
        _cleanup_(entity_columns_done) EntityColumns ec = {};
        _cleanup_(names_done) Names names = {};
        _cleanup_free_ Row *rows = NULL;
        _cleanup_free_ char **paths = NULL;
        size_t n = 0;
        uint64_t t0, elapsed;
        Timing tm;
        int r;

        (void) bus;

        timing_init(&tm);
        r = cgctl_check_kpage_access(DENIED_MESSAGE);
        if (r != 0)
                return r;
        r = cgctl_open_cgroupfs(&fs);
        if (r != 0)
                return r;
        timing_step(&tm, "access check");

        names_ask(&names);
        timing_step(&tm, "names asked");
        t0 = now_nsec();
        r = kpage_scan(PROC_ROOT, KPAGE_SCAN_CHUNK_FRAMES, &scan);
        elapsed = (now_nsec() - t0) / 1000;
        if (r == -EACCES || r == -EPERM) {
                fputs(DENIED_MESSAGE, stderr);
                return CGCTL_EXIT_DENIED;
        }
        if (r < 0) {
                fprintf(stderr, "cgctl: Failed to read " PROC_ROOT "/kpagecgroup and kpageflags: %s\n",
                        strerror(-r));
                return CGCTL_EXIT_FAILURE;
        }
        timing_step(&tm, "scan");
        r = leftovers_read(fs, &scan, &l);
        if (r < 0) {
                fprintf(stderr, "cgctl: Failed to walk %s: %s\n", cgroupfs_root(fs), strerror(-r));
                return CGCTL_EXIT_FAILURE;
        }

        timing_step(&tm, "cgroup walk");
        names_get(&names, &ec);
        timing_step(&tm, "names read");

        rows = calloc(l.n + ec.n + 1, sizeof(Row));
        paths = calloc(ec.n + 1, sizeof(char *));
        if (!rows || !paths)
                goto oom;
        for (size_t i = 0; i < l.n; i++)
                rows[n++] = (Row){ .l = &l.v[i], .path = l.v[i].path };
        for (size_t i = 0; i < ec.n; i++) {
                const Leftover *x;

                if (!ec.slice[i])
                        continue;
                r = slice_cgroup_path(ec.slice[i], &paths[i]);
                if (r == -ENOMEM)
                        goto oom;
                if (r < 0)
                        continue;
                x = leftovers_find(&l, paths[i]);
                if (x) {
                        /* Row k is still l.v[k] here. */
                        rows[x - l.v].service = ec.service[i];
                        continue;
                }
                rows[n++] = (Row){ .path = paths[i], .service = ec.service[i] };
        }
        qsort(rows, n, sizeof(Row), cmp_row);
        timing_step(&tm, "rows");

        if (a->json)
                r = print_json(a, &l, rows, n, elapsed);
        else {
                r = print_text(&l, rows, n, elapsed);
                if (r < 0)
                        goto oom;
        }
        timing_end(&tm);
        for (size_t i = 0; i < ec.n; i++)
                free(paths[i]);
        return r;

oom:
        if (paths)
                for (size_t i = 0; i < ec.n; i++)
                        free(paths[i]);
        fprintf(stderr, "cgctl: %s\n", strerror(ENOMEM));
        return CGCTL_EXIT_FAILURE;
}
