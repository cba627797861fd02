/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The private socket, /run/cgpersist/private: the org.cgpersist1 API served
 * straight to cgctl over a peer-to-peer D-Bus connection, without the system
 * bus in between (systemd serves systemctl from /run/systemd/private for the
 * same reason). A call through dbus-daemon is two hops and a Hello; here it
 * is one hop. The API and its checks are the same objects as on the system
 * bus: every change still checks the caller's UID, here the one the kernel
 * gives for the socket's peer (SO_PEERCRED). Anyone may connect, as anyone
 * may read on the bus. cgctl falls back to the system bus whenever this
 * socket does not answer, so a full table of connections costs speed only. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-id128.h>

#include "bus-api.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "path.h"

/* A cgctl call holds a connection for a fraction of a second. */
#define PRIVATE_CONNECTIONS_MAX 64

struct PrivateServer {
        int fd;
        char *path;
        sd_event_source *source;
        sd_bus *conns[PRIVATE_CONNECTIONS_MAX];
        size_t n_conns;
};

static void private_bus_close(PrivateServer *s, size_t i) {
        /* Called from the connection's own dispatch too: sd-bus and the
         * message hold references while it dispatches, the object goes when
         * that ends. */
        (void) sd_bus_detach_event(s->conns[i]);
        sd_bus_close_unref(s->conns[i]);
        s->conns[i] = s->conns[--s->n_conns];
}

static int on_disconnected(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        PrivateServer *s = userdata;
        sd_bus *bus = sd_bus_message_get_bus(msg);

        for (size_t i = 0; i < s->n_conns; i++)
                if (s->conns[i] == bus) {
                        private_bus_close(s, i);
                        break;
                }
        return 0;
}

/* Takes fd: closed on failure. */
static int private_bus_open(Manager *m, int fd, sd_bus **ret) {
        _cleanup_(sd_bus_close_unrefp) sd_bus *bus = NULL;
        sd_id128_t id;
        int r;

        r = sd_bus_new(&bus);
        if (r < 0) {
                close(fd);
                return r;
        }
        (void) sd_bus_set_description(bus, "private-connection");
        r = sd_bus_set_fd(bus, fd, fd);
        if (r < 0) {
                close(fd);
                return r;
        }
        r = sd_id128_randomize(&id);
        if (r < 0)
                return r;
        r = sd_bus_set_server(bus, true, id);
        if (r < 0)
                return r;
        /* Replies say who sent them, as they would on the bus. */
        r = sd_bus_set_sender(bus, CGPERSIST_BUS_NAME);
        if (r < 0)
                return r;
        r = sd_bus_start(bus);
        if (r < 0)
                return r;
        r = sd_bus_attach_event(bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;
        /* Both slots float: they go with the connection. */
        r = sd_bus_match_signal(bus, NULL, NULL, "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local",
                                "Disconnected", on_disconnected, m->private);
        if (r < 0)
                return r;
        r = manager_bus_add_api(m, bus);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

static int on_connection(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        PrivateServer *s = m->private;
        int cfd, r;

        cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
                if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                        log_warning_errno(-errno, "Failed to accept a connection on %s, ignoring: %m",
                                          s->path);
                return 0;
        }
        if (s->n_conns >= PRIVATE_CONNECTIONS_MAX) {
                /* cgctl goes by the system bus instead. */
                log_debug("%zu connections on %s already, refusing one more.", s->n_conns, s->path);
                close(cfd);
                return 0;
        }
        r = private_bus_open(m, cfd, &s->conns[s->n_conns]);
        if (r < 0) {
                log_warning_errno(r, "Failed to serve a connection on %s, ignoring: %m", s->path);
                return 0;
        }
        s->n_conns++;
        return 0;
}

int manager_private_setup(Manager *m) {
        _cleanup_free_ PrivateServer *s = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int r;

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->fd = -1;
        s->path = path_join(m->run_dir, "private");
        if (!s->path)
                return -ENOMEM;
        if (strlen(s->path) >= sizeof sa.sun_path)
                return log_error_errno(-ENAMETOOLONG, "Socket path %s is too long: %m", s->path);
        strcpy(sa.sun_path, s->path);

        s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s->fd < 0)
                return -errno;
        /* A socket left by a daemon that died; nobody else makes one here. */
        (void) unlink(s->path);
        /* Anyone may connect: reads are for everyone, changes check the UID.
         * The socket is useless until listen(), so chmod after bind races
         * with nobody. */
        if (bind(s->fd, (struct sockaddr *) &sa, sizeof sa) < 0 || chmod(s->path, 0666) < 0 ||
            listen(s->fd, SOMAXCONN) < 0) {
                r = -errno;
                close(s->fd);
                (void) unlink(s->path);
                return log_warning_errno(r, "Failed to listen on %s: %m", s->path);
        }
        r = sd_event_add_io(m->event, &s->source, s->fd, EPOLLIN, on_connection, m);
        if (r < 0) {
                close(s->fd);
                (void) unlink(s->path);
                return r;
        }
        (void) sd_event_source_set_description(s->source, "private-socket");
        m->private = TAKE_PTR(s);
        return 0;
}

void manager_private_free(Manager *m) {
        PrivateServer *s = m->private;

        if (!s)
                return;
        while (s->n_conns > 0)
                private_bus_close(s, s->n_conns - 1);
        sd_event_source_unref(s->source);
        if (s->fd >= 0) {
                close(s->fd);
                /* cgctl then goes straight to the system bus. */
                (void) unlink(s->path);
        }
        free(s->path);
        free(s);
        m->private = NULL;
}
