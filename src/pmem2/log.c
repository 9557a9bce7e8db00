/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.c -- libpmem2's logging API (pmem2_log_set_function,
 * pmem2_log_set_threshold, pmem2_log_get_threshold: PMDK 2.1's pmem_log_*
 * shape, in version node LIBPMEM2_LOG_1.0) on top of src/core/log.c, and
 * the messages of libpmem2's decisions (log.h).
 *
 * What is logged, and where:
 *   NOTICE  every pmem2_map_new that decided a granularity: the source,
 *           the granularity and the reason (the same text as `pmem2
 *           info`), how the map persists and which copy routines it uses;
 *   ERROR   a map refused for granularity (the caller's error message),
 *           every lasting msync failure of a PAGE persist;
 *   INFO    the CPU dispatch chosen at load time (persist.c), sysfs files
 *           that exist but cannot be read;
 *   DEBUG   sysfs files that are missing (both once per kind of path:
 *           core/log.c);
 *   HARK    to a newly set function: the library's version and CPU
 *           dispatch, as PMDK does.
 * Nothing is logged by the functions a map hands out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libpmem2.h>
#include "core/err.h"
#include "core/granularity_name.h"
#include "core/log.h"
#include "core/util.h"
#include "config.h"
#include "granularity.h"
#include "log.h"
#include "map.h"
#include "persist.h"

#ifndef PMEM2_PROJECT_VERSION
#error "PMEM2_PROJECT_VERSION (the project's version) is not defined"
#endif

static void hark(void)
{
	CORE_LOG(HARK,
		 "libpmem2 %s (the API and ABI of PMDK 1.12.1's libpmem2)",
		 PMEM2_PROJECT_VERSION);
	CORE_LOG(HARK, "CPU dispatch: %s", pmem2_persist_describe());
}

CORE_LOG_API(pmem2, PMEM2, hark)

/* ---- the messages ---- */

void pmem2_persist_method(enum pmem2_granularity g, char *buf, size_t len)
{
	const struct pmem2_persist_info *pi = pmem2_persist_info();

	switch (g) {
	case PMEM2_GRANULARITY_BYTE:
		snprintf(buf, len, "%s (no flush)", pi->fence);
		return;
	case PMEM2_GRANULARITY_CACHE_LINE:
		if (strcmp(pi->flush, "none") != 0) {
			snprintf(buf, len, "%s+%s", pi->flush, pi->fence);
			return;
		}
		snprintf(buf, len, "msync (no cache-flush instruction known)");
		return;
	case PMEM2_GRANULARITY_PAGE:
	default:
		snprintf(buf, len, "msync");
		return;
	}
}

/* "/mnt/pmem/file", "anonymous memory", "fd 7" */
static void source_name(const struct pmem2_source *src, char *buf, size_t len)
{
	char link[64];

	if (src->type == PMEM2_SOURCE_ANON) {
		snprintf(buf, len, "anonymous memory");
		return;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", src->fd);
	ssize_t n = readlink(link, buf, len - 1);
	if (n > 0)
		buf[n] = '\0';
	else
		snprintf(buf, len, "fd %d", src->fd);
}

void pmem2_log_map_new(const struct pmem2_map *map,
		       const struct pmem2_config *cfg, int ret)
{
	char src[256], why[512], how[64];

	if (ret == 0 && core_log_enabled(CORE_LOG_LEVEL_NOTICE)) {
		source_name(&map->source, src, sizeof(src));
		pmem2_granularity_explain(&map->gran, why, sizeof(why));
		pmem2_persist_method(map->effective_granularity, how,
				     sizeof(how));
		CORE_LOG(NOTICE,
			 "%s: %zu bytes mapped at %p with granularity %s "
			 "(required %s); %s; persists with %s, copies with %s",
			 src, map->content_length, map->addr,
			 granularity_name(map->effective_granularity),
			 granularity_name(cfg->requested_max_granularity), why,
			 how, pmem2_persist_info()->engine);
	} else if (ret == PMEM2_E_GRANULARITY_NOT_SUPPORTED &&
		   core_log_enabled(CORE_LOG_LEVEL_ERROR)) {
		source_name(&map->source, src, sizeof(src));
		CORE_LOG(ERROR, "%s: not mapped: %s", src, err_msg());
	}
}

__attribute__((cold, noinline)) void
pmem2_log_msync_failure(unsigned long count)
{
	CORE_LOG(ERROR, "%s (failure %lu of a PAGE persist in this process)",
		 err_msg(), count);
}
