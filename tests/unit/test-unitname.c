/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "macro.h"
#include "tests.h"
#include "unitname.h"

/* A name of exactly n bytes: "aaa...a.service". */
static char *long_name(size_t n, const char *suffix) {
        size_t sl = strlen(suffix);
        char *s = malloc(n + 1);

        if (!s || n < sl)
                abort();
        memset(s, 'a', n - sl);
        memcpy(s + n - sl, suffix, sl + 1);
        return s;
}

TEST(valid_service_names) {
        CHECK(unit_name_is_valid_service("web.service"));
        CHECK(unit_name_is_valid_service("my-app.service"));
        CHECK(unit_name_is_valid_service("foo@.service"));
        CHECK(unit_name_is_valid_service("foo@a.service"));
        CHECK(unit_name_is_valid_service("foo@a@b.service"));
        CHECK(unit_name_is_valid_service("getty@tty1.service"));
        CHECK(unit_name_is_valid_service("systemd-fsck@dev-disk-by\\x2duuid-1234.service"));
        CHECK(unit_name_is_valid_service("a:b_c.d.service"));
        CHECK(unit_name_is_valid_service("A1.service"));
}

TEST(hostile_service_names) {
        _cleanup_free_ char *max = long_name(UNIT_NAME_MAX, ".service");
        _cleanup_free_ char *over = long_name(UNIT_NAME_MAX + 1, ".service");
        _cleanup_free_ char *huge = long_name(4096, ".service");

        CHECK(unit_name_is_valid_service(max));
        CHECK(!unit_name_is_valid_service(over));
        CHECK(!unit_name_is_valid_service(huge));

        CHECK(!unit_name_is_valid_service(NULL));
        CHECK(!unit_name_is_valid_service(""));
        CHECK(!unit_name_is_valid_service(".service"));
        CHECK(!unit_name_is_valid_service("@.service"));
        CHECK(!unit_name_is_valid_service("@a.service"));
        CHECK(!unit_name_is_valid_service("web"));
        CHECK(!unit_name_is_valid_service("web.slice"));
        CHECK(!unit_name_is_valid_service("web.service.d"));
        CHECK(!unit_name_is_valid_service("web.Service"));
        CHECK(!unit_name_is_valid_service("../web.service"));
        CHECK(!unit_name_is_valid_service("a..b.service"));
        CHECK(!unit_name_is_valid_service("..service"));
        CHECK(!unit_name_is_valid_service("a/b.service"));
        CHECK(!unit_name_is_valid_service("/etc/passwd.service"));
        CHECK(!unit_name_is_valid_service("web .service"));
        CHECK(!unit_name_is_valid_service("web\n.service"));
        CHECK(!unit_name_is_valid_service("web\t.service"));
        CHECK(!unit_name_is_valid_service("w\xc3\xa9"
                                          "b.service"));
        CHECK(!unit_name_is_valid_service("w\xff"
                                          "b.service"));
        CHECK(!unit_name_is_valid_service("web*.service"));
        CHECK(!unit_name_is_valid_service("$(reboot).service"));
        CHECK(!unit_name_is_valid_service("web%i.service"));
}

TEST(template_and_instance) {
        _cleanup_free_ char *t1 = NULL, *t2 = NULL, *t3 = NULL;
        char *untouched = (char *) "x";

        CHECK(unit_name_is_template("foo@.service"));
        CHECK(!unit_name_is_template("foo@a.service"));
        CHECK(!unit_name_is_template("foo.service"));
        CHECK(!unit_name_is_template("@.service"));
        CHECK(unit_name_is_instance("foo@a.service"));
        CHECK(unit_name_is_instance("foo@a@b.service"));
        CHECK(!unit_name_is_instance("foo@.service"));
        CHECK(!unit_name_is_instance("foo.service"));
        CHECK(!unit_name_is_instance("foo@a/b.service"));

        CHECK_INT(unit_name_template_of("foo@a.service", &t1), 0);
        CHECK_STR(t1, "foo@.service");
        CHECK_INT(unit_name_template_of("foo@a@b.service", &t2), 0);
        CHECK_STR(t2, "foo@.service");
        CHECK_INT(unit_name_template_of("web.service", &t3), 0);
        CHECK_STR(t3, "web.service");
        CHECK_INT(unit_name_template_of("../x@a.service", &untouched), -EINVAL);
        CHECK_STR(untouched, "x");
}

static void entity_is(const char *service, const char *want) {
        _cleanup_free_ char *s = NULL;
        int r = unit_name_entity_slice(service, &s);

        if (r < 0)
                CHECK_FAIL("unit_name_entity_slice(\"%s\") = %d", service, r);
        CHECK_STR(s, want);
        CHECK(slice_name_is_valid(s));
}

TEST(entity_slice_names) {
        entity_is("web.service", "system-web.slice");
        entity_is("foo@a.service", "system-foo.slice");
        entity_is("foo@.service", "system-foo.slice");
        entity_is("foo@a@b.service", "system-foo.slice");
        entity_is("getty@tty1.service", "system-getty.slice");
}

TEST(entity_slice_escaping) {
        /* A dash in a slice name means nesting: the prefix's dashes are
         * escaped as systemd does for a template family's slice. */
        entity_is("my-app.service", "system-my\\x2dapp.slice");
        entity_is("my-app@1.service", "system-my\\x2dapp.slice");
        entity_is("a-b-c.service", "system-a\\x2db\\x2dc.slice");
        /* the escape character itself is escaped, so names cannot collide */
        entity_is("my\\x2dapp.service", "system-my\\x5cx2dapp.slice");
        /* a leading dot would make a hidden unit */
        entity_is(".hidden.service", "system-\\x2ehidden.slice");
        /* nor may a trailing one make ".." before ".slice" */
        entity_is("a.@x.service", "system-a\\x2e.slice");
        entity_is("a.b.@x.service", "system-a.b\\x2e.slice");
        entity_is("a.b:c_d.service", "system-a.b:c_d.slice");
}

static void entity_in_is(const char *parent, const char *service, const char *want) {
        _cleanup_free_ char *s = NULL;
        int r = unit_name_entity_slice_in(parent, service, &s);

        if (r < 0)
                CHECK_FAIL("unit_name_entity_slice_in(\"%s\", \"%s\") = %d", parent, service, r);
        CHECK_STR(s, want);
        CHECK(slice_name_is_valid(s));
}

TEST(entity_slice_in_parent) {
        char *untouched = (char *) "x";

        entity_in_is(NULL, "web.service", "system-web.slice");
        entity_in_is("system.slice", "web.service", "system-web.slice");
        entity_in_is("custom.slice", "web.service", "custom-web.slice");
        entity_in_is("custom.slice", "my-app@a.service", "custom-my\\x2dapp.slice");
        entity_in_is("a-b.slice", "web.service", "a-b-web.slice");
        /* The root slice and the trees of logind and machined hold none. */
        CHECK_INT(unit_name_entity_slice_in("-.slice", "web.service", &untouched), -EINVAL);
        CHECK_INT(unit_name_entity_slice_in("user.slice", "web.service", &untouched), -EINVAL);
        CHECK_INT(unit_name_entity_slice_in("user-1000.slice", "web.service", &untouched), -EINVAL);
        CHECK_INT(unit_name_entity_slice_in("machine.slice", "web.service", &untouched), -EINVAL);
        CHECK_INT(unit_name_entity_slice_in("cgt-%N.slice", "web.service", &untouched), -EINVAL);
        CHECK_INT(unit_name_entity_slice_in("web.service", "web.service", &untouched), -EINVAL);
        CHECK_STR(untouched, "x");
        CHECK(slice_can_hold_entities("users.slice"));
        CHECK(!slice_can_hold_entities("a--b.slice"));
}

TEST(entity_slice_errors) {
        _cleanup_free_ char *dashes = long_name(UNIT_NAME_MAX, ".service");
        char *untouched = (char *) "x";

        CHECK_INT(unit_name_entity_slice("", &untouched), -EINVAL);
        CHECK_INT(unit_name_entity_slice("a/b.service", &untouched), -EINVAL);
        CHECK_INT(unit_name_entity_slice("web.slice", &untouched), -EINVAL);
        /* valid as a service, too long once escaped */
        memset(dashes, '-', 100);
        CHECK(unit_name_is_valid_service(dashes));
        CHECK_INT(unit_name_entity_slice(dashes, &untouched), -ENAMETOOLONG);
        CHECK_STR(untouched, "x");
}

TEST(slice_names) {
        _cleanup_free_ char *over = long_name(UNIT_NAME_MAX + 1, ".slice");

        CHECK(slice_name_is_valid("system-web.slice"));
        CHECK(slice_name_is_valid("system-my\\x2dapp.slice"));
        CHECK(slice_name_is_valid("system-web-cache.slice"));
        CHECK(!slice_name_is_valid("system.slice"));
        CHECK(!slice_name_is_valid("user-1000.slice"));
        CHECK(!slice_name_is_valid("machine-x.slice"));
        CHECK(slice_name_is_valid("custom-web.slice"));
        CHECK(slice_name_is_valid("a-b-c.slice"));
        CHECK(!slice_name_is_valid("custom.slice"));
        CHECK(!slice_name_is_valid("-.slice"));
        CHECK(!slice_name_is_valid("system-.slice"));
        CHECK(!slice_name_is_valid("system--web.slice"));
        CHECK(!slice_name_is_valid("system-web-.slice"));
        CHECK(!slice_name_is_valid("system-web.service"));
        CHECK(!slice_name_is_valid("system-web@a.slice"));
        CHECK(!slice_name_is_valid("system-../x.slice"));
        CHECK(!slice_name_is_valid("system-a/b.slice"));
        CHECK(!slice_name_is_valid(""));
        CHECK(!slice_name_is_valid(NULL));
        memcpy(over, "system-", 7);
        CHECK(!slice_name_is_valid(over));
}

static void cgroup_path_is(const char *slice, const char *want) {
        _cleanup_free_ char *p = NULL;
        int r = slice_cgroup_path(slice, &p);

        if (r < 0)
                CHECK_FAIL("slice_cgroup_path(\"%s\") = %d", slice, r);
        CHECK_STR(p, want);
}

TEST(slice_cgroup_paths) {
        cgroup_path_is("system-web.slice", "system.slice/system-web.slice");
        cgroup_path_is("system-my\\x2dapp.slice", "system.slice/system-my\\x2dapp.slice");
        cgroup_path_is("a-b-c.slice", "a.slice/a-b.slice/a-b-c.slice");
        cgroup_path_is("system.slice", "system.slice");
        cgroup_path_is("user-1000.slice", "user.slice/user-1000.slice");
}

TEST(slice_cgroup_path_errors) {
        char *untouched = (char *) "x";

        CHECK_INT(slice_cgroup_path("-.slice", &untouched), -EINVAL);
        CHECK_INT(slice_cgroup_path("a--b.slice", &untouched), -EINVAL);
        CHECK_INT(slice_cgroup_path("../a.slice", &untouched), -EINVAL);
        CHECK_INT(slice_cgroup_path("web.service", &untouched), -EINVAL);
        CHECK_INT(slice_cgroup_path("", &untouched), -EINVAL);
        CHECK_STR(untouched, "x");
}

TEST(keeper_names) {
        _cleanup_free_ char *k1 = NULL, *k2 = NULL, *over = long_name(UNIT_NAME_MAX, ".slice");
        char *untouched = (char *) "x";

        CHECK_INT(unit_name_keeper("system-web.slice", &k1), 0);
        CHECK_STR(k1, "cgpersist-keeper@system-web.service");
        CHECK(unit_name_is_instance(k1));
        CHECK(unit_name_is_cgpersist_own(k1));
        CHECK_INT(unit_name_keeper("system-my\\x2dapp.slice", &k2), 0);
        CHECK_STR(k2, "cgpersist-keeper@system-my\\x2dapp.service");
        CHECK_INT(unit_name_keeper("system.slice", &untouched), -EINVAL);
        CHECK_INT(unit_name_keeper("web.service", &untouched), -EINVAL);
        /* a valid slice whose keeper name would be too long */
        memcpy(over, "system-", 7);
        CHECK(slice_name_is_valid(over));
        CHECK_INT(unit_name_keeper(over, &untouched), -ENAMETOOLONG);
        CHECK_STR(untouched, "x");
}

TEST(patterns) {
        CHECK(unit_pattern_is_glob("web-*.service"));
        CHECK(unit_pattern_is_glob("web?.service"));
        CHECK(unit_pattern_is_glob("web[12].service"));
        CHECK(!unit_pattern_is_glob("web.service"));
        CHECK(!unit_pattern_is_glob("foo@.service"));

        CHECK(unit_pattern_is_valid("web.service"));
        CHECK(unit_pattern_is_valid("foo@.service"));
        CHECK(unit_pattern_is_valid("*.service"));
        CHECK(unit_pattern_is_valid("web-[!x]*"));
        CHECK(!unit_pattern_is_valid(""));
        CHECK(!unit_pattern_is_valid("web"));
        CHECK(!unit_pattern_is_valid("/etc/*"));
        CHECK(!unit_pattern_is_valid("..*"));
        CHECK(!unit_pattern_is_valid("we b*"));
        CHECK(!unit_pattern_is_valid("w\xc3\xa9*"));
}

TEST(pattern_matching) {
        CHECK(unit_pattern_match("web.service", "web.service"));
        CHECK(!unit_pattern_match("web.service", "web2.service"));
        /* a template stands for every instance, and for itself */
        CHECK(unit_pattern_match("foo@.service", "foo@a.service"));
        CHECK(unit_pattern_match("foo@.service", "foo@.service"));
        CHECK(!unit_pattern_match("foo@.service", "foo.service"));
        CHECK(!unit_pattern_match("foo@.service", "foobar@a.service"));
        /* an instance only for itself */
        CHECK(unit_pattern_match("foo@a.service", "foo@a.service"));
        CHECK(!unit_pattern_match("foo@a.service", "foo@b.service"));
        /* globs */
        CHECK(unit_pattern_match("web-*.service", "web-1.service"));
        CHECK(unit_pattern_match("web-*", "web-1.service"));
        CHECK(!unit_pattern_match("web-*.service", "web.service"));
        CHECK(unit_pattern_match("*@*.service", "foo@a.service"));
        CHECK(unit_pattern_match("web[12].service", "web2.service"));
        CHECK(!unit_pattern_match("web[12].service", "web3.service"));
        /* "\" is literal: escaped names match themselves */
        CHECK(unit_pattern_match("my\\x2d*", "my\\x2dapp.service"));
        /* names are validated, even against a catch-all glob */
        CHECK(!unit_pattern_match("*", "../x.service"));
        CHECK(!unit_pattern_match("*", "x.slice"));
        CHECK(!unit_pattern_match("*", ""));
        CHECK(!unit_pattern_match("/*", "x.service"));
}

TEST(own_units) {
        CHECK(unit_name_is_cgpersist_own("cgpersistd.service"));
        CHECK(unit_name_is_cgpersist_own("cgpersist-keeper@system-web.service"));
        CHECK(unit_name_is_cgpersist_own("cgpersist-keeper@.service"));
        CHECK(!unit_name_is_cgpersist_own("cgpersistent.service"));
        CHECK(!unit_name_is_cgpersist_own("web.service"));
        CHECK(!unit_name_is_cgpersist_own(NULL));
}
