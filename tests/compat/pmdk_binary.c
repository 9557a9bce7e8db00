/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmdk_binary.c -- a program as a PMDK user would have built it.
 *
 * It is compiled against PMDK's installed <libpmem2.h> and linked with
 * PMDK's libpmem2.so.1 (so every reference is name@LIBPMEM2_1.0), with
 * -z now so that the loader binds every function at start-up. CTest then
 * runs it with LD_LIBRARY_PATH pointing at our build directory: the test
 * is that such a binary loads our library (checked through
 * /proc/self/maps against argv[1]), binds all of PMDK's non-async
 * functions, and works: a file mapping, data written through the map's
 * functions and read back with pread, reservations, anonymous memory,
 * wrapping an existing mapping, the mcsafe I/O, and error reporting.
 * The same binary is also run on PMDK's own library, which shows that
 * what it asserts is PMDK behaviour, not ours.
 *
 * usage: pmdk_binary [EXPECTED_LIBPMEM2_FILE]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpmem2.h>

#include "compat.h"
#include "test.h"

#define MiB ((size_t)1 << 20)
#define FILE_SIZE (4 * MiB)

static const char *expected_lib;

/* Every function PMDK 1.12.1 exports except the four miniasync ones. */
static const struct {
	const char *name;
	void (*fn)(void);
} functions[] = {
#define F(x) { #x, (void (*)(void))x }
	F(pmem2_badblock_clear), F(pmem2_badblock_context_delete),
	F(pmem2_badblock_context_new), F(pmem2_badblock_next),
	F(pmem2_config_delete), F(pmem2_config_new),
	F(pmem2_config_set_length), F(pmem2_config_set_offset),
	F(pmem2_config_set_protection),
	F(pmem2_config_set_required_store_granularity),
	F(pmem2_config_set_sharing), F(pmem2_config_set_vm_reservation),
	F(pmem2_deep_flush), F(pmem2_errormsg), F(pmem2_get_drain_fn),
	F(pmem2_get_flush_fn), F(pmem2_get_memcpy_fn),
	F(pmem2_get_memmove_fn), F(pmem2_get_memset_fn),
	F(pmem2_get_persist_fn), F(pmem2_map_delete),
	F(pmem2_map_from_existing), F(pmem2_map_get_address),
	F(pmem2_map_get_size), F(pmem2_map_get_store_granularity),
	F(pmem2_map_new), F(pmem2_perror), F(pmem2_source_alignment),
	F(pmem2_source_delete), F(pmem2_source_device_id),
	F(pmem2_source_device_usc), F(pmem2_source_from_anon),
	F(pmem2_source_from_fd), F(pmem2_source_get_fd),
	F(pmem2_source_numa_node), F(pmem2_source_pread_mcsafe),
	F(pmem2_source_pwrite_mcsafe), F(pmem2_source_size),
	F(pmem2_vm_reservation_delete), F(pmem2_vm_reservation_extend),
	F(pmem2_vm_reservation_get_address),
	F(pmem2_vm_reservation_get_size), F(pmem2_vm_reservation_map_find),
	F(pmem2_vm_reservation_map_find_first),
	F(pmem2_vm_reservation_map_find_last),
	F(pmem2_vm_reservation_map_find_next),
	F(pmem2_vm_reservation_map_find_prev), F(pmem2_vm_reservation_new),
	F(pmem2_vm_reservation_shrink),
#undef F
};

TEST(loaded_library)
{
	char path[4096];

	compat_loaded_lib(path, sizeof(path));
	CHECK(path[0] != '\0', "no libpmem2 in /proc/self/maps");
	if (expected_lib)
		CHECK(compat_lib_is(expected_lib),
		      "libpmem2 loaded from %s, not %s", path, expected_lib);
	CHECK_EQ(ARRAY_N(functions), 49);
	for (size_t i = 0; i < ARRAY_N(functions); i++)
		CHECK(functions[i].fn != NULL, "%s unbound", functions[i].name);
}

static int new_file(void)
{
	return test_tmpfile(FILE_SIZE, NULL, 0, 0);
}

static struct pmem2_config *new_config(enum pmem2_granularity g)
{
	struct pmem2_config *cfg = NULL;

	CHECK_RC(pmem2_config_new(&cfg), 0);
	if (cfg)
		CHECK_RC(pmem2_config_set_required_store_granularity(cfg, g),
			 0);
	return cfg;
}

TEST(file_mapping)
{
	int fd = new_file();
	struct pmem2_source *src = NULL;
	struct pmem2_config *cfg = new_config(PMEM2_GRANULARITY_PAGE);
	struct pmem2_map *map = NULL;
	size_t size = 0, align = 0;
	int gotfd = -1;
	char buf[8192];

	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	if (!src || !cfg)
		return;
	CHECK_RC(pmem2_source_size(src, &size), 0);
	CHECK_EQ(size, FILE_SIZE);
	CHECK_RC(pmem2_source_alignment(src, &align), 0);
	CHECK_EQ(align, (size_t)sysconf(_SC_PAGESIZE));
	CHECK_RC(pmem2_source_get_fd(src, &gotfd), 0);
	CHECK_EQ(gotfd, fd);

	CHECK_RC(pmem2_config_set_offset(cfg, MiB), 0);
	CHECK_RC(pmem2_config_set_length(cfg, 2 * MiB), 0);
	CHECK_RC(pmem2_config_set_sharing(cfg, PMEM2_SHARED), 0);
	CHECK_RC(pmem2_config_set_protection(cfg,
		PMEM2_PROT_READ | PMEM2_PROT_WRITE), 0);
	CHECK_RC(pmem2_map_new(&map, cfg, src), 0);
	if (!map)
		goto out;
	char *addr = pmem2_map_get_address(map);
	CHECK(addr != NULL, "no address");
	CHECK_EQ((uintptr_t)addr % (2 * MiB), 0);
	CHECK_EQ(pmem2_map_get_size(map), 2 * MiB);
	CHECK_EQ(pmem2_map_get_store_granularity(map), PMEM2_GRANULARITY_PAGE);

	pmem2_memcpy_fn mcpy = pmem2_get_memcpy_fn(map);
	pmem2_memset_fn mset = pmem2_get_memset_fn(map);
	pmem2_memmove_fn mmov = pmem2_get_memmove_fn(map);
	pmem2_persist_fn persist = pmem2_get_persist_fn(map);
	pmem2_flush_fn flush = pmem2_get_flush_fn(map);
	pmem2_drain_fn drain = pmem2_get_drain_fn(map);
	CHECK(mcpy && mset && mmov && persist && flush && drain, "NULL fn");

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 3);
	CHECK(mcpy(addr + 100, buf, sizeof(buf), 0) == addr + 100, "memcpy");
	CHECK(mset(addr + MiB, 0x5a, 4096, PMEM2_F_MEM_NONTEMPORAL) ==
	      addr + MiB, "memset");
	CHECK(mmov(addr + 2 * MiB - 4096, addr + 100, 4096,
		   PMEM2_F_MEM_NODRAIN) == addr + 2 * MiB - 4096, "memmove");
	persist(addr, 2 * MiB);
	flush(addr, 4096);
	drain();
	CHECK_RC(pmem2_deep_flush(map, addr, 2 * MiB), 0);

	char back[8192];
	CHECK_EQ(pread(fd, back, sizeof(back), MiB + 100), sizeof(back));
	CHECK(memcmp(back, buf, sizeof(buf)) == 0, "memcpy data not in file");
	CHECK_EQ(pread(fd, back, 4096, 2 * MiB), 4096);
	CHECK(back[0] == 0x5a && back[4095] == 0x5a, "memset data not in file");
	CHECK_EQ(pread(fd, back, 4096, 3 * MiB - 4096), 4096);
	CHECK(memcmp(back, buf, 4096) == 0, "memmove data not in file");

	CHECK_RC(pmem2_map_delete(&map), 0);
	CHECK(map == NULL, "map not cleared");
	CHECK(!compat_range_mapped(addr, 2 * MiB), "still mapped after delete");
out:
	CHECK_RC(pmem2_config_delete(&cfg), 0);
	CHECK(cfg == NULL, "cfg not cleared");
	CHECK_RC(pmem2_source_delete(&src), 0);
	CHECK(src == NULL, "src not cleared");
	close(fd);
}

TEST(errors)
{
	int fd = new_file();
	struct pmem2_source *src = NULL;
	struct pmem2_config *cfg = NULL;
	struct pmem2_map *map = (struct pmem2_map *)&map;

	/* (PMDK sets no message for this one) */
	CHECK_RC(pmem2_source_from_fd(&src, -1), PMEM2_E_INVALID_FILE_HANDLE);
	CHECK_RC(pmem2_config_new(&cfg), 0);
	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	if (!cfg || !src)
		return;
	CHECK_RC(pmem2_map_new(&map, cfg, src), PMEM2_E_GRANULARITY_NOT_SET);
	CHECK(pmem2_errormsg()[0] != '\0', "no message");
	CHECK(map == NULL, "map not cleared on failure");
	CHECK_RC(pmem2_config_set_required_store_granularity(cfg,
		(enum pmem2_granularity)7), PMEM2_E_GRANULARITY_NOT_SUPPORTED);
	CHECK_RC(pmem2_config_set_sharing(cfg, (enum pmem2_sharing_type)5),
		 PMEM2_E_INVALID_SHARING_VALUE);
	CHECK_RC(pmem2_config_set_protection(cfg, 1),
		 PMEM2_E_INVALID_PROT_FLAG);
	CHECK_RC(pmem2_config_set_required_store_granularity(cfg,
		PMEM2_GRANULARITY_PAGE), 0);
	CHECK_RC(pmem2_config_set_offset(cfg, 4097), 0);
	CHECK_RC(pmem2_map_new(&map, cfg, src), PMEM2_E_OFFSET_UNALIGNED);
	CHECK_RC(pmem2_config_set_offset(cfg, 0), 0);
	CHECK_RC(pmem2_config_set_length(cfg, FILE_SIZE + 4096),  0);
	CHECK_RC(pmem2_map_new(&map, cfg, src), PMEM2_E_MAP_RANGE);
	CHECK(strlen(pmem2_errormsg()) > 0, "no message");

	/* perror: "<text>: <message>" on stderr */
	char tmpl[] = "/tmp/pmdk-binary-stderr.XXXXXX";
	int out = mkstemp(tmpl);
	if (out >= 0) {
		unlink(tmpl);
		fflush(stderr);
		int saved = dup(2);
		dup2(out, 2);
		pmem2_perror("compat-%d", 42);
		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		char text[512] = "";
		ssize_t n = pread(out, text, sizeof(text) - 1, 0);
		CHECK(n > 11 && strncmp(text, "compat-42: ", 11) == 0,
		      "perror printed '%s'", text);
		close(out);
	}
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
	close(fd);
}

TEST(reservation)
{
	int fd = new_file();
	struct pmem2_source *src = NULL;
	struct pmem2_config *cfg = new_config(PMEM2_GRANULARITY_PAGE);
	struct pmem2_vm_reservation *rsv = NULL;
	struct pmem2_map *m1 = NULL, *m2 = NULL, *found = NULL;

	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, 16 * MiB), 0);
	if (!src || !cfg || !rsv)
		return;
	char *base = pmem2_vm_reservation_get_address(rsv);
	CHECK_EQ(pmem2_vm_reservation_get_size(rsv), 16 * MiB);
	CHECK_EQ((uintptr_t)base % (2 * MiB), 0);

	CHECK_RC(pmem2_config_set_length(cfg, MiB), 0);
	CHECK_RC(pmem2_config_set_vm_reservation(cfg, rsv, 2 * MiB), 0);
	CHECK_RC(pmem2_map_new(&m1, cfg, src), 0);
	CHECK_RC(pmem2_config_set_vm_reservation(cfg, rsv, 8 * MiB), 0);
	CHECK_RC(pmem2_map_new(&m2, cfg, src), 0);
	CHECK_RC(pmem2_map_new(&found, cfg, src), PMEM2_E_MAPPING_EXISTS);
	if (!m1 || !m2)
		goto out;
	CHECK(pmem2_map_get_address(m1) == base + 2 * MiB, "m1 placement");
	CHECK(pmem2_map_get_address(m2) == base + 8 * MiB, "m2 placement");

	CHECK_RC(pmem2_vm_reservation_map_find(rsv, 0, 3 * MiB, &found), 0);
	CHECK(found == m1, "find");
	CHECK_RC(pmem2_vm_reservation_map_find_first(rsv, &found), 0);
	CHECK(found == m1, "first");
	CHECK_RC(pmem2_vm_reservation_map_find_last(rsv, &found), 0);
	CHECK(found == m2, "last");
	CHECK_RC(pmem2_vm_reservation_map_find_next(rsv, m1, &found), 0);
	CHECK(found == m2, "next");
	CHECK_RC(pmem2_vm_reservation_map_find_prev(rsv, m2, &found), 0);
	CHECK(found == m1, "prev");
	CHECK_RC(pmem2_vm_reservation_map_find_next(rsv, m2, &found),
		 PMEM2_E_MAPPING_NOT_FOUND);
	CHECK_RC(pmem2_vm_reservation_delete(&rsv),
		 PMEM2_E_VM_RESERVATION_NOT_EMPTY);

	CHECK_RC(pmem2_vm_reservation_extend(rsv, 2 * MiB), 0);
	CHECK_EQ(pmem2_vm_reservation_get_size(rsv), 18 * MiB);
	CHECK_RC(pmem2_vm_reservation_shrink(rsv, 16 * MiB, 2 * MiB), 0);
	CHECK_RC(pmem2_vm_reservation_shrink(rsv, 0, 4 * MiB),
		 PMEM2_E_VM_RESERVATION_NOT_EMPTY);

	CHECK_RC(pmem2_map_delete(&m1), 0);
	char perms[16];
	CHECK(strcmp(compat_perms(base + 2 * MiB, perms), "---p") == 0,
	      "no placeholder after map delete: %s", perms);
	CHECK_RC(pmem2_map_delete(&m2), 0);
	CHECK_RC(pmem2_vm_reservation_map_find_first(rsv, &found),
		 PMEM2_E_MAPPING_NOT_FOUND);
out:
	if (m1)
		pmem2_map_delete(&m1);
	if (m2)
		pmem2_map_delete(&m2);
	CHECK_RC(pmem2_vm_reservation_delete(&rsv), 0);
	CHECK(rsv == NULL, "rsv not cleared");
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
	close(fd);
}

TEST(anonymous)
{
	struct pmem2_source *src = NULL;
	struct pmem2_config *cfg = new_config(PMEM2_GRANULARITY_BYTE);
	struct pmem2_map *map = NULL;
	int fd;

	CHECK_RC(pmem2_source_from_anon(&src, 3 * MiB), 0);
	if (!src || !cfg)
		return;
	CHECK_RC(pmem2_source_get_fd(src, &fd),
		 PMEM2_E_FILE_DESCRIPTOR_NOT_SET);
	CHECK_RC(pmem2_map_new(&map, cfg, src), 0);
	if (map) {
		char *p = pmem2_map_get_address(map);
		CHECK_EQ(pmem2_map_get_size(map), 3 * MiB);
		CHECK_EQ(pmem2_map_get_store_granularity(map),
			 PMEM2_GRANULARITY_BYTE);
		pmem2_get_memset_fn(map)(p, 0x11, 3 * MiB, 0);
		pmem2_get_persist_fn(map)(p, 3 * MiB);
		CHECK(p[0] == 0x11 && p[3 * MiB - 1] == 0x11, "memset");
		CHECK_RC(pmem2_deep_flush(map, p, 4096), PMEM2_E_NOSUPP);
		CHECK_RC(pmem2_map_delete(&map), 0);
	}
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
}

TEST(from_existing)
{
	int fd = new_file();
	struct pmem2_source *src = NULL;
	struct pmem2_map *map = NULL, *other = NULL;

	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	char *p = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);
	if (!src || p == MAP_FAILED)
		return;
	CHECK_RC(pmem2_map_from_existing(&map, src, p, FILE_SIZE,
		PMEM2_GRANULARITY_PAGE), 0);
	CHECK_RC(pmem2_map_from_existing(&other, src, p + MiB, 4096,
		PMEM2_GRANULARITY_PAGE), PMEM2_E_MAP_EXISTS);
	if (map) {
		CHECK(pmem2_map_get_address(map) == p, "address");
		CHECK_EQ(pmem2_map_get_size(map), FILE_SIZE);
		/* not from the first page: PMDK 1.12.1 loops forever there */
		pmem2_get_memcpy_fn(map)(p + 4096, "hello", 6, 0);
		char back[6];
		CHECK_EQ(pread(fd, back, 6, 4096), 6);
		CHECK(memcmp(back, "hello", 6) == 0, "data");
		CHECK_RC(pmem2_map_delete(&map), 0);
	}
	CHECK(compat_range_mapped(p, FILE_SIZE), "user mapping was unmapped");
	munmap(p, FILE_SIZE);
	pmem2_source_delete(&src);
	close(fd);
}

TEST(mcsafe_io)
{
	int fd = new_file();
	struct pmem2_source *src = NULL;
	char out[100], in[100];

	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	if (!src)
		return;
	memset(out, 0x77, sizeof(out));
	CHECK_RC(pmem2_source_pwrite_mcsafe(src, out, sizeof(out), 4000), 0);
	CHECK_RC(pmem2_source_pread_mcsafe(src, in, sizeof(in), 4000), 0);
	CHECK(memcmp(in, out, sizeof(in)) == 0, "data");
	CHECK_RC(pmem2_source_pread_mcsafe(src, in, sizeof(in),
		FILE_SIZE - 50), PMEM2_E_LENGTH_OUT_OF_RANGE);
	pmem2_source_delete(&src);
	close(fd);
}

TEST(ras_queries)
{
	int fd = new_file();
	struct pmem2_source *src = NULL;
	struct pmem2_badblock_context *bbctx = NULL;
	struct pmem2_badblock bb;
	int node;
	uint64_t usc;
	size_t len = 0;

	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	if (!src)
		return;
	struct stat st;
	if (fstat(fd, &st) || test_dev_region(st.st_dev, NULL, 0)) {
		pmem2_source_delete(&src);
		close(fd);
		SKIP("TMPDIR is on an NVDIMM region (the VM tests cover it)");
	}
	/* a file not on an NVDIMM, with PMDK's answers (both libraries) */
	CHECK_RC(pmem2_source_numa_node(src, &node),
		 PMEM2_E_DAX_REGION_NOT_FOUND);
	CHECK_RC(pmem2_source_device_usc(src, &usc), PMEM2_E_NOSUPP);
	CHECK_RC(pmem2_source_device_id(src, NULL, &len), PMEM2_E_NOSUPP);
	CHECK_RC(pmem2_badblock_context_new(&bbctx, src), 0);
	if (bbctx) {
		CHECK_RC(pmem2_badblock_next(bbctx, &bb),
			 PMEM2_E_NO_BAD_BLOCK_FOUND);
		pmem2_badblock_context_delete(&bbctx);
		CHECK(bbctx == NULL, "bbctx not cleared");
	}
	pmem2_source_delete(&src);
	close(fd);
}

int main(int argc, char *argv[])
{
	if (argc > 1)
		expected_lib = argv[1];
	RUN(loaded_library);
	RUN(file_mapping);
	RUN(errors);
	RUN(reservation);
	RUN(anonymous);
	RUN(from_existing);
	RUN(mcsafe_io);
	RUN(ras_queries);
	return test_done();
}
