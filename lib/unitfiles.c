/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
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

typedef struct Entry {
        char *name;
        unsigned prio; /* index into unit_dirs */
        bool masked;
} Entry;

typedef struct EntryList {
        Entry *items;
        size_t n, allocated;
} EntryList;

static int entry_add(EntryList *l, const char *name, unsigned prio, bool masked) {
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

static int scan_dir(const char *dir, unsigned prio, EntryList *l) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        d = opendir(dir);
        if (!d)
                return errno == ENOENT || errno == ENOTDIR ? 0 : negative_errno();
        while ((de = readdir(d))) {
                int masked;

                if (de->d_type != DT_REG && de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
                        continue;
                /* Hidden files are skipped by systemd (editors' and
                 * package managers' temporaries). */
                if (de->d_name[0] == '.' || !unit_name_is_valid_service(de->d_name))
                        continue;
                masked = file_masked(dirfd(d), de->d_name, de->d_type);
                if (masked < 0)
                        continue; /* systemd skips these too */
                if (entry_add(l, de->d_name, prio, masked) < 0)
                        return -ENOMEM;
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

void unit_files_done(UnitFiles *u) {
        if (!u)
                return;
        for (size_t i = 0; i < u->n; i++)
                free(u->items[i].name);
        free(u->items);
        *u = (UnitFiles){};
}

int unit_files_scan(const char *root, UnitFiles *ret) {
        EntryList l = {};
        size_t k = 0;
        int r = 0;

        *ret = (UnitFiles){};
        for (unsigned i = 0; i < ELEMENTSOF(unit_dirs); i++) {
                _cleanup_free_ char *dir = path_join(root, unit_dirs[i]);
                int q;

                q = dir ? scan_dir(dir, i, &l) : -ENOMEM;
                if (q == -ENOMEM) {
                        r = q;
                        break;
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

        UnitFile *items = k > 0 ? calloc(k, sizeof *items) : NULL;
        if (k > 0 && !items) {
                for (size_t i = 0; i < k; i++)
                        free(l.items[i].name);
                free(l.items);
                return -ENOMEM;
        }
        for (size_t i = 0; i < k; i++)
                items[i] = (UnitFile){ .name = l.items[i].name, .masked = l.items[i].masked };
        free(l.items);
        *ret = (UnitFiles){ .items = items, .n = k };
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

bool unit_files_exist(const UnitFiles *u, const char *name) {
        _cleanup_free_ char *template = NULL;
        const UnitFile *f = unit_files_find(u, name);

        if (f)
                return !f->masked;
        if (!unit_name_is_instance(name) || unit_name_template_of(name, &template) < 0)
                return false;
        f = unit_files_find(u, template);
        return f && !f->masked;
}
