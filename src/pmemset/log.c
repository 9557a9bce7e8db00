/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.c -- libpmemset's logging API (pmemset_log_set_function,
 * pmemset_log_set_threshold, pmemset_log_get_threshold: PMDK 2.1's
 * pmem_log_* shape, in version node LIBPMEMSET_LOG_1.0) on top of
 * src/core/log.c, and the messages of libpmemset's decisions.
 *
 * libpmemset has its own copy of src/core, so its logging function,
 * thresholds and PMEMSET_LOG_LEVEL / PMEMSET_LOG_FILE are its own,
 * independent of libpmem2's (whose messages, e.g. the granularity of each
 * part's map and why, go through pmem2_log_set_function). What is logged:
 *   NOTICE  every part mapped: where, in a new part map or coalesced with
 *           the previous one, the set's granularity; the shutdown state a
 *           source with a shutdown-state record was classified in (sds.c);
 *   INFO    why a part was not coalesced (placement.c);
 *   HARK    to a newly set function: the library's version.
 * The set's data functions (persist, memcpy, ...) log nothing.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

#include "core/err.h"
#include "core/granularity_name.h"
#include "core/util.h"
#include "log.h"

#ifndef PMEM2_PROJECT_VERSION
#error "PMEM2_PROJECT_VERSION (the project's version) is not defined"
#endif

static void hark(void)
{
	CORE_LOG(HARK, "libpmemset %s (the API of PMDK 1.12.1's libpmemset)",
		 PMEM2_PROJECT_VERSION);
}

CORE_LOG_API(pmemset, PMEMSET, hark)

/* ---- the messages ---- */

static const char *coalescing_name(int mode)
{
	switch (mode) {
	case PMEMSET_COALESCING_NONE:
		return "off";
	case PMEMSET_COALESCING_OPPORTUNISTIC:
		return "opportunistic";
	case PMEMSET_COALESCING_FULL:
		return "full";
	}
	return "?";
}

/* the file behind a source: "/mnt/pmem/part1", "anonymous memory" */
static void source_name(struct pmemset_source *src, char *buf, size_t len)
{
	char link[64];
	int fd = src->fd;

	if (fd < 0 && pmem2_source_get_fd(src->pmem2, &fd)) {
		snprintf(buf, len, "anonymous memory");
		return;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, len - 1);
	if (n > 0)
		buf[n] = '\0';
	else
		snprintf(buf, len, "fd %d", fd);
}

void pmemset_log_part_mapped(struct pmemset *set, struct pmemset_source *src,
			     size_t offset, const struct pmemset_part_entry *e,
			     bool coalesced)
{
	char name[256];

	if (!core_log_enabled(CORE_LOG_LEVEL_NOTICE))
		return;
	source_name(src, name, sizeof(name));
	int mode = __atomic_load_n(&set->coalescing, __ATOMIC_RELAXED);
	CORE_LOG(NOTICE,
		 "%s: part [%zu, +%zu) mapped at %p %s (coalescing %s); the "
		 "set's store granularity is %s",
		 name, offset, e->size, e->addr,
		 coalesced ? "right after the previous part, in its part map"
			   : "as a new part map",
		 coalescing_name(mode), granularity_name(set->granularity));
}

void pmemset_log_not_coalesced(int mode)
{
	CORE_LOG(INFO, "part not coalesced: %s%s", err_msg(),
		 mode == PMEMSET_COALESCING_FULL
			 ? " (coalescing is full: the map fails)"
			 : "; it gets a part map of its own");
}
