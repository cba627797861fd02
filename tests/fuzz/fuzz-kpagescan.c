/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kpage_scan() on arbitrary /proc/kpagecgroup and /proc/kpageflags
 * contents: the first byte picks the chunk size, the rest is split into the
 * two files (u64s, the second half the flags; a short tail is cut off, as
 * the kernel's files end). Beyond "no crash": every frame is counted once,
 * every charged page is of exactly one kind, and the parts never exceed
 * their whole. */

#include <fcntl.h>
#include <stdio.h>

#include "fuzz.h"
#include "kpagescan.h"
#include "macro.h"
#include "path.h"

static char dir[] = "/tmp/fuzz-kpagescan.XXXXXX";

static void put(const char *name, const uint8_t *data, size_t size) {
        _cleanup_free_ char *p = path_join(dir, name);
        _cleanup_close_ int fd = -EBADF;

        if (!p)
                abort();
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t) size))
                abort();
}

static void cleanup(void) {
        static const char *const names[] = { "kpagecgroup", "kpageflags" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *p = path_join(dir, names[i]);

                if (p)
                        (void) unlink(p);
        }
        (void) rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static bool made = false;
        KpageScan s = {};
        size_t half, chunk;
        uint64_t pages = 0;

        if (size < 1 || size > 1024 * 1024)
                return 0;
        if (!made) {
                if (!mkdtemp(dir))
                        abort();
                made = true;
                atexit(cleanup);
        }
        chunk = (size_t) data[0] % 17 + 1;
        data++, size--;
        half = size / 2 / 8 * 8;
        put("kpagecgroup", data, half);
        put("kpageflags", data + half, half);

        if (kpage_scan(dir, chunk, &s) < 0)
                abort();
        if (s.frames != half / 8)
                abort();
        for (size_t i = 0; i < s.n_by_cgroup; i++) {
                const PageKinds *k = &s.by_cgroup[i].kinds;

                if (s.by_cgroup[i].cgroup_id == 0 ||
                    (i > 0 && s.by_cgroup[i - 1].cgroup_id >= s.by_cgroup[i].cgroup_id))
                        abort();
                if (k->pages == 0 || k->file + k->shmem + k->anon + k->kernel != k->pages)
                        abort();
                if (k->file_dirty > k->file || k->file_writeback > k->file || k->file_mapped > k->file ||
                    k->huge > k->pages)
                        abort();
                pages += k->pages;
        }
        if (pages + s.not_charged != s.frames)
                abort();
        kpage_scan_done(&s);
        return 0;
}
