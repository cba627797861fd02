/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgtest-mover SRC DST SECONDS: what a Delegate=yes service's leftover
 * process can do to a control process of its unit. For SECONDS, moves every
 * process listed in the cgroup.procs file SRC into the cgroup.procs file DST
 * (polling every 200 us: a shell loop is too slow to catch a short-lived
 * hook). Prints how many it moved. Built statically on the host by
 * tests/vm/run. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
        time_t end;
        long moved = 0;

        if (argc != 4)
                return 2;
        end = time(NULL) + atoi(argv[3]);
        while (time(NULL) < end) {
                char buf[4096];
                ssize_t n;
                int fd = open(argv[1], O_RDONLY | O_CLOEXEC);

                if (fd >= 0) {
                        n = read(fd, buf, sizeof buf - 1);
                        close(fd);
                        if (n > 0) {
                                buf[n] = 0;
                                for (char *p = strtok(buf, "\n"); p; p = strtok(NULL, "\n")) {
                                        int d = open(argv[2], O_WRONLY | O_CLOEXEC);

                                        if (d < 0)
                                                continue;
                                        if (write(d, p, strlen(p)) > 0) {
                                                moved++;
                                                fprintf(stderr, "cgtest-mover: moved %s\n", p);
                                        }
                                        close(d);
                                }
                        }
                }
                usleep(200);
        }
        printf("%ld\n", moved);
        return 0;
}
