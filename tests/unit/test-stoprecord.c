/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "path.h"
#include "stoprecord.h"
#include "tests.h"

#define INV "0123456789abcdef0123456789abcdef"

static const char full[] = "unit=web.service\n"
                           "invocation_id=" INV "\n"
                           "cgroup=/system.slice/system-web.slice/web.service\n"
                           "cgroup_id=4242\n"
                           "start_usec=1700000000000000\n"
                           "stop_usec=1700000001000000\n"
                           "charge=1048576\n"
                           "peak=2097152\n"
                           "drained=1000000\n"
                           "residual=48576\n"
                           "elapsed_usec=1234\n"
                           "result=exit-code\n"
                           "swappiness_arg=1\n";

static int parse(const char *text, StopRecord *r) {
        return stop_record_parse(text, strlen(text), r);
}

TEST(parse_full) {
        _cleanup_(stop_record_done) StopRecord r = STOP_RECORD_INIT;

        CHECK_INT(parse(full, &r), 0);
        CHECK_STR(r.unit, "web.service");
        CHECK_STR(r.invocation_id, INV);
        CHECK_STR(r.cgroup, "/system.slice/system-web.slice/web.service");
        CHECK_STR(r.result, "exit-code");
        CHECK(r.cgroup_id == 4242);
        CHECK(r.start_usec == UINT64_C(1700000000000000));
        CHECK(r.stop_usec == UINT64_C(1700000001000000));
        CHECK(r.charge == 1048576 && r.peak == 2097152 && r.drained == 1000000 && r.residual == 48576);
        CHECK(r.elapsed_usec == 1234);
        CHECK(r.swappiness_arg);
}

TEST(parse_minimal_and_unknown_keys) {
        _cleanup_(stop_record_done) StopRecord r = STOP_RECORD_INIT;

        /* Unknown keys (a newer hook's) are skipped; absent means unknown. */
        CHECK_INT(parse("unit=a.service\ninvocation_id=" INV "\nnew_field=x y\nstop_usec=5\n", &r), 0);
        CHECK(r.charge == UINT64_MAX && r.peak == UINT64_MAX && r.residual == UINT64_MAX);
        CHECK(r.start_usec == 0 && r.cgroup_id == 0 && r.drained == 0);
        CHECK(!r.cgroup && !r.result && !r.swappiness_arg);
}

TEST(parse_refused) {
        static const char *const bad[] = {
                "",
                "\n",
                /* required fields */
                "invocation_id=" INV "\nstop_usec=5\n",
                "unit=a.service\nstop_usec=5\n",
                "unit=a.service\ninvocation_id=" INV "\n",
                "unit=a.service\ninvocation_id=" INV "\nstop_usec=0\n",
                /* truncated: no final newline */
                "unit=a.service\ninvocation_id=" INV "\nstop_usec=5",
                /* numbers */
                "unit=a.service\ninvocation_id=" INV "\nstop_usec=5\ncharge=-1\n",
                "unit=a.service\ninvocation_id=" INV "\nstop_usec=5\ncharge=+1\n",
                "unit=a.service\ninvocation_id=" INV "\nstop_usec=5\ncharge=1x\n",
                "unit=a.service\ninvocation_id=" INV "\nstop_usec=5\ncharge= 1\n",
                "unit=a.service\ninvocation_id=" INV "\nstop_usec=5\ncharge=\n",
                "unit=a.service\ninvocation_id=" INV "\nstop_usec=5\ncharge=18446744073709551616\n",
                "unit=a.service\ninvocation_id=" INV "\nstop_usec=5\ncharge=18446744073709551615\n",
                "unit=a.service\ninvocation_id=" INV "\nstop_usec=5\nswappiness_arg=2\n",
                /* values */
                "unit=a.slice\ninvocation_id=" INV "\nstop_usec=5\n",
                "unit=../a.service\ninvocation_id=" INV "\nstop_usec=5\n",
                "unit=a.service\ninvocation_id=../../etc/passwd\nstop_usec=5\n",
                "unit=a.service\ninvocation_id=" INV "0\nstop_usec=5\n",
                "unit=a.service\ninvocation_id=" INV "\nstop_usec=5\ncgroup=/a/../b\n",
                "unit=a.service\ninvocation_id=" INV "\nstop_usec=5\ncgroup=a/b\n",
                "unit=a.service\ninvocation_id=" INV "\nstop_usec=5\nresult=Bad Result\n",
                /* shape */
                "unit=a.service\ninvocation_id=" INV "\nstop_usec=5\nstop_usec=6\n",
                "unit=a.service\nunit=b.service\ninvocation_id=" INV "\nstop_usec=5\n",
                "unit=a.service\ninvocation_id=" INV "\nstop_usec=5\nno equals sign\n",
                "unit=a.service\ninvocation_id=" INV "\nstop_usec=5\n=x\n",
                "unit=a.service\ninvocation_id=" INV "\n\nstop_usec=5\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                StopRecord r = STOP_RECORD_INIT;

                if (parse(bad[i], &r) != -EBADMSG || r.unit)
                        CHECK_FAIL("accepted: %s", bad[i]);
        }

        /* An embedded NUL, and a record past the bound. */
        StopRecord r = STOP_RECORD_INIT;
        CHECK_INT(stop_record_parse("unit=a.service\0\n", 16, &r), -EBADMSG);
        _cleanup_free_ char *big = malloc(STOP_RECORD_MAX + 2);
        CHECK(big);
        memset(big, 'x', STOP_RECORD_MAX + 1);
        big[STOP_RECORD_MAX] = '\n';
        CHECK_INT(stop_record_parse(big, STOP_RECORD_MAX + 1, &r), -EBADMSG);
}

TEST(format_roundtrip) {
        _cleanup_(stop_record_done) StopRecord a = STOP_RECORD_INIT, b = STOP_RECORD_INIT;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;

        CHECK_INT(parse(full, &a), 0);
        CHECK_INT(stop_record_format(&a, &text, &len), 0);
        CHECK(len == strlen(text));
        /* every field written is read back */
        CHECK_STR(text, full);
        CHECK_INT(stop_record_parse(text, len, &b), 0);
        CHECK_STR(b.cgroup, a.cgroup);

        StopRecord bad = a;
        bad.unit = (char *) "x";
        CHECK_INT(stop_record_format(&bad, &text, &len), -EINVAL);
        bad = a;
        bad.invocation_id = (char *) "../x";
        CHECK_INT(stop_record_format(&bad, &text, &len), -EINVAL);
}

TEST(write_read) {
        _cleanup_(stop_record_done) StopRecord a = STOP_RECORD_INIT, b = STOP_RECORD_INIT;
        _cleanup_free_ char *dir = NULL, *path = NULL, *sub = NULL;
        char tmpl[] = "/tmp/test-stoprecord-XXXXXX";

        CHECK(mkdtemp(tmpl));
        dir = strdup(tmpl);
        sub = path_join(dir, "stops");
        CHECK_INT(parse(full, &a), 0);
        CHECK_INT(stop_record_write(sub, &a), 0); /* creates the directory */
        path = path_join(sub, INV);
        CHECK_INT(stop_record_read(path, &b), 0);
        CHECK_STR(b.unit, "web.service");
        CHECK(b.drained == a.drained);
        CHECK(unlink(path) == 0);
        CHECK(rmdir(sub) == 0);
        CHECK(rmdir(dir) == 0);
}

TEST(validators) {
        CHECK(invocation_id_is_valid(INV));
        CHECK(!invocation_id_is_valid(NULL));
        CHECK(!invocation_id_is_valid("0123"));
        CHECK(!invocation_id_is_valid("0123456789abcdef0123456789abcdeg"));
        CHECK(stop_result_is_valid("success"));
        CHECK(stop_result_is_valid("start-limit-hit"));
        CHECK(!stop_result_is_valid(""));
        CHECK(!stop_result_is_valid("a=b"));
        CHECK(!stop_result_is_valid("Success"));
}
