/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The private socket, /run/cgpersist/private: the org.cgpersist1 API served
 * straight to cgctl over a peer-to-peer D-Bus connection, without the system
 * bus in between (systemd serves systemctl from /run/systemd/private for the
 * same reason). A call through dbus-daemon is two hops and a Hello; here it
 * is one hop. The API and its checks are the same objects as on the system
 * bus: every change still checks the caller's UID, here the one the kernel
 * gave for the socket's peer at accept (SO_PEERCRED). Anyone may connect, as
 * anyone may read on the bus. cgctl falls back to the system bus whenever
 * this socket does not answer, so a refused connection costs speed only.
 *
 * Every local user can reach this socket, so what one connection may cost is
 * bounded here, not by sd-bus, which buffers any message up to 128 MiB and
 * any number of unread replies:
 *
 * - The daemon reads what the client sends itself and hands it to sd-bus
 *   through a small pipe, after checking the framing (lib/busframe.c): a
 *   message declared larger than PRIVATE_MESSAGE_MAX is refused before sd-bus
 *   allocates it. sd-bus writes replies to the socket directly.
 * - A client that has more than PRIVATE_QUEUED_MAX replies waiting (it does
 *   not read them) is disconnected at its next call; the socket's send
 *   buffer is kept small, so that is where the replies wait.
 * - A connection idle for PRIVATE_IDLE_USEC is closed.
 * - A user other than root holds at most PRIVATE_PER_UID_MAX connections,
 *   and PRIVATE_ROOT_RESERVED of the PRIVATE_CONNECTIONS_MAX are kept for
 *   root.
 *
 * Each refusal is logged (MESSAGE_ID_PRIVATE_REFUSED, the peer's UID and PID,
 * the reason), at most PRIVATE_LOG_BURST per PRIVATE_LOG_INTERVAL_USEC. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-id128.h>

#include "bus-api.h"
#include "busframe.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "path.h"
#include "timeutil.h"

/* A cgctl call holds a connection for a fraction of a second. */
#define PRIVATE_CONNECTIONS_MAX 64
#define PRIVATE_ROOT_RESERVED 16
#define PRIVATE_PER_UID_MAX 4
/* The largest call cgctl makes is Enable or Disable with 1024 names of up to
 * 255 bytes. */
#define PRIVATE_MESSAGE_MAX (512U * 1024)
/* sd-bus refuses longer handshakes itself (at 16 KiB). */
#define PRIVATE_AUTH_MAX (16U * 1024)
#define PRIVATE_QUEUED_MAX 4
#define PRIVATE_IDLE_USEC (30 * UINT64_C(1000000))
/* Replies wait in the socket's send buffer before they queue in sd-bus
 * (which asks for 8 MiB): a status of a thousand entities fits. */
#define PRIVATE_SNDBUF (256 * 1024)
/* What waits between the client and sd-bus: the pipe's size (its minimum is
 * a page) and a buffer of what did not fit in it. */
#define PRIVATE_PIPE_SIZE (16 * 1024)
#define PRIVATE_BUF 4096
#define PRIVATE_LOG_BURST 10
#define PRIVATE_LOG_INTERVAL_USEC (10 * UINT64_C(1000000))

typedef struct PrivateConn {
        PrivateServer *server;
        sd_bus *bus;
        int sock; /* the client's socket, read here; sd-bus writes to a dup */
        int pipe; /* write end; sd-bus reads the other one */
        uid_t uid;
        pid_t pid;
        sd_event_source *in, *out, *idle;
        BusFrame frame;
        uint8_t buf[PRIVATE_BUF];
        size_t buf_start, buf_end; /* read from the client, not yet in the pipe */
        bool eof;
} PrivateConn;

struct PrivateServer {
        Manager *manager;
        int fd;
        char *path;
        sd_event_source *source;
        PrivateConn *conns[PRIVATE_CONNECTIONS_MAX];
        size_t n_conns;
        uint64_t log_window_usec;
        unsigned n_logged, n_suppressed;
};

/* Logs a refusal, rate-limited. */
_printf_(4, 5) static void log_refused(PrivateServer *s, uid_t uid, pid_t pid, const char *format, ...) {
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        char reason[256];
        va_list ap;

        if (now - s->log_window_usec >= PRIVATE_LOG_INTERVAL_USEC) {
                if (s->n_suppressed > 0)
                        log_struct(LOG_WARNING, "MESSAGE_ID=" MESSAGE_ID_PRIVATE_REFUSED,
                                   "MESSAGE=%u more refusals on %s in the last %" PRIu64
                                   " s were not logged.",
                                   s->n_suppressed, s->path, PRIVATE_LOG_INTERVAL_USEC / 1000000, NULL);
                s->log_window_usec = now;
                s->n_logged = s->n_suppressed = 0;
        }
        if (s->n_logged >= PRIVATE_LOG_BURST) {
                s->n_suppressed++;
                return;
        }
        s->n_logged++;
        va_start(ap, format);
        (void) vsnprintf(reason, sizeof reason, format, ap);
        va_end(ap);
        log_struct(LOG_WARNING, "MESSAGE_ID=" MESSAGE_ID_PRIVATE_REFUSED, "CGPERSIST_PEER_UID=%u",
                   (unsigned) uid, "CGPERSIST_PEER_PID=%i", (int) pid, "CGPERSIST_REASON=%s", reason,
                   "MESSAGE=Refused a client of %s (UID %u, PID %i): %s.", s->path, (unsigned) uid,
                   (int) pid, reason, NULL);
}

static void conn_free(PrivateConn *c) {
        if (!c)
                return;
        sd_event_source_disable_unref(c->in);
        sd_event_source_disable_unref(c->out);
        sd_event_source_disable_unref(c->idle);
        if (c->bus) {
                (void) sd_bus_detach_event(c->bus);
                sd_bus_close_unref(c->bus);
        }
        if (c->sock >= 0)
                close(c->sock);
        if (c->pipe >= 0)
                close(c->pipe);
        free(c);
}

/* Called from the connection's own dispatch too: sd-bus and the message hold
 * references while it dispatches, the bus goes when that ends. */
static void conn_close(PrivateConn *c) {
        PrivateServer *s = c->server;

        for (size_t i = 0; i < s->n_conns; i++)
                if (s->conns[i] == c) {
                        s->conns[i] = s->conns[--s->n_conns];
                        break;
                }
        conn_free(c);
}

static int on_disconnected(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        conn_close(userdata);
        return 0;
}

/* Every message the client sends, before it is dispatched. */
static int on_message(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        PrivateConn *c = userdata;
        uint64_t queued = 0;

        if (sd_bus_get_n_queued_write(c->bus, &queued) >= 0 && queued > PRIVATE_QUEUED_MAX) {
                log_refused(c->server, c->uid, c->pid, "it does not read its replies (%" PRIu64 " waiting)",
                            queued);
                conn_close(c);
                return 1; /* not dispatched */
        }
        (void) sd_event_source_set_time_relative(c->idle, PRIVATE_IDLE_USEC);
        return 0;
}

static int on_idle(sd_event_source *source, uint64_t usec, void *userdata) {
        PrivateConn *c = userdata;

        log_refused(c->server, c->uid, c->pid, "idle for %" PRIu64 " s", PRIVATE_IDLE_USEC / 1000000);
        conn_close(c);
        return 0;
}

/* Hands what was read to sd-bus. 0: all of it; >0: the pipe is full. */
static int conn_flush(PrivateConn *c) {
        while (c->buf_start < c->buf_end) {
                ssize_t n = write(c->pipe, c->buf + c->buf_start, c->buf_end - c->buf_start);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 1;
                        return -errno;
                }
                c->buf_start += (size_t) n;
        }
        c->buf_start = c->buf_end = 0;
        if (c->eof && c->pipe >= 0) {
                /* sd-bus reads the end of the stream, dispatches what came
                 * before it and says Disconnected. The source goes first:
                 * the descriptor's number may be reused. */
                c->out = sd_event_source_disable_unref(c->out);
                close(c->pipe);
                c->pipe = -EBADF;
        }
        return 0;
}

/* Reading from the client while the pipe has room, or waiting for room. */
static void conn_wait(PrivateConn *c, bool pipe_full) {
        (void) sd_event_source_set_enabled(c->in, pipe_full || c->eof ? SD_EVENT_OFF : SD_EVENT_ON);
        if (c->out)
                (void) sd_event_source_set_enabled(c->out, pipe_full ? SD_EVENT_ON : SD_EVENT_OFF);
}

static int on_pipe_writable(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        PrivateConn *c = userdata;
        int r = conn_flush(c);

        if (r < 0) {
                conn_close(c);
                return 0;
        }
        conn_wait(c, r > 0);
        return 0;
}

static int on_client_readable(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        PrivateConn *c = userdata;
        uint64_t size = 0;
        ssize_t n;
        int r;

        /* Plain read(): file descriptors passed along are dropped by the
         * kernel; the API takes none. */
        n = read(c->sock, c->buf, sizeof c->buf);
        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                conn_close(c);
                return 0;
        }
        if (n == 0)
                c->eof = true;
        r = busframe_scan(&c->frame, c->buf, (size_t) n, &size);
        if (r == -EMSGSIZE) {
                if (size > 0)
                        log_refused(c->server, c->uid, c->pid, "a message of %" PRIu64 " bytes, at most %u",
                                    size, PRIVATE_MESSAGE_MAX);
                else
                        log_refused(c->server, c->uid, c->pid, "a handshake longer than %u bytes",
                                    PRIVATE_AUTH_MAX);
                conn_close(c);
                return 0;
        }
        if (r < 0) {
                log_refused(c->server, c->uid, c->pid, "what it sends is not D-Bus");
                conn_close(c);
                return 0;
        }
        c->buf_start = 0;
        c->buf_end = (size_t) n;
        r = conn_flush(c);
        if (r < 0) {
                conn_close(c);
                return 0;
        }
        conn_wait(c, r > 0);
        return 0;
}

static int conn_start(Manager *m, PrivateConn *c) {
        _cleanup_close_ int pipe_r = -EBADF, out = -EBADF;
        int fds[2], r;
        sd_id128_t id;

        if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        pipe_r = fds[0];
        c->pipe = fds[1];
        (void) fcntl(c->pipe, F_SETPIPE_SZ, PRIVATE_PIPE_SIZE);
        out = fcntl(c->sock, F_DUPFD_CLOEXEC, 3);
        if (out < 0)
                return -errno;

        r = sd_bus_new(&c->bus);
        if (r < 0)
                return r;
        (void) sd_bus_set_description(c->bus, "private-connection");
        r = sd_bus_set_fd(c->bus, pipe_r, out);
        if (r < 0)
                return r;
        TAKE_FD(pipe_r);
        TAKE_FD(out);
        r = sd_id128_randomize(&id);
        if (r < 0)
                return r;
        r = sd_bus_set_server(c->bus, true, id);
        if (r < 0)
                return r;
        /* sd-bus reads a pipe and cannot see the peer: the client's UID was
         * taken at accept, and manager_private_peer_uid() gives it to the
         * checks. The handshake is accepted as it is. */
        r = sd_bus_set_anonymous(c->bus, true);
        if (r < 0)
                return r;
        /* Replies say who sent them, as they would on the bus. */
        r = sd_bus_set_sender(c->bus, CGPERSIST_BUS_NAME);
        if (r < 0)
                return r;
        r = sd_bus_start(c->bus);
        if (r < 0)
                return r;
        /* sd-bus raised it to 8 MiB. */
        (void) setsockopt(c->sock, SOL_SOCKET, SO_SNDBUF, &(int){ PRIVATE_SNDBUF }, sizeof(int));
        r = sd_bus_attach_event(c->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;
        /* The slots float: they go with the connection. */
        r = sd_bus_add_filter(c->bus, NULL, on_message, c);
        if (r < 0)
                return r;
        r = sd_bus_match_signal(c->bus, NULL, NULL, "/org/freedesktop/DBus/Local",
                                "org.freedesktop.DBus.Local", "Disconnected", on_disconnected, c);
        if (r < 0)
                return r;
        r = manager_bus_add_api(m, c->bus);
        if (r < 0)
                return r;

        r = sd_event_add_io(m->event, &c->in, c->sock, EPOLLIN, on_client_readable, c);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(c->in, "private-client");
        r = sd_event_add_io(m->event, &c->out, c->pipe, EPOLLOUT, on_pipe_writable, c);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(c->out, "private-pipe");
        (void) sd_event_source_set_enabled(c->out, SD_EVENT_OFF);
        r = sd_event_add_time_relative(m->event, &c->idle, CLOCK_MONOTONIC, PRIVATE_IDLE_USEC, USEC_PER_SEC,
                                       on_idle, c);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(c->idle, "private-idle");
        return 0;
}

static size_t conns_of(PrivateServer *s, uid_t uid) {
        size_t n = 0;

        for (size_t i = 0; i < s->n_conns; i++)
                n += s->conns[i]->uid == uid;
        return n;
}

/* Whether a connection of this peer may be served; says why not. cgctl goes
 * by the system bus instead. */
static bool admit(PrivateServer *s, const struct ucred *cred) {
        if (s->n_conns >= PRIVATE_CONNECTIONS_MAX)
                log_refused(s, cred->uid, cred->pid, "all %d connections are taken",
                            PRIVATE_CONNECTIONS_MAX);
        else if (cred->uid != 0 && s->n_conns >= PRIVATE_CONNECTIONS_MAX - PRIVATE_ROOT_RESERVED)
                log_refused(s, cred->uid, cred->pid,
                            "the %d connections for users other than root are taken",
                            PRIVATE_CONNECTIONS_MAX - PRIVATE_ROOT_RESERVED);
        else if (cred->uid != 0 && conns_of(s, cred->uid) >= PRIVATE_PER_UID_MAX)
                log_refused(s, cred->uid, cred->pid, "the user holds %d connections already",
                            PRIVATE_PER_UID_MAX);
        else
                return true;
        return false;
}

static int on_connection(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        PrivateServer *s = m->private;
        struct ucred cred = {};
        socklen_t len = sizeof cred;
        PrivateConn *c;
        int cfd, r;

        cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
                if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                        log_warning_errno(-errno, "Failed to accept a connection on %s, ignoring: %m",
                                          s->path);
                return 0;
        }
        if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
                log_warning_errno(-errno, "Failed to learn the peer of a connection on %s, closing it: %m",
                                  s->path);
                close(cfd);
                return 0;
        }
        if (!admit(s, &cred)) {
                close(cfd);
                return 0;
        }
        c = calloc(1, sizeof *c);
        if (!c) {
                close(cfd);
                (void) log_oom();
                return 0;
        }
        *c = (PrivateConn){ .server = s, .sock = cfd, .pipe = -EBADF, .uid = cred.uid, .pid = cred.pid };
        busframe_init(&c->frame, PRIVATE_AUTH_MAX, PRIVATE_MESSAGE_MAX);
        r = conn_start(m, c);
        if (r < 0) {
                log_warning_errno(r, "Failed to serve a connection on %s, ignoring: %m", s->path);
                conn_free(c);
                return 0;
        }
        s->conns[s->n_conns++] = c;
        return 0;
}

int manager_private_peer_uid(Manager *m, sd_bus *bus, uid_t *ret) {
        PrivateServer *s = m->private;

        for (size_t i = 0; s && i < s->n_conns; i++)
                if (s->conns[i]->bus == bus) {
                        *ret = s->conns[i]->uid;
                        return 0;
                }
        return -ENOENT;
}

int manager_private_setup(Manager *m) {
        _cleanup_free_ PrivateServer *s = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int r;

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->manager = m;
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
                conn_close(s->conns[s->n_conns - 1]);
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
