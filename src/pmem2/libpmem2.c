/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libpmem2.c -- library constructor.
 *
 * The CPU dispatch (flush instruction, copy kernels, PMEM_* variables) is
 * decided once here, before any map exists, so that the functions a map
 * hands out never change while it lives. There is no destructor: maps the
 * application never deleted stay mapped until the process exits.
 */
#include "persist.h"

__attribute__((constructor)) static void libpmem2_init(void)
{
	pmem2_persist_init();
}
