/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * granularity.h -- which store granularity a mapping gets, and why.
 *
 * The decision is recorded in a struct that can be rendered as text, so the
 * error message of a refused mapping and the `pmem2 info` tool say the same
 * thing the library decided.
 */
#ifndef PMEM2_GRANULARITY_H
#define PMEM2_GRANULARITY_H

#include <stdbool.h>
#include <libpmem2.h>
#include "region.h"

struct pmem2_source;

enum gran_reason {
	GRAN_WHY_ANON,	     /* anonymous memory: BYTE */
	GRAN_WHY_PRIVATE,    /* private mapping: BYTE */
	GRAN_WHY_FORCED,     /* PMEM2_FORCE_GRANULARITY */
	GRAN_WHY_NO_MAPSYNC, /* MAP_SYNC refused: PAGE */
	GRAN_WHY_ADR,	     /* MAP_SYNC, region not cpu_cache: CACHE_LINE */
	GRAN_WHY_EADR,	     /* MAP_SYNC and eADR: BYTE */
	/* MAP_SYNC, not eADR, but the CPU cannot clean to the point of
	 * persistence (aarch64 without DC CVAP, riscv64 without Zicbom):
	 * PAGE, the kernel writes back with msync */
	GRAN_WHY_CPU_NO_CLEAN,
	/* a device DAX that is not on an NVDIMM region (a CXL RAM region,
	 * hmem): volatile memory, CACHE_LINE (see granularity.c) */
	GRAN_WHY_VOLATILE,
};

struct gran_decision {
	enum pmem2_granularity available;
	enum gran_reason reason;
	bool map_sync;	    /* MAP_SHARED_VALIDATE|MAP_SYNC accepted */
	int map_sync_errno; /* errno of the refused MAP_SYNC mmap, or 0 */
	bool has_region;    /* a backing NVDIMM region was found */
	/* eADR decided by "every region says cpu_cache" */
	bool region_fallback;
	struct pmem2_region region;
	char persistence_domain[32]; /* "" when unknown / absent */
	char bus_provider[16];	     /* the region's bus: "CXL", ... or "" */
	char volatile_origin[160];   /* GRAN_WHY_VOLATILE: where it is from */
	char forced_value[16];	     /* PMEM2_FORCE_GRANULARITY text */
	/* GRAN_WHY_ADR on a device DAX whose CPU cleans only to the point
	 * of coherency (no msync to fall back to): the persist info's note */
	const char *cpu_note;
};

/*
 * Parse PMEM2_FORCE_GRANULARITY (read on every call). Returns true and *g
 * when set to a valid value (BYTE, CACHE_LINE, CACHELINE, PAGE, any case).
 */
bool pmem2_forced_granularity(enum pmem2_granularity *g, char *raw,
			      size_t rawlen);

/*
 * Decide the available granularity for a SHARED mapping of src, given
 * whether MAP_SYNC was accepted (and its errno if not). For ANON/PRIVATE
 * the caller passes is_anon/is_private.
 */
void pmem2_granularity_decide(const struct pmem2_source *src, bool is_anon,
			      bool is_private, bool map_sync,
			      int map_sync_errno, struct gran_decision *d);

/* One line: "CACHE_LINE: MAP_SYNC accepted and region1 persistence_domain is
 * memory_controller (ADR): stores must be flushed from CPU caches". */
void pmem2_granularity_explain(const struct gran_decision *d, char *buf,
			       size_t len);

/* Set the error message for "required < available". */
void pmem2_granularity_error(const struct gran_decision *d,
			     enum pmem2_granularity required);

#endif
