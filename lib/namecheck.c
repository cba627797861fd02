/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "macro.h"
#include "namecheck.h"
#include "path.h"
#include "unitname.h"

static const char PROBLEM_EMPTY[] = "is empty";
static const char PROBLEM_LONG[] = "is too long (at most 255 bytes)";
static const char PROBLEM_UTF8[] = "is not valid UTF-8 or holds control characters";

static bool is_hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int unhex(char c) {
        return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static bool escapes_are_sane(const char *s) {
        for (const char *p = strchr(s, '\\'); p; p = strchr(p + 1, '\\')) {
                int c;

                if (p[1] != 'x' || !is_hex(p[2]) || !is_hex(p[3]))
                        return false;
                c = unhex(p[2]) * 16 + unhex(p[3]);
                if (c == '/' || c == '\\' || c < 0x20 || c >= 0x7f)
                        return false;
                p += 3;
        }
        return true;
}

static bool has_suffix(const char *s, const char *suffix) {
        size_t l = strlen(s), n = strlen(suffix);
        return l >= n && streq(s + l - n, suffix);
}

const char *name_check(const char *name, NameKind kinds) {
        size_t len;

        if (isempty(name))
                return PROBLEM_EMPTY;
        /* strnlen(): a 4 KiB name is refused without walking all of it. */
        len = strnlen(name, UNIT_NAME_MAX + 1);
        if (len > UNIT_NAME_MAX)
                return PROBLEM_LONG;
        if (!string_is_safe_utf8(name))
                return PROBLEM_UTF8;
        if (strchr(name, '/'))
                return "contains '/': a unit name is expected, not a path";
        if (strstr(name, ".."))
                return "contains '..'";
        if (!escapes_are_sane(name))
                return "has a malformed or forbidden '\\' escape (only \\xNN of a printable character other "
                       "than '/' and '\\')";
        if ((kinds & NAME_SERVICE) && unit_name_is_valid_service(name))
                return NULL;
        if ((kinds & NAME_SLICE) && has_suffix(name, ".slice") && slice_name_is_valid(name))
                return NULL;
        if (kinds == NAME_SERVICE)
                return "is not a service unit name (NAME.service, NAME@.service or NAME@INSTANCE.service)";
        return "is not a service unit name (NAME.service, NAME@.service, NAME@INSTANCE.service) or an "
               "entity "
               "slice name (system-NAME.slice)";
}

bool name_problem_is_unprintable(const char *problem) {
        return problem == PROBLEM_EMPTY || problem == PROBLEM_LONG || problem == PROBLEM_UTF8;
}
