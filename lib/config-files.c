/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgpersist.conf(5): which files make the configuration, in systemd's
 * *.conf.d order, and reading them (bounded, regular files only). */
#include <sys/stat.h>

#include "config-private.h"
#include "fileio.h"
#include "path.h"

/* systemd's order for *.conf.d: the administrator's /etc over the runtime
 * /run over the vendor's /usr/lib. */
enum {
        DROPIN_PRIO_VENDOR,
        DROPIN_PRIO_RUNTIME,
        DROPIN_PRIO_ADMIN,
};

static const struct {
        const char *dir; /* below the root */
        int prio;
} dropin_dirs[] = {
        { "etc/cgpersist/conf.d", DROPIN_PRIO_ADMIN },
        { "run/cgpersist/conf.d", DROPIN_PRIO_RUNTIME },
        { "usr/lib/cgpersist/conf.d", DROPIN_PRIO_VENDOR },
};

typedef struct DropinFile {
        char *name;
        char *path;
        int prio; /* DROPIN_PRIO_*: of files with the same name, the highest wins */
} DropinFile;

static void dropin_files_free(DropinFile *f, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(f[i].name);
                free(f[i].path);
        }
        free(f);
}

static int dropin_file_cmp(const void *a, const void *b) {
        const DropinFile *x = a, *y = b;
        int r = strcmp(x->name, y->name);

        if (r != 0)
                return r;
        return (x->prio > y->prio) - (x->prio < y->prio);
}

static bool name_is_conf(const char *name) {
        size_t l = strlen(name);

        /* Hidden files are editor and package manager leftovers
         * (".#foo.conf", ".foo.conf.dpkg-new" would not end in .conf, but a
         * temp file may). */
        return name[0] != '.' && l > 5 && streq(name + l - 5, ".conf");
}

static int collect_dropins(const char *dir, int prio, DropinFile **files, size_t *n_files,
                           ConfigDiags *diags) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        d = opendir(dir);
        if (!d) {
                int r = negative_errno();

                if (r == -ENOENT)
                        return 0;
                if (diag_add(diags, DIAG_ERROR, dir, 0, "Failed to open directory: %s", strerror(-r)) < 0)
                        return -ENOMEM;
                return r;
        }

        while ((errno = 0, de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *name = NULL;
                DropinFile *n;
                struct stat st;

                if (!name_is_conf(de->d_name))
                        continue;

                path = path_join(dir, de->d_name);
                if (!path)
                        return -ENOMEM;

                if (!filename_is_safe(de->d_name)) {
                        _cleanup_free_ char *shown = escape_for_message(de->d_name, strlen(de->d_name));
                        if (diag_add(diags, DIAG_WARNING, dir, 0, "Ignoring file with unsafe name \"%s\"",
                                     strna(shown)) < 0)
                                return -ENOMEM;
                        continue;
                }

                /* Follow symlinks: a link to /dev/null masks a file of the
                 * same name, as in systemd's directories. */
                if (stat(path, &st) < 0) {
                        if (errno == ENOENT) /* dangling link, or gone */
                                continue;
                        return negative_errno();
                }
                if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
                        if (diag_add(diags, DIAG_WARNING, path, 0, "Not a regular file, ignoring") < 0)
                                return -ENOMEM;
                        continue;
                }

                name = strdup(de->d_name);
                if (!name)
                        return -ENOMEM;
                n = realloc(*files, (*n_files + 1) * sizeof(DropinFile));
                if (!n)
                        return -ENOMEM;
                *files = n;
                n[(*n_files)++] = (DropinFile){
                        .name = TAKE_PTR(name),
                        .path = TAKE_PTR(path),
                        .prio = prio,
                };
        }
        if (errno != 0)
                return negative_errno();

        return 0;
}

/* A file that is gone is no error, unless it was named (required). */
static int load_file(Config *c, const char *path, bool required, ConfigDiags *diags) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = read_full_file(path, CONFIG_FILE_MAX, &text, &size);
        if (r == -ENOENT && !required)
                return 0;
        if (r == -EFBIG) {
                if (diag_add(diags, DIAG_ERROR, path, 0, "File larger than %u bytes",
                             (unsigned) CONFIG_FILE_MAX) < 0)
                        return -ENOMEM;
                return 0;
        }
        if (r < 0) {
                if (diag_add(diags, DIAG_ERROR, path, 0, "Failed to read: %s", strerror(-r)) < 0)
                        return -ENOMEM;
                return required ? 0 : r;
        }

        r = parse_text(c, text, size, path, diags);
        if (r < 0)
                return r;
        return config_add_file(c, path);
}

int config_load(const char *root, Config **ret, ConfigDiags *diags) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *main_path = NULL;
        ConfigDiags local = {};
        ConfigDiags *d = diags ?: &local;
        DropinFile *files = NULL;
        size_t n_files = 0, errors_before = d->n_errors;
        int r;

        if (isempty(root))
                root = "/";

        c = config_new();
        main_path = path_join(root, "etc/cgpersist/cgpersist.conf");
        if (!c || !main_path) {
                r = -ENOMEM;
                goto finish;
        }

        r = load_file(c, main_path, false, d);
        if (r < 0)
                goto finish;

        for (size_t i = 0; i < ELEMENTSOF(dropin_dirs); i++) {
                _cleanup_free_ char *dir = path_join(root, dropin_dirs[i].dir);

                if (!dir) {
                        r = -ENOMEM;
                        goto finish;
                }
                r = collect_dropins(dir, dropin_dirs[i].prio, &files, &n_files, d);
                if (r < 0)
                        goto finish;
        }

        /* One order across the directories, by file name; of the files with
         * one name, the one of the highest priority sorts last and is the
         * one read. */
        if (n_files > 0)
                qsort(files, n_files, sizeof(DropinFile), dropin_file_cmp);
        for (size_t i = 0; i < n_files; i++) {
                if (i + 1 < n_files && streq(files[i].name, files[i + 1].name))
                        continue;
                r = load_file(c, files[i].path, false, d);
                if (r < 0)
                        goto finish;
        }

        r = d->n_errors > errors_before ? -EINVAL : 0;

finish:
        dropin_files_free(files, n_files);
        config_diags_clear(&local);
        if (r < 0)
                return r;
        if (ret)
                *ret = TAKE_PTR(c);
        return 0;
}

int config_load_files(char *const *paths, size_t n, Config **ret, ConfigDiags *diags) {
        _cleanup_(config_freep) Config *c = NULL;
        ConfigDiags local = {};
        ConfigDiags *d = diags ?: &local;
        size_t errors_before = d->n_errors;
        int r = 0;

        c = config_new();
        if (!c)
                return -ENOMEM;
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = load_file(c, paths[i], true, d);
        if (r >= 0 && d->n_errors > errors_before)
                r = -EINVAL;
        config_diags_clear(&local);
        if (r < 0)
                return r;
        if (ret)
                *ret = TAKE_PTR(c);
        return 0;
}
