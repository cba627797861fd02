/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"
#include "path.h"
#include "tests.h"
#include "unitkeys.h"

static const char *const dirs[] = {
        "etc/systemd/system",
        "run/systemd/system",
        "run/systemd/generator",
        "usr/lib/systemd/system",
};

/* want_r: 1 if the text sets Slice=, else 0. */
static void check_text(const char *text, int want_r, const char *want) {
        _cleanup_(unit_keys_done) UnitKeys k = UNIT_KEYS_INIT;

        CHECK_INT(unit_keys_apply_text(&k, text, "f"), 0);
        CHECK_INT(!!k.slice_source, want_r);
        if (!streq_ptr(k.slice, want))
                CHECK_FAIL("Slice= of \"%s\" = \"%s\", want \"%s\"", text, strna(k.slice), strna(want));
}

static int dd_of(const char *text) {
        _cleanup_(unit_keys_done) UnitKeys k = UNIT_KEYS_INIT;

        CHECK_INT(unit_keys_apply_text(&k, text, "f"), 0);
        return k.default_dependencies;
}

TEST(default_dependencies) {
        CHECK_INT(dd_of(""), 1);
        CHECK_INT(dd_of("[Unit]\nDefaultDependencies=no\n"), 0);
        CHECK_INT(dd_of("[Unit]\nDefaultDependencies = FALSE\n"), 0);
        CHECK_INT(dd_of("[Unit]\nDefaultDependencies=no\nDefaultDependencies=\n"), 1);
        CHECK_INT(dd_of("[Unit]\nDefaultDependencies=no\nDefaultDependencies=maybe\n"), 0);
        CHECK_INT(dd_of("[Service]\nDefaultDependencies=no\n"), 1);
}

TEST(text) {
        check_text("", 0, NULL);
        check_text("[Service]\nExecStart=/bin/true\n", 0, NULL);
        check_text("[Service]\nSlice=custom.slice\n", 1, "custom.slice");
        check_text("[Service]\n  Slice =  custom.slice  \r\n", 1, "custom.slice");
        /* The last one counts; an empty assignment resets to the default. */
        check_text("[Service]\nSlice=a.slice\nSlice=b.slice\n", 1, "b.slice");
        check_text("[Service]\nSlice=a.slice\nSlice=\n", 1, NULL);
        /* Only [Service]; comments; other keys that end in Slice. */
        check_text("[Unit]\nSlice=a.slice\n[Install]\nSlice=b.slice\n", 0, NULL);
        check_text("[Service]\n# Slice=a.slice\n; Slice=b.slice\nMySlice=c.slice\n", 0, NULL);
        check_text("[Service]\nSlice=a.slice\n[Unit]\nSlice=b.slice\n", 1, "a.slice");
        /* Continuations join with a space; comments inside are skipped. */
        check_text("[Service]\nExecStart=/bin/true \\\n# Slice=x.slice\n  --flag\nSlice=c.slice\n", 1,
                   "c.slice");
        check_text("[Service]\nSlice=\\\nd.slice\n", 1, "d.slice");
        check_text("[Service]\nExecStart=/bin/echo \\\nSlice=e.slice\n", 0, NULL);
        /* No final newline; a section header with blanks around it. */
        check_text("  [Service]  \nSlice=f.slice", 1, "f.slice");
        check_text("[Service]\nSlice=f.slice\\", 1, "f.slice");
}

static void check_unit(const char *root, const char *unit, const char *want, const char *want_source) {
        _cleanup_(unit_keys_done) UnitKeys s = UNIT_KEYS_INIT;
        const char *rel;

        CHECK_INT(unit_keys_read(root, dirs, ELEMENTSOF(dirs), unit, "zz-cgpersist.conf", &s), 0);
        if (!streq_ptr(s.slice, want))
                CHECK_FAIL("%s: Slice=%s, want %s", unit, strna(s.slice), strna(want));
        rel = s.slice_source ? s.slice_source + strlen(root) + 1 : NULL;
        if (!streq_ptr(rel, want_source))
                CHECK_FAIL("%s: from %s, want %s", unit, strna(rel), strna(want_source));
}

TEST(files) {
        char *root = test_tmpdir();

        /* The unit file; /etc wins over /usr/lib. */
        test_write(root, "usr/lib/systemd/system/plain.service", "[Service]\nExecStart=/bin/true\n");
        test_write(root, "usr/lib/systemd/system/own.service", "[Service]\nSlice=vendor.slice\n");
        test_write(root, "etc/systemd/system/own.service", "[Service]\nSlice=admin.slice\n");
        check_unit(root, "plain.service", NULL, NULL);
        check_unit(root, "own.service", "admin.slice", "etc/systemd/system/own.service");
        check_unit(root, "missing.service", NULL, NULL);

        /* Drop-ins in file name order across directories; a name in /etc
         * replaces the same name below; cgpersist's own is left out, also
         * when it sorts last, but not someone else's of that name. */
        test_write(root, "usr/lib/systemd/system/web.service", "[Service]\nSlice=vendor.slice\n");
        test_write(root, "usr/lib/systemd/system/web.service.d/10-vendor.conf",
                   "[Service]\nSlice=v10.slice\n");
        test_write(root, "usr/lib/systemd/system/web.service.d/override.conf",
                   "[Service]\nSlice=low.slice\n");
        test_write(root, "etc/systemd/system/web.service.d/override.conf",
                   "[Service]\nSlice=custom.slice\n");
        test_write(root, "run/systemd/system/web.service.d/20-run.conf", "[Service]\nSlice=run.slice\n");
        test_write(root, "run/systemd/generator/web.service.d/zz-cgpersist.conf",
                   "[Service]\nSlice=system-web.slice\n");
        test_write(root, "etc/systemd/system/web.service.d/notes.txt", "[Service]\nSlice=txt.slice\n");
        check_unit(root, "web.service", "custom.slice", "etc/systemd/system/web.service.d/override.conf");

        /* A later drop-in that resets Slice= puts it back in system.slice. */
        test_write(root, "etc/systemd/system/web.service.d/zz-reset.conf", "[Service]\nSlice=\n");
        check_unit(root, "web.service", NULL, "etc/systemd/system/web.service.d/zz-reset.conf");

        /* An instance: the template's file and drop-ins, its own drop-ins,
         * the dash prefixes and the type's, the most specific of one name
         * winning. */
        test_write(root, "usr/lib/systemd/system/app-worker@.service", "[Service]\nSlice=tpl.slice\n");
        check_unit(root, "app-worker@a.service", "tpl.slice", "usr/lib/systemd/system/app-worker@.service");
        test_write(root, "etc/systemd/system/service.d/50-all.conf", "[Service]\nSlice=all.slice\n");
        check_unit(root, "app-worker@a.service", "all.slice", "etc/systemd/system/service.d/50-all.conf");
        test_write(root, "etc/systemd/system/app-.service.d/50-all.conf", "[Service]\nSlice=prefix.slice\n");
        check_unit(root, "app-worker@a.service", "prefix.slice",
                   "etc/systemd/system/app-.service.d/50-all.conf");
        test_write(root, "etc/systemd/system/app-worker@.service.d/60-tpl.conf",
                   "[Service]\nSlice=t60.slice\n");
        test_write(root, "etc/systemd/system/app-worker@a.service.d/70-a.conf",
                   "[Service]\nSlice=a70.slice\n");
        check_unit(root, "app-worker@a.service", "a70.slice",
                   "etc/systemd/system/app-worker@a.service.d/70-a.conf");
        check_unit(root, "app-worker@b.service", "t60.slice",
                   "etc/systemd/system/app-worker@.service.d/60-tpl.conf");
        /* DefaultDependencies= from a drop-in. */
        test_write(root, "usr/lib/systemd/system/early.service.d/10-early.conf",
                   "[Unit]\nDefaultDependencies=no\n");
        {
                _cleanup_(unit_keys_done) UnitKeys k = UNIT_KEYS_INIT;

                CHECK_INT(unit_keys_read(root, dirs, ELEMENTSOF(dirs), "early.service", NULL, &k), 0);
                CHECK_INT(k.default_dependencies, 0);
        }
        /* The type's drop-in applies to every service. */
        check_unit(root, "plain.service", "all.slice", "etc/systemd/system/service.d/50-all.conf");

        /* Hostile or broken files: a drop-in over 1 MiB is refused whole. */
        {
                _cleanup_free_ char *big = malloc(1024 * 1024 + 2);
                _cleanup_(unit_keys_done) UnitKeys s = UNIT_KEYS_INIT;

                CHECK(big);
                memset(big, '#', 1024 * 1024 + 1);
                big[1024 * 1024 + 1] = 0;
                test_write(root, "etc/systemd/system/huge.service.d/big.conf", big);
                CHECK_INT(unit_keys_read(root, dirs, ELEMENTSOF(dirs), "huge.service", NULL, &s), -EFBIG);
                CHECK(!s.slice);
        }
        {
                _cleanup_(unit_keys_done) UnitKeys s = UNIT_KEYS_INIT;

                CHECK_INT(unit_keys_read(root, dirs, ELEMENTSOF(dirs), "../x.service", NULL, &s), -EINVAL);
        }
}
