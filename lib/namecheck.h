/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Checks of a name a user hands to cgctl or to the D-Bus API, stricter than
 * unit_name_is_valid_service(): on top of systemd's rules, a backslash must
 * start a well-formed "\xNN" escape of a printable character other than "/"
 * and "\" (systemd-escape never produces others). The same function serves
 * cgctl (to refuse locally, with the same words) and the daemon (which never
 * trusts cgctl). */

typedef enum NameKind {
        NAME_SERVICE = 1 << 0, /* web.service, foo@.service, foo@a.service */
        NAME_SLICE = 1 << 1, /* an entity slice: system-web.slice */
} NameKind;

/* NULL if name is acceptable as one of kinds; otherwise what is wrong with it,
 * as a phrase that completes "'NAME' ..." or, for the first three, stands
 * alone ("is empty", "is too long (at most 255 bytes)", "is not valid UTF-8
 * or holds control characters": do not print such a name as it is). */
const char *name_check(const char *name, NameKind kinds);

/* Whether the problem name_check() returned makes the name unfit to print. */
bool name_problem_is_unprintable(const char *problem);
