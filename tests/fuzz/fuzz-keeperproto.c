/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The keeper's socket protocol on arbitrary lines, with the formatters as
 * oracles: an accepted request or reply formats back to a line that parses
 * to the same thing. */

#include "fuzz.h"
#include "keeperproto.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = NULL, *cg = NULL, *line = NULL, *back = NULL, *rline = NULL;
        KeeperReply r, r2;

        if (size > KEEPER_LINE_MAX + 64)
                return 0;
        s = fuzz_strndup(data, size);
        if (!s)
                return 0;

        if (keeper_request_parse(s, &cg) == 0) {
                if (cg && !keeper_cgroup_path_is_valid(cg))
                        abort();
                if (keeper_request_format(cg, &line) < 0 || keeper_request_parse(line, &back) < 0)
                        abort();
                if (!streq_ptr(cg, back))
                        abort();
        }

        if (keeper_reply_parse(s, &r) == 0) {
                if (keeper_reply_format(&r, "x", &rline) < 0 || keeper_reply_parse(rline, &r2) < 0)
                        abort();
                if (r.error != r2.error ||
                    (r.error == 0 &&
                     (r.files != r2.files || r.moved != r2.moved || r.failed != r2.failed ||
                      r.bytes != r2.bytes || r.usec != r2.usec)))
                        abort();
        }
        return 0;
}
