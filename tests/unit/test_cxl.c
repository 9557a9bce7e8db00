/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_cxl.c -- CXL memory as a source, on fake sysfs trees laid out as
 * the kernel's ABI documents (sysfs-bus-nvdimm, sysfs-bus-cxl,
 * sysfs-bus-dax) and drivers/cxl + drivers/dax describe them. No CXL
 * hardware or emulation is needed (Debian 12's kernel and QEMU cannot
 * provide one), which is also the limit of what this proves: the library
 * reads the attributes the kernel documents, in the places it documents
 * them.
 *
 * Covered: a CXL pmem region with one and with two memory devices, with
 * and without cxl/dirty_shutdown (kernels before 6.15), a negative serial
 * (the kernel prints it with %lld), the per-region granularity with its
 * CXL reason, a CXL region that does say cpu_cache, a mixed system (an
 * NFIT region cpu_cache next to a CXL region), device DAX of a CXL RAM
 * region and of hmem (no NVDIMM namespace: size, alignment, NUMA node,
 * granularity, what is not supported and why, a real map of it), bad
 * blocks of a CXL region, and the memory device behind each CXL DIMM.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libpmem2.h>
#include "core/err.h"
#include "core/sysfs.h"
#include "pmem2/granularity.h"
#include "pmem2/persist.h"
#include "pmem2/region.h"
#include "pmem2/source.h"
#include "pmem2/usc.h"
#include "errcheck.h"
#include "fakesys.h"
#include "test.h"

#define FORCE "PMEM2_FORCE_GRANULARITY"
#define CXL_NMEM(n, attr) FAKESYS_CXL_NDBUS "/nmem" #n "/" attr
/* fake block devices of the fsdax disks */
#define NFIT_DISK makedev(259, 0)
#define CXL_DISK makedev(259, 1)
#define SERIAL0 0x1234ULL	      /* "4660" */
#define SERIAL1 0x8000000000000001ULL /* "-9223372036854775807" */

static char root[PATH_MAX];
static dev_t zero_rdev;
static dev_t cxl_disk; /* CXL_DISK; --tree: the given file's device */

/* a source of the given type on device dev (st_dev of a file, st_rdev of
 * a device DAX), not open: the sysfs lookups need no descriptor */
static struct pmem2_source source_on(enum pmem2_file_type ftype, dev_t dev)
{
	struct pmem2_source s = {
		.type = PMEM2_SOURCE_FD,
		.ftype = ftype,
		.fd = -1,
	};
	if (ftype == PMEM2_FTYPE_DEVDAX)
		s.st_rdev = dev;
	else
		s.st_dev = dev;
	return s;
}
#define file_on(dev) source_on(PMEM2_FTYPE_REG, dev)
#define dax_on(dev) source_on(PMEM2_FTYPE_DEVDAX, dev)

static void fail_build(int r)
{
	if (r) {
		printf("cannot build the fake sysfs tree\n");
		exit(2);
	}
}

/*
 * The mixed system: region0 on the NFIT bus (cpu_cache, one DIMM, disk
 * NFIT_DISK) and region1 on the CXL bus (memory_controller, disk
 * CXL_DISK, NUMA node 1) with the memory devices asked for: mem0 (serial
 * SERIAL0, dirty_shutdown usc0) and, when two, mem1 (SERIAL1, usc1).
 * NULL counts: no cxl/dirty_shutdown.
 */
static void build(int memdevs, const char *usc0, const char *usc1)
{
	int r = fakesys_create(root, sizeof(root));
	r |= fakesys_region(root, 0, "cpu_cache");
	r |= fakesys_fsdax(root, 0, 0, "pmem0", NFIT_DISK, NULL, 0);
	r |= fakesys_dimm(root, 0, 0, 0, "8089-a2-1837-00000bb3", "2");
	r |= fakesys_cxl_region(root, 1, "memory_controller");
	r |= fakesys_write(root, FAKESYS_CXL_NDBUS "/region1/numa_node", "1\n");
	r |= fakesys_fsdax(root, 1, 0, "pmem1", cxl_disk, NULL, 0);
	r |= fakesys_cxl_memdev(root, 1, 0, 1, 0, SERIAL0, usc0);
	if (memdevs > 1)
		r |= fakesys_cxl_memdev(root, 1, 1, 2, 1, SERIAL1, usc1);
	fail_build(r);
	sysfs_set_root(root);
}

static void done(void)
{
	sysfs_set_root(NULL);
	fakesys_destroy(root);
	unsetenv(FORCE);
	pmem2_persist_unforce();
}

/* pretend the CPU cleans to the point of persistence (the regions, not
 * this host's CPU, are under test; test_arch.c covers the other CPUs) */
static void cpu_can_clean(void)
{
	struct pmem2_persist_forced pop = {
		NULL, NULL, -1, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, 1};
	CHECK_RC(pmem2_persist_force(&pop), 0);
}

TEST(one_memdev)
{
	struct pmem2_source s = file_on(CXL_DISK);
	char id[64], memdev[32], serial[32];
	size_t len = 0;
	uint64_t usc = 99;
	int node = -7;

	build(1, "7", NULL);
	CHECK_RC(pmem2_source_device_id(&s, NULL, &len), 0);
	CHECK_EQ(len, sizeof("4660"));
	CHECK_RC(pmem2_source_device_id(&s, id, &len), 0);
	CHECK(strcmp(id, "4660") == 0, "id \"%s\"", id);
	CHECK_RC(pmem2_source_device_usc(&s, &usc), 0);
	CHECK_EQ(usc, 7);
	CHECK_RC(pmem2_source_numa_node(&s, &node), 0);
	CHECK_EQ(node, 1);

	struct pmem2_region r;
	CHECK_RC(pmem2_region_of_source(&s, &r), 0);
	CHECK(strcmp(r.name, "region1") == 0 && strcmp(r.bus, "ndbus1") == 0,
	      "%s on %s", r.name, r.bus);
	char provider[16];
	CHECK_EQ(pmem2_region_provider(&r, provider, sizeof(provider)), 3);
	CHECK(strcmp(provider, "CXL") == 0, "region1 is on %s", provider);
	CHECK_RC(pmem2_dimm_cxl_memdev("nmem1", memdev, sizeof(memdev), serial,
				       sizeof(serial)),
		 0);
	CHECK(strcmp(memdev, "mem0") == 0, "memdev %s", memdev);
	CHECK(strcmp(serial, "0x1234") == 0, "serial %s", serial);
	/* an NFIT DIMM has no CXL memory device */
	CHECK_RC(pmem2_dimm_cxl_memdev("nmem0", memdev, sizeof(memdev), serial,
				       sizeof(serial)),
		 1);
	CHECK(!memdev[0] && !serial[0], "nothing filled in");
	/* the serial of the memory device cannot be read: shown as "" */
	fakesys_remove(root, FAKESYS_CXL_PCI "/mem0/serial");
	CHECK_RC(pmem2_dimm_cxl_memdev("nmem1", memdev, sizeof(memdev), serial,
				       sizeof(serial)),
		 0);
	CHECK(strcmp(memdev, "mem0") == 0 && !serial[0], "%s \"%s\"", memdev,
	      serial);
	/* cxl/provider names no device on the cxl bus */
	fakesys_write(root, CXL_NMEM(1, "cxl/provider"), "pmem9\n");
	CHECK_ERR(pmem2_dimm_cxl_memdev("nmem1", memdev, sizeof(memdev), serial,
					sizeof(serial)),
		  -ENOENT);
	CHECK_MSG("cannot find the CXL memory device of nmem1");
	done();
}

TEST(two_memdevs)
{
	struct pmem2_source s = file_on(CXL_DISK);
	char id[64];
	size_t len = sizeof(id);
	uint64_t usc = 0;

	/* an interleave set of two: ids joined in mapping order, counts
	 * added, as for NVDIMMs; the second serial has bit 63 set and the
	 * kernel prints it signed */
	build(2, "3", "40");
	CHECK_RC(pmem2_source_device_id(&s, id, &len), 0);
	CHECK(strcmp(id, "4660,-9223372036854775807") == 0, "id \"%s\"", id);
	CHECK_RC(pmem2_source_device_usc(&s, &usc), 0);
	CHECK_EQ(usc, 43);
	done();
}

TEST(no_dirty_shutdown)
{
	struct pmem2_source s = file_on(CXL_DISK);
	char id[64];
	size_t len = sizeof(id);
	uint64_t usc = 5;

	/* a kernel before 6.15 (or a device without GPF / health support):
	 * no count, and the message says why; the id is still there */
	build(1, NULL, NULL);
	CHECK_ERR(pmem2_source_device_usc(&s, &usc), PMEM2_E_NOSUPP);
	CHECK_MSG("nmem1 is a CXL memory device without cxl/dirty_shutdown: "
		  "the kernel is older than 6.15, or the device lacks the "
		  "Global Persistent Flush");
	CHECK_EQ(usc, 5);
	CHECK_RC(pmem2_source_device_id(&s, id, &len), 0);
	CHECK(strcmp(id, "4660") == 0, "id \"%s\"", id);
	done();

	/* one of two memory devices counts: the region's count is unknown */
	build(2, "1", NULL);
	CHECK_ERR(pmem2_source_device_usc(&s, &usc), PMEM2_E_NOSUPP);
	CHECK_MSG("nmem2 is a CXL memory device without cxl/dirty_shutdown");
	done();

	/* a count that is not one */
	build(1, "lots", NULL);
	CHECK_ERR(pmem2_source_device_usc(&s, &usc),
		  PMEM2_E_INVALID_DEV_FORMAT);
	CHECK_MSG("cxl/dirty_shutdown holds \"lots\", not a count");
	done();
}

TEST(papr_dirty_shutdown)
{
	struct pmem2_source s = file_on(NFIT_DISK);
	uint64_t usc = 0;

	/* IBM POWER's nmemX/papr/dirty_shutdown, read the same way */
	build(1, "1", NULL);
	fakesys_remove(root, FAKESYS_NDBUS "/nmem0/nfit/dirty_shutdown");
	fakesys_write(root, FAKESYS_NDBUS "/nmem0/papr/dirty_shutdown", "11\n");
	CHECK_RC(pmem2_source_device_usc(&s, &usc), 0);
	CHECK_EQ(usc, 11);
	done();
}

TEST(granularity_mixed)
{
	struct pmem2_source nfit = file_on(NFIT_DISK), cxl = file_on(CXL_DISK);
	struct gran_decision d;
	char buf[1024];

	build(1, "0", NULL);
	cpu_can_clean();
	unsetenv(FORCE);
	/* one CXL region does not take BYTE from the NFIT region that is
	 * cpu_cache (PMDK's "every region is cpu_cache" rule would) */
	CHECK(!pmem2_all_regions_eadr(), "not every region is cpu_cache");
	pmem2_granularity_decide(&nfit, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_BYTE);
	CHECK_EQ(d.reason, GRAN_WHY_EADR);
	CHECK(strcmp(d.region.name, "region0") == 0, "%s", d.region.name);

	pmem2_granularity_decide(&cxl, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_CACHE_LINE);
	CHECK_EQ(d.reason, GRAN_WHY_ADR);
	CHECK(strcmp(d.bus_provider, "CXL") == 0, "%s", d.bus_provider);
	pmem2_granularity_explain(&d, buf, sizeof(buf));
	CHECK(strcmp(buf,
		     "CACHE_LINE: MAP_SYNC accepted and region1 (CXL bus) "
		     "persistence_domain is memory_controller (ADR): stores "
		     "must be flushed from CPU caches (CXL Global Persistent "
		     "Flush does not tell software whether CPU caches are "
		     "written back on power loss, so the kernel never calls "
		     "a CXL region cpu_cache)") == 0,
	      "%s", buf);
	pmem2_granularity_error(&d, PMEM2_GRANULARITY_BYTE);
	CHECK(strstr(err_msg(), "required BYTE but only CACHE_LINE is "
				"available: the platform is not eADR "
				"(region1 (CXL bus) persistence_domain is "
				"memory_controller) (CXL Global Persistent "
				"Flush") == err_msg(),
	      "%s", err_msg());

	/* the user may know better (a platform whose GPF flushes caches) */
	setenv(FORCE, "BYTE", 1);
	pmem2_granularity_decide(&cxl, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_BYTE);
	CHECK_EQ(d.reason, GRAN_WHY_FORCED);
	unsetenv(FORCE);

	/* a CXL region that says cpu_cache (no kernel does today) is BYTE:
	 * the region decides, not the bus */
	fakesys_write(root, FAKESYS_CXL_NDBUS "/region1/persistence_domain",
		      "cpu_cache\n");
	pmem2_granularity_decide(&cxl, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_BYTE);
	CHECK_EQ(d.reason, GRAN_WHY_EADR);
	CHECK(pmem2_all_regions_eadr(), "both regions cpu_cache now");

	/* an NFIT region that is not cpu_cache does not name CXL */
	fakesys_write(root, FAKESYS_NDBUS "/region0/persistence_domain",
		      "memory_controller\n");
	pmem2_granularity_decide(&nfit, false, false, true, 0, &d);
	CHECK_EQ(d.reason, GRAN_WHY_ADR);
	pmem2_granularity_explain(&d, buf, sizeof(buf));
	CHECK(strstr(buf, "region0 persistence_domain") && !strstr(buf, "CXL"),
	      "%s", buf);
	done();
}

TEST(cxl_pmem_devdax)
{
	struct pmem2_source s = dax_on(zero_rdev);
	struct gran_decision d;
	char id[64];
	size_t len = sizeof(id);

	/* device DAX on a CXL pmem region is an nd namespace like any
	 * other: persistent, with the memory device's id */
	build(1, "4", NULL);
	cpu_can_clean();
	char dpath[PATH_MAX], f[PATH_MAX + 16];
	fail_build(fakesys_devdax(root, 1, 1, zero_rdev, 1 << 30, 2 << 20,
				  dpath, sizeof(dpath)));
	CHECK_RC(pmem2_source_device_id(&s, id, &len), 0);
	CHECK(strcmp(id, "4660") == 0, "id \"%s\"", id);
	pmem2_granularity_decide(&s, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_CACHE_LINE);
	CHECK_EQ(d.reason, GRAN_WHY_ADR);
	struct pmem2_dax_origin o;
	CHECK_RC(pmem2_devdax_origin(zero_rdev, &o), 0);
	CHECK_EQ(o.kind, DAX_ORIGIN_ND);
	CHECK(strcmp(o.parent, "region1") == 0, "%s", o.parent);

	/* its bad blocks come from the nd region, as on an NVDIMM (whether
	 * the kernel ever fills them from CXL poison is not documented) */
	fakesys_write(root, FAKESYS_CXL_NDBUS "/region1/resource", "%llu\n",
		      1ULL << 32);
	snprintf(f, sizeof(f), "%s/resource", dpath);
	fakesys_write(root, f, "%llu\n", (1ULL << 32) + (1 << 20));
	fakesys_write(root, FAKESYS_CXL_NDBUS "/region1/badblocks", "2056 8\n");
	struct pmem2_badblock_context *bb = NULL;
	struct pmem2_badblock b;
	CHECK_RC(pmem2_badblock_context_new(&bb, &s), 0);
	if (bb) {
		CHECK_RC(pmem2_badblock_next(bb, &b), 0);
		CHECK_EQ(b.offset, 2056 * 512 - (1 << 20));
		CHECK_EQ(b.length, 8 * 512);
		CHECK_RC(pmem2_badblock_next(bb, &b),
			 PMEM2_E_NO_BAD_BLOCK_FOUND);
		pmem2_badblock_context_delete(&bb);
	}
	done();
}

/* the checks every volatile device DAX passes; `from` is the origin's
 * description */
static void check_volatile(const char *from, unsigned long long size,
			   unsigned long long align, int numa)
{
	struct pmem2_source s = dax_on(zero_rdev);
	struct gran_decision d;
	char buf[1024], id[32];
	size_t len = sizeof(id);
	uint64_t usc = 0;
	int node = -9;

	pmem2_granularity_decide(&s, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_CACHE_LINE);
	CHECK_EQ(d.reason, GRAN_WHY_VOLATILE);
	CHECK(!d.has_region, "no region");
	pmem2_granularity_explain(&d, buf, sizeof(buf));
	CHECK(strstr(buf, "CACHE_LINE: the device DAX is volatile memory, not "
			  "on an NVDIMM region: its contents do not survive "
			  "power loss or reboot") == buf &&
		      strstr(buf, from),
	      "%s", buf);
	pmem2_granularity_error(&d, PMEM2_GRANULARITY_BYTE);
	CHECK(strstr(err_msg(), "required BYTE but only CACHE_LINE is "
				"available: the device DAX is volatile") &&
		      strstr(err_msg(), "nothing on it is persistent"),
	      "%s", err_msg());

	CHECK_ERR(pmem2_source_device_id(&s, id, &len), PMEM2_E_NOSUPP);
	CHECK_MSG("volatile memory, not on an NVDIMM region, so it has no "
		  "device id");
	CHECK_MSG(from);
	CHECK_ERR(pmem2_source_device_usc(&s, &usc), PMEM2_E_NOSUPP);
	CHECK_MSG("so it has no unsafe shutdown count");
	CHECK_RC(pmem2_source_numa_node(&s, &node), 0);
	CHECK_EQ(node, numa);

	/* bad blocks: nothing the kernel lists without root (CXL poison
	 * needs root and tracefs), an empty context */
	struct pmem2_badblock_context *bb = NULL;
	struct pmem2_badblock b;
	CHECK_RC(pmem2_badblock_context_new(&bb, &s), 0);
	if (bb) {
		CHECK_RC(pmem2_badblock_next(bb, &b),
			 PMEM2_E_NO_BAD_BLOCK_FOUND);
		pmem2_badblock_context_delete(&bb);
	}

	/* the public API on the real descriptor: size, alignment, a map */
	int fd = open("/dev/zero", O_RDWR);
	struct pmem2_source *src = NULL;
	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	if (!src) {
		close(fd);
		return;
	}
	size_t sz = 0, al = 0;
	CHECK_RC(pmem2_source_size(src, &sz), 0);
	CHECK_EQ(sz, size);
	CHECK_RC(pmem2_source_alignment(src, &al), 0);
	CHECK_EQ(al, align);

	struct pmem2_config *cfg = NULL;
	struct pmem2_map *map = NULL;
	CHECK_RC(pmem2_config_new(&cfg), 0);
	CHECK_RC(pmem2_config_set_length(cfg, align), 0);
	CHECK_RC(pmem2_config_set_required_store_granularity(
			 cfg, PMEM2_GRANULARITY_BYTE),
		 0);
	err_clear();
	CHECK_RC(pmem2_map_new(&map, cfg, src),
		 PMEM2_E_GRANULARITY_NOT_SUPPORTED);
	CHECK_MSG("volatile");
	CHECK_RC(pmem2_config_set_required_store_granularity(
			 cfg, PMEM2_GRANULARITY_CACHE_LINE),
		 0);
	CHECK_RC(pmem2_map_new(&map, cfg, src), 0);
	if (map) {
		CHECK_EQ(pmem2_map_get_store_granularity(map),
			 PMEM2_GRANULARITY_CACHE_LINE);
		CHECK_EQ(pmem2_map_get_size(map), align);
		char *p = pmem2_map_get_address(map);
		pmem2_memset_fn set = pmem2_get_memset_fn(map);
		set(p, 0x5a, 4096, 0);
		CHECK(p[0] == 0x5a && p[4095] == 0x5a, "stores work");
		CHECK_RC(pmem2_map_delete(&map), 0);
	}
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
	close(fd);
}

TEST(cxl_ram_devdax)
{
	char path[PATH_MAX];
	struct pmem2_dax_origin o;

	/* an nvdimm region0 exists too: the CXL region0 above the dax
	 * device must not be taken for it (that would say BYTE here) */
	build(1, "0", NULL);
	cpu_can_clean();
	fail_build(fakesys_cxl_ram_devdax(root, 0, "ram", zero_rdev, 1 << 30,
					  2 << 20, 1, path, sizeof(path)));
	CHECK_RC(pmem2_devdax_origin(zero_rdev, &o), 0);
	CHECK_EQ(o.kind, DAX_ORIGIN_CXL);
	CHECK(strcmp(o.dax, "dax0.0") == 0 &&
		      strcmp(o.parent, "region0") == 0 &&
		      strcmp(o.mode, "ram") == 0,
	      "%s %s %s", o.dax, o.parent, o.mode);
	check_volatile("comes from CXL region region0 (mode ram)", 1 << 30,
		       2 << 20, 1);
	done();

	/* a kernel before 6.3 has no "mode": still a CXL region */
	build(1, "0", NULL);
	cpu_can_clean();
	fail_build(fakesys_cxl_ram_devdax(root, 0, NULL, zero_rdev, 1 << 30,
					  2 << 20, 0, NULL, 0));
	CHECK_RC(pmem2_devdax_origin(zero_rdev, &o), 0);
	CHECK_EQ(o.kind, DAX_ORIGIN_CXL);
	CHECK(!o.mode[0], "mode %s", o.mode);
	check_volatile("comes from CXL region region0", 1 << 30, 2 << 20, 0);
	done();
}

TEST(hmem_devdax)
{
	struct pmem2_dax_origin o;
	char buf[256];

	fail_build(fakesys_create(root, sizeof(root)));
	fail_build(fakesys_hmem_devdax(root, 0, zero_rdev, 1 << 28, 4096, 2,
				       NULL, 0));
	sysfs_set_root(root);
	cpu_can_clean();
	CHECK_RC(pmem2_devdax_origin(zero_rdev, &o), 0);
	CHECK_EQ(o.kind, DAX_ORIGIN_HMEM);
	CHECK(strcmp(o.parent, "hmem.0") == 0, "%s", o.parent);
	pmem2_dax_origin_describe(&o, buf, sizeof(buf));
	CHECK(strcmp(buf, "hmem.0 (soft reserved memory: EFI "
			  "specific-purpose or CXL memory the firmware set "
			  "aside)") == 0,
	      "%s", buf);
	check_volatile("comes from hmem.0 (soft reserved memory", 1 << 28, 4096,
		       2);
	done();
}

TEST(origin_errors)
{
	struct pmem2_dax_origin o;
	char buf[128];

	/* no sysfs entry at all */
	fail_build(fakesys_create(root, sizeof(root)));
	sysfs_set_root(root);
	CHECK_ERR(pmem2_devdax_origin(zero_rdev, &o), -ENOENT);
	CHECK_MSG("to find where the device DAX comes from");
	/* a dax device under something this library does not know */
	char rel[64], link[64], target[96];
	snprintf(rel, sizeof(rel), "devices/platform/foo.1/dax7.0");
	fakesys_mkdir(root, rel);
	snprintf(link, sizeof(link), "dev/char/%u:%u", major(zero_rdev),
		 minor(zero_rdev));
	snprintf(target, sizeof(target), "../../%s", rel);
	fakesys_symlink(root, link, target);
	CHECK_RC(pmem2_devdax_origin(zero_rdev, &o), 0);
	CHECK_EQ(o.kind, DAX_ORIGIN_OTHER);
	pmem2_dax_origin_describe(&o, buf, sizeof(buf));
	CHECK(strcmp(buf, "foo.1 (no NVDIMM namespace)") == 0, "%s", buf);
	done();
}

/*
 * test_cxl --tree KIND [FILE]: build a fake tree, print its root and
 * leave it (for tests/scripts/test_tool_cxl.sh, which points the pmem2
 * tool at it with PMEM2_SYSFS_ROOT and removes it). KIND: cxl-pmem (two
 * memory devices, FILE on the CXL region), cxl-pmem-old (one memory device
 * without dirty_shutdown), cxl-ram, hmem (/dev/zero as the device DAX).
 */
static int tree(int argc, char **argv)
{
	struct stat st;
	int r = 0;

	cxl_disk = CXL_DISK;
	if (argc < 3 || stat("/dev/zero", &st))
		return 2;
	zero_rdev = st.st_rdev;
	if (argc > 3) {
		if (stat(argv[3], &st))
			return 2;
		cxl_disk = st.st_dev;
	}
	if (strcmp(argv[2], "cxl-pmem") == 0) {
		build(2, "3", "40");
	} else if (strcmp(argv[2], "cxl-pmem-old") == 0) {
		build(1, NULL, NULL);
	} else if (strcmp(argv[2], "cxl-ram") == 0) {
		build(1, "0", NULL);
		r = fakesys_cxl_ram_devdax(root, 0, "ram", zero_rdev, 1 << 30,
					   2 << 20, 1, NULL, 0);
	} else if (strcmp(argv[2], "hmem") == 0) {
		r = fakesys_create(root, sizeof(root)) ||
		    fakesys_hmem_devdax(root, 0, zero_rdev, 1 << 28, 4096, 2,
					NULL, 0);
	} else {
		return 2;
	}
	if (r) {
		fakesys_destroy(root);
		return 2;
	}
	printf("%s\n", root);
	return 0;
}

int main(int argc, char **argv)
{
	struct stat st;

	if (argc > 1 && strcmp(argv[1], "--tree") == 0)
		return tree(argc, argv);
	cxl_disk = CXL_DISK;

	RUN(one_memdev);
	RUN(two_memdevs);
	RUN(no_dirty_shutdown);
	RUN(papr_dirty_shutdown);
	RUN(granularity_mixed);
	if (stat("/dev/zero", &st) == 0 && S_ISCHR(st.st_mode)) {
		zero_rdev = st.st_rdev;
		RUN(cxl_pmem_devdax);
		RUN(cxl_ram_devdax);
		RUN(hmem_devdax);
		RUN(origin_errors);
	} else {
		printf("SKIP device DAX: no /dev/zero\n");
		test_skipped++;
	}
	return test_done();
}
