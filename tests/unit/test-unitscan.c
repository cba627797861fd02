/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "config.h"
#include "macro.h"
#include "tests.h"
#include "unitscan.h"

static Config *parse(const char *text) {
        ConfigDiags d = {};
        Config *c = NULL;
        int r = config_parse_string(text, "test.conf", &c, &d);

        for (size_t i = 0; i < d.n; i++)
                printf("#   diag: %s:%u: %s\n", d.items[i].file, d.items[i].line, d.items[i].message);
        config_diags_clear(&d);
        if (r != 0 || !c)
                CHECK_FAIL("config_parse_string() = %d", r);
        return c;
}

TEST(names_with_globs) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(unit_names_done) UnitNames l = {};
        char *root = test_tmpdir();

        test_write(root, "etc/systemd/system/web-api.service", "");
        test_write(root, "lib/systemd/system/web-ui.service", "");
        test_write(root, "lib/systemd/system/web-api.service", ""); /* same name twice */
        test_write(root, "lib/systemd/system/web-x.socket", "");
        test_write(root, "lib/systemd/system/cgpersist-web.service", "");
        test_write(root, "usr/lib/systemd/system/db.service", "");

        c = parse("[service web-*.service]\n"
                  "[service cgpersist-*.service]\n"
                  "[service foo@.service]\n"
                  "[service db.service]\n");
        CHECK_INT(config_unit_names(c, root, NULL, NULL, &l), 0);
        for (size_t i = 0; i < l.n; i++)
                printf("#   %s\n", l.names[i]);
        /* sorted, once each; globs only find services, never our own */
        CHECK_INT(l.n, 4);
        CHECK_STR(l.names[0], "db.service");
        CHECK_STR(l.names[1], "foo@.service");
        CHECK_STR(l.names[2], "web-api.service");
        CHECK_STR(l.names[3], "web-ui.service");
}

TEST(entity_of) {
        ServicePolicy p = {};
        _cleanup_free_ char *a = NULL, *b = NULL;
        char *untouched = (char *) "x";

        CHECK_INT(config_entity_of(&p, "foo@a.service", &a), 0);
        CHECK_STR(a, "system-foo.slice");
        p.entity = (char *) "system-farm.slice";
        CHECK_INT(config_entity_of(&p, "foo@a.service", &b), 0);
        CHECK_STR(b, "system-farm.slice");
        p.entity = (char *) "../x.slice";
        CHECK_INT(config_entity_of(&p, "foo@a.service", &untouched), -EINVAL);
        CHECK_STR(untouched, "x");
}

TEST(entity_tmpfs) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(unit_names_done) UnitNames l = {};
        _cleanup_free_ TmpfsSpec *t = NULL, *u = NULL, *v = NULL;
        size_t n = 99, conflicts = 99;
        char *root = test_tmpdir();

        c = parse("[service foo@.service]\n"
                  "tmpfs = /srv/foo size=16M mode=0750 owner=foo\n"
                  "tmpfs = /srv/shared size=1M\n"
                  "[service foo@a.service]\n"
                  /* the same list as the template: counted once */
                  "tmpfs = /srv/foo size=16M mode=0750 owner=foo\n"
                  "tmpfs = /srv/shared size=1M\n"
                  "[service foo@b.service]\n"
                  /* same path, other size: one mount point, one owner */
                  "tmpfs = /srv/foo size=32M mode=0750 owner=foo\n"
                  "[service bar.service]\n"
                  "entity = system-farm.slice\n"
                  "tmpfs = /srv/bar size=8M\n"
                  "[service baz.service]\n"
                  "entity = system-farm.slice\n"
                  "tmpfs = /srv/baz size=8M\n"
                  "[service other.service]\n"
                  /* another entity claims a path of foo's */
                  "tmpfs = /srv/shared size=1M\n"
                  "[service plain.service]\n");
        CHECK_INT(config_unit_names(c, root, NULL, NULL, &l), 0);

        CHECK_INT(config_entity_tmpfs(c, &l, "system-foo.slice", &t, &n, &conflicts), 0);
        CHECK_INT(n, 0);
        CHECK_INT(conflicts, 2);
        CHECK(t == NULL);

        CHECK_INT(config_entity_tmpfs(c, &l, "system-farm.slice", &u, &n, &conflicts), 0);
        CHECK_INT(n, 2);
        CHECK_INT(conflicts, 0);
        CHECK_STR(u[0].path, "/srv/bar");
        CHECK_U64(u[0].size, 8 << 20);
        CHECK_STR(u[1].path, "/srv/baz");

        CHECK_INT(config_entity_tmpfs(c, &l, "system-plain.slice", &v, &n, NULL), 0);
        CHECK_INT(n, 0);
}

TEST(entity_tmpfs_simple) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(unit_names_done) UnitNames l = {};
        _cleanup_free_ TmpfsSpec *t = NULL;
        size_t n = 0, conflicts = 99;
        char *root = test_tmpdir();

        c = parse("[service foo@.service]\n"
                  "tmpfs = /srv/foo size=16M mode=0750 owner=foo:bar\n"
                  "[service foo@a.service]\n"
                  "[service foo@b.service]\n"
                  "tmpfs =\n");
        CHECK_INT(config_unit_names(c, root, NULL, NULL, &l), 0);
        CHECK_INT(config_entity_tmpfs(c, &l, "system-foo.slice", &t, &n, &conflicts), 0);
        CHECK_INT(n, 1);
        CHECK_INT(conflicts, 0);
        CHECK_STR(t[0].path, "/srv/foo");
        CHECK_U64(t[0].size, 16 << 20);
        CHECK_INT(t[0].mode, 0750);
        CHECK_STR(t[0].owner, "foo:bar");
}
