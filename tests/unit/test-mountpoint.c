/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "mountpoint.h"
#include "path.h"
#include "tests.h"

/* A fixture root that only root may write (the tests' temporary directory
 * may be below a sticky /tmp, which is an ancestor the keeper refuses; the
 * walk starts at root_fd, which is checked itself). Ownership checks need
 * root: without it they are skipped. */
static int fixture_root(char **ret_dir) {
        char *t = strdup(test_tmpdir());
        int fd;

        CHECK(t);
        CHECK_INT(chmod(t, 0755), 0);
        fd = open(t, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK(fd >= 0);
        *ret_dir = t;
        return fd;
}

TEST(open_creates_and_refuses) {
        _cleanup_free_ char *t = NULL, *p = NULL;
        _cleanup_close_ int root = -EBADF, fd = -EBADF;
        MountpointRefusal why = {};
        struct stat st;

        if (geteuid() != 0) {
                printf("# skipped: needs root (ownership)\n");
                return;
        }
        root = fixture_root(&t);

        /* Missing directories are made, 0755 whatever the umask. */
        mode_t old = umask(077);
        CHECK_INT(mountpoint_open(root, "/srv/web/cache", true, &fd, &why), 0);
        umask(old);
        CHECK(fd >= 0);
        CHECK_INT(fstat(fd, &st), 0);
        CHECK(S_ISDIR(st.st_mode));
        CHECK_INT(st.st_mode & 07777, 0755);
        CHECK_INT(st.st_uid, 0);
        close(TAKE_FD(fd));
        /* Found again, nothing made. */
        CHECK_INT(mountpoint_open(root, "/srv/web/cache", false, &fd, &why), 0);
        close(TAKE_FD(fd));
        CHECK_INT(mountpoint_open(root, "/srv/web/none", false, &fd, &why), -ENOENT);
        CHECK_INT(why.problem, MOUNTPOINT_ERROR);
        CHECK_STR(why.component, "/srv/web/none");
        mountpoint_refusal_done(&why);

        /* A symbolic link anywhere: refused, not followed. */
        p = path_join(t, "srv/link");
        CHECK_INT(symlink("web", p), 0);
        CHECK_INT(mountpoint_open(root, "/srv/link/cache", true, &fd, &why), -ELOOP);
        CHECK_INT(why.problem, MOUNTPOINT_SYMLINK);
        CHECK_STR(why.component, "/srv/link");
        mountpoint_refusal_done(&why);
        CHECK_INT(mountpoint_open(root, "/srv/link", true, &fd, &why), -ELOOP);
        mountpoint_refusal_done(&why);
        CHECK(fd < 0);

        /* A file on the way. */
        test_write(t, "srv/file", "x");
        CHECK_INT(mountpoint_open(root, "/srv/file/x", true, &fd, &why), -ENOTDIR);
        CHECK_INT(why.problem, MOUNTPOINT_NOT_DIRECTORY);
        mountpoint_refusal_done(&why);
}

TEST(open_refuses_writable_ancestors) {
        _cleanup_free_ char *t = NULL, *p = NULL, *msg = NULL;
        _cleanup_close_ int root = -EBADF, fd = -EBADF;
        MountpointRefusal why = {};

        if (geteuid() != 0) {
                printf("# skipped: needs root (ownership)\n");
                return;
        }
        root = fixture_root(&t);
        test_mkdir(t, "user");
        test_mkdir(t, "user/state");
        test_mkdir(t, "sticky");
        test_mkdir(t, "group");
        test_mkdir(t, "rootgroup");
        p = path_join(t, "user");
        CHECK_INT(chown(p, 65534, 65534), 0);
        free(p);
        p = path_join(t, "sticky");
        CHECK_INT(chmod(p, 01777), 0);
        free(p);
        p = path_join(t, "group");
        CHECK_INT(chown(p, 0, 100), 0);
        CHECK_INT(chmod(p, 0775), 0);
        free(p);
        p = path_join(t, "rootgroup");
        CHECK_INT(chmod(p, 0775), 0);

        /* Owned by a user: refused at that directory, also when the mount
         * point below it exists. */
        CHECK_INT(mountpoint_open(root, "/user/state", true, &fd, &why), -EPERM);
        CHECK_INT(why.problem, MOUNTPOINT_WRITABLE);
        CHECK_STR(why.component, "/user");
        CHECK_INT(why.uid, 65534);
        CHECK_INT(mountpoint_refusal_message("/user/state", &why, &msg), 0);
        CHECK_STR(msg,
                  "/user/state: /user can be written by a user other than root (mode 0755, owner "
                  "65534:65534), who could swap what is below it");
        mountpoint_refusal_done(&why);
        /* Its own mount point may be the user's: only ancestors count. */
        CHECK_INT(mountpoint_open(root, "/user", false, &fd, &why), 0);
        close(TAKE_FD(fd));

        CHECK_INT(mountpoint_open(root, "/sticky/x", true, &fd, &why), -EPERM);
        CHECK_STR(why.component, "/sticky");
        mountpoint_refusal_done(&why);
        CHECK_INT(mountpoint_open(root, "/group/x", true, &fd, &why), -EPERM);
        mountpoint_refusal_done(&why);
        /* Group-writable by root's group only: fine. */
        CHECK_INT(mountpoint_open(root, "/rootgroup/x", true, &fd, &why), 0);
        close(TAKE_FD(fd));

        /* The root itself is an ancestor too. */
        CHECK_INT(chmod(t, 0777), 0);
        CHECK_INT(mountpoint_open(root, "/rootgroup/x", false, &fd, &why), -EPERM);
        CHECK_STR(why.component, "/");
        mountpoint_refusal_done(&why);
        CHECK_INT(chmod(t, 0755), 0);
}

TEST(open_bad_arguments) {
        int fd = -EBADF;
        MountpointRefusal why = {};

        CHECK_INT(mountpoint_open(-1, "/x", false, &fd, &why), -EINVAL);
        CHECK_INT(mountpoint_open(AT_FDCWD, "/x", false, &fd, &why), -EINVAL);
        CHECK_INT(mountpoint_open(0, "x", false, &fd, &why), -EINVAL);
        CHECK_INT(mountpoint_open(0, NULL, false, &fd, &why), -EINVAL);
}

TEST(is_mounted) {
        _cleanup_close_ int fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *t = strdup(test_tmpdir()), *p = NULL;
        uint64_t id = 0;

        CHECK(t);
        /* /proc is a mount (wherever tests run there is one); a fresh
         * directory is not. */
        CHECK(fd >= 0);
        CHECK_INT(mountpoint_is_mounted(fd, &id), 1);
        close(TAKE_FD(fd));
        test_mkdir(t, "plain");
        p = path_join(t, "plain");
        fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK(fd >= 0);
        CHECK_INT(mountpoint_is_mounted(fd, &id), 0);
        CHECK_INT(fd_is_tmpfs(fd) >= 0, 1);
        CHECK_INT(mountpoint_is_mounted(-1, &id), -EINVAL);
}

TEST(problem_names) {
        CHECK_STR(mountpoint_problem_to_string(MOUNTPOINT_SYMLINK), "symlink");
        CHECK_STR(mountpoint_problem_to_string(MOUNTPOINT_WRITABLE), "writable");
        CHECK_STR(mountpoint_problem_to_string(MOUNTPOINT_NOT_DIRECTORY), "not-directory");
        CHECK_STR(mountpoint_problem_to_string(MOUNTPOINT_ERROR), "error");
        CHECK(!mountpoint_problem_to_string(_MOUNTPOINT_PROBLEM_MAX));
}
