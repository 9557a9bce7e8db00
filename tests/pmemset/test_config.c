/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_config.c -- set and map configurations, set creation, and the error
 * functions: every validation of the config setters, the set copying its
 * config, pmemset_err_to_errno over our codes, libpmem2's codes and errno
 * values, pmemset_errormsg (per thread) and pmemset_perror.
 */
#include <pthread.h>

#include "pmemset_test.h"

TEST(config)
{
	struct pmemset_config *cfg = (void *)1;
	CHECK_RC(pmemset_config_new(NULL), -EINVAL);
	CHECK_RC(pmemset_config_new(&cfg), 0);
	CHECK(cfg != NULL, "config made");

	struct pmemset *set = (void *)1;
	CHECK_RC(pmemset_new(&set, cfg), PMEMSET_E_GRANULARITY_NOT_SET);
	CHECK(set == NULL, "NULLed");
	CHECK(strstr(pmemset_errormsg(), "granularity") != NULL, "message: %s",
	      pmemset_errormsg());
	CHECK_RC(pmemset_new(&set, NULL), -EINVAL);
	CHECK_RC(pmemset_new(NULL, cfg), -EINVAL);

	CHECK_RC(pmemset_config_set_required_store_granularity(
			 cfg, (enum pmem2_granularity)3),
		 PMEMSET_E_GRANULARITY_NOT_SUPPORTED);
	CHECK_RC(pmemset_config_set_required_store_granularity(
			 cfg, (enum pmem2_granularity) - 1),
		 PMEMSET_E_GRANULARITY_NOT_SUPPORTED);
	CHECK_RC(pmemset_config_set_required_store_granularity(NULL, 0),
		 -EINVAL);
	CHECK_RC(pmemset_config_set_required_store_granularity(
			 cfg, PMEM2_GRANULARITY_CACHE_LINE),
		 0);

	CHECK_RC(pmemset_config_set_acceptable_states(cfg, 1 << 5),
		 PMEMSET_E_INVALID_PART_STATES);
	CHECK_RC(pmemset_config_set_acceptable_states(cfg, ~0ULL),
		 PMEMSET_E_INVALID_PART_STATES);
	CHECK_RC(pmemset_config_set_acceptable_states(NULL, 0), -EINVAL);
	CHECK_RC(pmemset_config_set_acceptable_states(
			 cfg,
			 PMEMSET_PART_STATE_OK | PMEMSET_PART_STATE_CORRUPTED),
		 0);
	CHECK_RC(pmemset_config_set_acceptable_states(cfg, 0), 0);
	pmemset_config_set_event_callback(NULL, NULL, NULL); /* no crash */
	pmemset_config_set_reservation(NULL, NULL);

	CHECK_RC(pmemset_new(&set, cfg), 0);
	/* the set has its own copy of the config */
	CHECK_RC(pmemset_config_delete(&cfg), 0);
	CHECK(cfg == NULL, "config delete NULLs");
	CHECK_RC(pmemset_config_delete(&cfg), 0);
	CHECK_RC(pmemset_config_delete(NULL), 0);
	struct pmem2_source *p2;
	struct pmemset_source *src = anon_source(KB4, &p2);
	CHECK_RC(pmemset_map(set, src, NULL, NULL), 0);
	enum pmem2_granularity g;
	CHECK_RC(pmemset_get_store_granularity(set, &g), 0);
	CHECK_EQ(g, PMEM2_GRANULARITY_BYTE); /* anonymous memory */
	CHECK_RC(pmemset_get_store_granularity(set, NULL), -EINVAL);
	CHECK_RC(pmemset_get_store_granularity(NULL, &g), -EINVAL);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	pmem2_source_delete(&p2);
}

TEST(map_config)
{
	struct pmemset_map_config *mc = (void *)1;
	CHECK_RC(pmemset_map_config_new(NULL), -EINVAL);
	CHECK_RC(pmemset_map_config_new_for_set(&mc, NULL), -EINVAL);
	CHECK(mc == NULL, "NULLed");
	CHECK_RC(pmemset_map_config_new(&mc), 0);
	CHECK_RC(pmemset_map_config_set_offset(mc, (size_t)INT64_MAX), 0);
	CHECK_RC(pmemset_map_config_set_offset(mc, (size_t)INT64_MAX + 1),
		 PMEMSET_E_OFFSET_OUT_OF_RANGE);
	CHECK_RC(pmemset_map_config_set_offset(mc, SIZE_MAX),
		 PMEMSET_E_OFFSET_OUT_OF_RANGE);
	CHECK_RC(pmemset_map_config_set_offset(NULL, 0), -EINVAL);
	pmemset_map_config_set_length(mc, 123);
	pmemset_map_config_set_length(NULL, 123); /* no crash */
	CHECK_RC(pmemset_map_config_delete(&mc), 0);
	CHECK(mc == NULL, "NULLed");
}

TEST(err_to_errno)
{
	CHECK_EQ(pmemset_err_to_errno(0), 0);
	CHECK_EQ(pmemset_err_to_errno(-ENOMEM), ENOMEM);
	CHECK_EQ(pmemset_err_to_errno(-EACCES), EACCES);
	CHECK_EQ(pmemset_err_to_errno(-EDEADLK), EDEADLK);
	CHECK_EQ(pmemset_err_to_errno(PMEMSET_E_NOSUPP), ENOTSUP);
	CHECK_EQ(pmemset_err_to_errno(PMEMSET_E_SDS_NOSUPP), ENOTSUP);
	CHECK_EQ(pmemset_err_to_errno(PMEMSET_E_BADBLOCK_NOSUPP), ENOTSUP);
	CHECK_EQ(pmemset_err_to_errno(
			 PMEMSET_E_CANNOT_ALLOCATE_INTERNAL_STRUCTURE),
		 ENOMEM);
	CHECK_EQ(pmemset_err_to_errno(PMEMSET_E_IO_FAIL), EIO);
	/* every other code of ours is EINVAL */
	for (int e = PMEMSET_E_UNKNOWN; e >= PMEMSET_E_BADBLOCK_NOSUPP; e--) {
		if (e == PMEMSET_E_NOSUPP || e == PMEMSET_E_SDS_NOSUPP ||
		    e == PMEMSET_E_BADBLOCK_NOSUPP || e == PMEMSET_E_IO_FAIL ||
		    e == PMEMSET_E_CANNOT_ALLOCATE_INTERNAL_STRUCTURE)
			continue;
		CHECK(pmemset_err_to_errno(e) == EINVAL, "code %d", e);
	}
	/* libpmem2's codes, which some calls pass through */
	CHECK_EQ(pmemset_err_to_errno(PMEM2_E_NOSUPP), ENOTSUP);
	CHECK_EQ(pmemset_err_to_errno(PMEM2_E_INVALID_FILE_TYPE), EINVAL);
	CHECK_EQ(pmemset_err_to_errno(PMEM2_E_UNKNOWN), EINVAL);
	CHECK_EQ(pmemset_err_to_errno(PMEM2_E_IO_FAIL), EINVAL);
	/* a positive value is no error code */
	CHECK_EQ(pmemset_err_to_errno(5), EINVAL);
}

static void *other_thread(void *arg)
{
	(void)arg;
	struct pmemset_map_config *mc = NULL;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_offset(mc, SIZE_MAX);
	pmemset_map_config_delete(&mc);
	return strdup(pmemset_errormsg());
}

TEST(errormsg)
{
	struct pmemset_config *cfg;
	pmemset_config_new(&cfg);
	pmemset_config_set_acceptable_states(cfg, 1 << 7);
	char mine[512];
	snprintf(mine, sizeof(mine), "%s", pmemset_errormsg());
	CHECK(strstr(mine, "0x80") != NULL, "message names the bits: %s", mine);
	pthread_t t;
	void *theirs;
	pthread_create(&t, NULL, other_thread, NULL);
	pthread_join(t, &theirs);
	CHECK(strstr(theirs, "INT64_MAX") != NULL, "thread's message: %s",
	      (char *)theirs);
	CHECK(strcmp(pmemset_errormsg(), mine) == 0, "ours unchanged");
	free(theirs);

	/* perror: "<text>: <message>" on stderr */
	char path[256];
	tmppath(path, sizeof(path), "stderr");
	fflush(stderr);
	int saved = dup(2);
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	dup2(fd, 2);
	pmemset_perror("context %d", 42);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	char buf[600] = {0};
	CHECK(pread(fd, buf, sizeof(buf) - 1, 0) > 0, "perror wrote");
	char want[600];
	snprintf(want, sizeof(want), "context 42: %s\n", mine);
	CHECK(strcmp(buf, want) == 0, "perror text: %s", buf);
	close(fd);
	unlink(path);
	pmemset_config_delete(&cfg);
}

int main(void)
{
	RUN(config);
	RUN(map_config);
	RUN(err_to_errno);
	RUN(errormsg);
	return test_done();
}
