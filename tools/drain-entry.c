/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgpersist-drain: the entry of the stop hook. systemd runs it as root
 * (ExecStopPost=-+...) with the service's Environment= and EnvironmentFile=,
 * which the service's user may be able to write: LD_PRELOAD or
 * LD_LIBRARY_PATH there would run the user's code as root in any
 * dynamically linked program. This one is linked statically (no ld.so reads
 * those variables) and uses libc only; it drops the whole environment, keeps
 * the two variables the hook reads ($SERVICE_RESULT, a word, checked again
 * there; $JOURNAL_STREAM, two numbers), and executes the real hook, cgpersist-drain-hook, from the fixed
 * libexec directory with the same arguments.
 *
 * A build with sanitizers cannot link statically; it is a test build and
 * links this dynamically (see tools/meson.build). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build-config.h"

#define HOOK CGPERSIST_LIBEXECDIR "/cgpersist-drain-hook"

static int result_is_word(const char *s) {
        size_t n = strlen(s);

        return n > 0 && n < 64 && s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-")] == 0;
}

/* "DEVICE:INODE" as systemd sets $JOURNAL_STREAM: digits and one colon. */
static int is_dev_ino(const char *s) {
        size_t n = strspn(s, "0123456789");

        return n > 0 && s[n] == ':' && strspn(s + n + 1, "0123456789") > 0 &&
                s[n + 1 + strspn(s + n + 1, "0123456789")] == 0 && strlen(s) < 48;
}

int main(int argc, char *argv[]) {
        static char result[sizeof "SERVICE_RESULT=" + 64], stream[sizeof "JOURNAL_STREAM=" + 48];
        char *envp[] = { (char *) "PATH=/usr/sbin:/usr/bin:/sbin:/bin", (char *) "LANG=C.UTF-8", NULL, NULL,
                         NULL };
        const char *v = getenv("SERVICE_RESULT"), *j = getenv("JOURNAL_STREAM");
        size_t n = 2;

        (void) argc;
        if (v && result_is_word(v)) {
                snprintf(result, sizeof result, "SERVICE_RESULT=%s", v);
                envp[n++] = result;
        }
        /* Whether stderr is the journal's stream (the hook then logs with
         * fields): at worst a lie sends its messages to the journal socket
         * rather than to stderr. */
        if (j && is_dev_ino(j)) {
                snprintf(stream, sizeof stream, "JOURNAL_STREAM=%s", j);
                envp[n++] = stream;
        }
        (void) umask(022);
        argv[0] = (char *) "cgpersist-drain";
        execve(HOOK, argv, envp);
        /* Exit 0 all the same: a missing hook must not fail the service. */
        fprintf(stderr, "cgpersist-drain: failed to execute %s: %s\n", HOOK, strerror(errno));
        return 0;
}
