/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "config.h"

/* The drop-in that cgpersist-generator(8) writes for a configured service,
 * as <unit>.d/DROPIN_FILE_NAME in the generator's normal directory: it puts
 * the service's instances into their entity slice and runs the stop hook.
 * Pure functions: no file system, no state. */

#define DROPIN_FILE_NAME "zz-cgpersist.conf"
#define DRAIN_HOOK_NAME "cgpersist-drain"

/* True for names that must never get a drop-in: not a valid service name
 * (hostile: it would become a directory name), or one of cgpersist's own
 * units (cgpersistd.service, cgpersist-keeper@*.service, ...). */
bool dropin_unit_must_skip(const char *unit);

/* Renders the drop-in text for unit with the effective policy (from
 * config_policy_for()) in entity, the slice coverage_of() gave it (NULL: the
 * one below system.slice); libexecdir is where cgpersist-drain lives. Returns 0
 * and a malloc'ed string; -EINVAL for a skipped unit, an invalid entity or a
 * libexecdir that is not a plain absolute path; -ENAMETOOLONG if the derived
 * slice name would be too long; -ENOMEM. */
int dropin_render(const char *unit, const ServicePolicy *policy, const char *entity, const char *libexecdir,
                  char **ret);

/* Renders the drop-in for an instance that is not managed although its
 * template is (e.g. "enable = no" for foo@b.service only): systemd reads the
 * instance's drop-in of the same file name instead of the template's, so a
 * drop-in with no settings keeps the instance where systemd would put it.
 * -EINVAL unless unit is a valid instance. */
int dropin_render_unmanaged(const char *unit, char **ret);
