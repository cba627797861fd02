/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "config.h"
#include "dropin.h"
#include "fileio.h"
#include "macro.h"
#include "tests.h"

/* Keeps TAP readers happy: every line of text as a "#" comment. */
static void print_commented(const char *what, const char *text) {
        printf("# %s:\n", what);
        for (const char *l = text; l && *l;) {
                size_t n = strcspn(l, "\n");

                printf("#   %.*s\n", (int) n, l);
                l += n;
                if (*l)
                        l++;
        }
}

static ServicePolicy default_policy(void) {
        return (ServicePolicy){
                .memory_low = UINT64_MAX,
                .memory_high = UINT64_MAX,
                .memory_max = UINT64_MAX,
                .retire_residual_max = POLICY_DEFAULT_RETIRE_RESIDUAL_MAX,
                .drain = DRAIN_FILE,
                .drain_budget_usec = POLICY_DEFAULT_DRAIN_BUDGET_USEC,
                .enabled = true,
        };
}

TEST(must_skip) {
        CHECK(!dropin_unit_must_skip("web.service"));
        CHECK(!dropin_unit_must_skip("foo@.service"));
        CHECK(!dropin_unit_must_skip("foo@a.service"));
        CHECK(dropin_unit_must_skip("cgpersistd.service"));
        CHECK(dropin_unit_must_skip("cgpersist-keeper@.service"));
        CHECK(dropin_unit_must_skip("cgpersist-keeper@system-web.service"));
        CHECK(dropin_unit_must_skip(""));
        CHECK(dropin_unit_must_skip(NULL));
        CHECK(dropin_unit_must_skip("../x.service"));
        CHECK(dropin_unit_must_skip("web.socket"));
        CHECK(dropin_unit_must_skip("web*.service"));
}

TEST(render_default) {
        ServicePolicy p = default_policy();
        _cleanup_free_ char *t = NULL;

        CHECK_INT(dropin_render("web.service", &p, NULL, "/usr/libexec/cgpersist", &t), 0);
        print_commented("drop-in", t);
        CHECK(strstr(t, "cgpersist-generator"));
        CHECK(strstr(t, "\n[Unit]\n"));
        CHECK(strstr(t, "\n[Service]\nSlice=system-web.slice\n"));
        CHECK(strstr(t,
                     "\nExecStopPost=-+/usr/libexec/cgpersist/cgpersist-drain --unit=%n "
                     "--entity=system-web.slice --mode=file --budget=2s\n"));
        /* sections in order: [Unit] before [Service] */
        CHECK(strstr(t, "[Unit]") < strstr(t, "[Service]"));
        /* nothing but comments before [Unit] */
        for (const char *l = t; l < strstr(t, "[Unit]"); l = strchr(l, '\n') + 1)
                CHECK(*l == '#' || *l == '\n');
}

TEST(render_variants) {
        ServicePolicy p = default_policy();
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

        /* template family slice, escaped dash */
        p.drain = DRAIN_NONE;
        p.drain_budget_usec = 500000;
        CHECK_INT(dropin_render("my-app@.service", &p, NULL, "/usr/lib/cgpersist/", &a), 0);
        CHECK(strstr(a, "\nSlice=system-my\\x2dapp.slice\n"));
        /* the backslash doubled: systemd unescapes Exec lines */
        CHECK(strstr(a,
                     "\nExecStopPost=-+/usr/lib/cgpersist/cgpersist-drain --unit=%n "
                     "--entity=system-my\\\\x2dapp.slice --mode=none --budget=500ms\n"));

        /* entity override */
        p.entity = (char *) "system-farm.slice";
        p.drain = DRAIN_ALL;
        p.drain_budget_usec = 1500000;
        CHECK_INT(dropin_render("foo@a.service", &p, NULL, "/x", &b), 0);
        CHECK(strstr(b, "\nSlice=system-farm.slice\n"));
        CHECK(strstr(b, "--mode=all --budget=1500ms\n"));

        p = default_policy();
        p.drain_budget_usec = 60000000;
        CHECK_INT(dropin_render("a.service", &p, NULL, "/x", &c), 0);
        CHECK(strstr(c, "--budget=1min\n"));

        /* only one Slice= and one ExecStopPost= */
        p = default_policy();
        CHECK_INT(dropin_render("a.service", &p, NULL, "/x", &d), 0);
        CHECK(strstr(strstr(d, "\nSlice=") + 1, "\nSlice=") == NULL);
        CHECK(strstr(strstr(d, "\nExecStopPost=") + 1, "\nExecStopPost=") == NULL);
}

TEST(render_tmpfs) {
        ServicePolicy p = default_policy();
        TmpfsSpec t = { .path = (char *) "/srv/web", .size = 1 << 20, .mode = 0755 };
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        /* no tmpfs: no keeper, no re-homing */
        CHECK_INT(dropin_render("web.service", &p, NULL, "/x", &a), 0);
        CHECK(!strstr(a, "keeper"));
        CHECK(!strstr(a, "--rehome"));

        p.tmpfs = &t;
        p.n_tmpfs = 1;
        CHECK_INT(dropin_render("web.service", &p, NULL, "/x", &b), 0);
        print_commented("drop-in with tmpfs", b);
        CHECK(strstr(b, "\nWants=cgpersist-keeper@system-web.service\n"));
        CHECK(strstr(b, "\nAfter=cgpersist-keeper@system-web.service\n"));
        /* dependencies in [Unit], the flag on the one stop hook */
        CHECK(strstr(b, "Wants=") < strstr(b, "[Service]"));
        CHECK(strstr(b,
                     "\nExecStopPost=-+/x/cgpersist-drain --unit=%n --entity=system-web.slice --mode=file "
                     "--budget=2s --rehome\n"));

        /* the keeper of a family's slice, escaped as systemd escapes it */
        CHECK_INT(dropin_render("my-app@a.service", &p, NULL, "/x", &c), 0);
        CHECK(strstr(c, "\nWants=cgpersist-keeper@system-my\\x2dapp.service\n"));
}

TEST(render_unmanaged) {
        _cleanup_free_ char *t = NULL;
        char *untouched = (char *) "x";

        CHECK_INT(dropin_render_unmanaged("foo@b.service", &t), 0);
        CHECK(strstr(t, "foo@b.service is not managed"));
        /* comments only: no section, no setting */
        for (const char *l = t; *l; l = strchr(l, '\n') + 1)
                CHECK(*l == '#');
        CHECK_INT(dropin_render_unmanaged("foo.service", &untouched), -EINVAL);
        CHECK_INT(dropin_render_unmanaged("foo@.service", &untouched), -EINVAL);
        CHECK_INT(dropin_render_unmanaged("cgpersist-keeper@x.service", &untouched), -EINVAL);
        CHECK_INT(dropin_render_unmanaged("../a@b.service", &untouched), -EINVAL);
        CHECK_STR(untouched, "x");
}

TEST(render_refuses) {
        ServicePolicy p = default_policy();
        char *untouched = (char *) "x";

        CHECK_INT(dropin_render("cgpersistd.service", &p, NULL, "/x", &untouched), -EINVAL);
        CHECK_INT(dropin_render("../a.service", &p, NULL, "/x", &untouched), -EINVAL);
        CHECK_INT(dropin_render("a.service", NULL, NULL, "/x", &untouched), -EINVAL);
        /* what goes into an Exec line must not be interpreted by systemd */
        CHECK_INT(dropin_render("a.service", &p, NULL, "relative", &untouched), -EINVAL);
        CHECK_INT(dropin_render("a.service", &p, NULL, "/usr/lib/%n", &untouched), -EINVAL);
        CHECK_INT(dropin_render("a.service", &p, NULL, "/usr/lib/$HOME", &untouched), -EINVAL);
        CHECK_INT(dropin_render("a.service", &p, NULL, "/usr/lib/a b", &untouched), -EINVAL);
        CHECK_INT(dropin_render("a.service", &p, NULL, "/usr/lib/a\"b", &untouched), -EINVAL);
        CHECK_INT(dropin_render("a.service", &p, NULL, "/usr/lib/a\\b", &untouched), -EINVAL);
        CHECK_INT(dropin_render("a.service", &p, NULL, "/usr/lib/../x", &untouched), -EINVAL);
        CHECK_INT(dropin_render("a.service", &p, NULL, "/usr/lib/..", &untouched), -EINVAL);
        CHECK_INT(dropin_render("a.service", &p, NULL, NULL, &untouched), -EINVAL);
        p.entity = (char *) "system.slice";
        CHECK_INT(dropin_render("a.service", &p, NULL, "/x", &untouched), -EINVAL);
        p = default_policy();
        p.drain = _DRAIN_MODE_MAX;
        CHECK_INT(dropin_render("a.service", &p, NULL, "/x", &untouched), -EINVAL);
        CHECK_STR(untouched, "x");
}

/* ---- the generator, end to end ---------------------------------------- */

static const char *generator_path(void) {
        const char *g = getenv("CGPERSIST_GENERATOR");

        if (isempty(g))
                CHECK_FAIL("CGPERSIST_GENERATOR is not set (meson passes the built generator)");
        return g;
}

static char *read_out(const char *out, const char *rel) {
        char *path, *text = NULL;
        int r;

        CHECK(asprintf(&path, "%s/%s", out, rel) > 0);
        r = read_full_file(path, 1 << 20, &text, NULL);
        free(path);
        return r < 0 ? NULL : text;
}

static bool out_exists(const char *out, const char *rel) {
        char *path;
        bool e;

        CHECK(asprintf(&path, "%s/%s", out, rel) > 0);
        e = access(path, F_OK) == 0;
        free(path);
        return e;
}

static void check_dropin(const char *out, const char *unit, const char *slice, const char *mode_args) {
        _cleanup_free_ char *rel = NULL, *text = NULL, *want_slice = NULL, *want_hook = NULL;

        CHECK(asprintf(&rel, "normal/%s.d/zz-cgpersist.conf", unit) > 0);
        text = read_out(out, rel);
        if (!text)
                CHECK_FAIL("no drop-in for %s", unit);
        CHECK(asprintf(&want_slice, "\nSlice=%s\n", slice) > 0);
        CHECK(asprintf(&want_hook, " %s\n", mode_args) > 0);
        if (!strstr(text, want_slice) || !strstr(text, want_hook) || !strstr(text, "ExecStopPost=-+/")) {
                print_commented("drop-in", text);
                CHECK_FAIL("unexpected drop-in for %s", unit);
        }
}

TEST(generator_version_and_help) {
        const char *gen = generator_path();
        char *cmd;

        CHECK(asprintf(&cmd, "'%s' --version | grep -q '^cgpersist-generator [0-9]'", gen) > 0);
        CHECK_INT(system(cmd), 0);
        free(cmd);
        CHECK(asprintf(&cmd, "'%s' --help | grep -q 'NORMAL-DIR'", gen) > 0);
        CHECK_INT(system(cmd), 0);
        free(cmd);
        /* wrong usage is an error, but only by hand: systemd always passes 3 */
        CHECK(asprintf(&cmd, "'%s' 2>/dev/null", gen) > 0);
        CHECK(system(cmd) != 0);
        free(cmd);
}

TEST(generator_end_to_end) {
        char *root = test_tmpdir(), *out = test_tmpdir();
        _cleanup_free_ char *err = NULL;

        test_write(root, "etc/cgpersist/cgpersist.conf",
                   "[defaults]\n"
                   "drain_budget = 3s\n"
                   "[service web.service]\n"
                   "[service my-app@.service]\n"
                   "drain = none\n"
                   "[service my-app@special.service]\n"
                   "entity = system-special.slice\n"
                   "[service batch-*.service]\n"
                   "drain = all\n"
                   "[service batch-skip.service]\n"
                   "enable = no\n"
                   "[service fo?d.service]\n"
                   "[service cgpersistd.service]\n"
                   "[service worker@.service]\n"
                   "[service worker@off.service]\n"
                   "enable = no\n"
                   "[service lone@off.service]\n"
                   "enable = no\n");
        test_write(root, "run/cgpersist/conf.d/50-empty.conf", "");
        /* unit files the globs are matched against, in several dirs */
        test_write(root, "lib/systemd/system/batch-1.service", "[Service]\n");
        test_write(root, "usr/lib/systemd/system/batch-2.service", "[Service]\n");
        test_write(root, "etc/systemd/system/batch-2.service", "[Service]\n");
        test_write(root, "run/systemd/system/batch-skip.service", "[Service]\n");
        test_write(root, "usr/local/lib/systemd/system/batch-3.socket", "[Socket]\n");
        test_write(root, "lib/systemd/system/food.service", "[Service]\n");
        test_write(root, "lib/systemd/system/cgpersistd.service", "[Service]\n");
        test_write(root, "lib/systemd/system/unrelated.service", "[Service]\n");

        CHECK_INT(test_run_generator(root, out), 0);
        err = read_out(out, "stderr");
        print_commented("generator stderr", err);

        check_dropin(out, "web.service", "system-web.slice", "--mode=file --budget=3s");
        check_dropin(out, "my-app@.service", "system-my\\x2dapp.slice", "--mode=none --budget=3s");
        check_dropin(out, "my-app@special.service", "system-special.slice", "--mode=none --budget=3s");
        check_dropin(out, "batch-1.service", "system-batch\\x2d1.slice", "--mode=all --budget=3s");
        check_dropin(out, "batch-2.service", "system-batch\\x2d2.slice", "--mode=all --budget=3s");
        check_dropin(out, "food.service", "system-food.slice", "--mode=file --budget=3s");
        check_dropin(out, "worker@.service", "system-worker.slice", "--mode=file --budget=3s");
        /* an instance taken out of its template's family masks the
         * template's drop-in with one of the same name and no settings */
        {
                _cleanup_free_ char *mask = read_out(out, "normal/worker@off.service.d/zz-cgpersist.conf");

                CHECK(mask);
                CHECK(strstr(mask, "not managed"));
                CHECK(!strstr(mask, "Slice="));
                CHECK(!strstr(mask, "ExecStopPost="));
                CHECK(!strstr(mask, "[Service]"));
        }
        /* no template section: nothing to mask */
        CHECK(!out_exists(out, "normal/lone@off.service.d"));
        CHECK(!out_exists(out, "normal/batch-skip.service.d"));
        CHECK(!out_exists(out, "normal/batch-3.socket.d"));
        CHECK(!out_exists(out, "normal/unrelated.service.d"));
        CHECK(!out_exists(out, "normal/cgpersistd.service.d"));
        CHECK(!out_exists(out, "early/web.service.d"));
        CHECK(!out_exists(out, "late/web.service.d"));
        /* the explicit section naming our own daemon is called out */
        CHECK(err && strstr(err, "cgpersistd.service is one of cgpersist's own units"));
}

TEST(generator_refused_config_writes_nothing) {
        char *root = test_tmpdir(), *out = test_tmpdir();
        _cleanup_free_ char *err = NULL;

        test_write(root, "etc/cgpersist/cgpersist.conf", "[service web.service]\n");
        test_write(root, "etc/cgpersist/conf.d/20-typo.conf", "[defaults]\n\nmemory_max = 1 gigabyte\n");

        /* never fails the boot */
        CHECK_INT(test_run_generator(root, out), 0);
        CHECK(!out_exists(out, "normal/web.service.d"));
        err = read_out(out, "stderr");
        CHECK(err);
        print_commented("generator stderr", err);
        CHECK(strstr(err, "/etc/cgpersist/conf.d/20-typo.conf:3: "));
        CHECK(strstr(err, "memory_max"));
        CHECK(strstr(err, "no service is placed"));
}

TEST(generator_hostile_names_from_unit_dirs) {
        char *root = test_tmpdir(), *out = test_tmpdir();

        test_write(root, "etc/cgpersist/cgpersist.conf", "[service *]\n");
        test_write(root, "lib/systemd/system/ok.service", "[Service]\n"); /* empty: masked */
        test_write(root, "lib/systemd/system/bad\xff.service", "");
        test_write(root, "lib/systemd/system/sp ace.service", "");
        test_write(root, "lib/systemd/system/..service", "");

        CHECK_INT(test_run_generator(root, out), 0);
        check_dropin(out, "ok.service", "system-ok.slice", "--mode=file --budget=2s");
        CHECK(!out_exists(out, "normal/bad\xff.service.d"));
        CHECK(!out_exists(out, "normal/sp ace.service.d"));
        CHECK(!out_exists(out, "normal/..service.d"));
}

TEST(generator_no_config) {
        char *root = test_tmpdir(), *out = test_tmpdir();
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ char *normal = NULL;
        struct dirent *de;
        int n = 0;

        CHECK_INT(test_run_generator(root, out), 0);
        CHECK(asprintf(&normal, "%s/normal", out) > 0);
        d = opendir(normal);
        CHECK(d);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        CHECK_INT(n, 0);
}

TEST(generator_bad_root) {
        const char *gen = generator_path();
        char *cmd;

        /* a relative root is refused, quietly, with exit 0 */
        CHECK(asprintf(&cmd, "CGPERSIST_ROOT=relative '%s' /nonexistent-cgpersist-test 2>/dev/null", gen) >
              0);
        CHECK_INT(system(cmd), 0);
        free(cmd);
        CHECK(access("/nonexistent-cgpersist-test", F_OK) < 0);
}
