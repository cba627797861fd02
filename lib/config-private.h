/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What config.c, config-parser.c and config-files.c share, and nothing
 * outside them uses. */

#include <stdarg.h>

#include "config.h"

void policy_init_defaults(ServicePolicy *p);
void tmpfs_spec_done(TmpfsSpec *t);
void policy_tmpfs_clear(ServicePolicy *p);
Config *config_new(void);
int config_add_file(Config *c, const char *path);

/* Names from a configuration file, made safe for a message. */
char *escape_for_message(const char *s, size_t n);

_printf_(5, 0) int diag_addv(ConfigDiags *d, DiagLevel level, const char *file, unsigned line,
                             const char *format, va_list ap);
_printf_(5, 6) int diag_add(ConfigDiags *d, DiagLevel level, const char *file, unsigned line,
                            const char *format, ...);

/* Parses one file's text into c; diagnostics into diags. */
int parse_text(Config *c, const char *text, size_t size, const char *filename, ConfigDiags *diags);
