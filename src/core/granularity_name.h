/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * granularity_name.h -- the name of a store granularity: "BYTE",
 * "CACHE_LINE", "PAGE", and "INVALID" for any other value (such as the
 * PMEM2_GRANULARITY_INVALID that pmem2_map_get_store_granularity returns
 * for a NULL map).
 *
 * The one copy of this switch in the tree, header-only and built on the
 * public <libpmem2.h> alone, so that the libraries, the tool, the tests and
 * the examples name granularities the same way. Programs that see only the
 * public headers (examples, the compatibility and VM checks) include it by
 * its path relative to their own source file.
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
