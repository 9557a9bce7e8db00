/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * granularity.c -- deciding the store granularity of a new mapping, and
 * saying why.
 *
 * The rules (first match wins): anonymous memory and private mappings are
 * BYTE (nothing ever needs to reach a medium); PMEM2_FORCE_GRANULARITY, when
 * valid, replaces detection for shared file mappings; a device DAX that is
 * not on an NVDIMM region is volatile memory and CACHE_LINE (below); a
 * shared mapping that the kernel refused to make with MAP_SYNC is PAGE
 * (only msync makes data durable); otherwise the region backing the file
 * decides: a persistence domain of "cpu_cache" (eADR) gives BYTE, anything
 * else CACHE_LINE -- unless the processor cannot clean its caches to the
 * point of persistence (aarch64 without DC CVAP, riscv64 without a
 * user-mode cbo.clean), which makes a file PAGE (msync) and leaves a device
 * DAX at CACHE_LINE with the best clean there is, saying so.
 *
 * CXL persistent memory is an NVDIMM region on a bus whose provider is
 * "CXL"; the kernel gives it the persistence domain "memory_controller"
 * (drivers/cxl/pmem.c), because CXL Global Persistent Flush does not tell
 * software whether the CPU caches are written back on power loss. So it is
 * CACHE_LINE like any ADR region, and the explanation names CXL; BYTE only
 * when the region itself says cpu_cache or the user forces it.
 *
 * Volatile device DAX (from a CXL RAM region or hmem): nothing on it
 * survives a power loss or a reboot, whatever the granularity. The choice
 * is CACHE_LINE, and it is the honest one: the persist functions then
 * write stores back from the CPU caches to the memory device (which is
 * what a program sharing that memory with another host or device, the
 * famfs case, needs, and what a program written for pmem expects to be
 * doing), and the reason says in words that the memory is volatile.
 * BYTE, as for anonymous memory, would promise nothing less but would
 * also leave stores in the caches; PAGE would point at msync, which a
 * device DAX does not have. A CPU that cleans only to the point of
 * coherency is enough here: for memory that is not persistent, the
 * point of coherency is the memory.
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

/*
 * Is src (a device DAX) volatile memory: not on any NVDIMM region? Then its
 * origin goes to d. A device whose place in sysfs cannot be read is not
 * called volatile: the region rules decide, as before.
 */
static bool volatile_devdax(const struct pmem2_source *src,
			    struct gran_decision *d)
{
	struct pmem2_dax_origin o;

	if (pmem2_devdax_origin(src->st_rdev, &o) || o.kind == DAX_ORIGIN_ND)
		return false;
	pmem2_dax_origin_describe(&o, d->volatile_origin,
				  sizeof(d->volatile_origin));
	return true;
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
	if (src && src->type == PMEM2_SOURCE_FD &&
	    src->ftype == PMEM2_FTYPE_DEVDAX && volatile_devdax(src, d)) {
		d->available = PMEM2_GRANULARITY_CACHE_LINE;
		d->reason = GRAN_WHY_VOLATILE;
		if (strcmp(pmem2_persist_info()->flush, "none") == 0)
			d->cpu_note = pmem2_persist_info()->cpu_note;
		return;
	}
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
		/* the bus, for the words of an ADR decision only (a failed
		 * read changes nothing) */
		if (!eadr && pmem2_region_provider(&d->region, d->bus_provider,
						   sizeof(d->bus_provider)) < 0)
			d->bus_provider[0] = '\0';
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

/* the words for a CXL region and for volatile memory */
#define CXL_GPF_NOTE                                                           \
	" (CXL Global Persistent Flush does not tell software whether CPU "    \
	"caches are written back on power loss, so the kernel never calls a "  \
	"CXL region cpu_cache)"
#define VOLATILE_TEXT                                                          \
	"the device DAX is volatile memory, not on an NVDIMM region: its "     \
	"contents do not survive power loss or reboot; the persist "           \
	"functions write stores back from CPU caches to the memory, nothing "  \
	"more (it comes from %s)"

static bool is_cxl(const struct gran_decision *d)
{
	return d->has_region && strcmp(d->bus_provider, "CXL") == 0;
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
		char name[REGION_NAME_MAX + 24];
		if (is_cxl(d))
			snprintf(name, sizeof(name), "%s (CXL bus)",
				 d->region.name);
		else
			snprintf(name, sizeof(name), "%s", d->region.name);
		if (d->persistence_domain[0])
			snprintf(buf, len, "%s persistence_domain is %s", name,
				 d->persistence_domain);
		else
			snprintf(buf, len, "%s reports no persistence_domain",
				 name);
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
			 "flushed from CPU caches%s%s%s",
			 g, what, is_cxl(d) ? CXL_GPF_NOTE : "",
			 d->cpu_note ? "; but " : "",
			 d->cpu_note ? d->cpu_note : "");
		return;
	case GRAN_WHY_VOLATILE:
		snprintf(buf, len, "%s: " VOLATILE_TEXT "%s%s", g,
			 d->volatile_origin, d->cpu_note ? "; but " : "",
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
			"is not eADR (%s)%s, so stores must be flushed from "
			"CPU caches; require CACHE_LINE and persist with "
			"pmem2_get_persist_fn",
			req, avail, why, is_cxl(d) ? CXL_GPF_NOTE : "");
		return;
	case GRAN_WHY_VOLATILE:
		err_set("required %s but only %s is available: " VOLATILE_TEXT
			"; nothing on it is persistent whatever the "
			"granularity: require CACHE_LINE, or set %s=BYTE to "
			"skip the cache flushes",
			req, avail, d->volatile_origin, FORCE_ENV);
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
