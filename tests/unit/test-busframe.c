/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "busframe.h"
#include "macro.h"
#include "tests.h"

#define AUTH "\0AUTH EXTERNAL 30\r\nNEGOTIATE_UNIX_FD\r\nBEGIN\r\n"

/* A fixed header: endianness, type 1 (call), version 1, the lengths. */
static void header(uint8_t h[16], char endian, uint32_t body, uint32_t fields) {
        memset(h, 0, 16);
        h[0] = (uint8_t) endian;
        h[1] = 1;
        h[3] = 1;
        for (int i = 0; i < 4; i++) {
                int shift = endian == 'l' ? 8 * i : 8 * (3 - i);

                h[4 + i] = (uint8_t) (body >> shift);
                h[12 + i] = (uint8_t) (fields >> shift);
        }
}

TEST(messages_within_the_limit) {
        uint8_t h[16], body[200] = {};
        uint64_t size = 0;
        BusFrame f;

        busframe_init(&f, 1024, 16 + 104 + 200);
        CHECK_INT(busframe_scan(&f, AUTH, sizeof AUTH - 1, &size), 0);
        CHECK(f.state == BUSFRAME_MESSAGES);
        /* Fields padded to 8 (100 -> 104), then the body: 320 bytes. */
        header(h, 'l', 200, 100);
        CHECK_INT(busframe_scan(&f, h, 16, &size), 0);
        CHECK_INT(busframe_scan(&f, body, 104, &size), 0);
        CHECK_INT(busframe_scan(&f, body, 200, &size), 0);
        CHECK_U64(f.n_messages, 1);
        /* Big-endian, one byte at a time. */
        header(h, 'B', 200, 100);
        for (size_t i = 0; i < 16; i++)
                CHECK_INT(busframe_scan(&f, h + i, 1, &size), 0);
        CHECK_U64(f.n_messages, 2);
        CHECK_U64(f.left, 304);
}

TEST(too_large) {
        uint8_t h[16];
        uint64_t size = 0;
        BusFrame f;

        busframe_init(&f, 1024, 4096);
        CHECK_INT(busframe_scan(&f, AUTH, sizeof AUTH - 1, &size), 0);
        header(h, 'l', 100 << 20, 100);
        CHECK_INT(busframe_scan(&f, h, 16, &size), -EMSGSIZE);
        CHECK_U64(size, 16 + 104 + (100 << 20));
        /* And it stays refused. */
        CHECK_INT(busframe_scan(&f, h, 1, &size), -EMSGSIZE);
        /* The largest sizes a header can declare do not overflow. */
        busframe_init(&f, 1024, UINT64_MAX - 1);
        CHECK_INT(busframe_scan(&f, AUTH, sizeof AUTH - 1, &size), 0);
        header(h, 'l', UINT32_MAX, UINT32_MAX);
        CHECK_INT(busframe_scan(&f, h, 16, &size), 0);
        CHECK_U64(f.left, (uint64_t) UINT32_MAX + ((uint64_t) UINT32_MAX + 1));

        /* A handshake that never ends. */
        busframe_init(&f, 64, 4096);
        for (int i = 0; i < 64; i++)
                CHECK_INT(busframe_scan(&f, i == 0 ? "\0" : "A", 1, &size), 0);
        CHECK_INT(busframe_scan(&f, "\r", 1, &size), -EMSGSIZE);
        CHECK_U64(size, 0);
}

TEST(not_dbus) {
        uint8_t h[16];
        BusFrame f;

        busframe_init(&f, 1024, 4096);
        CHECK_INT(busframe_scan(&f, "AUTH", 4, NULL), -EBADMSG);
        CHECK_INT(busframe_scan(&f, "\0", 1, NULL), -EBADMSG);
        /* Lines that only look like BEGIN. */
        busframe_init(&f, 1024, 4096);
        CHECK_INT(busframe_scan(&f, "\0BEGINNING\r\nXBEGIN\r\nBEGIN\n", 26, NULL), 0);
        CHECK(f.state == BUSFRAME_AUTH);
        CHECK_INT(busframe_scan(&f, "BEGIN\r\n", 7, NULL), 0);
        CHECK(f.state == BUSFRAME_MESSAGES);
        header(h, 'x', 0, 8);
        CHECK_INT(busframe_scan(&f, h, 16, NULL), -EBADMSG);
        busframe_init(&f, 1024, 4096);
        CHECK_INT(busframe_scan(&f, AUTH, sizeof AUTH - 1, NULL), 0);
        header(h, 'l', 0, 8);
        h[3] = 2; /* protocol version */
        CHECK_INT(busframe_scan(&f, h, 16, NULL), -EBADMSG);
        busframe_init(&f, 1024, 4096);
        CHECK_INT(busframe_scan(&f, AUTH, sizeof AUTH - 1, NULL), 0);
        header(h, 'l', 0, 8);
        h[1] = 0; /* type */
        CHECK_INT(busframe_scan(&f, h, 16, NULL), -EBADMSG);
}
