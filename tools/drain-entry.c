/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgpersist-drain: the entry of the stop hook. systemd runs it as root
 * (ExecStopPost=-+...) with the service's Environment= and EnvironmentFile=,
 * which the service's user may be able to write: LD_PRELOAD or
 * LD_LIBRARY_PATH there would run the user's code as root in any
 * dynamically linked program. This one is linked statically (no ld.so reads
 * those variables) and uses libc only; it drops the whole environment, keeps
 * the one variable the hook reads ($SERVICE_RESULT, a word, checked again
 * there), and executes the real hook, cgpersist-drain-hook, from the fixed
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

int main(int argc, char *argv[]) {
        static char result[sizeof "SERVICE_RESULT=" + 64];
        char *envp[] = { (char *) "PATH=/usr/sbin:/usr/bin:/sbin:/bin", (char *) "LANG=C.UTF-8", NULL,
                         NULL };
        const char *v = getenv("SERVICE_RESULT");

        (void) argc;
        if (v && result_is_word(v)) {
                snprintf(result, sizeof result, "SERVICE_RESULT=%s", v);
                envp[2] = result;
        }
        (void) umask(022);
        argv[0] = (char *) "cgpersist-drain";
        execve(HOOK, argv, envp);
        /* Exit 0 all the same: a missing hook must not fail the service. */
        fprintf(stderr, "cgpersist-drain: failed to execute %s: %s\n", HOOK, strerror(errno));
        return 0;
}
