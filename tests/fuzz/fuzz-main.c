/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Replays corpus files through a fuzz target, for builds without libFuzzer:
 * every file argument, and every regular file in a directory argument. A
 * crash or abort() in the target fails the test; so does an empty corpus,
 * which would mean the test checks nothing. */

#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>

#include "fileio.h"
#include "fuzz.h"
#include "macro.h"
#include "path.h"

#define FUZZ_INPUT_MAX (16U * 1024U * 1024U)

static int run_file(const char *path) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r;

        r = read_full_file(path, FUZZ_INPUT_MAX, &data, &size);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(-r));
                return r;
        }
        printf("running %s (%zu bytes)\n", path, size);
        fflush(stdout);
        (void) LLVMFuzzerTestOneInput((const uint8_t *) data, size);
        return 0;
}

static int cmp_strp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int run_dir(const char *dir, unsigned *n) {
        _cleanup_closedir_ DIR *d = NULL;
        char **names = NULL;
        size_t n_names = 0;
        struct dirent *de;
        int r = 0;

        d = opendir(dir);
        if (!d) {
                fprintf(stderr, "%s: %m\n", dir);
                return -errno;
        }
        while ((de = readdir(d))) {
                char **nn;

                if (de->d_name[0] == '.')
                        continue;
                nn = realloc(names, (n_names + 1) * sizeof(char *));
                if (!nn)
                        abort();
                names = nn;
                names[n_names] = path_join(dir, de->d_name);
                if (!names[n_names])
                        abort();
                n_names++;
        }

        /* Same order on every machine: failures are reproducible. */
        qsort(names, n_names, sizeof(char *), cmp_strp);
        for (size_t i = 0; i < n_names; i++) {
                struct stat st;

                if (r >= 0 && stat(names[i], &st) >= 0 && S_ISREG(st.st_mode)) {
                        r = run_file(names[i]);
                        (*n)++;
                }
                free(names[i]);
        }
        free(names);
        return r;
}

int main(int argc, char *argv[]) {
        unsigned n = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                int r;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %m\n", argv[i]);
                        return EXIT_FAILURE;
                }
                if (S_ISDIR(st.st_mode))
                        r = run_dir(argv[i], &n);
                else {
                        r = run_file(argv[i]);
                        n++;
                }
                if (r < 0)
                        return EXIT_FAILURE;
        }

        if (n == 0) {
                fprintf(stderr, "No corpus files given.\n");
                return EXIT_FAILURE;
        }
        printf("%u inputs, no crash\n", n);
        return EXIT_SUCCESS;
}
