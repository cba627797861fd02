/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <elf.h>
#include <inttypes.h>
#include <link.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#include "log.h"
#include "macro.h"
#include "memory.h"

void memory_setup(void) {
        /* One arena: a worker thread (drain, retire) would otherwise get an
         * arena of its own, whose heap stays resident after the thread is
         * gone. The workers are short and rare; sharing the lock is free. */
        (void) mallopt(M_ARENA_MAX, 1);
        /* A fixed mmap threshold (setting it turns glibc's dynamic one off):
         * large transient buffers (a D-Bus reply listing every unit, the
         * state text) are mapped and unmapped, rather than raising the
         * threshold on their first free and staying in the heap after. */
        (void) mallopt(M_MMAP_THRESHOLD, 64 * 1024);
        (void) mallopt(M_TRIM_THRESHOLD, 128 * 1024);
}

/* Whether [start, end) lies in one anonymous mapping of this process. The
 * page where a library's .data ends and its .bss starts is a private copy of
 * a file page: MADV_DONTNEED there would bring back the file's bytes, not
 * zeros. Only pages of the anonymous rest of .bss are given back. */
static bool range_is_anonymous(uintptr_t start, uintptr_t end) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/maps", "re");
        char line[512];

        if (!f)
                return false;
        while (fgets(line, sizeof line, f)) {
                uintptr_t a, b;
                unsigned long inode;
                char perms[8];

                if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s %*s %*s %lu", &a, &b, perms, &inode) != 4)
                        continue;
                if (start >= a && end <= b)
                        return inode == 0 && perms[0] == 'r' && perms[1] == 'w' && perms[3] == 'p';
        }
        return false;
}

static bool page_is_zero(const uint64_t *p, size_t size) {
        for (size_t i = 0; i < size / sizeof *p; i++)
                if (p[i] != 0)
                        return false;
        return true;
}

/* libcgroup 2.0's cgroup_init() memsets cg_mount_table, CG_CONTROLLER_MAX
 * (100) entries of two 4 KiB path buffers each: 800 KiB made resident, of
 * which a cgroup v2 system fills the first bytes of a few entries. A page
 * that is all zeros reads the same after MADV_DONTNEED on private anonymous
 * memory (zero-fill on the next touch), so libcgroup sees the very same
 * table; pages it writes later simply come back. Without the exported symbol
 * (another libcgroup) this does nothing. */
void memory_release_libcgroup_table(void) {
        const ElfW(Sym) *sym = NULL;
        Dl_info info;
        uintptr_t start, end, page = (uintptr_t) sysconf(_SC_PAGESIZE);
        size_t released = 0;
        void *table;

        table = dlsym(RTLD_DEFAULT, "cg_mount_table");
        if (!table || dladdr1(table, &info, (void **) &sym, RTLD_DL_SYMENT) == 0 || !sym ||
            sym->st_size == 0)
                return;
        start = ((uintptr_t) table + page - 1) & ~(page - 1);
        end = ((uintptr_t) table + sym->st_size) & ~(page - 1);
        if (end <= start || !range_is_anonymous(start, end))
                return;
        for (uintptr_t p = start; p < end; p += page)
                if (page_is_zero((const uint64_t *) p, page) &&
                    madvise((void *) p, page, MADV_DONTNEED) == 0)
                        released++;
        log_debug("Gave back %zu KiB of libcgroup's mount table.", released * page / 1024);
}
