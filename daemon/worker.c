/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <stdlib.h>
#include <unistd.h>

#include "macro.h"
#include "worker.h"

typedef struct Work {
        pthread_t thread;
        int pipe[2];
        worker_fn fn;
        worker_done_fn done;
        void *job, *userdata;
        sd_event_source *source;
} Work;

static void *work_thread(void *p) {
        Work *w = p;

        w->fn(w->job);
        /* Closing the write end wakes the loop (EPOLLHUP). */
        close(TAKE_FD(w->pipe[1]));
        return NULL;
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Work *w = userdata;

        (void) pthread_join(w->thread, NULL);
        sd_event_source_disable_unref(w->source);
        close(w->pipe[0]);
        w->done(w->job, w->userdata);
        free(w);
        return 0;
}

int worker_run(sd_event *e, const char *description, worker_fn fn, worker_done_fn done, void *job,
               void *userdata) {
        Work *w;
        int r;

        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        *w = (Work){ .fn = fn, .done = done, .job = job, .userdata = userdata };
        if (pipe2(w->pipe, O_CLOEXEC) < 0) {
                free(w);
                return -errno;
        }
        r = sd_event_add_io(e, &w->source, w->pipe[0], EPOLLIN, on_done, w);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_description(w->source, description);
        r = -pthread_create(&w->thread, NULL, work_thread, w);
        if (r < 0) {
                sd_event_source_disable_unref(w->source);
                goto fail;
        }
        return 0;
fail:
        close(w->pipe[0]);
        close(w->pipe[1]);
        free(w);
        return r;
}
