/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usc.c -- identity and health of the hardware behind a source: the ids of
 * the NVDIMMs (DIMMs) that make up its region, their unsafe shutdown count
 * and the region's NUMA node.
 *
 * Everything is read from world-readable sysfs attributes, so it works
 * without root and without libndctl:
 *   /sys/bus/nd/devices/regionN/mappingK  "nmemX,offset,length,position"
 *   /sys/bus/nd/devices/nmemX/nfit/id     (else nmemX/id)
 *   /sys/bus/nd/devices/nmemX/nfit/dirty_shutdown
 *   /sys/bus/nd/devices/regionN/numa_node
 * When something is missing the caller learns why (not on pmem at all, a
 * region without DIMMs, a DIMM that does not count unsafe shutdowns), since
 * "unsupported here" and "failed" call for different reactions.
 *
 * Device id format: the ids of the region's DIMMs in mapping order, joined
 * with ',' (PMDK joins them with no delimiter). A single-DIMM region gives
 * the same id as PMDK.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/os.h"
#include "core/sysfs.h"
#include "core/util.h"
#include "region.h"
#include "source.h"

#define DEVICE_ID_DELIM ','
#define MAX_MAPPINGS 4096 /* a sanity bound on mappingK */

/*
 * The region behind src, for a feature named `what`. Anonymous memory and
 * files not on an NVDIMM region give `not_found` with a message.
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
	if (ret < 0)
		return ret;
	if (ret > 0) {
		err_set("the file is not on persistent memory (no NVDIMM "
			"region backs it), so it has no %s",
			what);
		return not_found;
	}
	return 0;
}

typedef int (*dimm_cb)(const char *nmem, void *arg);

/* Call cb for each DIMM of the region, in mapping order. */
static int for_each_dimm(const struct pmem2_region *r, const char *what,
			 dimm_cb cb, void *arg)
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

/* ---- device id ---- */

struct id_acc {
	char *out;    /* NULL: only measure */
	size_t cap;   /* bytes available in out */
	size_t total; /* bytes needed so far, without the NUL */
};

static int id_cb(const char *nmem, void *arg)
{
	struct id_acc *a = arg;
	char path[PATH_MAX], *id = NULL;

	/* the whole id, however long: a shortened id would name another
	 * device (nothing in sysfs bounds its length below a page) */
	snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s/nfit/id", nmem);
	int n = sysfs_read_alloc(path, &id);
	if (n == -ENOENT) {
		snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s/id", nmem);
		n = sysfs_read_alloc(path, &id);
	}
	if (n == -ENOENT) {
		err_set("%s exposes no id (neither nfit/id nor id in "
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
		os_free(id);
		err_set("%s is empty, so the device id is unknown", path);
		return PMEM2_E_NOSUPP;
	}

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
	ret = for_each_dimm(&r, "device id", id_cb, &a);
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

static int usc_cb(const char *nmem, void *arg)
{
	uint64_t *sum = arg, v;
	char path[PATH_MAX], text[SYSFS_NUM_TEXT];

	snprintf(path, sizeof(path),
		 "/sys/bus/nd/devices/%s/nfit/dirty_shutdown", nmem);
	int ret = sysfs_read_u64(path, &v, text);
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
	if (__builtin_add_overflow(*sum, v, sum)) {
		err_set("the unsafe shutdown counts of the DIMMs overflow "
			"64 bits (%s holds %s)",
			path, text);
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
	ret = for_each_dimm(&r, "unsafe shutdown count", usc_cb, &sum);
	if (ret)
		return ret;
	*usc = sum;
	return 0;
}
EXPORT_V1_V2(pmem2_source_device_usc);

/* ---- NUMA node ---- */

int pmem2_source_numa_node(const struct pmem2_source *src, int *numa_node)
{
	struct pmem2_region r;
	char path[PATH_MAX], text[SYSFS_NUM_TEXT];
	int64_t v;

	int ret = source_region(src, "NUMA node", PMEM2_E_DAX_REGION_NOT_FOUND,
				&r);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s/numa_node",
		 r.name);
	ret = sysfs_read_s64(path, &v, text);
	if (ret == -ENOENT) {
		err_set("%s exposes no numa_node attribute (kernel without "
			"NUMA support?)",
			r.name);
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
