/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>

#include "macro.h"
#include "memstat.h"
#include "tests.h"

/* Trimmed memory.stat of a 6.1 kernel: has "kernel". */
static const char stat_61[] = "anon 1048576\n"
                              "file 67108864\n"
                              "kernel 921600\n"
                              "kernel_stack 16384\n"
                              "pagetables 73728\n"
                              "sec_pagetables 0\n"
                              "percpu 2400\n"
                              "sock 4096\n"
                              "vmalloc 0\n"
                              "shmem 16777216\n"
                              "file_mapped 8192\n"
                              "file_dirty 12288\n"
                              "file_writeback 0\n"
                              "anon_thp 0\n"
                              "inactive_anon 1040384\n"
                              "active_anon 8192\n"
                              "inactive_file 50331648\n"
                              "active_file 16777216\n"
                              "unevictable 0\n"
                              "slab_reclaimable 512000\n"
                              "slab_unreclaimable 200000\n"
                              "slab 712000\n"
                              "workingset_refault_anon 0\n"
                              "pgfault 12345\n";

/* memory.stat of a 5.10 kernel: no "kernel" line. */
static const char stat_510[] = "anon 100\n"
                               "file 200\n"
                               "kernel_stack 16384\n"
                               "percpu 0\n"
                               "sock 0\n"
                               "shmem 0\n"
                               "file_mapped 0\n"
                               "file_dirty 0\n"
                               "file_writeback 0\n"
                               "slab 700000\n"
                               "pagetables 73728\n"
                               "pgfault 1\n";

TEST(parse_61) {
        MemStat m;

        CHECK_INT(memstat_parse(stat_61, &m), 0);
        CHECK_U64(m.anon, 1048576);
        CHECK_U64(m.file, 67108864);
        CHECK_U64(m.kernel, 921600); /* the kernel's own sum wins */
        CHECK_U64(m.kernel_stack, 16384);
        CHECK_U64(m.pagetables, 73728);
        CHECK_U64(m.slab, 712000);
        CHECK_U64(m.sock, 4096);
        CHECK_U64(m.shmem, 16777216);
        CHECK_U64(m.file_mapped, 8192);
        CHECK_U64(m.file_dirty, 12288);
        CHECK_U64(m.file_writeback, 0);
        CHECK_U64(m.active_file, 16777216);
        CHECK_U64(m.inactive_file, 50331648);
        CHECK_U64(m.unevictable, 0);
}

TEST(derive_kernel_510) {
        MemStat m;

        CHECK_INT(memstat_parse(stat_510, &m), 0);
        /* Derived after the last part ("pagetables") arrived. */
        CHECK_U64(m.kernel, 16384 + 73728 + 700000);
        CHECK(!m.kernel_seen);
}

TEST(kernel_order_independent) {
        MemStat a = {}, b = {};

        /* "kernel" before its parts must not be overwritten by the sum. */
        memstat_set(&a, "kernel", 5);
        memstat_set(&a, "slab", 100);
        memstat_set(&a, "kernel_stack", 100);
        memstat_set(&a, "pagetables", 100);
        CHECK_U64(a.kernel, 5);

        memstat_set(&b, "slab", 100);
        memstat_set(&b, "kernel_stack", 10);
        CHECK_U64(b.kernel, 110);
        memstat_set(&b, "kernel", 7);
        CHECK_U64(b.kernel, 7);
        memstat_set(&b, "pagetables", 1000);
        CHECK_U64(b.kernel, 7);
        CHECK_U64(b.pagetables, 1000);
}

TEST(kernel_saturates) {
        MemStat m = {};

        memstat_set(&m, "slab", UINT64_MAX - 1);
        memstat_set(&m, "kernel_stack", 10);
        CHECK_U64(m.kernel, UINT64_MAX);
}

TEST(set_unknown_and_null) {
        MemStat m = {}, zero = {};

        memstat_set(&m, "pgfault", 99);
        memstat_set(&m, "", 1);
        memstat_set(&m, NULL, 1);
        memstat_set(NULL, "anon", 1);
        CHECK(memcmp(&m, &zero, sizeof(m)) == 0);
}

TEST(parse_edges) {
        MemStat m;

        CHECK_INT(memstat_parse("", &m), 0);
        CHECK_U64(m.anon, 0);
        CHECK_U64(m.kernel, 0);
        CHECK_INT(memstat_parse("anon 5", &m), 0); /* no final newline */
        CHECK_U64(m.anon, 5);
        CHECK_INT(memstat_parse("anon 18446744073709551615\n", &m), 0);
        CHECK_U64(m.anon, UINT64_MAX);
}

TEST(parse_malformed) {
        MemStat m = { .anon = 4242 };

        CHECK_INT(memstat_parse("anon\n", &m), -EINVAL);
        CHECK_INT(memstat_parse("anon \n", &m), -EINVAL);
        CHECK_INT(memstat_parse("anon  5\n", &m), -EINVAL);
        CHECK_INT(memstat_parse("anon 5 \n", &m), -EINVAL);
        CHECK_INT(memstat_parse(" anon 5\n", &m), -EINVAL);
        CHECK_INT(memstat_parse("anon -5\n", &m), -EINVAL);
        CHECK_INT(memstat_parse("anon +5\n", &m), -EINVAL);
        CHECK_INT(memstat_parse("anon 5x\n", &m), -EINVAL);
        CHECK_INT(memstat_parse("anon\t5\n", &m), -EINVAL);
        CHECK_INT(memstat_parse("anon 18446744073709551616\n", &m), -EINVAL);
        CHECK_INT(memstat_parse("anon 1\n\nfile 2\n", &m), -EINVAL);
        CHECK_INT(memstat_parse("an-on 1\n", &m), -EINVAL);
        CHECK_INT(memstat_parse("anon 1\r\n", &m), -EINVAL);
        CHECK_INT(memstat_parse("file 1\nanon 2\ngarbage\n", &m), -EINVAL);
        /* ret untouched on failure. */
        CHECK_U64(m.anon, 4242);
}

static int count_cb(const char *name, uint64_t value, void *userdata) {
        unsigned *n = userdata;
        (*n)++;
        return streq(name, "stop") ? -ECANCELED : 0;
}

TEST(flat_keyed) {
        unsigned n = 0;
        char key[100];

        CHECK_INT(flat_keyed_parse("a 1\nb 2\nc 3\n", count_cb, &n), 0);
        CHECK_INT(n, 3);
        n = 0;
        CHECK_INT(flat_keyed_parse("a 1\nstop 2\nc 3\n", count_cb, &n), -ECANCELED);
        CHECK_INT(n, 2);
        CHECK_INT(flat_keyed_parse("a 99999999999999999999\n", count_cb, &n), -ERANGE);

        memset(key, 'k', 63);
        strcpy(key + 63, " 1\n");
        CHECK_INT(flat_keyed_parse(key, count_cb, &n), 0);
        memset(key, 'k', 64);
        strcpy(key + 64, " 1\n");
        CHECK_INT(flat_keyed_parse(key, count_cb, &n), -EINVAL);
}

TEST(atou64) {
        uint64_t v = 7;

        CHECK_INT(safe_atou64_strict("0", &v), 0);
        CHECK_U64(v, 0);
        CHECK_INT(safe_atou64_strict("18446744073709551615", &v), 0);
        CHECK_U64(v, UINT64_MAX);
        v = 7;
        CHECK_INT(safe_atou64_strict("18446744073709551616", &v), -ERANGE);
        CHECK_INT(safe_atou64_strict("", &v), -EINVAL);
        CHECK_INT(safe_atou64_strict(" 1", &v), -EINVAL);
        CHECK_INT(safe_atou64_strict("1\n", &v), -EINVAL);
        CHECK_INT(safe_atou64_strict("-1", &v), -EINVAL);
        CHECK_INT(safe_atou64_strict("max", &v), -EINVAL);
        CHECK_U64(v, 7);
}
