/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "lastgood.h"
#include "macro.h"
#include "path.h"
#include "size.h"
#include "tests.h"

static Config *load(const char *root) {
        Config *c = NULL;
        CHECK_INT(config_load(root, &c, NULL), 0);
        return c;
}

TEST(snapshot_reads_back_to_same_policy) {
        char *root = test_tmpdir(), *text = NULL;
        const char *dirs[3];
        Config *c, *back = NULL;
        ServicePolicy p;

        test_write(root, "etc/cgpersist/cgpersist.conf", "[defaults]\nmemory_high = 1G\n");
        test_write(root, "etc/cgpersist/conf.d/10-web.conf", "[service web.service]\nmemory_max = 2G");
        test_write(root, "run/cgpersist/conf.d/20-web.conf", "[service web.service]\nmemory_max = 3G\n");
        c = load(root);
        CHECK_INT(lastgood_render(c, &text), 0);

        char *run = path_join(root, "snap-run"), *var = path_join(root, "snap-var");
        dirs[0] = run;
        dirs[1] = var;
        dirs[2] = NULL;
        CHECK_INT(lastgood_save(text, dirs), 0);
        CHECK_INT(lastgood_load(dirs, &back, NULL), 0);

        CHECK_INT(config_policy_for(back, "web.service", &p), 1);
        CHECK_U64(p.memory_max, 3ULL << 30); /* the /run drop-in, read last, wins */
        CHECK_U64(p.memory_high, 1ULL << 30); /* [defaults] carried over */
        CHECK_INT(config_policy_for(back, "other.service", &p), 0);

        free(text);
        free(run);
        free(var);
        config_free(c);
        config_free(back);
}

TEST(damaged_first_copy_falls_back_to_second) {
        char *root = test_tmpdir();
        char *a = path_join(root, "a"), *b = path_join(root, "b");
        const char *dirs[] = { a, b, NULL };
        Config *c = NULL;
        ServicePolicy p;

        test_write(root, "a/" LASTGOOD_FILE, "[service web.service]\nmemory_max = lots\n");
        test_write(root, "b/" LASTGOOD_FILE, "[service web.service]\nmemory_max = 64M\n");
        CHECK_INT(lastgood_load(dirs, &c, NULL), 0);
        CHECK_INT(config_policy_for(c, "web.service", &p), 1);
        CHECK_U64(p.memory_max, 64ULL << 20);
        config_free(c);
        free(a);
        free(b);
}

TEST(no_snapshot_is_enoent) {
        char *root = test_tmpdir();
        const char *dirs[] = { root, NULL };
        Config *c = NULL;

        CHECK_INT(lastgood_load(dirs, &c, NULL), -ENOENT);
        CHECK(c == NULL);
}
