/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>

#include "macro.h"
#include "metrics-fixture.h"
#include "metrics.h"
#include "tests.h"

static char *render(const MetricsEntity *e, size_t n, MetricsFormat f) {
        char *text = NULL;

        CHECK_INT(metrics_render(&fixture_daemon, e, n, f, &text), 0);
        CHECK(text);
        return text;
}

static bool has_line(const char *text, const char *line) {
        size_t n = strlen(line);

        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strneq(p, line, n) && (p[n] == '\n' || p[n] == 0))
                        return true;
        return false;
}

#define CHECK_LINE(text, line) \
        do { \
                if (!has_line((text), (line))) \
                        CHECK_FAIL("missing line: %s", (line)); \
        } while (0)
#define CHECK_NO_LINE(text, line) \
        do { \
                if (has_line((text), (line))) \
                        CHECK_FAIL("unexpected line: %s", (line)); \
        } while (0)

TEST(metrics_openmetrics_samples) {
        _cleanup_free_ char *t = render(two, ELEMENTSOF(two), METRICS_OPENMETRICS);

        CHECK_LINE(t, "cgpersist_entities 2");
        CHECK_LINE(t,
                   "cgpersist_entity_memory_bytes{entity=\"system-web.slice\",service=\"web.service\"} "
                   "92274688");
        CHECK_LINE(t,
                   "cgpersist_entity_persistent_memory_bytes{entity=\"system-web.slice\",service=\"web."
                   "service\"} 83886080");
        CHECK_LINE(t, "cgpersist_entity_instances{entity=\"system-web.slice\",service=\"web.service\"} 1");
        CHECK_LINE(t,
                   "cgpersist_entity_restarts_total{entity=\"system-web.slice\",service=\"web.service\"} 6");
        CHECK_LINE(
                t,
                "cgpersist_entity_dying_descendants{entity=\"system-web.slice\",service=\"web.service\"} 4");
        CHECK_LINE(t,
                   "cgpersist_entity_drained_bytes_total{entity=\"system-web.slice\",service=\"web."
                   "service\"} 125829120");
        CHECK_LINE(t, "cgpersist_entity_instances{entity=\"system-foo.slice\",service=\"foo@.service\"} 0");
        CHECK_LINE(
                t,
                "cgpersist_entity_restarts_total{entity=\"system-foo.slice\",service=\"foo@.service\"} 2");
        /* Unknown gauges are left out, not reported as a huge number. */
        CHECK(!strstr(t, "cgpersist_entity_memory_bytes{entity=\"system-foo.slice\""));
        CHECK(!strstr(t, "cgpersist_entity_dying_descendants{entity=\"system-foo.slice\""));
        CHECK(!strstr(t, "18446744073709551615"));
}

TEST(metrics_openmetrics_metadata) {
        _cleanup_free_ char *t = render(two, ELEMENTSOF(two), METRICS_OPENMETRICS);
        size_t n = strlen(t);

        /* A counter family has no _total in OpenMetrics; its samples do. */
        CHECK_LINE(t, "# TYPE cgpersist_entity_restarts counter");
        CHECK_LINE(t, "# TYPE cgpersist_entity_drained_bytes counter");
        CHECK_LINE(t, "# UNIT cgpersist_entity_drained_bytes bytes");
        CHECK_LINE(t, "# TYPE cgpersist_entity_memory_bytes gauge");
        CHECK_LINE(t, "# UNIT cgpersist_entity_memory_bytes bytes");
        CHECK_LINE(t, "# TYPE cgpersist_entities gauge");
        CHECK(strstr(t, "# HELP cgpersist_entity_persistent_memory_bytes "));
        /* "# EOF" ends it, exactly once. */
        CHECK(n > 6 && streq(t + n - 6, "# EOF\n"));
        CHECK(strstr(t, "# EOF") == t + n - 6);
}

TEST(metrics_prometheus_text) {
        _cleanup_free_ char *t = render(two, ELEMENTSOF(two), METRICS_PROMETHEUS);

        /* node_exporter's parser wants the TYPE of the exact sample name. */
        CHECK_LINE(t, "# TYPE cgpersist_entity_restarts_total counter");
        CHECK_LINE(t, "# TYPE cgpersist_entity_drained_bytes_total counter");
        CHECK_LINE(t, "# TYPE cgpersist_proactive_reclaimed_bytes_total counter");
        CHECK_LINE(t,
                   "cgpersist_proactive_reclaimed_bytes_total{entity=\"system-web.slice\",service=\"web."
                   "service\"} 58720256");
        CHECK_LINE(t,
                   "cgpersist_proactive_reclaimed_bytes_total{entity=\"system-foo.slice\",service=\"foo@."
                   "service\"} 0");
        CHECK_NO_LINE(t, "# TYPE cgpersist_entity_restarts counter");
        CHECK(!strstr(t, "# UNIT"));
        CHECK(!strstr(t, "# EOF"));
        CHECK_LINE(t,
                   "cgpersist_entity_restarts_total{entity=\"system-web.slice\",service=\"web.service\"} 6");
        CHECK_LINE(t,
                   "cgpersist_entity_memory_bytes{entity=\"system-web.slice\",service=\"web.service\"} "
                   "92274688");
}

TEST(metrics_sample_order) {
        /* Samples of a family follow its metadata, in the given order, and no
         * family is split (both formats require that). */
        _cleanup_free_ char *t = render(two, ELEMENTSOF(two), METRICS_OPENMETRICS);
        const char *type = strstr(t, "# TYPE cgpersist_entity_restarts counter");
        const char *a = strstr(t, "cgpersist_entity_restarts_total{entity=\"system-web.slice\"");
        const char *b = strstr(t, "cgpersist_entity_restarts_total{entity=\"system-foo.slice\"");
        const char *next = strstr(t, "# HELP cgpersist_entity_dying_descendants");

        CHECK(type && a && b && next);
        CHECK(type < a && a < b && b < next);
}

TEST(metrics_label_escaping) {
        /* Names are validated long before, but the renderer must not trust it. */
        MetricsEntity e = {
                .entity = "a\"b\\c\nd.slice",
                .service = NULL,
                .memory_bytes = 1,
                .persistent_bytes = 1,
        };
        _cleanup_free_ char *t = render(&e, 1, METRICS_OPENMETRICS);

        CHECK_LINE(t, "cgpersist_entity_memory_bytes{entity=\"a\\\"b\\\\c\\nd.slice\",service=\"\"} 1");
}

TEST(metrics_empty) {
        _cleanup_free_ char *om = render(NULL, 0, METRICS_OPENMETRICS);
        _cleanup_free_ char *pt = render(NULL, 0, METRICS_PROMETHEUS);

        CHECK_LINE(om, "cgpersist_entities 0");
        CHECK_LINE(om, "# EOF");
        CHECK_LINE(pt, "cgpersist_entities 0");
        CHECK(!strstr(om, "{entity="));
        CHECK_INT(metrics_render(&fixture_daemon, NULL, 1, METRICS_OPENMETRICS, &(char *){ NULL }), -EINVAL);
        CHECK_INT(metrics_render(NULL, NULL, 0, METRICS_OPENMETRICS, &(char *){ NULL }), -EINVAL);
}

TEST(metrics_many) {
        /* 1000 entities: the size the benchmark uses. */
        MetricsEntity *e = calloc(1000, sizeof *e);
        char(*names)[32] = calloc(1000, sizeof *names);
        char *t = NULL;
        size_t lines = 0;

        CHECK(e && names);
        for (size_t i = 0; i < 1000; i++) {
                snprintf(names[i], sizeof names[i], "system-s%zu.slice", i);
                e[i] = (MetricsEntity){
                        .entity = names[i],
                        .service = "x.service",
                        .memory_bytes = i,
                        .persistent_bytes = UINT64_MAX,
                        .memory_max_bytes = UINT64_MAX,
                        .memory_high_bytes = UINT64_MAX,
                        .dying_memcgs = UINT64_MAX,
                        .left_file_bytes = UINT64_MAX,
                        .left_shmem_bytes = UINT64_MAX,
                        .left_anon_bytes = UINT64_MAX,
                        .left_kernel_bytes = UINT64_MAX,
                };
        }
        CHECK_INT(metrics_render(&fixture_daemon, e, 1000, METRICS_OPENMETRICS, &t), 0);
        for (const char *p = t; *p; p++)
                lines += *p == '\n';
        /* 8 families known for every entity (memory, peak, low, instances,
         * restarts, dying cgroups, drained, reclaimed; the others are
         * UINT64_MAX): 8000 samples; HELP and TYPE of 16 families, UNIT of
         * the 12 in bytes; the daemon's 5 samples with HELP and TYPE, 2 UNIT;
         * EOF. */
        CHECK_INT(lines, 8000 + 16 * 2 + 12 + 5 * 3 + 2 + 1);
        CHECK_LINE(t,
                   "cgpersist_entity_memory_bytes{entity=\"system-s999.slice\",service=\"x.service\"} 999");
        free(t);
        free(e);
        free(names);
}

TEST(metrics_daemon) {
        _cleanup_free_ char *om = render(two, ELEMENTSOF(two), METRICS_OPENMETRICS);
        _cleanup_free_ char *pt = render(two, ELEMENTSOF(two), METRICS_PROMETHEUS);

        /* Both formats: the same samples. */
        for (const char *t = om; t; t = t == om ? pt : NULL) {
                CHECK_LINE(t, "cgpersist_build_info{version=\"1.2.3\"} 1");
                CHECK_LINE(t, "cgpersist_config_good 1");
                CHECK_LINE(t, "cgpersist_metrics_updated_timestamp_seconds 1764892800.25");
                CHECK_LINE(t, "cgpersist_metrics_interval_seconds 15");
        }
        /* An info family is named without "_info" in OpenMetrics; the text
         * format has no info type. */
        CHECK_LINE(om, "# TYPE cgpersist_build info");
        CHECK_LINE(pt, "# TYPE cgpersist_build_info gauge");
        CHECK_LINE(om, "# UNIT cgpersist_metrics_updated_timestamp_seconds seconds");
        /* The daemon's lines come first: a reader sees the time before the
         * values it dates. */
        CHECK(strstr(om, "cgpersist_metrics_updated_timestamp_seconds ") < strstr(om, "{entity="));
}

TEST(metrics_daemon_values) {
        MetricsDaemon d = {
                .version = "9\"x",
                .config_good = false,
                .updated_usec = UINT64_C(1764892800000001),
                .interval_usec = 0,
        };
        _cleanup_free_ char *t = NULL;

        CHECK_INT(metrics_render(&d, NULL, 0, METRICS_PROMETHEUS, &t), 0);
        CHECK_LINE(t, "cgpersist_build_info{version=\"9\\\"x\"} 1");
        CHECK_LINE(t, "cgpersist_config_good 0");
        CHECK_LINE(t, "cgpersist_metrics_updated_timestamp_seconds 1764892800.000001");
        CHECK_LINE(t, "cgpersist_metrics_interval_seconds 0");
}

TEST(metrics_limits) {
        _cleanup_free_ char *t = render(two, ELEMENTSOF(two), METRICS_OPENMETRICS);

        CHECK_LINE(t,
                   "cgpersist_entity_memory_max_bytes{entity=\"system-web.slice\",service=\"web.service\"} "
                   "268435456");
        CHECK_LINE(t,
                   "cgpersist_entity_memory_high_bytes{entity=\"system-web.slice\",service=\"web.service\"} "
                   "201326592");
        CHECK_LINE(
                t,
                "cgpersist_entity_memory_low_bytes{entity=\"system-web.slice\",service=\"web.service\"} 0");
        CHECK_LINE(t,
                   "cgpersist_entity_left_file_bytes{entity=\"system-web.slice\",service=\"web.service\"} "
                   "16777216");
        CHECK_LINE(t,
                   "cgpersist_entity_left_shmem_bytes{entity=\"system-web.slice\",service=\"web.service\"} "
                   "12582912");
        CHECK(!strstr(t, "cgpersist_entity_left_file_bytes{entity=\"system-foo.slice\""));
        CHECK_LINE(t,
                   "cgpersist_entity_memory_peak_bytes{entity=\"system-web.slice\",service=\"web.service\"} "
                   "100663296");
        CHECK_LINE(t,
                   "cgpersist_entity_dying_memcgs{entity=\"system-web.slice\",service=\"web.service\"} 3");
        CHECK_LINE(t, "# UNIT cgpersist_entity_memory_max_bytes bytes");
        /* No limit ("max"): no sample, rather than a number that means none. */
        CHECK(!strstr(t, "cgpersist_entity_memory_max_bytes{entity=\"system-foo.slice\""));
        CHECK(!strstr(t, "cgpersist_entity_memory_high_bytes{entity=\"system-foo.slice\""));
        CHECK(!strstr(t, "cgpersist_entity_dying_memcgs{entity=\"system-foo.slice\""));
        CHECK(!strstr(t, "+Inf"));
}
