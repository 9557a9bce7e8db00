/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * remove.c -- removal: pmemset_remove_part_map, pmemset_remove_range and
 * the unmapping of everything when a set is deleted.
 *
 * Removal unmaps whole parts only (a range that touches a part removes all
 * of it), splitting or shrinking a part map as needed; the reservations
 * follow (placement.c). Everything that can refuse (a referenced part map,
 * a failed deep flush, memory for a split) is checked before anything
 * changes. Events of removals (REMOVE_RANGE, then PART_REMOVE and
 * SDS_UPDATE per part) fire under the write lock; see lock.h for what a
 * callback may call then.
 *
 * What libpmem2 fails to release stays described by the set: parts it
 * could not unmap stay in their part maps; a reservation of ours it could
 * not delete stays with its (emptied) part map as a leftover
 * (pmemset_internal.h). The call returns libpmem2's error, and the same
 * call again (pmemset_remove_part_map of that part map, pmemset_remove_range
 * over it, pmemset_delete) releases what is left first.
 */
#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "events.h"
#include "lock.h"
#include "part_map.h"
#include "placement.h"
#include "remove.h"

/* After a part map that started at start went away: make the coalescing
 * target its neighbour, the one before it if there is one. */
static void previous_replace(struct pmemset *set, uintptr_t start)
{
	struct itree_node *n = itree_find_ge(&set->pmaps, start);
	struct itree_node *before = n ? itree_prev(n) : itree_last(&set->pmaps);
	set->previous = pmemset_pmap_of(before ? before : n);
}

/* Unmap the part of entry e (libpmem2's code, with a message), once no
 * deep flush outside the lock can be using its map. */
static int unmap_entry(struct pmemset *set, struct pmemset_part_entry *e)
{
	pmemset_deep_flushes_wait(set);
	int r = pmem2_map_delete(&e->map);
	if (r)
		pmemset_err_pmem2(r, "cannot unmap the part at %p (%zu bytes)",
				  e->addr, e->size);
	return r;
}

/* Unmap parts [i, k) of p, stopping at the first failure; returns k in
 * *done and the error, if any. */
static int unmap_parts(struct pmemset *set, struct pmemset_part_map *p,
		       size_t i, size_t j, bool fire_remove, size_t *done)
{
	size_t k;
	int ret = 0;
	for (k = i; k < j; k++) {
		struct pmemset_part_entry *e = &p->parts[k];
		if (fire_remove)
			pmemset_fire_part_remove(set, e->addr, e->size);
		ret = unmap_entry(set, e);
		if (ret)
			break;
		pmemset_sds_unregister(e->src, e->sds);
		if (e->sds)
			pmemset_fire_sds_update(set, e->src);
		pmemset_source_put(e->src);
	}
	*done = k;
	return ret;
}

/*
 * Unmap parts [i, j) of part map p (write lock held). If both a left
 * [0, i) and a right [j, n) remainder survive, spare (with room for n - i
 * parts) becomes the right one. On a failed unmap the parts not yet
 * unmapped stay, as the part maps they form, and the error is returned.
 * p itself is freed if nothing of it is left -- unless its reservation,
 * ours and now empty, cannot be deleted: then p stays as a leftover
 * holding it, and that error is returned.
 */
static int remove_parts(struct pmemset *set, struct pmemset_part_map *p,
			size_t i, size_t j, struct pmemset_part_map **spare,
			bool fire_remove)
{
	size_t n = p->nparts, k;
	uintptr_t start = p->node.start;
	void *first_addr = p->parts[i].addr;

	pmemset_pmap_unlink(set, p);
	int ret = unmap_parts(set, p, i, j, fire_remove, &k);
	struct pmemset_rsv *rsv = p->rsv;
	size_t removed = k - i;
	if (!removed) {
		/* the first unmap failed: nothing changed */
		pmemset_pmap_insert(set, p);
		return ret;
	}

	/* survivors: [0, i) stays in p, [k, n) moves to spare or p */
	size_t left = i, right = n - k;
	if (left && right) {
		struct pmemset_part_map *q = *spare;
		*spare = NULL;
		memcpy(q->parts, &p->parts[k], right * sizeof(*q->parts));
		q->nparts = right;
		q->rsv = rsv;
		p->nparts = left;
		pmemset_pmap_insert(set, p);
		pmemset_pmap_insert(set, q);
	} else if (right) {
		memmove(p->parts, &p->parts[k], right * sizeof(*p->parts));
		p->nparts = right;
		pmemset_pmap_insert(set, p);
	} else if (left) {
		p->nparts = left;
		pmemset_pmap_insert(set, p);
	} else {
		p->nparts = 0;
		if (set->previous == p)
			set->previous = NULL;
	}
	if (!set->previous && set->pmaps.count)
		previous_replace(set, start);
	/* only an emptied p can have emptied its reservation */
	int r = pmemset_rsv_release(set, rsv, removed, first_addr);
	if (!p->nparts) {
		if (r)
			pmemset_leftover_add(set, p); /* p->rsv holds it */
		else
			pmemset_pmap_free(p);
	}
	return ret ? ret : r;
}

/* Release what leftover p holds: a part a failed map left (in p->rsv),
 * else its reservation (ours, empty). */
static int leftover_release(struct pmemset *set, struct pmemset_part_map *p)
{
	while (p->nparts) {
		struct pmemset_part_entry *e = &p->parts[p->nparts - 1];
		int ret = unmap_entry(set, e);
		if (ret)
			return ret;
		p->nparts--;
		struct pmemset_rsv *rsv = p->rsv;
		p->rsv = NULL; /* unless it cannot be deleted: */
		ret = pmemset_rsv_release(set, rsv, 1, e->addr);
		if (ret) {
			p->rsv = rsv;
			return ret;
		}
	}
	if (p->rsv) {
		int ret = pmemset_rsv_delete(p->rsv);
		if (ret)
			return ret;
		p->rsv = NULL;
	}
	return 0;
}

/*
 * Release the leftovers whose range meets [lo, hi), stopping at the first
 * failure. Each released one is freed -- unless the caller of the failed
 * pmemset_remove_part_map that left it still holds it and free_all is
 * false: it then stays, empty, until that call is repeated (or the set is
 * deleted).
 */
static int leftovers_release(struct pmemset *set, uintptr_t lo, uintptr_t hi,
			     bool free_all)
{
	struct pmemset_part_map **pp = &set->leftovers;
	while (*pp) {
		struct pmemset_part_map *p = *pp;
		if (p->node.start >= hi || p->node.end <= lo) {
			pp = &p->next_leftover;
			continue;
		}
		int ret = leftover_release(set, p);
		if (ret)
			return ret;
		if (!free_all &&
		    __atomic_load_n(&p->refcount, __ATOMIC_ACQUIRE)) {
			pp = &p->next_leftover;
			continue;
		}
		*pp = p->next_leftover;
		pmemset_pmap_free(p);
	}
	return 0;
}

/* Release leftover p (a caller's part map) and free it. */
static int leftover_remove(struct pmemset *set, struct pmemset_part_map *p)
{
	int ret = leftover_release(set, p);
	if (ret)
		return ret;
	struct pmemset_part_map **pp = &set->leftovers;
	while (*pp != p)
		pp = &(*pp)->next_leftover;
	*pp = p->next_leftover;
	pmemset_pmap_free(p);
	return 0;
}

int pmemset_remove_all(struct pmemset *set)
{
	int ret = leftovers_release(set, 0, UINTPTR_MAX, true);
	if (ret)
		return ret;
	struct itree_node *n;
	while ((n = itree_first(&set->pmaps))) {
		struct pmemset_part_map *p = pmemset_pmap_of(n);
		ret = remove_parts(set, p, 0, p->nparts, NULL, false);
		if (ret)
			return ret;
	}
	return 0;
}

PUBLIC int pmemset_remove_part_map(struct pmemset *set,
				   struct pmemset_part_map **part)
{
	if (!set || !part || !*part) {
		err_set("pmemset_remove_part_map: %s is NULL",
			!set	? "set"
			: !part ? "part"
				: "*part");
		return -EINVAL;
	}
	if (pmemset_reentered(set, "pmemset_remove_part_map"))
		return -EDEADLK;
	struct pmemset_part_map *p = *part;
	int ret;

	struct pmemset_wlock_frame f;
	ret = pmemset_lock_write(set, &f, "pmemset_remove_part_map");
	if (ret)
		return ret;
	if (p->set != set || (!p->in_tree && !p->leftover)) {
		err_set("the part map %p is not in this set; pass a part map "
			"this set gave out",
			(void *)p);
		ret = PMEMSET_E_PART_NOT_FOUND;
		goto out;
	}
	if (p->leftover) {
		/* an earlier call unmapped its parts: release the rest */
		ret = leftover_remove(set, p);
		if (!ret)
			*part = NULL;
		goto out;
	}
	unsigned long refs = __atomic_load_n(&p->refcount, __ATOMIC_ACQUIRE);
	if (refs > 1) {
		err_set("the part map at %p is referenced %lu times; drop "
			"every other reference (pmemset_part_map_drop) before "
			"removing it",
			(void *)p->node.start, refs);
		ret = PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP;
		goto out;
	}
	ret = pmemset_deep_flush_parts(p, 0, p->nparts, 0, UINTPTR_MAX);
	if (ret)
		goto out;
	ret = remove_parts(set, p, 0, p->nparts, NULL, true);
	if (!ret)
		*part = NULL;
out:
	pmemset_unlock_write(set, &f);
	return ret;
}

/*
 * Before pmemset_remove_range changes anything: no part map in [lo, hi) is
 * referenced, the parts to go are deep-flushed, and *spare holds a part
 * map for a right remainder if the first part map keeps a left one.
 */
static int remove_range_check(struct pmemset *set, uintptr_t lo, uintptr_t hi,
			      struct pmemset_part_map **spare)
{
	for (struct itree_node *n = itree_find(&set->pmaps, lo, hi);
	     n && n->start < hi; n = itree_next(n)) {
		struct pmemset_part_map *p = pmemset_pmap_of(n);
		unsigned long refs =
			__atomic_load_n(&p->refcount, __ATOMIC_ACQUIRE);
		if (refs) {
			err_set("the part map at %p in the range is referenced "
				"%lu times; drop the references "
				"(pmemset_part_map_drop) first",
				(void *)n->start, refs);
			return PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP;
		}
		size_t i, j;
		pmemset_pmap_parts_in(p, lo, hi, &i, &j);
		if (i > 0 && !*spare) {
			/*
			 * Part of p stays on the left; if the range ends
			 * inside p (or an unmap fails) a right remainder
			 * needs a part map of its own. Only the first part
			 * map of the range can have i > 0.
			 */
			*spare = pmemset_pmap_alloc(set, p->nparts - i);
			if (!*spare)
				return -ENOMEM;
		}
		int ret = pmemset_deep_flush_parts(p, i, j, 0, UINTPTR_MAX);
		if (ret)
			return ret;
	}
	return 0;
}

PUBLIC int pmemset_remove_range(struct pmemset *set, void *addr, size_t len)
{
	if (!set) {
		err_set("pmemset_remove_range: set is NULL");
		return -EINVAL;
	}
	if (pmemset_reentered(set, "pmemset_remove_range"))
		return -EDEADLK;
	if (len == 0)
		return 0;
	uintptr_t lo = (uintptr_t)addr, hi;
	if (__builtin_add_overflow(lo, len, &hi))
		hi = UINTPTR_MAX;

	struct pmemset_part_map *spare = NULL;
	struct pmemset_wlock_frame f;
	int ret = pmemset_lock_write(set, &f, "pmemset_remove_range");
	if (ret)
		return ret;

	/* what an earlier call could not release, first */
	ret = leftovers_release(set, lo, hi, false);
	if (ret)
		goto out;
	ret = remove_range_check(set, lo, hi, &spare);
	if (ret)
		goto out;
	pmemset_fire_remove_range(set, addr, len);

	/* what survives of a part map lies outside [lo, hi) */
	struct itree_node *n;
	while ((n = itree_find(&set->pmaps, lo, hi))) {
		struct pmemset_part_map *p = pmemset_pmap_of(n);
		size_t i, j;
		pmemset_pmap_parts_in(p, lo, hi, &i, &j);
		ret = remove_parts(set, p, i, j, &spare, true);
		if (ret)
			break;
	}
out:
	pmemset_unlock_write(set, &f);
	pmemset_pmap_free(spare);
	return ret;
}
