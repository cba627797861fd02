/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The keeper's socket protocol (cgpersist-keeper(8)): the stop hook
 * (cgpersist-drain) connects to KEEPER_SOCKET_DIR/<entity>.sock, sends one
 * request line and waits, bounded, for one reply line:
 *
 *     REHOME /system.slice/system-web.slice/web.service\n
 *     REHOME\n                                 (the entity only)
 *
 *     OK files=3 moved=2 failed=1 bytes=16777216 usec=5321\n
 *     ERROR 2 text\n
 *
 * The cgroup is the dying instance's, relative to the cgroup2 mount. The
 * socket is root's (the keeper checks SO_PEERCRED), but the parser still
 * treats every byte as hostile. */

#define KEEPER_LINE_MAX 4200

typedef struct KeeperReply {
        int error; /* 0: OK; otherwise the positive errno of an ERROR */
        uint64_t files; /* regular files looked at */
        uint64_t moved; /* re-homed */
        uint64_t failed; /* needed re-homing, not re-homed (reported) */
        uint64_t bytes; /* bytes copied */
        uint64_t usec;
} KeeperReply;

/* A cgroup path: "/"-separated names without "." or "..", control bytes or
 * blanks, one leading "/", not the root, at most 4096 bytes. */
bool keeper_cgroup_path_is_valid(const char *p);

/* Parses one request line (with or without its "\n"). Returns 0 and
 * *ret_cgroup (malloc'ed, NULL for "REHOME" alone), -EBADMSG for anything
 * else, -ENOMEM. */
int keeper_request_parse(const char *line, char **ret_cgroup);
/* cgroup NULL: the entity only. -EINVAL for an invalid cgroup. */
int keeper_request_format(const char *cgroup, char **ret);

int keeper_reply_parse(const char *line, KeeperReply *ret);
/* For an ERROR reply, text says why (one line; control characters are
 * replaced). */
int keeper_reply_format(const KeeperReply *r, const char *text, char **ret);
