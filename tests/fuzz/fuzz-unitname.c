/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit name functions on arbitrary strings, as they come from systemd, a
 * configuration file or a D-Bus caller. Whatever is accepted must hold what
 * the rest of cgpersist assumes: no "/" or "..", at most 255 bytes, derived
 * names valid in turn. */

#include "config.h"
#include "dropin.h"
#include "fuzz.h"
#include "macro.h"
#include "unitname.h"

static void check_safe_name(const char *s) {
        if (strlen(s) > UNIT_NAME_MAX || strchr(s, '/') || strstr(s, ".."))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = NULL, *template = NULL, *slice = NULL, *path = NULL, *keeper = NULL,
                            *dropin = NULL;
        ServicePolicy p = {
                .memory_low = UINT64_MAX,
                .memory_high = UINT64_MAX,
                .memory_max = UINT64_MAX,
                .drain = DRAIN_FILE,
                .drain_budget_usec = 2000000,
                .enabled = true,
        };
        int r;

        if (size > 8192)
                return 0;
        s = fuzz_strndup(data, size);
        if (!s)
                return 0;

        if (unit_name_is_valid_service(s)) {
                check_safe_name(s);
                if (!unit_pattern_is_valid(s) || !unit_pattern_match(s, s))
                        abort();
                if (unit_name_is_template(s) == unit_name_is_instance(s) && strchr(s, '@'))
                        abort();

                r = unit_name_template_of(s, &template);
                if (r == 0 && !unit_name_is_valid_service(template))
                        abort();
                if (r == 0 && unit_name_is_instance(s) && !unit_pattern_match(template, s))
                        abort();

                r = unit_name_entity_slice(s, &slice);
                if (r == 0) {
                        if (!slice_name_is_valid(slice))
                                abort();
                        free(path);
                        path = NULL;
                        if (slice_cgroup_path(slice, &path) < 0 || !strneq(path, "system.slice/", 13))
                                abort();
                } else if (r != -ENAMETOOLONG && r != -ENOMEM)
                        abort();

                r = dropin_render(s, &p, NULL, "/usr/libexec/cgpersist", &dropin);
                if (dropin_unit_must_skip(s) ? r != -EINVAL : (r < 0 && r != -ENAMETOOLONG && r != -ENOMEM))
                        abort();
        } else {
                char *untouched = (char *) "x";

                if (unit_name_is_template(s) || unit_name_is_instance(s))
                        abort();
                if (unit_name_template_of(s, &untouched) != -EINVAL ||
                    unit_name_entity_slice(s, &untouched) != -EINVAL || !streq(untouched, "x"))
                        abort();
                if (!dropin_unit_must_skip(s))
                        abort();
        }

        if (slice_name_is_valid(s)) {
                check_safe_name(s);
                free(path);
                path = NULL;
                if (slice_cgroup_path(s, &path) < 0)
                        abort();
                r = unit_name_keeper(s, &keeper);
                if (r == 0 && (!unit_name_is_instance(keeper) || !unit_name_is_cgpersist_own(keeper)))
                        abort();
                if (r < 0 && r != -ENAMETOOLONG && r != -ENOMEM)
                        abort();
        }

        if (unit_pattern_is_valid(s)) {
                check_safe_name(s);
                (void) unit_pattern_match(s, "web.service");
                (void) unit_pattern_match(s, "foo@a.service");
        }

        return 0;
}
