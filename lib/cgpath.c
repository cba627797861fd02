/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "cgpath.h"
#include "fileio.h"
#include "macro.h"
#include "path.h"
#include "stoprecord.h"
#include "unitname.h"

int cgpath_normalize(const char *cgpath, char **ret) {
        _cleanup_free_ char *out = NULL;
        const char *p;
        size_t n = 0;

        if (!ret)
                return -EINVAL;
        if (!cgpath)
                cgpath = "";
        if (strlen(cgpath) >= PATH_MAX)
                return -ENAMETOOLONG;

        out = malloc(strlen(cgpath) + 1);
        if (!out)
                return -ENOMEM;

        p = cgpath;
        for (;;) {
                const char *e;
                size_t l;

                while (*p == '/')
                        p++;
                if (*p == 0)
                        break;
                e = strchrnul(p, '/');
                l = (size_t) (e - p);

                if (l == 2 && p[0] == '.' && p[1] == '.')
                        return -EINVAL;
                if (l == 1 && p[0] == '.') {
                        p = e;
                        continue;
                }
                if (l > NAME_MAX)
                        return -ENAMETOOLONG;

                if (n > 0)
                        out[n++] = '/';
                memcpy(out + n, p, l);
                n += l;
                p = e;
        }
        out[n] = 0;

        *ret = TAKE_PTR(out);
        return 0;
}

int cgpath_absolute(const char *cgpath, char **ret) {
        _cleanup_free_ char *rel = NULL, *abs = NULL;
        int r;

        if (!ret || isempty(cgpath) || strlen(cgpath) > 4096)
                return -EINVAL;
        r = cgpath_normalize(cgpath, &rel);
        if (r < 0)
                return -EINVAL;
        if (isempty(rel))
                return -EINVAL;
        for (const char *c = rel; *c;) {
                size_t k = strcspn(c, "/");
                _cleanup_free_ char *name = strndup(c, k);

                if (!name)
                        return -ENOMEM;
                if (!filename_is_safe(name))
                        return -EINVAL;
                c += k;
                c += strspn(c, "/");
        }
        if (asprintf(&abs, "/%s", rel) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(abs);
        return 0;
}

int proc_pid_cgroup(const char *proc, const char *pid, char **ret) {
        _cleanup_free_ char *p = NULL, *text = NULL;
        char *l, *nl;
        int r;

        if (!proc || !pid || !ret)
                return -EINVAL;
        p = path_join(proc, pid, "cgroup");
        if (!p)
                return -ENOMEM;
        r = read_full_file(p, 64 * 1024, &text, NULL);
        if (r < 0)
                return r;
        for (l = text; l && *l; l = nl ? nl + 1 : NULL) {
                nl = strchr(l, '\n');
                if (nl)
                        *nl = 0;
                if (strneq(l, "0::", 3)) {
                        if (l[3] != '/')
                                return -EBADMSG;
                        *ret = strdup(l + 3);
                        return *ret ? 0 : -ENOMEM;
                }
        }
        return -ENOMEDIUM;
}

static int cgpath_join(const char *root, const char *cgpath, char **ret) {
        _cleanup_free_ char *rel = NULL;
        int r;

        if (!root || !ret)
                return -EINVAL;
        r = cgpath_normalize(cgpath, &rel);
        if (r < 0)
                return r;
        *ret = path_join(root, rel);
        return *ret ? 0 : -ENOMEM;
}

int cgpath_id(const char *root, const char *cgpath, uint64_t *ret) {
        _cleanup_free_ char *p = NULL;
        struct stat st;
        int r;

        if (!ret)
                return -EINVAL;
        r = cgpath_join(root, cgpath, &p);
        if (r < 0)
                return r;
        if (stat(p, &st) < 0)
                return negative_errno();
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        *ret = (uint64_t) st.st_ino;
        return 0;
}

int cgpath_invocation_id(const char *root, const char *cgpath, char **ret) {
        _cleanup_free_ char *p = NULL;
        char buf[33];
        ssize_t n;
        int r;

        if (!ret)
                return -EINVAL;
        r = cgpath_join(root, cgpath, &p);
        if (r < 0)
                return r;
        n = lgetxattr(p, "trusted.invocation_id", buf, sizeof buf - 1);
        if (n < 0)
                return errno == ERANGE ? -EBADMSG : negative_errno();
        buf[n] = 0;
        if (!invocation_id_is_valid(buf))
                return -EBADMSG;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

int cgpath_stop_hook_instance(const char *own, const char *unit, const char *entity, char **ret,
                              const char **ret_reason) {
        _cleanup_free_ char *copy = NULL, *slice_path = NULL, *expected = NULL, *leaf = NULL, *parent = NULL;
        const char *reason = NULL;
        size_t n;
        int r;

        if (!own || !ret || !ret_reason)
                return -EINVAL;
        *ret_reason = NULL;
        copy = strdup(own);
        if (!copy)
                return -ENOMEM;
        n = strlen(copy);
        if (n > strlen("/.control") && streq(copy + n - strlen("/.control"), "/.control"))
                copy[n - strlen("/.control")] = 0;

        if (!unit || !entity) {
                char *slash = strrchr(copy, '/');

                if (!slash || slash == copy) {
                        *ret_reason = "not in a unit's cgroup below a slice";
                        return -EPERM;
                }
                leaf = strdup(slash + 1);
                *slash = 0;
                parent = strdup(strrchr(copy, '/') + 1);
                *slash = '/';
                if (!leaf || !parent)
                        return -ENOMEM;
        }
        if (!unit)
                unit = leaf;
        if (!entity)
                entity = parent;
        if (!unit_name_is_valid_service(unit))
                reason = "the unit is not a service";
        else if (entity != parent && !slice_name_is_valid(entity))
                reason = "the entity is not a slice";
        if (reason) {
                *ret_reason = reason;
                return -EPERM;
        }

        /* A parent taken from the path may be any slice (system.slice
         * too); this refuses what is none. */
        r = slice_cgroup_path(entity, &slice_path);
        if (r == -EINVAL) {
                *ret_reason = "the parent cgroup is not a slice";
                return -EPERM;
        }
        if (r < 0)
                return r;
        if (asprintf(&expected, "/%s/%s", slice_path, unit) < 0)
                return -ENOMEM;
        if (!streq(copy, expected)) {
                /* The unit's own cgroup in another slice: it started before
                 * its entity was configured, and moves at its restart. */
                if (entity != parent && cgpath_stop_hook_instance(own, unit, NULL, ret, ret_reason) == 0)
                        return 1;
                *ret_reason = "not the cgroup of the unit in its entity (moved, or placed elsewhere)";
                return -EPERM;
        }
        *ret = TAKE_PTR(expected);
        return 0;
}
