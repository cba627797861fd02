/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Unit names as systemd defines them (systemd.unit(5)): every name that comes
 * from systemd, a configuration file or a D-Bus caller is hostile until it
 * passed unit_name_is_valid(). */

#define UNIT_NAME_MAX 255

/* A plain service ("web.service"), a template ("foo@.service") or an instance
 * ("foo@a.service"). Only ".service" names are accepted. */
bool unit_name_is_valid_service(const char *name);
bool unit_name_is_template(const char *name);
bool unit_name_is_instance(const char *name);

/* "foo@a.service" -> "foo@.service"; other names are copied. */
int unit_name_template_of(const char *name, char **ret);

/* The entity slice of a service (-EINVAL for an invalid name,
 * -ENAMETOOLONG when escaping makes the slice name too long): the slice systemd itself would give a template
 * family, below system.slice: "web.service" -> "system-web.slice",
 * "foo@a.service" -> "system-foo.slice", "my-app.service" ->
 * "system-my\x2dapp.slice" (dashes in the prefix are escaped, as systemd
 * does, because a dash in a slice name means nesting). */
int unit_name_entity_slice(const char *service, char **ret);
/* The same below parent, the slice the service's own unit files put it in
 * (NULL: system.slice): "custom.slice" and "web.service" ->
 * "custom-web.slice", a child of custom.slice, whose limits keep applying.
 * -EINVAL also for a parent that cannot hold entities (see
 * slice_can_hold_entities()). */
int unit_name_entity_slice_in(const char *parent, const char *service, char **ret);

/* A slice an entity may be made below: any valid slice but the root slice
 * ("-.slice") and the trees other managers own (user.slice and logind's
 * user-UID.slice, machine.slice). */
bool slice_can_hold_entities(const char *name);

/* A valid entity name: a slice below another slice ("system-web.slice",
 * "custom-web.slice"), not in a tree another manager owns; for configured
 * entity= overrides and names callers send. */
bool slice_name_is_valid(const char *name);

/* Keeper instance for an entity: "system-web.slice" ->
 * "cgpersist-keeper@system-web.service". */
int unit_name_keeper(const char *slice, char **ret);

/* The cgroup path (relative to the cgroup root, no leading slash) of a slice:
 * "system-my\x2dapp.slice" -> "system.slice/system-my\x2dapp.slice". */
int slice_cgroup_path(const char *slice, char **ret);

/* Section names in the configuration may be globs (fnmatch(3)). */
bool unit_pattern_is_glob(const char *pattern);
/* A service name, a template, or a glob made of unit name characters and
 * "*?[]!" (no "/", no "..", at most UNIT_NAME_MAX). */
bool unit_pattern_is_valid(const char *pattern);
/* True if name (a valid service name) is pattern, is an instance of the
 * template pattern, or matches the glob pattern. */
bool unit_pattern_match(const char *pattern, const char *name);

/* cgpersist's own units (cgpersistd.service, cgpersist-*.service such as the
 * keepers): never placed in an entity, never given a stop hook. */
bool unit_name_is_cgpersist_own(const char *name);
