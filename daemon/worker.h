/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-event.h>

/* Runs a blocking function (memory.reclaim, file copies, page scans) on a
 * thread of its own and calls done() on the event loop when it returns. The
 * thread touches only its job; the loop owns everything else. */

typedef void (*worker_fn)(void *job);
typedef void (*worker_done_fn)(void *job, void *userdata);

int worker_run(sd_event *e, const char *description, worker_fn fn, worker_done_fn done, void *job,
               void *userdata);
