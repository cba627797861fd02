/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What state.c, state-format.c and state-files.c share, and nothing outside
 * them uses. */

#include "state.h"

void instance_record_done(InstanceRecord *r);
void entity_state_done(EntityState *e);
/* Takes e over and puts it in its slice's place: the stored entity; NULL if
 * that slice is taken (e untouched, *ret_error -EEXIST) or -ENOMEM. */
EntityState *insert_entity(State *s, EntityState *e, int *ret_error);

DEFINE_TRIVIAL_CLEANUP_FUNC(State *, state_free);
