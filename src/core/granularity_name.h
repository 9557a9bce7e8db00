/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * granularity_name.h -- the one place that turns a store granularity into
 * its name ("BYTE", "CACHE_LINE", "PAGE"; "INVALID" for any other value),
 * for messages of both libraries, the tools, the examples and the tests.
 * Header-only, so every user (each library links its own copy of src/core)
 * gets it without a link dependency.
 */
#ifndef CORE_GRANULARITY_NAME_H
#define CORE_GRANULARITY_NAME_H

#include <libpmem2.h>

static inline const char *granularity_name(enum pmem2_granularity g)
{
	switch (g) {
	case PMEM2_GRANULARITY_BYTE:
		return "BYTE";
	case PMEM2_GRANULARITY_CACHE_LINE:
		return "CACHE_LINE";
	case PMEM2_GRANULARITY_PAGE:
		return "PAGE";
	}
	return "INVALID";
}

#endif
