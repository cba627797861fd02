/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scanning the framing of a D-Bus client's stream (see busframe.h). */

#include <errno.h>
#include <string.h>

#include "busframe.h"

void busframe_init(BusFrame *f, size_t auth_max, uint64_t message_max) {
        *f = (BusFrame){ .auth_max = auth_max, .message_max = message_max };
}

static uint32_t read_u32(const uint8_t *p, int little) {
        if (little)
                return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
                        (uint32_t) p[3] << 24;
        return (uint32_t) p[3] | (uint32_t) p[2] << 8 | (uint32_t) p[1] << 16 | (uint32_t) p[0] << 24;
}

/* The size of the whole message, from its fixed header; 0 if invalid. */
static uint64_t message_size(const uint8_t h[static 16]) {
        int little;
        uint32_t body, fields;

        if (h[0] == 'l')
                little = 1;
        else if (h[0] == 'B')
                little = 0;
        else
                return 0;
        /* Type 1..4 (call, return, error, signal); protocol version 1. */
        if (h[1] < 1 || h[1] > 4 || h[3] != 1)
                return 0;
        body = read_u32(h + 4, little);
        fields = read_u32(h + 12, little);
        /* The fields are padded to 8 bytes before the body. */
        return 16 + (((uint64_t) fields + 7) & ~UINT64_C(7)) + body;
}

/* One handshake byte; 1 when it ended the handshake. */
static int auth_byte(BusFrame *f, char c) {
        if (f->auth_len++ == 0)
                return c == 0 ? 0 : -EBADMSG;
        if (c == '\n') {
                /* "BEGIN\r\n": the line held "BEGIN\r". */
                int begin = f->line_len == 6 && memcmp(f->line, "BEGIN\r", 6) == 0;

                f->line_len = 0;
                return begin;
        }
        if (f->line_len < sizeof f->line)
                f->line[f->line_len] = c;
        /* Longer lines are never BEGIN: count them past the buffer. */
        if (f->line_len <= sizeof f->line)
                f->line_len++;
        return 0;
}

int busframe_scan(BusFrame *f, const void *p, size_t n, uint64_t *ret_size) {
        const uint8_t *b = p;

        if (f->state == BUSFRAME_BAD)
                return -EBADMSG;
        if (f->state == BUSFRAME_TOO_BIG)
                return -EMSGSIZE;
        while (n > 0) {
                if (f->state == BUSFRAME_AUTH) {
                        int r;

                        if (f->auth_len >= f->auth_max) {
                                f->state = BUSFRAME_TOO_BIG;
                                if (ret_size)
                                        *ret_size = 0;
                                return -EMSGSIZE;
                        }
                        r = auth_byte(f, (char) *b);
                        b++;
                        n--;
                        if (r < 0) {
                                f->state = BUSFRAME_BAD;
                                return r;
                        }
                        if (r > 0)
                                f->state = BUSFRAME_MESSAGES;
                } else if (f->left > 0) {
                        size_t k = f->left < n ? (size_t) f->left : n;

                        f->left -= k;
                        b += k;
                        n -= k;
                } else {
                        size_t k = sizeof f->header - f->header_len;
                        uint64_t size;

                        if (k > n)
                                k = n;
                        memcpy(f->header + f->header_len, b, k);
                        f->header_len += k;
                        b += k;
                        n -= k;
                        if (f->header_len < sizeof f->header)
                                break;
                        f->header_len = 0;
                        size = message_size(f->header);
                        if (size == 0) {
                                f->state = BUSFRAME_BAD;
                                return -EBADMSG;
                        }
                        if (size > f->message_max) {
                                f->state = BUSFRAME_TOO_BIG;
                                if (ret_size)
                                        *ret_size = size;
                                return -EMSGSIZE;
                        }
                        f->left = size - sizeof f->header;
                        f->n_messages++;
                }
        }
        return 0;
}
