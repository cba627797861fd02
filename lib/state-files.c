/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The state file on disk: read, saved atomically, a corrupt one set aside. */

#include <fcntl.h>
#include <inttypes.h>

#include "fileio.h"
#include "macro.h"
#include "path.h"
#include "state-private.h"
#include "timeutil.h"

#define STATE_FILE "state"
/* The same text, written after it: what is left when the first is damaged. */
#define STATE_COPY STATE_FILE ".copy"
#define STATE_FILE_MAX (64U * 1024U * 1024U)

/* ---- files ------------------------------------------------------------ */

static int set_aside_corrupt(const char *dir, const char *path) {
        uint64_t usec = now_usec(CLOCK_REALTIME);
        int r = -EEXIST;

        /* Never replace an earlier corrupt copy: it may be the interesting
         * one. Two in the same microsecond only happen in tests. */
        for (unsigned attempt = 0; attempt < 16 && r == -EEXIST; attempt++, usec++) {
                _cleanup_free_ char *name = NULL, *dest = NULL;

                if (asprintf(&name, STATE_FILE ".corrupt-%" PRIu64, usec) < 0) {
                        name = NULL;
                        return -ENOMEM;
                }
                dest = path_join(dir, name);
                if (!dest)
                        return -ENOMEM;

                if (renameat2(AT_FDCWD, path, AT_FDCWD, dest, RENAME_NOREPLACE) >= 0)
                        return 0;
                r = negative_errno();
                if (r == -EINVAL || r == -ENOSYS) {
                        /* File system without RENAME_NOREPLACE. */
                        if (access(dest, F_OK) >= 0) {
                                r = -EEXIST;
                                continue;
                        }
                        return rename(path, dest) < 0 ? negative_errno() : 0;
                }
        }

        return r;
}

int state_load(const char *dir, State **ret, unsigned *ret_line) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_(state_freep) State *s = NULL;
        unsigned line = 0;
        int r;

        if (isempty(dir) || !ret)
                return -EINVAL;

        path = path_join(dir, STATE_FILE);
        if (!path)
                return -ENOMEM;

        r = read_full_file(path, STATE_FILE_MAX, &text, NULL);
        if (r == -ENOENT) {
                s = state_new();
                if (!s)
                        return -ENOMEM;
                *ret = TAKE_PTR(s);
                return 0;
        }
        if (r == -EFBIG)
                /* Nothing we wrote grows that big: treat it as corrupt. */
                r = -EBADMSG;
        else if (r < 0)
                return r;
        else
                r = state_parse(text, &s, &line);

        if (r == -EBADMSG) {
                _cleanup_free_ char *copy = NULL, *copy_text = NULL;
                State *empty, *saved = NULL;

                /* Keep the evidence. If even the rename fails the next save
                 * replaces the file; the caller logs either way. */
                (void) set_aside_corrupt(dir, path);
                if (ret_line)
                        *ret_line = line;

                /* The copy written after it, if it is whole. */
                copy = path_join(dir, STATE_COPY);
                if (!copy)
                        return -ENOMEM;
                if (read_full_file(copy, STATE_FILE_MAX, &copy_text, NULL) >= 0 &&
                    state_parse(copy_text, &saved, NULL) >= 0) {
                        *ret = saved;
                        return 1;
                }

                /* Start afresh. */
                empty = state_new();
                if (!empty)
                        return -ENOMEM;
                *ret = empty;
                return -EBADMSG;
        }
        if (r < 0) {
                if (r == -EPROTONOSUPPORT && ret_line)
                        *ret_line = line;
                return r;
        }

        *ret = TAKE_PTR(s);
        return 0;
}

int state_save(const State *s, const char *dir) {
        _cleanup_free_ char *path = NULL, *copy = NULL, *text = NULL;
        int r;

        if (!s || isempty(dir))
                return -EINVAL;

        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;

        r = state_serialize(s, &text);
        if (r < 0)
                return r;

        path = path_join(dir, STATE_FILE);
        copy = path_join(dir, STATE_COPY);
        if (!path || !copy)
                return -ENOMEM;

        r = write_file_atomic(path, text, strlen(text), 0644);
        if (r < 0)
                return r;
        /* A second whole copy: a state file damaged later (cut short, a bad
         * line) loses nothing. Failing to write it fails the save too, so
         * the copy is never older than the file unnoticed. */
        return write_file_atomic(copy, text, strlen(text), 0644);
}

int state_discard(const char *dir) {
        _cleanup_free_ char *path = NULL;

        if (isempty(dir))
                return -EINVAL;
        path = path_join(dir, STATE_FILE);
        if (!path)
                return -ENOMEM;
        if (unlink(path) < 0 && errno != ENOENT)
                return negative_errno();
        free(path);
        path = path_join(dir, STATE_COPY);
        if (!path)
                return -ENOMEM;
        if (unlink(path) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}
