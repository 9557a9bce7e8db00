/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_persist_uninit.c -- persisting bytes the application never
 * initialised, as a real client does (struct padding, the unused tail of a
 * record), must not make valgrind memcheck report an error inside the
 * library.
 *
 * Persisting is not reading: a PAGE-granularity persist and a deep flush
 * hand the pages to the kernel with msync(2), which memcheck models as
 * reading every byte of the range ("Syscall param msync(start) points to
 * uninitialised byte(s)"). PMDK tells memcheck not to report that, so a
 * client's suite that runs clean on PMDK must run clean on ours. The bytes
 * are made uninitialised the way a client makes them: a plain memcpy from
 * a malloc'ed buffer nobody wrote (memcheck reports no copy, only a use).
 *
 * The verdict is valgrind's: scripts/test.sh runs every test program
 * under memcheck with --error-exitcode. Natively the program checks what
 * can be checked: the calls succeed and the file holds the defined bytes
 * (the undefined ones cannot be compared without memcheck calling the
 * comparison a use of them).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libpmem2.h>
#include "test.h"

#define LEN (64 * 1024)
#define FORCE "PMEM2_FORCE_GRANULARITY"

static int fd;
static struct pmem2_source *src;
static unsigned char *junk; /* LEN bytes nobody initialised */

static struct pmem2_map *map_file(enum pmem2_granularity required)
{
	struct pmem2_config *cfg = NULL;
	struct pmem2_map *map = NULL;

	CHECK_RC(pmem2_config_new(&cfg), 0);
	CHECK_RC(pmem2_config_set_required_store_granularity(cfg, required), 0);
	int ret = pmem2_map_new(&map, cfg, src);
	CHECK(ret == 0, "map_new: %d %s", ret, pmem2_errormsg());
	pmem2_config_delete(&cfg);
	return map;
}

/* one granularity: every call that reaches msync for the range */
static void persist_uninit(enum pmem2_granularity required,
			   enum pmem2_granularity expected)
{
	struct pmem2_map *map = map_file(required);
	if (!map)
		return;
	CHECK_EQ(pmem2_map_get_store_granularity(map), expected);
	unsigned char *addr = pmem2_map_get_address(map);

	/* a defined header, an uninitialised body */
	memset(addr, 0x5a, 64);
	memcpy(addr + 64, junk, LEN - 64);

	pmem2_get_persist_fn(map)(addr, LEN);
	pmem2_get_flush_fn(map)(addr + 100, LEN - 200);
	pmem2_get_drain_fn(map)();
	pmem2_get_persist_fn(map)(addr + 1, 1); /* an unaligned byte */
	CHECK_RC(pmem2_deep_flush(map, addr, LEN), 0);
	CHECK_RC(pmem2_deep_flush(map, addr + 4097, 10), 0);

	/* the library's own copies reach msync too */
	pmem2_get_memcpy_fn(map)(addr + 128, junk, 4096, 0);
	pmem2_get_memmove_fn(map)(addr + 8192, addr + 128, 4096, 0);

	unsigned char head[64];
	CHECK(pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head),
	      "pread");
	CHECK(head[0] == 0x5a && head[63] == 0x5a, "defined header in file");
	CHECK_RC(pmem2_map_delete(&map), 0);
}

TEST(page)
{
	/* not on DAX: MAP_SYNC is refused, msync is the persist */
	persist_uninit(PMEM2_GRANULARITY_PAGE, PMEM2_GRANULARITY_PAGE);
}

TEST(cache_line)
{
	/* forced: the flushes are cache-line instructions; deep flush still
	 * msyncs the file */
	setenv(FORCE, "CACHE_LINE", 1);
	persist_uninit(PMEM2_GRANULARITY_CACHE_LINE,
		       PMEM2_GRANULARITY_CACHE_LINE);
	unsetenv(FORCE);
}

TEST(from_existing)
{
	/* the application's own mapping, wrapped as PAGE */
	unsigned char *p =
		mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "mmap");
	if (p == MAP_FAILED)
		return;
	struct pmem2_map *map = NULL;
	CHECK_RC(pmem2_map_from_existing(&map, src, p, LEN,
					 PMEM2_GRANULARITY_PAGE),
		 0);
	if (map) {
		memcpy(p, junk, LEN);
		pmem2_get_persist_fn(map)(p + 10, LEN - 20);
		CHECK_RC(pmem2_deep_flush(map, p, LEN), 0);
		CHECK_RC(pmem2_map_delete(&map), 0);
	}
	munmap(p, LEN);
}

int main(void)
{
	fd = test_tmpfile(LEN, NULL, 0, 0);
	junk = malloc(LEN);
	if (!junk || pmem2_source_from_fd(&src, fd)) {
		printf("setup failed\n");
		return 2;
	}
	unsetenv(FORCE);
	RUN(page);
	RUN(cache_line);
	RUN(from_existing);
	pmem2_source_delete(&src);
	free(junk);
	close(fd);
	return test_done();
}
