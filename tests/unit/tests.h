/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A minimal TAP producer: each TEST() is one "ok"/"not ok" line, so meson
 * (protocol: 'tap') and .ci/run count every case. A failed check ends the
 * current case, not the binary. */

#include <inttypes.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*test_fn)(void);
struct test_case {
        const char *name;
        test_fn fn;
};

extern jmp_buf test_jmp;
extern int test_failed;

#define TEST(name) \
        static void test_##name(void); \
        __attribute__((constructor)) static void register_##name(void) { \
                test_register(#name, test_##name); \
        } \
        static void test_##name(void)

void test_register(const char *name, test_fn fn);

#define CHECK_FAIL(fmt, ...) \
        do { \
                printf("#   %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__); \
                test_failed = 1; \
                longjmp(test_jmp, 1); \
        } while (0)

#define CHECK(expr) \
        do { \
                if (!(expr)) \
                        CHECK_FAIL("check failed: %s", #expr); \
        } while (0)

#define CHECK_INT(a, b) \
        do { \
                long long _a = (long long) (a), _b = (long long) (b); \
                if (_a != _b) \
                        CHECK_FAIL("%s == %lld, expected %s == %lld", #a, _a, #b, _b); \
        } while (0)

#define CHECK_U64(a, b) \
        do { \
                uint64_t _a = (uint64_t) (a), _b = (uint64_t) (b); \
                if (_a != _b) \
                        CHECK_FAIL("%s == %" PRIu64 ", expected %" PRIu64, #a, _a, _b); \
        } while (0)

#define CHECK_STR(a, b) \
        do { \
                const char *_a = (a), *_b = (b); \
                if (!_a || !_b || strcmp(_a, _b) != 0) \
                        CHECK_FAIL("%s == \"%s\", expected \"%s\"", #a, _a ? _a : "(null)", \
                                   _b ? _b : "(null)"); \
        } while (0)

/* A fresh temporary directory for fixture trees; removed at exit. */
char *test_tmpdir(void);
/* Writes text to dir/relpath, creating parent directories. */
void test_write(const char *dir, const char *relpath, const char *text);
/* Makes dir/relpath a symbolic link to target, creating parent
 * directories. */
void test_symlink(const char *dir, const char *relpath, const char *target);
/* Runs cgpersist-generator (CGPERSIST_GENERATOR, which meson sets) with
 * CGPERSIST_ROOT=root on out/normal, out/early and out/late; its stderr goes
 * to out/stderr. Returns its exit status. */
int test_run_generator(const char *root, const char *out);
/* Writes n u64s to dir/relpath (a fixture /proc/kpage* file); its parent
 * must exist. */
void test_write_u64s(const char *dir, const char *relpath, const uint64_t *v, size_t n);
/* Makes root (a fixture tree) the cgroup v2 mount libcgroup finds for the
 * memory controller, as lib/cgroupfs reads it: the process enters a mount
 * namespace of its own (and, unless root, a user namespace) at the first
 * call, binds a file over /proc/self/mounts that lists root as "cgroup2",
 * writes root/cgroup.controllers unless there is one, and calls
 * cgroupfs_library_init(). Each call replaces the one before. */
void test_cgroup_mount(const char *root);
/* In a child forked after test_cgroup_mount(), before it execs a program
 * that reads the fixture: binds the same file over its own mounts.
 * 0 or a negative errno. */
int test_cgroup_mount_child(void);
/* The inode number of dir/relpath (a fixture cgroup's id). */
uint64_t test_ino(const char *dir, const char *relpath);
/* Makes the directory dir/relpath (its parent must exist). */
void test_mkdir(const char *dir, const char *relpath);
/* Removes dir/relpath, a file or a directory with all below it, deepest
 * first (as a cgroup tree must be removed). */
void test_remove(const char *dir, const char *relpath);
