/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usc.c -- identity and health of the hardware behind a source: the ids of
 * the NVDIMMs (DIMMs) that make up its region, their unsafe shutdown count
 * and the region's NUMA node.
 *
 * Everything is read from world-readable sysfs attributes, so it works
 * without root and without libndctl:
 *   /sys/bus/nd/devices/regionN/mappingK  "nmemX,offset,length,position"
 *   /sys/bus/nd/devices/nmemX/nfit/id     (ACPI NFIT)
 *   /sys/bus/nd/devices/nmemX/cxl/id      (CXL: the serial, in decimal)
 *   /sys/bus/nd/devices/nmemX/id          (anything else that has one)
 *   /sys/bus/nd/devices/nmemX/{nfit,cxl,papr}/dirty_shutdown
 *   /sys/bus/nd/devices/regionN/numa_node
 * A CXL memory device is an nvdimm like any other on its own "CXL" bus,
 * so an interleaved CXL region (several memory devices) combines its ids
 * and counts exactly as an NVDIMM interleave set does. Its dirty shutdown
 * count exists since Linux 6.15, and only when the device arms shutdown
 * tracking (Global Persistent Flush and health support); without it the
 * count is "not supported", and the message says which of the two.
 *
 * A device DAX that is not on any NVDIMM region (a CXL RAM region, hmem)
 * is volatile memory: it has no device id or unsafe shutdown count (the
 * message says where it comes from), and its NUMA node is the dax
 * device's own numa_node attribute.
 *
 * When something is missing the caller learns why (not on pmem at all, a
 * region without DIMMs, a DIMM that does not count unsafe shutdowns), since
 * "unsupported here" and "failed" call for different reactions. Attributes
 * are read whole (sysfs_read_alloc): an id is never cut to a buffer's size.
 *
 * Device id format: the ids of the region's DIMMs in mapping order, joined
 * with ',' (PMDK joins them with no delimiter), each exactly as the kernel
 * prints it. A single-DIMM region gives the same id as PMDK (which asks
 * libndctl, which reads the same attributes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "core/err.h"
#include "core/os.h"
#include "core/sysfs.h"
#include "core/util.h"
#include "region.h"
#include "source.h"
#include "usc.h"

#define DEVICE_ID_DELIM ','
#define MAX_MAPPINGS 4096 /* a sanity bound on mappingK */
#define NMEM "/sys/bus/nd/devices/%s/"

/*
 * The region behind src, for a feature named `what`. Anonymous memory,
 * files not on an NVDIMM region and device DAX of volatile memory give
 * `not_found` with a message.
 */
static int source_region(const struct pmem2_source *src, const char *what,
			 int not_found, struct pmem2_region *r)
{
	if (src->type == PMEM2_SOURCE_ANON) {
		err_set("the source is anonymous memory, which has no %s",
			what);
		return PMEM2_E_NOSUPP;
	}
	int ret = pmem2_region_of_source(src, r);
	if (ret <= 0)
		return ret;

	struct pmem2_dax_origin o;
	if (src->ftype == PMEM2_FTYPE_DEVDAX &&
	    pmem2_devdax_origin(src->st_rdev, &o) == 0) {
		char from[160];
		pmem2_dax_origin_describe(&o, from, sizeof(from));
		err_set("device DAX %s comes from %s: volatile memory, not on "
			"an NVDIMM region, so it has no %s",
			o.dax, from, what);
	} else {
		err_set("the file is not on persistent memory (no NVDIMM "
			"region backs it), so it has no %s",
			what);
	}
	return not_found;
}

int pmem2_region_for_each_dimm(const struct pmem2_region *r, const char *what,
			       pmem2_dimm_cb cb, void *arg)
{
	char attr[32], buf[128];
	unsigned k;

	for (k = 0; k < MAX_MAPPINGS; k++) {
		snprintf(attr, sizeof(attr), "mapping%u", k);
		int n = pmem2_region_attr(r, attr, buf, sizeof(buf));
		if (n == -ENOENT)
			break;
		if (n == -EOVERFLOW) {
			err_set("/sys/bus/nd/devices/%s/%s holds more than %zu "
				"bytes, not \"nmemX,offset,length,position\"",
				r->name, attr, sizeof(buf) - 1);
			return PMEM2_E_INVALID_DEV_FORMAT;
		}
		if (n < 0) {
			err_set_errno(-n,
				      "cannot read /sys/bus/nd/devices/"
				      "%s/%s",
				      r->name, attr);
			return n;
		}
		size_t len = strcspn(buf, ",");
		if (len == 0 || buf[len] != ',' || memchr(buf, '/', len) ||
		    len >= REGION_NAME_MAX) {
			err_set("/sys/bus/nd/devices/%s/%s holds \"%s\", not "
				"\"nmemX,offset,length,position\"",
				r->name, attr, buf);
			return PMEM2_E_INVALID_DEV_FORMAT;
		}
		buf[len] = '\0';
		int ret = cb(buf, arg);
		if (ret)
			return ret;
	}
	if (k == 0) {
		err_set("%s lists no DIMMs (no mapping0 attribute: a "
			"virtio-pmem or memory-backed region?), so there is no "
			"%s",
			r->name, what);
		return PMEM2_E_NOSUPP;
	}
	return 0;
}

/* Is nmem a DIMM of a CXL bus (it has the cxl/ attribute group)? */
static bool is_cxl_dimm(const char *nmem)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), NMEM "cxl/id", nmem);
	return sysfs_access(path) == 0;
}

/* ---- device id ---- */

struct id_acc {
	char *out;    /* NULL: only measure */
	size_t cap;   /* bytes available in out */
	size_t total; /* bytes needed so far, without the NUL */
};

/* the whole id of one DIMM: the length and *id (os_free it), or an error
 * with a message */
static int dimm_id(const char *nmem, char **id)
{
	static const char *const attrs[] = {"nfit/id", "cxl/id", "id"};
	char path[PATH_MAX];
	int n = -ENOENT;

	for (size_t i = 0; i < ARRAY_SIZE(attrs) && n == -ENOENT; i++) {
		snprintf(path, sizeof(path), NMEM "%s", nmem, attrs[i]);
		n = sysfs_read_alloc(path, id);
	}
	if (n == -ENOENT) {
		err_set("%s exposes no id (none of nfit/id, cxl/id, id in "
			"/sys/bus/nd/devices/%s), so the device id is unknown "
			"(emulated NVDIMM?)",
			nmem, nmem);
		return PMEM2_E_NOSUPP;
	}
	if (n == -ENOMEM) {
		err_set_errno(ENOMEM, "cannot allocate a buffer for %s", path);
		return -ENOMEM;
	}
	if (n == -EOVERFLOW) {
		err_set("%s holds more than %zu bytes: not a device id", path,
			SYSFS_READ_ALLOC_MAX);
		return PMEM2_E_INVALID_DEV_FORMAT;
	}
	if (n < 0) {
		err_set_errno(-n, "cannot read %s", path);
		return n;
	}
	if (n == 0) {
		os_free(*id);
		*id = NULL;
		err_set("%s is empty, so the device id is unknown", path);
		return PMEM2_E_NOSUPP;
	}
	return n;
}

static int id_cb(const char *nmem, void *arg)
{
	struct id_acc *a = arg;
	char *id;

	int n = dimm_id(nmem, &id);
	if (n < 0)
		return n;
	size_t need = (a->total ? 1 : 0) + (size_t)n;
	if (a->out && a->total + need < a->cap) {
		char *p = a->out + a->total;
		if (a->total)
			*p++ = DEVICE_ID_DELIM;
		memcpy(p, id, (size_t)n + 1);
	}
	a->total += need;
	os_free(id);
	return 0;
}

int pmem2_source_device_id(const struct pmem2_source *src, char *id,
			   size_t *len)
{
	struct pmem2_region r;
	struct id_acc a = {NULL, 0, 0};

	int ret = source_region(src, "device id", PMEM2_E_NOSUPP, &r);
	if (ret)
		return ret;

	if (id) {
		if (*len == 0) {
			err_set("the id buffer has length 0; call with id == "
				"NULL first to learn the length needed");
			return PMEM2_E_BUFFER_TOO_SMALL;
		}
		a.out = id;
		a.cap = *len;
	}
	ret = pmem2_region_for_each_dimm(&r, "device id", id_cb, &a);
	if (ret) {
		if (id)
			id[0] = '\0';
		return ret;
	}
	if (!id) {
		*len = a.total + 1;
		return 0;
	}
	if (a.total + 1 > *len) {
		id[0] = '\0';
		err_set("the id buffer of %zu bytes is too small: the device "
			"id of %s needs %zu bytes including the terminating "
			"NUL",
			*len, r.name, a.total + 1);
		return PMEM2_E_BUFFER_TOO_SMALL;
	}
	return 0;
}
EXPORT_V1_V2(pmem2_source_device_id);

/* ---- unsafe shutdown count ---- */

int pmem2_dimm_usc(const char *nmem, uint64_t *usc)
{
	static const char *const attrs[] = {"nfit/dirty_shutdown",
					    "cxl/dirty_shutdown",
					    "papr/dirty_shutdown"};
	char path[PATH_MAX], text[SYSFS_NUM_TEXT];
	int ret = -ENOENT;

	for (size_t i = 0; i < ARRAY_SIZE(attrs) && ret == -ENOENT; i++) {
		snprintf(path, sizeof(path), NMEM "%s", nmem, attrs[i]);
		ret = sysfs_read_u64(path, usc, text);
	}
	if (ret == -ENOENT && is_cxl_dimm(nmem)) {
		err_set("%s is a CXL memory device without "
			"cxl/dirty_shutdown: the kernel is older than 6.15, "
			"or the device lacks the Global Persistent Flush and "
			"health support the kernel needs to count dirty "
			"shutdowns, so the unsafe shutdown count is unknown",
			nmem);
		return PMEM2_E_NOSUPP;
	}
	if (ret == -ENOENT) {
		err_set("%s exposes no dirty_shutdown count (emulated "
			"NVDIMM?), so the unsafe shutdown count is unknown",
			nmem);
		return PMEM2_E_NOSUPP;
	}
	if (ret == SYSFS_E_NOT_NUMBER && text[0] == '-') {
		err_set("%s reports an unknown dirty shutdown count (%s)", nmem,
			text);
		return PMEM2_E_NOSUPP;
	}
	if (ret == SYSFS_E_NOT_NUMBER) {
		err_set("%s holds \"%s\", not a count", path, text);
		return PMEM2_E_INVALID_DEV_FORMAT;
	}
	if (ret < 0) {
		err_set_errno(-ret, "cannot read %s", path);
		return ret;
	}
	return 0;
}

static int usc_cb(const char *nmem, void *arg)
{
	uint64_t *sum = arg, v;

	int ret = pmem2_dimm_usc(nmem, &v);
	if (ret)
		return ret;
	if (__builtin_add_overflow(*sum, v, sum)) {
		err_set("the unsafe shutdown counts of the DIMMs overflow "
			"64 bits (%s counts %llu)",
			nmem, (unsigned long long)v);
		return PMEM2_E_INVALID_DEV_FORMAT;
	}
	return 0;
}

int pmem2_source_device_usc(const struct pmem2_source *src, uint64_t *usc)
{
	struct pmem2_region r;
	uint64_t sum = 0;

	int ret =
		source_region(src, "unsafe shutdown count", PMEM2_E_NOSUPP, &r);
	if (ret)
		return ret;
	ret = pmem2_region_for_each_dimm(&r, "unsafe shutdown count", usc_cb,
					 &sum);
	if (ret)
		return ret;
	*usc = sum;
	return 0;
}
EXPORT_V1_V2(pmem2_source_device_usc);

/* ---- CXL memory devices ---- */

int pmem2_dimm_cxl_memdev(const char *nmem, char *memdev, size_t mlen,
			  char *serial, size_t slen)
{
	char path[PATH_MAX], real[PATH_MAX], provider[REGION_NAME_MAX];

	memdev[0] = serial[0] = '\0';
	snprintf(path, sizeof(path), NMEM "cxl/provider", nmem);
	int ret = sysfs_read(path, provider, sizeof(provider));
	if (ret == -ENOENT || ret == -ENOTDIR)
		return 1;
	if (ret >= 0 && (ret == 0 || strchr(provider, '/')))
		ret = -EINVAL;
	if (ret < 0) {
		err_set_errno(-ret, "cannot read the CXL device of %s from %s",
			      nmem, path);
		return ret;
	}
	/* /sys/bus/cxl/devices/pmemY -> .../memY/pmemY */
	snprintf(path, sizeof(path), "/sys/bus/cxl/devices/%s", provider);
	ret = sysfs_realpath(path, real, sizeof(real));
	if (ret) {
		err_set_errno(-ret,
			      "cannot find the CXL memory device of %s: "
			      "resolving %s failed",
			      nmem, path);
		return ret;
	}
	char *slash = strrchr(real, '/');
	*slash = '\0';
	const char *md = strrchr(real, '/');
	snprintf(memdev, mlen, "%s", md ? md + 1 : real);
	/* the serial is shown, not used: "" (unknown) when unreadable */
	if ((size_t)snprintf(path, sizeof(path), "%s/serial", real) >=
		    sizeof(path) ||
	    sysfs_read(path, serial, slen) < 0)
		serial[0] = '\0';
	return 0;
}

/* ---- NUMA node ---- */

int pmem2_source_numa_node(const struct pmem2_source *src, int *numa_node)
{
	struct pmem2_region r;
	char path[PATH_MAX], owner[96], text[SYSFS_NUM_TEXT];
	int64_t v;

	int ret = source_region(src, "NUMA node", PMEM2_E_DAX_REGION_NOT_FOUND,
				&r);
	if (ret == PMEM2_E_DAX_REGION_NOT_FOUND &&
	    src->type == PMEM2_SOURCE_FD && src->ftype == PMEM2_FTYPE_DEVDAX) {
		/* volatile device DAX: the dax device's own node */
		snprintf(owner, sizeof(owner), "device DAX %u:%u",
			 major(src->st_rdev), minor(src->st_rdev));
		snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/numa_node",
			 major(src->st_rdev), minor(src->st_rdev));
	} else if (ret) {
		return ret;
	} else {
		snprintf(owner, sizeof(owner), "%s", r.name);
		snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s/numa_node",
			 r.name);
	}
	ret = sysfs_read_s64(path, &v, text);
	if (ret == -ENOENT) {
		err_set("%s exposes no numa_node attribute (kernel without "
			"NUMA support?)",
			owner);
		return PMEM2_E_NOSUPP;
	}
	/* -1: the region has no NUMA affinity; passed on as it is */
	if (ret == SYSFS_E_NOT_NUMBER ||
	    (ret == 0 && (v < -1 || v > INT_MAX))) {
		err_set("%s holds \"%s\", not a NUMA node number", path, text);
		return PMEM2_E_INVALID_DEV_FORMAT;
	}
	if (ret < 0) {
		err_set_errno(-ret, "cannot read %s", path);
		return ret;
	}
	*numa_node = (int)v;
	return 0;
}
EXPORT_V1_V2(pmem2_source_numa_node);
