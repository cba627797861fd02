/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "macro.h"
#include "rehome.h"
#include "tests.h"

enum {
        KEEPER = 100,
        ENTITY = 50,
        DYING = 200,
        OTHER = 300,
};

static PageCharges charges(PageCharge *by, size_t n, uint64_t resident, uint64_t unknown) {
        return (PageCharges){
                .page_size = 4096,
                .file_pages = resident,
                .resident = resident,
                .unknown = unknown,
                .by_cgroup = by,
                .n_by_cgroup = n,
        };
}

TEST(pages_to_move) {
        RehomeIds ids = { .keeper = KEEPER, .entity = ENTITY, .dying = DYING };
        PageCharge by[] = { { DYING, 10 }, { ENTITY, 5 }, { KEEPER, 7 }, { OTHER, 3 }, { 0, 2 } };
        PageCharges c = charges(by, ELEMENTSOF(by), 27, 0);

        /* the dying instance and the entity move; the keeper, another
         * service and "not charged" do not */
        CHECK_U64(rehome_pages_to_move(&c, &ids), 15);

        /* at keeper start there is no dying instance: only the entity */
        ids.dying = 0;
        CHECK_U64(rehome_pages_to_move(&c, &ids), 5);

        /* a file all of the keeper's, or of another service, stays */
        PageCharge mine[] = { { KEEPER, 4096 } };
        c = charges(mine, 1, 4096, 0);
        CHECK_U64(rehome_pages_to_move(&c, &ids), 0);
        PageCharge other[] = { { OTHER, 4 } };
        c = charges(other, 1, 4, 0);
        ids.dying = DYING;
        CHECK_U64(rehome_pages_to_move(&c, &ids), 0);

        /* an empty file, or nothing resident */
        c = charges(NULL, 0, 0, 0);
        CHECK_U64(rehome_pages_to_move(&c, &ids), 0);
        CHECK_U64(rehome_pages_to_move(NULL, &ids), 0);
        CHECK_U64(rehome_pages_to_move(&c, NULL), 0);
}

TEST(pages_elsewhere) {
        PageCharge all[] = { { KEEPER, 8 } };
        PageCharge some[] = { { KEEPER, 6 }, { DYING, 2 } };
        PageCharge none[] = { { OTHER, 8 } };
        PageCharges c;

        c = charges(all, 1, 8, 0);
        CHECK_U64(rehome_pages_elsewhere(&c, KEEPER), 0);
        c = charges(some, 2, 8, 0);
        CHECK_U64(rehome_pages_elsewhere(&c, KEEPER), 2);
        c = charges(none, 1, 8, 0);
        CHECK_U64(rehome_pages_elsewhere(&c, KEEPER), 8);
        /* frames that could not be seen do not pass as verified */
        c = charges(all, 1, 10, 2);
        CHECK_U64(rehome_pages_elsewhere(&c, KEEPER), 2);
        /* nothing resident: nothing to disprove */
        c = charges(NULL, 0, 0, 0);
        CHECK_U64(rehome_pages_elsewhere(&c, KEEPER), 0);
}

TEST(same_state) {
        struct stat a = {
                .st_dev = 1, .st_ino = 2, .st_nlink = 1, .st_mode = S_IFREG | 0644, .st_size = 10
        };
        struct stat b;

        a.st_mtim.tv_sec = 100;
        a.st_ctim.tv_sec = 200;
        b = a;
        CHECK(rehome_same_state(&a, &b));
        b.st_mode = S_IFREG | 0640; /* a chmod during the copy */
        CHECK(!rehome_same_state(&a, &b));
        b = a;
        b.st_uid = 1000;
        CHECK(!rehome_same_state(&a, &b));
        b = a;
        b.st_ctim.tv_nsec = 1; /* setxattr, utimes: only the change time tells */
        CHECK(!rehome_same_state(&a, &b));
        b = a;
        b.st_mtim.tv_nsec = 1;
        CHECK(!rehome_same_state(&a, &b));
        b = a;
        b.st_size = 11;
        CHECK(!rehome_same_state(&a, &b));
        b = a;
        b.st_nlink = 2;
        CHECK(!rehome_same_state(&a, &b));
        b = a;
        b.st_ino = 3;
        CHECK(!rehome_same_state(&a, &b));
        CHECK(!rehome_same_state(NULL, &b));

        /* After the swap: the rename moved the change time, nothing else. */
        b = a;
        b.st_ctim.tv_sec = 300;
        CHECK(!rehome_same_state(&a, &b));
        CHECK(rehome_same_state_renamed(&a, &b));
        b.st_mode = S_IFREG | 0600; /* a chmod racing with the swap */
        CHECK(!rehome_same_state_renamed(&a, &b));
        b = a;
        b.st_mtim.tv_sec = 101;
        CHECK(!rehome_same_state_renamed(&a, &b));
        CHECK(!rehome_same_state_renamed(&a, NULL));
}

TEST(failure_names) {
        CHECK_STR(rehome_failure_to_string(REHOME_OPEN), "open");
        CHECK_STR(rehome_failure_to_string(REHOME_HARDLINKED), "hardlinked");
        CHECK_STR(rehome_failure_to_string(REHOME_LEASE_BROKEN), "lease-broken");
        CHECK_STR(rehome_failure_to_string(REHOME_COPY_FAILED), "copy-failed");
        CHECK_STR(rehome_failure_to_string(REHOME_VERIFY_FAILED), "verify-failed");
        CHECK_STR(rehome_failure_to_string(REHOME_SCAN_FAILED), "scan-failed");
        CHECK_STR(rehome_failure_to_string(REHOME_CHANGED), "changed");
        CHECK_STR(rehome_failure_to_string(REHOME_TIMEOUT), "timeout");
        CHECK(rehome_failure_to_string(_REHOME_FAILURE_MAX) == NULL);
        CHECK(rehome_failure_to_string((RehomeFailure) -1) == NULL);
}

TEST(skip_messages) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f = NULL, *g = NULL;
        char *untouched = (char *) "x";

        CHECK_INT(rehome_skip_message(&(RehomeSkip){ .path = "/srv/web/db",
                                                     .failure = REHOME_OPEN,
                                                     .holder_pid = 42,
                                                     .holder_comm = "sleep",
                                                     .holder_unit = "other.service" },
                                      &a),
                  0);
        CHECK_STR(a, "/srv/web/db not re-homed: open by PID 42 (sleep, other.service).");

        CHECK_INT(rehome_skip_message(&(RehomeSkip){ .path = "/srv/x", .failure = REHOME_OPEN }, &b), 0);
        CHECK_STR(b, "/srv/x not re-homed: open or mapped by another process.");

        CHECK_INT(rehome_skip_message(
                          &(RehomeSkip){ .path = "/srv/x", .failure = REHOME_COPY_FAILED, .error = ENOSPC },
                          &c),
                  0);
        CHECK_STR(c, "/srv/x not re-homed: copy failed: No space left on device.");

        CHECK_INT(rehome_skip_message(&(RehomeSkip){ .path = "/srv/x",
                                                     .failure = REHOME_VERIFY_FAILED,
                                                     .elsewhere = 3,
                                                     .resident = 4096 },
                                      &d),
                  0);
        CHECK_STR(d, "/srv/x not re-homed: verify failed: 3 of 4096 pages of the copy charged elsewhere.");

        /* a holder's comm and unit come from /proc: no line breaks get through */
        CHECK_INT(rehome_skip_message(&(RehomeSkip){ .path = "/srv/a\nb",
                                                     .failure = REHOME_OPEN,
                                                     .holder_pid = 7,
                                                     .holder_comm = "evil\ncomm" },
                                      &e),
                  0);
        CHECK_STR(e, "/srv/a\\x0ab not re-homed: open by PID 7 (evil\\x0acomm).");

        CHECK_INT(rehome_skip_message(&(RehomeSkip){ .path = "/srv/x", .failure = REHOME_HARDLINKED }, &f),
                  0);
        CHECK(strstr(f, "hard links"));
        CHECK_INT(rehome_skip_message(&(RehomeSkip){ .path = "/srv/x", .failure = REHOME_LEASE_BROKEN }, &g),
                  0);
        CHECK(strstr(g, "while it was copied"));
        free(g);
        g = NULL;
        CHECK_INT(rehome_skip_message(&(RehomeSkip){ .path = "/srv/x", .failure = REHOME_CHANGED }, &g), 0);
        CHECK_STR(g, "/srv/x not re-homed: its mode, owner, size or times changed while it was copied.");
        free(g);
        g = NULL;
        CHECK_INT(rehome_skip_message(&(RehomeSkip){ .path = "/srv/x", .failure = REHOME_TIMEOUT }, &g), 0);
        CHECK(strstr(g, "time limit"));

        CHECK_INT(rehome_skip_message(&(RehomeSkip){ .path = NULL, .failure = REHOME_OPEN }, &untouched),
                  -EINVAL);
        CHECK_INT(rehome_skip_message(&(RehomeSkip){ .path = "/x", .failure = _REHOME_FAILURE_MAX },
                                      &untouched),
                  -EINVAL);
        CHECK_STR(untouched, "x");
}
