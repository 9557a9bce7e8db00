/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fork.c -- the fork handlers of the library (see fork.h): every lock is
 * taken before fork(2), in the library's lock order, and released after
 * it, in the reverse order.
 */
#include <pthread.h>
#include "fork.h"

static void prepare(void)
{
	pmem2_reservations_fork_prepare();
	pmem2_map_fork_prepare();
	pmem2_mcsafe_fork_prepare();
	pmem2_registry_fork_prepare();
}

static void parent(void)
{
	pmem2_registry_fork_parent();
	pmem2_mcsafe_fork_parent();
	pmem2_map_fork_parent();
	pmem2_reservations_fork_parent();
}

static void child(void)
{
	pmem2_registry_fork_child();
	pmem2_mcsafe_fork_child();
	pmem2_map_fork_child();
	pmem2_reservations_fork_child();
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void register_handlers(void)
{
	/* fails only with ENOMEM; then fork stays as unsafe as without
	 * the handlers, which is all that can be done */
	(void)pthread_atfork(prepare, parent, child);
}

void pmem2_fork_safe(void)
{
	pthread_once(&fork_once, register_handlers);
}
