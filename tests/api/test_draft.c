/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_draft.c -- the early draft of libpmem2's mapping API, from before
 * PMDK 1.10 renamed pmem2_map to pmem2_map_new (<libpmem2/draft.h>):
 * pmem2_config_set_fd + pmem2_map + pmem2_unmap, with the errors the
 * draft's manual page lists (PMEM2_E_FILE_HANDLE_NOT_SET,
 * PMEM2_E_INVALID_FILE_HANDLE, PMEM2_E_MAP_RANGE, ...).
 */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <libpmem2/draft.h>

#include "test.h"

#define FILE_SIZE (64 * 1024)

TEST(no_fd_set)
{
	struct pmem2_config *cfg;
	struct pmem2_map *map = (struct pmem2_map *)0x1;
	CHECK_RC(pmem2_config_new(&cfg), 0);
	CHECK_RC(pmem2_map(cfg, &map), PMEM2_E_FILE_HANDLE_NOT_SET);
	CHECK(map == NULL, "map pointer must be NULL after a failure");
	CHECK(strstr(pmem2_errormsg(), "pmem2_config_set_fd") != NULL,
	      "message tells what to do: %s", pmem2_errormsg());
	pmem2_config_delete(&cfg);
}

TEST(bad_fd)
{
	struct pmem2_config *cfg;
	struct pmem2_map *map = NULL;
	CHECK_RC(pmem2_config_new(&cfg), 0);
	CHECK_RC(pmem2_config_set_fd(cfg, -1), 0);
	CHECK_RC(pmem2_map(cfg, &map), PMEM2_E_INVALID_FILE_HANDLE);
	CHECK(pmem2_errormsg()[0] != '\0', "a message is set");

	/* a closed descriptor */
	int fd = test_tmpfile(FILE_SIZE, NULL, 0, 0);
	close(fd);
	CHECK_RC(pmem2_config_set_fd(cfg, fd), 0);
	CHECK_RC(pmem2_map(cfg, &map), PMEM2_E_INVALID_FILE_HANDLE);
	CHECK(map == NULL, "no map after failure");
	pmem2_config_delete(&cfg);
}

TEST(range_past_file)
{
	struct pmem2_config *cfg;
	struct pmem2_map *map = NULL;
	int fd = test_tmpfile(FILE_SIZE, NULL, 0, 0);
	CHECK_RC(pmem2_config_new(&cfg), 0);
	CHECK_RC(pmem2_config_set_fd(cfg, fd), 0);
	CHECK_RC(pmem2_config_set_length(cfg, 2 * FILE_SIZE), 0);
	CHECK_RC(pmem2_map(cfg, &map), PMEM2_E_MAP_RANGE);
	CHECK(pmem2_errormsg()[0] != '\0', "a message is set");

	CHECK_RC(pmem2_config_set_length(cfg, 4096), 0);
	CHECK_RC(pmem2_config_set_offset(cfg, FILE_SIZE), 0);
	CHECK_RC(pmem2_map(cfg, &map), PMEM2_E_MAP_RANGE);

	/* offset + length overflows size_t */
	CHECK_RC(pmem2_config_set_offset(cfg, 4096), 0);
	CHECK_RC(pmem2_config_set_length(cfg, SIZE_MAX - 4095), 0);
	CHECK_RC(pmem2_map(cfg, &map), PMEM2_E_MAP_RANGE);
	CHECK(map == NULL, "no map after failure");
	pmem2_config_delete(&cfg);
	close(fd);
}

TEST(map_write_unmap)
{
	struct pmem2_config *cfg;
	struct pmem2_map *map = NULL;
	char buf[32] = {0};
	int fd = test_tmpfile(FILE_SIZE, NULL, 0, 0);
	int fds_before = test_count_fds();

	CHECK_RC(pmem2_config_new(&cfg), 0);
	CHECK_RC(pmem2_config_set_fd(cfg, fd), 0);
	CHECK_RC(pmem2_config_set_offset(cfg, 4096), 0);
	CHECK_RC(pmem2_map(cfg, &map), 0);
	if (!map) {
		pmem2_config_delete(&cfg);
		close(fd);
		return;
	}
	CHECK_EQ(pmem2_map_get_size(map), FILE_SIZE - 4096);
	/* without a required granularity the draft accepts what it gets */
	CHECK(pmem2_map_get_store_granularity(map) <= PMEM2_GRANULARITY_PAGE,
	      "a valid granularity");

	pmem2_memcpy_fn cpy = pmem2_get_memcpy_fn(map);
	cpy(pmem2_map_get_address(map), "draft api", 10, 0);
	CHECK_EQ(pread(fd, buf, 10, 4096), 10);
	CHECK(strcmp(buf, "draft api") == 0, "data reached the file: '%s'",
	      buf);

	/* the map does not depend on the config any more */
	pmem2_config_delete(&cfg);
	CHECK_RC(pmem2_unmap(&map), 0);
	CHECK(map == NULL, "pmem2_unmap clears the pointer");
	CHECK_EQ(test_count_fds(), fds_before);
	/* the descriptor is the caller's: still open */
	CHECK(fcntl(fd, F_GETFD) >= 0, "fd still open");
	close(fd);
}

TEST(required_granularity_still_checked)
{
	struct pmem2_config *cfg;
	struct pmem2_map *map = NULL;
	int fd = test_tmpfile(FILE_SIZE, NULL, 0, 0);
	CHECK_RC(pmem2_config_new(&cfg), 0);
	CHECK_RC(pmem2_config_set_fd(cfg, fd), 0);
	CHECK_RC(pmem2_config_set_required_store_granularity(
			 cfg, PMEM2_GRANULARITY_PAGE),
		 0);
	CHECK_RC(pmem2_map(cfg, &map), 0);
	CHECK_RC(pmem2_unmap(&map), 0);
	CHECK_RC(pmem2_unmap(&map), PMEM2_E_MAPPING_NOT_FOUND);
	pmem2_config_delete(&cfg);
	close(fd);
}

TEST(null_args)
{
	struct pmem2_map *map;
	CHECK(pmem2_config_set_fd(NULL, 0) < 0, "NULL config refused");
	CHECK(pmem2_map(NULL, &map) < 0, "NULL config refused");
	CHECK(pmem2_errormsg()[0] != '\0', "a message is set");
}

int main(void)
{
	RUN(no_fd_set);
	RUN(bad_fd);
	RUN(range_past_file);
	RUN(map_write_unmap);
	RUN(required_granularity_still_checked);
	RUN(null_args);
	return test_done();
}
