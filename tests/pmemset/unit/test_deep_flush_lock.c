/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_deep_flush_lock.c -- pmemset_deep_flush holds no lock of the set
 * while it flushes, and a removal never deletes a map a deep flush is
 * still using.
 *
 * A deep flush is an msync or a write to the region's deep_flush
 * attribute: it can block on I/O for a long time. This program wraps
 * libpmem2's pmem2_deep_flush (its definition wins over the shared
 * library's for the static libpmemset archive; the real one is reached
 * with dlsym(RTLD_NEXT)) to look at the set's lock from inside the flush,
 * and to hold a flush there while other threads work on the set:
 *   - no_lock_held: the set's lock is free during every flush of a part;
 *   - batches: more parts than are looked up at a time, in one part map
 *     and in many: every part of the range flushed once, its exact bytes;
 *   - map_during_flush: a pmemset_map into the same set completes while
 *     a deep flush is held inside libpmem2 (it used to wait for it);
 *   - remove_waits: a removal of the part being flushed does not delete
 *     its pmem2 map before the flush is over (ASan and valgrind would see
 *     the use after free if it did), and both calls succeed.
 */
#include <dlfcn.h>

#include "../pmemset_test.h"
#include "core/util.h"
#include "gate.h"
#include "pmemset/pmemset_internal.h"

#define PART ((size_t)64 << 10)
#define WAIT_S 10

#define REAL(name) ((__typeof__(name) *)dlsym(RTLD_NEXT, #name))

static struct pmemset *watched; /* the set whose lock the hook looks at */
static int calls, calls_locked; /* atomic */
static size_t flushed_bytes;	/* atomic */

/* armed: the first flush to come waits in the hook until the gate opens;
 * later ones (a removal's own) pass */
static int armed; /* atomic (an int: riscv64 has no 1-byte atomic exchange
		     without libatomic) */
static struct test_gate held_flush = TEST_GATE_INIT;

int pmem2_deep_flush(struct pmem2_map *map, void *ptr, size_t size)
{
	if (watched) {
		/* free: a write lock can be taken (and is given back) */
		if (pthread_rwlock_trywrlock(&watched->lock) == 0)
			pthread_rwlock_unlock(&watched->lock);
		else
			__atomic_add_fetch(&calls_locked, 1, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&flushed_bytes, size, __ATOMIC_SEQ_CST);
		if (__atomic_exchange_n(&armed, 0, __ATOMIC_SEQ_CST))
			gate_hold(&held_flush);
	}
	return REAL(pmem2_deep_flush)(map, ptr, size);
}

/* on: hold the next flush in the hook; off: let it go */
static void hold_flushes(bool on)
{
	if (on) {
		gate_reset(&held_flush);
		__atomic_store_n(&armed, 1, __ATOMIC_SEQ_CST);
	} else {
		__atomic_store_n(&armed, 0, __ATOMIC_SEQ_CST);
		gate_open(&held_flush);
	}
}

/* ---- a call on another thread, and waiting for it with a bound ---- */

struct call {
	pthread_t t;
	struct pmemset *set;
	struct pmemset_source *src;    /* map */
	struct pmemset_part_map *pmap; /* remove */
	void *addr;		       /* deep flush */
	size_t len;
	int (*fn)(struct call *c);
	int ret;	       /* valid once done has arrived */
	struct test_gate done; /* arrives when fn has returned */
};

static void *call_thread(void *arg)
{
	struct call *c = arg;
	c->ret = c->fn(c);
	gate_arrive(&c->done);
	return NULL;
}

static void call_start(struct call *c)
{
	c->done = (struct test_gate)TEST_GATE_INIT;
	if (pthread_create(&c->t, NULL, call_thread, c)) {
		printf("pthread_create failed\n");
		exit(2);
	}
}

static int do_deep_flush(struct call *c)
{
	return pmemset_deep_flush(c->set, c->addr, c->len);
}

static int do_map(struct call *c)
{
	return pmemset_map(c->set, c->src, NULL, NULL);
}

/* remove the set's first part map (the only one) */
static int do_remove_first(struct call *c)
{
	pmemset_first_part_map(c->set, &c->pmap);
	return pmemset_remove_part_map(c->set, &c->pmap);
}

/* ---- the cases ---- */

static struct pmem2_source *p2[3];
static struct pmemset_source *src[3];

static struct pmemset *set_with_parts(int n, struct pmemset_part_descriptor *d)
{
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	for (int i = 0; i < n; i++)
		if (pmemset_map(set, src[i], NULL, &d[i])) {
			printf("pmemset_map: %s\n", pmemset_errormsg());
			exit(2);
		}
	return set;
}

TEST(no_lock_held)
{
	struct pmemset_part_descriptor d[2];
	struct pmemset *set = set_with_parts(2, d);

	watched = set;
	calls = calls_locked = 0;
	uintptr_t lo = (uintptr_t)d[0].addr < (uintptr_t)d[1].addr
			       ? (uintptr_t)d[0].addr
			       : (uintptr_t)d[1].addr;
	CHECK_RC(pmemset_deep_flush(set, (void *)lo, SIZE_MAX - lo), 0);
	CHECK_EQ(calls, 2); /* one per part */
	CHECK(calls_locked == 0,
	      "%d of %d flushes ran with the set's lock held", calls_locked,
	      calls);
	watched = NULL;
	CHECK_RC(pmemset_delete(&set), 0);
}

/* more parts than one batch looks up at a time (16), in one part map
 * (coalesced) and in many: each part flushed exactly once, over the
 * exact bytes of the range, with the lock free every time */
TEST(batches)
{
	static const enum pmemset_coalescing modes[] = {
		PMEMSET_COALESCING_NONE, PMEMSET_COALESCING_FULL};

	for (size_t m = 0; m < 2; m++) {
		struct pmemset *set =
			mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
		struct pmemset_part_descriptor d;
		uintptr_t lo = UINTPTR_MAX, hi = 0;
		CHECK_RC(pmemset_set_contiguous_part_coalescing(set, modes[m]),
			 0);
		for (int i = 0; i < 40; i++) {
			CHECK_RC(pmemset_map(set, src[i % 3], NULL, &d), 0);
			lo = MIN(lo, (uintptr_t)d.addr);
			hi = MAX(hi, (uintptr_t)d.addr + d.size);
		}
		watched = set;
		calls = calls_locked = 0;
		flushed_bytes = 0;
		CHECK_RC(pmemset_deep_flush(set, (void *)lo, hi - lo), 0);
		CHECK_EQ(calls, 40);
		CHECK_EQ(flushed_bytes, 40 * PART);
		/* from the middle of the first part to the middle of the
		 * last: both cut, every part between whole */
		calls = 0;
		flushed_bytes = 0;
		CHECK_RC(pmemset_deep_flush(set, (void *)(lo + PART / 2),
					    hi - lo - PART),
			 0);
		CHECK_EQ(calls, 40);
		CHECK_EQ(flushed_bytes, 39 * PART);
		CHECK_EQ(calls_locked, 0);
		watched = NULL;
		CHECK_RC(pmemset_delete(&set), 0);
	}
}

/* A set of one part, a deep flush of it held inside libpmem2 (on fl's
 * thread), and the call `other` started on another thread meanwhile. */
static struct pmemset *flush_held(struct pmemset_part_descriptor *d,
				  struct call *fl, struct call *other)
{
	struct pmemset *set = set_with_parts(1, d);

	*fl = (struct call){.set = set,
			    .addr = d->addr,
			    .len = d->size,
			    .fn = do_deep_flush};
	other->set = set;
	watched = set;
	hold_flushes(true);
	call_start(fl);
	CHECK(gate_wait_arrived(&held_flush, WAIT_S),
	      "the deep flush never reached libpmem2");
	call_start(other);
	return set;
}

/* let the flush go; both calls must have succeeded */
static void flush_release(struct call *fl, struct call *other)
{
	hold_flushes(false);
	pthread_join(fl->t, NULL);
	pthread_join(other->t, NULL);
	CHECK_RC(fl->ret, 0);
	CHECK_RC(other->ret, 0);
	watched = NULL;
}

TEST(map_during_flush)
{
	struct pmemset_part_descriptor d;
	struct call fl, mp = {.src = src[1], .fn = do_map};
	struct pmemset *set = flush_held(&d, &fl, &mp);

	CHECK(gate_wait_arrived(&mp.done, WAIT_S),
	      "pmemset_map waited %d s for a deep flush held in libpmem2",
	      WAIT_S);
	flush_release(&fl, &mp);
	CHECK_RC(pmemset_delete(&set), 0);
}

TEST(remove_waits)
{
	struct pmemset_part_descriptor d;
	/* removes the set's only part map, started while fl is held */
	struct call fl, rm = {.fn = do_remove_first};
	struct pmemset *set = flush_held(&d, &fl, &rm);

	/* whatever the timing, the removal cannot end while the flush is
	 * held: it must wait for it before deleting the map (without that
	 * wait it ends at once, and the held flush then fails on a deleted
	 * map) */
	CHECK(!gate_wait_arrived(&rm.done, 1),
	      "the removal ended while a deep flush of its part was in "
	      "libpmem2 (returned %d)",
	      rm.ret);
	flush_release(&fl, &rm);
	struct pmemset_part_map *first = NULL;
	pmemset_first_part_map(set, &first);
	CHECK(first == NULL, "the part map is still in the set");
	CHECK_RC(pmemset_delete(&set), 0);
}

int main(void)
{
	for (int i = 0; i < 3; i++)
		src[i] = anon_source(PART, &p2[i]);
	RUN(no_lock_held);
	RUN(batches);
	RUN(map_during_flush);
	RUN(remove_waits);
	for (int i = 0; i < 3; i++) {
		pmemset_source_delete(&src[i]);
		pmem2_source_delete(&p2[i]);
	}
	return test_done();
}
