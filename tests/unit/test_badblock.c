/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_badblock.c -- bad blocks of a source.
 *
 * fsdax: a real tmp file is made to look like it lives on a fake pmem disk
 * (its st_dev linked to the disk in a fake sysfs); the disk's "badblocks"
 * then names sectors where the file's real extents are (learnt with
 * FS_IOC_FIEMAP), so the whole disk -> extent -> file-offset mapping runs
 * for real: rounding to the fs block, merging, a range spanning two
 * extents, partitions. Device DAX: the region's list clipped to the
 * device's data, with /dev/zero posing as the device. Plus clearing,
 * every error code, fault injection, and no leaks.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libpmem2.h>
#include "core/err.h"
#include "core/os.h"
#include "core/sysfs.h"
#include "pmem2/source.h"
#include "fakesys.h"
#include "test.h"
#include "errcheck.h"


#define NBLK 16

static char root[PATH_MAX];
static char disk[PATH_MAX]; /* rel path of the fake pmem disk */
static char bbfile[PATH_MAX + 16];
static int fd = -1;
static struct stat st;
static size_t blk;
static struct pmem2_source *src;
static uint64_t phys0; /* physical byte address of the file's block 0 */
static int contiguous; /* the NBLK blocks are one physical run */

/* the file on pmem1 of region1, the bus at least `deep` bytes down the
 * device tree */
static void fake_begin_deep(size_t deep)
{
	if (fakesys_create(root, sizeof(root)) ||
	    (deep && fakesys_deep_bus(root, deep))) {
		printf("cannot create a fake sysfs tree\n");
		exit(2);
	}
	fakesys_region(root, 1, "memory_controller");
	fakesys_fsdax(root, 1, 0, "pmem1", st.st_dev, disk, sizeof(disk));
	snprintf(bbfile, sizeof(bbfile), "%s/badblocks", disk);
	sysfs_set_root(root);
}

static void fake_begin(void)
{
	fake_begin_deep(0);
}

static void fake_end(void)
{
	sysfs_set_root(NULL);
	fakesys_destroy(root);
}

/* the file's block b as a disk sector */
static unsigned long long sector_of(unsigned b)
{
	return (phys0 + (uint64_t)b * blk) / 512;
}

/* collect every bad block of src */
static int collect(struct pmem2_badblock *bbs, int max)
{
	struct pmem2_badblock_context *ctx = NULL;
	int n = 0, ret;

	ret = pmem2_badblock_context_new(&ctx, src);
	if (ret)
		return ret;
	struct pmem2_badblock bb;
	while ((ret = pmem2_badblock_next(ctx, &bb)) == 0)
		if (n < max)
			bbs[n++] = bb;
	CHECK_RC(ret, PMEM2_E_NO_BAD_BLOCK_FOUND);
	CHECK_RC(pmem2_badblock_next(ctx, &bb), PMEM2_E_NO_BAD_BLOCK_FOUND);
	pmem2_badblock_context_delete(&ctx);
	CHECK(ctx == NULL, "ctx not NULL after delete");
	return n;
}

#define CHECK_BB(bb, off, len)                                                 \
	do {                                                                   \
		CHECK_EQ((bb).offset, (off));                                  \
		CHECK_EQ((bb).length, (len));                                  \
	} while (0)

/* Learn where the file is: one FIEMAP of the first extent. */
static int locate(void)
{
	union {
		struct fiemap fm;
		char space[sizeof(struct fiemap) +
			   4 * sizeof(struct fiemap_extent)];
	} f;
	memset(&f, 0, sizeof(f));
	f.fm.fm_length = FIEMAP_MAX_OFFSET;
	f.fm.fm_flags = FIEMAP_FLAG_SYNC;
	f.fm.fm_extent_count = 4;
	if (ioctl(fd, FS_IOC_FIEMAP, &f.fm) || f.fm.fm_mapped_extents == 0)
		return -1;
	struct fiemap_extent *x = &f.fm.fm_extents[0];
	if (x->fe_logical != 0 ||
	    (x->fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_ENCODED |
			    FIEMAP_EXTENT_DATA_INLINE)))
		return -1;
	phys0 = x->fe_physical;
	contiguous = x->fe_length >= NBLK * blk;
	return 0;
}

TEST(fsdax_mapping)
{
	struct pmem2_badblock bbs[8];
	int fds = test_count_fds();

	fake_begin();

	/* an empty list: no FIEMAP needed */
	os_fault_reset();
	CHECK_EQ(collect(bbs, 8), 0);
	CHECK_EQ(os_fault_calls(OS_IOCTL), 0);

	/* one sector in block 3: the whole fs block */
	fakesys_write(root, bbfile, "%llu 1\n", sector_of(3) + 2);
	CHECK_EQ(collect(bbs, 8), 1);
	CHECK_BB(bbs[0], 3 * blk, blk);

	/* two ranges in one block, one in another, listed out of order:
	 * sorted and merged */
	fakesys_write(root, bbfile, "%llu 1\n%llu 1\n%llu 2\n", sector_of(7),
		      sector_of(1), sector_of(1) + 4);
	CHECK_EQ(collect(bbs, 8), 2);
	CHECK_BB(bbs[0], 1 * blk, blk);
	CHECK_BB(bbs[1], 7 * blk, blk);

	/* adjacent blocks merge into one range */
	fakesys_write(root, bbfile, "%llu %llu\n%llu 1\n", sector_of(4),
		      (unsigned long long)(blk / 512), sector_of(5));
	CHECK_EQ(collect(bbs, 8), 1);
	CHECK_BB(bbs[0], 4 * blk, 2 * blk);

	/* bad sectors elsewhere on the disk: none in the file */
	fakesys_write(root, bbfile, "%llu 8\n", sector_of(0) + 1000000000ULL);
	CHECK_EQ(collect(bbs, 8), 0);
	if (sector_of(0) >= 64) {
		fakesys_write(root, bbfile, "%llu 8\n", sector_of(0) - 64);
		CHECK_EQ(collect(bbs, 8), 0);
	}

	/* a range overlapping the file's start from below */
	if (sector_of(0) >= 8) {
		fakesys_write(root, bbfile, "%llu 9\n", sector_of(0) - 8);
		CHECK_EQ(collect(bbs, 8), 1);
		CHECK_BB(bbs[0], 0, blk);
	}

	/* a range over the whole file */
	if (contiguous) {
		fakesys_write(root, bbfile, "%llu %llu\n", sector_of(0),
			      (unsigned long long)(NBLK * blk / 512));
		CHECK_EQ(collect(bbs, 8), 1);
		CHECK_BB(bbs[0], 0, NBLK * blk);
	}
	fake_end();
	CHECK_EQ(test_count_fds(), fds);
}

/* Deep PCI/CXL topologies give device paths of hundreds of bytes (a
 * 256-byte buffer refused them once): the disk's list is read all the
 * same, for paths up to thousands of bytes. */
TEST(fsdax_long_path)
{
	static const size_t depths[] = {300, 3000};
	struct pmem2_badblock bbs[8];
	char real[PATH_MAX];

	for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
		fake_begin_deep(depths[i]);
		CHECK_RC(fakesys_realpath(root, disk, real, sizeof(real)), 0);
		CHECK(strlen(real) > depths[i], "disk path of %zu bytes",
		      strlen(real));
		CHECK_EQ(collect(bbs, 8), 0);
		fakesys_write(root, bbfile, "%llu 1\n", sector_of(3));
		CHECK_EQ(collect(bbs, 8), 1);
		CHECK_BB(bbs[0], 3 * blk, blk);
		fake_end();
	}
}

/* A bad block list longer than a page of text (once read into 8 KiB and
 * cut there): every line counts, the last one too. */
TEST(fsdax_long_list)
{
	struct pmem2_badblock bbs[8];
	size_t cap = 6000 * 32, used = 0;
	char *list = malloc(cap);

	CHECK(list != NULL, "malloc");
	if (!list)
		return;
	fake_begin();
	for (unsigned i = 0; i < 6000; i++) /* far beyond the file */
		used += (size_t)snprintf(list + used, cap - used, "%llu 1\n",
					 sector_of(0) + 1000000000ULL + i * 8);
	snprintf(list + used, cap - used, "%llu 1\n", sector_of(5));
	CHECK(strlen(list) > 65536, "a list of %zu bytes", strlen(list));
	fakesys_write(root, bbfile, "%s", list);
	CHECK_EQ(collect(bbs, 8), 1);
	CHECK_BB(bbs[0], 5 * blk, blk);
	fake_end();
	free(list);
}

TEST(fsdax_partition)
{
	struct pmem2_badblock bbs[8];
	char part[PATH_MAX + 16], f[PATH_MAX + 64], link[64];
	char target[PATH_MAX + 32];

	fake_begin();
	/* the file's st_dev is now partition 1 of pmem1, 2048 sectors in */
	snprintf(part, sizeof(part), "%s/pmem1p1", disk);
	snprintf(f, sizeof(f), "%s/partition", part);
	fakesys_write(root, f, "1\n");
	snprintf(f, sizeof(f), "%s/start", part);
	fakesys_write(root, f, "2048\n");
	snprintf(f, sizeof(f), "%s/size", part);
	fakesys_write(root, f, "%llu\n", sector_of(NBLK) + 100);
	snprintf(link, sizeof(link), "dev/block/%u:%u", major(st.st_dev),
		 minor(st.st_dev));
	snprintf(target, sizeof(target), "/%s", part);
	fakesys_symlink(root, link, target);

	/* disk sectors = partition sectors + 2048 */
	fakesys_write(root, bbfile, "%llu 1\n%llu 1\n", sector_of(2) + 2048,
		      sector_of(2));
	CHECK_EQ(collect(bbs, 8), 1);
	CHECK_BB(bbs[0], 2 * blk, blk);

	/* before the partition: clipped away */
	fakesys_write(root, bbfile, "0 2048\n");
	CHECK_EQ(collect(bbs, 8), 0);

	/* past the partition's end: clipped away */
	snprintf(f, sizeof(f), "%s/size", part);
	fakesys_write(root, f, "%llu\n", sector_of(3));
	fakesys_write(root, bbfile, "%llu 1\n%llu 1\n", sector_of(2) + 2048,
		      sector_of(5) + 2048);
	CHECK_EQ(collect(bbs, 8), 1);
	CHECK_BB(bbs[0], 2 * blk, blk);

	snprintf(f, sizeof(f), "%s/start", part);
	fakesys_write(root, f, "x\n");
	struct pmem2_badblock_context *ctx = (void *)1;
	CHECK_ERR(pmem2_badblock_context_new(&ctx, src),
		  PMEM2_E_INVALID_DEV_FORMAT);
	CHECK(ctx == NULL, "ctx not NULL");
	fakesys_remove(root, f);
	CHECK_ERR(pmem2_badblock_context_new(&ctx, src),
		  PMEM2_E_CANNOT_READ_BOUNDS);
	fake_end();
}

/* A bad range crossing a hole: two extents, two bad blocks. Runs last on
 * the file (it punches the hole). */
TEST(fsdax_span_extents)
{
	struct pmem2_badblock bbs[8];

	if (!contiguous)
		SKIP("the tmp file is not one physical run");
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)(6 * blk), (off_t)(4 * blk)))
		SKIP("cannot punch holes here");
	fsync(fd);

	fake_begin();
	/* physical blocks 4..12 of the old run: file blocks 4,5 and 10..12 */
	fakesys_write(root, bbfile, "%llu %llu\n", sector_of(4),
		      (unsigned long long)(9 * blk / 512));
	int n = collect(bbs, 8);
	CHECK_EQ(n, 2);
	if (n == 2) {
		CHECK_BB(bbs[0], 4 * blk, 2 * blk);
		CHECK_BB(bbs[1], 10 * blk, 3 * blk);
	}
	fake_end();
}

TEST(fsdax_errors)
{
	struct pmem2_badblock_context *ctx = (void *)1;
	struct pmem2_badblock bb;
	int fds = test_count_fds();

	fake_begin();
	/* malformed lists */
	const char *bad[] = {"12\n",
			     "a b\n",
			     "1 2 3\n",
			     "-1 2\n",
			     "1 -2\n",
			     "99999999999999999999 1\n",
			     "36028797018963967 1\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fakesys_write(root, bbfile, "%s", bad[i]);
		CHECK_ERR(pmem2_badblock_context_new(&ctx, src),
			  PMEM2_E_INVALID_DEV_FORMAT);
		CHECK(ctx == NULL, "ctx not NULL for \"%s\"", bad[i]);
	}
	/* no list at all */
	fakesys_remove(root, bbfile);
	CHECK_ERR(pmem2_badblock_context_new(&ctx, src), PMEM2_E_NOSUPP);
	CHECK(strstr(err_msg(), "pmem1") != NULL, "message %s", err_msg());

	/* fault injection on a successful scan with one bad block */
	fakesys_write(root, bbfile, "%llu 1\n", sector_of(1));
	const enum os_call kinds[] = {OS_SYSFS, OS_MALLOC, OS_IOCTL, OS_FSTAT};
	for (size_t k = 0; k < 4; k++) {
		os_fault_reset();
		CHECK_RC(pmem2_badblock_context_new(&ctx, src), 0);
		pmem2_badblock_context_delete(&ctx);
		unsigned long calls = os_fault_calls(kinds[k]);
		CHECK(calls > 0, "no %s calls", os_call_names[kinds[k]]);
		for (unsigned long n = 1; n <= calls; n++) {
			int e = kinds[k] == OS_MALLOC ? ENOMEM : EIO;
			os_fault_inject(kinds[k], n, e);
			err_clear();
			ctx = (void *)1;
			int rc = pmem2_badblock_context_new(&ctx, src);
			CHECK(rc == -e, "%s call %lu: rc %d",
			      os_call_names[kinds[k]], n, rc);
			CHECK(ctx == NULL, "ctx not NULL");
			CHECK(err_msg()[0] != '\0', "no message");
		}
		os_fault_inject(kinds[k], 0, 0);
	}
	/* FIEMAP unsupported by the filesystem */
	os_fault_inject(OS_IOCTL, 1, EOPNOTSUPP);
	CHECK_ERR(pmem2_badblock_context_new(&ctx, src), PMEM2_E_NOSUPP);
	CHECK(strstr(err_msg(), "FIEMAP") != NULL, "message %s", err_msg());
	os_fault_inject(OS_IOCTL, 0, 0);

	/* the region lookup failing */
	os_fault_inject(OS_SYSFS, 1, EACCES);
	CHECK_ERR(pmem2_badblock_context_new(&ctx, src), -EACCES);
	os_fault_inject(OS_SYSFS, 0, 0);

	CHECK_RC(pmem2_badblock_context_new(&ctx, src), 0);
	CHECK_RC(pmem2_badblock_next(ctx, &bb), 0);
	CHECK_BB(bb, blk, blk);
	pmem2_badblock_context_delete(&ctx);
	pmem2_badblock_context_delete(&ctx); /* NULL-safe */
	pmem2_badblock_context_delete(NULL);
	fake_end();
	CHECK_EQ(test_count_fds(), fds);
}

TEST(not_on_pmem)
{
	struct pmem2_badblock_context *ctx = NULL;
	struct pmem2_badblock bb = {1, 1};
	struct pmem2_source *anon;
	char path[PATH_MAX];

	/* an empty sysfs: the file is on no region; quiet */
	if (fakesys_create(root, sizeof(root)))
		exit(2);
	sysfs_set_root(root);
	int efd = test_tmpfile(0, path, sizeof(path), 1);
	fflush(stderr);
	int saved = dup(2);
	dup2(efd, 2);
	CHECK_RC(pmem2_badblock_context_new(&ctx, src), 0);
	CHECK(ctx != NULL, "no context");
	if (ctx) {
		CHECK_RC(pmem2_badblock_next(ctx, &bb),
			 PMEM2_E_NO_BAD_BLOCK_FOUND);
		CHECK_BB(bb, 0, 0);
		pmem2_badblock_context_delete(&ctx);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	struct stat est;
	fstat(efd, &est);
	CHECK_EQ(est.st_size, 0);
	close(efd);
	unlink(path);
	fake_end();

	CHECK_RC(pmem2_source_from_anon(&anon, 4096), 0);
	ctx = (void *)1;
	CHECK_ERR(pmem2_badblock_context_new(&ctx, anon), PMEM2_E_NOSUPP);
	CHECK(ctx == NULL, "ctx not NULL");
	pmem2_source_delete(&anon);

	os_fault_inject(OS_MALLOC, 1, ENOMEM);
	ctx = (void *)1;
	CHECK_ERR(pmem2_badblock_context_new(&ctx, src), -ENOMEM);
	CHECK(ctx == NULL, "ctx not NULL");
	os_fault_inject(OS_MALLOC, 0, 0);
}

TEST(clear)
{
	struct pmem2_badblock_context *ctx = NULL;
	char path[PATH_MAX], buf[3 * 4096];
	struct pmem2_source *s = NULL;

	int cfd = test_tmpfile(0, path, sizeof(path), 0);
	memset(buf, 0xab, sizeof(buf));
	CHECK(pwrite(cfd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf),
	      "pwrite");
	CHECK_RC(pmem2_source_from_fd(&s, cfd), 0);
	if (fakesys_create(root, sizeof(root)))
		exit(2);
	sysfs_set_root(root);
	CHECK_RC(pmem2_badblock_context_new(&ctx, s), 0);
	if (!ctx)
		goto out;

	struct pmem2_badblock bb = {4096, 4096};
	int rc = pmem2_badblock_clear(ctx, &bb);
	if (rc == -EOPNOTSUPP) {
		pmem2_badblock_context_delete(&ctx);
		sysfs_set_root(NULL);
		fakesys_destroy(root);
		pmem2_source_delete(&s);
		close(cfd);
		SKIP("the filesystem cannot punch holes");
	}
	CHECK_RC(rc, 0);
	struct stat cst;
	fstat(cfd, &cst);
	CHECK_EQ(cst.st_size, sizeof(buf));
	CHECK(pread(cfd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf), "pread");
	CHECK(buf[4095] == (char)0xab && buf[4096] == 0 && buf[8191] == 0 &&
		      buf[8192] == (char)0xab,
	      "cleared range wrong");
	/* allocated again: no hole left */
	CHECK(lseek(cfd, 0, SEEK_HOLE) == (off_t)sizeof(buf),
	      "a hole remains at %lld", (long long)lseek(cfd, 0, SEEK_HOLE));

	struct pmem2_badblock big_off = {(size_t)INT64_MAX + 1, 4096};
	CHECK_ERR(pmem2_badblock_clear(ctx, &big_off),
		  PMEM2_E_OFFSET_OUT_OF_RANGE);
	struct pmem2_badblock big_len = {0, (size_t)INT64_MAX + 1};
	CHECK_ERR(pmem2_badblock_clear(ctx, &big_len),
		  PMEM2_E_LENGTH_OUT_OF_RANGE);
	struct pmem2_badblock wrap = {(size_t)INT64_MAX - 10, 4096};
	CHECK_ERR(pmem2_badblock_clear(ctx, &wrap),
		  PMEM2_E_LENGTH_OUT_OF_RANGE);
	struct pmem2_badblock empty = {4096, 0};
	CHECK_ERR(pmem2_badblock_clear(ctx, &empty),
		  PMEM2_E_LENGTH_OUT_OF_RANGE);

	os_fault_inject(OS_FALLOCATE, 1, EIO);
	CHECK_ERR(pmem2_badblock_clear(ctx, &bb), -EIO);
	os_fault_inject(OS_FALLOCATE, 2, ENOSPC);
	CHECK_ERR(pmem2_badblock_clear(ctx, &bb), -ENOSPC);
	CHECK(strstr(err_msg(), "allocate it again") != NULL, "message %s",
	      err_msg());
	os_fault_inject(OS_FALLOCATE, 0, 0);

	pmem2_badblock_context_delete(&ctx);
out:
	sysfs_set_root(NULL);
	fakesys_destroy(root);
	pmem2_source_delete(&s);
	close(cfd);
}

TEST(devdax)
{
	struct stat zst;
	struct pmem2_badblock_context *ctx = NULL;
	struct pmem2_badblock bbs[8];
	struct pmem2_source *dax = NULL;
	char dpath[PATH_MAX], f[PATH_MAX + 64];
	const char *rbb = FAKESYS_NDBUS "/region0/badblocks";

	if (stat("/dev/zero", &zst) || !S_ISCHR(zst.st_mode))
		SKIP("no /dev/zero");
	if (fakesys_create(root, sizeof(root)))
		exit(2);
	fakesys_region(root, 0, "cpu_cache");
	/* region at 4 GiB; device data 2 MiB in (after the info block),
	 * 1 GiB long */
	fakesys_write(root, FAKESYS_NDBUS "/region0/resource", "0x100000000\n");
	fakesys_devdax(root, 0, 0, zst.st_rdev, 1 << 30, 2 << 20, dpath,
		       sizeof(dpath));
	snprintf(f, sizeof(f), "%s/resource", dpath);
	fakesys_write(root, f, "0x100200000\n");
	fakesys_write(root, rbb, "%s", "");
	sysfs_set_root(root);
	int zfd = open("/dev/zero", O_RDWR);
	CHECK_RC(pmem2_source_from_fd(&dax, zfd), 0);
	if (!dax)
		goto out;
	int fds = test_count_fds();

	const unsigned long long d0 = (2 << 20) / 512; /* data start */
	const unsigned long long dend = d0 + (1ULL << 30) / 512;
	fakesys_write(root, rbb,
		      "%llu 8\n"   /* device offset 0 */
		      "0 8\n"	   /* in the info block: clipped away */
		      "%llu 16\n"  /* straddles the start */
		      "%llu 3\n"   /* in the middle, after the others */
		      "%llu 16\n", /* straddles the end */
		      d0 + 100, d0 - 8, d0 + 1000, dend - 4);
	struct pmem2_source *save = src;
	src = dax;
	int n = collect(bbs, 8);
	src = save;
	CHECK_EQ(n, 4);
	if (n == 4) {
		CHECK_BB(bbs[0], 0, 4096);
		CHECK_BB(bbs[1], 100 * 512, 4096);
		CHECK_BB(bbs[2], 1000 * 512, 3 * 512);
		CHECK_BB(bbs[3], (1ULL << 30) - 2048, 2048);
	}

	/* the dax device without "resource": its parent's */
	fakesys_remove(root, f);
	char nd[PATH_MAX + 64];
	snprintf(nd, sizeof(nd), "%s/../resource", dpath);
	fakesys_write(root, nd, "0x100200000\n");
	src = dax;
	n = collect(bbs, 8);
	src = save;
	CHECK_EQ(n, 4);

	/* no bounds */
	fakesys_remove(root, nd);
	CHECK_ERR(pmem2_badblock_context_new(&ctx, dax),
		  PMEM2_E_CANNOT_READ_BOUNDS);
	fakesys_write(root, nd, "0x100200000\n");
	fakesys_remove(root, FAKESYS_NDBUS "/region0/resource");
	CHECK_ERR(pmem2_badblock_context_new(&ctx, dax),
		  PMEM2_E_CANNOT_READ_BOUNDS);
	fakesys_write(root, FAKESYS_NDBUS "/region0/resource", "junk\n");
	CHECK_ERR(pmem2_badblock_context_new(&ctx, dax),
		  PMEM2_E_INVALID_DEV_FORMAT);
	/* the device before its region */
	fakesys_write(root, FAKESYS_NDBUS "/region0/resource", "0x200000000\n");
	CHECK_ERR(pmem2_badblock_context_new(&ctx, dax),
		  PMEM2_E_CANNOT_READ_BOUNDS);
	fakesys_write(root, FAKESYS_NDBUS "/region0/resource", "0x100000000\n");

	/* fault injection */
	os_fault_reset();
	CHECK_RC(pmem2_badblock_context_new(&ctx, dax), 0);
	pmem2_badblock_context_delete(&ctx);
	unsigned long calls = os_fault_calls(OS_SYSFS);
	for (unsigned long i = 1; i <= calls; i++) {
		os_fault_inject(OS_SYSFS, i, EIO);
		err_clear();
		ctx = (void *)1;
		int rc = pmem2_badblock_context_new(&ctx, dax);
		/* the namespace name is optional: only that read may fail
		 * without failing the call */
		if (rc == 0) {
			pmem2_badblock_context_delete(&ctx);
			continue;
		}
		CHECK(rc == -EIO, "sysfs call %lu: rc %d", i, rc);
		CHECK(ctx == NULL, "ctx not NULL");
		CHECK(err_msg()[0] != '\0', "no message");
	}
	os_fault_inject(OS_SYSFS, 0, 0);

	/* clearing is not supported here */
	CHECK_RC(pmem2_badblock_context_new(&ctx, dax), 0);
	struct pmem2_badblock bb = {0, 4096};
	CHECK_ERR(pmem2_badblock_clear(ctx, &bb), PMEM2_E_NOSUPP);
	CHECK(strstr(err_msg(), "ndctl") != NULL, "message %s", err_msg());
	pmem2_badblock_context_delete(&ctx);

	/* no list for the region */
	fakesys_remove(root, rbb);
	CHECK_ERR(pmem2_badblock_context_new(&ctx, dax), PMEM2_E_NOSUPP);
	CHECK_EQ(test_count_fds(), fds);
	pmem2_source_delete(&dax);
out:
	close(zfd);
	sysfs_set_root(NULL);
	fakesys_destroy(root);
}

int main(void)
{
	char buf[4096];

	fd = test_tmpfile(0, NULL, 0, 0);
	memset(buf, 0x5a, sizeof(buf));
	fstat(fd, &st);
	blk = (size_t)st.st_blksize;
	for (unsigned i = 0; i < NBLK * blk / sizeof(buf); i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return 2;
	fsync(fd);
	if (pmem2_source_from_fd(&src, fd)) {
		printf("cannot make a source of a tmp file: %s\n", err_msg());
		return 1;
	}

	RUN(not_on_pmem);
	RUN(clear);
	RUN(devdax);
	if (blk < 512 || blk % 512 || locate()) {
		test_current = "fsdax";
		printf("SKIP fsdax: no FIEMAP extents for the tmp file "
		       "(filesystem without FIEMAP?); set TMPDIR to "
		       "ext4/xfs\n");
		test_skipped++;
	} else {
		RUN(fsdax_mapping);
		RUN(fsdax_long_path);
		RUN(fsdax_long_list);
		RUN(fsdax_partition);
		RUN(fsdax_errors);
		RUN(fsdax_span_extents);
	}
	pmem2_source_delete(&src);
	close(fd);
	return test_done();
}
