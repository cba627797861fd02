/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extents.h"
#include "macro.h"
#include "path.h"
#include "tests.h"

static uint64_t ps(void) {
        return (uint64_t) sysconf(_SC_PAGESIZE);
}

/* A file of `pages` pages, data written in the pages listed. */
static int sparse_fd(uint64_t size, const uint64_t *pages, size_t n) {
        _cleanup_free_ char *p = path_join(test_tmpdir(), "sparse");
        _cleanup_free_ char *buf = malloc(ps());
        int fd;

        CHECK(p && buf);
        memset(buf, 'x', ps());
        fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        CHECK(fd >= 0);
        CHECK_INT(ftruncate(fd, (off_t) size), 0);
        for (size_t i = 0; i < n; i++)
                CHECK_INT(pwrite(fd, buf, ps(), (off_t) (pages[i] * ps())), (ssize_t) ps());
        return fd;
}

TEST(extents_of_a_sparse_file) {
        const uint64_t pages[] = { 0, 2, 3, 7 };
        DataExtents it;
        uint64_t off = 0, len = 0;
        int fd = sparse_fd(10 * ps(), pages, ELEMENTSOF(pages));

        CHECK_INT(data_extents_init(&it, fd, 0), 0);
        CHECK_U64(it.end, 10 * ps());
        CHECK_INT(data_extents_next(&it, &off, &len), 1);
        CHECK_U64(off, 0);
        CHECK_U64(len, ps());
        CHECK_INT(data_extents_next(&it, &off, &len), 1);
        CHECK_U64(off, 2 * ps());
        CHECK_U64(len, 2 * ps());
        CHECK_INT(data_extents_next(&it, &off, &len), 1);
        CHECK_U64(off, 7 * ps());
        CHECK_U64(len, ps());
        /* Pages 8 and 9 are a hole: the end. */
        CHECK_INT(data_extents_next(&it, &off, &len), 0);
        CHECK_INT(data_extents_next(&it, &off, &len), 0);
        close(fd);
}

TEST(extents_of_a_huge_hole) {
        /* 1 TiB with one page of data at each end (ext4 allows 16 TiB,
         * tmpfs 2^63-1): two extents, two pairs of lseek() calls. */
        const uint64_t size = UINT64_C(1) << 40;
        const uint64_t pages[] = { 0, size / ps() - 1 };
        DataExtents it;
        uint64_t off, len, n = 0, bytes = 0;
        int fd = sparse_fd(size, pages, ELEMENTSOF(pages)), r;

        CHECK_INT(data_extents_init(&it, fd, 0), 0);
        while ((r = data_extents_next(&it, &off, &len)) > 0) {
                n++;
                bytes += len;
        }
        CHECK_INT(r, 0);
        CHECK_U64(n, 2);
        CHECK_U64(bytes, 2 * ps());
        close(fd);
}

TEST(extents_stop_at_the_size_seen_first) {
        const uint64_t pages[] = { 0 };
        DataExtents it;
        uint64_t off, len;
        int fd = sparse_fd(ps(), pages, ELEMENTSOF(pages));

        CHECK_INT(data_extents_init(&it, fd, 0), 0);
        /* Grown after init: the walk ends at the old size. */
        CHECK_INT(pwrite(fd, "y", 1, (off_t) (3 * ps())), 1);
        CHECK_INT(data_extents_next(&it, &off, &len), 1);
        CHECK_U64(off, 0);
        CHECK_U64(len, ps());
        CHECK_INT(data_extents_next(&it, &off, &len), 0);

        /* Truncated after init: nothing past the new end. */
        CHECK_INT(data_extents_init(&it, fd, 0), 0);
        CHECK_INT(ftruncate(fd, 0), 0);
        CHECK_INT(data_extents_next(&it, &off, &len), 0);
        close(fd);
}

TEST(extents_deadline) {
        const uint64_t pages[] = { 0 };
        DataExtents it;
        uint64_t off = 42, len = 42;
        int fd = sparse_fd(ps(), pages, ELEMENTSOF(pages));

        /* 1 µs after boot has long passed. */
        CHECK_INT(data_extents_init(&it, fd, 1), 0);
        CHECK_INT(data_extents_next(&it, &off, &len), -ETIME);
        CHECK_U64(off, 42);
        CHECK_U64(len, 42);
        /* An empty rest needs no time. */
        CHECK_INT(ftruncate(fd, 0), 0);
        CHECK_INT(data_extents_init(&it, fd, 1), 0);
        CHECK_INT(data_extents_next(&it, &off, &len), 0);
        close(fd);
}

TEST(extents_refuse_what_is_no_file) {
        _cleanup_free_ char *t = strdup(test_tmpdir());
        DataExtents it;
        int dfd, pfd[2];

        CHECK(t);
        dfd = open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(dfd >= 0);
        CHECK_INT(data_extents_init(&it, dfd, 0), -EISDIR);
        close(dfd);
        CHECK_INT(pipe2(pfd, O_CLOEXEC), 0);
        CHECK_INT(data_extents_init(&it, pfd[0], 0), -EINVAL);
        close(pfd[0]);
        close(pfd[1]);
        CHECK_INT(data_extents_init(&it, -1, 0), -EINVAL);
        CHECK_INT(data_extents_init(NULL, 0, 0), -EINVAL);
}
