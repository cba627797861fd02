/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One cgroup file read N times three ways: pread() of a kept-open fd (what
 * lib/cgfiles.c does), open+read+close (lib/cgroupfs.c's plain reader) and
 * libcgroup's cgroup_read_value_begin/next/end. Prints ns per read. */
#include <fcntl.h>
#include <libcgroup.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char *argv[]) {
        const char *mnt, *ctrl, *rel;
        char *file;
        char path[4096], buf[8192], line[4096];
        int n, fd;
        double t;

        if (argc != 6) {
                fprintf(stderr, "usage: %s MOUNT CONTROLLER RELPATH FILE N\n", argv[0]);
                return 2;
        }
        mnt = argv[1], ctrl = argv[2], rel = argv[3], file = argv[4], n = atoi(argv[5]);
        snprintf(path, sizeof path, "%s/%s/%s", mnt, rel, file);

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return perror(path), 1;
        t = now_ns();
        for (int i = 0; i < n; i++)
                if (pread(fd, buf, sizeof buf, 0) < 0)
                        return perror("pread"), 1;
        printf("pread_kept_open_ns %.0f\n", (now_ns() - t) / n);
        close(fd);

        t = now_ns();
        for (int i = 0; i < n; i++) {
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0 || read(fd, buf, sizeof buf) < 0)
                        return perror(path), 1;
                close(fd);
        }
        printf("open_read_close_ns %.0f\n", (now_ns() - t) / n);

        if (cgroup_init() != 0)
                return fprintf(stderr, "cgroup_init failed\n"), 1;
        t = now_ns();
        for (int i = 0; i < n; i++) {
                void *h = NULL;
                int r = cgroup_read_value_begin(ctrl, rel, file, &h, line, sizeof line);
                while (r == 0)
                        r = cgroup_read_value_next(&h, line, sizeof line);
                if (r != ECGEOF)
                        return fprintf(stderr, "libcgroup: %s\n", cgroup_strerror(r)), 1;
                cgroup_read_value_end(&h);
        }
        printf("libcgroup_read_value_ns %.0f\n", (now_ns() - t) / n);
        return 0;
}
