/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placeholder until the org.cgpersist1 API lands. */
#include "manager.h"

int manager_bus_setup(Manager *m) {
        return 0;
}

void manager_bus_emit_instance_stopped(Manager *m, const char *slice, const InstanceRecord *r) {
}

void manager_bus_emit_entity_retired(Manager *m, const char *slice, const char *service, uint64_t residual) {
}
