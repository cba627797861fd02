/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The keeper's socket: the stop hook asks for a pass after an instance's
 * stop ("REHOME CGROUP", lib/keeperproto.h). Only root, and only for an
 * instance of this keeper's entity. */

#include <sys/socket.h>
#include <sys/un.h>

#include "fileio.h"
#include "keeper.h"
#include "log.h"
#include "path.h"
#include "unitname.h"

int keeper_socket_path(const Keeper *k, char **ret) {
        _cleanup_free_ char *name = NULL;

        if (asprintf(&name, "%s.sock", k->entity) < 0)
                return -ENOMEM;
        *ret = path_join(k->socket_dir, name);
        return *ret ? 0 : -ENOMEM;
}

int keeper_listen(const Keeper *k, int *ret) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int r;

        r = keeper_socket_path(k, &path);
        if (r < 0)
                return r;
        if (strlen(path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);

        r = mkdir_p(k->socket_dir, 0755);
        if (r < 0)
                return r;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        /* A socket left by a killed keeper: nobody listens on it. */
        (void) unlink(path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                return negative_errno();
        if (chmod(path, 0600) < 0)
                return negative_errno();
        if (listen(fd, 16) < 0)
                return negative_errno();
        *ret = TAKE_FD(fd);
        return 0;
}

static void send_reply(int fd, const KeeperReply *r, const char *text) {
        _cleanup_free_ char *line = NULL;

        if (keeper_reply_format(r, text, &line) < 0)
                return;
        /* The hook may have given up waiting: no SIGPIPE for that. */
        (void) send(fd, line, strlen(line), MSG_NOSIGNAL);
}

/* cgroup is "/<cgroup of entity>/<one name>". */
static bool cgroup_is_instance_of(const char *cgroup, const char *entity) {
        _cleanup_free_ char *ecg = NULL;
        size_t n;

        if (slice_cgroup_path(entity, &ecg) < 0)
                return false;
        n = strlen(ecg);
        return cgroup[0] == '/' && strneq(cgroup + 1, ecg, n) && cgroup[1 + n] == '/' &&
                !strchr(cgroup + 2 + n, '/');
}

static void refuse_peer(const Keeper *k, int fd, const struct ucred *cred, const char *cgroup,
                        const char *reason) {
        (void) log_struct(LOG_WARNING, "MESSAGE_ID=" MESSAGE_ID_KEEPER_PEER_REFUSED,
                          "MESSAGE=Refused a re-homing request of %s from pid %d uid %d: %s.", k->entity,
                          cred ? (int) cred->pid : 0, cred ? (int) cred->uid : -1, reason,
                          "CGPERSIST_ENTITY=%s", k->entity, "CGPERSIST_CGROUP=%s", strempty(cgroup),
                          "CGPERSIST_PEER_PID=%d", cred ? (int) cred->pid : 0, "CGPERSIST_PEER_UID=%d",
                          cred ? (int) cred->uid : -1, "CGPERSIST_REASON=%s", reason, NULL);
        send_reply(fd, &(KeeperReply){ .error = EPERM }, reason);
}

void keeper_serve_one(Keeper *k, int lfd) {
        _cleanup_free_ char *cgroup = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct timeval tv = { .tv_sec = 5 };
        struct ucred cred;
        socklen_t l = sizeof cred;
        char line[KEEPER_LINE_MAX + 1];
        size_t n = 0;
        KeeperReply rep;
        int r;

        fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
                return;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &l) < 0 || cred.uid != 0) {
                refuse_peer(k, fd, l == sizeof cred ? &cred : NULL, NULL, "only root may ask for re-homing");
                return;
        }
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        while (n < sizeof line - 1) {
                ssize_t k2 = recv(fd, line + n, sizeof line - 1 - n, 0);

                if (k2 <= 0)
                        break;
                n += (size_t) k2;
                if (memchr(line, '\n', n))
                        break;
        }
        line[n] = 0;
        r = keeper_request_parse(line, &cgroup);
        if (r < 0) {
                send_reply(fd, &(KeeperReply){ .error = EBADMSG }, "expected \"REHOME [CGROUP]\"");
                return;
        }
        /* Only an instance of our own entity: a pass for another entity's
         * instance would re-home files this keeper owns as if that one had
         * written them. */
        if (cgroup && !cgroup_is_instance_of(cgroup, k->entity)) {
                refuse_peer(k, fd, &cred, cgroup, "the cgroup is not an instance of this keeper's entity");
                return;
        }
        rep = keeper_rehome_all(k, cgroup);
        send_reply(fd, &rep, NULL);
}
