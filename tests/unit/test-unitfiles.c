/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"
#include "path.h"
#include "tests.h"
#include "unitfiles.h"

TEST(scan_priority_and_masks) {
        char *root = test_tmpdir();
        UnitFiles u = {};

        test_write(root, "usr/lib/systemd/system/web.service", "[Service]\n");
        test_write(root, "usr/lib/systemd/system/db.service", "[Service]\n");
        test_write(root, "usr/lib/systemd/system/foo@.service", "[Service]\n");
        test_write(root, "usr/lib/systemd/system/gone.service", "[Service]\n");
        test_write(root, "usr/lib/systemd/system/empty-low.service", "");
        test_write(root, "usr/lib/systemd/system/web.socket", "[Socket]\n");
        /* /etc wins over /usr/lib: db is masked by a link to /dev/null, gone
         * by an empty file; empty-low is revived by a real file in /etc. */
        test_write(root, "etc/systemd/system/gone.service", "");
        test_write(root, "etc/systemd/system/empty-low.service", "[Service]\n");
        test_write(root, "etc/systemd/system/local.service", "[Service]\n");
        test_symlink(root, "etc/systemd/system/db.service", "/dev/null");
        test_symlink(root, "etc/systemd/system/alias.service", "local.service");
        test_symlink(root, "etc/systemd/system/dangling.service", "nowhere.service");
        /* drop-in directories are no units */
        test_write(root, "run/systemd/generator/web.service.d/zz-cgpersist.conf", "[Service]\n");
        test_write(root, "run/systemd/generator.late/late.service", "[Service]\n");

        CHECK_INT(unit_files_scan(root, &u), 0);
        for (size_t i = 0; i < u.n; i++)
                printf("# %s%s\n", u.items[i].name, u.items[i].masked ? " (masked)" : "");
        CHECK_INT(u.n, 8);
        CHECK(unit_files_exist(&u, "web.service"));
        CHECK(unit_files_exist(&u, "local.service"));
        CHECK(unit_files_exist(&u, "alias.service"));
        CHECK(unit_files_exist(&u, "late.service"));
        CHECK(unit_files_exist(&u, "empty-low.service"));
        CHECK(unit_files_exist(&u, "foo@.service"));
        CHECK(unit_files_exist(&u, "foo@a.service"));
        CHECK(!unit_files_exist(&u, "db.service"));
        CHECK(unit_files_find(&u, "db.service") && unit_files_find(&u, "db.service")->masked);
        CHECK(!unit_files_exist(&u, "gone.service"));
        CHECK(!unit_files_exist(&u, "dangling.service"));
        CHECK(!unit_files_exist(&u, "web.socket"));
        CHECK(!unit_files_exist(&u, "web.service.d"));
        CHECK(!unit_files_exist(&u, "bar@a.service"));
        CHECK(!unit_files_exist(&u, "nothing.service"));
        unit_files_done(&u);
        CHECK_INT(u.n, 0);
}

TEST(masked_instance_and_template) {
        char *root = test_tmpdir();
        UnitFiles u = {};

        test_write(root, "lib/systemd/system/foo@.service", "[Service]\n");
        test_write(root, "lib/systemd/system/bar@.service", "[Service]\n");
        test_symlink(root, "etc/systemd/system/foo@b.service", "/dev/null");
        test_symlink(root, "run/systemd/system/bar@.service", "/dev/null");

        CHECK_INT(unit_files_scan(root, &u), 0);
        CHECK(unit_files_exist(&u, "foo@a.service"));
        CHECK(!unit_files_exist(&u, "foo@b.service"));
        CHECK(!unit_files_exist(&u, "bar@.service"));
        CHECK(!unit_files_exist(&u, "bar@a.service"));
        unit_files_done(&u);
}

TEST(empty_root) {
        char *root = test_tmpdir();
        UnitFiles u = {};

        CHECK_INT(unit_files_scan(root, &u), 0);
        CHECK_INT(u.n, 0);
        CHECK(!unit_files_exist(&u, "web.service"));
        CHECK(unit_files_find(&u, "web.service") == NULL);
        unit_files_done(&u);
}

TEST(hostile_names_skipped) {
        char *root = test_tmpdir();
        UnitFiles u = {};

        test_write(root, "etc/systemd/system/ok.service", "[Service]\n");
        test_write(root, "etc/systemd/system/bad name.service", "[Service]\n");
        test_write(root, "etc/systemd/system/.hidden.service", "[Service]\n");
        CHECK_INT(unit_files_scan(root, &u), 0);
        CHECK_INT(u.n, 1);
        CHECK_STR(u.items[0].name, "ok.service");
        unit_files_done(&u);
}
