/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgpersist-drain-hook, the built stop hook, against a fixture tree: the
 * record it leaves, memory.reclaim written per --mode, failures that still
 * exit 0, bad arguments that exit 2, and the keeper asked for a pass first
 * (--rehome). */

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "path.h"
#include "tests.h"

/* memory.stat of the stopping instance: 73 MiB of page cache, 10 MiB anon. */
static const char *fixture_stat = "anon 10485760\n"
                                  "file 76546048\n"
                                  "shmem 0\n"
                                  "file_dirty 0\n"
                                  "file_writeback 0\n"
                                  "active_file 13631488\n"
                                  "inactive_file 62914560\n";

static const char *drain_binary(void) {
        static char path[4096];
        const char *e = getenv("CGPERSIST_DRAIN");
        ssize_t n;
        char *slash;

        if (e)
                return e;
        /* Run by hand from the build tree: tests/unit/ -> tools/. */
        n = readlink("/proc/self/exe", path, sizeof path - 64);
        if (n < 0)
                return NULL;
        path[n] = 0;
        slash = strrchr(path, '/');
        if (!slash)
                return NULL;
        strcpy(slash, "/../../tools/cgpersist-drain-hook");
        return path;
}

static int run_drain(char *const *args) {
        const char *bin = drain_binary();
        char *argv[32];
        char *envp[] = { (char *) "SERVICE_RESULT=success", (char *) "PATH=/usr/bin:/bin", NULL };
        size_t n = 0;
        pid_t pid;
        int status;

        if (!bin || access(bin, X_OK) < 0)
                CHECK_FAIL("cgpersist-drain not found (%s); set CGPERSIST_DRAIN", strna(bin));
        argv[n++] = (char *) bin;
        for (; *args && n < ELEMENTSOF(argv) - 1; args++)
                argv[n++] = *args;
        argv[n] = NULL;

        fflush(stdout);
        pid = fork();
        if (pid < 0)
                CHECK_FAIL("fork: %m");
        if (pid == 0) {
                /* Keep the TAP stream clean: --help and --version print to
                 * stdout; send it to stderr, which meson keeps in its log. */
                if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
                        _exit(127);
                /* The fixture as libcgroup's cgroup mount for the hook too. */
                if (test_cgroup_mount_child() < 0)
                        _exit(126);
                execve(bin, argv, envp);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                CHECK_FAIL("waitpid: %m");
        if (!WIFEXITED(status))
                CHECK_FAIL("cgpersist-drain died with status %d", status);
        return WEXITSTATUS(status);
}

#define INVOCATION "0123456789abcdef0123456789abcdef"

static char *drain_fixture(bool with_peak) {
        char *root = test_tmpdir();

        test_write(root, "cg/system.slice/system-web.slice/web.service/memory.current", "77594624\n");
        test_write(root, "cg/system.slice/system-web.slice/web.service/memory.stat", fixture_stat);
        test_write(root, "cg/system.slice/system-web.slice/web.service/cgroup.procs", "");
        if (with_peak)
                test_write(root, "cg/system.slice/system-web.slice/web.service/memory.peak", "94371840\n");
        {
                _cleanup_free_ char *cg = path_join(root, "cg");

                CHECK(cg);
                test_cgroup_mount(cg);
        }
        return root;
}

static char *read_record(const char *dir) {
        _cleanup_free_ char *p = path_join(dir, INVOCATION);
        char *text = NULL;

        if (!p)
                CHECK_FAIL("oom");
        if (read_full_file(p, 65536, &text, NULL) < 0)
                CHECK_FAIL("no record at %s", p);
        return text;
}

/* The value of key= in a record, or NULL. */
static char *record_value(const char *text, const char *key) {
        size_t k = strlen(key);

        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (strneq(l, key, k) && l[k] == '=')
                        return strndup(l + k + 1, strcspn(l + k + 1, "\n"));
        return NULL;
}

static void check_value(const char *text, const char *key, const char *want) {
        _cleanup_free_ char *v = record_value(text, key);

        if (!want) {
                if (v)
                        CHECK_FAIL("record has %s=%s, expected none", key, v);
                return;
        }
        if (!v || !streq(v, want))
                CHECK_FAIL("record has %s=%s, expected %s", key, strna(v), want);
}

static void check_number(const char *text, const char *key) {
        _cleanup_free_ char *v = record_value(text, key);

        if (!v || isempty(v) || v[strspn(v, "0123456789")] != 0)
                CHECK_FAIL("record has %s=%s, expected a number", key, strna(v));
}

TEST(drain_mode_none_writes_record) {
        char *root = drain_fixture(true);
        _cleanup_free_ char *croot = path_join(root, "cg"), *dir = path_join(root, "run/stops");
        _cleanup_free_ char *a_root = NULL, *a_dir = NULL, *text = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        struct stat st;
        unsigned n = 0;

        CHECK(croot && dir);
        CHECK(asprintf(&a_root, "--root=%s", croot) >= 0);
        CHECK(asprintf(&a_dir, "--record-dir=%s", dir) >= 0);

        CHECK_INT(run_drain((char *[]){
                          a_root, (char *) "--cgroup=/system.slice/system-web.slice/web.service",
                          (char *) "--invocation-id=" INVOCATION, a_dir, (char *) "--mode=none", NULL }),
                  0);

        text = read_record(dir);
        check_value(text, "unit", "web.service");
        check_value(text, "invocation_id", INVOCATION);
        check_value(text, "cgroup", "/system.slice/system-web.slice/web.service");
        check_value(text, "charge", "77594624");
        check_value(text, "peak", "94371840");
        check_value(text, "drained", "0");
        check_value(text, "residual", "77594624");
        check_value(text, "result", "success");
        check_value(text, "swappiness_arg", "0");
        check_number(text, "stop_usec");
        check_number(text, "elapsed_usec");
        CHECK(text[strlen(text) - 1] == '\n');

        /* The directory was created 0755, and the atomic write left no
         * temporary file behind. */
        CHECK_INT(stat(dir, &st), 0);
        CHECK_INT(st.st_mode & 07777, 0755);
        d = opendir(dir);
        CHECK(d);
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..")) {
                        CHECK_STR(de->d_name, INVOCATION);
                        n++;
                }
        CHECK_INT(n, 1);
}

TEST(drain_without_peak_omits_it) {
        char *root = drain_fixture(false);
        _cleanup_free_ char *croot = path_join(root, "cg"), *dir = path_join(root, "stops");
        _cleanup_free_ char *a_root = NULL, *a_dir = NULL, *text = NULL;

        CHECK(croot && dir);
        CHECK(asprintf(&a_root, "--root=%s", croot) >= 0);
        CHECK(asprintf(&a_dir, "--record-dir=%s", dir) >= 0);

        /* A cgroup path without the leading slash is the same cgroup. */
        CHECK_INT(run_drain((char *[]){
                          a_root, (char *) "--cgroup=system.slice/system-web.slice/web.service",
                          (char *) "--invocation-id=" INVOCATION, a_dir, (char *) "--mode=none", NULL }),
                  0);
        text = read_record(dir);
        check_value(text, "peak", NULL);
        check_value(text, "charge", "77594624");
        check_value(text, "cgroup", "/system.slice/system-web.slice/web.service");
}

TEST(drain_mode_file_writes_memory_reclaim) {
        char *root = drain_fixture(true);
        _cleanup_free_ char *croot = path_join(root, "cg"), *dir = path_join(root, "stops");
        _cleanup_free_ char *a_root = NULL, *a_dir = NULL, *text = NULL, *req = NULL, *rp = NULL;

        CHECK(croot && dir);
        test_write(croot, "system.slice/system-web.slice/web.service/memory.reclaim", "");
        CHECK(asprintf(&a_root, "--root=%s", croot) >= 0);
        CHECK(asprintf(&a_dir, "--record-dir=%s", dir) >= 0);

        CHECK_INT(run_drain((char *[]){
                          a_root, (char *) "--cgroup=/system.slice/system-web.slice/web.service",
                          (char *) "--invocation-id=" INVOCATION, a_dir, (char *) "--budget=500ms", NULL }),
                  0);
        text = read_record(dir);
        /* The fixture "kernel" took the argument and freed nothing. */
        check_value(text, "swappiness_arg", "1");
        check_value(text, "drained", "0");
        check_value(text, "residual", "77594624");

        rp = path_join(croot, "system.slice/system-web.slice/web.service/memory.reclaim");
        CHECK(rp);
        CHECK_INT(read_full_file(rp, 4096, &req, NULL), 0);
        CHECK_STR(req, "16777216 swappiness=0");
}

TEST(drain_failures_still_exit_zero) {
        char *root = test_tmpdir();
        _cleanup_free_ char *a_root = NULL, *a_dir = NULL;

        /* The root is libcgroup's mount; another one is refused. */
        test_cgroup_mount(root);
        CHECK(asprintf(&a_root, "--root=%s/nothing-here", root) >= 0);
        CHECK(asprintf(&a_dir, "--record-dir=%s/stops", root) >= 0);

        /* No such cgroup: logged, never a failure of the service. */
        CHECK_INT(run_drain((char *[]){ a_root, (char *) "--cgroup=/system.slice/web.service",
                                        (char *) "--invocation-id=" INVOCATION, a_dir, NULL }),
                  0);
        /* Not a service's cgroup. */
        CHECK_INT(run_drain((char *[]){ a_root, (char *) "--cgroup=/user.slice",
                                        (char *) "--invocation-id=" INVOCATION, a_dir, NULL }),
                  0);
}

TEST(drain_bad_arguments_exit_2) {
        CHECK_INT(run_drain((char *[]){ (char *) "--mode=swap", NULL }), 2);
        CHECK_INT(run_drain((char *[]){ (char *) "--budget=soon", NULL }), 2);
        CHECK_INT(run_drain((char *[]){ (char *) "--budget=0", NULL }), 2);
        CHECK_INT(run_drain((char *[]){ (char *) "--budget=6min", NULL }), 2);
        CHECK_INT(run_drain((char *[]){ (char *) "--invocation-id=../../etc/passwd", NULL }), 2);
        CHECK_INT(run_drain((char *[]){ (char *) "--invocation-id=0123456789abcdef0123456789abcde", NULL }),
                  2);
        CHECK_INT(run_drain((char *[]){ (char *) "--cgroup=/system.slice/../web.service", NULL }), 2);
        CHECK_INT(run_drain((char *[]){ (char *) "--record-dir=", NULL }), 2);
        CHECK_INT(run_drain((char *[]){ (char *) "--no-such-option", NULL }), 2);
        CHECK_INT(run_drain((char *[]){ (char *) "extra", NULL }), 2);
        CHECK_INT(run_drain((char *[]){ (char *) "--version", NULL }), 0);
        CHECK_INT(run_drain((char *[]){ (char *) "--help", NULL }), 0);
}

/* A keeper for one request: records the request line in its directory,
 * frees 16 MiB of the instance's charge (as re-homing a tmpfs file does) and
 * answers. Returns the child's pid. */
static pid_t fake_keeper(const char *keeper_dir, const char *croot) {
        _cleanup_free_ char *sock = path_join(keeper_dir, "system-web.slice.sock");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;
        pid_t pid;

        CHECK(sock && strlen(sock) < sizeof sa.sun_path);
        strcpy(sa.sun_path, sock);
        CHECK_INT(mkdir_p(keeper_dir, 0755), 0);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        CHECK(fd >= 0);
        CHECK_INT(bind(fd, (struct sockaddr *) &sa, sizeof sa), 0);
        CHECK_INT(listen(fd, 1), 0);

        fflush(stdout);
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                char line[512] = {};
                const char *reply = "OK files=1 moved=1 failed=0 bytes=16777216 usec=5\n";
                int c;
                ssize_t n;
                _cleanup_free_ char *req = path_join(keeper_dir, "request");
                _cleanup_free_ char *cur =
                        path_join(croot, "system.slice/system-web.slice/web.service/memory.current");

                /* Never outlive a failed test: a keeper left in accept()
                 * would hold the TAP stream open for ever. */
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                alarm(30);
                c = accept(fd, NULL, NULL);
                if (c < 0 || !req || !cur)
                        _exit(1);
                n = read(c, line, sizeof line - 1);
                if (n <= 0 || write_file_atomic(req, line, (size_t) n, 0644) < 0)
                        _exit(1);
                /* in place: the hook keeps no descriptor of it open */
                if (write_file_atomic(cur, "60817408\n", 9, 0644) < 0)
                        _exit(1);
                if (write(c, reply, strlen(reply)) < 0)
                        _exit(1);
                _exit(0);
        }
        close(fd);
        return pid;
}

TEST(drain_rehome_asks_the_keeper_first) {
        char *root = drain_fixture(true);
        _cleanup_free_ char *croot = path_join(root, "cg"), *dir = path_join(root, "stops");
        _cleanup_free_ char *kdir = path_join(root, "keeper"), *rq = NULL;
        _cleanup_free_ char *a_root = NULL, *a_dir = NULL, *a_kdir = NULL, *text = NULL, *req = NULL;
        int status;
        pid_t pid;

        CHECK(croot && dir && kdir);
        CHECK(asprintf(&a_root, "--root=%s", croot) >= 0);
        CHECK(asprintf(&a_dir, "--record-dir=%s", dir) >= 0);
        CHECK(asprintf(&a_kdir, "--keeper-dir=%s", kdir) >= 0);
        pid = fake_keeper(kdir, croot);

        CHECK_INT(
                run_drain((char *[]){ a_root, (char *) "--cgroup=/system.slice/system-web.slice/web.service",
                                      (char *) "--invocation-id=" INVOCATION, a_dir, (char *) "--mode=none",
                                      (char *) "--rehome", (char *) "--rehome-timeout=10s", a_kdir, NULL }),
                0);
        CHECK_INT(waitpid(pid, &status, 0), pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

        rq = path_join(kdir, "request");
        CHECK(rq);
        CHECK_INT(read_full_file(rq, 4096, &req, NULL), 0);
        CHECK_STR(req, "REHOME /system.slice/system-web.slice/web.service\n");

        /* the charge at stop is from before re-homing, the residual after */
        text = read_record(dir);
        check_value(text, "charge", "77594624");
        check_value(text, "residual", "60817408");
        check_value(text, "drained", "0");
}

TEST(drain_rehome_without_keeper_goes_on) {
        char *root = drain_fixture(true);
        _cleanup_free_ char *croot = path_join(root, "cg"), *dir = path_join(root, "stops");
        _cleanup_free_ char *kdir = path_join(root, "nokeeper");
        _cleanup_free_ char *a_root = NULL, *a_dir = NULL, *a_kdir = NULL, *text = NULL;

        CHECK(croot && dir && kdir);
        CHECK(asprintf(&a_root, "--root=%s", croot) >= 0);
        CHECK(asprintf(&a_dir, "--record-dir=%s", dir) >= 0);
        CHECK(asprintf(&a_kdir, "--keeper-dir=%s", kdir) >= 0);

        CHECK_INT(
                run_drain((char *[]){ a_root, (char *) "--cgroup=/system.slice/system-web.slice/web.service",
                                      (char *) "--invocation-id=" INVOCATION, a_dir, (char *) "--mode=none",
                                      (char *) "--rehome", a_kdir, NULL }),
                0);
        text = read_record(dir);
        check_value(text, "charge", "77594624");
        check_value(text, "residual", "77594624");

        /* bad timeouts are argument errors */
        CHECK_INT(run_drain((char *[]){ (char *) "--rehome-timeout=0", NULL }), 2);
        CHECK_INT(run_drain((char *[]){ (char *) "--rehome-timeout=10min", NULL }), 2);
        CHECK_INT(run_drain((char *[]){ (char *) "--keeper-dir=relative", NULL }), 2);
}
