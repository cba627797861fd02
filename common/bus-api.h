/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The org.cgpersist1 D-Bus API, shared by cgpersistd (daemon/manager-bus.c)
 * and cgctl. Documented in cgpersistd(8). Records are a{sv} dictionaries:
 * new keys may appear in later versions, a key whose value is unknown is left
 * out, and a size of UINT64_MAX means "no limit" ("max"). */

#define CGPERSIST_BUS_NAME "org.cgpersist1"
#define CGPERSIST_BUS_PATH "/org/cgpersist1"
#define CGPERSIST_BUS_INTERFACE "org.cgpersist1.Manager"

/* The name (a service or an entity slice) is valid but no entity has it. */
#define CGPERSIST_ERROR_NO_SUCH_ENTITY "org.cgpersist1.Error.NoSuchEntity"
/* The configuration has errors; the message lists every file:line. */
#define CGPERSIST_ERROR_BAD_CONFIG "org.cgpersist1.Error.BadConfig"
/* Disable: the service is configured by a file cgctl did not write. */
#define CGPERSIST_ERROR_CONFIGURED_ELSEWHERE "org.cgpersist1.Error.ConfiguredElsewhere"
/* Retire: the service is still configured (and force was not given). */
#define CGPERSIST_ERROR_STILL_CONFIGURED "org.cgpersist1.Error.StillConfigured"
/* Retire: instances or other processes still run in the entity. */
#define CGPERSIST_ERROR_BUSY "org.cgpersist1.Error.Busy"
/* Drain: the kernel lacks memory.reclaim (before 5.19). */
#define CGPERSIST_ERROR_NOT_SUPPORTED "org.cgpersist1.Error.NotSupported"
