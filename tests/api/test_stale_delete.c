/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_stale_delete.c -- what pmem2_map_delete(3) promises for a stale
 * pointer (a copy of a pointer to a map deleted before): it is refused
 * with PMEM2_E_MAPPING_NOT_FOUND and changes nothing as long as fewer than
 * 1024 other maps have been deleted in the process since, however many
 * maps were created meanwhile, because the deleted object's memory is not
 * reused until then.
 *
 * Before the quarantine the allocator gave the deleted object's memory to
 * the very next map, and the stale delete deleted that live map.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <libpmem2.h>
#include "test.h"

#define QUARANTINE 1024 /* the number pmem2_map_delete(3) gives */
#define LIVE (2 * QUARANTINE)

static struct pmem2_source *src;
static struct pmem2_config *cfg;

static struct pmem2_map *map_one(void)
{
	struct pmem2_map *m = NULL;
	int ret = pmem2_map_new(&m, cfg, src);
	CHECK(ret == 0, "map_new: %d %s", ret, pmem2_errormsg());
	return m;
}

/* a map is alive: it still shows its memory, writable */
static void check_alive(struct pmem2_map *m)
{
	unsigned char *p = pmem2_map_get_address(m);
	CHECK(p != NULL && pmem2_map_get_size(m) == 4096, "map alive");
	if (p) {
		p[0] = 0x11;
		CHECK_EQ(p[0], 0x11);
	}
}

/* deleted, then twice as many new maps as the bound: still refused, and
 * no new map took the deleted object's place */
TEST(many_new_maps)
{
	static struct pmem2_map *live[LIVE];
	struct pmem2_map *m = map_one(), *stale = m;

	CHECK_RC(pmem2_map_delete(&m), 0);
	int same = 0;
	for (int i = 0; i < LIVE; i++) {
		live[i] = map_one();
		same += live[i] == stale;
	}
	CHECK_EQ(same, 0);
	struct pmem2_map *copy = stale;
	CHECK_RC(pmem2_map_delete(&copy), PMEM2_E_MAPPING_NOT_FOUND);
	CHECK(copy == stale, "pointer kept on failure");
	for (int i = 0; i < LIVE; i++) {
		check_alive(live[i]);
		CHECK_RC(pmem2_map_delete(&live[i]), 0);
	}
}

/* deleted, then QUARANTINE - 1 other maps made and deleted: still refused
 * after each of them, and a map made last is not touched */
TEST(deletions_below_the_bound)
{
	struct pmem2_map *m = map_one(), *stale = m, *copy;
	int refused = 0;

	CHECK_RC(pmem2_map_delete(&m), 0);
	for (int i = 0; i < QUARANTINE - 1; i++) {
		struct pmem2_map *other = map_one();
		CHECK(other != stale, "map %d reuses the deleted object", i);
		copy = stale;
		refused += pmem2_map_delete(&copy) == PMEM2_E_MAPPING_NOT_FOUND;
		CHECK_RC(pmem2_map_delete(&other), 0);
	}
	CHECK_EQ(refused, QUARANTINE - 1);

	struct pmem2_map *last = map_one();
	copy = stale;
	CHECK_RC(pmem2_map_delete(&copy), PMEM2_E_MAPPING_NOT_FOUND);
	check_alive(last);
	CHECK_RC(pmem2_map_delete(&last), 0);
}

/* a second delete right away: the common double delete of error paths */
TEST(double_delete)
{
	struct pmem2_map *m = map_one(), *stale = m;

	CHECK_RC(pmem2_map_delete(&m), 0);
	CHECK(m == NULL, "cleared");
	struct pmem2_map *next = map_one();
	CHECK_RC(pmem2_map_delete(&stale), PMEM2_E_MAPPING_NOT_FOUND);
	check_alive(next);
	CHECK_RC(pmem2_map_delete(&next), 0);
}

int main(void)
{
	if (pmem2_source_from_anon(&src, 4096) || pmem2_config_new(&cfg) ||
	    pmem2_config_set_required_store_granularity(
		    cfg, PMEM2_GRANULARITY_PAGE)) {
		printf("setup: %s\n", pmem2_errormsg());
		return 2;
	}
	RUN(double_delete);
	RUN(many_new_maps);
	RUN(deletions_below_the_bound);
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
	return test_done();
}
