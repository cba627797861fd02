/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"
#include "path.h"
#include "state.h"
#include "tests.h"

static const char *const hostile[] = {
        "web.service",
        "foo@a b.service", /* space */
        "x=y%41 z%", /* our own escape characters */
        "tab\there\nnewline\rcr",
        "\x01\x02\x7f\x80\xff\xfe", /* controls, non-UTF-8 */
        "caf\xc3\xa9 \xe2\x82\xac", /* UTF-8 */
        "system-a\\x2db.slice", /* systemd escaping */
        "entity slice=evil service=x created=0 restarts=0 drained=0",
        "end",
        "", /* empty, not absent */
};

static State *make_state(void) {
        State *s = state_new();
        EntityState *e = NULL;

        if (!s)
                CHECK_FAIL("state_new");
        for (size_t i = 0; i < ELEMENTSOF(hostile) - 1; i++) {
                char slice[64];
                InstanceRecord r = {
                        .unit = (char *) hostile[i],
                        .invocation_id = (char *) "0123456789abcdef0123456789abcdef",
                        .cgroup_id = 1000 + i,
                        .start_usec = 1700000000000000ULL + i,
                        .stop_usec = i % 2 ? 0 : 1700000000500000ULL,
                        .peak = i % 3 ? UINT64_MAX : 88000000,
                        .charge_at_stop = UINT64_MAX,
                        .drained = 12345,
                        .residual = 0,
                        .result = i % 2 ? NULL : (char *) hostile[ELEMENTSOF(hostile) - 1 - i],
                };

                snprintf(slice, sizeof(slice), "slice-%zu", i);
                /* The slice itself is hostile too for the first ones. */
                if (state_add(s, i < 3 ? hostile[i + 1] : slice, hostile[i], 17 + i, &e) != 1)
                        CHECK_FAIL("state_add");
                e->restarts = i;
                e->drained_total = UINT64_MAX - i;
                if (entity_add_instance(e, &r) < 0 || entity_add_instance(e, &r) < 0)
                        CHECK_FAIL("entity_add_instance");
                free(e->history[1].invocation_id);
                e->history[1].invocation_id = i == 0 ? NULL : strdup(hostile[i]);
        }
        return s;
}

static void check_same(const State *a, const State *b) {
        CHECK_INT(a->n_entities, b->n_entities);
        for (size_t i = 0; i < a->n_entities; i++) {
                const EntityState *x = &a->entities[i], *y = &b->entities[i];

                CHECK_STR(x->slice, y->slice);
                CHECK_STR(x->service, y->service);
                CHECK_U64(x->created_usec, y->created_usec);
                CHECK_U64(x->restarts, y->restarts);
                CHECK_U64(x->drained_total, y->drained_total);
                CHECK_INT(x->n_history, y->n_history);
                for (size_t j = 0; j < x->n_history; j++) {
                        const InstanceRecord *p = &x->history[j], *q = &y->history[j];

                        CHECK_STR(p->unit, q->unit);
                        CHECK(streq_ptr(p->invocation_id, q->invocation_id));
                        CHECK(streq_ptr(p->result, q->result));
                        CHECK_U64(p->cgroup_id, q->cgroup_id);
                        CHECK_U64(p->start_usec, q->start_usec);
                        CHECK_U64(p->stop_usec, q->stop_usec);
                        CHECK_U64(p->peak, q->peak);
                        CHECK_U64(p->charge_at_stop, q->charge_at_stop);
                        CHECK_U64(p->drained, q->drained);
                        CHECK_U64(p->residual, q->residual);
                }
        }
}

static size_t count_entries(const char *dir, const char *prefix) {
        DIR *d = opendir(dir);
        struct dirent *de;
        size_t n = 0;

        if (!d)
                return (size_t) -1;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..") &&
                    strneq(de->d_name, prefix, strlen(prefix)))
                        n++;
        closedir(d);
        return n;
}

TEST(add_find_remove) {
        State *s = state_new();
        EntityState *e = NULL, *e2 = NULL;

        CHECK(s);
        CHECK_INT(state_add(s, "system-web.slice", "web.service", 5, &e), 1);
        CHECK_STR(e->slice, "system-web.slice");
        CHECK_U64(e->created_usec, 5);
        CHECK_INT(state_add(s, "system-web.slice", "other.service", 9, &e2), 0);
        CHECK(e2 == state_find(s, "system-web.slice"));
        CHECK_STR(e2->service, "web.service");
        CHECK_U64(e2->created_usec, 5);
        CHECK_INT(state_add(s, "system-foo.slice", "foo@.service", 6, NULL), 1);
        CHECK_INT(state_add(s, "", "x", 0, NULL), -EINVAL);
        CHECK_INT(state_add(s, NULL, "x", 0, NULL), -EINVAL);
        CHECK_INT(s->n_entities, 2);

        CHECK_INT(state_remove(s, "system-web.slice"), 0);
        CHECK_INT(state_remove(s, "system-web.slice"), -ENOENT);
        CHECK(!state_find(s, "system-web.slice"));
        CHECK_STR(state_find(s, "system-foo.slice")->service, "foo@.service");
        CHECK_INT(s->n_entities, 1);
        CHECK(!state_free(s));
        CHECK(!state_free(NULL));
}

TEST(instances) {
        State *s = state_new();
        EntityState *e = NULL;
        InstanceRecord r = { .unit = (char *) "web.service", .invocation_id = (char *) "aa", .peak = 1 };

        CHECK_INT(state_add(s, "system-web.slice", "web.service", 0, &e), 1);
        CHECK_INT(entity_add_instance(e, &r), 0);
        r.peak = 2;
        CHECK_INT(entity_add_instance(e, &r), 0);
        r.invocation_id = NULL;
        CHECK_INT(entity_add_instance(e, &r), 0);
        /* Newest with that id. */
        CHECK_U64(entity_find_instance(e, "aa")->peak, 2);
        CHECK(!entity_find_instance(e, "bb"));
        CHECK(!entity_find_instance(e, NULL));
        /* Copied, not borrowed. */
        CHECK(e->history[0].unit != r.unit);

        r.unit = NULL;
        CHECK_INT(entity_add_instance(e, &r), -EINVAL);
        r.unit = (char *) "";
        CHECK_INT(entity_add_instance(e, &r), -EINVAL);
        CHECK_INT(e->n_history, 3);
        state_free(s);
}

TEST(history_bound) {
        State *s = state_new();
        EntityState *e = NULL;
        char inv[32];

        CHECK_INT(state_add(s, "system-web.slice", "web.service", 0, &e), 1);
        for (unsigned i = 0; i < STATE_HISTORY_MAX + 10; i++) {
                InstanceRecord r = { .unit = (char *) "web.service", .invocation_id = inv, .start_usec = i };

                snprintf(inv, sizeof(inv), "inv-%u", i);
                CHECK_INT(entity_add_instance(e, &r), 0);
                CHECK(e->n_history <= STATE_HISTORY_MAX);
        }
        CHECK_INT(e->n_history, STATE_HISTORY_MAX);
        /* The oldest went first, order kept. */
        CHECK_U64(e->history[0].start_usec, 10);
        CHECK_U64(e->history[STATE_HISTORY_MAX - 1].start_usec, STATE_HISTORY_MAX + 9);
        CHECK(!entity_find_instance(e, "inv-9"));
        CHECK(entity_find_instance(e, "inv-10"));
        state_free(s);
}

/* The configured retention (state_trim_history) keeps the newest records;
 * the entity's counters still count every instance. */
TEST(trim_history) {
        State *s = state_new(), *p = NULL;
        EntityState *e = NULL, *small = NULL;
        char *text = NULL;

        CHECK_INT(state_add(s, "system-web.slice", "web.service", 0, &e), 1);
        for (unsigned i = 0; i < 100; i++) {
                InstanceRecord r = { .unit = (char *) "web.service", .start_usec = i, .drained = 10 };

                CHECK_INT(entity_add_instance(e, &r), 0);
                e->restarts++;
                e->drained_total += r.drained;
        }
        CHECK_INT(state_add(s, "system-a.slice", "a.service", 0, &small), 1);
        CHECK_INT(entity_add_instance(small, &(InstanceRecord){ .unit = (char *) "a.service" }), 0);
        e = state_find(s, "system-web.slice");
        CHECK_INT(e->n_history, 100);

        CHECK_INT(state_trim_history(s, 30), 70);
        CHECK_INT(e->n_history, 30);
        CHECK_U64(e->history[0].start_usec, 70);
        CHECK_U64(e->history[29].start_usec, 99);
        CHECK_U64(e->restarts, 100);
        CHECK_U64(e->drained_total, 1000);
        CHECK_INT(state_find(s, "system-a.slice")->n_history, 1);
        CHECK_INT(state_trim_history(s, 30), 0);
        CHECK_INT(state_trim_history(s, 0), 0); /* no bound: nothing */
        CHECK_INT(e->n_history, 30);

        /* What is saved is what was kept, counters included. */
        CHECK_INT(state_serialize(s, &text), 0);
        CHECK_INT(state_parse(text, &p, NULL), 0);
        check_same(s, p);
        CHECK_U64(state_find(p, "system-web.slice")->restarts, 100);
        free(text);
        state_free(s);
        state_free(p);
}

TEST(roundtrip_hostile) {
        State *s = make_state(), *p = NULL;
        char *text = NULL, *text2 = NULL;
        unsigned line = 0;

        CHECK_INT(state_serialize(s, &text), 0);
        CHECK(strneq(text, "cgpersist-state 2\nstate generation=0\n", 37));
        /* Every record on one line: no raw newline, tab or CR inside. */
        for (const char *c = text; *c; c++)
                CHECK(*c == '\n' || (*c >= 0x20 && *c < 0x7f));
        CHECK_INT(state_parse(text, &p, &line), 0);
        check_same(s, p);

        /* Serializing again gives the same bytes. */
        CHECK_INT(state_serialize(p, &text2), 0);
        CHECK_STR(text, text2);
        free(text);
        free(text2);
        state_free(s);
        state_free(p);
}

TEST(roundtrip_empty) {
        State *s = state_new(), *p = NULL;
        char *text = NULL;

        CHECK_INT(state_serialize(s, &text), 0);
        CHECK_STR(text, "cgpersist-state 2\nstate generation=0\nend\n");
        CHECK_INT(state_parse(text, &p, NULL), 0);
        CHECK_INT(p->n_entities, 0);
        CHECK_U64(p->generation, 0);
        free(text);
        state_free(s);
        state_free(p);
}

TEST(parse_known_text) {
        /* Fields in any order; the format is meant to be readable. */
        const char *text =
                "cgpersist-state 1\n"
                "entity service=web.service slice=system-web.slice created=1 restarts=2 drained=3\n"
                "instance unit=web.service cgroup_id=9 start=1 stop=2 peak=3 charge=4 drained=5 residual=6 "
                "result=exit-code invocation=ab\n"
                "instance unit=foo%20bar%25.service cgroup_id=0 start=0 stop=0 peak=18446744073709551615 "
                "charge=0 drained=0 residual=0\n"
                "entity slice=system-b.slice service= created=0 restarts=0 drained=0\n"
                "end\n";
        State *s = NULL;

        CHECK_INT(state_parse(text, &s, NULL), 0);
        CHECK_INT(s->n_entities, 2);
        /* Kept sorted by slice, whatever the file's order. */
        CHECK_STR(s->entities[0].slice, "system-b.slice");
        CHECK_STR(s->entities[1].slice, "system-web.slice");
        const EntityState *w = state_find(s, "system-web.slice");
        CHECK(w == &s->entities[1]);
        CHECK_U64(w->restarts, 2);
        CHECK_INT(w->n_history, 2);
        CHECK_STR(w->history[0].result, "exit-code");
        CHECK_STR(w->history[0].invocation_id, "ab");
        CHECK_U64(w->history[0].residual, 6);
        CHECK_STR(w->history[1].unit, "foo bar%.service");
        CHECK(!w->history[1].result);
        CHECK(!w->history[1].invocation_id);
        CHECK_U64(w->history[1].peak, UINT64_MAX);
        CHECK_STR(s->entities[0].service, "");
        CHECK_INT(s->entities[0].n_history, 0);
        /* Each entity's cgroup, made once. */
        CHECK_STR(w->cgpath, "system.slice/system-web.slice");
        CHECK_STR(s->entities[0].cgpath, "system.slice/system-b.slice");
        state_free(s);
}

/* Added in any order, found by binary search, listed by slice; removing
 * keeps the order. */
TEST(sorted_by_slice) {
        static const char *const slices[] = { "system-m.slice", "system-a.slice", "system-z.slice",
                                              "system-b.slice", "system-a\\x2d1.slice" };
        State *s = state_new();
        EntityState *e;

        CHECK(s);
        for (size_t i = 0; i < ELEMENTSOF(slices); i++)
                CHECK_INT(state_add(s, slices[i], "x.service", i, NULL), 1);
        CHECK_INT(state_add(s, "system-b.slice", "y.service", 9, &e), 0);
        CHECK_STR(e->service, "x.service");
        CHECK_INT(s->n_entities, ELEMENTSOF(slices));
        for (size_t i = 1; i < s->n_entities; i++)
                CHECK(strcmp(s->entities[i - 1].slice, s->entities[i].slice) < 0);
        for (size_t i = 0; i < ELEMENTSOF(slices); i++) {
                e = state_find(s, slices[i]);
                CHECK(e && streq(e->slice, slices[i]) && e->created_usec == i);
        }
        CHECK(!state_find(s, "system-c.slice"));
        CHECK_STR(state_find(s, "system-a\\x2d1.slice")->cgpath, "system.slice/system-a\\x2d1.slice");
        CHECK_INT(state_add(s, "not a slice", "x.service", 0, &e), 1);
        CHECK(!e->cgpath);
        CHECK_INT(state_remove(s, "not a slice"), 0);
        CHECK_INT(state_remove(s, "system-m.slice"), 0);
        CHECK_INT(state_remove(s, "system-m.slice"), -ENOENT);
        CHECK_INT(s->n_entities, ELEMENTSOF(slices) - 1);
        for (size_t i = 1; i < s->n_entities; i++)
                CHECK(strcmp(s->entities[i - 1].slice, s->entities[i].slice) < 0);
        CHECK(state_find(s, "system-z.slice"));
        state_free(s);
}

static void check_bad(const char *text, int want_r, unsigned want_line) {
        State *s = (State *) 0x1;
        unsigned line = 999;
        int r;

        r = state_parse(text, &s, &line);
        if (r != want_r || line != want_line) {
                printf("#   text: \"%s\"\n", text);
                CHECK_INT(r, want_r);
                CHECK_INT(line, want_line);
        }
        CHECK(s == (State *) 0x1);
}

#define HDR "cgpersist-state 1\n"
#define ENT "entity slice=a service=b created=0 restarts=0 drained=0\n"
#define INS "instance unit=u cgroup_id=0 start=0 stop=0 peak=0 charge=0 drained=0 residual=0\n"

TEST(parse_corrupt) {
        check_bad("", -EBADMSG, 1);
        check_bad("cgpersist-state 1", -EBADMSG, 1); /* no newline */
        check_bad(HDR, -EBADMSG, 1); /* no "end" */
        check_bad(HDR ENT, -EBADMSG, 2); /* cut at a line */
        check_bad(HDR ENT INS, -EBADMSG, 3);
        check_bad(HDR ENT "instance unit=u cgroup_id=0 sta", -EBADMSG, 3);
        check_bad(HDR ENT INS "end", -EBADMSG, 4); /* "end" without newline */
        check_bad("garbage\n" ENT "end\n", -EBADMSG, 1);
        check_bad("cgpersist-state\nend\n", -EBADMSG, 1);
        check_bad("cgpersist-state 0\nend\n", -EBADMSG, 1);
        check_bad("cgpersist-state x\nend\n", -EBADMSG, 1);
        check_bad("cgpersist-state  1\nend\n", -EBADMSG, 1);
        check_bad("cgpersist-statex 1\nend\n", -EBADMSG, 1);
        check_bad(HDR INS "end\n", -EBADMSG, 2); /* instance before entity */
        check_bad(HDR ENT ENT "end\n", -EBADMSG, 3); /* duplicate entity */
        check_bad(HDR ENT "end\n" ENT, -EBADMSG, 4); /* data after end */
        check_bad(HDR ENT "end\n\n", -EBADMSG, 4);
        check_bad(HDR "\n" ENT "end\n", -EBADMSG, 2); /* empty line */
        check_bad(HDR "entity slice=a service=b created=0 restarts=0\nend\n", -EBADMSG,
                  2); /* missing field */
        check_bad(HDR "entity slice=a service=b created=0 restarts=0 drained=0 extra=1\nend\n", -EBADMSG, 2);
        check_bad(HDR "entity slice=a slice=a service=b created=0 restarts=0 drained=0\nend\n", -EBADMSG, 2);
        check_bad(HDR "entity slice=a service=b created=0 restarts=0 drained=0 \nend\n", -EBADMSG, 2);
        check_bad(HDR "entity slice=a  service=b created=0 restarts=0 drained=0\nend\n", -EBADMSG, 2);
        check_bad(HDR "entity slice= service=b created=0 restarts=0 drained=0\nend\n", -EBADMSG, 2);
        check_bad(HDR "entity slice=a service=b created=-1 restarts=0 drained=0\nend\n", -EBADMSG, 2);
        check_bad(HDR "entity slice=a service=b created=18446744073709551616 restarts=0 drained=0\nend\n",
                  -EBADMSG, 2);
        check_bad(HDR "entity slice=a service=b created= restarts=0 drained=0\nend\n", -EBADMSG, 2);
        check_bad(HDR "entity slice=a%2 service=b created=0 restarts=0 drained=0\nend\n", -EBADMSG, 2);
        check_bad(HDR "entity slice=a%zz service=b created=0 restarts=0 drained=0\nend\n", -EBADMSG, 2);
        check_bad(HDR "entity slice=a%00b service=b created=0 restarts=0 drained=0\nend\n", -EBADMSG, 2);
        check_bad(HDR "entity slice=a=b service=b created=0 restarts=0 drained=0\nend\n", -EBADMSG, 2);
        check_bad(HDR "entity slice=a\tb service=b created=0 restarts=0 drained=0\nend\n", -EBADMSG, 2);
        check_bad(HDR "entity slice=a\xff service=b created=0 restarts=0 drained=0\nend\n", -EBADMSG, 2);
        check_bad(HDR "entity slice=a service=b created=0 restarts=0 drained=0\r\nend\n", -EBADMSG, 2);
        check_bad(HDR "entity =a service=b created=0 restarts=0 drained=0\nend\n", -EBADMSG, 2);
        check_bad(HDR "entityslice=a service=b created=0 restarts=0 drained=0\nend\n", -EBADMSG, 2);
        check_bad(HDR ENT
                  "instance unit= cgroup_id=0 start=0 stop=0 peak=0 charge=0 drained=0 residual=0\nend\n",
                  -EBADMSG, 3);
        check_bad(HDR ENT "instance unit=u start=0 stop=0 peak=0 charge=0 drained=0 residual=0\nend\n",
                  -EBADMSG, 3);
        check_bad(HDR ENT INS "bogus x=1\nend\n", -EBADMSG, 4);
        check_bad(HDR ENT INS "END\n", -EBADMSG, 4);
}

TEST(parse_newer_version) {
        check_bad("cgpersist-state 3\nwhatever new\n", -EPROTONOSUPPORT, 1);
        check_bad("cgpersist-state 99999\n", -EPROTONOSUPPORT, 1);
}

/* The generation is saved and read back; version 1 files (without it) are
 * read as generation 0; the "state" line is strict. */
TEST(generation) {
        State *s = make_state(), *p = NULL;
        char *text = NULL;

        s->generation = 18446744073709551615ULL;
        CHECK_INT(state_serialize(s, &text), 0);
        CHECK(strneq(text, "cgpersist-state 2\nstate generation=18446744073709551615\n", 56));
        CHECK_INT(state_parse(text, &p, NULL), 0);
        CHECK_U64(p->generation, s->generation);
        free(text);
        state_free(p);
        CHECK_INT(state_parse("cgpersist-state 1\nend\n", &p, NULL), 0);
        CHECK_U64(p->generation, 0);
        state_free(p);
        state_free(s);

        check_bad("cgpersist-state 2\nend\n", -EBADMSG, 2);
        check_bad("cgpersist-state 2\nstate\nend\n", -EBADMSG, 2);
        check_bad("cgpersist-state 2\nstate generation=\nend\n", -EBADMSG, 2);
        check_bad("cgpersist-state 2\nstate generation=1 generation=1\nend\n", -EBADMSG, 2);
        check_bad("cgpersist-state 2\nstate generation=1 x=1\nend\n", -EBADMSG, 2);
        check_bad("cgpersist-state 2\nstate generation=1\nstate generation=2\nend\n", -EBADMSG, 3);
        check_bad("cgpersist-state 2\n" ENT "state generation=1\nend\n", -EBADMSG, 2);
        check_bad("cgpersist-state 1\nstate generation=1\nend\n", -EBADMSG, 2);
}

TEST(parse_bounds_history) {
        /* A file from a build with a larger bound keeps the newest. */
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        State *s = NULL;

        CHECK(f);
        fputs(HDR ENT, f);
        for (unsigned i = 0; i < STATE_HISTORY_MAX + 5; i++)
                fprintf(f,
                        "instance unit=u cgroup_id=%u start=0 stop=0 peak=0 charge=0 drained=0 residual=0\n",
                        i);
        fputs("end\n", f);
        fclose(f);
        CHECK_INT(state_parse(text, &s, NULL), 0);
        CHECK_INT(s->entities[0].n_history, STATE_HISTORY_MAX);
        CHECK_U64(s->entities[0].history[0].cgroup_id, 5);
        free(text);
        state_free(s);
}

TEST(save_load) {
        char *t = test_tmpdir(), *dir, *statefile;
        State *s = make_state(), *l = NULL;
        unsigned line = 0;
        struct stat st;

        dir = path_join(t, "var", "lib", "cgpersist");
        /* Missing directory: load gives an empty state. */
        CHECK_INT(state_load(dir, &l, &line), 0);
        CHECK_INT(l->n_entities, 0);
        state_free(l);

        /* Save creates the directory. */
        CHECK_INT(state_save(s, dir), 0);
        statefile = path_join(dir, "state");
        CHECK_INT(stat(statefile, &st), 0);
        CHECK_INT(st.st_mode & 0777, 0644);
        CHECK_INT(state_load(dir, &l, &line), 0);
        check_same(s, l);
        state_free(l);

        /* Saving over it a few times leaves exactly the file and its
         * copy, no temporary files. */
        CHECK_INT(state_save(s, dir), 0);
        CHECK_INT(state_save(l = state_new(), dir), 0);
        state_free(l);
        CHECK_INT(count_entries(dir, ""), 2);
        CHECK_INT(count_entries(dir, "state.copy"), 1);
        CHECK_INT(state_load(dir, &l, NULL), 0);
        CHECK_INT(l->n_entities, 0);
        state_free(l);

        free(statefile);
        free(dir);
        state_free(s);
}

/* Two copies (the saved one and one kept elsewhere while saves failed): the
 * higher generation is the newer; state_discard removes a copy. */
TEST(discard) {
        char *t = test_tmpdir(), *run = path_join(t, "run"), *var = path_join(t, "var");
        State *s = make_state(), *l = NULL;

        CHECK_INT(state_discard(run), 0); /* nothing there */
        s->generation = 5;
        CHECK_INT(state_save(s, var), 0);
        s->generation = 6;
        CHECK_INT(state_save(s, run), 0);
        CHECK_INT(state_load(run, &l, NULL), 0);
        CHECK_U64(l->generation, 6);
        state_free(l);
        CHECK_INT(state_discard(run), 0);
        CHECK_INT(count_entries(run, ""), 0);
        CHECK_INT(state_load(run, &l, NULL), 0); /* gone: empty, generation 0 */
        CHECK_U64(l->generation, 0);
        CHECK_INT(l->n_entities, 0);
        state_free(l);
        CHECK_INT(state_load(var, &l, NULL), 0);
        CHECK_U64(l->generation, 5);
        state_free(l);
        CHECK_INT(state_discard(""), -EINVAL);
        free(run);
        free(var);
        state_free(s);
}

/* A state file damaged after it was saved (cut short, a bad line): its copy
 * holds every record, and is taken instead. */
TEST(load_corrupt_takes_the_copy) {
        char *t = test_tmpdir(), *f, *text = NULL;
        State *s = make_state(), *l = NULL;
        unsigned line = 0;
        size_t len;

        CHECK_INT(state_save(s, t), 0);
        f = path_join(t, "state");
        CHECK_INT(read_full_file(f, 1 << 20, &text, &len), 0);
        /* Cut in its second half. */
        test_write(t, "state", strndupa(text, len * 2 / 3));
        CHECK_INT(state_load(t, &l, &line), 1);
        check_same(s, l);
        state_free(l);
        CHECK_INT(count_entries(t, "state.corrupt-"), 1);

        /* A bad line, and no copy: afresh, as before. */
        CHECK_INT(state_save(s, t), 0);
        CHECK_INT(state_discard(t), 0);
        CHECK_INT(count_entries(t, "state"), 1); /* the corrupt one only */
        test_write(t, "state", "cgpersist-state 2\nentity slice=%zz\n");
        CHECK_INT(state_load(t, &l, &line), -EBADMSG);
        CHECK_INT(l->n_entities, 0);
        state_free(l);

        /* A damaged copy is no help either. */
        CHECK_INT(state_save(s, t), 0);
        test_write(t, "state", "junk");
        test_write(t, "state.copy", "junk");
        CHECK_INT(state_load(t, &l, NULL), -EBADMSG);
        state_free(l);

        free(text);
        free(f);
        state_free(s);
}

TEST(load_corrupt_sets_aside) {
        char *t = test_tmpdir(), *f, *text = NULL;
        State *l = (State *) 0x1;
        unsigned line = 0;
        DIR *d;
        struct dirent *de;
        bool found = false;

        test_write(t, "state", HDR ENT "entity slice=a service=b created=0 restarts=0 drained=0\nend\n");
        CHECK_INT(state_load(t, &l, &line), -EBADMSG);
        CHECK_INT(line, 3);
        /* An empty state comes back anyway, so the daemon can go on. */
        CHECK(l && l != (State *) 0x1);
        CHECK_INT(l->n_entities, 0);
        state_free(l);

        /* The file went aside as state.corrupt-<usec>, content intact. */
        f = path_join(t, "state");
        CHECK(access(f, F_OK) < 0);
        free(f);
        d = opendir(t);
        CHECK(d);
        while ((de = readdir(d))) {
                const char *n = de->d_name;

                if (!strneq(n, "state.corrupt-", 14))
                        continue;
                CHECK(strspn(n + 14, "0123456789") == strlen(n + 14) && strlen(n + 14) >= 16);
                f = path_join(t, n);
                CHECK_INT(read_full_file(f, 4096, &text, NULL), 0);
                CHECK(strstr(text, "entity slice=a service=b"));
                free(text);
                free(f);
                found = true;
        }
        closedir(d);
        CHECK(found);

        /* A second corrupt file does not replace the first. */
        test_write(t, "state", "junk");
        CHECK_INT(state_load(t, &l, &line), -EBADMSG);
        CHECK_INT(line, 1);
        state_free(l);
        CHECK_INT(count_entries(t, "state.corrupt-"), 2);
        CHECK_INT(count_entries(t, "state"), 2);

        /* Truncated: no "end". */
        test_write(t, "state", HDR ENT);
        CHECK_INT(state_load(t, &l, NULL), -EBADMSG);
        state_free(l);
        CHECK_INT(count_entries(t, "state.corrupt-"), 3);
}

TEST(load_newer_version_untouched) {
        char *t = test_tmpdir(), *f;
        State *l = (State *) 0x1;
        unsigned line = 0;

        test_write(t, "state", "cgpersist-state 7\nfuture stuff\n");
        CHECK_INT(state_load(t, &l, &line), -EPROTONOSUPPORT);
        CHECK(l == (State *) 0x1);
        CHECK_INT(line, 1);
        f = path_join(t, "state");
        CHECK_INT(access(f, F_OK), 0);
        CHECK_INT(count_entries(t, ""), 1);
        free(f);
}

TEST(save_errors) {
        char *t = test_tmpdir(), *dir;
        State *s = state_new();

        /* The directory path runs through a file. */
        test_write(t, "file", "x");
        dir = path_join(t, "file", "sub");
        CHECK_INT(state_save(s, dir), -ENOTDIR);
        free(dir);
        CHECK_INT(state_save(NULL, t), -EINVAL);
        CHECK_INT(state_save(s, ""), -EINVAL);
        CHECK_INT(count_entries(t, ""), 1);
        state_free(s);
}
