/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fileio.h"
#include "lastgood.h"
#include "macro.h"
#include "path.h"

int lastgood_render(const Config *c, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fputs("# cgpersist: last good configuration, written by cgpersistd. Do not edit.\n", f);
        for (size_t i = 0; i < c->n_files; i++) {
                _cleanup_free_ char *text = NULL;
                int r;

                /* c->files are the paths config_load() read, root included. */
                r = read_full_file(c->files[i], 1 << 20, &text, NULL);
                if (r < 0) {
                        fclose(f);
                        return r;
                }
                fprintf(f, "\n# from %s\n%s%s", c->files[i], text,
                        *text && text[strlen(text) - 1] != '\n' ? "\n" : "");
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

int lastgood_save(const char *text, const char *const *dirs) {
        int ret = 0;

        for (const char *const *d = dirs; *d; d++) {
                _cleanup_free_ char *p = path_join(*d, LASTGOOD_FILE);
                int r;

                if (!p)
                        return -ENOMEM;
                r = mkdir_p(*d, 0755);
                if (r >= 0)
                        r = write_file_atomic(p, text, strlen(text), 0644);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

int lastgood_load(const char *const *dirs, Config **ret, char **ret_path) {
        for (const char *const *d = dirs; *d; d++) {
                _cleanup_free_ char *p = path_join(*d, LASTGOOD_FILE), *text = NULL;
                Config *c = NULL;
                int r;

                if (!p)
                        return -ENOMEM;
                r = read_full_file(p, 4 << 20, &text, NULL);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                r = config_parse_string(text, p, &c, NULL);
                if (r < 0)
                        continue; /* a damaged snapshot: try the next copy */
                if (ret_path)
                        *ret_path = TAKE_PTR(p);
                *ret = c;
                return 0;
        }
        return -ENOENT;
}
