/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vm_checks.c -- checks of libpmem2 on real kernel DAX paths, run inside the
 * pmem-vm guest (QEMU with emulated NVDIMMs, see tests/vm/run-vm-tests.sh).
 *
 * The host has no persistent memory, so MAP_SYNC, device DAX, NVDIMM
 * regions and their persistence domains can only be exercised here. The
 * program uses the public API only; it reads sysfs itself just to know what
 * the right answer is (the region's persistence_domain, the device's size),
 * so the library is compared with the kernel, not with itself.
 *
 *   vm_checks fsdax  BYTE|CACHE_LINE        file on $PMEM_VM_FSDAX_DIR
 *   vm_checks devdax ALIGN BYTE|CACHE_LINE  $PMEM_VM_DEVDAX (ALIGN: 4K, 2M)
 *   vm_checks nosync DIR                    a file where MAP_SYNC is refused
 *
 * The second argument is the granularity the configuration must give (BYTE
 * when the VM runs with --persistence cpu). Prints "N passed, N failed".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libpmem2.h>
#include "test.h"
/* the tree's one granularity-name helper (header-only, public API only) */
#include "../../src/core/granularity_name.h"

#define FILE_SIZE ((size_t)2 << 20)
#define PATTERN_LEN ((size_t)64 << 10) /* TCG is slow: keep copies small */

static int parse_gran(const char *s, enum pmem2_granularity *g)
{
	static const enum pmem2_granularity all[] = {
		PMEM2_GRANULARITY_BYTE,
		PMEM2_GRANULARITY_CACHE_LINE,
		PMEM2_GRANULARITY_PAGE,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(s, granularity_name(all[i])) == 0) {
			*g = all[i];
			return 0;
		}
	}
	return -1;
}

/* ---- sysfs, read directly: the expected answers ---- */

static int read_attr(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return (int)n;
}

/* "regionN" in the resolved sysfs path of a device, or -1 */
static int region_of_sysdev(const char *link, char *region, size_t len)
{
	char real[PATH_MAX];
	if (!realpath(link, real))
		return -1;
	for (char *p = strstr(real, "/region"); p;
	     p = strstr(p + 1, "/region")) {
		size_t n = strcspn(p + 1, "/");
		if (n > 6 && n < len && strspn(p + 7, "0123456789") == n - 6) {
			memcpy(region, p + 1, n);
			region[n] = '\0';
			return 0;
		}
	}
	return -1;
}

static int region_attr(const char *region, const char *attr, char *buf,
		       size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s/%s", region,
		 attr);
	return read_attr(path, buf, len);
}

/* ---- helpers around the library ---- */

struct file {
	char path[PATH_MAX];
	int fd;
	bool created;
	struct pmem2_source *src;
};

static int file_open(struct file *f, const char *path, size_t create)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (create) {
		snprintf(f->path, sizeof(f->path), "%s/vm_checks.XXXXXX", path);
		f->fd = mkstemp(f->path);
		if (f->fd < 0) {
			printf("mkstemp %s: %s\n", f->path, strerror(errno));
			return -1;
		}
		f->created = true;
		/* real blocks, not a sparse file: DAX faults need no
		 * allocation then */
		int e = posix_fallocate(f->fd, 0, (off_t)create);
		if (e) {
			printf("posix_fallocate %s: %s\n", f->path,
			       strerror(e));
			return -1;
		}
	} else {
		snprintf(f->path, sizeof(f->path), "%s", path);
		f->fd = open(path, O_RDWR);
		if (f->fd < 0) {
			printf("open %s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	int ret = pmem2_source_from_fd(&f->src, f->fd);
	if (ret) {
		printf("pmem2_source_from_fd(%s): %d %s\n", f->path, ret,
		       pmem2_errormsg());
		return -1;
	}
	return 0;
}

static void file_close(struct file *f)
{
	pmem2_source_delete(&f->src);
	if (f->fd >= 0)
		close(f->fd);
	if (f->created)
		unlink(f->path);
}

/* pmem2_map_new with the given requirement, sharing, offset and length */
static int map(struct pmem2_map **m, struct file *f,
	       enum pmem2_granularity req, enum pmem2_sharing_type sharing,
	       size_t offset, size_t length)
{
	struct pmem2_config *cfg = NULL;
	int ret = pmem2_config_new(&cfg);
	if (ret)
		return ret;
	ret = pmem2_config_set_required_store_granularity(cfg, req);
	if (!ret)
		ret = pmem2_config_set_sharing(cfg, sharing);
	if (!ret)
		ret = pmem2_config_set_offset(cfg, offset);
	if (!ret)
		ret = pmem2_config_set_length(cfg, length);
	*m = (struct pmem2_map *)(uintptr_t)0x1; /* must be reset */
	if (!ret)
		ret = pmem2_map_new(m, cfg, f->src);
	pmem2_config_delete(&cfg);
	return ret;
}

static void fill_pattern(char *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)((i * 131 + seed * 7 + (i >> 9)) & 0xff);
}

/*
 * A mapping that cannot give `req` must fail with GRANULARITY_NOT_SUPPORTED,
 * leave *map NULL and say why: each of `must` must be in the message
 * (case-insensitive).
 */
static void expect_gran_refused(struct file *f, enum pmem2_granularity req,
				const char *const *must, unsigned nmust)
{
	struct pmem2_map *m;
	int ret = map(&m, f, req, PMEM2_SHARED, 0, 0);
	CHECK(ret == PMEM2_E_GRANULARITY_NOT_SUPPORTED,
	      "%s: requiring %s returned %d (%s), expected "
	      "PMEM2_E_GRANULARITY_NOT_SUPPORTED",
	      f->path, granularity_name(req), ret,
	      ret ? pmem2_errormsg() : "ok");
	CHECK(m == NULL, "map pointer not reset on failure");
	if (ret == 0 && m)
		pmem2_map_delete(&m);
	if (ret != PMEM2_E_GRANULARITY_NOT_SUPPORTED)
		return;
	const char *msg = pmem2_errormsg();
	printf("  message (requiring %s): %s\n", granularity_name(req), msg);
	for (unsigned i = 0; i < nmust; i++)
		CHECK(strcasestr(msg, must[i]) != NULL,
		      "message lacks \"%s\": %s", must[i], msg);
}

/*
 * Write a pattern through one map with its memcpy function, persist,
 * deep-flush, unmap; map again (same offset) and compare.
 */
static void check_roundtrip(struct file *f, enum pmem2_granularity req,
			    size_t offset, size_t length, unsigned seed)
{
	struct pmem2_map *m = NULL;
	char *want = malloc(PATTERN_LEN);
	int ret;

	if (!want) {
		CHECK(0, "out of memory");
		return;
	}
	ret = map(&m, f, req, PMEM2_SHARED, offset, length);
	CHECK_EQ(ret, 0);
	if (ret) {
		printf("  map: %s\n", pmem2_errormsg());
		free(want);
		return;
	}
	char *addr = pmem2_map_get_address(m);
	size_t size = pmem2_map_get_size(m);
	size_t n = size < PATTERN_LEN ? size : PATTERN_LEN;
	fill_pattern(want, n, seed);
	/* all but the last byte with the map's memcpy (no drain yet) */
	pmem2_get_memcpy_fn(m)(addr, want, n - 1, PMEM2_F_MEM_NODRAIN);
	pmem2_get_drain_fn(m)();
	/* the last byte with a plain store, then persist */
	addr[n - 1] = want[n - 1];
	pmem2_get_persist_fn(m)(addr + n - 1, 1);
	ret = pmem2_deep_flush(m, addr, n);
	CHECK(ret == 0, "pmem2_deep_flush: %d %s", ret,
	      ret ? pmem2_errormsg() : "");
	CHECK_RC(pmem2_map_delete(&m), 0);

	ret = map(&m, f, req, PMEM2_SHARED, offset, length);
	CHECK_EQ(ret, 0);
	if (ret == 0) {
		CHECK(memcmp(pmem2_map_get_address(m), want, n) == 0,
		      "%s: data at offset %zu differs after unmap + map",
		      f->path, offset);
		CHECK_RC(pmem2_map_delete(&m), 0);
	}
	free(want);
}

static void check_private_is_byte(struct file *f)
{
	struct pmem2_map *m;
	int ret = map(&m, f, PMEM2_GRANULARITY_BYTE, PMEM2_PRIVATE, 0, 0);
	CHECK(ret == 0, "PRIVATE map of %s: %d %s", f->path, ret,
	      ret ? pmem2_errormsg() : "");
	if (ret)
		return;
	CHECK_EQ(pmem2_map_get_store_granularity(m), PMEM2_GRANULARITY_BYTE);
	CHECK_RC(pmem2_map_delete(&m), 0);
}

/* ---- modes ---- */

/* A file on the fsdax filesystem: MAP_SYNC works, granularity from the
 * region's persistence domain. */
static int mode_fsdax(enum pmem2_granularity want)
{
	const char *dir = getenv("PMEM_VM_FSDAX_DIR");
	const char *dev = getenv("PMEM_VM_FSDAX_DEV");
	struct file f;
	struct pmem2_map *m;
	size_t size = 0, align = 0;
	char region[64] = "", buf[64];
	int ret;

	test_current = "fsdax";
	if (!dir || !dev) {
		CHECK(0, "PMEM_VM_FSDAX_DIR / PMEM_VM_FSDAX_DEV not set: "
			 "not in the pmem-vm guest?");
		return test_done();
	}
	printf("== fsdax: a file on %s (%s), expecting %s\n", dir, dev,
	       granularity_name(want));

	/* the answer, from the kernel: the region of the pmem block device
	 * and its persistence domain */
	snprintf(buf, sizeof(buf), "/sys/block/%s", strrchr(dev, '/') + 1);
	CHECK(region_of_sysdev(buf, region, sizeof(region)) == 0,
	      "no region for %s", buf);
	ret = region_attr(region, "persistence_domain", buf, sizeof(buf));
	printf("  %s persistence_domain: %s\n", region,
	       ret >= 0 ? buf : strerror(-ret));
	CHECK(ret > 0 && strcmp(buf, want == PMEM2_GRANULARITY_BYTE ?
					     "cpu_cache" :
					     "memory_controller") == 0,
	      "persistence_domain of %s is '%s'", region,
	      ret >= 0 ? buf : "absent");

	if (file_open(&f, dir, FILE_SIZE)) {
		CHECK(0, "cannot create a file on %s", dir);
		file_close(&f);
		return test_done();
	}
	CHECK_RC(pmem2_source_size(f.src, &size), 0);
	CHECK_EQ(size, FILE_SIZE);
	CHECK_RC(pmem2_source_alignment(f.src, &align), 0);
	CHECK_EQ(align, (size_t)sysconf(_SC_PAGESIZE));

	/* requiring exactly what the platform gives works ... */
	ret = map(&m, &f, want, PMEM2_SHARED, 0, 0);
	CHECK(ret == 0, "requiring %s: %d %s", granularity_name(want), ret,
	      ret ? pmem2_errormsg() : "");
	if (ret == 0) {
		CHECK_EQ(pmem2_map_get_store_granularity(m), want);
		CHECK_EQ(pmem2_map_get_size(m), FILE_SIZE);
		CHECK_RC(pmem2_map_delete(&m), 0);
	}
	/* ... requiring less still reports what the platform gives ... */
	ret = map(&m, &f, PMEM2_GRANULARITY_PAGE, PMEM2_SHARED, 0, 0);
	CHECK_EQ(ret, 0);
	if (ret == 0) {
		CHECK(pmem2_map_get_store_granularity(m) == want,
		      "requiring PAGE gave %s, expected %s",
		      granularity_name(pmem2_map_get_store_granularity(m)),
		      granularity_name(want));
		CHECK_RC(pmem2_map_delete(&m), 0);
	}
	/* ... and under ADR, BYTE is refused, naming the domain */
	if (want == PMEM2_GRANULARITY_CACHE_LINE) {
		static const char *const words[] = {"BYTE",
						    "memory_controller"};
		expect_gran_refused(&f, PMEM2_GRANULARITY_BYTE, words, 2);
	}

	check_roundtrip(&f, want, 0, 0, 1);
	check_roundtrip(&f, want, 1 << 20, 64 << 10, 2); /* offset map */
	/* the file shows the data too (read(2) bypasses the mapping) */
	{
		char got[256], exp[256];
		fill_pattern(exp, sizeof(exp), 2);
		CHECK(pread(f.fd, got, sizeof(got), 1 << 20) ==
			      (ssize_t)sizeof(got) &&
			      memcmp(got, exp, sizeof(got)) == 0,
		      "pread does not see what the map wrote");
	}
	check_private_is_byte(&f);

	/* RAS on a real region: no bad blocks, a numa node */
	struct pmem2_badblock_context *bb = NULL;
	ret = pmem2_badblock_context_new(&bb, f.src);
	CHECK(ret == 0, "badblock_context_new: %d %s", ret,
	      ret ? pmem2_errormsg() : "");
	if (ret == 0) {
		struct pmem2_badblock b;
		CHECK_RC(pmem2_badblock_next(bb, &b),
			 PMEM2_E_NO_BAD_BLOCK_FOUND);
		pmem2_badblock_context_delete(&bb);
	}
	int node = -2;
	ret = pmem2_source_numa_node(f.src, &node);
	CHECK(ret == 0, "numa_node: %d %s", ret, ret ? pmem2_errormsg() : "");
	printf("  numa node %d\n", node);

	file_close(&f);
	return test_done();
}

/* Device DAX: size and alignment from sysfs, alignment enforced, no
 * PRIVATE, data survives unmap/map, deep flush works. */
static int mode_devdax(size_t want_align, enum pmem2_granularity want)
{
	const char *path = getenv("PMEM_VM_DEVDAX");
	struct file f;
	struct pmem2_map *m;
	size_t size = 0, align = 0;
	char buf[256], region[64] = "";
	struct stat st;
	int ret;

	test_current = "devdax";
	if (!path) {
		CHECK(0, "PMEM_VM_DEVDAX not set: not in the pmem-vm guest?");
		return test_done();
	}
	printf("== devdax: %s, expecting align %zu and %s\n", path, want_align,
	       granularity_name(want));
	if (file_open(&f, path, 0)) {
		CHECK(0, "cannot open %s", path);
		file_close(&f);
		return test_done();
	}
	if (fstat(f.fd, &st) == 0) {
		char link[128];
		snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/size",
			 major(st.st_rdev), minor(st.st_rdev));
		CHECK(read_attr(link, buf, sizeof(buf)) > 0, "read %s", link);
		CHECK_RC(pmem2_source_size(f.src, &size), 0);
		CHECK(size == strtoull(buf, NULL, 0),
		      "pmem2_source_size %zu, sysfs says %s", size, buf);
		snprintf(link, sizeof(link), "/sys/dev/char/%u:%u",
			 major(st.st_rdev), minor(st.st_rdev));
		CHECK(region_of_sysdev(link, region, sizeof(region)) == 0,
		      "no region for %s", link);
	}
	CHECK_RC(pmem2_source_alignment(f.src, &align), 0);
	CHECK_EQ(align, want_align);
	printf("  size %zu, alignment %zu, %s\n", size, align, region);
	if (align == 0 || size < 2 * align) {
		CHECK(0, "cannot go on without a size and an alignment");
		file_close(&f);
		return test_done();
	}
	/* small maps: a few MiB at most (TCG) */
	size_t len = align >= (64 << 10) ? align : 64 << 10;

	ret = map(&m, &f, want, PMEM2_SHARED, 0, len);
	CHECK(ret == 0, "aligned map of %zu: %d %s", len, ret,
	      ret ? pmem2_errormsg() : "");
	if (ret == 0) {
		CHECK_EQ(pmem2_map_get_store_granularity(m), want);
		CHECK_EQ(pmem2_map_get_size(m), len);
		CHECK((uintptr_t)pmem2_map_get_address(m) % align == 0,
		      "address %p not %zu-aligned", pmem2_map_get_address(m),
		      align);
		CHECK_RC(pmem2_map_delete(&m), 0);
	}
	if (want == PMEM2_GRANULARITY_CACHE_LINE) {
		static const char *const words[] = {"BYTE"};
		expect_gran_refused(&f, PMEM2_GRANULARITY_BYTE, words, 1);
	}

	/* a length that is not a multiple of the alignment */
	size_t bad_len = align > 4096 ? 4096 : align + 1;
	ret = map(&m, &f, want, PMEM2_SHARED, 0, bad_len);
	CHECK(ret == PMEM2_E_LENGTH_UNALIGNED,
	      "length %zu: %d, expected PMEM2_E_LENGTH_UNALIGNED", bad_len,
	      ret);
	CHECK(m == NULL, "map pointer not reset");
	if (ret == PMEM2_E_LENGTH_UNALIGNED) {
		char a[32];
		snprintf(a, sizeof(a), "%zu", align);
		printf("  message: %s\n", pmem2_errormsg());
		CHECK(strstr(pmem2_errormsg(), a) != NULL,
		      "message does not name the alignment %s", a);
	}
	/* an offset that is not */
	ret = map(&m, &f, want, PMEM2_SHARED, align > 4096 ? 4096 : 512, len);
	CHECK(ret == PMEM2_E_OFFSET_UNALIGNED,
	      "unaligned offset: %d, expected PMEM2_E_OFFSET_UNALIGNED", ret);
	/* PRIVATE is impossible on a device */
	ret = map(&m, &f, PMEM2_GRANULARITY_PAGE, PMEM2_PRIVATE, 0, len);
	CHECK(ret == PMEM2_E_SRC_DEVDAX_PRIVATE,
	      "PRIVATE: %d, expected PMEM2_E_SRC_DEVDAX_PRIVATE", ret);
	CHECK(m == NULL, "map pointer not reset");

	/* data survives unmap + map, at offset 0 and at an aligned offset */
	check_roundtrip(&f, want, 0, len, 3);
	check_roundtrip(&f, want, align, len, 4);
	/* pread_mcsafe reads the device directly */
	{
		char got[512], exp[512];
		fill_pattern(exp, sizeof(exp), 4);
		ret = pmem2_source_pread_mcsafe(f.src, got, sizeof(got),
						align);
		CHECK(ret == 0, "pread_mcsafe: %d %s", ret,
		      ret ? pmem2_errormsg() : "");
		CHECK(ret || memcmp(got, exp, sizeof(got)) == 0,
		      "pread_mcsafe does not see the data");
	}

	/* deep_flush reads "0" (read-only) here: pmem2_deep_flush must
	 * still succeed (check_roundtrip did it; once more explicitly) */
	if (region[0]) {
		ret = region_attr(region, "deep_flush", buf, sizeof(buf));
		printf("  %s deep_flush: %s\n", region,
		       ret >= 0 ? buf : strerror(-ret));
		CHECK(ret >= 0 && strcmp(buf, "0") == 0,
		      "deep_flush attribute: %s",
		      ret >= 0 ? buf : strerror(-ret));
	}
	ret = map(&m, &f, want, PMEM2_SHARED, 0, len);
	CHECK_EQ(ret, 0);
	if (ret == 0) {
		char *a = pmem2_map_get_address(m);
		ret = pmem2_deep_flush(m, a + 64, 4096);
		CHECK(ret == 0, "pmem2_deep_flush on devdax: %d %s", ret,
		      ret ? pmem2_errormsg() : "");
		CHECK_RC(pmem2_deep_flush(m, a + len - 64, 128),
			 PMEM2_E_DEEP_FLUSH_RANGE);
		CHECK_RC(pmem2_map_delete(&m), 0);
	}

	/* RAS */
	struct pmem2_badblock_context *bb = NULL;
	ret = pmem2_badblock_context_new(&bb, f.src);
	CHECK(ret == 0, "badblock_context_new: %d %s", ret,
	      ret ? pmem2_errormsg() : "");
	if (ret == 0) {
		struct pmem2_badblock b;
		CHECK_RC(pmem2_badblock_next(bb, &b),
			 PMEM2_E_NO_BAD_BLOCK_FOUND);
		pmem2_badblock_context_delete(&bb);
	}
	/* QEMU's NVDIMMs have unique ids (nfit/id) but no health commands
	 * (nfit/dsm_mask 0), so the kernel shows no nfit/dirty_shutdown */
	size_t idlen = 0;
	ret = pmem2_source_device_id(f.src, NULL, &idlen);
	CHECK(ret == 0 && idlen > 1, "device_id: %d %s", ret,
	      ret ? pmem2_errormsg() : "");
	uint64_t usc = 0;
	ret = pmem2_source_device_usc(f.src, &usc);
	CHECK(ret == PMEM2_E_NOSUPP, "usc: %d %s", ret,
	      ret ? pmem2_errormsg() : "");
	printf("  device id length %zu, usc %s\n", idlen,
	       ret ? "not supported" : "read");

	file_close(&f);
	return test_done();
}

/* A file where MAP_SYNC is refused (tmpfs, virtio-pmem): PAGE, and a
 * stricter requirement is refused with a message that says why. */
static int mode_nosync(const char *dir)
{
	struct file f;
	struct pmem2_map *m;
	int ret;

	test_current = "nosync";
	printf("== nosync: a file on %s, expecting PAGE\n", dir);
	if (file_open(&f, dir, FILE_SIZE)) {
		CHECK(0, "cannot create a file on %s", dir);
		file_close(&f);
		return test_done();
	}
	ret = map(&m, &f, PMEM2_GRANULARITY_PAGE, PMEM2_SHARED, 0, 0);
	CHECK(ret == 0, "requiring PAGE: %d %s", ret,
	      ret ? pmem2_errormsg() : "");
	if (ret == 0) {
		CHECK_EQ(pmem2_map_get_store_granularity(m),
			 PMEM2_GRANULARITY_PAGE);
		CHECK_RC(pmem2_map_delete(&m), 0);
	}
	/* the message must say MAP_SYNC was refused, with the errno text */
	const char *const words[] = {"MAP_SYNC", strerror(EOPNOTSUPP)};
	expect_gran_refused(&f, PMEM2_GRANULARITY_CACHE_LINE, words, 2);
	expect_gran_refused(&f, PMEM2_GRANULARITY_BYTE, words, 2);

	check_roundtrip(&f, PMEM2_GRANULARITY_PAGE, 0, 0, 5);
	check_private_is_byte(&f);
	file_close(&f);
	return test_done();
}

static int usage(void)
{
	fprintf(stderr, "usage: vm_checks fsdax BYTE|CACHE_LINE\n"
			"       vm_checks devdax 4K|2M|1G BYTE|CACHE_LINE\n"
			"       vm_checks nosync DIR\n");
	return 2;
}

int main(int argc, char *argv[])
{
	enum pmem2_granularity g;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "fsdax") == 0 &&
	    parse_gran(argv[2], &g) == 0)
		return mode_fsdax(g);
	if (argc == 4 && strcmp(argv[1], "devdax") == 0 &&
	    parse_gran(argv[3], &g) == 0) {
		char *end;
		size_t a = strtoull(argv[2], &end, 10);
		if (*end == 'K')
			a <<= 10;
		else if (*end == 'M')
			a <<= 20;
		else if (*end == 'G')
			a <<= 30;
		else if (*end)
			return usage();
		return mode_devdax(a, g);
	}
	if (argc == 3 && strcmp(argv[1], "nosync") == 0)
		return mode_nosync(argv[2]);
	return usage();
}
