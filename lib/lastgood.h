/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "config.h"

/* The last good configuration, kept so that a configuration that does not
 * parse loses nothing: the daemon writes a snapshot (the text of every file
 * it read, in order) each time it accepts one; the generator and a restarted
 * daemon fall back to it when the files on disk are refused. Copies live in
 * /run/cgpersist (readable early at boot) and /var/lib/cgpersist (survives a
 * reboot). */

#define LASTGOOD_FILE "last-good.conf"

/* Concatenates the files c was read from into one text that
 * config_parse_string() reads back to the same configuration. */
int lastgood_render(const Config *c, char **ret);

/* Writes the snapshot into each directory (NULL-terminated list). */
int lastgood_save(const char *text, const char *const *dirs);

/* Loads the first snapshot found in dirs; -ENOENT when none. */
int lastgood_load(const char *const *dirs, Config **ret, char **ret_path);
