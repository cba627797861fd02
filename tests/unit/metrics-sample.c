/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prints the metrics of tests/unit/metrics-fixture.h as the daemon writes its
 * file (Prometheus text) or, with "openmetrics", as GetMetrics() serves
 * them: for promtool and for the check of the Grafana dashboard. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "metrics-fixture.h"

int main(int argc, char **argv) {
        MetricsFormat f =
                argc > 1 && strcmp(argv[1], "openmetrics") == 0 ? METRICS_OPENMETRICS : METRICS_PROMETHEUS;
        char *text = NULL;
        int r;

        r = metrics_render(&fixture_daemon, two, ELEMENTSOF(two), f, &text);
        if (r < 0) {
                fprintf(stderr, "metrics-sample: Failed to render: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        fputs(text, stdout);
        free(text);
        return EXIT_SUCCESS;
}
