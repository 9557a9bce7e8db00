/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * badblock.c -- the bad blocks (poisoned ranges) of a source, as byte
 * ranges of the source itself, and clearing them.
 *
 * The kernel lists known poison in sysfs, without root:
 *  - a pmem block device (fsdax): <disk>/badblocks, lines "sector count" in
 *    512-byte sectors from the start of the disk's data;
 *  - a region: /sys/bus/nd/devices/regionN/badblocks, sectors from the
 *    region's start (its "resource" attribute is the physical address).
 * For a file on fsdax the disk ranges are mapped onto the file through its
 * extents (FS_IOC_FIEMAP), rounded out to the filesystem block; one bad
 * range may touch several extents. For a Device DAX the region ranges are
 * clipped to the device's data, which starts at the dax device's
 * "resource" (after the namespace's info block).
 *
 * The whole list is computed when the context is made, sorted by offset
 * and merged, so iteration is cheap and stable. A source on no NVDIMM
 * region simply has no bad blocks: the context is made and iteration ends
 * at once, quietly.
 *
 * Clearing works for files (punch a hole and allocate it again: the
 * filesystem zeroes the new blocks through the driver, which clears the
 * poison). Clearing on Device DAX needs the ACPI ARS / clear-error
 * commands, which are root-only ndctl territory: PMEM2_E_NOSUPP here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/err.h"
#include "core/os.h"
#include "core/sysfs.h"
#include "core/util.h"
#include "region.h"
#include "source.h"

#define SECTOR 512ULL
#define FIEMAP_BATCH 64

struct pmem2_badblock_context {
	struct pmem2_source src; /* a copy; the fd is not owned */
	struct pmem2_badblock *bbs;
	size_t count, cap, next;
};

/* a byte range of a device */
struct range {
	uint64_t start, end; /* [start, end) */
};

struct range_list {
	struct range *r;
	size_t count, cap;
};

static int range_add(struct range_list *l, uint64_t start, uint64_t end)
{
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct range *n = os_realloc(l->r, cap * sizeof(*n));
		if (!n) {
			err_set_errno(ENOMEM, "cannot allocate the bad block "
					      "list");
			return -ENOMEM;
		}
		l->r = n;
		l->cap = cap;
	}
	l->r[l->count].start = start;
	l->r[l->count].end = end;
	l->count++;
	return 0;
}

static int bb_add(struct pmem2_badblock_context *c, uint64_t off, uint64_t len)
{
	if (c->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct pmem2_badblock *n = os_realloc(c->bbs, cap * sizeof(*n));
		if (!n) {
			err_set_errno(ENOMEM, "cannot allocate the bad block "
					      "list");
			return -ENOMEM;
		}
		c->bbs = n;
		c->cap = cap;
	}
	c->bbs[c->count].offset = (size_t)off;
	c->bbs[c->count].length = (size_t)len;
	c->count++;
	return 0;
}

static int bb_cmp(const void *a, const void *b)
{
	const struct pmem2_badblock *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Sort by offset and merge ranges that overlap or touch. */
static void bb_normalize(struct pmem2_badblock_context *c)
{
	size_t i, out = 0;

	if (!c->count)
		return;
	qsort(c->bbs, c->count, sizeof(*c->bbs), bb_cmp);
	for (i = 1; i < c->count; i++) {
		struct pmem2_badblock *last = &c->bbs[out];
		size_t end = last->offset + last->length;
		if (c->bbs[i].offset <= end) {
			size_t e2 = c->bbs[i].offset + c->bbs[i].length;
			if (e2 > end)
				last->length = e2 - last->offset;
		} else {
			c->bbs[++out] = c->bbs[i];
		}
	}
	c->count = out + 1;
}

/*
 * Read a badblocks attribute into byte ranges [base + sector * 512, ...).
 * Ranges below `lo` or at/after `hi` are clipped away and the rest made
 * relative to lo. 1: the attribute does not exist.
 */
static int read_badblocks(const char *path, uint64_t base, uint64_t lo,
			  uint64_t hi, struct range_list *out)
{
	char *buf = NULL;
	int ret = 0;

	/* the whole list, however long (a page can be 64 KiB on arm64 and
	 * POWER): a shortened list would hide bad blocks */
	int n = sysfs_read_alloc(path, &buf);
	if (n == -ENOENT || n == -ENOTDIR)
		return 1;
	if (n == -ENOMEM) {
		err_set_errno(ENOMEM, "cannot allocate a buffer for %s", path);
		return -ENOMEM;
	}
	if (n == -EOVERFLOW) {
		err_set("the bad block list %s is longer than %zu bytes: not a "
			"list the kernel writes",
			path, SYSFS_READ_ALLOC_MAX);
		return PMEM2_E_INVALID_DEV_FORMAT;
	}
	if (n < 0) {
		err_set_errno(-n, "cannot read the bad block list %s", path);
		return n;
	}

	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long sector, count;
		int used = 0;
		if (sscanf(line, " %llu %llu %n", &sector, &count, &used) !=
			    2 ||
		    line[used] != '\0' || line[0] == '-') {
			err_set("%s holds the line \"%s\", not \"sector "
				"count\"",
				path, line);
			ret = PMEM2_E_INVALID_DEV_FORMAT;
			goto out;
		}
		uint64_t start, len, end;
		if (__builtin_mul_overflow(sector, SECTOR, &start) ||
		    __builtin_mul_overflow(count, SECTOR, &len) ||
		    __builtin_add_overflow(start, base, &start) ||
		    __builtin_add_overflow(start, len, &end)) {
			err_set("%s: the bad range \"%s\" overflows 64 bits",
				path, line);
			ret = PMEM2_E_INVALID_DEV_FORMAT;
			goto out;
		}
		if (start < lo)
			start = lo;
		if (end > hi)
			end = hi;
		if (start >= end)
			continue;
		ret = range_add(out, start - lo, end - lo);
		if (ret)
			goto out;
	}
out:
	os_free(buf);
	return ret;
}

/* Read a numeric attribute; missing_code when it does not exist. */
static int read_u64(const char *path, uint64_t *val, int missing_code,
		    const char *what)
{
	char text[SYSFS_NUM_TEXT];

	int ret = sysfs_read_u64(path, val, text);
	if (ret == -ENOENT || ret == -ENOTDIR) {
		err_set("cannot read %s: %s does not exist", what, path);
		return missing_code;
	}
	if (ret == SYSFS_E_NOT_NUMBER) {
		err_set("%s holds \"%s\", not %s", path, text, what);
		return PMEM2_E_INVALID_DEV_FORMAT;
	}
	if (ret < 0) {
		err_set_errno(-ret, "cannot read %s from %s", what, path);
		return ret;
	}
	return 0;
}

static uint64_t round_down(uint64_t x, uint64_t a)
{
	return x / a * a;
}

/* Map device ranges (relative to the filesystem's block device) onto the
 * file through its extents. */
static int map_onto_file(struct pmem2_badblock_context *c,
			 const struct range_list *bad)
{
	struct stat st;
	struct fiemap *fm;
	uint64_t pos = 0;
	int ret = 0;
	bool last = false;

	ret = os_fstat(c->src.fd, &st);
	if (ret) {
		err_set_errno(-ret,
			      "cannot fstat file descriptor %d of the "
			      "source",
			      c->src.fd);
		return ret;
	}
	uint64_t blk = st.st_blksize > 0 ? (uint64_t)st.st_blksize : SECTOR;

	size_t fmsize = sizeof(*fm) + FIEMAP_BATCH * sizeof(fm->fm_extents[0]);
	fm = os_malloc(fmsize);
	if (!fm) {
		err_set_errno(ENOMEM, "cannot allocate the extent buffer");
		return -ENOMEM;
	}

	while (!last) {
		memset(fm, 0, fmsize);
		fm->fm_start = pos;
		fm->fm_length = FIEMAP_MAX_OFFSET - pos;
		fm->fm_flags = pos ? 0 : FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = FIEMAP_BATCH;
		int e = -os_ioctl(c->src.fd, FS_IOC_FIEMAP, fm);
		if (e) {
			if (e == EOPNOTSUPP || e == ENOTTY) {
				err_set("the filesystem cannot list the "
					"extents of the file (FS_IOC_FIEMAP "
					"unsupported), so its bad blocks "
					"cannot be found");
				ret = PMEM2_E_NOSUPP;
			} else {
				err_set_errno(e, "cannot list the extents of "
						 "the file (FS_IOC_FIEMAP)");
				ret = -e;
			}
			goto out;
		}
		if (fm->fm_mapped_extents == 0)
			break;

		for (unsigned i = 0; i < fm->fm_mapped_extents; i++) {
			struct fiemap_extent *x = &fm->fm_extents[i];
			if (x->fe_flags & FIEMAP_EXTENT_LAST)
				last = true;
			/* no fixed place on the device to compare with */
			if (x->fe_flags &
			    (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_ENCODED))
				continue;
			uint64_t ps = x->fe_physical, pe = ps + x->fe_length;
			for (size_t b = 0; b < bad->count; b++) {
				uint64_t s = MAX(bad->r[b].start, ps);
				uint64_t e = MIN(bad->r[b].end, pe);
				if (s >= e)
					continue;
				uint64_t off = x->fe_logical + (s - ps);
				uint64_t end = x->fe_logical + (e - ps);
				off = round_down(off, blk);
				end = round_down(end + blk - 1, blk);
				ret = bb_add(c, off, end - off);
				if (ret)
					goto out;
			}
		}
		struct fiemap_extent *x =
			&fm->fm_extents[fm->fm_mapped_extents - 1];
		uint64_t next = x->fe_logical + x->fe_length;
		if (next <= pos)
			break; /* no progress: do not loop forever */
		pos = next;
	}
out:
	os_free(fm);
	return ret;
}

/* fsdax: the disk's badblocks, shifted to the partition, onto the file */
static int scan_fsdax(struct pmem2_badblock_context *c,
		      const struct pmem2_region *r, const char *sysdev)
{
	char disk[PATH_MAX], path[PATH_MAX + 32];
	struct range_list bad = {NULL, 0, 0};
	uint64_t pstart = 0, psize = UINT64_MAX;
	int ret;

	if (!r->blockdev[0])
		return 0; /* a region, but no pmem disk: nothing to list */

	/* a partition (".../block/pmem1/pmem1p1") lives in its disk */
	snprintf(disk, sizeof(disk), "%s", sysdev);
	snprintf(path, sizeof(path), "%s/partition", sysdev);
	ret = sysfs_access(path);
	if (ret == 0) {
		snprintf(path, sizeof(path), "%s/start", sysdev);
		ret = read_u64(path, &pstart, PMEM2_E_CANNOT_READ_BOUNDS,
			       "the start of the partition");
		if (ret)
			return ret;
		snprintf(path, sizeof(path), "%s/size", sysdev);
		ret = read_u64(path, &psize, PMEM2_E_CANNOT_READ_BOUNDS,
			       "the size of the partition");
		if (ret)
			return ret;
		if (pstart > UINT64_MAX / SECTOR ||
		    psize > UINT64_MAX / SECTOR - pstart) {
			err_set("the partition bounds in %s are out of "
				"range",
				sysdev);
			return PMEM2_E_CANNOT_READ_BOUNDS;
		}
		pstart *= SECTOR;
		psize *= SECTOR;
		char *slash = strrchr(disk, '/');
		if (slash)
			*slash = '\0';
	} else if (ret != -ENOENT) {
		err_set_errno(-ret, "cannot tell whether %s is a partition",
			      sysdev);
		return ret;
	}

	snprintf(path, sizeof(path), "%s/badblocks", disk);
	ret = read_badblocks(path, 0, pstart,
			     psize == UINT64_MAX ? UINT64_MAX : pstart + psize,
			     &bad);
	if (ret == 1) {
		err_set("the pmem disk %s exposes no bad block list (%s), so "
			"bad blocks cannot be found",
			r->blockdev, path);
		ret = PMEM2_E_NOSUPP;
	}
	if (ret == 0 && bad.count)
		ret = map_onto_file(c, &bad);
	os_free(bad.r);
	return ret;
}

/* devdax: the region's badblocks clipped to the device's data */
static int scan_devdax(struct pmem2_badblock_context *c,
		       const struct pmem2_region *r)
{
	char path[PATH_MAX];
	struct range_list bad = {NULL, 0, 0};
	uint64_t rstart, dstart;
	size_t dsize;
	unsigned maj = major(c->src.st_rdev), min = minor(c->src.st_rdev);
	int ret;

	/* does the region list anything at all? (bounds are needed only
	 * when it does) */
	snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s/badblocks",
		 r->name);
	ret = read_badblocks(path, 0, 0, UINT64_MAX, &bad);
	if (ret == 1) {
		err_set("%s exposes no bad block list (%s), so bad blocks "
			"cannot be found",
			r->name, path);
		return PMEM2_E_NOSUPP;
	}
	if (ret || bad.count == 0)
		goto out;

	snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s/resource",
		 r->name);
	ret = read_u64(path, &rstart, PMEM2_E_CANNOT_READ_BOUNDS,
		       "the physical start of the region");
	if (ret)
		goto out;

	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/resource", maj, min);
	ret = read_u64(path, &dstart, 1, "the physical start of the device");
	if (ret == 1) {
		/* older kernels: the nd dax device (parent) has it */
		snprintf(path, sizeof(path),
			 "/sys/dev/char/%u:%u/device/resource", maj, min);
		ret = read_u64(path, &dstart, PMEM2_E_CANNOT_READ_BOUNDS,
			       "the physical start of the device");
	}
	if (ret)
		goto out;
	ret = pmem2_devdax_size(c->src.st_rdev, &dsize);
	if (ret)
		goto out;
	if (dstart < rstart || dsize > UINT64_MAX - dstart) {
		err_set("Device DAX %u:%u: its data [0x%llx, +%zu) is not "
			"inside %s (starting at 0x%llx)",
			maj, min, (unsigned long long)dstart, dsize, r->name,
			(unsigned long long)rstart);
		ret = PMEM2_E_CANNOT_READ_BOUNDS;
		goto out;
	}

	/* region-relative -> device-relative, clipped */
	uint64_t lo = dstart - rstart, hi = lo + dsize;
	for (size_t i = 0; i < bad.count; i++) {
		uint64_t s = MAX(bad.r[i].start, lo);
		uint64_t e = MIN(bad.r[i].end, hi);
		if (s >= e)
			continue;
		ret = bb_add(c, s - lo, e - s);
		if (ret)
			goto out;
	}
out:
	os_free(bad.r);
	return ret;
}

int pmem2_badblock_context_new(struct pmem2_badblock_context **bbctx,
			       const struct pmem2_source *src)
{
	struct pmem2_region r;
	char sysdev[PATH_MAX];
	int ret;

	*bbctx = NULL;
	if (src->type == PMEM2_SOURCE_ANON) {
		err_set("the source is anonymous memory, which has no bad "
			"blocks to look for");
		return PMEM2_E_NOSUPP;
	}

	struct pmem2_badblock_context *c = os_zalloc(sizeof(*c));
	if (!c) {
		err_set_errno(ENOMEM, "cannot allocate a bad block context");
		return -ENOMEM;
	}
	c->src = *src;

	ret = pmem2_region_and_device_of_source(src, &r, sysdev);
	if (ret < 0)
		goto fail;
	if (ret == 0) {
		if (src->ftype == PMEM2_FTYPE_DEVDAX)
			ret = scan_devdax(c, &r);
		else
			ret = scan_fsdax(c, &r, sysdev);
		if (ret)
			goto fail;
		bb_normalize(c);
	}
	/* ret == 1: not on an NVDIMM region, hence nothing to report */
	*bbctx = c;
	return 0;
fail:
	os_free(c->bbs);
	os_free(c);
	return ret;
}
EXPORT_V1_V2(pmem2_badblock_context_new);

int pmem2_badblock_next(struct pmem2_badblock_context *bbctx,
			struct pmem2_badblock *bb)
{
	if (bbctx->next >= bbctx->count) {
		bb->offset = 0;
		bb->length = 0;
		err_set("no more bad blocks");
		return PMEM2_E_NO_BAD_BLOCK_FOUND;
	}
	*bb = bbctx->bbs[bbctx->next++];
	return 0;
}
EXPORT_V1_V2(pmem2_badblock_next);

void pmem2_badblock_context_delete(struct pmem2_badblock_context **bbctx)
{
	if (!bbctx || !*bbctx)
		return;
	os_free((*bbctx)->bbs);
	os_free(*bbctx);
	*bbctx = NULL;
}
EXPORT_V1_V2(pmem2_badblock_context_delete);

int pmem2_badblock_clear(struct pmem2_badblock_context *bbctx,
			 const struct pmem2_badblock *bb)
{
	const struct pmem2_source *src = &bbctx->src;

	if (src->ftype == PMEM2_FTYPE_DEVDAX) {
		err_set("clearing bad blocks of a Device DAX needs the "
			"NVDIMM clear-error (ARS) commands, which this library "
			"does not issue; clear them with ndctl as root");
		return PMEM2_E_NOSUPP;
	}
	if (bb->offset > INT64_MAX) {
		err_set("bad block offset %zu is out of range (more than "
			"INT64_MAX)",
			bb->offset);
		return PMEM2_E_OFFSET_OUT_OF_RANGE;
	}
	if (bb->length == 0 || bb->length > INT64_MAX ||
	    bb->length > (size_t)INT64_MAX - bb->offset) {
		err_set("bad block length %zu at offset %zu is out of range "
			"(zero, or the end is past INT64_MAX)",
			bb->length, bb->offset);
		return PMEM2_E_LENGTH_OUT_OF_RANGE;
	}

	off_t off = (off_t)bb->offset, len = (off_t)bb->length;
	int ret = os_fallocate(
		src->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
	if (ret) {
		err_set_errno(-ret,
			      "cannot punch a hole over the bad block "
			      "[%zu, +%zu) of the file",
			      bb->offset, bb->length);
		return ret;
	}
	ret = os_fallocate(src->fd, FALLOC_FL_KEEP_SIZE, off, len);
	if (ret) {
		err_set_errno(-ret,
			      "punched a hole over the bad block [%zu, "
			      "+%zu) but cannot allocate it again (the range "
			      "now reads as zeros)",
			      bb->offset, bb->length);
		return ret;
	}
	return 0;
}
EXPORT_V1_V2(pmem2_badblock_clear);
