/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroupfs.h"
#include "path.h"
#include "tests.h"

jmp_buf test_jmp;
int test_failed;

static struct test_case cases[256];
static size_t n_cases;
static char *tmpdirs[64];
static size_t n_tmpdirs;

void test_register(const char *name, test_fn fn) {
        if (n_cases >= sizeof(cases) / sizeof(cases[0])) {
                fprintf(stderr, "too many test cases\n");
                abort();
        }
        cases[n_cases++] = (struct test_case){ name, fn };
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        remove(path);
        return 0;
}

static void cleanup_tmpdirs(void) {
        for (size_t i = 0; i < n_tmpdirs; i++) {
                nftw(tmpdirs[i], rm_entry, 16, FTW_DEPTH | FTW_PHYS);
                free(tmpdirs[i]);
        }
}

char *test_tmpdir(void) {
        const char *base = getenv("TMPDIR");
        char *t;
        if (asprintf(&t, "%s/cgpersist-test-XXXXXX", base ? base : "/tmp") < 0 || !mkdtemp(t)) {
                perror("mkdtemp");
                abort();
        }
        if (n_tmpdirs < sizeof(tmpdirs) / sizeof(tmpdirs[0]))
                tmpdirs[n_tmpdirs++] = t;
        return t;
}

/* dir/relpath, its parent directories made. */
static char *make_parents(const char *dir, const char *relpath) {
        char *p;
        if (asprintf(&p, "%s/%s", dir, relpath) < 0)
                abort();
        for (char *s = p + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
                *s = 0;
                if (mkdir(p, 0755) < 0 && errno != EEXIST) {
                        perror(p);
                        abort();
                }
                *s = '/';
        }
        return p;
}

void test_symlink(const char *dir, const char *relpath, const char *target) {
        char *p = make_parents(dir, relpath);

        if (symlink(target, p) < 0) {
                perror(p);
                abort();
        }
        free(p);
}

int test_run_generator(const char *root, const char *out) {
        const char *gen = getenv("CGPERSIST_GENERATOR");
        char *normal, *early, *late, *err;
        int status;
        pid_t pid;

        if (!gen || !*gen)
                CHECK_FAIL("CGPERSIST_GENERATOR is not set (meson passes the built generator)");
        CHECK(asprintf(&normal, "%s/normal", out) > 0);
        CHECK(asprintf(&early, "%s/early", out) > 0);
        CHECK(asprintf(&late, "%s/late", out) > 0);
        CHECK(asprintf(&err, "%s/stderr", out) > 0);
        CHECK(mkdir(normal, 0755) == 0 || errno == EEXIST);

        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

                if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
                        _exit(127);
                setenv("CGPERSIST_ROOT", root, 1);
                execl(gen, gen, normal, early, late, (char *) NULL);
                _exit(127);
        }
        CHECK(waitpid(pid, &status, 0) == pid);
        free(normal);
        free(early);
        free(late);
        free(err);
        CHECK(WIFEXITED(status));
        return WEXITSTATUS(status);
}

/* The file bound over /proc/PID/mounts by test_cgroup_mount(): libcgroup
 * reads /proc/mounts (a link to /proc/self/mounts) in cgroup_init(). */
static char *fake_mounts;

static int write_id_map(const char *file, unsigned id) {
        char text[64];
        int fd = open(file, O_WRONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        snprintf(text, sizeof text, "0 %u 1\n", id);
        n = write(fd, text, strlen(text));
        close(fd);
        return n < 0 ? -errno : 0;
}

static int bind_fake_mounts(void) {
        char target[64];

        snprintf(target, sizeof target, "/proc/%d/mounts", (int) getpid());
        /* Bound once per process: rewriting the file changes what it says. */
        if (mount(fake_mounts, target, NULL, MS_BIND, NULL) < 0)
                return -errno;
        return 0;
}

void test_cgroup_mount(const char *root) {
        static bool bound;
        struct stat st;
        FILE *f;

        if (!fake_mounts) {
                uid_t uid = geteuid();
                gid_t gid = getegid();

                /* A mount namespace of our own, and as an unprivileged user
                 * a user namespace to have it in. */
                if (unshare(uid == 0 ? CLONE_NEWNS : CLONE_NEWUSER | CLONE_NEWNS) < 0)
                        CHECK_FAIL("unshare: %s (the cgroup fixtures need a mount namespace; as a user, "
                                   "user namespaces)",
                                   strerror(errno));
                if (uid != 0) {
                        int fd = open("/proc/self/setgroups", O_WRONLY | O_CLOEXEC);

                        if (fd >= 0) {
                                (void) !write(fd, "deny", 4);
                                close(fd);
                        }
                        if (write_id_map("/proc/self/uid_map", uid) < 0 ||
                            write_id_map("/proc/self/gid_map", gid) < 0)
                                CHECK_FAIL("cannot map our ids in the user namespace");
                }
                if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        CHECK_FAIL("cannot make the mounts private: %s", strerror(errno));
                fake_mounts = path_join(test_tmpdir(), "mounts");
                CHECK(fake_mounts);
        }

        /* What makes a directory a cgroup v2 root to libcgroup. */
        {
                char *c = path_join(root, "cgroup.controllers");

                CHECK(c);
                if (stat(c, &st) < 0)
                        test_write(root, "cgroup.controllers", "cpu io memory pids\n");
                free(c);
        }
        f = fopen(fake_mounts, "we");
        CHECK(f);
        fprintf(f, "cgroup2 %s cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n", root);
        CHECK(fclose(f) == 0);
        if (!bound) {
                int r = bind_fake_mounts();

                if (r < 0)
                        CHECK_FAIL("cannot bind %s over /proc/self/mounts: %s", fake_mounts, strerror(-r));
                bound = true;
        }
        CHECK_INT(cgroupfs_library_init(), 0);
}

int test_cgroup_mount_child(void) {
        return fake_mounts ? bind_fake_mounts() : 0;
}

void test_write(const char *dir, const char *relpath, const char *text) {
        char *p = make_parents(dir, relpath);
        FILE *f = fopen(p, "we");
        if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
                perror(p);
                abort();
        }
        free(p);
}

void test_mkdir(const char *dir, const char *relpath) {
        char *p;

        if (asprintf(&p, "%s/%s", dir, relpath) < 0)
                abort();
        if (mkdir(p, 0755) < 0) {
                perror(p);
                abort();
        }
        free(p);
}

void test_write_u64s(const char *dir, const char *relpath, const uint64_t *v, size_t n) {
        char *p;
        FILE *f;

        if (asprintf(&p, "%s/%s", dir, relpath) < 0)
                abort();
        f = fopen(p, "we");
        if (!f || fwrite(v, sizeof(uint64_t), n, f) != n || fclose(f) != 0) {
                perror(p);
                abort();
        }
        free(p);
}

uint64_t test_ino(const char *dir, const char *relpath) {
        struct stat st;
        char *p;

        if (asprintf(&p, "%s/%s", dir, relpath) < 0)
                abort();
        if (stat(p, &st) < 0) {
                perror(p);
                abort();
        }
        free(p);
        return (uint64_t) st.st_ino;
}

static int rm_entry_checked(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        if (remove(path) < 0) {
                perror(path);
                abort();
        }
        return 0;
}

void test_remove(const char *dir, const char *relpath) {
        char *p;

        if (asprintf(&p, "%s/%s", dir, relpath) < 0)
                abort();
        if (nftw(p, rm_entry_checked, 16, FTW_DEPTH | FTW_PHYS) != 0) {
                perror(p);
                abort();
        }
        free(p);
}

int main(void) {
        static int failed; /* static: survives longjmp (-Wclobbered) */
        atexit(cleanup_tmpdirs);
        printf("1..%zu\n", n_cases);
        for (size_t i = 0; i < n_cases; i++) {
                test_failed = 0;
                if (setjmp(test_jmp) == 0)
                        cases[i].fn();
                printf("%s %zu - %s\n", test_failed ? "not ok" : "ok", i + 1, cases[i].name);
                failed += test_failed;
                fflush(stdout);
        }
        return failed ? 1 : 0;
}
