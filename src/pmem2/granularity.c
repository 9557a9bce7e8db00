/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * granularity.c -- deciding the store granularity of a new mapping, and
 * saying why.
 *
 * The rules (first match wins): anonymous memory and private mappings are
 * BYTE (nothing ever needs to reach a medium); PMEM2_FORCE_GRANULARITY, when
 * valid, replaces detection for shared file mappings; a shared mapping that
 * the kernel refused to make with MAP_SYNC is PAGE (only msync makes data
 * durable); otherwise the region backing the file decides: a persistence
 * domain of "cpu_cache" (eADR) gives BYTE, anything else CACHE_LINE --
 * unless the processor cannot clean its caches to the point of
 * persistence (aarch64 without DC CVAP, riscv64 without a user-mode
 * cbo.clean), which makes a file PAGE (msync) and leaves a device DAX at
 * CACHE_LINE with the best clean there is, saying so.
 *
 * Unlike PMDK, eADR is read from the region that backs this very file; the
 * platform-wide "every region says cpu_cache" rule is only a fallback when
 * that region cannot be found. The decision is kept as a struct so that the
 * error message of a refused mapping and the explanation shown by tools are
 * built from the same facts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <libpmem2.h>
#include "core/err.h"
#include "core/granularity_name.h"
#include "core/os.h"
#include "granularity.h"
#include "persist.h"
#include "region.h"
#include "source.h"

#define FORCE_ENV "PMEM2_FORCE_GRANULARITY"

bool pmem2_forced_granularity(enum pmem2_granularity *g, char *raw,
			      size_t rawlen)
{
	static const struct {
		const char *name;
		enum pmem2_granularity g;
	} names[] = {
		{"BYTE", PMEM2_GRANULARITY_BYTE},
		{"CACHE_LINE", PMEM2_GRANULARITY_CACHE_LINE},
		{"CACHELINE", PMEM2_GRANULARITY_CACHE_LINE},
		{"PAGE", PMEM2_GRANULARITY_PAGE},
	};
	const char *v = os_getenv(FORCE_ENV);

	if (raw && rawlen)
		raw[0] = '\0';
	if (!v)
		return false;
	if (raw && rawlen)
		snprintf(raw, rawlen, "%s", v);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(v, names[i].name) == 0) {
			*g = names[i].g;
			return true;
		}
	}
	return false; /* not a granularity: ignored */
}

void pmem2_granularity_decide(const struct pmem2_source *src, bool is_anon,
			      bool is_private, bool map_sync,
			      int map_sync_errno, struct gran_decision *d)
{
	enum pmem2_granularity forced;

	memset(d, 0, sizeof(*d));
	d->map_sync = map_sync;
	d->map_sync_errno = map_sync ? 0 : map_sync_errno;

	if (is_anon || (src && src->type == PMEM2_SOURCE_ANON)) {
		d->available = PMEM2_GRANULARITY_BYTE;
		d->reason = GRAN_WHY_ANON;
		return;
	}
	if (is_private) {
		d->available = PMEM2_GRANULARITY_BYTE;
		d->reason = GRAN_WHY_PRIVATE;
		return;
	}
	if (pmem2_forced_granularity(&forced, d->forced_value,
				     sizeof(d->forced_value))) {
		d->available = forced;
		d->reason = GRAN_WHY_FORCED;
		return;
	}
	d->forced_value[0] = '\0';
	if (!map_sync) {
		d->available = PMEM2_GRANULARITY_PAGE;
		d->reason = GRAN_WHY_NO_MAPSYNC;
		return;
	}

	bool eadr;
	if (src && pmem2_region_of_source(src, &d->region) == 0) {
		d->has_region = true;
		eadr = pmem2_region_is_eadr(&d->region, d->persistence_domain,
					    sizeof(d->persistence_domain));
	} else {
		memset(&d->region, 0, sizeof(d->region));
		d->region_fallback = true;
		eadr = pmem2_all_regions_eadr();
	}
	if (eadr) {
		d->available = PMEM2_GRANULARITY_BYTE;
		d->reason = GRAN_WHY_EADR;
		return;
	}
	d->available = PMEM2_GRANULARITY_CACHE_LINE;
	d->reason = GRAN_WHY_ADR;

	/*
	 * CACHE_LINE promises that the CPU's clean instruction makes stores
	 * durable. Where it cannot reach the point of persistence, a file
	 * gets PAGE: msync lets the kernel write back (with its own best
	 * clean) and flush the region. A device DAX has no msync: its lines
	 * are cleaned as far as the CPU can (the kernel does the same on
	 * such a CPU), and the explanation says so.
	 */
	const struct pmem2_persist_info *pi = pmem2_persist_info();
	if (pi->clean_to_pop)
		return;
	if (src && src->ftype == PMEM2_FTYPE_DEVDAX &&
	    strcmp(pi->flush, "none") != 0) {
		d->cpu_note = pi->cpu_note;
		return;
	}
	d->available = PMEM2_GRANULARITY_PAGE;
	d->reason = GRAN_WHY_CPU_NO_CLEAN;
	d->cpu_note = pi->cpu_note;
}

/* "mmap with MAP_SYNC was refused (Operation not supported)" */
static void describe_no_mapsync(const struct gran_decision *d, char *buf,
				size_t len)
{
	if (d->map_sync_errno) {
		char eb[128];
		const char *es = strerror_r(d->map_sync_errno, eb, sizeof(eb));
		snprintf(buf, len,
			 "mmap with MAP_SYNC was refused (%s), so the file is "
			 "not on a DAX filesystem%s",
			 es,
			 d->map_sync_errno == EINVAL
				 ? " (or the kernel is older than 4.15)"
				 : "");
	} else {
		snprintf(buf, len,
			 "MAP_SYNC was not used, so stores reach the medium "
			 "only through msync");
	}
}

/* "region1 persistence_domain is memory_controller" */
static void describe_region(const struct gran_decision *d, char *buf,
			    size_t len)
{
	if (d->has_region) {
		if (d->persistence_domain[0])
			snprintf(buf, len, "%s persistence_domain is %s",
				 d->region.name, d->persistence_domain);
		else
			snprintf(buf, len, "%s reports no persistence_domain",
				 d->region.name);
	} else if (d->reason == GRAN_WHY_EADR) {
		snprintf(buf, len,
			 "the NVDIMM region of the file was not found, and "
			 "every region of the platform reports cpu_cache");
	} else {
		snprintf(buf, len,
			 "the NVDIMM region of the file was not found, and "
			 "not every region of the platform reports cpu_cache");
	}
}

void pmem2_granularity_explain(const struct gran_decision *d, char *buf,
			       size_t len)
{
	char what[384];
	const char *g = granularity_name(d->available);

	if (!buf || !len)
		return;
	switch (d->reason) {
	case GRAN_WHY_ANON:
		snprintf(buf, len,
			 "%s: anonymous memory is not persistent, nothing "
			 "needs flushing",
			 g);
		return;
	case GRAN_WHY_PRIVATE:
		snprintf(buf, len,
			 "%s: private (copy-on-write) mapping, stores never "
			 "reach the file, nothing needs flushing",
			 g);
		return;
	case GRAN_WHY_FORCED:
		snprintf(buf, len, "%s: forced by %s=%s", g, FORCE_ENV,
			 d->forced_value[0] ? d->forced_value : "?");
		return;
	case GRAN_WHY_NO_MAPSYNC:
		describe_no_mapsync(d, what, sizeof(what));
		snprintf(buf, len,
			 "%s: %s; stores become durable only with msync", g,
			 what);
		return;
	case GRAN_WHY_ADR:
		describe_region(d, what, sizeof(what));
		snprintf(buf, len,
			 "%s: MAP_SYNC accepted and %s (ADR): stores must be "
			 "flushed from CPU caches%s%s",
			 g, what, d->cpu_note ? "; but " : "",
			 d->cpu_note ? d->cpu_note : "");
		return;
	case GRAN_WHY_CPU_NO_CLEAN:
		describe_region(d, what, sizeof(what));
		snprintf(buf, len,
			 "%s: MAP_SYNC accepted and %s (ADR), but %s; stores "
			 "become durable only with msync",
			 g, what, d->cpu_note ? d->cpu_note : "");
		return;
	case GRAN_WHY_EADR:
		describe_region(d, what, sizeof(what));
		snprintf(buf, len,
			 "%s: MAP_SYNC accepted and %s (eADR): CPU caches are "
			 "persistent, stores need no flush",
			 g, what);
		return;
	}
	snprintf(buf, len, "%s", g);
}

void pmem2_granularity_error(const struct gran_decision *d,
			     enum pmem2_granularity required)
{
	char why[384];
	const char *req = granularity_name(required);
	const char *avail = granularity_name(d->available);

	switch (d->reason) {
	case GRAN_WHY_NO_MAPSYNC:
		describe_no_mapsync(d, why, sizeof(why));
		err_set("required %s but only %s is available: %s; use a file "
			"on fsdax (mount -o dax) or a device DAX, or require "
			"PAGE",
			req, avail, why);
		return;
	case GRAN_WHY_ADR:
		describe_region(d, why, sizeof(why));
		err_set("required %s but only %s is available: the platform "
			"is not eADR (%s), so stores must be flushed from CPU "
			"caches; require CACHE_LINE and persist with "
			"pmem2_get_persist_fn",
			req, avail, why);
		return;
	case GRAN_WHY_CPU_NO_CLEAN:
		err_set("required %s but only %s is available: %s; require "
			"PAGE and persist with pmem2_get_persist_fn (msync)",
			req, avail, d->cpu_note ? d->cpu_note : "");
		return;
	case GRAN_WHY_FORCED:
		err_set("required %s but only %s is available: forced by "
			"%s=%s; unset it or require %s",
			req, avail, FORCE_ENV, d->forced_value, avail);
		return;
	default:
		pmem2_granularity_explain(d, why, sizeof(why));
		err_set("required %s but only %s is available (%s)", req, avail,
			why);
		return;
	}
}
