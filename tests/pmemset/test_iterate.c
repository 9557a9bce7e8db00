/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_iterate.c -- finding part maps: pmemset_first_part_map /
 * pmemset_next_part_map walk in address order whatever the mapping order,
 * pmemset_part_map_by_address finds the part map holding any of its bytes
 * (and nothing outside), every returned part map carries a reference until
 * pmemset_part_map_drop, and pmemset_descriptor_part_map describes it.
 */
#include "pmemset_test.h"

TEST(order_and_lookup)
{
	struct pmem2_vm_reservation *rsv;
	CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, 8 * KB4), 0);
	char *ra = pmem2_vm_reservation_get_address(rsv);
	struct pmem2_source *p2;
	struct pmemset_source *src = anon_source(2 * KB4, &p2);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, rsv, NULL, NULL);
	struct pmemset_map_config *mc;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_length(mc, KB4);

	/* fill 0..3, free 1, map a 2-page part (lands at 4) then 1 page
	 * (lands at 1): mapping order differs from address order */
	struct pmemset_part_descriptor d;
	for (int i = 0; i < 4; i++)
		CHECK_RC(pmemset_map(set, src, mc, NULL), 0);
	CHECK_RC(pmemset_remove_range(set, ra + KB4, KB4), 0);
	pmemset_map_config_set_length(mc, 2 * KB4);
	CHECK_RC(pmemset_map(set, src, mc, &d), 0);
	CHECK(d.addr == ra + 4 * KB4, "2-page part at 16 KiB");
	pmemset_map_config_set_length(mc, KB4);
	CHECK_RC(pmemset_map(set, src, mc, &d), 0);
	CHECK(d.addr == ra + KB4, "1-page part back at 4 KiB");

	char *want[] = {ra, ra + KB4, ra + 2 * KB4, ra + 3 * KB4, ra + 4 * KB4};
	size_t sizes[] = {KB4, KB4, KB4, KB4, 2 * KB4};
	struct pmemset_part_map *pm, *next;
	int i = 0;
	pmemset_first_part_map(set, &pm);
	while (pm) {
		struct pmemset_part_descriptor dd =
			pmemset_descriptor_part_map(pm);
		CHECK(i < 5 && dd.addr == want[i] && dd.size == sizes[i],
		      "part map %d: %p+%zu", i, dd.addr, dd.size);
		/* held: cannot be removed by range */
		CHECK_RC(pmemset_remove_range(set, dd.addr, 1),
			 PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP);
		pmemset_next_part_map(set, pm, &next);
		pmemset_part_map_drop(&pm);
		pm = next;
		i++;
	}
	CHECK_EQ(i, 5);

	/* by address: first byte, last byte, and just outside */
	CHECK_RC(pmemset_part_map_by_address(set, &pm, ra + 6 * KB4 - 1), 0);
	CHECK(pmemset_descriptor_part_map(pm).addr == ra + 4 * KB4, "last");
	pmemset_part_map_drop(&pm);
	pm = (void *)1;
	CHECK_RC(pmemset_part_map_by_address(set, &pm, ra + 6 * KB4),
		 PMEMSET_E_CANNOT_FIND_PART_MAP);
	CHECK(pm == NULL, "NULLed");
	CHECK(strstr(pmemset_errormsg(), "no part map") != NULL, "message: %s",
	      pmemset_errormsg());
	CHECK_RC(pmemset_part_map_by_address(set, &pm, NULL),
		 PMEMSET_E_CANNOT_FIND_PART_MAP);
	CHECK_RC(pmemset_part_map_by_address(set, NULL, ra), -EINVAL);
	CHECK_RC(pmemset_part_map_by_address(NULL, &pm, ra), -EINVAL);

	/* every reference was dropped: the range can go now */
	CHECK_RC(pmemset_remove_range(set, ra, 8 * KB4), 0);
	pmemset_first_part_map(set, &pm);
	CHECK(pm == NULL, "empty");

	/* argument edge cases */
	pmemset_first_part_map(NULL, &pm);
	CHECK(pm == NULL, "NULL set");
	pmemset_first_part_map(set, NULL);
	pmemset_next_part_map(set, NULL, &next);
	CHECK(next == NULL, "NULL cur");
	pmemset_part_map_drop(NULL);
	pm = NULL;
	pmemset_part_map_drop(&pm);
	struct pmemset_part_descriptor z = pmemset_descriptor_part_map(NULL);
	CHECK(z.addr == NULL && z.size == 0, "NULL part map");

	/* a part map of another set is not a cursor of this one */
	struct pmemset *other = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	CHECK_RC(pmemset_map(other, src, mc, NULL), 0);
	CHECK_RC(pmemset_map(other, src, mc, NULL), 0);
	pmemset_first_part_map(other, &pm);
	pmemset_next_part_map(set, pm, &next);
	CHECK(next == NULL, "foreign cursor");
	pmemset_part_map_drop(&pm);
	pmemset_delete(&other);

	pmemset_map_config_delete(&mc);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	pmem2_source_delete(&p2);
	CHECK_RC(pmem2_vm_reservation_delete(&rsv), 0);
}

int main(void)
{
	RUN(order_and_lookup);
	return test_done();
}
