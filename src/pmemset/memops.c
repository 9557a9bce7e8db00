/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memops.c -- copying to and making durable the memory of a set.
 *
 * All parts of a set share one store granularity, so the libpmem2 functions
 * of the first part (captured when it was mapped) serve every address of the
 * set; they are read without taking the set's lock. Before any part exists
 * there are no such functions: the copies return NULL and the flushes
 * PMEMSET_E_NO_PART_MAPPED, with a message. Each operation reports itself to
 * the event callback first (COPY, MOVE, SET, FLUSH -- persist too) and,
 * when it ends with a drain, DRAIN afterwards; PERSIST is never fired.
 * Ranges are not checked against the set's parts (that would cost a tree
 * lookup and a lock on every copy).
 *
 * Deep flush is the exception: it goes part by part (each part's own
 * pmem2 map flushes its own range), so it looks the parts up under the
 * set's read lock and flushes after letting it go (below), or under the
 * write lock already held when it is called from a callback of a removal.
 * Removal deep-flushes what it unmaps with the same per-part routine.
 */
#include <errno.h>

#include "core/err.h"
#include "core/util.h"
#include "events.h"
#include "lock.h"
#include "part_map.h"

static bool ready(struct pmemset *set, const char *fn)
{
	if (!set) {
		err_set("%s: set is NULL", fn);
		return false;
	}
	if (!__atomic_load_n(&set->gran_valid, __ATOMIC_ACQUIRE)) {
		err_set("%s: no part has been mapped into the set yet, so "
			"there is no persistent memory to operate on; map a "
			"part first",
			fn);
		return false;
	}
	return true;
}

static bool flags_ok(unsigned flags, const char *fn)
{
	if (flags & ~PMEMSET_F_MEM_VALID_FLAGS) {
		err_set("%s: flags 0x%x have bits 0x%x that are no "
			"PMEMSET_F_MEM_* flag",
			fn, flags, flags & ~PMEMSET_F_MEM_VALID_FLAGS);
		return false;
	}
	return true;
}

/* memmove and memcpy: the same steps, reported as MOVE or COPY */
static __attribute__((noinline)) void *
move_or_copy(struct pmemset *set, enum pmemset_event type, const char *who,
	     void *pmemdest, void *src, size_t len, unsigned flags)
{
	if (!ready(set, who) || !flags_ok(flags, who))
		return NULL;
	if (type == PMEMSET_EVENT_MOVE) {
		pmemset_fire_move(set, pmemdest, src, len, flags);
		set->memmove_fn(pmemdest, src, len, flags);
	} else {
		pmemset_fire_copy(set, pmemdest, src, len, flags);
		set->memcpy_fn(pmemdest, src, len, flags);
	}
	if (!(flags & PMEMSET_F_MEM_NODRAIN))
		pmemset_fire_drain(set);
	return pmemdest;
}

/*
 * The common case -- a set with its functions and no event callback, valid
 * flags -- goes straight to libpmem2's function by a tail call (which
 * returns pmemdest): no stack frame, no event context built. It matters:
 * the copy ends with a fence, and any store after it (a frame's pushes, a
 * context on the stack) waits for the fence, which cost a 64-byte
 * CACHE_LINE copy 13 % (bench/run.sh, libpmemset's data path).
 */
static inline bool direct(struct pmemset *set, unsigned flags)
{
	return set && __atomic_load_n(&set->gran_valid, __ATOMIC_ACQUIRE) &&
	       !set->cfg.callback && !(flags & ~PMEMSET_F_MEM_VALID_FLAGS);
}

PUBLIC void *pmemset_memmove(struct pmemset *set, void *pmemdest, void *src,
			     size_t len, unsigned flags)
{
	if (direct(set, flags))
		return set->memmove_fn(pmemdest, src, len, flags);
	return move_or_copy(set, PMEMSET_EVENT_MOVE, "pmemset_memmove",
			    pmemdest, src, len, flags);
}

PUBLIC void *pmemset_memcpy(struct pmemset *set, void *pmemdest, void *src,
			    size_t len, unsigned flags)
{
	if (direct(set, flags))
		return set->memcpy_fn(pmemdest, src, len, flags);
	return move_or_copy(set, PMEMSET_EVENT_COPY, "pmemset_memcpy", pmemdest,
			    src, len, flags);
}

static __attribute__((noinline)) void *set_with_events(struct pmemset *set,
						       void *pmemdest, int c,
						       size_t len,
						       unsigned flags)
{
	if (!ready(set, "pmemset_memset") || !flags_ok(flags, "pmemset_memset"))
		return NULL;
	pmemset_fire_set(set, pmemdest, c, len, flags);
	set->memset_fn(pmemdest, c, len, flags);
	if (!(flags & PMEMSET_F_MEM_NODRAIN))
		pmemset_fire_drain(set);
	return pmemdest;
}

PUBLIC void *pmemset_memset(struct pmemset *set, void *pmemdest, int c,
			    size_t len, unsigned flags)
{
	if (direct(set, flags))
		return set->memset_fn(pmemdest, c, len, flags);
	return set_with_events(set, pmemdest, c, len, flags);
}

/* flush + drain, reported as what it is: FLUSH before, DRAIN after (as
 * PMDK's pmemset_config_set_event_callback(3) says) */
PUBLIC int pmemset_persist(struct pmemset *set, void *ptr, size_t size)
{
	if (!ready(set, "pmemset_persist"))
		return set ? PMEMSET_E_NO_PART_MAPPED : -EINVAL;
	pmemset_fire_flush(set, ptr, size);
	set->persist_fn(ptr, size);
	pmemset_fire_drain(set);
	return 0;
}

PUBLIC int pmemset_flush(struct pmemset *set, void *ptr, size_t size)
{
	if (!ready(set, "pmemset_flush"))
		return set ? PMEMSET_E_NO_PART_MAPPED : -EINVAL;
	pmemset_fire_flush(set, ptr, size);
	set->flush_fn(ptr, size);
	return 0;
}

PUBLIC int pmemset_drain(struct pmemset *set)
{
	if (!ready(set, "pmemset_drain"))
		return set ? PMEMSET_E_NO_PART_MAPPED : -EINVAL;
	set->drain_fn();
	pmemset_fire_drain(set);
	return 0;
}

/* ---- deep flush ---- */

/* one part's bytes [a, b): 0, or PMEMSET_E_DEEP_FLUSH_FAIL with a message;
 * anonymous memory (NOSUPP) has nothing to flush to */
static int deep_flush_one(struct pmem2_map *map, uintptr_t a, uintptr_t b)
{
	int r = pmem2_deep_flush(map, (void *)a, b - a);
	if (r == 0 || r == PMEM2_E_NOSUPP)
		return 0;
	pmemset_err_pmem2(r, "deep flush of %zu bytes at %p failed",
			  (size_t)(b - a), (void *)a);
	return PMEMSET_E_DEEP_FLUSH_FAIL;
}

int pmemset_deep_flush_parts(struct pmemset_part_map *p, size_t i, size_t j,
			     uintptr_t lo, uintptr_t hi)
{
	for (size_t k = i; k < j; k++) {
		struct pmemset_part_entry *e = &p->parts[k];
		uintptr_t a = MAX((uintptr_t)e->addr, lo);
		uintptr_t b = MIN((uintptr_t)e->addr + e->size, hi);
		if (a >= b)
			continue;
		int ret = deep_flush_one(e->map, a, b);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * pmemset_deep_flush does not hold the set's lock while it flushes (an
 * msync, or a write to the region's deep_flush attribute, can block on
 * I/O for a long time): it looks up a batch of parts under the read lock,
 * copies what it needs (the pmem2 map and the bytes), counts itself in
 * set->flushing, lets the lock go and flushes. Maps into the set, lookups
 * and iteration go on meanwhile; a removal, which holds the write lock (so
 * no new batch starts), waits in pmemset_deep_flushes_wait until the
 * batches in flight are done before it deletes a pmem2 map.
 */
#define DEEP_FLUSH_BATCH 16

struct deep_flush_item {
	struct pmem2_map *map;
	uintptr_t a, b;
};

/* Up to DEEP_FLUSH_BATCH parts' bytes in [*cursor, hi), in address order
 * (read lock held); *cursor moves past them. */
static size_t deep_flush_collect(struct pmemset *set, uintptr_t *cursor,
				 uintptr_t hi, struct deep_flush_item *it)
{
	uintptr_t lo = *cursor;
	size_t n = 0;

	for (struct itree_node *nd = itree_find(&set->pmaps, lo, hi);
	     nd && nd->start < hi && n < DEEP_FLUSH_BATCH;
	     nd = itree_next(nd)) {
		struct pmemset_part_map *p = pmemset_pmap_of(nd);
		size_t i, j;
		pmemset_pmap_parts_in(p, lo, hi, &i, &j);
		for (size_t k = i; k < j && n < DEEP_FLUSH_BATCH; k++) {
			struct pmemset_part_entry *e = &p->parts[k];
			uintptr_t a = MAX((uintptr_t)e->addr, lo);
			uintptr_t b = MIN((uintptr_t)e->addr + e->size, hi);
			if (a < b) {
				it[n].map = e->map;
				it[n].a = a;
				it[n++].b = b;
			}
		}
	}
	*cursor = n == DEEP_FLUSH_BATCH ? it[n - 1].b : hi;
	return n;
}

void pmemset_deep_flushes_wait(struct pmemset *set)
{
	pthread_mutex_lock(&set->flush_mtx);
	while (set->flushing)
		pthread_cond_wait(&set->flush_done, &set->flush_mtx);
	pthread_mutex_unlock(&set->flush_mtx);
}

static void deep_flushing(struct pmemset *set, bool begin)
{
	pthread_mutex_lock(&set->flush_mtx);
	if (begin)
		set->flushing++;
	else if (--set->flushing == 0)
		pthread_cond_broadcast(&set->flush_done);
	pthread_mutex_unlock(&set->flush_mtx);
}

PUBLIC int pmemset_deep_flush(struct pmemset *set, void *ptr, size_t size)
{
	if (!set) {
		err_set("pmemset_deep_flush: set is NULL");
		return -EINVAL;
	}
	if (size == 0)
		return 0;
	uintptr_t lo = (uintptr_t)ptr, hi;
	if (__builtin_add_overflow(lo, size, &hi))
		hi = UINTPTR_MAX;

	int ret = 0;
	if (pmemset_write_locked_here(set)) {
		/* from a callback of this thread's own change of the set:
		 * the lock is held already, and stays held */
		for (struct itree_node *n = itree_find(&set->pmaps, lo, hi);
		     n && n->start < hi && !ret; n = itree_next(n)) {
			struct pmemset_part_map *p = pmemset_pmap_of(n);
			size_t i, j;
			pmemset_pmap_parts_in(p, lo, hi, &i, &j);
			ret = pmemset_deep_flush_parts(p, i, j, lo, hi);
		}
		return ret;
	}

	for (uintptr_t cursor = lo; cursor < hi && !ret;) {
		struct deep_flush_item it[DEEP_FLUSH_BATCH];
		ret = pmemset_lock_read(set, "pmemset_deep_flush");
		if (ret)
			return ret;
		size_t n = deep_flush_collect(set, &cursor, hi, it);
		if (n)
			deep_flushing(set, true);
		pmemset_unlock_read(set);
		if (!n)
			break;
		for (size_t k = 0; k < n && !ret; k++)
			ret = deep_flush_one(it[k].map, it[k].a, it[k].b);
		deep_flushing(set, false);
	}
	return ret;
}
