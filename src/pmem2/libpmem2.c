/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libpmem2.c -- library constructor and destructor.
 *
 * The CPU dispatch (flush instruction, copy kernels, PMEM_* variables) is
 * decided once here, before any map exists, so that the functions a map
 * hands out never change while it lives.
 */
#include "map.h"
#include "persist.h"

__attribute__((constructor)) static void libpmem2_init(void)
{
	pmem2_persist_init();
	pmem2_registry_init();
}

__attribute__((destructor)) static void libpmem2_fini(void)
{
	pmem2_registry_fini();
}
