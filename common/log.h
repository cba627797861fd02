/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Logging for the programs (daemon, cgctl, generator, hooks); lib/ does not
 * log. Messages go to the journal with structured fields when it is there,
 * otherwise to stderr. */

#include <stdbool.h>
#include <syslog.h>

#include "macro.h"

/* MESSAGE_IDs, one per event an operator may search for; explained in
 * catalog/cgpersist.catalog. */
#define MESSAGE_ID_ENTITY_STARTED "a0e35bb486274842891983cb8bd52b4d"
#define MESSAGE_ID_INSTANCE_STARTED "50fdc16d46aa437f9cccb61927722f5f"
#define MESSAGE_ID_INSTANCE_STOPPED "a790ac02b59948bc94de4da3ffb7a039"
#define MESSAGE_ID_ENTITY_RETIRED "fb7d82b0b6b942bea125ab7c456d2378"
#define MESSAGE_ID_CONFIG_REJECTED "180f5be14a144e208aff4fc2d58b58d3"
#define MESSAGE_ID_STATE_CORRUPT "e65a4f879cb84be78a4bce24fc80b844"
#define MESSAGE_ID_STATE_SAVE_FAILED "344b6ee27f1f4d2493e746f91e79b33b"
#define MESSAGE_ID_STATE_SAVED "aca8bd418f564c9cbba7db4d1dfc5c88"
#define MESSAGE_ID_STATE_RECOVERED "3aab14c774594e23bc50b575e851d9d8"
#define MESSAGE_ID_INSTANCE_DRAINED "5661e915c23348ddbeee96d9d057d056"
#define MESSAGE_ID_PLACEMENT_PENDING "a342735cb3ae4f32bdf38af0748f87d5"
#define MESSAGE_ID_CONFIG_LOADED "81ea21c67d994e628f65a8536722ab9e"
#define MESSAGE_ID_TMPFS_MOUNTED "9e41bc5af2a84b91835fc3955b85e47a"
#define MESSAGE_ID_TMPFS_REHOMED "c86478d49e2b4f1d9b2de178e2a7da11"
#define MESSAGE_ID_TMPFS_NOT_REHOMED "65852b58021f49778db7f7d4390a9dd2"
#define MESSAGE_ID_TMPFS_REFUSED "56370d2784f8443c9bc92a5eb26f8f73"
#define MESSAGE_ID_PROACTIVE_BACKOFF "ee41fad3346241d5869dd71e8abe9d43"
#define MESSAGE_ID_ENTITY_START_FAILED "1d7a6669168a41fd8604099d760bb4ef"
#define MESSAGE_ID_ENTITY_DRAINED "b8f20ce558d44b0a9d4334c92551e986"
#define MESSAGE_ID_PROACTIVE_RESUMED "3254fa569d6b400e9634d7d80e368f37"
#define MESSAGE_ID_ENTITY_REDRAINED "420d7a89f5a746b9a0dc4591eaa51426"
#define MESSAGE_ID_LEFTOVERS_SCAN_STOPPED "bbce8b7d4e2742b2a4d9f3c1f26b87a7"
#define MESSAGE_ID_HOOK_REFUSED "5b36d9cdf69840e7806c7df1256fcd33"
#define MESSAGE_ID_HOOK_WAIT_EXPIRED "153b981ceae44f92ba34510c94fb704b"
#define MESSAGE_ID_KEEPER_PEER_REFUSED "5979b49bd695406cab614afe7e3ab01c"
#define MESSAGE_ID_INSTANCE_ADOPTED "132e243241094b53b6d39f4e903dcece"
#define MESSAGE_ID_PRIVATE_REFUSED "b8ab213f0cb04ac38ad9aa91a388fa0a"
#define MESSAGE_ID_BUS_LOST "06d0030250bf4cefb6e7c2ea2a77f467"
#define MESSAGE_ID_PID1_SLOW "5e3ca5fc0e7c4d5590505f9c69720f91"
#define MESSAGE_ID_PID1_BACK "8e3c36fa05e1409f851bde1547a75250"

void log_set_max_level(int level);
int log_get_max_level(void);
int log_level_from_string(const char *s);
void log_set_ident(const char *ident);

/* Sends message (printf-style, %m = strerror(error)) with the given priority.
 * Returns -abs(error), so "return log_error_errno(r, ...)" works. */
int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...)
        _printf_(6, 7);

#define log_full_errno(level, error, ...) \
        log_internal((level), (error), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_debug(...) (void) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) (void) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) (void) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) (void) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) (void) log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, (e), __VA_ARGS__)
#define log_oom() log_error_errno(ENOMEM, "Out of memory.")

/* A structured event: fields are "KEY=fmt" strings each followed by its
 * arguments, as for sd_journal_send(), ended by NULL. MESSAGE= must be among
 * them. When the journal is not reachable the MESSAGE is printed to stderr. */
#define log_struct(level, ...) log_struct_internal((level), __VA_ARGS__)
int log_struct_internal(int level, const char *first, ...);

bool log_to_journal(void);
