/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_call_shapes.c -- the three generations of the map call, side by
 * side from one header (include/libpmemset/call_shapes.h documents them),
 * written exactly as their manual pages show them:
 *   config names the set (the later 2021 draft):
 *             pmemset_map_config_new(&cfg, set);
 *             pmemset_map(src, cfg, extras, desc)
 *   final:    pmemset_map_config_new(&cfg); pmemset_map(set, src, cfg, desc)
 *   part objects (the part-based API of the 2021 drafts):
 *             pmemset_part_new(&part, set, src, off, len);
 *             pmemset_part_map(&part, extras, desc) (part consumed)
 * plus the explicit names of the old shapes, the extras, and the errors
 * the drafts' manual pages list for them.
 */
#include "pmemset_test.h"

static struct pmem2_source *p2;
static struct pmemset_source *src;

TEST(config_names_set_shape)
{
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_map_config *map_cfg = NULL;
	struct pmemset_part_descriptor desc = {NULL, 0};
	CHECK_RC(pmemset_map_config_new(&map_cfg, set), 0);
	CHECK_RC(pmemset_map_config_set_offset(map_cfg, 0), 0);
	pmemset_map_config_set_length(map_cfg, 2 * KB4);
	CHECK_RC(pmemset_map(src, map_cfg, NULL, &desc), 0);
	CHECK(desc.addr != NULL && desc.size == 2 * KB4, "desc filled");
	struct pmemset_part_map *pm = NULL;
	CHECK_RC(pmemset_part_map_by_address(set, &pm, desc.addr), 0);
	pmemset_part_map_drop(&pm);

	/* extras: the state (no shutdown record: INDETERMINATE) */
	enum pmemset_part_state state = 0;
	struct pmemset_extras extras = {NULL, NULL, &state};
	CHECK_RC(pmemset_map(src, map_cfg, &extras, NULL), 0);
	CHECK_EQ(state, PMEMSET_PART_STATE_INDETERMINATE);

	/* the errors that draft's manual page lists */
	CHECK_RC(
		pmemset_map((struct pmemset_source *)NULL, map_cfg, NULL, NULL),
		PMEMSET_E_INVALID_SOURCE_TYPE);
	CHECK_RC(pmemset_map(NULL, map_cfg, NULL, NULL),
		 PMEMSET_E_INVALID_SOURCE_TYPE);
	pmemset_map_config_set_length(map_cfg, 100);
	CHECK_RC(pmemset_map(src, map_cfg, NULL, NULL),
		 PMEMSET_E_LENGTH_UNALIGNED);
	/* a map config without a set cannot say where to map */
	struct pmemset_map_config *plain = NULL;
	CHECK_RC(pmemset_map_config_new(&plain), 0);
	CHECK_RC(pmemset_map(src, plain, NULL, NULL), -EINVAL);
	CHECK_RC(pmemset_map_from_config(src, NULL, NULL, NULL), -EINVAL);
	pmemset_map_config_delete(&plain);

	/* the explicit names */
	pmemset_map_config_delete(&map_cfg);
	CHECK_RC(pmemset_map_config_new_for_set(&map_cfg, set), 0);
	pmemset_map_config_set_length(map_cfg, KB4);
	CHECK_RC(pmemset_map_from_config(src, map_cfg, NULL, NULL), 0);
	/* a config for the set also works with the final shape */
	CHECK_RC(pmemset_map(set, src, map_cfg, NULL), 0);
	pmemset_map_config_delete(&map_cfg);
	pmemset_delete(&set);
}

TEST(final_shape)
{
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_map_config *map_cfg = NULL;
	struct pmemset_part_descriptor desc;
	CHECK_RC(pmemset_map_config_new(&map_cfg), 0);
	pmemset_map_config_set_length(map_cfg, KB4);
	CHECK_RC(pmemset_map(set, src, map_cfg, &desc), 0);
	CHECK_RC(pmemset_map(set, src, NULL, &desc), 0); /* config optional */
	CHECK_EQ(desc.size, 16 * KB4);
	/* a null first argument: the type of the second picks the shape */
	CHECK_RC(pmemset_map(NULL, src, map_cfg, &desc), -EINVAL);
	CHECK_RC(pmemset_map(NULL, map_cfg, NULL, &desc),
		 -EINVAL); /* pmemset_map_from_config: config without a set */
	/* null first and second: the type of the third (extras) picks the
	 * old shape (the proof is that this compiles under -Werror: extras
	 * are no map config) */
	enum pmemset_part_state state = 0;
	struct pmemset_extras extras = {NULL, NULL, &state};
	CHECK_RC(pmemset_map(NULL, NULL, &extras, &desc), -EINVAL);
	void *vsrc = src;
	CHECK_RC(pmemset_map(vsrc, NULL, &extras, NULL),
		 -EINVAL); /* pmemset_map_from_config: no config */
	/* the function itself, through a pointer */
	int (*fn)(struct pmemset *, struct pmemset_source *,
		  struct pmemset_map_config *,
		  struct pmemset_part_descriptor *) = pmemset_map;
	CHECK_RC(fn(set, src, map_cfg, NULL), 0);
	pmemset_map_config_delete(&map_cfg);
	pmemset_delete(&set);
}

TEST(part_shape)
{
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_part *part = NULL;
	struct pmemset_part_descriptor desc;
	CHECK_RC(pmemset_part_new(&part, set, src, KB4, 2 * KB4), 0);
	CHECK_RC(pmemset_part_map(&part, NULL, &desc), 0);
	CHECK(part == NULL, "a mapped part is consumed");
	CHECK_EQ(desc.size, 2 * KB4);

	/* errors: the part survives a failed map */
	CHECK_RC(pmemset_part_new(&part, set, src, (size_t)INT64_MAX + 4096,
				  KB4),
		 0);
	CHECK_RC(pmemset_part_map(&part, NULL, NULL),
		 PMEMSET_E_INVALID_OFFSET_VALUE);
	CHECK(part != NULL, "part kept after failure");
	CHECK_RC(pmemset_part_delete(&part), 0);
	CHECK(part == NULL, "deleted");
	CHECK_RC(pmemset_part_delete(&part), 0);

	CHECK_RC(pmemset_part_new(&part, set, src, 0, 100), 0);
	CHECK_RC(pmemset_part_map(&part, NULL, NULL),
		 PMEMSET_E_LENGTH_UNALIGNED);
	pmemset_part_delete(&part);

	CHECK_RC(pmemset_part_new(&part, set, NULL, 0, KB4),
		 PMEMSET_E_INVALID_SOURCE_TYPE);
	CHECK(part == NULL, "NULLed");
	CHECK_RC(pmemset_part_new(&part, NULL, src, 0, KB4), -EINVAL);
	CHECK_RC(pmemset_part_new(NULL, set, src, 0, KB4), -EINVAL);
	CHECK_RC(pmemset_part_map(NULL, NULL, NULL), -EINVAL);
	CHECK_RC(pmemset_part_map(&part, NULL, NULL), -EINVAL);

	/* a part keeps its source alive: the source may go first */
	struct pmem2_source *q2;
	struct pmemset_source *s2 = anon_source(KB4, &q2);
	CHECK_RC(pmemset_part_new(&part, set, s2, 0, KB4), 0);
	pmemset_source_delete(&s2);
	CHECK_RC(pmemset_part_map(&part, NULL, NULL),
		 PMEMSET_E_INVALID_SOURCE_TYPE); /* its handle was deleted */
	pmemset_part_delete(&part);
	pmem2_source_delete(&q2);

	/* extras: sds_in on anonymous memory (no unsafe shutdown count) */
	struct pmemset_part_shutdown_state_data in = {{0}, 0, 0}, out;
	enum pmemset_part_state state;
	struct pmemset_extras ex = {&in, &out, &state};
	s2 = anon_source(KB4, &q2);
	CHECK_RC(pmemset_part_new(&part, set, s2, 0, KB4), 0);
	CHECK_RC(pmemset_part_map(&part, &ex, NULL), PMEMSET_E_SDS_NOSUPP);
	/* the failed map took its record back: a retry fails the same way
	 * and the source still maps without one */
	CHECK_RC(pmemset_part_map(&part, &ex, NULL), PMEMSET_E_SDS_NOSUPP);
	CHECK_RC(pmemset_part_map(&part, NULL, NULL), 0);
	CHECK(part == NULL, "consumed");
	/* a source that has a record refuses another one, and keeps its own */
	struct pmemset_sds own = PMEMSET_SDS_INITIALIZE();
	CHECK_RC(pmemset_source_set_sds(s2, &own, NULL), 0);
	CHECK_RC(pmemset_part_new(&part, set, s2, 0, KB4), 0);
	CHECK_RC(pmemset_part_map(&part, &ex, NULL), PMEMSET_E_SDS_ALREADY_SET);
	CHECK_RC(pmemset_part_map(&part, NULL, NULL), PMEMSET_E_SDS_NOSUPP);
	CHECK_RC(pmemset_source_set_sds(s2, &own, NULL),
		 PMEMSET_E_SDS_ALREADY_SET);
	pmemset_part_delete(&part);
	pmemset_delete(&set);
	pmemset_source_delete(&s2);
	pmem2_source_delete(&q2);
}

int main(void)
{
	src = anon_source(16 * KB4, &p2);
	RUN(config_names_set_shape);
	RUN(final_shape);
	RUN(part_shape);
	pmemset_source_delete(&src);
	pmem2_source_delete(&p2);
	return test_done();
}
