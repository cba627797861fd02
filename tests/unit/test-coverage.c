/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The generator and the daemon over one fixture tree: every unit that
 * systemd could load gets the same entity from both (the generator's Slice=
 * drop-in, the daemon's entity), or neither gives it one. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cgroupfs.h"
#include "config.h"
#include "coverage.h"
#include "dropin.h"
#include "fileio.h"
#include "macro.h"
#include "path.h"
#include "tests.h"
#include "unitfiles.h"
#include "unitname.h"

/* Every kind of place a unit comes from, and the units a glob must pass
 * over. */
static char *fixture(void) {
        char *root = test_tmpdir();

        test_write(root, "etc/cgpersist/cgpersist.conf",
                   "[service *.service]\n"
                   "[service foo@.service]\n"
                   "memory_high = 1G\n"
                   "[service named-early.service]\n"
                   "[service sliced.service]\n");
        test_write(root, "usr/lib/systemd/system/web.service", "[Service]\nExecStart=/bin/true\n");
        test_write(root, "usr/lib/systemd/system/db.service", "[Service]\n");
        test_symlink(root, "etc/systemd/system/db.service", "/dev/null"); /* masked */
        test_write(root, "run/systemd/transient/run-u7.service", "[Service]\nExecStart=/bin/sleep 1\n");
        test_write(root, "etc/systemd/system.attached/portable.service", "[Service]\n");
        test_write(root, "run/systemd/system.attached/portable2.service", "[Service]\n");
        test_write(root, "etc/systemd/system.control/ctl.service", "[Service]\n");
        test_write(root, "run/systemd/generator.early/early-gen.service", "[Service]\n");
        test_write(root, "run/systemd/generator.late/late-gen.service", "[Service]\n");
        test_write(root, "usr/local/lib/systemd/system/local.service", "[Service]\n");
        test_write(root, "usr/lib/systemd/system/foo@.service", "[Service]\n");
        test_symlink(root, "etc/systemd/system/sockets.target.wants/x.socket", "/nowhere");
        test_symlink(root, "etc/systemd/system/sockets.target.wants/bad name.service", "/nowhere");
        test_symlink(root, "etc/systemd/system/sockets.target.wants/gone.service", "/nowhere");
        test_symlink(root, "etc/systemd/system/multi-user.target.wants/foo@a.service",
                     "/usr/lib/systemd/system/foo@.service");
        test_write(root, "usr/lib/systemd/system/bar@.service", "[Service]\n");
        test_write(root, "usr/lib/systemd/system/early.service",
                   "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/true\n");
        test_write(root, "usr/lib/systemd/system/named-early.service", "[Unit]\nDefaultDependencies=no\n");
        /* Its own Slice=, set by the administrator's drop-in: the entity
         * goes below it, for the generator and the daemon alike. */
        test_write(root, "usr/lib/systemd/system/sliced.service", "[Service]\n");
        test_write(root, "etc/systemd/system/sliced.service.d/override.conf",
                   "[Service]\nSlice=custom.slice\n");
        test_write(root, "usr/lib/systemd/system/late-off.service", "[Service]\n");
        test_write(root, "usr/lib/systemd/system/late-off.service.d/10-early.conf",
                   "[Unit]\nDefaultDependencies=false\n");
        test_write(root, "usr/lib/systemd/system/rescue.service", "[Service]\n");
        test_write(root, "usr/lib/systemd/system/emergency.service", "[Service]\n");
        test_write(root, "usr/lib/systemd/system/debug-shell.service", "[Service]\n");
        test_write(root, "usr/lib/systemd/system/initrd-cleanup.service", "[Service]\n");
        test_write(root, "usr/lib/systemd/system/user@.service", "[Service]\nSlice=user-%i.slice\n");
        test_write(root, "usr/lib/systemd/system/cgpersistd.service", "[Service]\n");
        return root;
}

/* The units systemd could load in the fixture, and instances PID 1 has
 * loaded (the daemon sees them; the generator never does). */
static const char *const units[] = {
        "web.service",        "db.service",          "run-u7.service",         "portable.service",
        "portable2.service",  "ctl.service",         "early-gen.service",      "late-gen.service",
        "local.service",      "foo@a.service",       "foo@b.service",          "bar@x.service",
        "early.service",      "named-early.service", "late-off.service",       "rescue.service",
        "emergency.service",  "debug-shell.service", "initrd-cleanup.service", "user@0.service",
        "cgpersistd.service", "sliced.service",
};
static const char *const loaded[] = { "foo@b.service", "bar@x.service", "user@0.service" };

/* ---- the generator's view: the Slice= of the drop-in systemd would use -- */

/* The Slice= line of one drop-in directory's file: 1 and the slice, 0 when
 * the file exists without one (an instance taken out of its template's
 * family), -ENOENT when there is no file. */
static int dropin_slice(const char *out, const char *unit, char **ret) {
        _cleanup_free_ char *rel = NULL, *path = NULL, *text = NULL;
        const char *s;

        CHECK(asprintf(&rel, "normal/%s.d/" DROPIN_FILE_NAME, unit) > 0);
        path = path_join(out, rel);
        CHECK(path);
        if (read_full_file(path, 1 << 20, &text, NULL) < 0)
                return -ENOENT;
        s = strstr(text, "\nSlice=");
        if (!s) {
                *ret = NULL;
                return 0;
        }
        s += strlen("\nSlice=");
        *ret = strndup(s, strcspn(s, "\n"));
        CHECK(*ret);
        return 1;
}

/* As systemd reads drop-ins: the unit's own directory, then for an instance
 * its template's (the instance's own file replaces the template's). */
static char *generator_entity(const char *out, const char *unit) {
        _cleanup_free_ char *template = NULL;
        char *slice = NULL;
        int r = dropin_slice(out, unit, &slice);

        if (r >= 0)
                return slice;
        if (!unit_name_is_instance(unit))
                return NULL;
        CHECK_INT(unit_name_template_of(unit, &template), 0);
        r = dropin_slice(out, template, &slice);
        return r > 0 ? slice : NULL;
}

/* ---- the daemon's view: what its reconcile gives an entity ------------- */

/* As daemon/manager.c's collect_desired(): the coverage of the unit files
 * and of the units PID 1 has loaded; a unit that exists gets the entity
 * the coverage names. */
static char *daemon_entity(const char *root, const char *unit) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(unit_files_done) UnitFiles files = {};
        _cleanup_(coverage_done) Coverage cov = {};
        const CoverageUnit *u;
        bool is_loaded = false;

        CHECK_INT(config_load(root, &c, NULL), 0);
        CHECK_INT(unit_files_scan(root, &files), 0);
        CHECK_INT(coverage_collect(c, &files, (char **) loaded, ELEMENTSOF(loaded), &cov), 0);
        for (size_t i = 0; i < ELEMENTSOF(loaded); i++)
                is_loaded = is_loaded || streq(loaded[i], unit);
        if (!is_loaded && !unit_files_exist(&files, unit))
                return NULL;
        /* An instance PID 1 has not loaded: its template's entity. */
        u = coverage_find(&cov, unit);
        if (!u && !is_loaded && unit_name_is_instance(unit)) {
                _cleanup_free_ char *template = NULL;

                CHECK_INT(unit_name_template_of(unit, &template), 0);
                u = coverage_find(&cov, template);
        }
        if (!u || u->reason != COVERAGE_COVERED)
                return NULL;
        return strdup(u->entity);
}

TEST(generator_and_daemon_agree) {
        char *root = fixture();
        char *out = test_tmpdir();
        unsigned disagree = 0, placed = 0;

        CHECK_INT(test_run_generator(root, out), 0);
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                _cleanup_free_ char *g = generator_entity(out, units[i]), *d = daemon_entity(root, units[i]);

                printf("# %-24s generator %-22s daemon %s\n", units[i], strna(g), strna(d));
                if (!streq_ptr(g, d))
                        disagree++;
                placed += !!g;
        }
        CHECK_INT(disagree, 0);
        /* Not agreeing on nothing: every kind of directory places. */
        CHECK_INT(placed, 12);
}

/* What a glob passes over, and that a name still takes it. */
TEST(glob_exclusions) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(unit_files_done) UnitFiles files = {};
        _cleanup_(coverage_done) Coverage cov = {};
        char *root = fixture();
        static const struct {
                const char *unit;
                CoverageReason reason;
        } want[] = {
                { "web.service", COVERAGE_COVERED },         { "portable.service", COVERAGE_COVERED },
                { "late-gen.service", COVERAGE_COVERED },    { "foo@.service", COVERAGE_COVERED },
                { "foo@a.service", COVERAGE_COVERED },       { "named-early.service", COVERAGE_COVERED },
                { "run-u7.service", COVERAGE_TRANSIENT },    { "early.service", COVERAGE_EARLY_BOOT },
                { "late-off.service", COVERAGE_EARLY_BOOT }, { "user@.service", COVERAGE_OWN_SLICE },
                { "user@0.service", COVERAGE_OWN_SLICE },    { "initrd-cleanup.service", COVERAGE_INITRD },
                { "rescue.service", COVERAGE_SHELL },        { "emergency.service", COVERAGE_SHELL },
                { "debug-shell.service", COVERAGE_SHELL },
        };

        CHECK_INT(config_load(root, &c, NULL), 0);
        CHECK_INT(unit_files_scan(root, &files), 0);
        CHECK_INT(coverage_collect(c, &files, (char **) loaded, ELEMENTSOF(loaded), &cov), 0);
        for (size_t i = 0; i < cov.n; i++)
                printf("#   %-24s %s\n", cov.units[i].unit, coverage_reason_to_string(cov.units[i].reason));
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                const CoverageUnit *u = coverage_find(&cov, want[i].unit);

                if (!u)
                        CHECK_FAIL("%s is not listed", want[i].unit);
                CHECK_STR(coverage_reason_to_string(u->reason), coverage_reason_to_string(want[i].reason));
        }
        /* Masked, our own, and what nothing matches: not listed. */
        CHECK(!coverage_find(&cov, "db.service"));
        CHECK(!coverage_find(&cov, "cgpersistd.service"));
        CHECK(coverage_find(&cov, "named-early.service")->by_glob == false);
        CHECK(coverage_find(&cov, "web.service")->by_glob == true);
        CHECK_STR(coverage_find(&cov, "foo@a.service")->entity, "system-foo.slice");
}

/* Enabled: linked from a .wants/ directory; a template through an
 * instance. */
TEST(wanted) {
        _cleanup_(unit_files_done) UnitFiles files = {};
        char *root = fixture();

        CHECK_INT(unit_files_scan(root, &files), 0);
        CHECK(unit_files_is_wanted(&files, "foo@a.service"));
        CHECK(unit_files_is_wanted(&files, "foo@.service"));
        CHECK(!unit_files_is_wanted(&files, "foo@b.service"));
        CHECK(!unit_files_is_wanted(&files, "bar@.service"));
        CHECK(!unit_files_is_wanted(&files, "web.service"));
        /* Not services, hostile names, a dangling link: never units. */
        CHECK(!unit_files_is_wanted(&files, "x.socket"));
        CHECK(!unit_files_is_wanted(&files, "bad name.service"));
        CHECK(unit_files_is_wanted(&files, "gone.service"));
        CHECK(!unit_files_exist(&files, "gone.service"));
        CHECK(!unit_files_is_wanted(&files, "fo@.service"));
        CHECK(unit_files_is_transient(&files, "run-u7.service"));
        CHECK(!unit_files_is_transient(&files, "web.service"));
}

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
        _cleanup_(unit_files_done) UnitFiles files = {};
        _cleanup_(coverage_done) Coverage l = {};
        char *root = test_tmpdir();

        test_write(root, "etc/systemd/system/web-api.service", "[Service]\n");
        test_write(root, "lib/systemd/system/web-ui.service", "[Service]\n");
        test_write(root, "lib/systemd/system/web-api.service", "[Service]\n"); /* same name twice */
        test_write(root, "lib/systemd/system/web-x.socket", "[Socket]\n");
        test_write(root, "lib/systemd/system/cgpersist-web.service", "[Service]\n");
        test_write(root, "usr/lib/systemd/system/db.service", "[Service]\n");

        c = parse("[service web-*.service]\n"
                  "[service cgpersist-*.service]\n"
                  "[service foo@.service]\n"
                  "[service db.service]\n");
        CHECK_INT(unit_files_scan(root, &files), 0);
        CHECK_INT(coverage_collect(c, &files, NULL, 0, &l), 0);
        for (size_t i = 0; i < l.n; i++)
                printf("#   %s\n", l.units[i].unit);
        /* sorted, once each; globs only find services, never our own */
        CHECK_INT(l.n, 4);
        CHECK_STR(l.units[0].unit, "db.service");
        CHECK_STR(l.units[1].unit, "foo@.service");
        CHECK_STR(l.units[2].unit, "web-api.service");
        CHECK_STR(l.units[3].unit, "web-ui.service");
}

TEST(named_own_unit) {
        _cleanup_(config_freep) Config *c = parse("[service cgpersistd.service]\n");
        _cleanup_(coverage_done) Coverage l = {};

        CHECK_INT(coverage_collect(c, NULL, NULL, 0, &l), 0);
        CHECK_INT(l.n, 1);
        CHECK_INT(l.units[0].reason, COVERAGE_OWN);
        CHECK(!l.units[0].entity);
}

TEST(entity_of) {
        ServicePolicy p = {};
        _cleanup_free_ char *a = NULL, *b = NULL;
        char *untouched = (char *) "x";

        CHECK_INT(coverage_entity_of(&p, "foo@a.service", NULL, &a), 0);
        CHECK_STR(a, "system-foo.slice");
        p.entity = (char *) "system-farm.slice";
        CHECK_INT(coverage_entity_of(&p, "foo@a.service", NULL, &b), 0);
        CHECK_STR(b, "system-farm.slice");
        p.entity = (char *) "../x.slice";
        CHECK_INT(coverage_entity_of(&p, "foo@a.service", NULL, &untouched), -EINVAL);
        CHECK_STR(untouched, "x");
}

TEST(entity_of_own_slice) {
        ServicePolicy p = {};
        _cleanup_free_ char *a = NULL, *b = NULL;
        char *untouched = (char *) "x";

        CHECK_INT(coverage_entity_of(&p, "web.service", "custom.slice", &a), 0);
        CHECK_STR(a, "custom-web.slice");
        p.entity = (char *) "custom-farm.slice";
        CHECK_INT(coverage_entity_of(&p, "web.service", "custom.slice", &b), 0);
        CHECK_STR(b, "custom-farm.slice");
        p.entity = (char *) "system-farm.slice";
        CHECK_INT(coverage_entity_of(&p, "web.service", "custom.slice", &untouched), -EXDEV);
        p.entity = NULL;
        CHECK_INT(coverage_entity_of(&p, "web.service", "user-1000.slice", &untouched), -EINVAL);
        CHECK_STR(untouched, "x");
}

static const CoverageUnit *find(const Coverage *l, const char *unit) {
        const CoverageUnit *u = coverage_find(l, unit);

        if (!u)
                CHECK_FAIL("%s not collected", unit);
        return u;
}

/* A section that names a unit whose own files set Slice=: the entity goes
 * below that slice, or the unit is left where it is, with the reason. The
 * generator's drop-in that says where it is now does not count. */
TEST(own_slice) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(unit_files_done) UnitFiles files = {};
        _cleanup_(coverage_done) Coverage l = {};
        char *root = test_tmpdir();
        const CoverageUnit *u;

        test_write(root, "usr/lib/systemd/system/plain.service", "[Service]\n");
        test_write(root, "usr/lib/systemd/system/own.service", "[Service]\nSlice=custom.slice\n");
        test_write(root, "usr/lib/systemd/system/edited.service", "[Service]\n");
        test_write(root, "etc/systemd/system/edited.service.d/override.conf",
                   "[Service]\nSlice=a-b.slice\n");
        test_write(root, "run/systemd/generator/edited.service.d/" DROPIN_FILE_NAME,
                   "[Service]\nSlice=system-edited.slice\n");
        test_write(root, "usr/lib/systemd/system/sys.service", "[Service]\nSlice=system.slice\n");
        test_write(root, "usr/lib/systemd/system/spec.service", "[Service]\nSlice=x-%N.slice\n");
        test_write(root, "usr/lib/systemd/system/user.service", "[Service]\nSlice=user-1000.slice\n");
        test_write(root, "usr/lib/systemd/system/outside.service", "[Service]\nSlice=custom.slice\n");
        test_write(root, "usr/lib/systemd/system/tpl@.service", "[Service]\nSlice=custom.slice\n");
        c = parse("[service plain.service]\n[service own.service]\n[service edited.service]\n"
                  "[service sys.service]\n[service spec.service]\n[service user.service]\n"
                  "[service outside.service]\nentity = system-out.slice\n[service tpl@.service]\n");
        CHECK_INT(unit_files_scan(root, &files), 0);
        CHECK_INT(coverage_collect(c, &files, (char *[]){ (char *) "tpl@a.service" }, 1, &l), 0);

        CHECK_STR(find(&l, "plain.service")->entity, "system-plain.slice");
        CHECK_STR(find(&l, "own.service")->entity, "custom-own.slice");
        CHECK_STR(find(&l, "own.service")->own_slice, "custom.slice");
        CHECK_STR(find(&l, "edited.service")->entity, "a-b-edited.slice");
        CHECK_STR(find(&l, "sys.service")->entity, "system-sys.slice");
        CHECK(!find(&l, "sys.service")->own_slice);
        CHECK_STR(find(&l, "tpl@.service")->entity, "custom-tpl.slice");
        CHECK_STR(find(&l, "tpl@a.service")->entity, "custom-tpl.slice");
        u = find(&l, "spec.service");
        CHECK_INT(u->reason, COVERAGE_SLICE_SPECIFIERS);
        CHECK(!u->entity);
        CHECK_STR(u->own_slice, "x-%N.slice");
        CHECK_INT(find(&l, "user.service")->reason, COVERAGE_SLICE_FOREIGN);
        CHECK_INT(find(&l, "outside.service")->reason, COVERAGE_ENTITY_OUTSIDE_SLICE);
        CHECK(coverage_reason_is_slice(COVERAGE_ENTITY_OUTSIDE_SLICE));
        CHECK(!coverage_reason_is_slice(COVERAGE_OWN_SLICE));
}

TEST(entity_tmpfs) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(coverage_done) Coverage l = {};
        _cleanup_free_ TmpfsSpec *t = NULL, *u = NULL, *v = NULL;
        size_t n = 99, conflicts = 99;

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
        CHECK_INT(coverage_collect(c, NULL, NULL, 0, &l), 0);

        CHECK_INT(coverage_entity_tmpfs(&l, "system-foo.slice", &t, &n, &conflicts), 0);
        CHECK_INT(n, 0);
        CHECK_INT(conflicts, 2);
        CHECK(t == NULL);

        CHECK_INT(coverage_entity_tmpfs(&l, "system-farm.slice", &u, &n, &conflicts), 0);
        CHECK_INT(n, 2);
        CHECK_INT(conflicts, 0);
        CHECK_STR(u[0].path, "/srv/bar");
        CHECK_U64(u[0].size, 8 << 20);
        CHECK_STR(u[1].path, "/srv/baz");

        CHECK_INT(coverage_entity_tmpfs(&l, "system-plain.slice", &v, &n, NULL), 0);
        CHECK_INT(n, 0);
}

TEST(entity_tmpfs_simple) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(coverage_done) Coverage l = {};
        _cleanup_free_ TmpfsSpec *t = NULL;
        size_t n = 0, conflicts = 99;

        c = parse("[service foo@.service]\n"
                  "tmpfs = /srv/foo size=16M mode=0750 owner=foo:bar\n"
                  "[service foo@a.service]\n"
                  "[service foo@b.service]\n"
                  "tmpfs =\n");
        CHECK_INT(coverage_collect(c, NULL, NULL, 0, &l), 0);
        CHECK_INT(coverage_entity_tmpfs(&l, "system-foo.slice", &t, &n, &conflicts), 0);
        CHECK_INT(n, 1);
        CHECK_INT(conflicts, 0);
        CHECK_STR(t[0].path, "/srv/foo");
        CHECK_U64(t[0].size, 16 << 20);
        CHECK_INT(t[0].mode, 0750);
        CHECK_STR(t[0].owner, "foo:bar");
}

/* The sections that apply to a unit, as "file:line": what a refused Disable
 * names; for an entity, those of every unit in it (GetEntity's
 * configured_by), by the rule config_policy_for() applies. */
TEST(sections) {
        _cleanup_(config_freep) Config *c = parse("[service web-*.service]\n"
                                                  "memory_max = 2G\n"
                                                  "[service web-api.service]\n"
                                                  "[service foo@.service]\n"
                                                  "[service foo@b.service]\n"
                                                  "[service *@.service]\n"
                                                  "[service one.service]\n"
                                                  "entity = system-farm.slice\n"
                                                  "[service two.service]\n"
                                                  "entity = system-farm.slice\n");
        _cleanup_(coverage_done) Coverage cov = {};
        char *extra[] = { (char *) "foo@b.service", (char *) "one.service", (char *) "two.service" };
        char **l = NULL;

        CHECK_INT(coverage_sections(c, "web-api.service", &l), 2);
        CHECK_STR(l[0], "test.conf:1");
        CHECK_STR(l[1], "test.conf:3");
        CHECK(!l[2]);
        strv_free(l);
        /* As the policy: the template's section, not "*@.service", which
         * matches the template's name only. */
        CHECK_INT(coverage_sections(c, "foo@x.service", &l), 1);
        CHECK_STR(l[0], "test.conf:4");
        strv_free(l);
        CHECK_INT(coverage_sections(c, "db.service", &l), 0);
        CHECK(l && !l[0]);
        strv_free(l);
        CHECK_INT(coverage_sections(NULL, "db.service", &l), -EINVAL);

        CHECK_INT(coverage_collect(c, NULL, extra, ELEMENTSOF(extra), &cov), 0);
        CHECK_INT(coverage_entity_sections(c, &cov, "system-foo.slice", "foo@.service", &l), 3);
        CHECK_STR(l[0], "test.conf:4");
        CHECK_STR(l[1], "test.conf:5");
        CHECK_STR(l[2], "test.conf:6");
        strv_free(l);
        CHECK_INT(coverage_entity_sections(c, &cov, "system-farm.slice", "one.service", &l), 2);
        CHECK_STR(l[0], "test.conf:7");
        CHECK_STR(l[1], "test.conf:9");
        strv_free(l);
}
