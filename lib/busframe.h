/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The framing of what a client sends on a D-Bus connection, as a server
 * reads it (D-Bus specification, "Authentication Protocol" and "Message
 * Format"): a NUL byte and handshake lines up to the line BEGIN, then
 * messages, each starting with a 16-byte fixed header that declares the
 * length of its header fields and of its body.
 *
 * The daemon scans what a client of its private socket sends before sd-bus
 * reads it: sd-bus allocates a message as soon as its fixed header is in,
 * at any declared size up to 128 MiB, and offers no knob to lower that. The
 * scan needs no buffer: it keeps the fixed header being read and a count of
 * the bytes left of the current message. */

typedef struct BusFrame {
        size_t auth_max; /* bytes of handshake allowed */
        uint64_t message_max; /* bytes of one message allowed */
        size_t auth_len; /* handshake bytes seen */
        char line[8]; /* the start of the handshake line being read */
        size_t line_len;
        enum {
                BUSFRAME_AUTH,
                BUSFRAME_MESSAGES,
                BUSFRAME_BAD,
                BUSFRAME_TOO_BIG
        } state;
        uint8_t header[16];
        size_t header_len;
        uint64_t left; /* of the current message, after its fixed header */
        uint64_t n_messages; /* messages whose fixed header was read */
} BusFrame;

void busframe_init(BusFrame *f, size_t auth_max, uint64_t message_max);

/* Scans n more bytes of the stream. 0: nothing wrong so far; -EBADMSG: not
 * the framing of a D-Bus client (no NUL first, an invalid fixed header);
 * -EMSGSIZE: the handshake or a message is larger than allowed, and
 * *ret_size (if not NULL) is the declared size of the message (0 for the
 * handshake). Once it failed, it fails again. */
int busframe_scan(BusFrame *f, const void *p, size_t n, uint64_t *ret_size);
