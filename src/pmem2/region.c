/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * region.c -- find the NVDIMM region (and namespace) behind a source by
 * reading sysfs, without root and without libndctl.
 *
 * The device of a source is a sysfs link: /sys/dev/block/M:m for the block
 * device holding a regular file, /sys/dev/char/M:m for a Device DAX.
 * Resolving it gives the device's place in the device tree, where the
 * libnvdimm objects appear as path components: ".../ndbus0/region1/
 * namespace1.0/block/pmem1" or ".../ndbus0/region0/dax0.0/dax/dax0.0".
 * Only the components are trusted, not the exact shape of the path, which
 * differs between kernels, buses (ACPI NFIT, e820, virtio-pmem, CXL) and
 * namespace modes -- with one rule: libnvdimm makes every region a child
 * of its bus, so a "regionN" counts only right below an "ndbusN". A CXL
 * region is also named "regionN" (on the cxl bus, numbered on its own);
 * a device DAX made from a CXL RAM region sits below one
 * (".../decoder0.0/region0/dax_region0/dax0.0") and must not be taken
 * for the unrelated nvdimm region0.
 *
 * A source that is not on any region (tmpfs, a disk, anonymous memory, a
 * device DAX of volatile memory) is an ordinary situation, answered
 * quietly with 1; pmem2_devdax_origin says where such a device DAX comes
 * from.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "core/err.h"
#include "core/sysfs.h"
#include "region.h"
#include "source.h"

/* Does comp read "<prefix><digits>" (or "<prefix><digits>.<digits>")? */
static bool numbered(const char *comp, size_t clen, const char *prefix,
		     bool dotted)
{
	size_t plen = strlen(prefix), i = plen;
	bool dot = false;

	if (clen <= plen || strncmp(comp, prefix, plen) != 0)
		return false;
	if (!isdigit((unsigned char)comp[i]))
		return false;
	for (; i < clen; i++) {
		if (isdigit((unsigned char)comp[i]))
			continue;
		if (comp[i] == '.' && dotted && !dot && i + 1 < clen &&
		    isdigit((unsigned char)comp[i + 1])) {
			dot = true;
			continue;
		}
		return false;
	}
	return dotted == dot;
}

/* The next component of a path at *p (moved past it): false at the end. */
static bool next_comp(const char **p, const char **comp, size_t *len)
{
	while (**p == '/')
		(*p)++;
	if (!**p)
		return false;
	*comp = *p;
	*len = strcspn(*p, "/");
	*p += *len;
	return true;
}

static void copy_comp(char *dst, size_t dlen, const char *comp, size_t clen)
{
	if (clen >= dlen)
		clen = dlen - 1;
	memcpy(dst, comp, clen);
	dst[clen] = '\0';
}

/*
 * The namespace of a btt/pfn/dax device (the object between a region and a
 * block or dax device in some modes) is in its "namespace" attribute. This
 * is optional information: a failure leaves the namespace unknown.
 */
static void namespace_of(const char *dev, char *ns, size_t nslen)
{
	char path[PATH_MAX], buf[REGION_NAME_MAX];

	if ((size_t)snprintf(path, sizeof(path),
			     "/sys/bus/nd/devices/%s/"
			     "namespace",
			     dev) >= sizeof(path))
		return;
	int n = sysfs_read(path, buf, sizeof(buf));
	if (n <= 0 || !numbered(buf, (size_t)n, "namespace", true))
		return;
	copy_comp(ns, nslen, buf, (size_t)n);
}

/* Fill *r from a resolved /sys/devices/... path. 1: no region in it. */
static int parse_device_path(const char *real, bool want_block,
			     struct pmem2_region *r)
{
	const char *p = real;
	const char *after_region = NULL, *after_block = NULL;
	const char *bus = NULL;
	size_t after_region_len = 0, after_block_len = 0, bus_len = 0;
	bool prev_region = false, prev_block = false;

	const char *comp;
	size_t len;
	while (next_comp(&p, &comp, &len)) {

		if (prev_region) {
			after_region = comp;
			after_region_len = len;
		}
		if (prev_block && !after_block) {
			after_block = comp;
			after_block_len = len;
		}
		bool under_bus = bus && bus + bus_len + 1 == comp;
		prev_region = prev_block = false;

		if (numbered(comp, len, "ndbus", false)) {
			bus = comp;
			bus_len = len;
		} else if (under_bus && numbered(comp, len, "region", false)) {
			/* the deepest region is the one that counts */
			copy_comp(r->name, sizeof(r->name), comp, len);
			copy_comp(r->bus, sizeof(r->bus), bus, bus_len);
			r->namespace[0] = '\0';
			after_region = after_block = NULL;
			prev_region = true;
		} else if (r->name[0] &&
			   numbered(comp, len, "namespace", true)) {
			copy_comp(r->namespace, sizeof(r->namespace), comp,
				  len);
		} else if (len == 5 && strncmp(comp, "block", 5) == 0) {
			prev_block = true;
		}
	}
	if (!r->name[0])
		return 1;

	if (!r->namespace[0] && after_region &&
	    (numbered(after_region, after_region_len, "dax", true) ||
	     numbered(after_region, after_region_len, "pfn", true) ||
	     numbered(after_region, after_region_len, "btt", true))) {
		char dev[REGION_NAME_MAX];
		copy_comp(dev, sizeof(dev), after_region, after_region_len);
		namespace_of(dev, r->namespace, sizeof(r->namespace));
	}
	/* ".../block/pmem1" or, for a partition, ".../block/pmem1/pmem1p1":
	 * the component right after "block" is the whole disk */
	if (want_block && after_block)
		copy_comp(r->blockdev, sizeof(r->blockdev), after_block,
			  after_block_len);
	return 0;
}

int pmem2_region_and_device_of_source(const struct pmem2_source *src,
				      struct pmem2_region *r,
				      char real[PATH_MAX])
{
	char link[96];
	bool block;

	memset(r, 0, sizeof(*r));
	real[0] = '\0';
	if (src->type != PMEM2_SOURCE_FD)
		return 1;
	if (src->ftype == PMEM2_FTYPE_REG) {
		snprintf(link, sizeof(link), "/sys/dev/block/%u:%u",
			 major(src->st_dev), minor(src->st_dev));
		block = true;
	} else if (src->ftype == PMEM2_FTYPE_DEVDAX) {
		snprintf(link, sizeof(link), "/sys/dev/char/%u:%u",
			 major(src->st_rdev), minor(src->st_rdev));
		block = false;
	} else {
		return 1;
	}

	int ret = sysfs_realpath(link, real, PATH_MAX);
	if (ret == -ENOENT || ret == -ENOTDIR)
		return 1; /* tmpfs, overlayfs, ...: no device in sysfs */
	if (ret) {
		err_set_errno(-ret,
			      "cannot resolve %s to find the NVDIMM "
			      "region of the source",
			      link);
		return ret;
	}

	ret = parse_device_path(real, block, r);
	if (ret) {
		memset(r, 0, sizeof(*r));
		real[0] = '\0';
		return ret;
	}
	return 0;
}

int pmem2_region_of_source(const struct pmem2_source *src,
			   struct pmem2_region *r)
{
	char sysdev[PATH_MAX];

	return pmem2_region_and_device_of_source(src, r, sysdev);
}

int pmem2_region_attr(const struct pmem2_region *r, const char *attr, char *buf,
		      size_t len)
{
	char path[PATH_MAX];

	if (!r->name[0])
		return -ENOENT;
	if ((size_t)snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s/%s",
			     r->name, attr) >= sizeof(path))
		return -ENAMETOOLONG;
	return sysfs_read(path, buf, len);
}

int pmem2_region_provider(const struct pmem2_region *r, char *buf, size_t len)
{
	char path[PATH_MAX];

	if (!r->bus[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s/provider", r->bus);
	return sysfs_read(path, buf, len);
}

bool pmem2_region_is_eadr(const struct pmem2_region *r, char *domain,
			  size_t domlen)
{
	char buf[64];

	int n = r ? pmem2_region_attr(r, "persistence_domain", buf, sizeof(buf))
		  : -ENOENT;
	if (n < 0)
		buf[0] = '\0';
	if (domain && domlen)
		snprintf(domain, domlen, "%s", buf);
	return n >= 0 && strcmp(buf, "cpu_cache") == 0;
}

bool pmem2_all_regions_eadr(void)
{
	DIR *d;
	struct dirent *e;
	unsigned regions = 0;
	bool all = true;

	if (sysfs_opendir("/sys/bus/nd/devices", &d))
		return false;
	while (all && (e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (!numbered(e->d_name, len, "region", false))
			continue;
		struct pmem2_region r;
		memset(&r, 0, sizeof(r));
		copy_comp(r.name, sizeof(r.name), e->d_name, len);
		regions++;
		if (!pmem2_region_is_eadr(&r, NULL, 0))
			all = false;
	}
	closedir(d);
	return all && regions > 0;
}

/* ---- device DAX without an NVDIMM region ---- */

int pmem2_devdax_origin(dev_t rdev, struct pmem2_dax_origin *o)
{
	char link[64], real[PATH_MAX], path[PATH_MAX + 8];
	struct pmem2_region r;

	memset(o, 0, sizeof(*o));
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u", major(rdev),
		 minor(rdev));
	int ret = sysfs_realpath(link, real, sizeof(real));
	if (ret) {
		err_set_errno(-ret,
			      "cannot resolve %s to find where the device "
			      "DAX comes from",
			      link);
		return ret;
	}
	const char *base = strrchr(real, '/');
	copy_comp(o->dax, sizeof(o->dax), base + 1, strlen(base + 1));

	memset(&r, 0, sizeof(r));
	if (parse_device_path(real, false, &r) == 0) {
		o->kind = DAX_ORIGIN_ND;
		copy_comp(o->parent, sizeof(o->parent), r.name, strlen(r.name));
		return 0;
	}

	/* walk the components: the CXL region above a dax_region, an hmem
	 * platform device, else the dax device's parent */
	const char *p = real, *prev = NULL, *parent = NULL;
	size_t prev_len = 0, parent_len = 0;
	o->kind = DAX_ORIGIN_OTHER;
	const char *comp;
	size_t len;
	while (next_comp(&p, &comp, &len)) {
		if (comp == base + 1) {
			parent = prev;
			parent_len = prev_len;
		}
		if (numbered(comp, len, "dax_region", false) && prev &&
		    numbered(prev, prev_len, "region", false)) {
			o->kind = DAX_ORIGIN_CXL;
			copy_comp(o->parent, sizeof(o->parent), prev, prev_len);
			/* the region's directory: the path up to prev */
			snprintf(path, sizeof(path), "%.*s/mode",
				 (int)(prev + prev_len - real), real);
		} else if (o->kind == DAX_ORIGIN_OTHER &&
			   numbered(comp, len, "hmem.", false)) {
			o->kind = DAX_ORIGIN_HMEM;
			copy_comp(o->parent, sizeof(o->parent), comp, len);
		}
		prev = comp;
		prev_len = len;
	}
	if (o->kind == DAX_ORIGIN_OTHER && parent)
		copy_comp(o->parent, sizeof(o->parent), parent, parent_len);
	if (o->kind == DAX_ORIGIN_CXL &&
	    sysfs_read(path, o->mode, sizeof(o->mode)) < 0)
		o->mode[0] = '\0'; /* no "mode" before Linux 6.3 */
	return 0;
}

void pmem2_dax_origin_describe(const struct pmem2_dax_origin *o, char *buf,
			       size_t len)
{
	switch (o->kind) {
	case DAX_ORIGIN_ND:
		snprintf(buf, len, "NVDIMM region %s", o->parent);
		return;
	case DAX_ORIGIN_CXL:
		if (o->mode[0])
			snprintf(buf, len, "CXL region %s (mode %s)", o->parent,
				 o->mode);
		else
			snprintf(buf, len, "CXL region %s", o->parent);
		return;
	case DAX_ORIGIN_HMEM:
		snprintf(buf, len,
			 "%s (soft reserved memory: EFI specific-purpose or "
			 "CXL memory the firmware set aside)",
			 o->parent);
		return;
	case DAX_ORIGIN_OTHER:
		snprintf(buf, len, "%s (no NVDIMM namespace)",
			 o->parent[0] ? o->parent : "an unknown device");
		return;
	}
	snprintf(buf, len, "?");
}
