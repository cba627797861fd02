/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgctl charges PATH...: whom the resident pages of files are charged to.
 * Local, no daemon: lib/pagecharge reads mincore(), /proc/self/pagemap and
 * /proc/kpagecgroup, which only root can read; one walk of the cgroup tree
 * (lib/cgroupfs, through libcgroup) turns the ids into cgroup paths. */

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cgctl.h"
#include "cgroupfs.h"
#include "json.h"
#include "macro.h"
#include "pagecharge.h"
#include "path.h"
#include "size.h"
#include "table.h"

#define PROC_ROOT "/proc"

/* Bounded, so a hostile tree (a deep chain of directories) cannot exhaust
 * file descriptors; real trees are far shallower. */
#define WALK_DEPTH_MAX 256

#define DENIED_MESSAGE \
        "cgctl: Access denied: charges requires root (page frame numbers in /proc/self/pagemap need " \
        "CAP_SYS_ADMIN, and /proc/kpagecgroup is readable by root only).\n"

typedef struct CgroupName {
        uint64_t id;
        char *path; /* relative to the cgroup root, "" for the root */
        int dead; /* --dead: 1 holds only what dead cgroups left, 0 not, -1 not known yet */
} CgroupName;

/* --dead: a file with pages left to dead cgroups, kept to be shown sorted. */
typedef struct DeadFile {
        char *path;
        uint64_t size;
        uint64_t dead; /* pages */
        PageCharges pc;
} DeadFile;

typedef struct Totals {
        uint64_t files, pages, resident, unmapped, bytes;
        ChargeTally by_cgroup;
} Totals;

typedef struct Charges {
        const Args *args;
        CgroupFs *fs;
        CgroupName *names; /* every cgroup, by one walk at the first id */
        size_t n_names, allocated;
        int walked_names; /* 0 not yet, 1 done, negative errno: failed */
        Totals totals;
        JsonWriter *json;
        bool denied;
        bool failed;
        bool printed; /* text: a file was printed, separate the next one */
        bool walked; /* an operand was a directory */
        DeadFile *dead;
        size_t n_dead, dead_allocated;
} Charges;

static void charges_done(Charges *c) {
        cgroupfs_free(c->fs);
        for (size_t i = 0; i < c->n_names; i++)
                free(c->names[i].path);
        free(c->names);
        charge_tally_done(&c->totals.by_cgroup);
        json_writer_free(c->json);
        for (size_t i = 0; i < c->n_dead; i++) {
                free(c->dead[i].path);
                pagecharges_done(&c->dead[i].pc);
        }
        free(c->dead);
}

static int add_name(const CgroupFs *fs, const char *path, uint64_t id, unsigned depth, void *userdata) {
        Charges *c = userdata;
        char *p;

        (void) fs;
        (void) depth;
        if (c->n_names == c->allocated) {
                size_t na = MAX(c->allocated * 2, (size_t) 64);
                CgroupName *n = realloc(c->names, na * sizeof(CgroupName));

                if (!n)
                        return -ENOMEM;
                c->names = n;
                c->allocated = na;
        }
        p = strdup(path);
        if (!p)
                return -ENOMEM;
        c->names[c->n_names++] = (CgroupName){ .id = id, .path = p, .dead = -1 };
        return 0;
}

/* The cgroup of an id, from one walk of the tree at the first call. NULL
 * when no cgroup has it (gone since the page was read, created since the
 * walk, or the walk failed). */
static CgroupName *cgroup_find(Charges *c, uint64_t id) {
        if (c->walked_names == 0) {
                c->walked_names = c->fs ? cgroupfs_walk(c->fs, "", add_name, c) : -ENXIO;
                if (c->walked_names == 0)
                        c->walked_names = 1;
        }
        for (size_t i = 0; i < c->n_names; i++)
                if (c->names[i].id == id)
                        return &c->names[i];
        return NULL;
}

static const char *cgroup_name(Charges *c, uint64_t id) {
        CgroupName *n = cgroup_find(c, id);

        return n ? n->path : NULL;
}

/* Whether the pages charged to id were left by dead cgroups: the closest
 * live ancestor of a dead cgroup, which /proc/kpagecgroup reports for its
 * pages, is a cgroup with no process of its own (a slice: an entity,
 * system.slice). The root cgroup holds kernel threads and counts as live;
 * an id no cgroup has (removed since the read, or of a cgroup v1 hierarchy)
 * is not claimed either. See "cgctl zombies". */
static bool cgroup_is_dead(Charges *c, uint64_t id) {
        CgroupName *n;

        if (id == 0)
                return false;
        n = cgroup_find(c, id);
        if (!n || isempty(n->path))
                return false;
        if (n->dead < 0)
                /* Empty, or unreadable because it is gone meanwhile (its
                 * processes with it): dead. */
                n->dead = cgroupfs_is_empty(c->fs, n->path) != 0;
        return n->dead;
}

static uint64_t dead_pages(Charges *c, const PageCharges *pc) {
        uint64_t d = 0;

        for (size_t i = 0; i < pc->n_by_cgroup; i++)
                if (cgroup_is_dead(c, pc->by_cgroup[i].cgroup_id))
                        d += pc->by_cgroup[i].pages;
        return d;
}

static const char *cgroup_label(char buf[static CGCTL_FMT_MAX], Charges *c, uint64_t id) {
        const char *p;

        if (id == 0)
                return "(not charged)";
        p = cgroup_name(c, id);
        if (!p) {
                /* Gone since, or not in the cgroup v2 tree (a cgroup v1
                 * memory hierarchy): the id at least tells the rows apart. */
                snprintf(buf, CGCTL_FMT_MAX, "(unknown) id %" PRIu64, id);
                return buf;
        }
        return isempty(p) ? "/" : p;
}

static void json_charges(Charges *c, const PageCharge *by, size_t n, uint64_t unmapped, uint64_t page_size) {
        JsonWriter *w = c->json;

        json_key(w, "charges");
        json_begin_array(w);
        for (size_t i = 0; i < n; i++) {
                const char *p = by[i].cgroup_id != 0 ? cgroup_name(c, by[i].cgroup_id) : NULL;

                json_begin_object(w);
                json_key(w, "cgroup_id");
                json_u64(w, by[i].cgroup_id);
                if (p) {
                        json_key(w, "cgroup");
                        json_string(w, isempty(p) ? "/" : p);
                }
                json_key(w, "pages");
                json_u64(w, by[i].pages);
                json_key(w, "bytes");
                json_u64(w, by[i].pages * page_size);
                json_end_object(w);
        }
        json_end_array(w);
        json_key(w, "unmapped");
        json_u64(w, unmapped);
}

static const char *fmt_percent(char buf[static CGCTL_FMT_MAX], uint64_t part, uint64_t whole) {
        if (whole == 0)
                return "-";
        snprintf(buf, CGCTL_FMT_MAX, "%.1f%%", (double) part * 100.0 / (double) whole);
        return buf;
}

static int print_table(Charges *c, const PageCharge *by, size_t n, uint64_t unmapped, uint64_t resident,
                       uint64_t page_size) {
        static const char *const headers[] = { "CGROUP", "PAGES", "BYTES", "RESIDENT" };
        _cleanup_(table_freep) Table *t = table_new(ELEMENTSOF(headers), headers);
        int r;

        if (!t)
                return -ENOMEM;
        for (size_t i = 1; i < ELEMENTSOF(headers); i++)
                table_set_right(t, i);

        for (size_t i = 0; i <= n; i++) {
                char pages[CGCTL_FMT_MAX], bytes[CGCTL_FMT_MAX], pct[CGCTL_FMT_MAX], label[CGCTL_FMT_MAX];
                uint64_t k = i < n ? by[i].pages : unmapped;

                /* The last row: pages resident at mincore() but evicted before
                 * their frame was read; only when there are any. */
                if (i == n && unmapped == 0)
                        break;

                snprintf(pages, sizeof pages, "%" PRIu64, k);
                const char *cells[] = {
                        i < n ? cgroup_label(label, c, by[i].cgroup_id) : "(evicted meanwhile)",
                        pages,
                        format_bytes(bytes, sizeof bytes, k * page_size),
                        fmt_percent(pct, k, resident),
                };
                r = table_add_row(t, cells);
                if (r < 0)
                        return r;
        }
        if (table_rows(t) == 0)
                return 0;
        return table_print(t, stdout, terminal_width());
}

/* File names are anyone's: control characters (an escape sequence, a
 * newline that fakes a line of output) are shown as \xNN. */
static void print_path(const char *path) {
        for (const unsigned char *p = (const unsigned char *) path; *p; p++)
                if (*p < 0x20 || *p == 0x7f || *p == '\\')
                        printf("\\x%02x", *p);
                else
                        putchar(*p);
}

/* operand: named on the command line; files found below a directory are
 * listed in text only when they have resident pages (all count in the
 * totals), or a walk of a big tree would be mostly "0 of N". */
static int emit_file(Charges *c, const char *path, uint64_t size, const PageCharges *pc, bool operand,
                     uint64_t dead);

static int report_file(Charges *c, const char *path, uint64_t size, PageCharges *pc, bool operand) {
        Totals *t = &c->totals;
        int r;

        t->files++;
        t->pages += pc->file_pages;
        t->resident += pc->resident;
        t->unmapped += pc->unmapped;
        t->bytes += pc->resident * pc->page_size;
        for (size_t i = 0; i < pc->n_by_cgroup; i++) {
                r = charge_tally_add(&t->by_cgroup, pc->by_cgroup[i].cgroup_id, pc->by_cgroup[i].pages);
                if (r < 0)
                        return r;
        }

        if (c->args->dead) {
                uint64_t d = dead_pages(c, pc);
                DeadFile *f;

                if (d == 0)
                        return 0;
                if (c->n_dead == c->dead_allocated) {
                        size_t na = MAX(c->dead_allocated * 2, (size_t) 16);
                        DeadFile *v = realloc(c->dead, na * sizeof(DeadFile));

                        if (!v)
                                return -ENOMEM;
                        c->dead = v;
                        c->dead_allocated = na;
                }
                f = &c->dead[c->n_dead];
                *f = (DeadFile){ .path = strdup(path), .size = size, .dead = d, .pc = *pc };
                if (!f->path)
                        return -ENOMEM;
                *pc = (PageCharges){}; /* taken over */
                c->n_dead++;
                return 0;
        }
        return emit_file(c, path, size, pc, operand, UINT64_MAX);
}

/* dead: pages left to dead cgroups, UINT64_MAX when not asked. */
static int emit_file(Charges *c, const char *path, uint64_t size, const PageCharges *pc, bool operand,
                     uint64_t dead) {
        char b1[FORMAT_BYTES_MAX], b2[FORMAT_BYTES_MAX];

        if (c->json) {
                JsonWriter *w = c->json;

                json_begin_object(w);
                json_key(w, "path");
                json_string(w, path);
                json_key(w, "size");
                json_u64(w, size);
                json_key(w, "page_size");
                json_u64(w, pc->page_size);
                json_key(w, "pages");
                json_u64(w, pc->file_pages);
                json_key(w, "resident");
                json_u64(w, pc->resident);
                if (dead != UINT64_MAX) {
                        json_key(w, "dead_pages");
                        json_u64(w, dead);
                        json_key(w, "dead_bytes");
                        json_u64(w, dead * pc->page_size);
                }
                json_charges(c, pc->by_cgroup, pc->n_by_cgroup, pc->unmapped, pc->page_size);
                json_end_object(w);
                return 0;
        }

        if (!operand && pc->resident == 0)
                return 0;
        if (c->printed)
                putchar('\n');
        print_path(path);
        printf(": %" PRIu64 " of %" PRIu64 " pages resident (%s of %s)", pc->resident, pc->file_pages,
               format_bytes(b1, sizeof b1, pc->resident * pc->page_size), format_bytes(b2, sizeof b2, size));
        if (dead != UINT64_MAX)
                printf(", %s left by dead cgroups", format_bytes(b1, sizeof b1, dead * pc->page_size));
        putchar('\n');
        c->printed = true;
        return print_table(c, pc->by_cgroup, pc->n_by_cgroup, pc->unmapped, pc->resident, pc->page_size);
}

/* One regular file, opened relative to dfd. Failures are printed and set
 * c->failed, or c->denied when only root could tell; returns -ENOMEM only,
 * which ends everything. */
static int cmp_dead(const void *a, const void *b) {
        const DeadFile *x = a, *y = b;

        if (x->dead != y->dead)
                return x->dead > y->dead ? -1 : 1;
        return strcmp(x->path, y->path);
}

/* --dead: the files kept, most pages left to dead cgroups first. */
static int emit_dead(Charges *c) {
        int r;

        if (c->n_dead > 1)
                qsort(c->dead, c->n_dead, sizeof(DeadFile), cmp_dead);
        for (size_t i = 0; i < c->n_dead; i++) {
                r = emit_file(c, c->dead[i].path, c->dead[i].size, &c->dead[i].pc, true, c->dead[i].dead);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int charge_file(Charges *c, int dfd, const char *name, const char *path) {
        _cleanup_(pagecharges_done) PageCharges pc = {};
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        /* O_NONBLOCK: a FIFO swapped in since the check must not block us. */
        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0) {
                fprintf(stderr, "cgctl: Failed to open %s: %s\n", path, strerror(errno));
                c->failed = true;
                return 0;
        }
        if (fstat(fd, &st) < 0) {
                fprintf(stderr, "cgctl: Failed to stat %s: %s\n", path, strerror(errno));
                c->failed = true;
                return 0;
        }
        if (!S_ISREG(st.st_mode)) {
                fprintf(stderr, "cgctl: %s: not a regular file or directory.\n", path);
                c->failed = true;
                return 0;
        }

        r = pagecharge_fd(fd, PROC_ROOT, &pc);
        /* Frames that read as 0 without CAP_SYS_ADMIN: only root can tell.
         * (check_access() has opened kpagecgroup already, so an -EACCES
         * here is this file's own: a file system that refuses mmap().) */
        if (r >= 0 && pc.unknown > 0) {
                c->denied = true;
                return 0;
        }
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                fprintf(stderr, "cgctl: Failed to read the page charges of %s: %s\n", path, strerror(-r));
                c->failed = true;
                return 0;
        }

        return report_file(c, path, (uint64_t) st.st_size, &pc, dfd == AT_FDCWD);
}

/* Every regular file below the directory dfd (path: how to name it), in
 * name order, not following symlinks nor crossing into other mounts. */
static int charge_dir(Charges *c, int dfd, const char *path, dev_t dev, unsigned depth) {
        struct dirent **names = NULL;
        int n, r = 0;

        if (depth > WALK_DEPTH_MAX) {
                fprintf(stderr, "cgctl: %s: more than %d directories deep, not descending.\n", path,
                        WALK_DEPTH_MAX);
                c->failed = true;
                return 0;
        }

        n = scandirat(dfd, ".", &names, NULL, alphasort);
        if (n < 0) {
                r = negative_errno();
                fprintf(stderr, "cgctl: Failed to list %s: %s\n", path, strerror(-r));
                c->failed = true;
                return 0;
        }

        for (int i = 0; i < n && !c->denied; i++) {
                _cleanup_free_ char *child = NULL;
                const char *name = names[i]->d_name;
                struct stat st;
                int q;

                if (streq(name, ".") || streq(name, ".."))
                        continue;
                child = path_join(path, name);
                if (!child) {
                        r = -ENOMEM;
                        break;
                }
                if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue; /* gone meanwhile */

                if (S_ISREG(st.st_mode)) {
                        q = charge_file(c, dfd, name, child);
                        if (q < 0) {
                                r = q;
                                break;
                        }
                } else if (S_ISDIR(st.st_mode) && st.st_dev == dev) {
                        int cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        struct stat cst;

                        if (cfd < 0) {
                                fprintf(stderr, "cgctl: Failed to open %s: %s\n", child, strerror(errno));
                                c->failed = true;
                                continue;
                        }
                        /* Swapped since fstatat() for a mount point: not ours. */
                        if (fstat(cfd, &cst) < 0 || cst.st_dev != dev) {
                                close(cfd);
                                continue;
                        }
                        q = charge_dir(c, cfd, child, dev, depth + 1);
                        close(cfd);
                        if (q < 0) {
                                r = q;
                                break;
                        }
                }
                /* Symlinks, devices, FIFOs, sockets and other mounts: not
                 * this file system's pages, or not pages at all. */
        }

        for (int i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return r;
}

static int charge_operand(Charges *c, const char *path) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        if (stat(path, &st) < 0) {
                r = negative_errno();
                fprintf(stderr, "cgctl: Failed to stat %s: %s\n", path, strerror(-r));
                c->failed = true;
                return 0;
        }
        if (S_ISREG(st.st_mode)) {
                /* The operand was named: follow it if it is a symlink. */
                _cleanup_free_ char *real = realpath(path, NULL);

                return charge_file(c, AT_FDCWD, real ?: path, path);
        }
        if (!S_ISDIR(st.st_mode)) {
                fprintf(stderr, "cgctl: %s: not a regular file or directory.\n", path);
                c->failed = true;
                return 0;
        }

        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                r = negative_errno();
                fprintf(stderr, "cgctl: Failed to open %s: %s\n", path, strerror(-r));
                c->failed = true;
                return 0;
        }
        c->walked = true;
        return charge_dir(c, fd, path, st.st_dev, 0);
}

/* Before any work: without read access to kpagecgroup nothing can be told,
 * and mincore() would even undercount residency for files we do not own.
 * zombies asks the same. */
int cgctl_check_kpage_access(const char *denied_message) {
        _cleanup_close_ int fd = open(PROC_ROOT "/kpagecgroup", O_RDONLY | O_CLOEXEC);

        if (fd >= 0)
                return 0;
        if (errno == EACCES || errno == EPERM) {
                fputs(denied_message, stderr);
                return CGCTL_EXIT_DENIED;
        }
        if (errno == ENOENT) {
                fprintf(stderr,
                        "cgctl: This kernel has no " PROC_ROOT "/kpagecgroup (it needs "
                        "CONFIG_MEMCG and CONFIG_PROC_PAGE_MONITOR).\n");
                return CGCTL_EXIT_FAILURE;
        }
        fprintf(stderr, "cgctl: Failed to open " PROC_ROOT "/kpagecgroup: %s\n", strerror(errno));
        return CGCTL_EXIT_FAILURE;
}

int cgctl_open_cgroupfs(CgroupFs **ret) {
        int r;

        /* libcgroup's mount table, once: cgctl is one thread. */
        r = cgroupfs_library_init();
        if (r >= 0)
                r = cgroupfs_new(NULL, ret);
        if (r >= 0)
                return 0;
        fprintf(stderr, "cgctl: Failed to find the cgroup v2 tree: %s\n", cgroupfs_strerror(r));
        return CGCTL_EXIT_FAILURE;
}

int cmd_charges(sd_bus *bus, const Args *a) {
        _cleanup_(charges_done) Charges c = { .args = a };
        Totals *t = &c.totals;
        int r;

        (void) bus;

        r = cgctl_check_kpage_access(DENIED_MESSAGE);
        if (r != 0)
                return r;
        r = cgctl_open_cgroupfs(&c.fs);
        if (r != 0)
                return r;

        if (a->json) {
                r = cgctl_json_new(a, &c.json);
                if (r != 0)
                        return r;
                json_key(c.json, "files");
                json_begin_array(c.json);
        }

        for (size_t i = 0; i < a->n_names && !c.denied; i++) {
                r = charge_operand(&c, a->names[i]);
                if (r < 0)
                        goto oom;
        }

        if (c.denied) {
                fputs(DENIED_MESSAGE, stderr);
                return CGCTL_EXIT_DENIED;
        }
        r = emit_dead(&c);
        if (r < 0)
                goto oom;

        charge_tally_sort_by_pages(&t->by_cgroup);

        if (c.json) {
                uint64_t page_size = (uint64_t) sysconf(_SC_PAGESIZE);

                json_end_array(c.json);
                json_key(c.json, "total");
                json_begin_object(c.json);
                json_key(c.json, "files");
                json_u64(c.json, t->files);
                json_key(c.json, "pages");
                json_u64(c.json, t->pages);
                json_key(c.json, "resident");
                json_u64(c.json, t->resident);
                json_charges(&c, t->by_cgroup.v, t->by_cgroup.n, t->unmapped, page_size);
                json_end_object(c.json);
                r = cgctl_finish_json(a, c.json);
                if (r != 0)
                        return r;
        } else if (t->files > 1 || (t->files == 1 && c.walked)) {
                char b[FORMAT_BYTES_MAX];
                uint64_t page_size = (uint64_t) sysconf(_SC_PAGESIZE);

                printf("\nTotal: %" PRIu64 " file%s, %" PRIu64 " of %" PRIu64 " pages resident (%s)\n",
                       t->files, t->files == 1 ? "" : "s", t->resident, t->pages,
                       format_bytes(b, sizeof b, t->bytes));
                r = print_table(&c, t->by_cgroup.v, t->by_cgroup.n, t->unmapped, t->resident, page_size);
                if (r < 0)
                        goto oom;
        } else if (t->files == 0 && !c.failed)
                printf("No regular files.\n");
        if (!c.json && a->dead && c.n_dead == 0 && t->files > 0)
                printf("No file has pages left by dead cgroups.\n");

        return c.failed ? CGCTL_EXIT_FAILURE : CGCTL_EXIT_OK;

oom:
        fprintf(stderr, "cgctl: %s\n", strerror(-r));
        return CGCTL_EXIT_FAILURE;
}
