/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <printf.h>
#include <sys/uio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "log.h"

/* The programs are single-threaded where they log (workers return results to
 * the loop), so this is the one place that keeps process-wide state. */
static int max_level = LOG_INFO;
static const char *ident = NULL;
static int journal = -1;

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

void log_set_ident(const char *i) {
        ident = i;
}

int log_level_from_string(const char *s) {
        static const char *const names[] = {
                [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",     [LOG_CRIT] = "crit",
                [LOG_ERR] = "err",     [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
                [LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(s, names[i]))
                        return (int) i;
        if (streq(s, "error"))
                return LOG_ERR;
        return -EINVAL;
}

bool log_to_journal(void) {
        if (journal < 0) {
                /* Under systemd, JOURNAL_STREAM says stderr already goes to the
                 * journal; talk to it natively then, to keep the fields. On a
                 * terminal, print. */
                struct stat st;
                journal = getenv("JOURNAL_STREAM") && stat("/run/systemd/journal/socket", &st) >= 0;
        }
        return journal > 0;
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format,
                 ...) {
        char buf[2048];
        va_list ap;

        if (error < 0)
                error = -error;
        if (level > max_level)
                return -error;

        errno = error; /* for %m */
        va_start(ap, format);
        vsnprintf(buf, sizeof buf, format, ap);
        va_end(ap);

        if (log_to_journal()) {
                /* The caller's location, not this file's: hence
                 * SD_JOURNAL_SUPPRESS_LOCATION and explicit CODE_ fields. */
                if (error)
                        sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%d", level, "CODE_FILE=%s", file,
                                        "CODE_LINE=%d", line, "CODE_FUNC=%s", func, "ERRNO=%d", error, NULL);
                else
                        sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%d", level, "CODE_FILE=%s", file,
                                        "CODE_LINE=%d", line, "CODE_FUNC=%s", func, NULL);
        } else
                fprintf(stderr, "%s%s%s\n", ident ?: "", ident ? ": " : "", buf);
        return -error;
}

/* Moves ap past the arguments that format consumes, using glibc's
 * parse_printf_format(), so a field list can mix types like sd_journal_send(). */
static void va_advance(const char *format, va_list *ap) {
        int types[16];
        size_t n = parse_printf_format(format, ELEMENTSOF(types), types);
        for (size_t i = 0; i < n && i < ELEMENTSOF(types); i++) {
                int t = types[i];
                if (t & PA_FLAG_PTR) {
                        (void) va_arg(*ap, void *);
                        continue;
                }
                switch (t & ~PA_FLAG_MASK) {
                case PA_INT:
                case PA_CHAR:
                        if (t & (PA_FLAG_LONG_LONG | PA_FLAG_LONG))
                                (void) va_arg(*ap, long long);
                        else
                                (void) va_arg(*ap, int);
                        break;
                case PA_WCHAR:
                        (void) va_arg(*ap, int);
                        break;
                case PA_STRING:
                case PA_WSTRING:
                case PA_POINTER:
                        (void) va_arg(*ap, void *);
                        break;
                case PA_FLOAT:
                case PA_DOUBLE:
                        if (t & PA_FLAG_LONG_DOUBLE)
                                (void) va_arg(*ap, long double);
                        else
                                (void) va_arg(*ap, double);
                        break;
                default:
                        (void) va_arg(*ap, int);
                }
        }
}

/* The field formats come from the callers' literals, through va_arg. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
int log_struct_internal(int level, const char *first, ...) {
        struct iovec iov[32];
        char *bufs[32] = {};
        char prio[32];
        const char *message = NULL;
        size_t n = 0;
        va_list ap;
        int r = 0;

        if (level > max_level)
                return 0;

        snprintf(prio, sizeof prio, "PRIORITY=%d", level);
        iov[n] = (struct iovec){ prio, strlen(prio) };
        n++;

        va_start(ap, first);
        for (const char *f = first; f && n < ELEMENTSOF(iov); f = va_arg(ap, const char *)) {
                va_list aq;
                va_copy(aq, ap);
                int k = vasprintf(&bufs[n], f, aq);
                va_end(aq);
                va_advance(f, &ap);
                if (k < 0) {
                        bufs[n] = NULL;
                        r = -ENOMEM;
                        break;
                }
                if (strneq(bufs[n], "MESSAGE=", 8))
                        message = bufs[n] + 8;
                iov[n] = (struct iovec){ bufs[n], (size_t) k };
                n++;
        }
        va_end(ap);

        if (r >= 0) {
                if (log_to_journal())
                        r = sd_journal_sendv(iov, (int) n);
                else if (message)
                        fprintf(stderr, "%s%s%s\n", ident ?: "", ident ? ": " : "", message);
        }
        for (size_t i = 0; i < n; i++)
                free(bufs[i]);
        return r;
}
#pragma GCC diagnostic pop
