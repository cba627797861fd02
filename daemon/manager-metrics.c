/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placeholder until the metrics land. */
#include "manager.h"

void manager_update_metrics(Manager *m) {
}
