/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"

int read_full_file(const char *path, size_t max_size, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;
        struct stat st;

        if (!path || !ret)
                return -EINVAL;
        if (max_size >= SIZE_MAX - 1)
                return -EINVAL;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();

        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        /* Regular files say their size up front; refuse early. Files in
         * sysfs, cgroupfs and procfs report 0 or 4096 whatever they hold,
         * so the loop below enforces the cap for them. */
        if (S_ISREG(st.st_mode) && (uint64_t) st.st_size > max_size)
                return -EFBIG;

        for (;;) {
                ssize_t n;

                if (allocated - size < 2) {
                        size_t want = allocated == 0 ? 4096 : allocated * 2;
                        char *nb;

                        /* +2: room for one byte past the cap (to tell "exactly
                         * max_size" from "more") and for the NUL. */
                        want = MIN(want, max_size + 2);
                        if (want <= allocated)
                                return -EFBIG;
                        nb = realloc(buf, want);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        allocated = want;
                }

                n = read(fd, buf + size, allocated - size - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > max_size)
                        return -EFBIG;
        }

        if (!buf) {
                buf = malloc(1);
                if (!buf)
                        return -ENOMEM;
        }
        buf[size] = 0;

        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

static int fsync_directory_of(const char *path) {
        _cleanup_free_ char *copy = NULL;
        _cleanup_close_ int fd = -EBADF;

        copy = strdup(path);
        if (!copy)
                return -ENOMEM;

        fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fsync(fd) < 0)
                return negative_errno();
        return 0;
}

static int write_all(int fd, const char *data, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, data, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        return -EIO;
                data += n;
                len -= (size_t) n;
        }
        return 0;
}

int write_file_atomic(const char *path, const char *data, size_t len, unsigned mode) {
        _cleanup_free_ char *dir_copy = NULL, *base_copy = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *base;
        int r;

        if (isempty(path) || (!data && len > 0))
                return -EINVAL;

        dir_copy = strdup(path);
        base_copy = strdup(path);
        if (!dir_copy || !base_copy)
                return -ENOMEM;
        base = basename(base_copy);
        if (isempty(base) || streq(base, "/") || streq(base, ".") || streq(base, ".."))
                return -EINVAL;

        /* Same directory, so rename() stays on one file system and is atomic.
         * The leading ".#" keeps the temp file out of globs such as "*.conf". */
        if (asprintf(&tmp, "%s/.#%sXXXXXX", dirname(dir_copy), base) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }

        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return negative_errno();

        r = write_all(fd, data, len);
        if (r < 0)
                goto fail;

        /* mkostemp() creates 0600; set the wanted mode before the file
         * becomes visible under its real name. */
        if (fchmod(fd, (mode_t) (mode & 07777)) < 0) {
                r = negative_errno();
                goto fail;
        }

        /* Data on disk before the rename: otherwise a crash can leave the new
         * name pointing at an empty file. */
        if (fsync(fd) < 0) {
                r = negative_errno();
                goto fail;
        }

        if (close(TAKE_FD(fd)) < 0) {
                r = negative_errno();
                goto fail;
        }

        if (rename(tmp, path) < 0) {
                r = negative_errno();
                goto fail;
        }

        /* The rename itself lives in the directory; make it durable. The new
         * file is in place already, so a failure here is reported but the
         * temp file is gone. */
        return fsync_directory_of(path);

fail:
        (void) unlink(tmp);
        return r;
}

int mkdir_p(const char *path, unsigned mode) {
        _cleanup_free_ char *p = NULL;
        struct stat st;
        char *s;

        if (isempty(path))
                return -EINVAL;

        p = strdup(path);
        if (!p)
                return -ENOMEM;

        /* Walk prefix by prefix; each one must be, or become, a directory. */
        s = p;
        for (;;) {
                bool last;

                while (*s == '/')
                        s++;
                if (*s == 0) /* "/" or trailing slashes: nothing left to create */
                        return 0;
                s = strchrnul(s, '/');
                last = *s == 0 || s[strspn(s, "/")] == 0;

                {
                        char saved = *s;
                        *s = 0;
                        if (mkdir(p, (mode_t) mode) < 0) {
                                int e = errno;
                                if (e != EEXIST) {
                                        *s = saved;
                                        return -e;
                                }
                                if (stat(p, &st) < 0) {
                                        *s = saved;
                                        return negative_errno();
                                }
                                if (!S_ISDIR(st.st_mode)) {
                                        *s = saved;
                                        return -ENOTDIR;
                                }
                        }
                        *s = saved;
                }

                if (last)
                        return 0;
        }
}
