/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "macro.h"
#include "path.h"
#include "unitfiles.h"
#include "unitname.h"

/* The system manager's search path, highest priority first, as systemd
 * 252..257 build it (lookup_paths_init() for the system scope). */
/* clang-format off */
static const char *const unit_dirs[] = {
        "etc/systemd/system.control",
        "run/systemd/system.control",
        "run/systemd/transient",
        "run/systemd/generator.early",
        "etc/systemd/system",
        "etc/systemd/system.attached",
        "run/systemd/system",
        "run/systemd/system.attached",
        "run/systemd/generator",
        "usr/local/lib/systemd/system",
        "usr/lib/systemd/system",
        "lib/systemd/system",
        "run/systemd/generator.late",
};
/* clang-format on */

/* Where transient units are written (unit_dirs[2]). */
#define TRANSIENT_DIR 2

const char *const *unit_files_dirs(size_t *ret_n) {
        *ret_n = ELEMENTSOF(unit_dirs);
        return unit_dirs;
}

typedef struct Entry {
        char *name;
        unsigned prio; /* index into unit_dirs */
        bool masked;
} Entry;

typedef struct EntryList {
        Entry *items;
        size_t n, allocated;
        char **wanted;
        size_t n_wanted, allocated_wanted;
} EntryList;

/* Bounds what one scan keeps: a unit directory with more names than this
 * is not one systemd could load either. */
#define UNIT_FILES_MAX 65536

static int entry_add(EntryList *l, const char *name, unsigned prio, bool masked) {
        if (l->n >= UNIT_FILES_MAX)
                return -E2BIG;
        if (l->n == l->allocated) {
                size_t a = MAX(l->allocated * 2, (size_t) 64);
                Entry *x = realloc(l->items, a * sizeof *x);
                if (!x)
                        return -ENOMEM;
                l->items = x;
                l->allocated = a;
        }
        l->items[l->n].name = strdup(name);
        if (!l->items[l->n].name)
                return -ENOMEM;
        l->items[l->n].prio = prio;
        l->items[l->n].masked = masked;
        l->n++;
        return 0;
}

/* Masked as systemd sees it: a symlink to /dev/null, or a file that is
 * empty or the null device. Returns 1 masked, 0 a unit file, -errno for
 * what is no unit file at all (dangling link, directory). */
static int file_masked(int dfd, const char *name, unsigned char type) {
        struct stat st;

        if (type == DT_LNK || type == DT_UNKNOWN) {
                char target[sizeof "/dev/null"];
                ssize_t k = readlinkat(dfd, name, target, sizeof target);
                if (k == (ssize_t) sizeof target - 1 && memcmp(target, "/dev/null", k) == 0)
                        return 1;
        }
        if (fstatat(dfd, name, &st, 0) < 0)
                return negative_errno();
        if (S_ISCHR(st.st_mode))
                return 1;
        if (!S_ISREG(st.st_mode))
                return -EISDIR;
        return st.st_size == 0;
}

static int wanted_add(EntryList *l, const char *name) {
        if (l->n_wanted >= UNIT_FILES_MAX)
                return -E2BIG;
        if (l->n_wanted == l->allocated_wanted) {
                size_t a = MAX(l->allocated_wanted * 2, (size_t) 32);
                char **x = realloc(l->wanted, a * sizeof *x);
                if (!x)
                        return -ENOMEM;
                l->wanted = x;
                l->allocated_wanted = a;
        }
        l->wanted[l->n_wanted] = strdup(name);
        if (!l->wanted[l->n_wanted])
                return -ENOMEM;
        l->n_wanted++;
        return 0;
}

static bool has_suffix(const char *s, const char *suffix) {
        size_t n = strlen(s), k = strlen(suffix);

        return n > k && streq(s + n - k, suffix);
}

static bool is_wants_dir(const char *name) {
        return has_suffix(name, ".wants") || has_suffix(name, ".requires") || has_suffix(name, ".upholds");
}

/* The services linked from one .wants/ (.requires/, .upholds/) directory:
 * what "systemctl enable" made, and what units ship as static wants. */
static int scan_wants(int dfd, const char *name, EntryList *l) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return 0;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return 0;
        }
        while ((de = readdir(d))) {
                int r;

                if (de->d_name[0] == '.' || !unit_name_is_valid_service(de->d_name))
                        continue;
                r = wanted_add(l, de->d_name);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int scan_dir(const char *dir, unsigned prio, EntryList *l) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        d = opendir(dir);
        if (!d)
                return errno == ENOENT || errno == ENOTDIR ? 0 : negative_errno();
        while ((de = readdir(d))) {
                int masked, r;

                if ((de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) && is_wants_dir(de->d_name)) {
                        r = scan_wants(dirfd(d), de->d_name, l);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (de->d_type != DT_REG && de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
                        continue;
                /* Hidden files are skipped by systemd (editors' and
                 * package managers' temporaries). */
                if (de->d_name[0] == '.' || !unit_name_is_valid_service(de->d_name))
                        continue;
                masked = file_masked(dirfd(d), de->d_name, de->d_type);
                if (masked < 0)
                        continue; /* systemd skips these too */
                r = entry_add(l, de->d_name, prio, masked);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int entry_cmp(const void *a, const void *b) {
        const Entry *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        if (c != 0)
                return c;
        return x->prio < y->prio ? -1 : x->prio > y->prio;
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

void unit_files_done(UnitFiles *u) {
        if (!u)
                return;
        for (size_t i = 0; i < u->n; i++)
                free(u->items[i].name);
        free(u->items);
        for (size_t i = 0; i < u->n_wanted; i++)
                free(u->wanted[i]);
        free(u->wanted);
        free(u->root);
        *u = (UnitFiles){};
}

static void entry_list_done(EntryList *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].name);
        free(l->items);
        for (size_t i = 0; i < l->n_wanted; i++)
                free(l->wanted[i]);
        free(l->wanted);
        *l = (EntryList){};
}

/* Sorted, one of each name. */
static size_t wanted_uniq(char **w, size_t n) {
        size_t k = 0;

        if (n > 0)
                qsort(w, n, sizeof *w, strcmp_ptr);
        for (size_t i = 0; i < n; i++) {
                if (k > 0 && streq(w[k - 1], w[i])) {
                        free(w[i]);
                        continue;
                }
                w[k++] = w[i];
        }
        return k;
}

int unit_files_scan(const char *root, UnitFiles *ret) {
        EntryList l = {};
        UnitFile *items = NULL;
        char *root_copy = NULL;
        size_t k = 0;
        int r = 0;

        *ret = (UnitFiles){};
        if (!root)
                return -EINVAL;
        for (unsigned i = 0; i < ELEMENTSOF(unit_dirs); i++) {
                _cleanup_free_ char *dir = path_join(root, unit_dirs[i]);
                int q;

                q = dir ? scan_dir(dir, i, &l) : -ENOMEM;
                if (q == -ENOMEM) {
                        entry_list_done(&l);
                        return q;
                }
                if (q < 0 && r >= 0)
                        r = q;
        }
        if (l.n > 0)
                qsort(l.items, l.n, sizeof *l.items, entry_cmp);

        /* Keep the first of each name: the directory that wins. */
        for (size_t i = 0; i < l.n; i++) {
                if (k > 0 && streq(l.items[k - 1].name, l.items[i].name)) {
                        free(l.items[i].name);
                        continue;
                }
                l.items[k++] = l.items[i];
        }
        l.n = k;

        items = k > 0 ? calloc(k, sizeof *items) : NULL;
        root_copy = strdup(root);
        if ((k > 0 && !items) || !root_copy) {
                free(items);
                free(root_copy);
                entry_list_done(&l);
                return -ENOMEM;
        }
        for (size_t i = 0; i < k; i++)
                items[i] = (UnitFile){ .name = l.items[i].name,
                                       .dir = l.items[i].prio,
                                       .masked = l.items[i].masked };
        free(l.items);
        *ret = (UnitFiles){
                .root = root_copy,
                .items = items,
                .n = k,
                .wanted = l.wanted,
                .n_wanted = wanted_uniq(l.wanted, l.n_wanted),
        };
        return r;
}

static int unit_file_cmp_key(const void *key, const void *item) {
        return strcmp(key, ((const UnitFile *) item)->name);
}

const UnitFile *unit_files_find(const UnitFiles *u, const char *name) {
        if (!u || u->n == 0 || !name)
                return NULL;
        return bsearch(name, u->items, u->n, sizeof *u->items, unit_file_cmp_key);
}

const UnitFile *unit_files_source(const UnitFiles *u, const char *name) {
        _cleanup_free_ char *template = NULL;
        const UnitFile *f = unit_files_find(u, name);

        if (f)
                return f->masked ? NULL : f;
        if (!unit_name_is_instance(name) || unit_name_template_of(name, &template) < 0)
                return NULL;
        f = unit_files_find(u, template);
        return f && !f->masked ? f : NULL;
}

bool unit_files_exist(const UnitFiles *u, const char *name) {
        return unit_files_source(u, name) != NULL;
}

bool unit_files_is_transient(const UnitFiles *u, const char *name) {
        const UnitFile *f = unit_files_source(u, name);

        return f && f->dir == TRANSIENT_DIR;
}

static int wanted_cmp_key(const void *key, const void *item) {
        return strcmp(key, *(char *const *) item);
}

bool unit_files_is_wanted(const UnitFiles *u, const char *name) {
        size_t lo = 0, hi, len;

        if (!u || !name || u->n_wanted == 0)
                return false;
        if (bsearch(name, u->wanted, u->n_wanted, sizeof *u->wanted, wanted_cmp_key))
                return true;
        if (!unit_name_is_template(name))
                return false;
        /* An instance of the template: "foo@" + anything + ".service". The
         * list is sorted, so they follow the first name with the prefix. */
        len = strcspn(name, "@") + 1;
        hi = u->n_wanted;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strncmp(u->wanted[mid], name, len) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t i = lo; i < u->n_wanted && strneq(u->wanted[i], name, len); i++)
                if (unit_name_is_instance(u->wanted[i]))
                        return true;
        return false;
}
