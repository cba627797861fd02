/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgctl's entity columns: ListEntityColumns() and ListEntities() must give
 * the same --json, key for key (the schema of cgctl(1)), whatever order the
 * daemon lists the entities in. Messages are built without a bus connection. */
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "entities.h"
#include "macro.h"
#include "tests.h"

static int peer_fd = -1;

static sd_bus_message *new_message(sd_bus **bus) {
        sd_bus_message *m = NULL;
        int fds[2];

        CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        peer_fd = fds[1];
        CHECK_INT(sd_bus_new(bus), 0);
        CHECK_INT(sd_bus_set_fd(*bus, fds[0], fds[0]), 0);
        CHECK(sd_bus_start(*bus) >= 0);
        CHECK_INT(sd_bus_message_new_method_call(*bus, &m, "org.cgpersist1", "/org/cgpersist1",
                                                 "org.cgpersist1.Manager", "Test"),
                  0);
        return m;
}

static void done(sd_bus_message *m, sd_bus *bus) {
        sd_bus_message_unref(m);
        sd_bus_close(bus);
        sd_bus_unref(bus);
        close(peer_fd);
        peer_fd = -1;
}

static void seal(sd_bus_message *m) {
        CHECK_INT(sd_bus_message_seal(m, 1, 0), 0);
        CHECK_INT(sd_bus_message_rewind(m, true), 1);
}

/* Two entities, the daemon's order not sorted: web (all known) and api
 * (its slice not active: measured values unknown; no service name). */
static const char *const slices[] = { "system-web.slice", "system-api.slice" };
static const char *const services[] = { "web.service", "" };
static const uint64_t mem[] = { 92274688, UINT64_MAX }, pers[] = { 4096, UINT64_MAX },
                      inst_cur[] = { 92270592, 0 }, restarts[] = { 3, 0 }, dying[] = { 1, UINT64_MAX },
                      memcgs[] = { UINT64_MAX, UINT64_MAX }, drained[] = { 8192, 0 },
                      created[] = { 1700000000000000, 1700000001000000 }, left[] = { 12582912, UINT64_MAX };
static const uint32_t inst[] = { 1, 0 };
static const int pending[] = { 0, 1 }, configured[] = { 1, 0 }, retiring[] = { 0, 1 };

static const char expected_json[] =
        "[{\"slice\":\"system-api.slice\",\"instances_current\":0,\"instances\":0,\"restarts\":0,"
        "\"pending\":true,\"drained_total\":0,\"configured\":false,\"retiring\":true,"
        "\"created_usec\":1700000001000000},"
        "{\"slice\":\"system-web.slice\",\"service\":\"web.service\",\"memory_current\":92274688,"
        "\"persistent\":4096,\"instances_current\":92270592,\"instances\":1,\"restarts\":3,"
        "\"dying_descendants\":1,\"pending\":false,\"drained_total\":8192,\"configured\":true,"
        "\"retiring\":false,\"created_usec\":1700000000000000,\"leftover_bytes\":12582912}]";

static void kv_array(sd_bus_message *m, const char *key, char type, const void *v, size_t size) {
        const char contents[3] = { 'a', type, 0 };

        CHECK(sd_bus_message_open_container(m, 'e', "sv") >= 0);
        CHECK(sd_bus_message_append_basic(m, 's', key) >= 0);
        CHECK(sd_bus_message_open_container(m, 'v', contents) >= 0);
        if (type == 's' || type == 'b') {
                CHECK(sd_bus_message_open_container(m, 'a', contents + 1) >= 0);
                for (size_t i = 0; i < size; i++)
                        CHECK(sd_bus_message_append_basic(
                                      m, type,
                                      type == 's' ? ((const char *const *) v)[i]
                                                  : (const void *) &((const int *) v)[i]) >= 0);
                CHECK(sd_bus_message_close_container(m) >= 0);
        } else
                CHECK(sd_bus_message_append_array(m, type, v, size) >= 0);
        CHECK(sd_bus_message_close_container(m) >= 0);
        CHECK(sd_bus_message_close_container(m) >= 0);
}

static void append_columns(sd_bus_message *m, bool extra) {
        CHECK(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
        kv_array(m, "slice", 's', slices, 2);
        if (extra) /* a later version's column, and one of another type */
                kv_array(m, "future", 't', mem, sizeof mem);
        kv_array(m, "service", 's', services, 2);
        kv_array(m, "memory_current", 't', mem, sizeof mem);
        kv_array(m, "persistent", 't', pers, sizeof pers);
        kv_array(m, "instances_current", 't', inst_cur, sizeof inst_cur);
        kv_array(m, "instances", 'u', inst, sizeof inst);
        kv_array(m, "restarts", 't', restarts, sizeof restarts);
        kv_array(m, "dying_descendants", 't', dying, sizeof dying);
        kv_array(m, "dying_memcgs", 't', memcgs, sizeof memcgs);
        kv_array(m, "pending", 'b', pending, 2);
        kv_array(m, "drained_total", 't', drained, sizeof drained);
        kv_array(m, "configured", 'b', configured, 2);
        kv_array(m, "retiring", 'b', retiring, 2);
        kv_array(m, "created_usec", 't', created, sizeof created);
        kv_array(m, "leftover_bytes", 't', left, sizeof left);
        CHECK(sd_bus_message_close_container(m) >= 0);
}

static char *to_json(const EntityColumns *c) {
        JsonWriter *w = NULL;
        char *text = NULL;

        CHECK_INT(json_writer_new(0, &w), 0);
        entity_columns_to_json(c, w);
        CHECK_INT(json_writer_finish(w, &text), 0);
        json_writer_free(w);
        return text;
}

TEST(columns) {
        for (int extra = 0; extra < 2; extra++) {
                sd_bus *bus = NULL;
                sd_bus_message *m = new_message(&bus);
                EntityColumns c = {};
                char *json;

                append_columns(m, extra);
                seal(m);
                CHECK_INT(entity_columns_from_reply(m, &c), 0);
                CHECK_INT(c.n, 2);
                CHECK_STR(c.slice[0], "system-web.slice");
                CHECK(!c.service[1]);
                CHECK_U64(c.memory_current[1], UINT64_MAX);
                CHECK_U64(c.instances[0], 1);
                CHECK(c.retiring[1]);
                CHECK_INT(c.order[0], 1);
                json = to_json(&c);
                CHECK_STR(json, expected_json);
                free(json);
                entity_columns_done(&c);
                done(m, bus);
        }
}

/* The records of ListEntities(), as the daemon writes them: unknown values
 * left out. */
TEST(records_give_the_same_json) {
        sd_bus *bus = NULL;
        sd_bus_message *m = new_message(&bus);
        EntityColumns c = {};
        Value v = {};
        char *json;

        CHECK(sd_bus_message_open_container(m, 'a', "a{sv}") >= 0);
        for (size_t i = 0; i < 2; i++) {
                CHECK(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
                CHECK(sd_bus_message_append(m, "{sv}", "slice", "s", slices[i]) >= 0);
                if (*services[i])
                        CHECK(sd_bus_message_append(m, "{sv}", "service", "s", services[i]) >= 0);
                if (mem[i] != UINT64_MAX)
                        CHECK(sd_bus_message_append(m, "{sv}", "memory_current", "t", mem[i]) >= 0);
                if (pers[i] != UINT64_MAX)
                        CHECK(sd_bus_message_append(m, "{sv}", "persistent", "t", pers[i]) >= 0);
                CHECK(sd_bus_message_append(m, "{sv}", "instances_current", "t", inst_cur[i]) >= 0);
                CHECK(sd_bus_message_append(m, "{sv}", "instances", "u", inst[i]) >= 0);
                CHECK(sd_bus_message_append(m, "{sv}", "restarts", "t", restarts[i]) >= 0);
                if (dying[i] != UINT64_MAX)
                        CHECK(sd_bus_message_append(m, "{sv}", "dying_descendants", "t", dying[i]) >= 0);
                CHECK(sd_bus_message_append(m, "{sv}", "pending", "b", pending[i]) >= 0);
                CHECK(sd_bus_message_append(m, "{sv}", "drained_total", "t", drained[i]) >= 0);
                CHECK(sd_bus_message_append(m, "{sv}", "configured", "b", configured[i]) >= 0);
                CHECK(sd_bus_message_append(m, "{sv}", "retiring", "b", retiring[i]) >= 0);
                CHECK(sd_bus_message_append(m, "{sv}", "created_usec", "t", created[i]) >= 0);
                if (left[i] != UINT64_MAX)
                        CHECK(sd_bus_message_append(m, "{sv}", "leftover_bytes", "t", left[i]) >= 0);
                CHECK(sd_bus_message_close_container(m) >= 0);
        }
        CHECK(sd_bus_message_close_container(m) >= 0);
        seal(m);

        CHECK_INT(value_read(m, &v), 0);
        CHECK_INT(entity_columns_from_records(&v, &c), 0);
        CHECK_INT(v.type, VALUE_NULL); /* taken over */
        json = to_json(&c);
        CHECK_STR(json, expected_json);
        free(json);
        entity_columns_done(&c);
        done(m, bus);
}

/* The table of list and plain status: sorted by slice, LEFT from the last
 * scan of leftovers, "-" for what is unknown (api: its slice not active,
 * no scan yet). */
TEST(table) {
        static const char expected[] =
                "ENTITY            SERVICE      MEMORY  PERSISTENT  INST  RESTARTS  DYING   LEFT  DRAINED  "
                "STATE\n"
                "system-api.slice  -                 -           -     0         0      -      -       0B  "
                "pending,retiring,unconfigured\n"
                "system-web.slice  web.service   88.0M        4.0K     1         3      1  12.0M     8.0K  "
                "ok\n";
        sd_bus *bus = NULL;
        sd_bus_message *m = new_message(&bus);
        EntityColumns c = {};
        char *text = NULL;
        size_t size = 0;
        FILE *f;

        append_columns(m, false);
        seal(m);
        CHECK_INT(entity_columns_from_reply(m, &c), 0);
        f = open_memstream(&text, &size);
        CHECK(f);
        CHECK_INT(entity_columns_print_table(&c, f, 0), 0);
        CHECK_INT(fclose(f), 0);
        CHECK_STR(text, expected);
        free(text);
        entity_columns_done(&c);
        done(m, bus);
}

TEST(malformed) {
        static const uint64_t three[] = { 1, 2, 3 };
        sd_bus *bus = NULL;
        sd_bus_message *m = new_message(&bus);
        EntityColumns c = {};

        /* Columns of different lengths. */
        CHECK(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
        kv_array(m, "slice", 's', slices, 2);
        kv_array(m, "restarts", 't', three, sizeof three);
        CHECK(sd_bus_message_close_container(m) >= 0);
        seal(m);
        CHECK_INT(entity_columns_from_reply(m, &c), -EBADMSG);
        done(m, bus);

        /* No slices. */
        m = new_message(&bus);
        CHECK(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
        kv_array(m, "restarts", 't', three, sizeof three);
        CHECK(sd_bus_message_close_container(m) >= 0);
        seal(m);
        CHECK_INT(entity_columns_from_reply(m, &c), -EBADMSG);
        done(m, bus);

        /* Empty: no entities. */
        m = new_message(&bus);
        CHECK(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
        kv_array(m, "slice", 's', slices, 0);
        kv_array(m, "restarts", 't', three, 0);
        CHECK(sd_bus_message_close_container(m) >= 0);
        seal(m);
        CHECK_INT(entity_columns_from_reply(m, &c), 0);
        CHECK_INT(c.n, 0);
        CHECK_U64(c.restarts ? 0 : 1, 0);
        entity_columns_done(&c);
        done(m, bus);
}
