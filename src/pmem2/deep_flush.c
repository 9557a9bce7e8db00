/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * deep_flush.c -- pmem2_deep_flush: push a range of a map as far towards
 * the media as the platform allows, beyond what persist guarantees.
 *
 *  - anonymous memory has nowhere to go: PMEM2_E_NOSUPP;
 *  - a regular file (any granularity, fsdax or not): msync of the
 *    page-aligned range; on fsdax the kernel also flushes the NVDIMM
 *    write queues as part of it. Where the CPU has a deeper clean than
 *    the kernel uses (arm64 DC CVADP), a MAP_SYNC map is cleaned with it
 *    first;
 *  - device DAX: flush the CPU caches for the range (on arm64 with
 *    HWCAP2_DCPODP to the point of deep persistence, DC CVADP), fence,
 *    then ask the
 *    backing NVDIMM region to flush its write-pending queues by writing
 *    "1" to /sys/bus/nd/devices/regionN/deep_flush.
 *
 * Differences from PMDK, on purpose:
 *  - a PAGE-granularity map is msync'ed (PMDK does nothing): deep flush is
 *    the one call that can report a writeback error to the caller;
 *  - when the region's deep_flush attribute reads "1" and writing it
 *    fails (typically EACCES for an unprivileged process), the error is
 *    returned; PMDK ignores it. When it reads "0" (no flush hints, as in
 *    QEMU) or does not exist, there is nothing to do and that is success;
 *  - a device DAX not backed by any NVDIMM region (e.g. soft-reserved
 *    memory) gets the CPU cache flush only, and success.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "core/err.h"
#include "core/os.h"
#include "core/sysfs.h"
#include "core/util.h"
#include "map.h"
#include "persist.h"
#include "region.h"

/* msync(MS_SYNC) of the pages holding [ptr, ptr+size), EINTR restarted */
static int deep_flush_msync(void *ptr, size_t size)
{
	size_t pg = (size_t)os_page_size();
	uintptr_t start = align_down((uintptr_t)ptr, pg);
	uintptr_t end = align_up((uintptr_t)ptr + size, pg);
	int ret;

	do {
		ret = os_msync((void *)start, end - start, MS_SYNC);
	} while (ret == -EINTR);
	if (ret) {
		err_set_errno(-ret,
			      "deep flush: msync of [%p, +%zu) failed; the "
			      "data may not be durable, check the file "
			      "system and device",
			      ptr, size);
		return ret;
	}
	return 0;
}

static int deep_flush_devdax(struct pmem2_map *map, void *ptr, size_t size)
{
	struct pmem2_region region;
	char path[PATH_MAX];
	char val[32];
	int ret;

	pmem2_deep_clean(ptr, size); /* DC CVADP where arm64 has it */

	ret = pmem2_region_of_source(&map->source, &region);
	if (ret == 1)
		return 0; /* not on an NVDIMM: the CPU flush was all */
	if (ret < 0) {
		err_append("; deep flush could not find the NVDIMM region "
			   "of the device DAX");
		return ret;
	}

	ret = pmem2_region_attr(&region, "deep_flush", val, sizeof(val));
	if (ret == -ENOENT)
		return 0; /* the region has no flush capability */
	if (ret < 0) {
		err_set_errno(-ret,
			      "deep flush: cannot read "
			      "/sys/bus/nd/devices/%s/deep_flush",
			      region.name);
		return ret;
	}
	if (strcmp(val, "0") == 0)
		return 0; /* no flush hints: ADR covers the write queues */

	snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s/deep_flush",
		 region.name);
	ret = sysfs_write(path, "1");
	if (ret < 0) {
		err_set_errno(-ret,
			      "deep flush: cannot write \"1\" to %s, so the "
			      "write-pending queues of %s were not flushed; "
			      "the process needs write access to that "
			      "attribute (root, or a udev rule)",
			      path, region.name);
		return ret;
	}
	return 0;
}

int pmem2_deep_flush(struct pmem2_map *map, void *ptr, size_t size)
{
	uintptr_t start = (uintptr_t)map->addr;
	uintptr_t p = (uintptr_t)ptr;
	size_t end;

	if (p < start || !add_ok(p, size, &end) ||
	    end > start + map->content_length) {
		err_set("deep flush range [%p, +%zu) is not inside the map "
			"[%p, +%zu); pass a range within the map",
			ptr, size, map->addr, map->content_length);
		return PMEM2_E_DEEP_FLUSH_RANGE;
	}

	if (map->source.type == PMEM2_SOURCE_ANON) {
		err_set("deep flush is not supported for a map of anonymous "
			"memory: it has no persistence domain to flush to");
		return PMEM2_E_NOSUPP;
	}

	if (size == 0)
		return 0;

	/* device DAX has no page cache (msync would fail with EINVAL), at
	 * any granularity */
	if (map->source.ftype == PMEM2_FTYPE_DEVDAX)
		return deep_flush_devdax(map, ptr, size);

	/* a clean deeper than the kernel's own (arm64 DC CVADP) first */
	if (map->gran.map_sync && pmem2_persist_info()->deep_clean)
		pmem2_deep_clean(ptr, size);
	return deep_flush_msync(ptr, size);
}
EXPORT_V1_V2(pmem2_deep_flush);
