/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_region.c -- which NVDIMM region backs a source, read from fake
 * sysfs trees of every layout the library must understand (fsdax disk,
 * partition, btt, Device DAX on the dax bus and as a class device,
 * virtio-pmem, a CXL region above its nvdimm bus, device-mapper, nothing),
 * the persistence-domain predicates, number parsing, fault injection, and
 * that none of it ever writes to stderr.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libpmem2.h>
#include "core/err.h"
#include "core/os.h"
#include "core/sysfs.h"
#include "pmem2/granularity.h"
#include "pmem2/region.h"
#include "pmem2/source.h"
#include "fakesys.h"
#include "test.h"

static char root[PATH_MAX];
static int file_fd = -1;
static struct stat file_st;
static struct pmem2_source *file_src; /* a tmp file */
static int zero_fd = -1;
static dev_t zero_rdev;
static int saved_stderr = -1;
static char stderr_path[PATH_MAX];

static void quiet_begin(void)
{
	int fd = test_tmpfile(0, stderr_path, sizeof(stderr_path), 1);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

/* true when nothing was written to stderr since quiet_begin */
static int quiet_end(void)
{
	struct stat st;
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	int ok = stat(stderr_path, &st) == 0 && st.st_size == 0;
	unlink(stderr_path);
	return ok;
}

static void fake_begin(void)
{
	if (fakesys_create(root, sizeof(root))) {
		printf("cannot create a fake sysfs tree\n");
		exit(2);
	}
	sysfs_set_root(root);
}

static void fake_end(void)
{
	sysfs_set_root(NULL);
	fakesys_destroy(root);
}

/* map the tmp file's st_dev to the device at rel (relative to root) */
static void link_file_dev(const char *rel)
{
	char link[64], target[PATH_MAX + 8];
	snprintf(link, sizeof(link), "dev/block/%u:%u", major(file_st.st_dev),
		 minor(file_st.st_dev));
	snprintf(target, sizeof(target), "/%s", rel);
	fakesys_mkdir(root, rel);
	fakesys_symlink(root, link, target);
}

static struct pmem2_source *devdax_src(void)
{
	struct pmem2_source *src = NULL;
	if (pmem2_source_from_fd(&src, zero_fd))
		return NULL;
	return src;
}

TEST(parse_u64)
{
	uint64_t v = 0;
	CHECK_RC(sysfs_parse_u64("0", &v), 0);
	CHECK_EQ(v, 0);
	CHECK_RC(sysfs_parse_u64("  42\n", &v), 0);
	CHECK_EQ(v, 42);
	CHECK_RC(sysfs_parse_u64("0x10", &v), 0);
	CHECK_EQ(v, 16);
	CHECK_RC(sysfs_parse_u64("0X1f", &v), 0);
	CHECK_EQ(v, 31);
	CHECK_RC(sysfs_parse_u64("18446744073709551615", &v), 0);
	CHECK(v == UINT64_MAX, "max");
	const char *bad[] = {"",   " ",	  "-1", "+1",  "1 2",
			     "0x", "0xg", "1k", "abc", "18446744073709551616"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 77;
		CHECK(sysfs_parse_u64(bad[i], &v) == -EINVAL, "\"%s\" accepted",
		      bad[i]);
		CHECK_EQ(v, 77);
	}
}

/* sysfs_read never returns a shortened value: exactly full is fine (a
 * trailing newline beyond the buffer too), one byte more is -EOVERFLOW;
 * sysfs_read_alloc reads any length; a number with more text than any
 * 64-bit number needs is "not a number", not its first 63 bytes */
TEST(read_whole_attribute)
{
	char rootdir[PATH_MAX], buf[8], text[SYSFS_NUM_TEXT];
	static char big[100000];
	char *all = NULL;
	uint64_t v = 5;

	CHECK_RC(fakesys_create(rootdir, sizeof(rootdir)), 0);
	sysfs_set_root(rootdir);
	fakesys_write(rootdir, "/a", "1234567");
	CHECK_EQ(sysfs_read("/sys/a", buf, sizeof(buf)), 7);
	CHECK(strcmp(buf, "1234567") == 0, "\"%s\"", buf);
	fakesys_write(rootdir, "/a", "1234567\n");
	CHECK_EQ(sysfs_read("/sys/a", buf, sizeof(buf)), 7);
	CHECK(strcmp(buf, "1234567") == 0, "\"%s\"", buf);
	fakesys_write(rootdir, "/a", "12345678");
	CHECK_EQ(sysfs_read("/sys/a", buf, sizeof(buf)), -EOVERFLOW);
	fakesys_write(rootdir, "/a", "1234567\n\n");
	CHECK_EQ(sysfs_read("/sys/a", buf, sizeof(buf)), -EOVERFLOW);
	fakesys_write(rootdir, "/a", "123456\n");
	CHECK_EQ(sysfs_read("/sys/a", buf, sizeof(buf)), 6);

	memset(big, 'z', sizeof(big) - 1);
	fakesys_write(rootdir, "/a", "%s\n", big);
	CHECK_EQ(sysfs_read_alloc("/sys/a", &all), (int)sizeof(big) - 1);
	CHECK(all && strcmp(all, big) == 0, "sysfs_read_alloc");
	os_free(all);
	all = NULL;
	fakesys_write(rootdir, "/a", "%s", "");
	CHECK_EQ(sysfs_read_alloc("/sys/a", &all), 0);
	CHECK(all && all[0] == '\0', "empty");
	os_free(all);
	all = (char *)1;
	CHECK_EQ(sysfs_read_alloc("/sys/none", &all), -ENOENT);
	CHECK(all == NULL, "*out after failure");

	memset(big, '0', 100);
	big[100] = '\0';
	fakesys_write(rootdir, "/n", "%s1\n", big);
	CHECK_EQ(sysfs_read_u64("/sys/n", &v, text), SYSFS_E_NOT_NUMBER);
	CHECK_EQ(v, 5);
	CHECK(strstr(text, "more than 63 bytes") != NULL, "text \"%s\"", text);
	sysfs_set_root(NULL);
	fakesys_destroy(rootdir);
}

TEST(not_on_pmem)
{
	struct pmem2_source *anon;
	struct pmem2_region r;

	quiet_begin();
	CHECK_RC(pmem2_source_from_anon(&anon, 4096), 0);
	memset(&r, 0x55, sizeof(r));
	CHECK_RC(pmem2_region_of_source(anon, &r), 1);
	CHECK(r.name[0] == '\0', "name \"%s\"", r.name);
	pmem2_source_delete(&anon);

	/* the real sysfs of the build machine: a tmp file is not on pmem
	 * unless the machine has an fsdax mount as TMPDIR, which the
	 * device's sysfs path tells (an NVDIMM region on the way) */
	char want[64] = "";
	int on_pmem = test_dev_region(file_st.st_dev, want, sizeof(want));
	CHECK_RC(pmem2_region_of_source(file_src, &r), on_pmem ? 0 : 1);
	CHECK(strcmp(r.name, want) == 0,
	      "real sysfs: region \"%s\", not \"%s\"", r.name, want);

	/* no entry for the device at all (tmpfs, overlayfs) */
	fake_begin();
	CHECK_RC(pmem2_region_of_source(file_src, &r), 1);
	/* a device, but on no region: a plain disk, device-mapper */
	link_file_dev("devices/pci0000:00/0000:00:04.0/virtio1/block/vda");
	CHECK_RC(pmem2_region_of_source(file_src, &r), 1);
	link_file_dev("devices/virtual/block/dm-0");
	CHECK_RC(pmem2_region_of_source(file_src, &r), 1);
	/* names that only look like regions */
	link_file_dev("devices/platform/regions/region1a/namespace1.0/block/x");
	CHECK_RC(pmem2_region_of_source(file_src, &r), 1);
	link_file_dev("devices/platform/region/block/x");
	CHECK_RC(pmem2_region_of_source(file_src, &r), 1);
	fake_end();
	CHECK(quiet_end(), "something was written to stderr");
}

TEST(fsdax)
{
	struct pmem2_region r;
	char path[PATH_MAX], sysdev[PATH_MAX];

	fake_begin();
	fakesys_region(root, 1, "memory_controller");
	fakesys_fsdax(root, 1, 0, "pmem1", file_st.st_dev, path, sizeof(path));
	CHECK_RC(pmem2_region_and_device_of_source(file_src, &r, sysdev), 0);
	CHECK(strcmp(r.name, "region1") == 0, "name %s", r.name);
	CHECK(strcmp(r.namespace, "namespace1.0") == 0, "ns %s", r.namespace);
	CHECK(strcmp(r.blockdev, "pmem1") == 0, "blockdev %s", r.blockdev);
	char want[PATH_MAX + 8];
	snprintf(want, sizeof(want), "/sys/%s", path);
	CHECK(strcmp(sysdev, want) == 0, "sysdev %s", sysdev);

	char buf[64];
	fakesys_write(root, FAKESYS_NDBUS "/region1/numa_node", "1\n");
	CHECK_RC(pmem2_region_attr(&r, "numa_node", buf, sizeof(buf)), 1);
	CHECK(strcmp(buf, "1") == 0, "numa_node %s", buf);
	CHECK_RC(pmem2_region_attr(&r, "nope", buf, sizeof(buf)), -ENOENT);
	struct pmem2_region empty;
	memset(&empty, 0, sizeof(empty));
	CHECK_RC(pmem2_region_attr(&empty, "numa_node", buf, sizeof(buf)),
		 -ENOENT);

	/* a partition: the disk is the parent */
	link_file_dev(FAKESYS_NDBUS "/region1/namespace1.0/block/pmem1/"
				    "pmem1p2");
	CHECK_RC(pmem2_region_and_device_of_source(file_src, &r, sysdev), 0);
	CHECK(strcmp(r.blockdev, "pmem1") == 0, "blockdev %s", r.blockdev);
	CHECK(strstr(sysdev, "/pmem1/pmem1p2") != NULL, "sysdev %s", sysdev);

	/* sector mode: btt between region and disk, namespace from the
	 * btt's attribute */
	fakesys_region(root, 2, NULL);
	link_file_dev(FAKESYS_NDBUS "/region2/btt2.1/block/pmem2s");
	fakesys_symlink(root, "bus/nd/devices/btt2.1",
			"../../../" FAKESYS_NDBUS "/region2/btt2.1");
	fakesys_write(root, FAKESYS_NDBUS "/region2/btt2.1/namespace",
		      "namespace2.1\n");
	CHECK_RC(pmem2_region_of_source(file_src, &r), 0);
	CHECK(strcmp(r.name, "region2") == 0, "name %s", r.name);
	CHECK(strcmp(r.namespace, "namespace2.1") == 0, "ns %s", r.namespace);
	CHECK(strcmp(r.blockdev, "pmem2s") == 0, "blockdev %s", r.blockdev);
	/* garbage in the attribute: namespace unknown, not an error */
	fakesys_write(root, FAKESYS_NDBUS "/region2/btt2.1/namespace",
		      "../x\n");
	CHECK_RC(pmem2_region_of_source(file_src, &r), 0);
	CHECK(r.namespace[0] == '\0', "ns %s", r.namespace);

	/* virtio-pmem */
	link_file_dev("devices/pci0000:00/0000:00:05.0/virtio2/ndbus1/"
		      "region3/namespace3.0/block/pmem3");
	CHECK_RC(pmem2_region_of_source(file_src, &r), 0);
	CHECK(strcmp(r.name, "region3") == 0, "name %s", r.name);
	CHECK(strcmp(r.blockdev, "pmem3") == 0, "blockdev %s", r.blockdev);

	/* a CXL region above the nvdimm bus: the deepest region counts */
	link_file_dev("devices/platform/ACPI0017:00/root0/decoder0.0/region0/"
		      "pmem_region0/ndbus1/region1/namespace1.0/block/pmem1");
	CHECK_RC(pmem2_region_of_source(file_src, &r), 0);
	CHECK(strcmp(r.name, "region1") == 0, "name %s", r.name);
	CHECK(strcmp(r.namespace, "namespace1.0") == 0, "ns %s", r.namespace);
	fake_end();
}

TEST(devdax)
{
	struct pmem2_region r;
	char path[PATH_MAX], sysdev[PATH_MAX];

	fake_begin();
	fakesys_region(root, 0, "cpu_cache");
	fakesys_devdax(root, 0, 0, zero_rdev, 1 << 30, 2 << 20, path,
		       sizeof(path));
	struct pmem2_source *src = devdax_src();
	CHECK(src != NULL, "devdax source");
	if (!src) {
		fake_end();
		return;
	}
	CHECK_RC(pmem2_region_and_device_of_source(src, &r, sysdev), 0);
	CHECK(strcmp(r.name, "region0") == 0, "name %s", r.name);
	CHECK(strcmp(r.namespace, "namespace0.0") == 0, "ns %s", r.namespace);
	CHECK(r.blockdev[0] == '\0', "blockdev %s", r.blockdev);
	CHECK(strstr(sysdev, "region0/dax0.0/dax0.0") != NULL, "sysdev %s",
	      sysdev);

	/* class layout of older kernels: .../dax0.0/dax/dax0.0 */
	char link[64];
	snprintf(link, sizeof(link), "dev/char/%u:%u", major(zero_rdev),
		 minor(zero_rdev));
	fakesys_mkdir(root, FAKESYS_NDBUS "/region0/dax0.0/dax/dax0.0");
	fakesys_symlink(root, link,
			"/" FAKESYS_NDBUS "/region0/dax0.0/dax/dax0.0");
	CHECK_RC(pmem2_region_of_source(src, &r), 0);
	CHECK(strcmp(r.name, "region0") == 0, "name %s", r.name);
	CHECK(strcmp(r.namespace, "namespace0.0") == 0, "ns %s", r.namespace);

	/* a dax device not on an nvdimm (hmem): no region */
	fakesys_mkdir(root, "devices/platform/hmem.0/dax1.0");
	fakesys_symlink(root, link, "/devices/platform/hmem.0/dax1.0");
	CHECK_RC(pmem2_region_of_source(src, &r), 1);

	pmem2_source_delete(&src);
	fake_end();
}

TEST(eadr)
{
	struct pmem2_region r;
	char dom[32];

	fake_begin();
	memset(&r, 0, sizeof(r));
	strcpy(r.name, "region1");

	/* no bus at all */
	CHECK(!pmem2_all_regions_eadr(), "eADR without regions");
	memset(dom, 'x', sizeof(dom));
	CHECK(!pmem2_region_is_eadr(&r, dom, sizeof(dom)), "eADR, no file");
	CHECK(dom[0] == '\0', "domain \"%s\"", dom);
	CHECK(!pmem2_region_is_eadr(NULL, dom, sizeof(dom)), "NULL region");

	fakesys_mkdir(root, "bus/nd/devices");
	CHECK(!pmem2_all_regions_eadr(), "eADR with an empty bus");

	fakesys_region(root, 1, "cpu_cache");
	CHECK(pmem2_region_is_eadr(&r, dom, sizeof(dom)), "cpu_cache");
	CHECK(strcmp(dom, "cpu_cache") == 0, "domain \"%s\"", dom);
	CHECK(pmem2_region_is_eadr(&r, NULL, 0), "cpu_cache, NULL domain");
	char small[4];
	CHECK(pmem2_region_is_eadr(&r, small, sizeof(small)), "small buf");
	CHECK(strcmp(small, "cpu") == 0, "truncated \"%s\"", small);
	CHECK(pmem2_all_regions_eadr(), "one cpu_cache region");

	/* other objects on the bus do not count */
	fakesys_dimm(root, 1, 0, 0, "8089-a2-1837-00000bb3", "0");
	fakesys_fsdax(root, 1, 0, "pmem1", makedev(259, 0), NULL, 0);
	CHECK(pmem2_all_regions_eadr(), "nmem/namespace counted");

	fakesys_write(root, FAKESYS_NDBUS "/region1/persistence_domain",
		      "memory_controller\n");
	CHECK(!pmem2_region_is_eadr(&r, dom, sizeof(dom)), "ADR");
	CHECK(strcmp(dom, "memory_controller") == 0, "domain \"%s\"", dom);
	CHECK(!pmem2_all_regions_eadr(), "ADR region");

	/* exactness: "cpu_cache" and nothing else */
	fakesys_write(root, FAKESYS_NDBUS "/region1/persistence_domain",
		      "cpu_cache_x\n");
	CHECK(!pmem2_region_is_eadr(&r, dom, sizeof(dom)), "cpu_cache_x");

	/* two regions, one without the file (virtio-pmem) */
	fakesys_write(root, FAKESYS_NDBUS "/region1/persistence_domain",
		      "cpu_cache\n");
	fakesys_region(root, 2, NULL);
	CHECK(!pmem2_all_regions_eadr(), "a region without the file");
	fakesys_write(root, FAKESYS_NDBUS "/region2/persistence_domain",
		      "cpu_cache\n");
	CHECK(pmem2_all_regions_eadr(), "two cpu_cache regions");

	/* any failure: not eADR */
	os_fault_reset();
	CHECK(pmem2_all_regions_eadr(), "two cpu_cache regions");
	unsigned long calls = os_fault_calls(OS_SYSFS);
	CHECK_EQ(calls, 3);
	for (unsigned long n = 1; n <= calls; n++) {
		os_fault_inject(OS_SYSFS, n, EIO);
		CHECK(!pmem2_all_regions_eadr(), "call %lu failed: eADR", n);
	}
	os_fault_inject(OS_SYSFS, 1, EIO);
	CHECK(!pmem2_region_is_eadr(&r, dom, sizeof(dom)), "read failed");
	CHECK(dom[0] == '\0', "domain \"%s\"", dom);
	os_fault_inject(OS_SYSFS, 0, 0);
	fake_end();
}

TEST(fault_injection)
{
	struct pmem2_region r;
	int fds = test_count_fds();

	fake_begin();
	fakesys_region(root, 0, "cpu_cache");
	fakesys_devdax(root, 0, 0, zero_rdev, 1 << 30, 2 << 20, NULL, 0);
	struct pmem2_source *src = devdax_src();
	CHECK(src != NULL, "devdax source");
	if (!src) {
		fake_end();
		return;
	}

	quiet_begin();
	os_fault_reset();
	CHECK_RC(pmem2_region_of_source(src, &r), 0);
	CHECK_EQ(os_fault_calls(OS_SYSFS), 2); /* realpath, namespace */

	const int errs[] = {EIO, EACCES, ENOMEM};
	for (size_t i = 0; i < 3; i++) {
		os_fault_inject(OS_SYSFS, 1, errs[i]);
		err_clear();
		memset(&r, 0x55, sizeof(r));
		CHECK_RC(pmem2_region_of_source(src, &r), -errs[i]);
		CHECK(err_msg()[0] != '\0', "no message");
		CHECK(r.name[0] == '\0', "name \"%s\"", r.name);
	}
	/* the namespace is optional information */
	os_fault_inject(OS_SYSFS, 2, EIO);
	CHECK_RC(pmem2_region_of_source(src, &r), 0);
	CHECK(strcmp(r.name, "region0") == 0, "name %s", r.name);
	CHECK(r.namespace[0] == '\0', "ns %s", r.namespace);
	os_fault_inject(OS_SYSFS, 0, 0);
	CHECK(quiet_end(), "something was written to stderr");

	pmem2_source_delete(&src);
	fake_end();
	CHECK_EQ(test_count_fds(), fds);
}

int main(void)
{
	struct stat st;

	file_fd = test_tmpfile(1 << 20, NULL, 0, 0);
	fstat(file_fd, &file_st);
	if (pmem2_source_from_fd(&file_src, file_fd)) {
		printf("cannot make a source of a tmp file: %s\n", err_msg());
		return 1;
	}
	if (stat("/dev/zero", &st) == 0 && S_ISCHR(st.st_mode)) {
		zero_rdev = st.st_rdev;
		zero_fd = open("/dev/zero", O_RDWR);
	}

	RUN(parse_u64);
	RUN(read_whole_attribute);
	RUN(not_on_pmem);
	RUN(fsdax);
	if (zero_fd >= 0) {
		RUN(devdax);
		RUN(fault_injection);
	}
	RUN(eadr);

	pmem2_source_delete(&file_src);
	close(file_fd);
	if (zero_fd >= 0)
		close(zero_fd);
	return test_done();
}
