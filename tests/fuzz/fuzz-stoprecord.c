/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The stop record (lib/stoprecord.c) on arbitrary bytes, with the formatter
 * as oracle: an accepted record formats to text that parses to the same
 * record, and that text is accepted again byte for byte. */

#include "fuzz.h"
#include "macro.h"
#include "stoprecord.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(stop_record_done) StopRecord a = STOP_RECORD_INIT, b = STOP_RECORD_INIT;
        _cleanup_free_ char *text = NULL, *again = NULL;
        size_t len = 0, len2 = 0;

        if (stop_record_parse((const char *) data, size, &a) < 0)
                return 0;
        if (stop_record_format(&a, &text, &len) < 0 || stop_record_parse(text, len, &b) < 0)
                abort();
        if (!streq(a.unit, b.unit) || !streq(a.invocation_id, b.invocation_id) ||
            !streq_ptr(a.cgroup, b.cgroup) || !streq_ptr(a.result, b.result) || a.cgroup_id != b.cgroup_id ||
            a.start_usec != b.start_usec || a.stop_usec != b.stop_usec || a.charge != b.charge ||
            a.peak != b.peak || a.residual != b.residual || a.drained != b.drained ||
            a.elapsed_usec != b.elapsed_usec || a.swappiness_arg != b.swappiness_arg)
                abort();
        if (stop_record_format(&b, &again, &len2) < 0 || len != len2 || memcmp(text, again, len) != 0)
                abort();
        return 0;
}
