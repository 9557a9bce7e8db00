/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_mcsafe.c -- pmem2_source_pread_mcsafe / pwrite_mcsafe.
 *
 * Regular files: round trips, the range check PMDK got wrong (offset past
 * the end), EINTR restarts, EIO -> PMEM2_E_IO_FAIL. Device DAX: /dev/zero
 * poses as the device through a fake sysfs. A shared /dev/zero mapping at a
 * non-zero offset raises SIGBUS on access (the page lies past the shmem
 * object the kernel creates), which stands in for poisoned memory: the
 * guard must turn it into PMEM2_E_IO_FAIL, unmap the window and restore
 * the previous SIGBUS handler, also with several threads at once. A huge
 * fake device size proves only the needed window is mapped. The SIGBUS
 * cases run twice: on a device DAX of an NVDIMM namespace and on one of a
 * CXL RAM region (no namespace: the same path, test_cxl.c has the rest).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpmem2.h>
#include "core/err.h"
#include "core/os.h"
#include "core/sysfs.h"
#include "pmem2/source.h"
#include "fakesys.h"
#include "test.h"
#include "errcheck.h"

#define ALIGN (2UL << 20)

static char root[PATH_MAX];
static dev_t zero_rdev;
static int zero_sigbus; /* a /dev/zero mapping at offset > 0 SIGBUSes */
static int cxl_ram;	/* dax_open: a CXL RAM region's device DAX */

TEST(regular)
{
	struct pmem2_source *src = NULL;
	char wbuf[10000], rbuf[10000];
	int fd = test_tmpfile(64 * 1024, NULL, 0, 0);

	for (size_t i = 0; i < sizeof(wbuf); i++)
		wbuf[i] = (char)(i * 7 + 1);
	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	CHECK_RC(pmem2_source_pwrite_mcsafe(src, wbuf, sizeof(wbuf), 100), 0);
	memset(rbuf, 0, sizeof(rbuf));
	CHECK_RC(pmem2_source_pread_mcsafe(src, rbuf, sizeof(rbuf), 100), 0);
	CHECK(memcmp(wbuf, rbuf, sizeof(rbuf)) == 0, "data differs");
	CHECK(pread(fd, rbuf, 10, 100) == 10 && memcmp(rbuf, wbuf, 10) == 0,
	      "not in the file");

	/* up to the end exactly, and empty ranges */
	CHECK_RC(pmem2_source_pread_mcsafe(src, rbuf, 100, 64 * 1024 - 100), 0);
	CHECK_RC(pmem2_source_pread_mcsafe(src, rbuf, 0, 64 * 1024), 0);
	CHECK_RC(pmem2_source_pwrite_mcsafe(src, wbuf, 0, 0), 0);

	/* out of range: PMDK let offset > size through */
	memset(rbuf, 0x11, sizeof(rbuf));
	CHECK_ERR(pmem2_source_pread_mcsafe(src, rbuf, 10, 64 * 1024 + 1),
		  PMEM2_E_LENGTH_OUT_OF_RANGE);
	CHECK(rbuf[0] == 0x11, "read happened");
	CHECK_ERR(pmem2_source_pread_mcsafe(src, rbuf, 0, 64 * 1024 + 1),
		  PMEM2_E_LENGTH_OUT_OF_RANGE);
	CHECK_ERR(pmem2_source_pread_mcsafe(src, rbuf, 101, 64 * 1024 - 100),
		  PMEM2_E_LENGTH_OUT_OF_RANGE);
	CHECK_ERR(pmem2_source_pwrite_mcsafe(src, wbuf, 2, SIZE_MAX),
		  PMEM2_E_LENGTH_OUT_OF_RANGE);
	CHECK_ERR(pmem2_source_pwrite_mcsafe(src, wbuf, SIZE_MAX, 1),
		  PMEM2_E_LENGTH_OUT_OF_RANGE);
	struct stat st;
	fstat(fd, &st);
	CHECK_EQ(st.st_size, 64 * 1024);

	pmem2_source_delete(&src);
	close(fd);
}

TEST(regular_faults)
{
	struct pmem2_source *src = NULL;
	char wbuf[4096], rbuf[4096];
	int fd = test_tmpfile(8192, NULL, 0, 0);

	memset(wbuf, 0x42, sizeof(wbuf));
	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);

	/* interrupted calls are restarted */
	os_fault_inject(OS_PWRITE, 1, EINTR);
	CHECK_RC(pmem2_source_pwrite_mcsafe(src, wbuf, sizeof(wbuf), 4096), 0);
	os_fault_inject(OS_PREAD, 1, EINTR);
	memset(rbuf, 0, sizeof(rbuf));
	CHECK_RC(pmem2_source_pread_mcsafe(src, rbuf, sizeof(rbuf), 4096), 0);
	CHECK(memcmp(wbuf, rbuf, sizeof(rbuf)) == 0, "data differs");

	/* EIO: the poison case */
	os_fault_inject(OS_PREAD, 1, EIO);
	CHECK_ERR(pmem2_source_pread_mcsafe(src, rbuf, 16, 0), PMEM2_E_IO_FAIL);
	os_fault_inject(OS_PWRITE, 1, EIO);
	CHECK_ERR(pmem2_source_pwrite_mcsafe(src, wbuf, 16, 0),
		  PMEM2_E_IO_FAIL);
	/* anything else is passed on */
	os_fault_inject(OS_PREAD, 1, EBADF);
	CHECK_ERR(pmem2_source_pread_mcsafe(src, rbuf, 16, 0), -EBADF);
	os_fault_inject(OS_PWRITE, 1, ENOSPC);
	CHECK_ERR(pmem2_source_pwrite_mcsafe(src, wbuf, 16, 0), -ENOSPC);
	os_fault_inject(OS_FSTAT, 1, EIO);
	CHECK_ERR(pmem2_source_pread_mcsafe(src, rbuf, 16, 0), -EIO);
	os_fault_inject(OS_PREAD, 0, 0);
	os_fault_inject(OS_PWRITE, 0, 0);
	os_fault_inject(OS_FSTAT, 0, 0);

	/* a read-only descriptor cannot be written */
	char path[PATH_MAX];
	int keep = test_tmpfile(8192, path, sizeof(path), 1);
	int ro = open(path, O_RDONLY);
	struct pmem2_source *rsrc = NULL;
	CHECK_RC(pmem2_source_from_fd(&rsrc, ro), 0);
	CHECK_ERR(pmem2_source_pwrite_mcsafe(rsrc, wbuf, 16, 0), -EBADF);
	pmem2_source_delete(&rsrc);
	close(ro);
	unlink(path);
	close(keep);

	pmem2_source_delete(&src);
	close(fd);
}

TEST(anon)
{
	struct pmem2_source *src = NULL;
	char buf[16];

	CHECK_RC(pmem2_source_from_anon(&src, 4096), 0);
	CHECK_ERR(pmem2_source_pread_mcsafe(src, buf, sizeof(buf), 0),
		  PMEM2_E_SOURCE_TYPE_NOT_SUPPORTED);
	CHECK_ERR(pmem2_source_pwrite_mcsafe(src, buf, sizeof(buf), 0),
		  PMEM2_E_SOURCE_TYPE_NOT_SUPPORTED);
	pmem2_source_delete(&src);
}

static struct pmem2_source *dax_open(unsigned long long size, int flags,
				     int *fd)
{
	struct pmem2_source *src = NULL;

	if (fakesys_create(root, sizeof(root)) ||
	    fakesys_region(root, 0, "cpu_cache") ||
	    (cxl_ram ? fakesys_cxl_ram_devdax(root, 0, "ram", zero_rdev, size,
					      ALIGN, 0, NULL, 0)
		     : fakesys_devdax(root, 0, 0, zero_rdev, size, ALIGN, NULL,
				      0)))
		return NULL;
	sysfs_set_root(root);
	*fd = open("/dev/zero", flags);
	if (pmem2_source_from_fd(&src, *fd))
		printf("dax source: %s\n", err_msg());
	return src;
}

static void dax_close(struct pmem2_source **src, int fd)
{
	pmem2_source_delete(src);
	close(fd);
	sysfs_set_root(NULL);
	fakesys_destroy(root);
}

TEST(devdax)
{
	char buf[8192];
	int fd;
	/* 1 PiB: more than the address space, so mapping the whole device
	 * would fail */
	struct pmem2_source *src = dax_open(1ULL << 50, O_RDWR, &fd);
	CHECK(src != NULL, "no devdax source");
	if (!src)
		return;
	int maps = test_count_maps();

	memset(buf, 0x77, sizeof(buf));
	CHECK_RC(pmem2_source_pread_mcsafe(src, buf, 100, 12345), 0);
	CHECK(buf[0] == 0 && buf[99] == 0 && buf[100] == 0x77, "bad read");
	/* up to the end of the first window exactly */
	CHECK_RC(pmem2_source_pread_mcsafe(src, buf, 4096, ALIGN - 4096), 0);
	CHECK_RC(pmem2_source_pwrite_mcsafe(src, buf, sizeof(buf), 4096), 0);
	CHECK_EQ(test_count_maps(), maps);

	CHECK_ERR(pmem2_source_pread_mcsafe(src, buf, 2, (1ULL << 50) - 1),
		  PMEM2_E_LENGTH_OUT_OF_RANGE);
	CHECK_ERR(pmem2_source_pread_mcsafe(src, buf, 1, (1ULL << 50) + 1),
		  PMEM2_E_LENGTH_OUT_OF_RANGE);

	/* fault injection */
	os_fault_inject(OS_MMAP, 1, ENOMEM);
	CHECK_ERR(pmem2_source_pread_mcsafe(src, buf, 100, 0), -ENOMEM);
	os_fault_inject(OS_MMAP, 1, EACCES);
	CHECK_ERR(pmem2_source_pwrite_mcsafe(src, buf, 100, 0),
		  PMEM2_E_NO_ACCESS);
	os_fault_inject(OS_MMAP, 0, 0);
	os_fault_reset();
	CHECK_RC(pmem2_source_pread_mcsafe(src, buf, 100, 0), 0);
	unsigned long calls = os_fault_calls(OS_SYSFS);
	CHECK(calls >= 2, "sysfs calls %lu", calls);
	for (unsigned long n = 1; n <= calls; n++) {
		os_fault_inject(OS_SYSFS, n, EIO);
		CHECK_ERR(pmem2_source_pread_mcsafe(src, buf, 100, 0), -EIO);
	}
	os_fault_inject(OS_SYSFS, 0, 0);
	CHECK_EQ(test_count_maps(), maps);
	dax_close(&src, fd);

	/* a read-only descriptor cannot be written through a mapping */
	src = dax_open(1 << 30, O_RDONLY, &fd);
	if (src) {
		CHECK_RC(pmem2_source_pread_mcsafe(src, buf, 100, 0), 0);
		CHECK_ERR(pmem2_source_pwrite_mcsafe(src, buf, 100, 0),
			  PMEM2_E_NO_ACCESS);
		CHECK(strstr(err_msg(), "O_RDWR") != NULL, "message %s",
		      err_msg());
		dax_close(&src, fd);
	}
}

static volatile sig_atomic_t user_handler_hits;
static void user_handler(int sig)
{
	(void)sig;
	user_handler_hits++;
}

TEST(devdax_sigbus)
{
	char buf[4096];
	int fd;
	struct sigaction mine, now;

	if (!zero_sigbus)
		SKIP("/dev/zero mappings at an offset do not raise SIGBUS "
		     "here");
	struct pmem2_source *src = dax_open(1 << 30, O_RDWR, &fd);
	CHECK(src != NULL, "no devdax source");
	if (!src)
		return;

	memset(&mine, 0, sizeof(mine));
	mine.sa_handler = user_handler;
	sigemptyset(&mine.sa_mask);
	sigaction(SIGBUS, &mine, NULL);
	int maps = test_count_maps();

	/* the second window SIGBUSes: a "bad block" at 4 MiB + 100 */
	CHECK_ERR(pmem2_source_pread_mcsafe(src, buf, 16, 2 * ALIGN + 100),
		  PMEM2_E_IO_FAIL);
	CHECK(strstr(err_msg(), "at offset 4194404") != NULL, "message %s",
	      err_msg());
	CHECK_ERR(pmem2_source_pwrite_mcsafe(src, buf, 16, 3 * ALIGN),
		  PMEM2_E_IO_FAIL);
	CHECK_EQ(test_count_maps(), maps); /* unmapped after the jump */
	sigaction(SIGBUS, NULL, &now);
	CHECK(now.sa_handler == user_handler, "SIGBUS handler not restored");
	CHECK_EQ(user_handler_hits, 0);

	/* the caller's own buffer faulting (a truncated shared file) */
	int mfd = memfd_create("mcsafe", 0);
	CHECK(ftruncate(mfd, 4096) == 0, "ftruncate");
	char *ubuf =
		mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	CHECK(ubuf != MAP_FAILED, "mmap memfd");
	maps = test_count_maps();
	CHECK_ERR(pmem2_source_pread_mcsafe(src, ubuf + 4000, 200, 0),
		  PMEM2_E_IO_FAIL);
	CHECK(strstr(err_msg(), "caller's buffer") != NULL, "message %s",
	      err_msg());
	CHECK_ERR(pmem2_source_pwrite_mcsafe(src, ubuf + 4000, 200, 0),
		  PMEM2_E_IO_FAIL);
	CHECK_EQ(test_count_maps(), maps);
	munmap(ubuf, 8192);
	close(mfd);

	/* and it still works afterwards */
	CHECK_RC(pmem2_source_pread_mcsafe(src, buf, 16, 100), 0);

	signal(SIGBUS, SIG_DFL);
	dax_close(&src, fd);
}

struct thr {
	struct pmem2_source *src;
	int fails, oks;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	char buf[64];
	for (int i = 0; i < 200; i++) {
		int rc = pmem2_source_pread_mcsafe(t->src, buf, sizeof(buf),
						   (i % 2) ? ALIGN + 8 : 8);
		if (rc == PMEM2_E_IO_FAIL)
			t->fails++;
		else if (rc == 0)
			t->oks++;
	}
	return NULL;
}

TEST(devdax_sigbus_threads)
{
	int fd;
	struct sigaction before, after;

	if (!zero_sigbus)
		SKIP("/dev/zero mappings at an offset do not raise SIGBUS "
		     "here");
	struct pmem2_source *src = dax_open(1 << 30, O_RDWR, &fd);
	if (!src)
		SKIP("no devdax source");
	sigaction(SIGBUS, NULL, &before);

	/* the first round warms caches (thread stacks, the signal stacks
	 * of a valgrind run), the second must leave no new mapping */
	int maps = 0;
	for (int round = 0; round < 2; round++) {
		pthread_t th[4];
		struct thr t[4];
		if (round == 1)
			maps = test_count_maps();
		for (int i = 0; i < 4; i++) {
			t[i].src = src;
			t[i].fails = t[i].oks = 0;
			pthread_create(&th[i], NULL, thr_main, &t[i]);
		}
		for (int i = 0; i < 4; i++) {
			pthread_join(th[i], NULL);
			CHECK_EQ(t[i].fails, 100);
			CHECK_EQ(t[i].oks, 100);
		}
	}
	CHECK_EQ(test_count_maps(), maps);
	sigaction(SIGBUS, NULL, &after);
	CHECK(before.sa_handler == after.sa_handler, "handler changed");
	dax_close(&src, fd);
}

static sigjmp_buf probe_jmp;
static void probe_handler(int sig)
{
	(void)sig;
	siglongjmp(probe_jmp, 1);
}

/* Does touching a shared /dev/zero mapping at offset 4 MiB SIGBUS? */
static int probe_zero_sigbus(void)
{
	struct sigaction sa, old;
	volatile int hit = 0;

	int fd = open("/dev/zero", O_RDWR);
	char *p = mmap(NULL, ALIGN, PROT_READ, MAP_SHARED, fd, 2 * ALIGN);
	close(fd);
	if (p == MAP_FAILED)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = probe_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(probe_jmp, 1) == 0)
		(void)*(volatile char *)(p + 100);
	else
		hit = 1;
	sigaction(SIGBUS, &old, NULL);
	munmap(p, ALIGN);
	return hit;
}

int main(void)
{
	struct stat st;

	RUN(regular);
	RUN(regular_faults);
	RUN(anon);
	if (stat("/dev/zero", &st) == 0 && S_ISCHR(st.st_mode)) {
		zero_rdev = st.st_rdev;
		zero_sigbus = probe_zero_sigbus();
		RUN(devdax);
		RUN(devdax_sigbus);
		RUN(devdax_sigbus_threads);
		cxl_ram = 1;
		RUN(devdax);
		RUN(devdax_sigbus);
		cxl_ram = 0;
	} else {
		printf("SKIP devdax: no /dev/zero\n");
		test_skipped++;
	}
	return test_done();
}
