/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgpath.h"
#include "fileio.h"
#include "macro.h"
#include "path.h"
#include "tests.h"

TEST(normalize) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        CHECK_INT(cgpath_normalize("//system.slice/./web.service/", &a), 0);
        CHECK_STR(a, "system.slice/web.service");
        CHECK_INT(cgpath_normalize("/", &b), 0);
        CHECK_STR(b, "");
        CHECK_INT(cgpath_normalize("/a/../b", &c), -EINVAL);

        _cleanup_free_ char *d = NULL, *e = NULL;
        CHECK_INT(cgpath_absolute("system.slice//web.service/", &d), 0);
        CHECK_STR(d, "/system.slice/web.service");
        CHECK_INT(cgpath_absolute("/", &e), -EINVAL);
        CHECK_INT(cgpath_absolute("", &e), -EINVAL);
        CHECK_INT(cgpath_absolute("/a/../b", &e), -EINVAL);
        CHECK_INT(cgpath_absolute("/a/b\nc", &e), -EINVAL);
}

static int check_hook(const char *own, const char *unit, const char *entity, const char *want) {
        _cleanup_free_ char *got = NULL;
        const char *why = NULL;
        int r = cgpath_stop_hook_instance(own, unit, entity, &got, &why);

        if (want && (r != 0 || !streq(got, want)))
                CHECK_FAIL("%s: got %d %s, expected %s", own, r, strna(got), want);
        if (!want && (r != -EPERM || !why || got))
                CHECK_FAIL("%s: not refused (%d)", own, r);
        return r;
}

TEST(stop_hook_instance) {
        const char *inst = "/system.slice/system-web.slice/web.service";

        /* Where systemd runs ExecStopPost=: the unit's cgroup or, delegated,
         * its .control child. */
        check_hook(inst, "web.service", "system-web.slice", inst);
        check_hook("/system.slice/system-web.slice/web.service/.control", "web.service", "system-web.slice",
                   inst);
        /* Escaped slice names, nested slices. */
        check_hook("/system.slice/system-my\\x2dapp.slice/my-app@a.service", "my-app@a.service",
                   "system-my\\x2dapp.slice", "/system.slice/system-my\\x2dapp.slice/my-app@a.service");
        check_hook("/system.slice/system-farm.slice/system-farm-a.slice/x.service", "x.service",
                   "system-farm-a.slice", "/system.slice/system-farm.slice/system-farm-a.slice/x.service");

        /* A delegated service moved the hook inside its own subtree. */
        check_hook("/system.slice/system-web.slice/web.service/sub", "web.service", "system-web.slice",
                   NULL);
        check_hook("/system.slice/system-web.slice/web.service/system.slice/system-db.slice/db.service",
                   "web.service", "system-web.slice", NULL);
        check_hook("/system.slice/system-web.slice/web.service/.control/.control", "web.service",
                   "system-web.slice", NULL);
        /* The unit's own cgroup in another slice (started before its entity
         * was configured): acted on, but said so. */
        {
                _cleanup_free_ char *got = NULL;
                const char *why = NULL;

                CHECK_INT(cgpath_stop_hook_instance("/system.slice/web.service/.control", "web.service",
                                                    "system-web.slice", &got, &why),
                          1);
                CHECK_STR(got, "/system.slice/web.service");
        }
        /* Not the unit's cgroup. */
        check_hook("/system.slice/web.service", "db.service", "system-web.slice", NULL);
        check_hook("/system.slice/system-db.slice/db.service", "web.service", "system-web.slice", NULL);
        check_hook("/", "web.service", "system-web.slice", NULL);

        /* Without --unit/--entity (an older drop-in): taken from the path,
         * which must still be "/<slice path>/<unit>". */
        check_hook(inst, NULL, NULL, inst);
        check_hook("/system.slice/system-web.slice/web.service/.control", NULL, NULL, inst);
        check_hook("/system.slice/system-web.slice/web.service/x.slice/db.service", NULL, NULL, NULL);
        check_hook("/system.slice/system-web.slice/web.service/system.slice/db.service", NULL, NULL, NULL);
        check_hook("/system.slice/system-web.slice/web.service/sub", NULL, NULL, NULL);
        check_hook("/web.service", NULL, NULL, NULL);
        check_hook("/", NULL, NULL, NULL);
        check_hook("/user.slice/user-1000.slice/session-1.scope", NULL, NULL, NULL);
}

TEST(proc_and_id) {
        char tmpl[] = "/tmp/test-cgpath-XXXXXX";
        _cleanup_free_ char *dir = NULL, *f = NULL, *cg = NULL, *cgdir = NULL, *inv = NULL;
        const char *text = "12:memory:/x\n0::/system.slice/web.service\n";
        struct stat st;
        uint64_t id = 0;

        CHECK(mkdtemp(tmpl));
        dir = strdup(tmpl);
        f = path_join(dir, "42");
        CHECK(mkdir(f, 0755) == 0);
        free(f);
        f = path_join(dir, "42", "cgroup");
        CHECK_INT(write_file_atomic(f, text, strlen(text), 0644), 0);
        CHECK_INT(proc_pid_cgroup(dir, "42", &cg), 0);
        CHECK_STR(cg, "/system.slice/web.service");
        CHECK_INT(proc_pid_cgroup(dir, "43", &inv), -ENOENT);
        CHECK_INT(write_file_atomic(f, "1:name=systemd:/\n", 17, 0644), 0);
        CHECK_INT(proc_pid_cgroup(dir, "42", &inv), -ENOMEDIUM);

        cgdir = path_join(dir, "system.slice");
        CHECK(mkdir(cgdir, 0755) == 0);
        CHECK(stat(cgdir, &st) == 0);
        CHECK_INT(cgpath_id(dir, "/system.slice", &id), 0);
        CHECK(id == (uint64_t) st.st_ino);
        CHECK_INT(cgpath_id(dir, "/system.slice/../..", &id), -EINVAL);
        CHECK_INT(cgpath_id(dir, "42/cgroup", &id), -ENOTDIR);
        /* No trusted.* xattr on a plain directory (nor can a test set one). */
        CHECK(cgpath_invocation_id(dir, "/system.slice", &inv) < 0);
        CHECK(!inv);

        CHECK(unlink(f) == 0);
        CHECK(rmdir(cgdir) == 0);
        free(f);
        f = path_join(dir, "42");
        CHECK(rmdir(f) == 0);
        CHECK(rmdir(dir) == 0);
}
