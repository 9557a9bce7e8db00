/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_threads.c -- one set used by many threads at once: mappers map a
 * part, look it up, write and persist through the set and remove exactly
 * their part by range (with coalescing switched on and off underneath them,
 * so their parts share part maps with other threads' parts and removals
 * split them); walkers iterate the set and hold references meanwhile; a
 * flusher deep-flushes the whole set (outside its lock) all along. Run
 * with and without a caller's reservation. Checks that every part keeps
 * its own data, the set ends empty and nothing stays mapped. Meant to be
 * clean under -fsanitize=thread as well.
 */
#include <pthread.h>
#include <sched.h>

#include <malloc.h>

#include "pmemset_test.h"

#define MAPPERS 4
#define WALKERS 2
#define ROUNDS 200

static struct pmemset *set;
static struct pmemset_source *src;
static int stop;
static int errors;

static void fail(const char *what, int r)
{
	__atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED);
	printf("thread error: %s: %d %s\n", what, r, pmemset_errormsg());
}

static void *mapper(void *arg)
{
	long id = (long)arg;
	struct pmemset_map_config *mc;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_length(mc, KB4);
	for (int i = 0; i < ROUNDS; i++) {
		struct pmemset_part_descriptor d;
		int r;
		/* a full reservation, or (FULL coalescing) a taken range
		 * after the previous part, are states of the moment */
		while ((r = pmemset_map(set, src, mc, &d)) ==
			       PMEMSET_E_CANNOT_FIT_PART_MAP ||
		       r == PMEMSET_E_CANNOT_COALESCE_PARTS)
			sched_yield();
		if (r) {
			fail("map", r);
			break;
		}
		/* the descriptor is the part map as it was when our part
		 * was added: our part is its last page */
		char *mine = (char *)d.addr + d.size - KB4;
		struct pmemset_part_map *pm;
		r = pmemset_part_map_by_address(set, &pm, mine);
		if (r) {
			fail("by_address", r);
			break;
		}
		pmemset_part_map_drop(&pm);
		char tag[64];
		memset(tag, (int)(id * 16 + i % 16), sizeof(tag));
		pmemset_memcpy(set, mine, tag, sizeof(tag), 0);
		pmemset_persist(set, mine, sizeof(tag));
		if (memcmp(mine, tag, sizeof(tag)) != 0)
			fail("data", 0);
		while ((r = pmemset_remove_range(set, mine, KB4)) ==
		       PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP)
			sched_yield(); /* a walker holds it */
		if (r) {
			fail("remove_range", r);
			break;
		}
	}
	pmemset_map_config_delete(&mc);
	return NULL;
}

static void *walker(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		struct pmemset_part_map *pm, *next;
		uintptr_t last = 0;
		pmemset_first_part_map(set, &pm);
		while (pm) {
			struct pmemset_part_descriptor d =
				pmemset_descriptor_part_map(pm);
			if ((uintptr_t)d.addr < last || d.size == 0)
				fail("walk order", 0);
			last = (uintptr_t)d.addr + d.size;
			pmemset_next_part_map(set, pm, &next);
			pmemset_part_map_drop(&pm);
			pm = next;
		}
		sched_yield();
	}
	return NULL;
}

/* deep flushes of the whole set, outside its lock, while parts come and
 * go (the removals wait for them before they unmap) */
static void *flusher(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		int r = pmemset_deep_flush(set, (void *)KB4, SIZE_MAX - KB4);
		if (r)
			fail("deep_flush", r);
		sched_yield();
	}
	return NULL;
}

static void *toggler(void *arg)
{
	(void)arg;
	int v = 0;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		pmemset_set_contiguous_part_coalescing(set, v++ % 3);
		sched_yield();
	}
	return NULL;
}

static void run(struct pmem2_vm_reservation *rsv)
{
	set = mkset(PMEM2_GRANULARITY_PAGE, rsv, NULL, NULL);
	stop = 0;
	pthread_t m[MAPPERS], w[WALKERS], t, f;
	for (long i = 0; i < MAPPERS; i++)
		pthread_create(&m[i], NULL, mapper, (void *)i);
	for (int i = 0; i < WALKERS; i++)
		pthread_create(&w[i], NULL, walker, NULL);
	pthread_create(&t, NULL, toggler, NULL);
	pthread_create(&f, NULL, flusher, NULL);
	for (int i = 0; i < MAPPERS; i++)
		pthread_join(m[i], NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < WALKERS; i++)
		pthread_join(w[i], NULL);
	pthread_join(t, NULL);
	pthread_join(f, NULL);
	struct pmemset_part_map *pm;
	pmemset_first_part_map(set, &pm);
	CHECK(pm == NULL, "the set is empty at the end");
	pmemset_part_map_drop(&pm);
	CHECK_RC(pmemset_delete(&set), 0);
}

TEST(own_reservations)
{
	run(NULL);
	CHECK_EQ(errors, 0);
}

TEST(shared_reservation)
{
	struct pmem2_vm_reservation *rsv;
	CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, 3 * KB4), 0);
	errors = 0;
	run(rsv);
	CHECK_EQ(errors, 0);
	CHECK_RC(pmem2_vm_reservation_delete(&rsv), 0);
}

int main(void)
{
	struct pmem2_source *p2;
	/* one malloc arena: glibc makes a new arena (a new mapping) when
	 * threads contend for malloc, which a loaded machine makes more
	 * likely in the second round than in the first; the mapping count
	 * below must change only if the library leaks */
	mallopt(M_ARENA_MAX, 1);
	src = anon_source(KB4, &p2);
	RUN(own_reservations);
	RUN(shared_reservation);
	/* glibc keeps thread stacks and malloc arenas after the threads
	 * are gone: count mappings after a first round, compare after a
	 * second (a leak would grow it) */
	int maps = test_count_maps();
	RUN(shared_reservation);
	RUN(own_reservations);
	test_current = "leaks";
	CHECK_MAPS(maps);
	pmemset_source_delete(&src);
	pmem2_source_delete(&p2);
	return test_done();
}
