/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "macro.h"
#include "metrics.h"

typedef enum MetricType {
        METRIC_GAUGE,
        METRIC_COUNTER,
} MetricType;

typedef struct MetricFamily {
        const char *name; /* without "_total" */
        MetricType type;
        const char *unit; /* OpenMetrics UNIT, NULL for none */
        const char *help;
        size_t offset; /* of the uint64_t in MetricsEntity */
} MetricFamily;

#define FIELD(f) offsetof(MetricsEntity, f)

/* In the order they are rendered. A family whose field is UINT64_MAX for an
 * entity has no sample for it. */
static const MetricFamily families[] = {
        { "cgpersist_entity_memory_bytes", METRIC_GAUGE, "bytes",
          "Memory charged to the entity slice and everything below it (memory.current).",
          FIELD(memory_bytes) },
        { "cgpersist_entity_persistent_memory_bytes", METRIC_GAUGE, "bytes",
          "Memory of the entity not charged to a live instance: what outlives restarts.",
          FIELD(persistent_bytes) },
        { "cgpersist_entity_memory_peak_bytes", METRIC_GAUGE, "bytes",
          "Highest memory charged to the entity slice since it was created (memory.peak, Linux 5.19+).",
          FIELD(memory_peak_bytes) },
        { "cgpersist_entity_memory_max_bytes", METRIC_GAUGE, "bytes",
          "Hard memory limit of the entity slice (memory.max); absent when it has none.",
          FIELD(memory_max_bytes) },
        { "cgpersist_entity_memory_high_bytes", METRIC_GAUGE, "bytes",
          "Throttling limit of the entity slice (memory.high); absent when it has none.",
          FIELD(memory_high_bytes) },
        { "cgpersist_entity_memory_low_bytes", METRIC_GAUGE, "bytes",
          "Memory of the entity slice protected from reclaim (memory.low).", FIELD(memory_low_bytes) },
        { "cgpersist_entity_instances", METRIC_GAUGE, NULL, "Live instances of the service in the entity.",
          FIELD(instances) },
        { "cgpersist_entity_restarts", METRIC_COUNTER, NULL,
          "Instances started in the entity since it was created.", FIELD(restarts) },
        { "cgpersist_entity_dying_descendants", METRIC_GAUGE, NULL,
          "Dead cgroups below the entity that the kernel still keeps (cgroup.stat nr_dying_descendants).",
          FIELD(dying_descendants) },
        { "cgpersist_entity_dying_memcgs", METRIC_GAUGE, NULL,
          "Dead memory cgroups below the entity that the kernel still keeps (cgroup.stat "
          "nr_dying_subsys_memory, Linux 6.12+).",
          FIELD(dying_memcgs) },
        { "cgpersist_entity_drained_bytes", METRIC_COUNTER, "bytes",
          "Bytes reclaimed from the entity's instances at stop and by cgctl drain.", FIELD(drained_bytes) },
        { "cgpersist_entity_left_file_bytes", METRIC_GAUGE, "bytes",
          "Page cache dead instances left in the entity slice, at the last scan (cgctl zombies).",
          FIELD(left_file_bytes) },
        { "cgpersist_entity_left_shmem_bytes", METRIC_GAUGE, "bytes",
          "shmem and tmpfs pages dead instances left in the entity slice, at the last scan.",
          FIELD(left_shmem_bytes) },
        { "cgpersist_entity_left_anon_bytes", METRIC_GAUGE, "bytes",
          "Anonymous pages dead instances left in the entity slice, at the last scan.",
          FIELD(left_anon_bytes) },
        { "cgpersist_entity_left_kernel_bytes", METRIC_GAUGE, "bytes",
          "Kernel pages charged to the entity slice itself, at the last scan.", FIELD(left_kernel_bytes) },
        { "cgpersist_proactive_reclaimed_bytes", METRIC_COUNTER, "bytes",
          "Bytes proactive reclaim took from the entity's leftovers since the daemon started.",
          FIELD(proactive_reclaimed_bytes) },
};

typedef struct Buf {
        char *p;
        size_t len, allocated;
        int error;
} Buf;

static void buf_printf(Buf *b, const char *fmt, ...) _printf_(2, 3);
static void buf_printf(Buf *b, const char *fmt, ...) {
        va_list ap;
        int n;

        if (b->error < 0)
                return;
        for (;;) {
                size_t room = b->allocated - b->len;

                va_start(ap, fmt);
                n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
                va_end(ap);
                if (n < 0) {
                        b->error = -EIO;
                        return;
                }
                if ((size_t) n < room) {
                        b->len += (size_t) n;
                        return;
                }
                size_t a = MAX(b->allocated * 2, b->len + (size_t) n + 1);
                a = MAX(a, (size_t) 4096);
                char *q = realloc(b->p, a);
                if (!q) {
                        b->error = -ENOMEM;
                        return;
                }
                b->p = q;
                b->allocated = a;
        }
}

/* Room for n more bytes and the NUL: where they go, or NULL. */
static char *buf_reserve(Buf *b, size_t n) {
        if (b->error < 0)
                return NULL;
        if (b->len + n + 1 > b->allocated) {
                size_t a = MAX(MAX(b->allocated * 2, b->len + n + 1), (size_t) 4096);
                char *q = realloc(b->p, a);
                if (!q) {
                        b->error = -ENOMEM;
                        return NULL;
                }
                b->p = q;
                b->allocated = a;
        }
        return b->p + b->len;
}

static void buf_append(Buf *b, const char *s, size_t n) {
        char *p;

        if (n == 0 || !(p = buf_reserve(b, n)))
                return;
        memcpy(p, s, n);
        b->len += n;
        b->p[b->len] = 0;
}

/* Label values in both formats escape backslash, double quote and newline,
 * and nothing else. */
static void buf_label_value(Buf *b, const char *s) {
        s = s ?: "";
        for (;;) {
                size_t n = strcspn(s, "\\\"\n");

                buf_append(b, s, n);
                s += n;
                if (*s == 0)
                        return;
                buf_append(b, *s == '\n' ? "\\n" : *s == '"' ? "\\\"" : "\\\\", 2);
                s++;
        }
}

/* v in decimal at p; returns the end. */
static char *put_u64(char *p, uint64_t v) {
        char t[24], *q = t + sizeof t;

        do
                *--q = (char) ('0' + v % 10);
        while ((v /= 10) > 0);
        return mempcpy(p, q, t + sizeof t - q);
}

/* labels: every entity's `{entity="…",service="…"} `, escaped once and laid
 * end to end; label_end[i] is where entity i's ends. Without printf per
 * sample: a thousand entities are ten thousand samples. */
static void render_family(Buf *b, const MetricFamily *f, const MetricsEntity *entities, size_t n,
                          const Buf *labels, const size_t *label_end, MetricsFormat format) {
        const char *suffix = f->type == METRIC_COUNTER ? "_total" : "";
        const char *type = f->type == METRIC_COUNTER ? "counter" : "gauge";
        /* The family name as the format wants it in HELP and TYPE lines. */
        const char *fsuffix = format == METRICS_PROMETHEUS ? suffix : "";
        size_t name_len = strlen(f->name), suffix_len = strlen(suffix);

        buf_printf(b, "# HELP %s%s %s\n", f->name, fsuffix, f->help);
        buf_printf(b, "# TYPE %s%s %s\n", f->name, fsuffix, type);
        if (format == METRICS_OPENMETRICS && f->unit)
                buf_printf(b, "# UNIT %s %s\n", f->name, f->unit);

        /* A sample line is the name, the entity's labels and the value:
         * room for it is made once and the bytes put in place. */
        for (size_t i = 0; i < n; i++) {
                uint64_t v = *(const uint64_t *) ((const char *) &entities[i] + f->offset);
                size_t start = i > 0 ? label_end[i - 1] : 0, label_len = label_end[i] - start;
                char *p;

                if (v == UINT64_MAX)
                        continue;
                p = buf_reserve(b, name_len + suffix_len + label_len + 21);
                if (!p)
                        return;
                p = mempcpy(p, f->name, name_len);
                p = mempcpy(p, suffix, suffix_len);
                p = mempcpy(p, labels->p + start, label_len);
                p = put_u64(p, v);
                *p++ = '\n';
                *p = 0;
                b->len = (size_t) (p - b->p);
        }
}

/* usec as seconds: whole, or with as many decimals as it needs. */
static void buf_seconds(Buf *b, uint64_t usec) {
        uint64_t frac = usec % 1000000;
        int digits = 6;

        if (frac == 0) {
                buf_printf(b, "%" PRIu64, usec / 1000000);
                return;
        }
        while (frac % 10 == 0) {
                frac /= 10;
                digits--;
        }
        buf_printf(b, "%" PRIu64 ".%0*" PRIu64, usec / 1000000, digits, frac);
}

/* HELP and TYPE (and UNIT) of a gauge of the daemon's own. */
static void buf_gauge_head(Buf *b, const char *name, const char *unit, const char *help,
                           MetricsFormat format) {
        buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
        if (format == METRICS_OPENMETRICS && unit)
                buf_printf(b, "# UNIT %s %s\n", name, unit);
}

static void render_daemon(Buf *b, const MetricsDaemon *d, size_t n, MetricsFormat format) {
        /* An info family in OpenMetrics is named without its "_info"; the
         * text format has no such type: a gauge of 1. */
        if (format == METRICS_OPENMETRICS)
                buf_printf(
                        b,
                        "# HELP cgpersist_build The version of cgpersistd.\n# TYPE cgpersist_build info\n");
        else
                buf_gauge_head(b, "cgpersist_build_info", NULL,
                               "The version of cgpersistd (the value is 1).", format);
        buf_printf(b, "cgpersist_build_info{version=\"");
        buf_label_value(b, d->version);
        buf_printf(b, "\"} 1\n");

        buf_gauge_head(b, "cgpersist_config_good", NULL,
                       "1 when the last configuration read was accepted, 0 when it was refused (the last "
                       "good one stays in force).",
                       format);
        buf_printf(b, "cgpersist_config_good %d\n", d->config_good ? 1 : 0);

        buf_gauge_head(b, "cgpersist_metrics_updated_timestamp_seconds", "seconds",
                       "When these values were measured, in seconds since the Unix epoch.", format);
        buf_printf(b, "cgpersist_metrics_updated_timestamp_seconds ");
        buf_seconds(b, d->updated_usec);
        buf_printf(b, "\n");

        buf_gauge_head(b, "cgpersist_metrics_interval_seconds", "seconds",
                       "How often the daemon rewrites its metrics file; 0: only after a change.", format);
        buf_printf(b, "cgpersist_metrics_interval_seconds ");
        buf_seconds(b, d->interval_usec);
        buf_printf(b, "\n");

        buf_gauge_head(b, "cgpersist_entities", NULL,
                       "Entities (persistent service slices) the daemon keeps.", format);
        buf_printf(b, "cgpersist_entities %zu\n", n);
}

int metrics_render(const MetricsDaemon *daemon, const MetricsEntity *entities, size_t n,
                   MetricsFormat format, char **ret) {
        Buf b = {};

        if (!daemon || !ret || (n > 0 && !entities))
                return -EINVAL;

        render_daemon(&b, daemon, n, format);
        Buf labels = {};
        size_t *label_end = calloc(MAX(n, (size_t) 1), sizeof *label_end);

        if (!label_end)
                b.error = -ENOMEM;
        for (size_t i = 0; label_end && i < n; i++) {
                buf_append(&labels, "{entity=\"", strlen("{entity=\""));
                buf_label_value(&labels, entities[i].entity);
                buf_append(&labels, "\",service=\"", strlen("\",service=\""));
                buf_label_value(&labels, entities[i].service);
                buf_append(&labels, "\"} ", strlen("\"} "));
                label_end[i] = labels.len;
        }
        if (labels.error < 0)
                b.error = labels.error;
        for (size_t i = 0; b.error >= 0 && i < ELEMENTSOF(families); i++)
                render_family(&b, &families[i], entities, n, &labels, label_end, format);
        free(labels.p);
        free(label_end);
        if (format == METRICS_OPENMETRICS)
                buf_printf(&b, "# EOF\n");

        if (b.error < 0) {
                free(b.p);
                return b.error;
        }
        *ret = b.p;
        return 0;
}
