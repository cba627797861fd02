/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgctl's reply tree and its JSON: the schema of cgctl --json is the D-Bus
 * records, so a{sv} must come out as objects, aa{sv} as arrays of objects,
 * UINT64_MAX as null, keys in the JSON vocabulary. Messages are built and sealed without a bus
 * connection. */
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "json.h"
#include "macro.h"
#include "tests.h"
#include "value.h"

static int peer_fd = -1;

static void done(sd_bus_message *m, sd_bus *bus) {
        sd_bus_message_unref(m);
        /* No flush: the bus never authenticated, a flush would wait for it. */
        sd_bus_close(bus);
        sd_bus_unref(bus);
        close(peer_fd);
        peer_fd = -1;
}

static sd_bus_message *new_message(sd_bus **bus) {
        sd_bus_message *m = NULL;
        int fds[2];

        /* Messages need an open bus: one end of a socket pair will do, no
         * message is ever sent. */
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

static void seal(sd_bus_message *m) {
        CHECK_INT(sd_bus_message_seal(m, 1, 0), 0);
        CHECK_INT(sd_bus_message_rewind(m, true), 1);
}

static char *to_json(const Value *v) {
        JsonWriter *w = NULL;
        char *text = NULL;

        CHECK_INT(json_writer_new(0, &w), 0);
        value_to_json(v, w);
        CHECK_INT(json_writer_finish(w, &text), 0);
        json_writer_free(w);
        return text;
}

TEST(value_entity_record) {
        sd_bus *bus = NULL;
        sd_bus_message *m = new_message(&bus);
        Value v = {};
        uint64_t u;
        char *json;

        CHECK(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
        CHECK(sd_bus_message_append(m, "{sv}", "slice", "s", "system-web.slice") >= 0);
        CHECK(sd_bus_message_append(m, "{sv}", "memory_current", "t", UINT64_C(92274688)) >= 0);
        CHECK(sd_bus_message_append(m, "{sv}", "memory_max", "t", UINT64_MAX) >= 0);
        CHECK(sd_bus_message_append(m, "{sv}", "instances", "u", 1) >= 0);
        CHECK(sd_bus_message_append(m, "{sv}", "pending", "b", 0) >= 0);
        CHECK(sd_bus_message_append(m, "{sv}", "configured_by", "as", 2, "/etc/a.conf:1", "/etc/b.conf:3") >=
              0);
        CHECK(sd_bus_message_append(m, "{sv}", "memory_stat", "a{st}", 2, "anon", UINT64_C(1), "file",
                                    UINT64_C(2)) >= 0);
        CHECK(sd_bus_message_close_container(m) >= 0);
        seal(m);

        CHECK_INT(value_read(m, &v), 0);
        CHECK_INT(v.type, VALUE_OBJECT);
        CHECK_STR(value_get_str(&v, "slice"), "system-web.slice");
        CHECK(value_get_u64(&v, "memory_current", &u));
        CHECK_U64(u, 92274688);
        CHECK(value_get_u64(&v, "instances", &u));
        CHECK_U64(u, 1);
        CHECK(!value_get_bool(&v, "pending", true));
        CHECK(value_get_bool(&v, "missing", true));
        CHECK(!value_get_str(&v, "memory_current")); /* not a string */
        CHECK(!value_get_u64(&v, "slice", &u)); /* not a number */

        json = to_json(&v);
        CHECK_STR(
                json,
                "{\"slice\":\"system-web.slice\",\"memory_current\":92274688,\"memory_max\":null,"
                "\"instances\":1,\"pending\":false,\"configured_by\":[\"/etc/a.conf:1\",\"/etc/b.conf:3\"],"
                "\"memory_stat\":{\"anon\":1,\"file\":2}}");
        free(json);
        value_done(&v);
        done(m, bus);
}

TEST(value_json_vocabulary) {
        sd_bus *bus = NULL;
        sd_bus_message *m = new_message(&bus);
        Value v = {};
        char buf[VALUE_JSON_KEY_MAX], *json;

        CHECK_STR(value_json_key("ConfigGood", buf), "config_good");
        CHECK_STR(value_json_key("WatchedCgroups", buf), "watched_cgroups");
        CHECK_STR(value_json_key("Version", buf), "version");
        CHECK_STR(value_json_key("peak", buf), "memory_peak");
        CHECK_STR(value_json_key("drained_total", buf), "drained_total");

        /* a property reply and a history record, as the daemon sends them */
        CHECK(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
        CHECK(sd_bus_message_append(m, "{sv}", "ConfigGood", "b", 1) >= 0);
        CHECK(sd_bus_message_append(m, "{sv}", "peak", "t", UINT64_C(4096)) >= 0);
        CHECK(sd_bus_message_append(m, "{sv}", "retire_residual_max", "t", UINT64_MAX) >= 0);
        CHECK(sd_bus_message_close_container(m) >= 0);
        seal(m);

        CHECK_INT(value_read(m, &v), 0);
        /* lookups go by the API's names */
        CHECK(value_get_bool(&v, "ConfigGood", false));
        json = to_json(&v);
        CHECK_STR(json, "{\"config_good\":true,\"memory_peak\":4096,\"retire_residual_max\":null}");
        free(json);
        value_done(&v);
        done(m, bus);
}

TEST(value_array_of_records) {
        sd_bus *bus = NULL;
        sd_bus_message *m = new_message(&bus);
        Value v = {};
        char *json;

        CHECK(sd_bus_message_open_container(m, 'a', "a{sv}") >= 0);
        for (int i = 0; i < 2; i++) {
                CHECK(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
                CHECK(sd_bus_message_append(m, "{sv}", "n", "i", -i) >= 0);
                CHECK(sd_bus_message_close_container(m) >= 0);
        }
        CHECK(sd_bus_message_close_container(m) >= 0);
        CHECK(sd_bus_message_open_container(m, 'a', "a{sv}") >= 0);
        CHECK(sd_bus_message_close_container(m) >= 0);
        CHECK(sd_bus_message_append(m, "(sd)", "x", 0.5) >= 0);
        seal(m);

        CHECK_INT(value_read(m, &v), 0);
        json = to_json(&v);
        CHECK_STR(json, "[{\"n\":0},{\"n\":-1}]");
        free(json);
        value_done(&v);

        /* An empty array is an array, not an object. */
        CHECK_INT(value_read(m, &v), 0);
        json = to_json(&v);
        CHECK_STR(json, "[]");
        free(json);
        value_done(&v);

        /* A struct is an array. */
        CHECK_INT(value_read(m, &v), 0);
        json = to_json(&v);
        CHECK_STR(json, "[\"x\",0.5]");
        free(json);
        value_done(&v);

        /* Nothing left. */
        CHECK_INT(value_read(m, &v), -ENXIO);
        done(m, bus);
}

TEST(value_hostile_strings) {
        /* Whatever a reply holds, the JSON stays valid: control characters
         * are escaped (D-Bus guarantees UTF-8 already). */
        sd_bus *bus = NULL;
        sd_bus_message *m = new_message(&bus);
        Value v = {};
        char *json;

        CHECK(sd_bus_message_append(m, "a{sv}", 1, "result", "s", "a\"b\\c\n\x1b[2J") >= 0);
        seal(m);
        CHECK_INT(value_read(m, &v), 0);
        json = to_json(&v);
        CHECK_STR(json, "{\"result\":\"a\\\"b\\\\c\\n\\u001b[2J\"}");
        free(json);
        value_done(&v);
        done(m, bus);
}
