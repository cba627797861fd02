/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

#include "value.h"

/* Exit statuses, documented in cgctl(1). */
enum {
        CGCTL_EXIT_OK = 0,
        CGCTL_EXIT_FAILURE = 1,
        CGCTL_EXIT_USAGE = 2, /* bad command line, invalid name */
        CGCTL_EXIT_NOT_RUNNING = 3, /* cgpersistd (or the system bus) is not there */
        CGCTL_EXIT_DENIED = 4, /* the change (or reading page frames) requires root */
};

typedef enum JsonMode {
        JSON_OFF,
        JSON_SHORT,
        JSON_PRETTY_MODE,
} JsonMode;

typedef struct Args {
        const char *command;
        JsonMode json;
        bool runtime;
        bool force;
        bool dead; /* charges: only files with pages left by dead cgroups */
        bool legend; /* false: --no-legend */
        char **names; /* the operands */
        size_t n_names;
} Args;

/* Reads take the default 25 s; changes wait for systemd's daemon-reload or a
 * drain within its budget. */
#define CALL_TIMEOUT_CHANGE_USEC (UINT64_C(600) * 1000000)

/* bus.c. Both return 0, or an exit status after printing why. */
int cgctl_connect(sd_bus **ret);
/* As cgctl_connect(), giving the private socket private_timeout_usec to let
 * us in, and printing nothing: a negative errno. */
int cgctl_connect_quiet(sd_bus **ret, uint64_t private_timeout_usec);
int cgctl_call(sd_bus *bus, const char *method, uint64_t timeout_usec, sd_bus_message **ret_reply,
               const char *types, ...);
/* Like cgctl_call() with a prepared message (for arrays). */
int cgctl_call_message(sd_bus *bus, sd_bus_message *call, uint64_t timeout_usec, sd_bus_message **ret_reply);
int cgctl_new_call(sd_bus *bus, const char *method, sd_bus_message **ret);
/* The daemon's properties (GetAll) as an object. */
int cgctl_get_properties(sd_bus *bus, Value *ret);
int cgctl_new_call_get_all(sd_bus *bus, sd_bus_message **ret);
/* Sends n calls at once and waits for every answer: a reply in replies[i]
 * or an error in errors[i] (timeouts included). Returns 0, or an exit status
 * after printing why when the bus itself failed. */
int cgctl_call_many(sd_bus *bus, sd_bus_message **calls, sd_bus_message **replies, sd_bus_error *errors,
                    size_t n);
/* Reads the one value of a reply; prints and returns an exit status on error. */
int cgctl_read_reply(sd_bus_message *reply, Value *ret);

/* Checks the operands as names of kinds (namecheck.h); prints and returns
 * CGCTL_EXIT_USAGE for the first bad one. */
int cgctl_check_names(const Args *a, unsigned kinds);

/* The version of the JSON vocabulary of cgctl(1), the "schema" key of every
 * document: 1 was the D-Bus API's names written out, with "infinity" for no
 * limit; 2 is snake_case throughout, one name for one thing, null for no
 * limit, and an object at the top. Raised when a key changes meaning or goes. */
#define CGCTL_JSON_SCHEMA 2

/* Prints a document on stdout: {"schema": N, key: v}, or without a key the
 * members of the object v after "schema". */
int cgctl_print_json(const Args *a, const char *key, const Value *v);
/* A writer for --json as a asks, inside the document's object with its
 * "schema" written: the caller adds keys. 0, or an exit status after saying
 * why. */
int cgctl_json_new(const Args *a, JsonWriter **ret);
/* Closes the document's object, finishes w and prints it on stdout (w stays
 * the caller's to free). 0, or CGCTL_EXIT_FAILURE after saying why. */
int cgctl_finish_json(const Args *a, JsonWriter *w);
/* An error of a call: prints it, returns the exit status it stands for. */
int cgctl_bus_error(const sd_bus_error *e, int r);

/* Formatting for tables: "-" for missing values. */
#define CGCTL_FMT_MAX 64
const char *fmt_size(char buf[static CGCTL_FMT_MAX], const Value *object, const char *key);
const char *fmt_time(char buf[static CGCTL_FMT_MAX], uint64_t usec);
const char *fmt_elapsed(char buf[static CGCTL_FMT_MAX], uint64_t usec);

/* The commands (cmd-show.c, cmd-change.c); each returns an exit status. */
int cmd_status(sd_bus *bus, const Args *a);
int cmd_list(sd_bus *bus, const Args *a);
int cmd_history(sd_bus *bus, const Args *a);
int cmd_metrics(sd_bus *bus, const Args *a);
int cmd_enable(sd_bus *bus, const Args *a);
int cmd_disable(sd_bus *bus, const Args *a);
int cmd_drain(sd_bus *bus, const Args *a);
int cmd_retire(sd_bus *bus, const Args *a);
int cmd_reload(sd_bus *bus, const Args *a);
/* Local, bus is NULL (cmd-charges.c, cmd-zombies.c, cmd-verify.c). */
int cmd_charges(sd_bus *bus, const Args *a);
int cmd_zombies(sd_bus *bus, const Args *a);
/* Whether /proc/kpagecgroup can be read: 0, or an exit status after printing
 * denied_message (no access) or why. */
int cgctl_check_kpage_access(const char *denied_message);
/* Sets up libcgroup and opens the cgroup v2 tree it found; on failure says
 * why on stderr and returns CGCTL_EXIT_FAILURE. */
typedef struct CgroupFs CgroupFs;
int cgctl_open_cgroupfs(CgroupFs **ret);
int cmd_verify(sd_bus *bus, const Args *a);
