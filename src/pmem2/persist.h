/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * persist.h -- the functions a map hands out (persist, flush, drain,
 * memmove, memcpy, memset), chosen once per map by effective granularity,
 * and the process-wide CPU dispatch behind them.
 */
#ifndef PMEM2_PERSIST_H
#define PMEM2_PERSIST_H

#include <libpmem2.h>

struct pmem2_mem_ops {
	pmem2_persist_fn persist;
	pmem2_flush_fn flush;
	pmem2_drain_fn drain;
	pmem2_memmove_fn memmove;
	pmem2_memcpy_fn memcpy;
	pmem2_memset_fn memset;
};

/* Detect CPU features and read PMEM_* environment variables; idempotent,
 * thread-safe (pthread_once). Called from the library constructor. */
void pmem2_persist_init(void);

/* The functions for a map of effective granularity g. Never NULL. */
void pmem2_mem_ops_get(enum pmem2_granularity g, struct pmem2_mem_ops *ops);

/* Flush CPU caches for [addr, addr+len) with the best instruction, no fence
 * (used by deep flush on device DAX). */
void pmem2_flush_cpu_caches(const void *addr, size_t len);
void pmem2_fence(void);

/* Short description of the CPU dispatch: "clwb+sfence, avx512f" etc. */
const char *pmem2_persist_describe(void);

#endif
