/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "keeperproto.h"
#include "macro.h"
#include "tests.h"

TEST(cgroup_paths) {
        CHECK(keeper_cgroup_path_is_valid("/system.slice/system-web.slice/web.service"));
        CHECK(keeper_cgroup_path_is_valid("/system.slice/system-my\\x2dapp.slice/my-app@a.service"));
        CHECK(!keeper_cgroup_path_is_valid(NULL));
        CHECK(!keeper_cgroup_path_is_valid(""));
        CHECK(!keeper_cgroup_path_is_valid("/"));
        CHECK(!keeper_cgroup_path_is_valid("system.slice/web.service"));
        CHECK(!keeper_cgroup_path_is_valid("/system.slice//web.service"));
        CHECK(!keeper_cgroup_path_is_valid("/system.slice/"));
        CHECK(!keeper_cgroup_path_is_valid("/system.slice/../etc"));
        CHECK(!keeper_cgroup_path_is_valid("/./x"));
        CHECK(!keeper_cgroup_path_is_valid("/a b"));
        CHECK(!keeper_cgroup_path_is_valid("/a\tb"));
        CHECK(!keeper_cgroup_path_is_valid("/a\x7f"));
}

TEST(requests) {
        _cleanup_free_ char *a = NULL, *b = NULL, *line = NULL, *back = NULL;
        char *untouched = (char *) "x";

        CHECK_INT(keeper_request_parse("REHOME /system.slice/system-web.slice/web.service\n", &a), 0);
        CHECK_STR(a, "/system.slice/system-web.slice/web.service");
        /* without its newline too */
        CHECK_INT(keeper_request_parse("REHOME /a/b", &b), 0);
        CHECK_STR(b, "/a/b");

        char *none = (char *) "x";
        CHECK_INT(keeper_request_parse("REHOME\n", &none), 0);
        CHECK(none == NULL);

        CHECK_INT(keeper_request_format("/a/b.service", &line), 0);
        CHECK_STR(line, "REHOME /a/b.service\n");
        CHECK_INT(keeper_request_parse(line, &back), 0);
        CHECK_STR(back, "/a/b.service");

        static const char *const bad[] = {
                "",
                "\n",
                "rehome /a\n",
                "REHOME\n\n",
                "REHOME /a\nREHOME /b\n",
                "REHOME  /a\n",
                "REHOME a/b\n",
                "REHOME /a/../b\n",
                "REHOME /\n",
                "REHOME /a b\n",
                "STATUS\n",
                "REHOMEX\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *r = untouched;

                if (keeper_request_parse(bad[i], &r) != -EBADMSG || r != untouched)
                        CHECK_FAIL("request %zu was not refused", i);
        }
        CHECK_INT(keeper_request_parse(NULL, &untouched), -EBADMSG);

        /* longer than a line may be */
        _cleanup_free_ char *big = malloc(KEEPER_LINE_MAX + 20);
        CHECK(big);
        strcpy(big, "REHOME /");
        memset(big + 8, 'a', KEEPER_LINE_MAX);
        big[KEEPER_LINE_MAX + 8] = 0;
        CHECK_INT(keeper_request_parse(big, &untouched), -EBADMSG);

        CHECK_INT(keeper_request_format("a/b", &untouched), -EINVAL);
        CHECK_STR(untouched, "x");
}

TEST(replies) {
        _cleanup_free_ char *ok = NULL, *err = NULL;
        KeeperReply r = { .files = 3, .moved = 2, .failed = 1, .bytes = 16777216, .usec = 5321 }, p;

        CHECK_INT(keeper_reply_format(&r, NULL, &ok), 0);
        CHECK_STR(ok, "OK files=3 moved=2 failed=1 bytes=16777216 usec=5321\n");
        CHECK_INT(keeper_reply_parse(ok, &p), 0);
        CHECK_INT(p.error, 0);
        CHECK_U64(p.files, 3);
        CHECK_U64(p.moved, 2);
        CHECK_U64(p.failed, 1);
        CHECK_U64(p.bytes, 16777216);
        CHECK_U64(p.usec, 5321);

        CHECK_INT(keeper_reply_format(&(KeeperReply){ .error = -EPERM }, "only\nroot", &err), 0);
        CHECK_STR(err, "ERROR 1 only?root\n");
        CHECK_INT(keeper_reply_parse(err, &p), 0);
        CHECK_INT(p.error, EPERM);

        /* a newer keeper may say more; fields may be missing */
        CHECK_INT(keeper_reply_parse("OK files=1 later=7\n", &p), 0);
        CHECK_U64(p.files, 1);
        CHECK_U64(p.moved, 0);
        CHECK_INT(keeper_reply_parse("OK\n", &p), 0);

        static const char *const bad[] = {
                "",
                "ok\n",
                "OK files\n",
                "OK files=-1\n",
                "OK files=x\n",
                "OK files=1 files=2\n",
                "OK files=99999999999999999999999\n",
                "ERROR\n",
                "ERROR 0 x\n",
                "ERROR x\n",
                "ERROR 5000 x\n",
                "OK\nOK\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (keeper_reply_parse(bad[i], &p) != -EBADMSG)
                        CHECK_FAIL("reply %zu (%s) was not refused", i, bad[i]);
}
