/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sys/stat.h>

#include "cgroupfs.h"
#include "config.h"
#include "macro.h"
#include "size.h"
#include "state.h"
#include "tests.h"

#define M (UINT64_C(1024) * 1024)
#define G (M * 1024)

static void print_diags(const ConfigDiags *d) {
        for (size_t i = 0; i < d->n; i++)
                printf("#   diag: %s %s:%u: %s\n", d->items[i].level == DIAG_ERROR ? "error" : "warning",
                       d->items[i].file, d->items[i].line, d->items[i].message);
}

/* Parses text that must be accepted; the caller frees. */
static Config *parse_ok(const char *text, ConfigDiags *d) {
        Config *c = NULL;
        int r = config_parse_string(text, "test.conf", &c, d);

        if (r != 0 || !c) {
                print_diags(d);
                CHECK_FAIL("config_parse_string() = %d, expected 0", r);
        }
        return c;
}

/* Parses text that must be refused, with an error at line that mentions
 * what. */
static void parse_refused(const char *text, unsigned line, const char *what) {
        ConfigDiags d = {};
        Config *c = (Config *) 0x1;
        bool found = false;
        int r;

        r = config_parse_string(text, "bad.conf", &c, &d);
        for (size_t i = 0; i < d.n; i++)
                if (d.items[i].level == DIAG_ERROR && d.items[i].line == line &&
                    streq(d.items[i].file, "bad.conf") && strstr(d.items[i].message, what))
                        found = true;
        if (r != -EINVAL || c != (Config *) 0x1 || !found) {
                print_diags(&d);
                config_diags_clear(&d);
                CHECK_FAIL("expected refusal with \"%s\" at line %u, got r=%d", what, line, r);
        }
        CHECK(d.n_errors > 0);
        config_diags_clear(&d);
}

static bool has_diag(const ConfigDiags *d, DiagLevel level, const char *file_suffix, unsigned line,
                     const char *what) {
        for (size_t i = 0; i < d->n; i++) {
                const ConfigDiag *g = &d->items[i];
                size_t fl = strlen(g->file), sl = strlen(file_suffix);

                if (g->level == level && g->line == line && fl >= sl &&
                    streq(g->file + fl - sl, file_suffix) && strstr(g->message, what))
                        return true;
        }
        return false;
}

TEST(empty_config) {
        ConfigDiags d = {};
        Config *c = parse_ok("", &d);
        ServicePolicy p;

        CHECK_INT(c->n_services, 0);
        CHECK_INT(d.n, 0);
        CHECK(!config_has_globs(c));
        CHECK_INT(config_policy_for(c, "web.service", &p), 0);
        config_free(c);
        config_diags_clear(&d);
}

TEST(builtin_defaults) {
        ConfigDiags d = {};
        Config *c = parse_ok("[service web.service]\n", &d);
        ServicePolicy p;

        CHECK_INT(config_policy_for(c, "web.service", &p), 1);
        CHECK(p.entity == NULL);
        CHECK_U64(p.memory_low, SIZE_INFINITY);
        CHECK_U64(p.memory_high, SIZE_INFINITY);
        CHECK_U64(p.memory_max, SIZE_INFINITY);
        CHECK_U64(p.retire_residual_max, 16 * M);
        CHECK_INT(p.drain, DRAIN_FILE);
        CHECK_U64(p.drain_budget_usec, 2000000);
        CHECK(!p.proactive_reclaim);
        CHECK(p.enabled);
        CHECK_INT(p.n_tmpfs, 0);
        CHECK_U64(p.set_mask, 0);
        CHECK_STR(c->services[0].file, "test.conf");
        CHECK_INT(c->services[0].line, 1);
        /* The metrics file follows Prometheus' default scrape interval. */
        CHECK_U64(c->daemon.metrics_interval_usec, 15000000);
        config_free(c);
        config_diags_clear(&d);
}

TEST(metrics_interval_zero) {
        ConfigDiags d = {};
        Config *c = parse_ok("[daemon]\nmetrics_interval = 0\n", &d);

        /* Only after a change. */
        CHECK_U64(c->daemon.metrics_interval_usec, 0);
        config_free(c);
        config_diags_clear(&d);
}

TEST(all_keys) {
        ConfigDiags d = {};
        Config *c = parse_ok("# comment\n"
                             "; another\n"
                             "[daemon]\n"
                             "metrics_interval = 30s\n"
                             "proactive_interval = 5s\n"
                             "leftovers_interval = 1h\n"
                             "log_level = debug\n"
                             "\n"
                             "[defaults]\n"
                             "memory_high = 1.5G\n"
                             "retire_residual_max = 32M\n"
                             "drain_budget = 500ms\n"
                             "\n"
                             "[service web.service]\n"
                             "  entity = system-webfarm.slice\n"
                             "memory_low=256M\n"
                             "memory_max = infinity\n"
                             "drain = all ; inline comment\n"
                             "proactive_reclaim = yes\n"
                             "enable = true\n"
                             "tmpfs = /var/lib/web/cache size=64M mode=0750 owner=www-data:www-data\n"
                             "tmpfs = /run/web size=1M\n",
                             &d);
        ServicePolicy p;

        CHECK_INT(d.n, 0);
        CHECK_U64(c->daemon.metrics_interval_usec, 30000000);
        CHECK_U64(c->daemon.proactive_interval_usec, 5000000);
        CHECK_U64(c->daemon.leftovers_interval_usec, UINT64_C(3600000000));
        CHECK(c->daemon.leftovers_interval_set);
        CHECK_STR(c->daemon.log_level, "debug");
        CHECK_STR(c->defaults.file, "test.conf");
        CHECK_INT(c->defaults.line, 9);
        CHECK_INT(config_policy_for(c, "web.service", &p), 1);
        CHECK_STR(p.entity, "system-webfarm.slice");
        CHECK_U64(p.memory_low, 256 * M);
        CHECK_U64(p.memory_high, G + G / 2);
        CHECK_U64(p.memory_max, SIZE_INFINITY);
        CHECK(p.set_mask & POLICY_MEMORY_MAX);
        CHECK_U64(p.retire_residual_max, 32 * M);
        CHECK_INT(p.drain, DRAIN_ALL);
        CHECK_U64(p.drain_budget_usec, 500000);
        CHECK(p.proactive_reclaim);
        CHECK(p.enabled);
        CHECK_INT(p.n_tmpfs, 2);
        CHECK_STR(p.tmpfs[0].path, "/var/lib/web/cache");
        CHECK_U64(p.tmpfs[0].size, 64 * M);
        CHECK_INT(p.tmpfs[0].mode, 0750);
        CHECK_STR(p.tmpfs[0].owner, "www-data:www-data");
        CHECK_STR(p.tmpfs[1].path, "/run/web");
        CHECK_INT(p.tmpfs[1].mode, TMPFS_DEFAULT_MODE);
        CHECK(p.tmpfs[1].owner == NULL);
        CHECK_U64(c->services[0].set_mask,
                  POLICY_ENTITY | POLICY_MEMORY_LOW | POLICY_MEMORY_MAX | POLICY_DRAIN |
                          POLICY_PROACTIVE_RECLAIM | POLICY_ENABLED | POLICY_TMPFS);
        config_free(c);
        config_diags_clear(&d);
}

TEST(overlay_in_read_order) {
        ConfigDiags d = {};
        Config *c = parse_ok("[defaults]\n"
                             "memory_max = 4G\n"
                             "drain = none\n"
                             "[service web-*.service]\n"
                             "memory_max = 2G\n"
                             "memory_high = 1G\n"
                             "[service web-api.service]\n"
                             "memory_max = 3G\n"
                             "[service foo@.service]\n"
                             "drain = file\n"
                             "[service foo@b.service]\n"
                             "drain = all\n",
                             &d);
        ServicePolicy p;

        CHECK(config_has_globs(c));
        /* only the glob */
        CHECK_INT(config_policy_for(c, "web-ui.service", &p), 1);
        CHECK_U64(p.memory_max, 2 * G);
        CHECK_U64(p.memory_high, G);
        CHECK_INT(p.drain, DRAIN_NONE);
        /* glob, then the exact name: later wins, unset fields stay */
        CHECK_INT(config_policy_for(c, "web-api.service", &p), 1);
        CHECK_U64(p.memory_max, 3 * G);
        CHECK_U64(p.memory_high, G);
        /* template family, and one instance on top of it */
        CHECK_INT(config_policy_for(c, "foo@a.service", &p), 1);
        CHECK_INT(p.drain, DRAIN_FILE);
        CHECK_U64(p.memory_max, 4 * G);
        CHECK_INT(config_policy_for(c, "foo@b.service", &p), 1);
        CHECK_INT(p.drain, DRAIN_ALL);
        CHECK_INT(config_policy_for(c, "foo@.service", &p), 1);
        CHECK_INT(p.drain, DRAIN_FILE);
        /* not matched: [defaults] alone configures nothing */
        CHECK_INT(config_policy_for(c, "web.service", &p), 0);
        CHECK_INT(config_policy_for(c, "foo.service", &p), 0);
        config_free(c);
        config_diags_clear(&d);
}

TEST(enable_no) {
        ConfigDiags d = {};
        Config *c = parse_ok("[service *.service]\n"
                             "[service db.service]\n"
                             "enable = no\n"
                             "[service late.service]\n"
                             "enable = no\n"
                             "[service late.service]\n"
                             "enable = yes\n",
                             &d);
        ServicePolicy p = { .memory_low = 42 };

        CHECK_INT(config_policy_for(c, "web.service", &p), 1);
        p.memory_low = 42;
        CHECK_INT(config_policy_for(c, "db.service", &p), 0);
        CHECK_U64(p.memory_low, 42);
        CHECK_INT(config_policy_for(c, "late.service", &p), 1);
        config_free(c);
        config_diags_clear(&d);
}

TEST(defaults_enable_no) {
        ConfigDiags d = {};
        Config *c = parse_ok("[defaults]\nenable = no\n"
                             "[service a.service]\n"
                             "[service b.service]\nenable = yes\n",
                             &d);
        ServicePolicy p;

        CHECK_INT(config_policy_for(c, "a.service", &p), 0);
        CHECK_INT(config_policy_for(c, "b.service", &p), 1);
        config_free(c);
        config_diags_clear(&d);
}

TEST(own_and_hostile_units_never_configured) {
        ConfigDiags d = {};
        Config *c = parse_ok("[service *]\n", &d);
        ServicePolicy p;

        CHECK_INT(config_policy_for(c, "web.service", &p), 1);
        CHECK_INT(config_policy_for(c, "cgpersistd.service", &p), 0);
        CHECK_INT(config_policy_for(c, "cgpersist-keeper@system-web.service", &p), 0);
        CHECK_INT(config_policy_for(c, "../web.service", &p), 0);
        CHECK_INT(config_policy_for(c, "", &p), 0);
        CHECK_INT(config_policy_for(c, NULL, &p), 0);
        CHECK_INT(config_policy_for(c, "web.socket", &p), 0);
        config_free(c);
        config_diags_clear(&d);
}

TEST(tmpfs_overlay_and_reset) {
        ConfigDiags d = {};
        Config *c = parse_ok("[service foo@.service]\n"
                             "tmpfs = /srv/foo size=1G\n"
                             "[service foo@a.service]\n"
                             "tmpfs = /srv/a size=2M\n"
                             "[service foo@b.service]\n"
                             "tmpfs =\n"
                             "[service bar.service]\n"
                             "tmpfs = /srv/x size=1M\n"
                             "tmpfs =\n"
                             "tmpfs = /srv/y size=1M\n",
                             &d);
        ServicePolicy p;

        CHECK_INT(config_policy_for(c, "foo@z.service", &p), 1);
        CHECK_INT(p.n_tmpfs, 1);
        CHECK_STR(p.tmpfs[0].path, "/srv/foo");
        CHECK_U64(p.tmpfs[0].size, G);
        /* a later section's list replaces, not extends */
        CHECK_INT(config_policy_for(c, "foo@a.service", &p), 1);
        CHECK_INT(p.n_tmpfs, 1);
        CHECK_STR(p.tmpfs[0].path, "/srv/a");
        /* an empty assignment clears */
        CHECK_INT(config_policy_for(c, "foo@b.service", &p), 1);
        CHECK_INT(p.n_tmpfs, 0);
        CHECK_INT(config_policy_for(c, "bar.service", &p), 1);
        CHECK_INT(p.n_tmpfs, 1);
        CHECK_STR(p.tmpfs[0].path, "/srv/y");
        config_free(c);
        config_diags_clear(&d);
}

TEST(tmpfs_errors) {
        parse_refused("[service a.service]\ntmpfs = /srv/a\n", 2, "size= is required");
        parse_refused("[service a.service]\ntmpfs = srv/a size=1M\n", 2, "absolute path");
        parse_refused("[service a.service]\ntmpfs = /srv/../etc size=1M\n", 2, "absolute path");
        parse_refused("[service a.service]\ntmpfs = /srv/./a size=1M\n", 2, "absolute path");
        parse_refused("[service a.service]\ntmpfs = /srv//a size=1M\n", 2, "absolute path");
        parse_refused("[service a.service]\ntmpfs = /srv/a/ size=1M\n", 2, "absolute path");
        parse_refused("[service a.service]\ntmpfs = / size=1M\n", 2, "absolute path");
        parse_refused("[service a.service]\ntmpfs = /srv/a size=0\n", 2, "invalid size");
        parse_refused("[service a.service]\ntmpfs = /srv/a size=infinity\n", 2, "invalid size");
        parse_refused("[service a.service]\ntmpfs = /srv/a size=-1M\n", 2, "invalid size");
        parse_refused("[service a.service]\ntmpfs = /srv/a size=1M mode=999\n", 2, "invalid mode");
        parse_refused("[service a.service]\ntmpfs = /srv/a size=1M mode=17777\n", 2, "invalid mode");
        parse_refused("[service a.service]\ntmpfs = /srv/a size=1M mode=\n", 2, "invalid mode");
        parse_refused("[service a.service]\ntmpfs = /srv/a size=1M owner=-root\n", 2, "invalid owner");
        parse_refused("[service a.service]\ntmpfs = /srv/a size=1M owner=a:b:c\n", 2, "invalid owner");
        parse_refused("[service a.service]\ntmpfs = /srv/a size=1M owner=\n", 2, "invalid owner");
        parse_refused("[service a.service]\ntmpfs = /srv/a size=1M size=2M\n", 2, "given twice");
        parse_refused("[service a.service]\ntmpfs = /srv/a size=1M uid=0\n", 2, "unknown option");
        parse_refused("[service a.service]\ntmpfs = /srv/a size=1M nosuid\n", 2, "unknown option");
        parse_refused("[service a.service]\ntmpfs = /srv/a size=1M\ntmpfs = /srv/a size=2M\n", 3,
                      "listed twice");
        parse_refused("[defaults]\ntmpfs = /srv/a size=1M\n", 2, "only allowed in [service]");
}

TEST(tmpfs_owner_forms) {
        ConfigDiags d = {};
        Config *c = parse_ok("[service a.service]\n"
                             "tmpfs = /srv/a size=1M owner=1000\n"
                             "tmpfs = /srv/b size=1M owner=1000:1000 mode=0\n"
                             "tmpfs = /srv/c\tsize=1M   owner=user_1.x\n",
                             &d);
        ServicePolicy p;

        CHECK_INT(config_policy_for(c, "a.service", &p), 1);
        CHECK_INT(p.n_tmpfs, 3);
        CHECK_STR(p.tmpfs[0].owner, "1000");
        CHECK_STR(p.tmpfs[1].owner, "1000:1000");
        CHECK_INT(p.tmpfs[1].mode, 0);
        CHECK_STR(p.tmpfs[2].owner, "user_1.x");
        config_free(c);
        config_diags_clear(&d);
}

TEST(bad_values_name_file_and_line) {
        parse_refused("[defaults]\nmemory_max = 1X\n", 2, "invalid size");
        parse_refused("[defaults]\nmemory_max = -1G\n", 2, "invalid size");
        parse_refused("[defaults]\nmemory_low = 99999999999999999999\n", 2, "out of range");
        parse_refused("[defaults]\nmemory_high =\n", 2, "invalid size");
        parse_refused("[defaults]\n\n\nretire_residual_max = lots\n", 4, "invalid size");
        parse_refused("[defaults]\ndrain = anon\n", 2, "invalid mode");
        parse_refused("[defaults]\ndrain_budget = 0\n", 2, "invalid duration");
        parse_refused("[defaults]\ndrain_budget = 10min\n", 2, "invalid duration");
        parse_refused("[defaults]\ndrain_budget = soon\n", 2, "invalid duration");
        parse_refused("[defaults]\nproactive_reclaim = maybe\n", 2, "invalid boolean");
        parse_refused("[defaults]\nenable = Yes\n", 2, "invalid boolean");
        parse_refused("[daemon]\nlog_level = loud\n", 2, "invalid level");
        parse_refused("[daemon]\nmetrics_interval = often\n", 2, "invalid duration");
        parse_refused("[daemon]\nmetrics_interval = 100ms\n", 2, "at least 1s");
        parse_refused("[daemon]\nproactive_interval = 0\n", 2, "proactive_interval=: invalid duration");
        parse_refused("[daemon]\nproactive_interval = 500ms\n", 2, "at least 1s");
        parse_refused("[daemon]\nproactive_interval = 25h\n", 2, "at most 24h");
        parse_refused("[daemon]\nleftovers_interval = 5s\n", 2, "leftovers_interval=: invalid duration");
        parse_refused("[daemon]\nleftovers_interval = 25h\n", 2, "at most 24h");
        parse_refused("[service a.service]\nentity = system.slice\n", 2, "not a valid slice");
        parse_refused("[service a.service]\nentity = web.slice\n", 2, "not a valid slice");
        parse_refused("[service a.service]\nentity = system-../x.slice\n", 2, "not a valid slice");
        parse_refused("[defaults]\nentity = system-all.slice\n", 2, "only allowed in [service]");
}

TEST(bad_sections) {
        parse_refused("[service ../../etc/passwd]\n", 1, "not a valid service name");
        parse_refused("[service /etc/x.service]\n", 1, "not a valid service name");
        parse_refused("[service a/b.service]\n", 1, "not a valid service name");
        parse_refused("[service web]\n", 1, "not a valid service name");
        parse_refused("[service w\xc3\xa9.service]\n", 1, "not a valid service name");
        parse_refused("[service]\n", 1, "needs a unit name");
        parse_refused("[service   ]\n", 1, "needs a unit name");
        parse_refused("[service a.service b.service]\n", 1, "not a valid service name");
        parse_refused("[defaults x]\n", 1, "takes no name");
        parse_refused("[daemon x]\n", 1, "takes no name");
        parse_refused("[service a.service\n", 1, "without \"]\"");
        parse_refused("[service a.service] junk\n", 1, "Unexpected text");
        parse_refused("[service [a.service]\n", 1, "Unexpected \"[\"");
}

TEST(hostile_section_names) {
        char text[8192];

        /* 4 KiB of name: refused, and the message stays short */
        memcpy(text, "[service ", 9);
        memset(text + 9, 'a', 4096);
        strcpy(text + 9 + 4096, ".service]\n");
        {
                ConfigDiags d = {};
                Config *c = NULL;

                CHECK_INT(config_parse_string(text, "bad.conf", &c, &d), -EINVAL);
                CHECK(c == NULL);
                CHECK(d.n_errors >= 1);
                CHECK(strlen(d.items[0].message) < 200);
                config_diags_clear(&d);
        }

        /* 255 bytes is a valid name, and longer than inih's 50-byte
         * section buffer: it must not be truncated */
        memcpy(text, "[service ", 9);
        memset(text + 9, 'b', 247);
        strcpy(text + 9 + 247, ".service]\n");
        {
                ConfigDiags d = {};
                Config *c = parse_ok(text, &d);

                CHECK_INT(c->n_services, 1);
                CHECK_INT(strlen(c->services[0].pattern), 255);
                config_free(c);
                config_diags_clear(&d);
        }
}

TEST(non_utf8_and_control_lines) {
        parse_refused("[defaults]\nmemory_max = 1G\xff\n", 2, "not valid UTF-8");
        parse_refused("[defaults]\n# comment \xc0\xaf\n", 2, "not valid UTF-8");
        parse_refused("[service \xff.service]\n", 1, "not valid UTF-8");
        parse_refused("[defaults]\nmemory_max = 1G\x1b[2J\n", 2, "control characters");
        {
                /* messages quote hostile text escaped */
                ConfigDiags d = {};
                Config *c = NULL;

                CHECK_INT(config_parse_string("[serv\x7fice]\n", "bad.conf", &c, &d), -EINVAL);
                config_diags_clear(&d);
                CHECK_INT(config_parse_string("[defaults]\ndrain = \xe2\x80\xae"
                                              "evil\n",
                                              "bad.conf", &c, &d),
                          -EINVAL);
                CHECK(d.n_errors == 1);
                CHECK(strstr(d.items[0].message, "\\xe2\\x80\\xae"));
                config_diags_clear(&d);
        }
}

TEST(syntax_errors) {
        parse_refused("[defaults]\nmemory_max\n", 2, "Expected");
        parse_refused("[defaults]\n= 1G\n", 2, "Missing key");
        parse_refused("memory_max = 1G\n", 1, "outside of any section");
        parse_refused("[defaults]\nmemory_max ; = 1G\n", 2, "Expected");
}

TEST(long_lines) {
        char text[1024];

        /* inih's line buffer is 200 bytes in Debian's build: a longer line
         * is an error, never read in pieces */
        strcpy(text, "[service a.service]\ntmpfs = /");
        memset(text + strlen(text), 'x', 300);
        strcpy(text + strlen("[service a.service]\ntmpfs = /") + 300, " size=1M\n");
        parse_refused(text, 2, "Line too long");

        /* a long comment is fine */
        strcpy(text, "[defaults]\n# ");
        memset(text + 13, 'x', 500);
        strcpy(text + 13 + 500, "\nmemory_max = 1G\n");
        {
                ConfigDiags d = {};
                Config *c = parse_ok(text, &d);

                CHECK_U64(c->defaults.policy.memory_max, G);
                config_free(c);
                config_diags_clear(&d);
        }
}

TEST(every_error_reported) {
        ConfigDiags d = {};
        Config *c = NULL;

        CHECK_INT(config_parse_string("[defaults]\n"
                                      "memory_max = x\n"
                                      "drain = y\n"
                                      "[service /x]\n"
                                      "memory_low = z\n"
                                      "[service b.service]\n"
                                      "memory_low = w\n",
                                      "bad.conf", &c, &d),
                  -EINVAL);
        CHECK(c == NULL);
        CHECK_INT(d.n_errors, 4);
        CHECK(has_diag(&d, DIAG_ERROR, "bad.conf", 2, "memory_max"));
        CHECK(has_diag(&d, DIAG_ERROR, "bad.conf", 3, "drain"));
        CHECK(has_diag(&d, DIAG_ERROR, "bad.conf", 4, "[service /x]"));
        /* keys of a refused section are not looked at */
        CHECK(!has_diag(&d, DIAG_ERROR, "bad.conf", 5, ""));
        CHECK(has_diag(&d, DIAG_ERROR, "bad.conf", 7, "memory_low"));
        config_diags_clear(&d);
}

TEST(unknown_keys_and_sections_warn) {
        ConfigDiags d = {};
        Config *c = parse_ok("[daemon]\n"
                             "colour = blue\n"
                             "[defaults]\n"
                             "memory_min = 1G\n"
                             "[service a.service]\n"
                             "MemoryMax = 1G\n"
                             "[future]\n"
                             "anything = goes\n"
                             "[timer a.timer]\n",
                             &d);

        CHECK_INT(d.n_errors, 0);
        CHECK_INT(d.n, 5);
        CHECK(has_diag(&d, DIAG_WARNING, "test.conf", 2, "\"colour\""));
        CHECK(has_diag(&d, DIAG_WARNING, "test.conf", 4, "\"memory_min\""));
        CHECK(has_diag(&d, DIAG_WARNING, "test.conf", 6, "\"MemoryMax\""));
        CHECK(has_diag(&d, DIAG_WARNING, "test.conf", 7, "[future]"));
        CHECK(has_diag(&d, DIAG_WARNING, "test.conf", 9, "[timer]"));
        config_free(c);
        config_diags_clear(&d);
}

TEST(crlf_bom_and_colon) {
        ConfigDiags d = {};
        Config *c = parse_ok("\xef\xbb\xbf[defaults]\r\nmemory_max: 2G\r\n\tdrain = none\r\n", &d);

        CHECK_INT(d.n, 0);
        CHECK_U64(c->defaults.policy.memory_max, 2 * G);
        CHECK_INT(c->defaults.policy.drain, DRAIN_NONE);
        config_free(c);
        config_diags_clear(&d);
}

TEST(diags_may_be_null) {
        Config *c = NULL;

        CHECK_INT(config_parse_string("[defaults]\nmemory_max = x\n", NULL, &c, NULL), -EINVAL);
        CHECK(c == NULL);
        CHECK_INT(config_parse_string("[defaults]\n", NULL, &c, NULL), 0);
        CHECK(c != NULL);
        config_free(c);
        CHECK(config_free(NULL) == NULL);
        config_diags_clear(NULL);
}

TEST(drain_mode_strings) {
        CHECK_STR(drain_mode_to_string(DRAIN_NONE), "none");
        CHECK_STR(drain_mode_to_string(DRAIN_FILE), "file");
        CHECK_STR(drain_mode_to_string(DRAIN_ALL), "all");
        CHECK(drain_mode_to_string(_DRAIN_MODE_MAX) == NULL);
        CHECK(drain_mode_to_string(_DRAIN_MODE_INVALID) == NULL);
        CHECK_INT(drain_mode_from_string("file"), DRAIN_FILE);
        CHECK_INT(drain_mode_from_string("FILE"), _DRAIN_MODE_INVALID);
        CHECK_INT(drain_mode_from_string(NULL), _DRAIN_MODE_INVALID);
}

/* ---- files below a root --------------------------------------------- */

TEST(load_missing_everything) {
        char *root = test_tmpdir();
        ConfigDiags d = {};
        Config *c = NULL;

        CHECK_INT(config_load(root, &c, &d), 0);
        CHECK(c != NULL);
        CHECK_INT(c->n_files, 0);
        CHECK_INT(d.n, 0);
        config_free(c);
}

TEST(load_precedence) {
        char *root = test_tmpdir();
        ConfigDiags d = {};
        Config *c = NULL;
        ServicePolicy p;

        test_write(root, "etc/cgpersist/cgpersist.conf",
                   "[defaults]\nmemory_max = 1G\nmemory_high = 1G\nmemory_low = 1G\n"
                   "[service web.service]\n");
        test_write(root, "usr/lib/cgpersist/conf.d/05-vendor.conf", "[defaults]\nmemory_high = 7G\n");
        test_write(root, "etc/cgpersist/conf.d/10-a.conf",
                   "[defaults]\nmemory_max = 2G\nmemory_high = 2G\n");
        test_write(root, "run/cgpersist/conf.d/20-b.conf", "[defaults]\nmemory_max = 3G\n");
        test_write(root, "etc/cgpersist/conf.d/30-c.conf", "[defaults]\nmemory_max = 4G\n");
        /* the same name in /etc replaces the /run file entirely, which
         * replaces the /usr/lib one */
        test_write(root, "etc/cgpersist/conf.d/40-d.conf", "[defaults]\nmemory_max = 5G\nmemory_low = 5G\n");
        test_write(root, "run/cgpersist/conf.d/40-d.conf", "[defaults]\nmemory_max = 6G\n");
        test_write(root, "usr/lib/cgpersist/conf.d/40-d.conf", "[defaults]\nmemory_max = 8G\n");
        test_write(root, "usr/lib/cgpersist/conf.d/45-e.conf", "[defaults]\nmemory_high = 8G\n");
        test_write(root, "run/cgpersist/conf.d/45-e.conf", "[defaults]\nmemory_high = 3G\n");
        /* not *.conf, hidden, or a directory: not read */
        test_write(root, "etc/cgpersist/conf.d/90-z.conf.disabled", "[defaults]\nmemory_max = 9G\n");
        test_write(root, "etc/cgpersist/conf.d/.99-hidden.conf", "[defaults]\nmemory_max = 9G\n");
        test_write(root, "etc/cgpersist/conf.d/50-dir.conf/x", "");

        CHECK_INT(config_load(root, &c, &d), 0);
        CHECK_INT(c->n_files, 7);
        CHECK(strstr(c->files[0], "/etc/cgpersist/cgpersist.conf"));
        CHECK(strstr(c->files[1], "/usr/lib/cgpersist/conf.d/05-vendor.conf"));
        CHECK(strstr(c->files[2], "/etc/cgpersist/conf.d/10-a.conf"));
        CHECK(strstr(c->files[3], "/run/cgpersist/conf.d/20-b.conf"));
        CHECK(strstr(c->files[4], "/etc/cgpersist/conf.d/30-c.conf"));
        CHECK(strstr(c->files[5], "/etc/cgpersist/conf.d/40-d.conf"));
        CHECK(strstr(c->files[6], "/run/cgpersist/conf.d/45-e.conf"));
        CHECK_INT(config_policy_for(c, "web.service", &p), 1);
        CHECK_U64(p.memory_max, 5 * G);
        CHECK_U64(p.memory_high, 3 * G);
        CHECK_U64(p.memory_low, 5 * G);
        CHECK(has_diag(&d, DIAG_WARNING, "50-dir.conf", 0, "Not a regular file"));
        CHECK_INT(d.n_errors, 0);
        config_free(c);
        config_diags_clear(&d);
}

TEST(load_named_files) {
        char *root = test_tmpdir();
        ConfigDiags d = {};
        Config *c = NULL;
        ServicePolicy p;
        char *paths[3];

        test_write(root, "a", "[defaults]\nmemory_max = 1G\n[service web.service]\n");
        test_write(root, "b.tmp", "[defaults]\nmemory_max = 2G\n");
        CHECK(asprintf(&paths[0], "%s/a", root) > 0);
        CHECK(asprintf(&paths[1], "%s/b.tmp", root) > 0);
        CHECK(asprintf(&paths[2], "%s/missing", root) > 0);

        /* any name, read in the order given */
        CHECK_INT(config_load_files(paths, 2, &c, &d), 0);
        CHECK_INT(config_policy_for(c, "web.service", &p), 1);
        CHECK_U64(p.memory_max, 2 * G);
        config_free(c);
        c = NULL;

        /* a named file that is not there is an error, not nothing */
        CHECK_INT(config_load_files(paths, 3, &c, &d), -EINVAL);
        CHECK(c == NULL);
        CHECK(has_diag(&d, DIAG_ERROR, "/missing", 0, "No such file"));
        config_diags_clear(&d);

        test_write(root, "b.tmp", "[defaults]\n\nmemory_max = lots\n");
        CHECK_INT(config_load_files(paths, 2, &c, &d), -EINVAL);
        CHECK(has_diag(&d, DIAG_ERROR, "/b.tmp", 3, "memory_max"));
        config_diags_clear(&d);
        for (size_t i = 0; i < 3; i++)
                free(paths[i]);
}

TEST(load_masking_with_dev_null) {
        char *root = test_tmpdir();
        char *link = NULL;
        ConfigDiags d = {};
        Config *c = NULL;
        ServicePolicy p;

        /* the administrator masks a vendor's drop-in */
        test_write(root, "usr/lib/cgpersist/conf.d/50-web.conf", "[service web.service]\n");
        test_write(root, "etc/cgpersist/conf.d/.keep", "");
        CHECK(asprintf(&link, "%s/etc/cgpersist/conf.d/50-web.conf", root) > 0);
        CHECK(symlink("/dev/null", link) == 0);
        free(link);

        CHECK_INT(config_load(root, &c, &d), 0);
        CHECK_INT(config_policy_for(c, "web.service", &p), 0);
        config_free(c);
        config_diags_clear(&d);
}

TEST(load_errors_name_file_and_line) {
        char *root = test_tmpdir();
        ConfigDiags d = {};
        Config *c = NULL;

        test_write(root, "etc/cgpersist/cgpersist.conf", "[service web.service]\nmemory_max = 1G\n");
        test_write(root, "etc/cgpersist/conf.d/10-ok.conf", "[defaults]\nbogus = 1\n");
        test_write(root, "run/cgpersist/conf.d/20-bad.conf", "[defaults]\n\nmemory_max = lots\n");

        /* one bad file refuses all of them */
        CHECK_INT(config_load(root, &c, &d), -EINVAL);
        CHECK(c == NULL);
        CHECK_INT(d.n_errors, 1);
        CHECK(has_diag(&d, DIAG_ERROR, "/run/cgpersist/conf.d/20-bad.conf", 3, "memory_max"));
        CHECK(has_diag(&d, DIAG_WARNING, "/etc/cgpersist/conf.d/10-ok.conf", 2, "bogus"));
        config_diags_clear(&d);
}

TEST(load_too_large) {
        char *root = test_tmpdir();
        char *big = malloc(CONFIG_FILE_MAX + 2);
        ConfigDiags d = {};
        Config *c = NULL;

        CHECK(big);
        memset(big, '#', CONFIG_FILE_MAX + 1);
        big[CONFIG_FILE_MAX + 1] = 0;
        test_write(root, "etc/cgpersist/cgpersist.conf", big);
        free(big);

        CHECK_INT(config_load(root, &c, &d), -EINVAL);
        CHECK(has_diag(&d, DIAG_ERROR, "cgpersist.conf", 0, "larger than"));
        config_diags_clear(&d);
}

TEST(load_unreadable_is_io_error) {
        char *root = test_tmpdir();
        ConfigDiags d = {};
        Config *c = NULL;

        /* conf.d that is a file, not a directory */
        test_write(root, "etc/cgpersist/conf.d", "");
        CHECK_INT(config_load(root, &c, &d), -ENOTDIR);
        CHECK(c == NULL);
        CHECK(has_diag(&d, DIAG_ERROR, "conf.d", 0, "Failed to open"));
        config_diags_clear(&d);
}

TEST(load_unsafe_file_names_ignored) {
        char *root = test_tmpdir();
        ConfigDiags d = {};
        Config *c = NULL;

        test_write(root, "etc/cgpersist/conf.d/bad\xff.conf", "[service a.service]\n");
        CHECK_INT(config_load(root, &c, &d), 0);
        CHECK_INT(c->n_services, 0);
        CHECK(has_diag(&d, DIAG_WARNING, "conf.d", 0, "unsafe name \"bad\\xff.conf\""));
        config_free(c);
        config_diags_clear(&d);
}

TEST(history_max) {
        ConfigDiags d = {};
        Config *c = parse_ok("[daemon]\n", &d);

        CHECK_INT(c->daemon.history_max, STATE_HISTORY_DEFAULT);
        config_free(c);
        c = parse_ok("[daemon]\nhistory_max = 1000\n", &d);
        CHECK_INT(d.n, 0);
        CHECK_INT(c->daemon.history_max, 1000);
        config_free(c);
        c = parse_ok("[daemon]\nhistory_max = 4096\n", &d);
        CHECK_INT(c->daemon.history_max, STATE_HISTORY_MAX);
        config_free(c);
        parse_refused("[daemon]\nhistory_max = 0\n", 2, "history_max=: invalid number \"0\"");
        parse_refused("[daemon]\nhistory_max = 4097\n", 2, "1 to 4096");
        parse_refused("[daemon]\nhistory_max = -1\n", 2, "history_max=");
        parse_refused("[daemon]\nhistory_max = 64k\n", 2, "history_max=");
        parse_refused("[daemon]\nhistory_max =\n", 2, "history_max=");
}
