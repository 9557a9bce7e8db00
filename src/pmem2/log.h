/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.h -- what libpmem2 logs about its own decisions, as functions the
 * decision points call with one line each (the message and its level are
 * chosen here, so that the code that decides stays about deciding).
 */
#ifndef PMEM2_LOG_H
#define PMEM2_LOG_H

#include <stddef.h>
#include <libpmem2.h>
#include "core/log.h"

struct pmem2_map;
struct pmem2_config;

/*
 * After pmem2_map_new's work, with its result ret: a new map's granularity
 * (NOTICE: which, why, how it persists) or a refusal for granularity
 * (ERROR: the message the caller gets). Other failures are not logged.
 */
void pmem2_log_map_new(const struct pmem2_map *map,
		       const struct pmem2_config *cfg, int ret);

/* A PAGE persist failed for good (the thread's error message says how);
 * count is the number of such failures in the process so far. Called
 * unconditionally from the failure path: the persist function itself
 * gains no branch. */
void pmem2_log_msync_failure(unsigned long count);

/* How a map of granularity g makes stores durable on this CPU:
 * "clwb+sfence", "sfence (no flush)", "msync". */
void pmem2_persist_method(enum pmem2_granularity g, char *buf, size_t len);

#endif
