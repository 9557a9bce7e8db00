/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_map.c -- pmemset_map (PMDK's final shape): what gets mapped, the
 * descriptor, whole-source maps, file growth (real allocation, DO_NOT_GROW,
 * caller's pmem2 sources never grown, growth failure), and every error the
 * map can return: invalid source, unset length, unaligned length, invalid
 * offset, pmem2 map failure (with libpmem2's code in the message),
 * granularity not supported and granularity mismatch. Also the data
 * operations before and after the first part.
 */
#include <signal.h>
#include <sys/resource.h>

#include "pmemset_test.h"

TEST(map_file_part)
{
	char path[256];
	struct pmemset_source *src =
		file_source(path, sizeof(path), 4 * KB4, 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_map_config *mc = NULL;
	struct pmemset_part_descriptor desc = {NULL, 0};

	CHECK_RC(pmemset_map_config_new(&mc), 0);
	CHECK_RC(pmemset_map_config_set_offset(mc, KB4), 0);
	pmemset_map_config_set_length(mc, 2 * KB4);
	CHECK_RC(pmemset_map(set, src, mc, &desc), 0);
	CHECK(desc.addr != NULL, "descriptor has an address");
	CHECK_EQ(desc.size, 2 * KB4);

	/* the part shows file bytes [4096, 12288) */
	int fd = open(path, O_RDWR);
	char buf[8];
	memcpy(desc.addr, "hello", 6);
	CHECK_RC(pmemset_persist(set, desc.addr, 6), 0);
	CHECK_EQ(pread(fd, buf, 6, (off_t)KB4), 6);
	CHECK(memcmp(buf, "hello", 6) == 0, "file holds the stored bytes");
	close(fd);

	enum pmem2_granularity g;
	CHECK_RC(pmemset_get_store_granularity(set, &g), 0);
	CHECK_EQ(g, PMEM2_GRANULARITY_PAGE);

	CHECK_RC(pmemset_delete(&set), 0);
	CHECK(set == NULL, "pmemset_delete NULLs the pointer");
	CHECK_RC(pmemset_delete(&set), 0);
	CHECK_RC(pmemset_delete(NULL), 0);
	pmemset_map_config_delete(&mc);
	CHECK(mc == NULL, "map config delete NULLs");
	CHECK_RC(pmemset_map_config_delete(&mc), 0);
	pmemset_source_delete(&src);
	CHECK(src == NULL, "source delete NULLs");
	unlink(path);
}

TEST(map_whole_source_null_config)
{
	char path[256];
	struct pmemset_source *src =
		file_source(path, sizeof(path), 3 * KB4, 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_part_descriptor desc;
	CHECK_RC(pmemset_map(set, src, NULL, &desc), 0);
	CHECK_EQ(desc.size, 3 * KB4);
	CHECK_RC(pmemset_map(set, src, NULL, NULL), 0); /* desc optional */
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	unlink(path);
}

TEST(map_errors)
{
	char path[256];
	struct pmemset_source *src = file_source(path, sizeof(path), 0, 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_map_config *mc = NULL;
	pmemset_map_config_new(&mc);

	CHECK_RC(pmemset_map(set, NULL, mc, NULL),
		 PMEMSET_E_INVALID_SOURCE_TYPE);
	CHECK(strstr(pmemset_errormsg(), "source") != NULL, "message: %s",
	      pmemset_errormsg());
	CHECK_RC(pmemset_map(NULL, src, mc, NULL), -EINVAL);

	/* empty source, length 0 */
	CHECK_RC(pmemset_map(set, src, mc, NULL), PMEMSET_E_MAP_LENGTH_UNSET);

	/* length not a multiple of the alignment */
	pmemset_map_config_set_length(mc, 100);
	CHECK_RC(pmemset_map(set, src, mc, NULL), PMEMSET_E_LENGTH_UNALIGNED);
	CHECK(strstr(pmemset_errormsg(), "4096") != NULL, "message: %s",
	      pmemset_errormsg());

	/* offset not aligned: libpmem2 refuses; its code is in the message */
	pmemset_map_config_set_length(mc, KB4);
	CHECK_RC(pmemset_map_config_set_offset(mc, 100), 0);
	CHECK_RC(pmemset_map(set, src, mc, NULL), PMEMSET_E_INVALID_PMEM2_MAP);
	char want[64];
	snprintf(want, sizeof(want), "%d", PMEM2_E_OFFSET_UNALIGNED);
	CHECK(strstr(pmemset_errormsg(), want) != NULL,
	      "libpmem2 code in message: %s", pmemset_errormsg());

	/* offset beyond INT64_MAX: the map config refuses it */
	CHECK_RC(pmemset_map_config_set_offset(mc, (size_t)INT64_MAX + 1),
		 PMEMSET_E_OFFSET_OUT_OF_RANGE);
	/* an offset so large the part would end beyond INT64_MAX: no file
	 * can be that long, so growing it fails (PMDK's order: the growth
	 * comes before the libpmem2 config) */
	CHECK_RC(pmemset_map_config_set_offset(mc, (size_t)INT64_MAX - 4095),
		 0);
	CHECK_RC(pmemset_map(set, src, mc, NULL),
		 PMEMSET_E_CANNOT_GROW_SOURCE_FILE);
	CHECK(strstr(pmemset_errormsg(), "INT64_MAX") != NULL, "message: %s",
	      pmemset_errormsg());
	CHECK_EQ(file_size(path), 0);

	/* nothing of the failed maps is left */
	struct pmemset_part_map *pm = (void *)1;
	pmemset_first_part_map(set, &pm);
	CHECK(pm == NULL, "no part map after failed maps");

	/* a config made for another set */
	struct pmemset *other = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_map_config *mc2 = NULL;
	CHECK_RC(pmemset_map_config_new_for_set(&mc2, other), 0);
	pmemset_map_config_set_length(mc2, KB4);
	CHECK_RC(pmemset_map(set, src, mc2, NULL), -EINVAL);
	CHECK_RC(pmemset_map(other, src, mc2, NULL), 0);
	pmemset_map_config_delete(&mc2);
	pmemset_delete(&other);

	pmemset_map_config_delete(&mc);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	unlink(path);
}

TEST(growth_allocates)
{
	char path[256];
	struct pmemset_source *src = file_source(path, sizeof(path), 0, 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_map_config *mc = NULL;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_offset(mc, 2 * KB4);
	pmemset_map_config_set_length(mc, 16 * KB4);
	CHECK_RC(pmemset_map(set, src, mc, NULL), 0);
	CHECK_EQ(file_size(path), 18 * KB4);
	struct stat st;
	stat(path, &st);
	/* real allocation (ext4, xfs, tmpfs): the grown range has blocks */
	CHECK(st.st_blocks * 512 >= (blkcnt_t)(16 * KB4),
	      "grown file is allocated: %lld blocks", (long long)st.st_blocks);
	/* a part within the file does not grow it */
	pmemset_map_config_set_offset(mc, 0);
	pmemset_map_config_set_length(mc, KB4);
	CHECK_RC(pmemset_map(set, src, mc, NULL), 0);
	CHECK_EQ(file_size(path), 18 * KB4);
	pmemset_map_config_delete(&mc);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	unlink(path);
}

TEST(do_not_grow)
{
	char path[256];
	struct pmemset_source *src = file_source(
		path, sizeof(path), KB4, PMEMSET_SOURCE_FILE_DO_NOT_GROW);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_map_config *mc = NULL;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_length(mc, 2 * KB4);
	CHECK_RC(pmemset_map(set, src, mc, NULL),
		 PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL);
	CHECK_EQ(file_size(path), KB4);
	pmemset_map_config_set_length(mc, KB4);
	CHECK_RC(pmemset_map(set, src, mc, NULL), 0);
	pmemset_map_config_delete(&mc);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	unlink(path);
}

/* A map that fails after growing the file shrinks it back. */
TEST(failed_map_not_grown)
{
	char path[256];
	struct pmemset_source *src = file_source(path, sizeof(path), KB4, 0);
	struct pmem2_vm_reservation *rsv = NULL;
	CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, 2 * 1024 * 1024), 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, rsv, NULL, NULL);
	struct pmemset_map_config *mc = NULL;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_length(mc, 4 * 1024 * 1024);
	CHECK_RC(pmemset_map(set, src, mc, NULL),
		 PMEMSET_E_CANNOT_FIT_PART_MAP);
	CHECK_EQ(file_size(path), KB4);
	struct stat st;
	stat(path, &st);
	CHECK(st.st_blocks * 512 <= (blkcnt_t)(64 * KB4),
	      "no blocks kept: %lld", (long long)st.st_blocks);
	/* a part that fits grows the file and keeps it grown */
	pmemset_map_config_set_length(mc, 2 * KB4);
	CHECK_RC(pmemset_map(set, src, mc, NULL), 0);
	CHECK_EQ(file_size(path), 2 * KB4);
	pmemset_map_config_delete(&mc);
	pmemset_delete(&set);
	pmem2_vm_reservation_delete(&rsv);
	pmemset_source_delete(&src);
	unlink(path);
}

TEST(pmem2_source_not_grown)
{
	char path[256];
	tmppath(path, sizeof(path), "p2");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK_EQ(ftruncate(fd, (off_t)KB4), 0);
	struct pmem2_source *p2 = NULL;
	struct pmemset_source *src = NULL;
	CHECK_RC(pmem2_source_from_fd(&p2, fd), 0);
	CHECK_RC(pmemset_source_from_pmem2(&src, p2), 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_map_config *mc = NULL;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_length(mc, 4 * KB4);
	CHECK_RC(pmemset_map(set, src, mc, NULL),
		 PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL);
	CHECK(strstr(pmemset_errormsg(), "pmem2_source") != NULL, "message: %s",
	      pmemset_errormsg());
	CHECK_EQ(file_size(path), KB4);
	pmemset_map_config_set_length(mc, KB4);
	CHECK_RC(pmemset_map(set, src, mc, NULL), 0);
	pmemset_map_config_delete(&mc);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	/* the caller's pmem2 source and fd are untouched */
	CHECK(fcntl(fd, F_GETFD) >= 0, "caller's fd still open");
	pmem2_source_delete(&p2);
	close(fd);
	unlink(path);
}

TEST(cannot_grow)
{
	char path[256];
	struct pmemset_source *src = file_source(path, sizeof(path), 0, 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_map_config *mc = NULL;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_length(mc, 64 * KB4);

	struct rlimit old, lim;
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 8 * KB4;
	signal(SIGXFSZ, SIG_IGN);
	CHECK_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
	CHECK_RC(pmemset_map(set, src, mc, NULL),
		 PMEMSET_E_CANNOT_GROW_SOURCE_FILE);
	/* the older name is the same code */
	CHECK_EQ(PMEMSET_E_CANNOT_TRUNCATE_SOURCE_FILE,
		 PMEMSET_E_CANNOT_GROW_SOURCE_FILE);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	CHECK(file_size(path) <= (off_t)(8 * KB4), "file not grown past limit");
	pmemset_map_config_delete(&mc);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	unlink(path);
}

TEST(granularity)
{
	if (getenv("PMEM2_FORCE_GRANULARITY"))
		SKIP("PMEM2_FORCE_GRANULARITY is set");
	/* a plain file without MAP_SYNC is PAGE: a BYTE set refuses it */
	char path[256];
	struct pmemset_source *src = file_source(path, sizeof(path), KB4, 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_BYTE, NULL, NULL, NULL);
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_GRANULARITY_NOT_SUPPORTED);
	CHECK(strstr(pmemset_errormsg(), "libpmem2") != NULL, "message: %s",
	      pmemset_errormsg());
	pmemset_delete(&set);

	/* anonymous memory is BYTE, the file PAGE: one set cannot hold both */
	set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmem2_source *p2;
	struct pmemset_source *anon = anon_source(KB4, &p2);
	CHECK_RC(pmemset_map(set, anon, NULL, NULL), 0);
	enum pmem2_granularity g;
	CHECK_RC(pmemset_get_store_granularity(set, &g), 0);
	CHECK_EQ(g, PMEM2_GRANULARITY_BYTE);
	int maps = test_count_maps();
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_GRANULARITY_MISMATCH);
	CHECK(strstr(pmemset_errormsg(), "PAGE") != NULL, "message: %s",
	      pmemset_errormsg());
	CHECK_MAPS(maps);
	pmemset_delete(&set);
	pmemset_source_delete(&anon);
	pmem2_source_delete(&p2);
	pmemset_source_delete(&src);
	unlink(path);
}

TEST(data_ops_before_first_part)
{
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	char buf[64], dst[64];
	memset(buf, 1, sizeof(buf));
	CHECK(pmemset_memcpy(set, dst, buf, 64, 0) == NULL, "memcpy NULL");
	CHECK(strstr(pmemset_errormsg(), "no part") != NULL, "message: %s",
	      pmemset_errormsg());
	CHECK(pmemset_memmove(set, dst, buf, 64, 0) == NULL, "memmove NULL");
	CHECK(pmemset_memset(set, dst, 0, 64, 0) == NULL, "memset NULL");
	CHECK_RC(pmemset_persist(set, dst, 64), PMEMSET_E_NO_PART_MAPPED);
	CHECK_RC(pmemset_flush(set, dst, 64), PMEMSET_E_NO_PART_MAPPED);
	CHECK_RC(pmemset_drain(set), PMEMSET_E_NO_PART_MAPPED);
	CHECK_RC(pmemset_deep_flush(set, dst, 64), 0); /* nothing there */
	enum pmem2_granularity g;
	CHECK_RC(pmemset_get_store_granularity(set, &g),
		 PMEMSET_E_NO_PART_MAPPED);
	CHECK(pmemset_memcpy(NULL, dst, buf, 64, 0) == NULL, "NULL set");
	CHECK_RC(pmemset_persist(NULL, dst, 64), -EINVAL);
	pmemset_delete(&set);
}

TEST(data_ops)
{
	struct pmem2_source *p2;
	struct pmemset_source *src = anon_source(4 * KB4, &p2);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_part_descriptor d;
	CHECK_RC(pmemset_map(set, src, NULL, &d), 0);
	char *a = d.addr, buf[512];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)i;
	CHECK(pmemset_memcpy(set, a, buf, sizeof(buf), 0) == a, "memcpy ret");
	CHECK(memcmp(a, buf, sizeof(buf)) == 0, "memcpy copied");
	CHECK(pmemset_memmove(set, a + 1, a, 100, PMEMSET_F_MEM_NODRAIN) ==
		      a + 1,
	      "memmove ret");
	CHECK(memcmp(a + 1, buf, 100) == 0, "memmove overlapping");
	CHECK(pmemset_memset(set, a, 0x5a, 300, PMEMSET_F_MEM_NONTEMPORAL) == a,
	      "memset ret");
	CHECK(a[0] == 0x5a && a[299] == 0x5a && a[300] == buf[300],
	      "memset wrote 300 bytes");
	CHECK(pmemset_memset(set, a, 0, 1, 0x40) == NULL, "invalid flags");
	CHECK_RC(pmemset_flush(set, a, 300), 0);
	CHECK_RC(pmemset_drain(set), 0);
	CHECK_RC(pmemset_persist(set, a, 300), 0);
	/* anonymous memory has nothing to deep flush to: skipped */
	CHECK_RC(pmemset_deep_flush(set, a, 300), 0);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	pmem2_source_delete(&p2);
}

TEST(deep_flush_file)
{
	char path[256];
	struct pmemset_source *src =
		file_source(path, sizeof(path), 2 * KB4, 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_part_descriptor d;
	CHECK_RC(pmemset_map(set, src, NULL, &d), 0);
	memset(d.addr, 7, 2 * KB4);
	CHECK_RC(pmemset_deep_flush(set, d.addr, 2 * KB4), 0);
	/* a range reaching outside the set: only the set's part is flushed */
	CHECK_RC(pmemset_deep_flush(set, (char *)d.addr - KB4, 4 * KB4), 0);
	CHECK_RC(pmemset_deep_flush(NULL, d.addr, 1), -EINVAL);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	unlink(path);
}

int main(void)
{
	int fds = test_count_fds();
	int maps = test_count_maps();
	RUN(map_file_part);
	RUN(map_whole_source_null_config);
	RUN(map_errors);
	RUN(growth_allocates);
	RUN(do_not_grow);
	RUN(failed_map_not_grown);
	RUN(pmem2_source_not_grown);
	RUN(cannot_grow);
	RUN(granularity);
	RUN(data_ops_before_first_part);
	RUN(data_ops);
	RUN(deep_flush_file);
	test_current = "leaks";
	CHECK_EQ(test_count_fds(), fds);
	CHECK_MAPS(maps);
	return test_done();
}
