/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* psi_parse() on memory.pressure texts as 6.1 and 6.12 print them, and on
 * malformed ones. */

#include <errno.h>

#include "psi.h"
#include "tests.h"

TEST(parse_kernel_text) {
        Psi p;

        CHECK_INT(psi_parse("some avg10=1.25 avg60=0.50 avg300=0.00 total=123456\n"
                            "full avg10=0.10 avg60=0.00 avg300=100.00 total=789\n",
                            &p),
                  0);
        CHECK_INT(p.some.avg10, 125);
        CHECK_INT(p.some.avg60, 50);
        CHECK_INT(p.some.avg300, 0);
        CHECK_U64(p.some.total, 123456);
        CHECK(p.has_full);
        CHECK_INT(p.full.avg10, 10);
        CHECK_INT(p.full.avg300, 10000);
        CHECK_U64(p.full.total, 789);
}

TEST(parse_some_only_and_unknown_keys) {
        Psi p;

        /* cpu.pressure before 5.13 has no "full"; a later kernel may add keys. */
        CHECK_INT(psi_parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=0 avg3600=1.00", &p), 0);
        CHECK(!p.has_full);
        CHECK_U64(p.some.total, 0);
        CHECK_INT(psi_parse("some total=18446744073709551615\n", &p), 0);
        CHECK_U64(p.some.total, UINT64_MAX);
        CHECK_INT(psi_parse("some avg10=5 total=1\n", &p), 0);
        CHECK_INT(p.some.avg10, 500);
        CHECK_INT(psi_parse("some avg10=5.5 total=1\n", &p), 0);
        CHECK_INT(p.some.avg10, 550);
}

TEST(parse_rejects) {
        static const char *const bad[] = {
                "",
                "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", /* no some */
                "some avg10=0.00 avg60=0.00 avg300=0.00\n", /* no total */
                "some avg10=0.00 total=-1\n",
                "some avg10=0.00 total=18446744073709551616\n",
                "some avg10=1.234 total=1\n",
                "some avg10=100.01 total=1\n",
                "some avg10=.5 total=1\n",
                "some avg10=1. total=1\n",
                "some avg10 total=1\n",
                "some =1 total=1\n",
                "some total=\n",
                "sum total=1\n",
                "some total=1\nbogus\n",
        };
        Psi p;

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                if (psi_parse(bad[i], &p) != -EINVAL)
                        CHECK_FAIL("accepted \"%s\"", bad[i]);
        CHECK_INT(psi_parse(NULL, &p), -EINVAL);
}
