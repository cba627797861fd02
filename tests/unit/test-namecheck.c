/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "macro.h"
#include "namecheck.h"
#include "tests.h"

#define CHECK_OK(name, kinds) \
        do { \
                const char *_p = name_check((name), (kinds)); \
                if (_p) \
                        CHECK_FAIL("'%s' refused: %s", (name), _p); \
        } while (0)

#define CHECK_BAD(name, kinds, word) \
        do { \
                const char *_p = name_check((name), (kinds)); \
                if (!_p) \
                        CHECK_FAIL("'%s' accepted", #name); \
                if (!strstr(_p, (word))) \
                        CHECK_FAIL("%s: \"%s\" lacks \"%s\"", #name, _p, (word)); \
        } while (0)

TEST(namecheck_good) {
        CHECK_OK("web.service", NAME_SERVICE);
        CHECK_OK("foo@.service", NAME_SERVICE);
        CHECK_OK("foo@a.service", NAME_SERVICE);
        CHECK_OK("getty@tty1.service", NAME_SERVICE);
        CHECK_OK("dev-sda1\\x2dx@x.service", NAME_SERVICE);
        CHECK_OK("system-web.slice", NAME_SLICE);
        CHECK_OK("system-my\\x2dapp.slice", NAME_SERVICE | NAME_SLICE);
        CHECK_OK("web.service", NAME_SERVICE | NAME_SLICE);
}

TEST(namecheck_kinds) {
        CHECK_BAD("system-web.slice", NAME_SERVICE, "not a service unit name (NAME.service");
        CHECK_BAD("web.service", NAME_SLICE, "entity slice");
        CHECK_BAD("web.socket", NAME_SERVICE | NAME_SLICE, "entity slice");
        /* Not below another slice, or in a tree another manager owns: not an
         * entity. */
        CHECK_BAD("user.slice", NAME_SLICE, "entity slice");
        CHECK_BAD("system.slice", NAME_SLICE, "entity slice");
        CHECK_BAD("user-1000.slice", NAME_SLICE, "entity slice");
        CHECK_OK("custom-web.slice", NAME_SLICE);
}

TEST(namecheck_hostile) {
        char big[4097];

        CHECK_BAD("", NAME_SERVICE, "is empty");
        CHECK_BAD("../etc.service", NAME_SERVICE, "contains '/'");
        CHECK_BAD("a/b.service", NAME_SERVICE | NAME_SLICE, "contains '/'");
        CHECK_BAD("a..b.service", NAME_SERVICE, "contains '..'");
        CHECK_BAD("..service", NAME_SERVICE, "contains '..'");
        CHECK_BAD("a\\x2fb.service", NAME_SERVICE, "escape"); /* "/" */
        CHECK_BAD("a\\x5cb.service", NAME_SERVICE, "escape"); /* "\" */
        CHECK_BAD("a\\x0ab.service", NAME_SERVICE, "escape"); /* newline */
        CHECK_BAD("a\\xffb.service", NAME_SERVICE, "escape"); /* not ASCII */
        CHECK_BAD("a\\nb.service", NAME_SERVICE, "escape");
        CHECK_BAD("a\\x2.service", NAME_SERVICE, "escape");
        CHECK_BAD("a\\.service", NAME_SERVICE, "escape");
        CHECK_BAD("web\n.service", NAME_SERVICE, "UTF-8 or holds control");
        CHECK_BAD("web\x1b[2J.service", NAME_SERVICE, "UTF-8 or holds control");
        CHECK_BAD("\xff\xfe.service", NAME_SERVICE, "not valid UTF-8");
        CHECK_BAD("\xc3\xa9t\xc3\xa9.service", NAME_SERVICE, "not a service unit name");
        CHECK_BAD("web service.service", NAME_SERVICE, "not a service unit name");

        memset(big, 'a', sizeof big - 1);
        big[sizeof big - 1] = 0;
        memcpy(big + sizeof big - 9, ".service", 8);
        CHECK_BAD(big, NAME_SERVICE, "too long");
        CHECK(name_problem_is_unprintable(name_check(big, NAME_SERVICE)));
        CHECK(name_problem_is_unprintable(name_check("\xff.service", NAME_SERVICE)));
        CHECK(!name_problem_is_unprintable(name_check("a/b.service", NAME_SERVICE)));
}

TEST(namecheck_length_limit) {
        char n[300];

        /* 255 bytes is fine, 256 is not. */
        memset(n, 'a', 255);
        memcpy(n + 255 - 8, ".service", 8);
        n[255] = 0;
        CHECK_OK(n, NAME_SERVICE);
        memset(n, 'a', 256);
        memcpy(n + 256 - 8, ".service", 8);
        n[256] = 0;
        CHECK_BAD(n, NAME_SERVICE, "too long");
}
