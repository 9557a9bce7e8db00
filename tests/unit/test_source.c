/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_source.c -- sources: validation of file descriptors, file type
 * classification (Device DAX through a fake sysfs), size and alignment
 * from sysfs, and every failure path under fault injection.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <sys/socket.h>
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


static char root[PATH_MAX];
static char daxpath[PATH_MAX];
static dev_t zero_rdev;

/* a fake tree where /dev/zero is a Device DAX on region0 */
static int fake_devdax(unsigned long long size, unsigned long long align)
{
	if (fakesys_create(root, sizeof(root)))
		return -1;
	if (fakesys_region(root, 0, "memory_controller") ||
	    fakesys_devdax(root, 0, 0, zero_rdev, size, align, daxpath,
			   sizeof(daxpath)))
		return -1;
	sysfs_set_root(root);
	return 0;
}

static void fake_done(void)
{
	sysfs_set_root(NULL);
	fakesys_destroy(root);
}

TEST(invalid_handles)
{
	struct pmem2_source *src = (void *)1;
	int fds = test_count_fds();

	CHECK_ERR(pmem2_source_from_fd(&src, -1), PMEM2_E_INVALID_FILE_HANDLE);
	CHECK(src == NULL, "src not NULL");

	int fd = test_tmpfile(4096, NULL, 0, 0);
	int closed = dup(fd);
	close(closed);
	src = (void *)1;
	CHECK_ERR(pmem2_source_from_fd(&src, closed),
		  PMEM2_E_INVALID_FILE_HANDLE);
	CHECK(src == NULL, "src not NULL");

	char path[PATH_MAX];
	int keep = test_tmpfile(4096, path, sizeof(path), 1);
	int wo = open(path, O_WRONLY);
	CHECK(wo >= 0, "open O_WRONLY");
	CHECK_ERR(pmem2_source_from_fd(&src, wo), PMEM2_E_INVALID_FILE_HANDLE);
	CHECK(strstr(err_msg(), "O_WRONLY") != NULL, "message: %s", err_msg());
	close(wo);

	int op = open(path, O_PATH);
	CHECK(op >= 0, "open O_PATH");
	CHECK_ERR(pmem2_source_from_fd(&src, op), PMEM2_E_INVALID_FILE_HANDLE);
	CHECK(strstr(err_msg(), "O_PATH") != NULL, "message: %s", err_msg());
	close(op);

	/* read-only is fine */
	int ro = open(path, O_RDONLY);
	CHECK_RC(pmem2_source_from_fd(&src, ro), 0);
	pmem2_source_delete(&src);
	close(ro);

	unlink(path);
	close(keep);
	close(fd);
	CHECK_EQ(test_count_fds(), fds);
}

/* the descriptor closed after the source was made: PMDK's code, with a
 * message that says so, from every call that needs the file */
TEST(closed_after_source)
{
	struct pmem2_source *src = NULL;
	struct pmem2_config *cfg = NULL;
	struct pmem2_map *map = (void *)1;
	int fd = test_tmpfile(8192, NULL, 0, 0);
	char buf[16];
	size_t v = 7;

	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	close(fd);

	CHECK_ERR(pmem2_source_size(src, &v), PMEM2_E_INVALID_FILE_HANDLE);
	CHECK_MSG("not open");
	CHECK_EQ(v, 7);

	CHECK_RC(pmem2_config_new(&cfg), 0);
	CHECK_RC(pmem2_config_set_required_store_granularity(
			 cfg, PMEM2_GRANULARITY_PAGE),
		 0);
	CHECK_ERR(pmem2_map_new(&map, cfg, src), PMEM2_E_INVALID_FILE_HANDLE);
	CHECK(map == NULL, "map not NULL");
	CHECK_ERR(pmem2_source_pread_mcsafe(src, buf, sizeof(buf), 0),
		  PMEM2_E_INVALID_FILE_HANDLE);
	CHECK_ERR(pmem2_source_pwrite_mcsafe(src, buf, sizeof(buf), 0),
		  PMEM2_E_INVALID_FILE_HANDLE);

	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
}

TEST(invalid_types)
{
	struct pmem2_source *src = (void *)1;
	int p[2], s[2];
	int fds = test_count_fds();

	/* directory */
	int d = open(".", O_RDONLY | O_DIRECTORY);
	CHECK_ERR(pmem2_source_from_fd(&src, d), PMEM2_E_INVALID_FILE_TYPE);
	CHECK(src == NULL, "src not NULL");
	CHECK(strstr(err_msg(), "directory") != NULL, "message: %s", err_msg());
	close(d);

	/* pipe */
	CHECK(pipe(p) == 0, "pipe");
	CHECK_ERR(pmem2_source_from_fd(&src, p[0]), PMEM2_E_INVALID_FILE_TYPE);
	CHECK(strstr(err_msg(), "pipe") != NULL, "message: %s", err_msg());
	close(p[0]);
	close(p[1]);

	/* socket */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair");
	CHECK_ERR(pmem2_source_from_fd(&src, s[0]), PMEM2_E_INVALID_FILE_TYPE);
	CHECK(strstr(err_msg(), "socket") != NULL, "message: %s", err_msg());
	close(s[0]);
	close(s[1]);

	/* a character device that is not Device DAX, real sysfs */
	int n = open("/dev/null", O_RDWR);
	if (n >= 0 && access("/sys/dev/char/1:3/subsystem", F_OK) == 0) {
		CHECK_ERR(pmem2_source_from_fd(&src, n),
			  PMEM2_E_INVALID_FILE_TYPE);
		CHECK(strstr(err_msg(), "\"mem\"") != NULL, "message: %s",
		      err_msg());
	}

	/* ... through a fake tree: another subsystem, and no entry */
	struct stat st;
	CHECK(fstat(n, &st) == 0, "fstat /dev/null");
	CHECK(fakesys_create(root, sizeof(root)) == 0, "fakesys");
	char rel[64];
	snprintf(rel, sizeof(rel), "dev/char/%u:%u", major(st.st_rdev),
		 minor(st.st_rdev));
	fakesys_mkdir(root, "class/mem");
	fakesys_mkdir(root, "devices/virtual/mem/null");
	fakesys_symlink(root, "devices/virtual/mem/null/subsystem",
			"/class/mem");
	fakesys_symlink(root, rel, "../../devices/virtual/mem/null");
	sysfs_set_root(root);
	CHECK_ERR(pmem2_source_from_fd(&src, n), PMEM2_E_INVALID_FILE_TYPE);
	CHECK(strstr(err_msg(), "\"mem\"") != NULL, "message: %s", err_msg());
	fakesys_remove(root, rel);
	CHECK_ERR(pmem2_source_from_fd(&src, n), PMEM2_E_INVALID_FILE_TYPE);
	CHECK(strstr(err_msg(), "not a Device DAX") != NULL, "message: %s",
	      err_msg());
	fake_done();
	close(n);

	CHECK_EQ(test_count_fds(), fds);
}

TEST(block_device)
{
	struct pmem2_source *src = (void *)1;
	const char *cands[] = {"/dev/loop0",   "/dev/vda",  "/dev/sda",
			       "/dev/nvme0n1", "/dev/ram0", "/dev/xvda"};
	int fd = -1;

	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		struct stat st;
		if (stat(cands[i], &st) || !S_ISBLK(st.st_mode))
			continue;
		fd = open(cands[i], O_RDONLY | O_NONBLOCK);
		if (fd >= 0)
			break;
	}
	if (fd < 0)
		SKIP("no block device can be opened");
	CHECK_ERR(pmem2_source_from_fd(&src, fd), PMEM2_E_INVALID_FILE_TYPE);
	CHECK(strstr(err_msg(), "block device") != NULL, "message: %s",
	      err_msg());
	CHECK(src == NULL, "src not NULL");
	close(fd);
}

TEST(type_from_stat)
{
	struct stat st;
	enum pmem2_file_type t;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0644;
	CHECK_RC(pmem2_source_type_from_stat(&st, &t), 0);
	CHECK_EQ(t, PMEM2_FTYPE_REG);
	st.st_mode = S_IFDIR | 0755;
	CHECK_RC(pmem2_source_type_from_stat(&st, &t), 0);
	CHECK_EQ(t, PMEM2_FTYPE_DIR);
	st.st_mode = S_IFLNK | 0777;
	CHECK_ERR(pmem2_source_type_from_stat(&st, &t),
		  PMEM2_E_INVALID_FILE_TYPE);
	st.st_mode = S_IFBLK | 0600;
	CHECK_ERR(pmem2_source_type_from_stat(&st, &t),
		  PMEM2_E_INVALID_FILE_TYPE);
}

TEST(regular_file)
{
	struct pmem2_source *src = NULL;
	size_t size = 0, align = 0;
	int fd = test_tmpfile(12345, NULL, 0, 0), got = -1;

	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	CHECK(src != NULL, "src NULL");
	CHECK_EQ(src->type, PMEM2_SOURCE_FD);
	CHECK_EQ(src->ftype, PMEM2_FTYPE_REG);
	CHECK_RC(pmem2_source_get_fd(src, &got), 0);
	CHECK_EQ(got, fd);
	CHECK_RC(pmem2_source_size(src, &size), 0);
	CHECK_EQ(size, 12345);
	CHECK_RC(pmem2_source_alignment(src, &align), 0);
	CHECK_EQ(align, sysconf(_SC_PAGESIZE));

	/* size follows the file */
	CHECK(ftruncate(fd, 1 << 20) == 0, "ftruncate");
	CHECK_RC(pmem2_source_size(src, &size), 0);
	CHECK_EQ(size, 1 << 20);

	/* fstat failures are reported, *size untouched */
	os_fault_inject(OS_FSTAT, 1, EIO);
	size = 7;
	CHECK_ERR(pmem2_source_size(src, &size), -EIO);
	CHECK_EQ(size, 7);
	os_fault_inject(OS_FSTAT, 0, 0);

	CHECK_RC(pmem2_source_delete(&src), 0);
	CHECK(src == NULL, "src not NULL after delete");
	CHECK(fcntl(fd, F_GETFD) != -1, "delete closed the fd");
	CHECK_RC(pmem2_source_delete(&src), 0);
	CHECK_RC(pmem2_source_delete(NULL), 0);
	close(fd);
}

TEST(anon)
{
	struct pmem2_source *src = NULL;
	size_t size = 1, align = 0;
	int fd = 5;

	CHECK_RC(pmem2_source_from_anon(&src, 0), 0);
	CHECK_RC(pmem2_source_size(src, &size), 0);
	CHECK_EQ(size, 0);
	pmem2_source_delete(&src);

	CHECK_RC(pmem2_source_from_anon(&src, 3 << 20), 0);
	CHECK_EQ(src->type, PMEM2_SOURCE_ANON);
	CHECK_RC(pmem2_source_size(src, &size), 0);
	CHECK_EQ(size, 3 << 20);
	CHECK_RC(pmem2_source_alignment(src, &align), 0);
	CHECK_EQ(align, sysconf(_SC_PAGESIZE));
	CHECK_ERR(pmem2_source_get_fd(src, &fd),
		  PMEM2_E_FILE_DESCRIPTOR_NOT_SET);
	CHECK_EQ(fd, 5);
	pmem2_source_delete(&src);

	os_fault_inject(OS_MALLOC, 1, ENOMEM);
	src = (void *)1;
	CHECK_ERR(pmem2_source_from_anon(&src, 4096), -ENOMEM);
	CHECK(src == NULL, "src not NULL");
	os_fault_inject(OS_MALLOC, 0, 0);
}

TEST(devdax)
{
	struct pmem2_source *src = NULL;
	size_t size = 0, align = 0;

	if (fake_devdax(1054867456ULL, 2097152))
		SKIP("cannot build a fake sysfs tree");
	int fd = open("/dev/zero", O_RDWR);
	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	if (!src) {
		fake_done();
		close(fd);
		return;
	}
	CHECK_EQ(src->ftype, PMEM2_FTYPE_DEVDAX);
	CHECK_EQ(src->st_rdev, zero_rdev);
	CHECK_RC(pmem2_source_size(src, &size), 0);
	CHECK_EQ(size, 1054867456ULL);
	CHECK_RC(pmem2_source_alignment(src, &align), 0);
	CHECK_EQ(align, 2097152);

	char f[PATH_MAX + 64], nd[PATH_MAX];
	snprintf(nd, sizeof(nd), "%s", daxpath);
	*strrchr(nd, '/') = '\0'; /* the nd dax device */

	/* fallback 1: the parent device's align */
	snprintf(f, sizeof(f), "%s/align", daxpath);
	fakesys_remove(root, f);
	snprintf(f, sizeof(f), "%s/align", nd);
	fakesys_write(root, f, "4096\n");
	CHECK_RC(pmem2_source_alignment(src, &align), 0);
	CHECK_EQ(align, 4096);

	/* fallback 2: a dax_region/align above the device */
	fakesys_remove(root, f);
	snprintf(f, sizeof(f), "%s/dax_region/align", nd);
	fakesys_write(root, f, "1073741824\n");
	CHECK_RC(pmem2_source_alignment(src, &align), 0);
	CHECK_EQ(align, 1073741824);

	/* none */
	fakesys_remove(root, f);
	align = 3;
	CHECK_ERR(pmem2_source_alignment(src, &align),
		  PMEM2_E_DAX_REGION_NOT_FOUND);
	CHECK_EQ(align, 3);

	/* bad values */
	snprintf(f, sizeof(f), "%s/align", daxpath);
	const char *bad_value[] = {"3000000\n", "0\n", "2048\n"};
	for (size_t i = 0; i < 3; i++) {
		fakesys_write(root, f, "%s", bad_value[i]);
		CHECK_ERR(pmem2_source_alignment(src, &align),
			  PMEM2_E_INVALID_ALIGNMENT_VALUE);
	}
	const char *bad_format[] = {"abc\n", "\n", "-4096\n", "4096k\n",
				    "0x\n"};
	for (size_t i = 0; i < 5; i++) {
		fakesys_write(root, f, "%s", bad_format[i]);
		CHECK_ERR(pmem2_source_alignment(src, &align),
			  PMEM2_E_INVALID_ALIGNMENT_FORMAT);
	}
	fakesys_write(root, f, "0x200000\n");
	CHECK_RC(pmem2_source_alignment(src, &align), 0);
	CHECK_EQ(align, 0x200000);

	/* size */
	snprintf(f, sizeof(f), "%s/size", daxpath);
	const char *bad_size[] = {"xyz\n", "", "-5\n",
				  "99999999999999999999999\n", "12 34\n"};
	for (size_t i = 0; i < 5; i++) {
		fakesys_write(root, f, "%s", bad_size[i]);
		size = 9;
		CHECK_ERR(pmem2_source_size(src, &size),
			  PMEM2_E_INVALID_SIZE_FORMAT);
		CHECK_EQ(size, 9);
	}
	fakesys_write(root, f, "0x1000\n");
	CHECK_RC(pmem2_source_size(src, &size), 0);
	CHECK_EQ(size, 4096);
	fakesys_remove(root, f);
	CHECK_ERR(pmem2_source_size(src, &size), PMEM2_E_DAX_REGION_NOT_FOUND);

	/* the whole device gone from sysfs */
	char link[64];
	snprintf(link, sizeof(link), "dev/char/%u:%u", major(zero_rdev),
		 minor(zero_rdev));
	fakesys_remove(root, link);
	CHECK_ERR(pmem2_source_size(src, &size), PMEM2_E_DAX_REGION_NOT_FOUND);
	CHECK_ERR(pmem2_source_alignment(src, &align),
		  PMEM2_E_DAX_REGION_NOT_FOUND);

	pmem2_source_delete(&src);
	close(fd);
	fake_done();
}

/* the class-device layout of older kernels: .../dax0.0/dax/dax0.0 whose
 * subsystem is class/dax, alignment only in dax_region */
TEST(devdax_class_layout)
{
	struct pmem2_source *src = NULL;
	size_t align = 0, size = 0;
	char rel[PATH_MAX], link[64];

	if (fakesys_create(root, sizeof(root)))
		SKIP("cannot build a fake sysfs tree");
	snprintf(rel, sizeof(rel), "%s/region0/dax0.0/dax/dax0.0",
		 FAKESYS_NDBUS);
	char f[PATH_MAX + 64];
	snprintf(f, sizeof(f), "%s/size", rel);
	fakesys_write(root, f, "4194304\n");
	fakesys_mkdir(root, "class/dax");
	snprintf(f, sizeof(f), "%s/subsystem", rel);
	fakesys_symlink(root, f, "/class/dax");
	snprintf(f, sizeof(f), "%s/region0/dax0.0/dax_region/align",
		 FAKESYS_NDBUS);
	fakesys_write(root, f, "2097152\n");
	snprintf(link, sizeof(link), "dev/char/%u:%u", major(zero_rdev),
		 minor(zero_rdev));
	char target[PATH_MAX + 8];
	snprintf(target, sizeof(target), "/%s", rel);
	fakesys_symlink(root, link, target);
	sysfs_set_root(root);

	int fd = open("/dev/zero", O_RDONLY);
	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	if (src) {
		CHECK_EQ(src->ftype, PMEM2_FTYPE_DEVDAX);
		CHECK_RC(pmem2_source_size(src, &size), 0);
		CHECK_EQ(size, 4194304);
		CHECK_RC(pmem2_source_alignment(src, &align), 0);
		CHECK_EQ(align, 2097152);
		pmem2_source_delete(&src);
	}
	close(fd);
	fake_done();
}

TEST(fault_injection)
{
	struct pmem2_source *src;
	int fd = test_tmpfile(8192, NULL, 0, 0);
	int fds = test_count_fds();

	os_fault_reset();

	os_fault_inject(OS_FCNTL, 1, EBADF);
	src = (void *)1;
	CHECK_ERR(pmem2_source_from_fd(&src, fd), PMEM2_E_INVALID_FILE_HANDLE);
	CHECK(src == NULL, "src not NULL");
	os_fault_inject(OS_FCNTL, 1, EIO);
	CHECK_ERR(pmem2_source_from_fd(&src, fd), -EIO);
	os_fault_inject(OS_FCNTL, 0, 0);

	os_fault_inject(OS_FSTAT, 1, EIO);
	src = (void *)1;
	CHECK_ERR(pmem2_source_from_fd(&src, fd), -EIO);
	CHECK(src == NULL, "src not NULL");
	os_fault_inject(OS_FSTAT, 1, EBADF);
	CHECK_ERR(pmem2_source_from_fd(&src, fd), PMEM2_E_INVALID_FILE_HANDLE);
	os_fault_inject(OS_FSTAT, 0, 0);

	os_fault_inject(OS_MALLOC, 1, ENOMEM);
	src = (void *)1;
	CHECK_ERR(pmem2_source_from_fd(&src, fd), -ENOMEM);
	CHECK(src == NULL, "src not NULL");
	os_fault_inject(OS_MALLOC, 0, 0);

	/* Device DAX: every sysfs access of classification, size and
	 * alignment, one at a time */
	if (fake_devdax(1 << 30, 2 << 20) == 0) {
		int z = open("/dev/zero", O_RDWR);
		int zfds = test_count_fds();

		os_fault_inject(OS_SYSFS, 1, EIO);
		src = (void *)1;
		CHECK_ERR(pmem2_source_from_fd(&src, z), -EIO);
		CHECK(src == NULL, "src not NULL");
		os_fault_inject(OS_SYSFS, 1, EACCES);
		CHECK_ERR(pmem2_source_from_fd(&src, z), -EACCES);
		os_fault_inject(OS_SYSFS, 0, 0);

		CHECK_RC(pmem2_source_from_fd(&src, z), 0);
		size_t v = 0;
		os_fault_inject(OS_SYSFS, 1, EIO);
		CHECK_ERR(pmem2_source_size(src, &v), -EIO);
		os_fault_inject(OS_SYSFS, 1, EIO);
		CHECK_ERR(pmem2_source_alignment(src, &v), -EIO);

		/* alignment from the dax_region: the walk's accesses */
		char f[PATH_MAX + 64];
		snprintf(f, sizeof(f), "%s/align", daxpath);
		fakesys_remove(root, f);
		snprintf(f, sizeof(f), "%s/../dax_region/align", daxpath);
		fakesys_write(root, f, "2097152\n");
		os_fault_reset();
		CHECK_RC(pmem2_source_alignment(src, &v), 0);
		CHECK_EQ(v, 2097152);
		unsigned long calls = os_fault_calls(OS_SYSFS);
		CHECK(calls >= 4, "only %lu sysfs calls", calls);
		for (unsigned long n = 1; n <= calls; n++) {
			os_fault_inject(OS_SYSFS, n, EIO);
			err_clear();
			v = 0;
			int rc = pmem2_source_alignment(src, &v);
			CHECK(rc == -EIO, "call %lu: rc %d", n, rc);
			CHECK(err_msg()[0] != '\0', "call %lu: no message", n);
			CHECK_EQ(v, 0);
		}
		os_fault_inject(OS_SYSFS, 0, 0);
		pmem2_source_delete(&src);
		CHECK_EQ(test_count_fds(), zfds);
		close(z);
		fake_done();
	}

	CHECK_EQ(test_count_fds(), fds);
	close(fd);
}

int main(void)
{
	struct stat st;
	if (stat("/dev/zero", &st) == 0 && S_ISCHR(st.st_mode))
		zero_rdev = st.st_rdev;

	RUN(invalid_handles);
	RUN(closed_after_source);
	RUN(invalid_types);
	RUN(block_device);
	RUN(type_from_stat);
	RUN(regular_file);
	RUN(anon);
	if (zero_rdev) {
		RUN(devdax);
		RUN(devdax_class_layout);
	}
	RUN(fault_injection);
	return test_done();
}
