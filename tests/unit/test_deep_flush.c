/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_deep_flush.c -- pmem2_deep_flush on hand-built maps: the range
 * check, anonymous memory, msync for regular files, and the device DAX
 * path against a fake sysfs tree whose region deep_flush attribute reads
 * "1", "0", is missing, cannot be read, or cannot be written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "test.h"
#include "fakesys.h"
#include "core/err.h"
#include "core/os.h"
#include "core/sysfs.h"
#include "pmem2/map.h"
#include "pmem2/persist.h"

#define LEN ((size_t)65536)

struct fixture {
	struct pmem2_map map;
	int fd;
};

static void map_anon(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->map.addr = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f->map.reserved_length = f->map.content_length = LEN;
	f->map.source.type = PMEM2_SOURCE_ANON;
	f->map.source.anon_size = LEN;
	f->map.effective_granularity = PMEM2_GRANULARITY_BYTE;
}

static void map_file(struct fixture *f, enum pmem2_granularity g)
{
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->fd = test_tmpfile(LEN, NULL, 0, 0);
	fstat(f->fd, &st);
	f->map.addr = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			   f->fd, 0);
	f->map.reserved_length = LEN;
	f->map.content_length = LEN - 100; /* not a page multiple */
	f->map.source.type = PMEM2_SOURCE_FD;
	f->map.source.ftype = PMEM2_FTYPE_REG;
	f->map.source.fd = f->fd;
	f->map.source.st_dev = st.st_dev;
	f->map.effective_granularity = g;
}

/* memory that claims to be the device DAX rdev (its sysfs is fake) */
static void map_devdax(struct fixture *f, dev_t rdev)
{
	map_anon(f);
	f->map.source.type = PMEM2_SOURCE_FD;
	f->map.source.ftype = PMEM2_FTYPE_DEVDAX;
	f->map.source.st_rdev = rdev;
	f->map.effective_granularity = PMEM2_GRANULARITY_CACHE_LINE;
}

static void unmap(struct fixture *f)
{
	munmap(f->map.addr, LEN);
	if (f->fd >= 0)
		close(f->fd);
}

TEST(range)
{
	struct fixture f;
	map_file(&f, PMEM2_GRANULARITY_CACHE_LINE);
	char *a = f.map.addr;
	size_t n = f.map.content_length;

	err_clear();
	CHECK_RC(pmem2_deep_flush(&f.map, a - 1, 10),
		 PMEM2_E_DEEP_FLUSH_RANGE);
	CHECK(strstr(err_msg(), "not inside the map") != NULL, "message: %s",
	      err_msg());
	CHECK_RC(pmem2_deep_flush(&f.map, a + n - 10, 11),
		 PMEM2_E_DEEP_FLUSH_RANGE);
	CHECK_RC(pmem2_deep_flush(&f.map, a + n + 1, 0),
		 PMEM2_E_DEEP_FLUSH_RANGE);
	CHECK_RC(pmem2_deep_flush(&f.map, a + 10, SIZE_MAX),
		 PMEM2_E_DEEP_FLUSH_RANGE);
	/* past content_length but inside the last page: still refused */
	CHECK_RC(pmem2_deep_flush(&f.map, a + n, 1),
		 PMEM2_E_DEEP_FLUSH_RANGE);

	CHECK_RC(pmem2_deep_flush(&f.map, a, n), 0);
	CHECK_RC(pmem2_deep_flush(&f.map, a + n - 10, 10), 0);
	CHECK_RC(pmem2_deep_flush(&f.map, a + n, 0), 0);
	CHECK_RC(pmem2_deep_flush(&f.map, a, 0), 0);
	unmap(&f);
}

TEST(anon)
{
	struct fixture f;
	map_anon(&f);
	err_clear();
	CHECK_RC(pmem2_deep_flush(&f.map, f.map.addr, 100), PMEM2_E_NOSUPP);
	CHECK(strstr(err_msg(), "anonymous") != NULL, "message: %s",
	      err_msg());
	/* the range is checked first */
	CHECK_RC(pmem2_deep_flush(&f.map, (char *)f.map.addr + LEN, 1),
		 PMEM2_E_DEEP_FLUSH_RANGE);
	unmap(&f);
}

/* a regular file is msync'ed, at every granularity, with a page-aligned
 * start; EINTR is restarted; other errors are returned */
TEST(regular_file)
{
	enum pmem2_granularity gs[] = {PMEM2_GRANULARITY_BYTE,
				       PMEM2_GRANULARITY_CACHE_LINE,
				       PMEM2_GRANULARITY_PAGE};
	for (size_t i = 0; i < sizeof(gs) / sizeof(gs[0]); i++) {
		struct fixture f;
		map_file(&f, gs[i]);
		char *p = (char *)f.map.addr + 5000;
		memset(p, 7, 3000);

		os_fault_reset();
		CHECK_RC(pmem2_deep_flush(&f.map, p, 3000), 0);
		CHECK_EQ(os_fault_calls(OS_MSYNC), 1);
		char buf[3000];
		CHECK_EQ(pread(f.fd, buf, sizeof(buf), 5000), 3000);
		CHECK(buf[0] == 7 && buf[2999] == 7, "file content");

		os_fault_inject(OS_MSYNC, 1, EINTR);
		CHECK_RC(pmem2_deep_flush(&f.map, p, 3000), 0);
		CHECK_EQ(os_fault_calls(OS_MSYNC), 2);

		err_clear();
		os_fault_inject(OS_MSYNC, 1, EIO);
		CHECK_RC(pmem2_deep_flush(&f.map, p, 3000), -EIO);
		CHECK(strstr(err_msg(), "msync") &&
			      strstr(err_msg(), strerror(EIO)),
		      "message: %s", err_msg());
		os_fault_reset();
		unmap(&f);
	}
}

/* ---- device DAX with a fake sysfs ---- */

static char root[PATH_MAX];
#define rdev makedev(1, 5) /* /dev/zero's numbers */
#define DF FAKESYS_NDBUS "/region3/deep_flush"

static int setup_tree(void)
{
	if (fakesys_create(root, sizeof(root)) ||
	    fakesys_region(root, 3, "memory_controller") ||
	    fakesys_devdax(root, 3, 0, rdev, LEN, 4096, NULL, 0))
		return -1;
	sysfs_set_root(root);
	return 0;
}

static void teardown_tree(void)
{
	sysfs_set_root(NULL);
	fakesys_destroy(root);
}

static char *read_attr(void)
{
	static char buf[64];
	char path[PATH_MAX * 2];
	snprintf(path, sizeof(path), "%s/%s", root, DF);
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return buf;
}

TEST(devdax)
{
	struct fixture f;
	char *p;
	unsigned long calls_one, calls_zero;

	if (setup_tree())
		SKIP("cannot build the fake sysfs tree");
	map_devdax(&f, rdev);
	p = (char *)f.map.addr + 100;

	/* anything but "0" means the region can flush its queues, which is
	 * done by writing "1"; "2" shows the write happened */
	fakesys_write(root, DF, "2\n");
	err_clear();
	os_fault_reset();
#ifdef PMEM2_INSTRUMENT
	pmem2_instr = (struct pmem2_instr_counters){0};
#endif
	CHECK_RC(pmem2_deep_flush(&f.map, p, 1000), 0);
	calls_one = os_fault_calls(OS_SYSFS);
	CHECK(strcmp(read_attr(), "1\n") == 0, "attribute: %s", read_attr());
#ifdef PMEM2_INSTRUMENT
	/* the CPU caches of the range were flushed and fenced first */
	CHECK_EQ(pmem2_instr.flushed_lines,
		 ((uintptr_t)p + 1000 + 63) / 64 - (uintptr_t)p / 64);
	CHECK_EQ(pmem2_instr.fences, 1);
#endif
	CHECK_EQ(os_fault_calls(OS_MSYNC), 0);

	fakesys_write(root, DF, "1\n");
	os_fault_reset();
	CHECK_RC(pmem2_deep_flush(&f.map, p, 1000), 0);
	CHECK_EQ(os_fault_calls(OS_SYSFS), calls_one);
	CHECK(strcmp(read_attr(), "1\n") == 0, "attribute: %s", read_attr());

	/* reads "0" (no flush hints, as in QEMU): nothing to write */
	fakesys_write(root, DF, "0\n");
	os_fault_reset();
	CHECK_RC(pmem2_deep_flush(&f.map, p, 1000), 0);
	calls_zero = os_fault_calls(OS_SYSFS);
	CHECK_EQ(calls_zero + 1, calls_one); /* no write */
	CHECK(strcmp(read_attr(), "0\n") == 0, "attribute: %s", read_attr());

	/* missing: nothing to do either */
	fakesys_remove(root, DF);
	CHECK_RC(pmem2_deep_flush(&f.map, p, 1000), 0);

	/* cannot be read (here: a directory): reported */
	fakesys_mkdir(root, DF);
	err_clear();
	CHECK_RC(pmem2_deep_flush(&f.map, p, 1000), -EISDIR);
	CHECK(strstr(err_msg(), "deep_flush") != NULL, "message: %s",
	      err_msg());
	fakesys_remove(root, DF);

	/* reads "1" but the write fails: reported (PMDK ignores it) */
	fakesys_write(root, DF, "1\n");
	err_clear();
	os_fault_inject(OS_SYSFS, calls_one, EACCES);
	CHECK_RC(pmem2_deep_flush(&f.map, p, 1000), -EACCES);
	CHECK(strstr(err_msg(), "region3/deep_flush") &&
		      strstr(err_msg(), strerror(EACCES)),
	      "message: %s", err_msg());
	os_fault_reset();

	/* the same through real permissions, when they apply to us */
	if (geteuid() != 0) {
		char path[PATH_MAX * 2];
		snprintf(path, sizeof(path), "%s/%s", root, DF);
		chmod(path, 0444);
		CHECK_RC(pmem2_deep_flush(&f.map, p, 1000), -EACCES);
		chmod(path, 0644);
	}

	/* a sysfs failure while looking for the region is returned */
	os_fault_inject(OS_SYSFS, 1, EIO);
	CHECK(pmem2_deep_flush(&f.map, p, 1000) < 0, "region lookup error");
	os_fault_reset();

	/* PAGE granularity on device DAX: still the device DAX way (it has
	 * no page cache to msync) */
	f.map.effective_granularity = PMEM2_GRANULARITY_PAGE;
	os_fault_reset();
	CHECK_RC(pmem2_deep_flush(&f.map, p, 1000), 0);
	CHECK_EQ(os_fault_calls(OS_MSYNC), 0);
	CHECK_EQ(os_fault_calls(OS_SYSFS), calls_one);

	/* the range check comes first */
	CHECK_RC(pmem2_deep_flush(&f.map, p, LEN), PMEM2_E_DEEP_FLUSH_RANGE);

	unmap(&f);
	teardown_tree();
}

/* a device DAX that is not on an NVDIMM region: the CPU flush is all */
TEST(devdax_no_region)
{
	struct fixture f;

	if (fakesys_create(root, sizeof(root)))
		SKIP("cannot build the fake sysfs tree");
	sysfs_set_root(root);
	map_devdax(&f, rdev);
	CHECK_RC(pmem2_deep_flush(&f.map, f.map.addr, LEN), 0);
	unmap(&f);
	teardown_tree();
}

int main(void)
{
	RUN(range);
	RUN(anon);
	RUN(regular_file);
	RUN(devdax);
	RUN(devdax_no_region);
	return test_done();
}
