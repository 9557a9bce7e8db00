/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_coalescing.c -- where parts land and how part maps form and split:
 * coalescing NONE / OPPORTUNISTIC / FULL with the library's own
 * reservations and with a caller's reservation (first fit, full
 * reservation, taken next range), removals by part map and by range (whole
 * parts only, splitting a part map, never touching a neighbouring part map
 * in a shared reservation), coalescing into the hole a removal left, the
 * reference rules of removal, and that nothing stays mapped afterwards.
 */
#include <sys/mman.h>

#include "pmemset_test.h"

static struct pmem2_source *p2src;
static struct pmemset_source *src;

static int count_pmaps(struct pmemset *set)
{
	int n = 0;
	struct pmemset_part_map *pm, *next;
	pmemset_first_part_map(set, &pm);
	while (pm) {
		n++;
		pmemset_next_part_map(set, pm, &next);
		pmemset_part_map_drop(&pm);
		pm = next;
	}
	return n;
}

static struct pmemset_part_descriptor pmap_at(struct pmemset *set, void *a)
{
	struct pmemset_part_map *pm = NULL;
	struct pmemset_part_descriptor d = {NULL, 0};
	if (pmemset_part_map_by_address(set, &pm, a) == 0) {
		d = pmemset_descriptor_part_map(pm);
		pmemset_part_map_drop(&pm);
	}
	return d;
}

/* map one 4 KiB part; returns the part's own address (from PART_ADD) */
static struct recorder rec;
static char *map4k(struct pmemset *set, int expect)
{
	struct pmemset_map_config *mc = NULL;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_length(mc, KB4);
	rec_reset(&rec);
	int r = pmemset_map(set, src, mc, NULL);
	pmemset_map_config_delete(&mc);
	CHECK(r == expect, "map returned %d (%s), expected %d", r,
	      r ? pmemset_errormsg() : "", expect);
	if (r || rec.count[PMEMSET_EVENT_PART_ADD] != 1)
		return NULL;
	return rec.ev[rec.n - 1].data.part_add.addr;
}

TEST(none_own_reservations)
{
	struct pmemset *set =
		mkset(PMEM2_GRANULARITY_PAGE, NULL, record_cb, &rec);
	char *a = map4k(set, 0), *b = map4k(set, 0), *c = map4k(set, 0);
	CHECK(a && b && c, "three parts");
	CHECK_EQ(count_pmaps(set), 3);
	CHECK_EQ(pmap_at(set, b).size, KB4);
	CHECK(pmap_at(set, b).addr == b, "part map is the part");
	pmemset_delete(&set);
}

TEST(full_own_reservation)
{
	struct pmemset *set =
		mkset(PMEM2_GRANULARITY_PAGE, NULL, record_cb, &rec);
	CHECK_RC(pmemset_set_contiguous_part_coalescing(
			 set, PMEMSET_COALESCING_FULL),
		 0);
	char *a = map4k(set, 0), *b = map4k(set, 0), *c = map4k(set, 0);
	CHECK(b == a + KB4 && c == b + KB4, "parts back to back: %p %p %p",
	      (void *)a, (void *)b, (void *)c);
	CHECK_EQ(count_pmaps(set), 1);
	struct pmemset_part_descriptor d = pmap_at(set, c);
	CHECK(d.addr == a && d.size == 3 * KB4, "one part map of 12 KiB");
	/* the memory is usable across part boundaries */
	memset(a, 3, 3 * KB4);
	CHECK_RC(pmemset_persist(set, a, 3 * KB4), 0);

	/* removing the middle part splits the part map */
	CHECK_RC(pmemset_remove_range(set, b + 10, 10), 0);
	CHECK_EQ(count_pmaps(set), 2);
	CHECK(pmap_at(set, a).size == KB4 && pmap_at(set, c).size == KB4,
	      "A and C remain, 4 KiB each");
	CHECK(a[KB4 - 1] == 3 && c[0] == 3, "survivors keep their data");
	/* the previous part is now A: the next part fills B's hole */
	char *d2 = map4k(set, 0);
	CHECK(d2 == b, "coalesced into the hole: %p, hole %p", (void *)d2,
	      (void *)b);
	CHECK(pmap_at(set, a).size == 2 * KB4, "A+D one part map");
	CHECK_EQ(count_pmaps(set), 2); /* A+D and C touch but stay apart */
	/* after A+D comes C: FULL cannot coalesce */
	map4k(set, PMEMSET_E_CANNOT_COALESCE_PARTS);
	CHECK(strstr(pmemset_errormsg(), "coalesce") != NULL, "message: %s",
	      pmemset_errormsg());
	/* OPPORTUNISTIC falls back to a part map of its own */
	pmemset_set_contiguous_part_coalescing(
		set, PMEMSET_COALESCING_OPPORTUNISTIC);
	char *e = map4k(set, 0);
	CHECK(e != NULL, "opportunistic map");
	CHECK_EQ(count_pmaps(set), 3);
	CHECK_RC(pmemset_set_contiguous_part_coalescing(set, 3),
		 PMEMSET_E_INVALID_COALESCING_VALUE);
	CHECK_RC(pmemset_set_contiguous_part_coalescing(NULL, 0), -EINVAL);
	pmemset_delete(&set);
}

/* is the page at addr free address space? */
static int page_free(char *addr)
{
	void *p =
		mmap(addr, KB4, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	munmap(p, KB4);
	return p == addr;
}

/* the coalescing target keeps its room when parts are removed from it */
TEST(room_kept_on_removal)
{
	struct pmemset *set =
		mkset(PMEM2_GRANULARITY_PAGE, NULL, record_cb, &rec);
	pmemset_set_contiguous_part_coalescing(set, PMEMSET_COALESCING_FULL);
	char *a = map4k(set, 0), *b = map4k(set, 0);
	CHECK(a && b == a + KB4, "coalesced");
	CHECK(!page_free(b + KB4), "room reserved after the part map");
	CHECK_RC(pmemset_remove_range(set, b, KB4), 0);
	CHECK(!page_free(b), "room still reserved after a removal");
	CHECK(map4k(set, 0) == b, "the next part follows A");
	/* another part map becomes the target: A's room goes */
	pmemset_set_contiguous_part_coalescing(set, PMEMSET_COALESCING_NONE);
	char *c = map4k(set, 0);
	pmemset_set_contiguous_part_coalescing(set, PMEMSET_COALESCING_FULL);
	CHECK(c != NULL, "own part map");
	CHECK(page_free(b + KB4) || b + KB4 == c, "A's room given back");
	pmemset_delete(&set);
}

TEST(opportunistic_blocked)
{
	struct pmemset *set =
		mkset(PMEM2_GRANULARITY_PAGE, NULL, record_cb, &rec);
	/* mapped without coalescing: A's reservation is exactly A */
	char *a = map4k(set, 0);
	pmemset_set_contiguous_part_coalescing(
		set, PMEMSET_COALESCING_OPPORTUNISTIC);
	/* occupy the page right after the part */
	void *blk =
		mmap(a + KB4, KB4, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (blk != a + KB4) {
		if (blk != MAP_FAILED)
			munmap(blk, KB4);
		pmemset_delete(&set);
		SKIP("the page after the part is not free to block");
	}
	char *b = map4k(set, 0);
	CHECK(b != NULL && b != a + KB4, "fell back to a new place");
	CHECK_EQ(count_pmaps(set), 2);
	pmemset_set_contiguous_part_coalescing(set, PMEMSET_COALESCING_FULL);
	/* the previous part is now B; block after B too */
	void *blk2 =
		mmap(b + KB4, KB4, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (blk2 == b + KB4) {
		map4k(set, PMEMSET_E_CANNOT_COALESCE_PARTS);
		munmap(blk2, KB4);
	} else if (blk2 != MAP_FAILED) {
		munmap(blk2, KB4);
	}
	munmap(blk, KB4);
	pmemset_delete(&set);
}

/* with coalescing on from the start, big parts coalesce reliably: the
 * library keeps address space free after the part map it appends to */
TEST(full_big_parts)
{
	struct pmem2_source *big2;
	struct pmemset_source *big = anon_source(2 << 20, &big2);
	struct pmemset *set =
		mkset(PMEM2_GRANULARITY_PAGE, NULL, record_cb, &rec);
	pmemset_set_contiguous_part_coalescing(set, PMEMSET_COALESCING_FULL);
	struct pmemset_part_descriptor d;
	for (int i = 0; i < 4; i++)
		CHECK_RC(pmemset_map(set, big, NULL, &d), 0);
	CHECK_EQ(d.size, (size_t)8 << 20);
	CHECK_EQ(count_pmaps(set), 1);
	/* a new part map (coalescing off) ends the room of the old one:
	 * switching back on, the next part cannot follow the new one's end
	 * unless the address space there happens to be free */
	pmemset_set_contiguous_part_coalescing(set, PMEMSET_COALESCING_NONE);
	CHECK_RC(pmemset_map(set, big, NULL, NULL), 0);
	CHECK_EQ(count_pmaps(set), 2);
	pmemset_delete(&set);
	pmemset_source_delete(&big);
	pmem2_source_delete(&big2);
}

TEST(user_reservation_first_fit)
{
	struct pmem2_vm_reservation *rsv = NULL;
	CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, 4 * KB4), 0);
	char *ra = pmem2_vm_reservation_get_address(rsv);
	struct pmemset *set =
		mkset(PMEM2_GRANULARITY_PAGE, rsv, record_cb, &rec);
	char *p[4];
	for (int i = 0; i < 4; i++) {
		p[i] = map4k(set, 0);
		CHECK(p[i] == ra + i * KB4, "part %d at offset %d KiB", i,
		      i * 4);
	}
	CHECK_EQ(count_pmaps(set), 4);
	map4k(set, PMEMSET_E_CANNOT_FIT_PART_MAP);
	CHECK(strstr(pmemset_errormsg(), "reservation") != NULL, "message: %s",
	      pmemset_errormsg());

	/* free the second slot: first fit takes it again */
	struct pmemset_part_map *pm;
	CHECK_RC(pmemset_part_map_by_address(set, &pm, p[1]), 0);
	CHECK_RC(pmemset_remove_part_map(set, &pm), 0);
	CHECK(pm == NULL, "removed part map pointer NULLed");
	CHECK(map4k(set, 0) == p[1], "hole reused");

	/* neighbours in the shared reservation are never touched */
	memset(p[1], 0x11, KB4);
	memset(p[2], 0x22, KB4);
	CHECK_RC(pmemset_remove_range(set, p[1] + KB4 - 1, 1), 0);
	struct pmemset_part_descriptor d = pmap_at(set, p[2]);
	CHECK(d.addr == p[2] && d.size == KB4, "neighbour intact");
	CHECK(p[2][0] == 0x22 && p[2][KB4 - 1] == 0x22, "neighbour data");
	CHECK(pmap_at(set, p[1]).addr == NULL, "removed part gone");
	CHECK(pmap_at(set, p[0]).addr == p[0], "left neighbour intact");

	/* a range touching two part maps removes both whole parts */
	CHECK_RC(pmemset_remove_range(set, p[2] + KB4 / 2, KB4), 0);
	CHECK(pmap_at(set, p[2]).addr == NULL &&
		      pmap_at(set, p[3]).addr == NULL,
	      "both removed");
	CHECK_EQ(count_pmaps(set), 1);
	/* a range with nothing in it */
	CHECK_RC(pmemset_remove_range(set, p[3], KB4), 0);
	CHECK_RC(pmemset_remove_range(set, p[3], 0), 0);
	CHECK(map4k(set, 0) == p[1], "first fit from the start");
	pmemset_delete(&set);
	CHECK_RC(pmem2_vm_reservation_delete(&rsv), 0); /* left empty */
}

TEST(user_reservation_coalescing)
{
	struct pmem2_vm_reservation *rsv = NULL;
	CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, 8 * KB4), 0);
	char *ra = pmem2_vm_reservation_get_address(rsv);
	struct pmemset *set =
		mkset(PMEM2_GRANULARITY_PAGE, rsv, record_cb, &rec);
	pmemset_set_contiguous_part_coalescing(set, PMEMSET_COALESCING_FULL);
	char *a = map4k(set, 0);
	CHECK(a == ra, "first part at the start");

	/* someone else maps right after the part */
	struct pmem2_config *cfg;
	struct pmem2_map *foreign = NULL;
	struct pmem2_source *fsrc;
	pmem2_config_new(&cfg);
	pmem2_config_set_required_store_granularity(cfg,
						    PMEM2_GRANULARITY_PAGE);
	pmem2_config_set_vm_reservation(cfg, rsv, KB4);
	pmem2_source_from_anon(&fsrc, KB4);
	CHECK_RC(pmem2_map_new(&foreign, cfg, fsrc), 0);
	map4k(set, PMEMSET_E_CANNOT_COALESCE_PARTS);
	pmemset_set_contiguous_part_coalescing(
		set, PMEMSET_COALESCING_OPPORTUNISTIC);
	char *b = map4k(set, 0);
	CHECK(b == ra + 2 * KB4, "first fit after the foreign map: +%ld",
	      (long)(b - ra));
	/* B is the previous part now: C coalesces after it */
	char *c = map4k(set, 0);
	CHECK(c == b + KB4, "coalesced after B");
	CHECK(pmap_at(set, b).size == 2 * KB4, "B+C");

	/* fill the rest with FULL; past the end: no room */
	pmemset_set_contiguous_part_coalescing(set, PMEMSET_COALESCING_FULL);
	for (int i = 0; i < 4; i++)
		map4k(set, 0);
	CHECK(pmap_at(set, b).size == 6 * KB4, "B..G one part map");
	map4k(set, PMEMSET_E_CANNOT_FIT_PART_MAP);

	/* split B..G in the middle: C..D go, B and E..G stay */
	memset(b, 1, 6 * KB4);
	rec_reset(&rec);
	CHECK_RC(pmemset_remove_range(set, c, 2 * KB4), 0);
	CHECK_EQ(rec.count[PMEMSET_EVENT_PART_REMOVE], 2);
	CHECK(pmap_at(set, b).size == KB4, "left piece");
	struct pmemset_part_descriptor r = pmap_at(set, c + 2 * KB4);
	CHECK(r.addr == c + 2 * KB4 && r.size == 3 * KB4, "right piece");
	CHECK(b[0] == 1 && c[2 * KB4] == 1 && c[5 * KB4 - 1] == 1,
	      "data of survivors");
	/* the foreign map was not touched */
	CHECK(pmem2_map_get_address(foreign) == ra + KB4, "foreign map kept");

	pmemset_delete(&set);
	pmem2_map_delete(&foreign);
	pmem2_source_delete(&fsrc);
	pmem2_config_delete(&cfg);
	CHECK_RC(pmem2_vm_reservation_delete(&rsv), 0);
}

TEST(remove_references)
{
	struct pmemset *set =
		mkset(PMEM2_GRANULARITY_PAGE, NULL, record_cb, &rec);
	char *a = map4k(set, 0);
	struct pmemset_part_map *pm1, *pm2;
	CHECK_RC(pmemset_part_map_by_address(set, &pm1, a), 0);
	CHECK_RC(pmemset_part_map_by_address(set, &pm2, a + 5), 0);
	CHECK(pm1 == pm2, "same part map");
	CHECK_RC(pmemset_remove_part_map(set, &pm1),
		 PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP);
	CHECK(pm1 != NULL, "not removed");
	/* remove_range tolerates no reference at all */
	pmemset_part_map_drop(&pm2);
	CHECK(pm2 == NULL, "drop NULLs");
	CHECK_RC(pmemset_remove_range(set, a, KB4),
		 PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP);
	/* a part map of another set */
	struct pmemset *other = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	CHECK_RC(pmemset_remove_part_map(other, &pm1),
		 PMEMSET_E_PART_NOT_FOUND);
	CHECK_RC(pmemset_remove_part_map(other, NULL), -EINVAL);
	pmemset_delete(&other);
	CHECK_RC(pmemset_remove_part_map(set, &pm1), 0);
	CHECK_EQ(count_pmaps(set), 0);
	pmemset_delete(&set);
}

int main(void)
{
	src = anon_source(64 * KB4, &p2src);
	int maps = test_count_maps();
	RUN(none_own_reservations);
	RUN(full_own_reservation);
	RUN(room_kept_on_removal);
	RUN(opportunistic_blocked);
	RUN(full_big_parts);
	RUN(user_reservation_first_fit);
	RUN(user_reservation_coalescing);
	RUN(remove_references);
	test_current = "leaks";
	CHECK_MAPS(maps);
	pmemset_source_delete(&src);
	pmem2_source_delete(&p2src);
	return test_done();
}
