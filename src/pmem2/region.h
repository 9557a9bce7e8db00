/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * region.h -- which NVDIMM region (and namespace) backs a source, read
 * from sysfs without root and without libndctl, and where a device DAX
 * that has no NVDIMM region comes from.
 *
 * A regular file's st_dev is a block device /sys/dev/block/M:m; a device
 * DAX's st_rdev is /sys/dev/char/M:m. Resolving either link gives a path
 * like /sys/devices/.../ndbus0/region1/namespace1.0/... ; the "regionN"
 * component right below an "ndbusN" names the region (libnvdimm creates
 * every region as a child of its bus; a CXL region, also called
 * "regionN", lives on the cxl bus and is not one). Everything the library
 * says about a region (persistence domain, deep flush, numa node, DIMMs,
 * bad blocks) is read under /sys/bus/nd/devices/regionN/, and the bus's
 * provider ("ACPI.NFIT", "CXL", "e820", ...) under
 * /sys/bus/nd/devices/ndbusN/provider.
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
	char bus[REGION_NAME_MAX];	 /* "ndbus0": its nvdimm bus */
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
int pmem2_region_attr(const struct pmem2_region *r, const char *attr, char *buf,
		      size_t len);

/* The provider of the region's nvdimm bus ("CXL", "ACPI.NFIT", ...):
 * /sys/bus/nd/devices/ndbusN/provider. The length read, or -errno. */
int pmem2_region_provider(const struct pmem2_region *r, char *buf, size_t len);

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

/*
 * Where a device DAX comes from, from its place in the device tree
 * (/sys/dev/char/M:m resolved):
 *   ND    .../ndbusN/regionN/daxN.M/daxN.M: an NVDIMM namespace in devdax
 *         mode -- persistent memory, described by the region;
 *   CXL   .../decoderX.Y/regionZ/dax_regionZ/daxZ.M: a CXL region (its
 *         "mode" attribute says "ram"; pmem regions go through libnvdimm
 *         and are ND) -- volatile memory;
 *   HMEM  /sys/devices/platform/hmem.N/daxN.M: "soft reserved" memory
 *         (EFI_MEMORY_SP, e.g. HBM, or CXL memory the firmware set aside)
 *         -- volatile memory;
 *   OTHER anything else that is not under an nvdimm bus -- the kernel
 *         does not know it as persistent memory either.
 * Only ND memory is persistent: libnvdimm is the only kernel subsystem
 * that offers persistent memory as a device DAX.
 */
enum pmem2_dax_kind {
	DAX_ORIGIN_ND,
	DAX_ORIGIN_CXL,
	DAX_ORIGIN_HMEM,
	DAX_ORIGIN_OTHER,
};

struct pmem2_dax_origin {
	enum pmem2_dax_kind kind;
	char dax[REGION_NAME_MAX];    /* "dax0.0" */
	char parent[REGION_NAME_MAX]; /* "region0" (CXL), "hmem.0", ... */
	char mode[16];		      /* a CXL region's mode ("ram"), or "" */
};

/*
 * The origin of a device DAX (rdev: its character device). Returns 0 and
 * fills *o; -errno or a PMEM2_E_* code (with a message) when sysfs could
 * not be read. A CXL region without a readable "mode" (kernels before
 * 6.3) gives mode "".
 */
int pmem2_devdax_origin(dev_t rdev, struct pmem2_dax_origin *o);

/* "CXL region region0 (mode ram)", "hmem.0 (soft reserved memory)", ... */
void pmem2_dax_origin_describe(const struct pmem2_dax_origin *o, char *buf,
			       size_t len);

#endif
