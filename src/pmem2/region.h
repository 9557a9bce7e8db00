/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * region.h -- which NVDIMM region (and namespace) backs a source, read
 * from sysfs without root and without libndctl.
 *
 * A regular file's st_dev is a block device /sys/dev/block/M:m; a device
 * DAX's st_rdev is /sys/dev/char/M:m. Resolving either link gives a path
 * like /sys/devices/.../ndbus0/region1/namespace1.0/... ; the "regionN"
 * component names the region. Everything the library says about a region
 * (persistence domain, deep flush, numa node, DIMMs, bad blocks) is read
 * under /sys/bus/nd/devices/regionN/.
 */
#ifndef PMEM2_REGION_H
#define PMEM2_REGION_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pmem2_source;

#define REGION_NAME_MAX 64

/* Names only (small: a copy lives in every map's granularity record). The
 * device's sysfs path, which deep PCI/CXL topologies make long, is asked
 * for separately, into a PATH_MAX buffer. */
struct pmem2_region {
	char name[REGION_NAME_MAX];	 /* "region1" */
	char namespace[REGION_NAME_MAX]; /* "namespace1.0", may be "" */
	char blockdev[REGION_NAME_MAX];	 /* "pmem1" for fsdax, else "" */
};

/*
 * Find the region backing src. Returns 0 and fills *r; 1 when the source is
 * not backed by any NVDIMM region (a plain disk, tmpfs, anon); -errno or a
 * PMEM2_E_* code (with a message) when sysfs could not be read.
 */
int pmem2_region_of_source(const struct pmem2_source *src,
			   struct pmem2_region *r);
/* The same, and (on 0) the resolved /sys/devices/... path of the source's
 * device in sysdev. PATH_MAX, the limit of every sysfs access, is the only
 * limit on its length. */
int pmem2_region_and_device_of_source(const struct pmem2_source *src,
				      struct pmem2_region *r,
				      char sysdev[PATH_MAX]);

/* Read an attribute of the region: /sys/bus/nd/devices/<name>/<attr>.
 * Returns the length read or -errno. */
int pmem2_region_attr(const struct pmem2_region *r, const char *attr,
		      char *buf, size_t len);

/* Is the region eADR (its persistence_domain reads "cpu_cache")? The
 * domain read goes to domain ("" when unknown or absent). */
bool pmem2_region_is_eadr(const struct pmem2_region *r, char *domain,
			  size_t domlen);

/*
 * The platform-wide eADR fallback, used only when the region backing a
 * source cannot be found: true iff /sys/bus/nd/devices holds at least one
 * regionN and every one of them has a persistence_domain reading
 * "cpu_cache". Any read error, or no region at all, gives false.
 */
bool pmem2_all_regions_eadr(void);

#endif
