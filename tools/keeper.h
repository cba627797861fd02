/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgpersist-keeper's parts (cgpersist-keeper(8)): keeper.c starts it and
 * serves its loop, keeper-mount.c places the tmpfs, keeper-rehome.c makes a
 * pass over them, keeper-socket.c answers the stop hook. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroupfs.h"
#include "config.h"
#include "keeperproto.h"
#include "rehome.h"

#define KEEPER_TMP_PREFIX ".#cgpersist-rehome-"
#define KEEPER_COPY_CHUNK (UINT64_C(1) << 20)

typedef struct Mount {
        TmpfsSpec spec;
        bool active; /* mounted (by us or before) and ours to walk */
        dev_t dev;
        uint64_t mnt_id; /* 0: not known (no STATX_MNT_ID) */
} Mount;

typedef struct Keeper {
        /* From the command line, for the keeper's whole life. */
        const char *entity; /* "system-web.slice" */
        const char *proc;
        CgroupFs *cgroupfs; /* the cgroup v2 tree, for cgroup ids */
        const char *socket_dir;
        uint64_t pass_timeout_usec;

        Mount *mounts;
        size_t n_mounts;
        char *own_cgroup; /* "/system.slice/ENT.slice/cgpersist-keeper@ENT.service" */
        RehomeIds ids;
        const char *dying_cgroup; /* of the current pass, NULL at start */
        char *buf; /* KEEPER_COPY_CHUNK bytes */
        sigset_t stop_mask;
        sigset_t lease_mask; /* the lease break signal (F_SETSIG), and SIGIO */
        int lease_signal;
        bool stopping;
        uint64_t deadline; /* of the current pass, CLOCK_MONOTONIC */
        bool timed_out; /* the current pass reached its deadline */
        KeeperReply sum;
} Keeper;

/* keeper-mount.c */
int keeper_mount(const Keeper *k, Mount *m);
int keeper_open_mount_root(const Mount *m);

/* keeper-rehome.c */
bool keeper_stop_requested(Keeper *k);
KeeperReply keeper_rehome_all(Keeper *k, const char *dying);

/* keeper-socket.c */
int keeper_socket_path(const Keeper *k, char **ret);
int keeper_listen(const Keeper *k, int *ret_fd);
void keeper_serve_one(Keeper *k, int lfd);
