/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>

#include "fileio.h"
#include "keeperproto.h"
#include "macro.h"
#include "memstat.h"
#include "path.h"
#include "stoprecord.h"
#include "unitname.h"

void stop_record_done(StopRecord *r) {
        if (!r)
                return;
        free(r->unit);
        free(r->invocation_id);
        free(r->cgroup);
        free(r->result);
        *r = (StopRecord) STOP_RECORD_INIT;
}

bool invocation_id_is_valid(const char *s) {
        if (!s || strlen(s) != 32)
                return false;
        return s[strspn(s, "0123456789abcdefABCDEF")] == 0;
}

bool stop_result_is_valid(const char *s) {
        size_t n;

        if (!s)
                return false;
        n = strlen(s);
        return n > 0 && n < 64 && s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-")] == 0;
}

static bool record_is_valid(const StopRecord *r) {
        return r && unit_name_is_valid_service(r->unit) && invocation_id_is_valid(r->invocation_id) &&
                (!r->cgroup || keeper_cgroup_path_is_valid(r->cgroup)) &&
                (!r->result || stop_result_is_valid(r->result)) && r->stop_usec != 0;
}

int stop_record_format(const StopRecord *r, char **ret, size_t *ret_len) {
        _cleanup_free_ char *buf = NULL;
        FILE *f;
        size_t len = 0;

        if (!ret || !record_is_valid(r))
                return -EINVAL;
        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        fprintf(f, "unit=%s\ninvocation_id=%s\n", r->unit, r->invocation_id);
        if (r->cgroup)
                fprintf(f, "cgroup=%s\n", r->cgroup);
        if (r->cgroup_id)
                fprintf(f, "cgroup_id=%" PRIu64 "\n", r->cgroup_id);
        if (r->start_usec)
                fprintf(f, "start_usec=%" PRIu64 "\n", r->start_usec);
        fprintf(f, "stop_usec=%" PRIu64 "\n", r->stop_usec);
        if (r->charge != UINT64_MAX)
                fprintf(f, "charge=%" PRIu64 "\n", r->charge);
        if (r->peak != UINT64_MAX)
                fprintf(f, "peak=%" PRIu64 "\n", r->peak);
        fprintf(f, "drained=%" PRIu64 "\n", r->drained);
        if (r->residual != UINT64_MAX)
                fprintf(f, "residual=%" PRIu64 "\n", r->residual);
        fprintf(f, "elapsed_usec=%" PRIu64 "\n", r->elapsed_usec);
        if (r->result)
                fprintf(f, "result=%s\n", r->result);
        fprintf(f, "swappiness_arg=%d\n", r->swappiness_arg ? 1 : 0);
        if (fclose(f) != 0 || !buf)
                return -ENOMEM;
        if (len > STOP_RECORD_MAX)
                return -EINVAL;
        if (ret_len)
                *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

enum {
        K_UNIT,
        K_INVOCATION_ID,
        K_CGROUP,
        K_CGROUP_ID,
        K_START,
        K_STOP,
        K_CHARGE,
        K_PEAK,
        K_DRAINED,
        K_RESIDUAL,
        K_ELAPSED,
        K_RESULT,
        K_SWAPPINESS_ARG,
        _K_MAX,
};

static const char *const keys[_K_MAX] = {
        [K_UNIT] = "unit",
        [K_INVOCATION_ID] = "invocation_id",
        [K_CGROUP] = "cgroup",
        [K_CGROUP_ID] = "cgroup_id",
        [K_START] = "start_usec",
        [K_STOP] = "stop_usec",
        [K_CHARGE] = "charge",
        [K_PEAK] = "peak",
        [K_DRAINED] = "drained",
        [K_RESIDUAL] = "residual",
        [K_ELAPSED] = "elapsed_usec",
        [K_RESULT] = "result",
        [K_SWAPPINESS_ARG] = "swappiness_arg",
};

static int key_index(const char *k, size_t n) {
        for (int i = 0; i < _K_MAX; i++)
                if (strlen(keys[i]) == n && strneq(keys[i], k, n))
                        return i;
        return -1;
}

int stop_record_parse(const char *data, size_t len, StopRecord *ret) {
        _cleanup_(stop_record_done) StopRecord r = STOP_RECORD_INIT;
        bool seen[_K_MAX] = {};
        const char *p = data, *end = data + len;

        if (!ret || (!data && len > 0) || len > STOP_RECORD_MAX || memchr(data ?: "", 0, len))
                return -EBADMSG;
        if (len == 0 || data[len - 1] != '\n')
                return -EBADMSG; /* empty or truncated */

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p)), *eq, *v;
                size_t kn, vn;
                uint64_t u = 0;
                char **s = NULL;
                int k;

                eq = memchr(p, '=', (size_t) (nl - p));
                if (!eq || eq == p)
                        return -EBADMSG;
                kn = (size_t) (eq - p);
                v = eq + 1;
                vn = (size_t) (nl - v);
                k = key_index(p, kn);
                p = nl + 1;
                if (k < 0)
                        continue; /* a newer hook's field */
                if (seen[k])
                        return -EBADMSG;
                seen[k] = true;

                switch (k) {
                case K_UNIT:
                        s = &r.unit;
                        break;
                case K_INVOCATION_ID:
                        s = &r.invocation_id;
                        break;
                case K_CGROUP:
                        s = &r.cgroup;
                        break;
                case K_RESULT:
                        s = &r.result;
                        break;
                default:
                        /* Plain decimal: no sign, no blanks, no overflow. */
                        if (safe_atou64_len(v, vn, &u) < 0)
                                return -EBADMSG;
                }
                if (s) {
                        *s = strndup(v, vn);
                        if (!*s)
                                return -ENOMEM;
                        continue;
                }
                switch (k) {
                case K_CGROUP_ID:
                        r.cgroup_id = u;
                        break;
                case K_START:
                        r.start_usec = u;
                        break;
                case K_STOP:
                        r.stop_usec = u;
                        break;
                case K_CHARGE:
                        r.charge = u;
                        break;
                case K_PEAK:
                        r.peak = u;
                        break;
                case K_DRAINED:
                        r.drained = u;
                        break;
                case K_RESIDUAL:
                        r.residual = u;
                        break;
                case K_ELAPSED:
                        r.elapsed_usec = u;
                        break;
                case K_SWAPPINESS_ARG:
                        if (u > 1)
                                return -EBADMSG;
                        r.swappiness_arg = u == 1;
                        break;
                }
        }

        /* UINT64_MAX means "unknown" in memory: a record cannot say it. */
        if (!record_is_valid(&r) || (seen[K_CHARGE] && r.charge == UINT64_MAX) ||
            (seen[K_PEAK] && r.peak == UINT64_MAX) || (seen[K_RESIDUAL] && r.residual == UINT64_MAX))
                return -EBADMSG;
        *ret = r;
        r = (StopRecord) STOP_RECORD_INIT;
        return 0;
}

int stop_record_write(const char *dir, const StopRecord *r) {
        _cleanup_free_ char *buf = NULL, *path = NULL;
        size_t len = 0;
        int k;

        if (!dir)
                return -EINVAL;
        k = stop_record_format(r, &buf, &len);
        if (k < 0)
                return k;
        k = mkdir_p(dir, 0755);
        if (k < 0)
                return k;
        path = path_join(dir, r->invocation_id);
        if (!path)
                return -ENOMEM;
        return write_file_atomic(path, buf, len, 0644);
}

int stop_record_read(const char *path, StopRecord *ret) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r;

        r = read_full_file(path, STOP_RECORD_MAX, &text, &len);
        if (r < 0)
                return r;
        return stop_record_parse(text, len, ret);
}
