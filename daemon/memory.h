/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The daemon's own footprint (the target: RSS <= 8 MiB with a thousand
 * entities). Process-wide, so it lives here and not in lib/. */

/* malloc settings, before any allocation and before threads start. */
void memory_setup(void);
