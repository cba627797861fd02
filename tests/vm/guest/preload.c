/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A hostile LD_PRELOAD library for hook-hostile: when it finds itself in a
 * root process, it leaves /run/cgtest-preload-root.<pid> holding the
 * program's path. Built on the host by tests/vm/run (the guests have no
 * compiler). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((constructor)) static void cgtest_preload(void) {
        char path[64], exe[256] = "";
        ssize_t n;
        int fd;

        if (geteuid() != 0)
                return;
        n = readlink("/proc/self/exe", exe, sizeof exe - 2);
        if (n > 0) {
                exe[n] = '\n';
                exe[n + 1] = 0;
        }
        snprintf(path, sizeof path, "/run/cgtest-preload-root.%d", (int) getpid());
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return;
        (void) !write(fd, exe, strlen(exe));
        close(fd);
}
