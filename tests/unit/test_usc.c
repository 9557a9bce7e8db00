/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_usc.c -- device id, unsafe shutdown count and NUMA node of a
 * source, from fake sysfs trees: buffer-length protocol, multi-DIMM ids,
 * every "not supported" reason with its message, malformed attributes and
 * fault injection on each sysfs access.
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
#include "pmem2/source.h"
#include "fakesys.h"
#include "test.h"
#include "errcheck.h"


#define ID0 "8089-a2-1837-00000bb3"
#define ID1 "8089-a2-1837-00000c01"
#define NMEM(n, attr) FAKESYS_NDBUS "/nmem" #n "/" attr

static char root[PATH_MAX];
static struct stat file_st;
static struct pmem2_source *src; /* a tmp file, on region1 in the fake */

/* region1 with DIMMs nmem0 (usc 3) and nmem1 (usc 4), the tmp file on
 * its disk pmem1; the bus at least `deep` bytes down the device tree */
static void fake_begin_deep(size_t deep)
{
	if (fakesys_create(root, sizeof(root)) ||
	    (deep && fakesys_deep_bus(root, deep))) {
		printf("cannot create a fake sysfs tree\n");
		exit(2);
	}
	fakesys_region(root, 1, "memory_controller");
	fakesys_write(root, FAKESYS_NDBUS "/region1/numa_node", "1\n");
	fakesys_fsdax(root, 1, 0, "pmem1", file_st.st_dev, NULL, 0);
	fakesys_dimm(root, 1, 0, 0, ID0, "3");
	fakesys_dimm(root, 1, 1, 1, ID1, "4");
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

TEST(device_id)
{
	char id[128];
	size_t len = 0;

	fake_begin();
	CHECK_RC(pmem2_source_device_id(src, NULL, &len), 0);
	CHECK_EQ(len, strlen(ID0 "," ID1) + 1);

	memset(id, 'x', sizeof(id));
	id[sizeof(id) - 1] = '\0'; /* a non-empty buffer is overwritten */
	CHECK_RC(pmem2_source_device_id(src, id, &len), 0);
	CHECK(strcmp(id, ID0 "," ID1) == 0, "id \"%s\"", id);

	size_t big = sizeof(id);
	CHECK_RC(pmem2_source_device_id(src, id, &big), 0);
	CHECK(strcmp(id, ID0 "," ID1) == 0, "id \"%s\"", id);
	CHECK_EQ(big, sizeof(id));

	size_t small = len - 1;
	CHECK_ERR(pmem2_source_device_id(src, id, &small),
		  PMEM2_E_BUFFER_TOO_SMALL);
	CHECK_MSG("needs 44 bytes");
	CHECK_EQ(small, len - 1);
	CHECK(id[0] == '\0', "id \"%s\" after failure", id);
	small = 0;
	CHECK_ERR(pmem2_source_device_id(src, id, &small),
		  PMEM2_E_BUFFER_TOO_SMALL);
	small = 5; /* not even the first id fits */
	CHECK_ERR(pmem2_source_device_id(src, id, &small),
		  PMEM2_E_BUFFER_TOO_SMALL);

	/* one DIMM: the id is exactly the DIMM's (as in PMDK) */
	fakesys_remove(root, FAKESYS_NDBUS "/region1/mapping1");
	CHECK_RC(pmem2_source_device_id(src, NULL, &len), 0);
	CHECK_EQ(len, sizeof(ID0));
	CHECK_RC(pmem2_source_device_id(src, id, &len), 0);
	CHECK(strcmp(id, ID0) == 0, "id \"%s\"", id);

	/* nfit/id missing: the generic id */
	fakesys_remove(root, NMEM(0, "nfit/id"));
	fakesys_write(root, NMEM(0, "id"), "generic-0\n");
	len = sizeof(id);
	CHECK_RC(pmem2_source_device_id(src, id, &len), 0);
	CHECK(strcmp(id, "generic-0") == 0, "id \"%s\"", id);

	/* no id at all */
	fakesys_remove(root, NMEM(0, "id"));
	CHECK_ERR(pmem2_source_device_id(src, NULL, &len), PMEM2_E_NOSUPP);
	CHECK_MSG("nmem0 exposes no id");
	fakesys_write(root, NMEM(0, "id"), "\n");
	CHECK_ERR(pmem2_source_device_id(src, NULL, &len), PMEM2_E_NOSUPP);
	CHECK_MSG("empty");

	/* malformed mapping */
	fakesys_write(root, FAKESYS_NDBUS "/region1/mapping0", "garbage\n");
	CHECK_ERR(pmem2_source_device_id(src, NULL, &len),
		  PMEM2_E_INVALID_DEV_FORMAT);
	fakesys_write(root, FAKESYS_NDBUS "/region1/mapping0", ",0,0,0\n");
	CHECK_ERR(pmem2_source_device_id(src, NULL, &len),
		  PMEM2_E_INVALID_DEV_FORMAT);

	/* a region without DIMMs (virtio-pmem) */
	fakesys_remove(root, FAKESYS_NDBUS "/region1/mapping0");
	CHECK_ERR(pmem2_source_device_id(src, NULL, &len), PMEM2_E_NOSUPP);
	CHECK_MSG("region1 lists no DIMMs");
	fake_end();
}

/* Ids longer than any fixed buffer (the kernel bounds an attribute only
 * by a page): the whole id, never a shortened one (a cut id would name
 * another device). An overlong mapping attribute is refused. */
TEST(long_ids)
{
	static const size_t lens[] = {255, 256, 300, 5000, 70000};
	size_t len = 0;

	fake_begin();
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = lens[i];
		char *want = malloc(n + sizeof(ID1) + 1);
		CHECK(want != NULL, "malloc");
		if (!want)
			break;
		for (size_t k = 0; k < n; k++)
			want[k] = (char)('a' + (k * 7 + i) % 26);
		want[n] = '\0';
		fakesys_write(root, NMEM(0, "nfit/id"), "%s\n", want);
		strcat(want, "," ID1);

		CHECK_RC(pmem2_source_device_id(src, NULL, &len), 0);
		CHECK_EQ(len, strlen(want) + 1);
		char *id = malloc(len);
		CHECK(id != NULL, "malloc");
		if (id) {
			CHECK_RC(pmem2_source_device_id(src, id, &len), 0);
			CHECK(strcmp(id, want) == 0,
			      "a %zu-byte id read back as %zu bytes", n,
			      strlen(id));
			free(id);
		}
		free(want);
	}

	/* a mapping attribute longer than any "nmemX,offset,length,pos" */
	char big[400];
	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fakesys_write(root, FAKESYS_NDBUS "/region1/mapping0", "nmem0,%s\n",
		      big);
	CHECK_ERR(pmem2_source_device_id(src, NULL, &len),
		  PMEM2_E_INVALID_DEV_FORMAT);
	CHECK_MSG("holds more than 127 bytes");
	fake_end();
}

TEST(usc)
{
	uint64_t usc = 0;

	fake_begin();
	CHECK_RC(pmem2_source_device_usc(src, &usc), 0);
	CHECK_EQ(usc, 7);

	fakesys_write(root, NMEM(1, "nfit/dirty_shutdown"), "0x10\n");
	CHECK_RC(pmem2_source_device_usc(src, &usc), 0);
	CHECK_EQ(usc, 19);

	usc = 99;
	fakesys_remove(root, NMEM(1, "nfit/dirty_shutdown"));
	CHECK_ERR(pmem2_source_device_usc(src, &usc), PMEM2_E_NOSUPP);
	CHECK_MSG("nmem1 exposes no dirty_shutdown count (emulated NVDIMM?)");
	CHECK_EQ(usc, 99);

	fakesys_write(root, NMEM(1, "nfit/dirty_shutdown"), "-1\n");
	CHECK_ERR(pmem2_source_device_usc(src, &usc), PMEM2_E_NOSUPP);
	CHECK_MSG("unknown");
	fakesys_write(root, NMEM(1, "nfit/dirty_shutdown"), "lots\n");
	CHECK_ERR(pmem2_source_device_usc(src, &usc),
		  PMEM2_E_INVALID_DEV_FORMAT);
	fakesys_write(root, NMEM(0, "nfit/dirty_shutdown"),
		      "18446744073709551615\n");
	fakesys_write(root, NMEM(1, "nfit/dirty_shutdown"), "1\n");
	CHECK_ERR(pmem2_source_device_usc(src, &usc),
		  PMEM2_E_INVALID_DEV_FORMAT);
	CHECK_MSG("overflow");
	CHECK_EQ(usc, 99);

	fakesys_remove(root, FAKESYS_NDBUS "/region1/mapping0");
	fakesys_remove(root, FAKESYS_NDBUS "/region1/mapping1");
	CHECK_ERR(pmem2_source_device_usc(src, &usc), PMEM2_E_NOSUPP);
	CHECK_MSG("lists no DIMMs");
	fake_end();
}

TEST(numa)
{
	int node = 77;

	fake_begin();
	CHECK_RC(pmem2_source_numa_node(src, &node), 0);
	CHECK_EQ(node, 1);
	fakesys_write(root, FAKESYS_NDBUS "/region1/numa_node", "-1\n");
	CHECK_RC(pmem2_source_numa_node(src, &node), 0);
	CHECK_EQ(node, -1);

	node = 77;
	const char *bad[] = {"-2\n", "x\n", "\n", "99999999999\n", "1 2\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fakesys_write(root, FAKESYS_NDBUS "/region1/numa_node", "%s",
			      bad[i]);
		CHECK_ERR(pmem2_source_numa_node(src, &node),
			  PMEM2_E_INVALID_DEV_FORMAT);
		CHECK_EQ(node, 77);
	}
	fakesys_remove(root, FAKESYS_NDBUS "/region1/numa_node");
	CHECK_ERR(pmem2_source_numa_node(src, &node), PMEM2_E_NOSUPP);
	CHECK_MSG("numa_node");
	fake_end();
}

TEST(not_supported)
{
	struct pmem2_source *anon;
	char id[64];
	size_t len = sizeof(id);
	uint64_t usc = 5;
	int node = 5;

	CHECK_RC(pmem2_source_from_anon(&anon, 4096), 0);
	CHECK_ERR(pmem2_source_device_id(anon, id, &len), PMEM2_E_NOSUPP);
	CHECK_MSG("anonymous");
	CHECK_ERR(pmem2_source_device_usc(anon, &usc), PMEM2_E_NOSUPP);
	CHECK_MSG("anonymous");
	CHECK_ERR(pmem2_source_numa_node(anon, &node), PMEM2_E_NOSUPP);
	CHECK_MSG("anonymous");
	pmem2_source_delete(&anon);

	/* a file on no region */
	if (fakesys_create(root, sizeof(root)))
		exit(2);
	sysfs_set_root(root);
	CHECK_ERR(pmem2_source_device_id(src, NULL, &len), PMEM2_E_NOSUPP);
	CHECK_MSG("not on persistent memory");
	CHECK_ERR(pmem2_source_device_usc(src, &usc), PMEM2_E_NOSUPP);
	CHECK_MSG("not on persistent memory");
	CHECK_ERR(pmem2_source_numa_node(src, &node),
		  PMEM2_E_DAX_REGION_NOT_FOUND);
	CHECK_MSG("not on persistent memory");
	CHECK_EQ(usc, 5);
	CHECK_EQ(node, 5);
	CHECK_EQ(len, sizeof(id));
	fake_end();
}

TEST(devdax)
{
	struct stat st;
	if (stat("/dev/zero", &st) || !S_ISCHR(st.st_mode))
		SKIP("no /dev/zero");

	fake_begin();
	fakesys_region(root, 0, "cpu_cache");
	fakesys_write(root, FAKESYS_NDBUS "/region0/numa_node", "0\n");
	fakesys_devdax(root, 0, 0, st.st_rdev, 1 << 30, 2 << 20, NULL, 0);
	fakesys_dimm(root, 0, 0, 2, "8089-a2-1837-00000d00", "12");
	int fd = open("/dev/zero", O_RDWR);
	struct pmem2_source *dax = NULL;
	CHECK_RC(pmem2_source_from_fd(&dax, fd), 0);
	if (dax) {
		char id[64];
		size_t len = sizeof(id);
		uint64_t usc = 0;
		int node = 9;
		CHECK_RC(pmem2_source_device_id(dax, id, &len), 0);
		CHECK(strcmp(id, "8089-a2-1837-00000d00") == 0, "id %s", id);
		CHECK_RC(pmem2_source_device_usc(dax, &usc), 0);
		CHECK_EQ(usc, 12);
		CHECK_RC(pmem2_source_numa_node(dax, &node), 0);
		CHECK_EQ(node, 0);
		pmem2_source_delete(&dax);
	}
	close(fd);
	fake_end();
}

/* the disk's /sys/devices/... path, as the library resolves it */
static size_t sysdev_length(void)
{
	char link[64], real[PATH_MAX];

	snprintf(link, sizeof(link), "dev/block/%u:%u", major(file_st.st_dev),
		 minor(file_st.st_dev));
	return fakesys_realpath(root, link, real, sizeof(real)) ? 0
								: strlen(real);
}

/* Deep PCI/CXL topologies give device paths of hundreds of bytes: the
 * queries work all the same (a 256-byte buffer refused them once), up to
 * paths of thousands of bytes. */
TEST(long_device_path)
{
	static const size_t depths[] = {300, 3000};

	for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
		char id[128];
		size_t len = sizeof(id);
		uint64_t usc = 0;
		int node = 77;

		fake_begin_deep(depths[i]);
		CHECK(sysdev_length() > depths[i], "device path of %zu bytes",
		      sysdev_length());
		CHECK_RC(pmem2_source_device_id(src, id, &len), 0);
		CHECK(strcmp(id, ID0 "," ID1) == 0, "id \"%s\"", id);
		CHECK_RC(pmem2_source_device_usc(src, &usc), 0);
		CHECK_EQ(usc, 7);
		CHECK_RC(pmem2_source_numa_node(src, &node), 0);
		CHECK_EQ(node, 1);
		fake_end();
	}
}

/* Fail each sysfs access of a successful call in turn. */
#define SWEEP(call)                                                            \
	do {                                                                   \
		os_fault_reset();                                              \
		CHECK_RC(call, 0);                                             \
		unsigned long calls = os_fault_calls(OS_SYSFS);                \
		CHECK(calls > 0, "no sysfs calls in %s", #call);               \
		for (unsigned long n = 1; n <= calls; n++) {                   \
			os_fault_inject(OS_SYSFS, n, EIO);                     \
			err_clear();                                           \
			int rc = (call);                                       \
			CHECK(rc == -EIO, "%s, sysfs call %lu: rc %d", #call,  \
			      n, rc);                                          \
			CHECK(err_msg()[0] != '\0', "%s, call %lu: no msg",    \
			      #call, n);                                       \
		}                                                              \
		os_fault_inject(OS_SYSFS, 0, 0);                               \
	} while (0)

TEST(fault_injection)
{
	char id[128];
	size_t len = sizeof(id);
	uint64_t usc;
	int node;
	int fds = test_count_fds();

	fake_begin();
	SWEEP(pmem2_source_device_id(src, NULL, &len));
	len = sizeof(id);
	SWEEP(pmem2_source_device_id(src, id, &len));
	SWEEP(pmem2_source_device_usc(src, &usc));
	SWEEP(pmem2_source_numa_node(src, &node));
	fake_end();
	CHECK_EQ(test_count_fds(), fds);
}

int main(void)
{
	int fd = test_tmpfile(1 << 20, NULL, 0, 0);
	fstat(fd, &file_st);
	if (pmem2_source_from_fd(&src, fd)) {
		printf("cannot make a source of a tmp file: %s\n", err_msg());
		return 1;
	}
	RUN(device_id);
	RUN(long_ids);
	RUN(usc);
	RUN(numa);
	RUN(not_supported);
	RUN(devdax);
	RUN(long_device_path);
	RUN(fault_injection);
	pmem2_source_delete(&src);
	close(fd);
	return test_done();
}
