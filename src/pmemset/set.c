/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * set.c -- struct pmemset: creating and deleting sets, mapping parts into
 * them (with contiguous-part coalescing and reservations), finding and
 * iterating part maps, removing part maps and address ranges, deep flush.
 *
 * Placement of a new part (under the set's write lock):
 *  - coalescing on and a previous part map P: right after P, inside P's
 *    reservation (ours is extended in place when needed; the caller's must
 *    have room). Taken: FULL fails, OPPORTUNISTIC falls back to:
 *  - with the caller's reservation: the lowest free gap that fits;
 *  - otherwise: a new reservation of exactly the part's length.
 * Removal unmaps whole parts only, splitting or shrinking a part map as
 * needed; a reservation we made is trimmed at its ends and deleted with its
 * last part. Events of removals fire under the write lock (a thread-local
 * stack holds the sets this thread has write-locked, so a callback that
 * calls back into a set-changing function of any of them gets -EDEADLK
 * instead of a deadlock).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"
#include "core/os.h"
#include "core/util.h"
#include "events.h"

/*
 * The sets whose write lock this thread holds, innermost first: a callback
 * fired under one set's write lock may change another set, whose callback
 * may fire in turn. Each frame lives on the stack of the locking call.
 */
struct wlock_frame {
	const struct pmemset *set;
	struct wlock_frame *outer;
};
static __thread struct wlock_frame *tls_wlocked;

static bool write_locked_here(const struct pmemset *set)
{
	for (const struct wlock_frame *f = tls_wlocked; f; f = f->outer)
		if (f->set == set)
			return true;
	return false;
}

static int lock_error(int r, const char *fn)
{
	if (r == EDEADLK) {
		err_set("%s: this thread already holds the set's lock (the "
			"call comes from inside a library call on the set); "
			"call it after that call has returned",
			fn);
		return -EDEADLK;
	}
	err_set_errno(r, "%s: cannot lock the set", fn);
	return -r;
}

static int set_wrlock(struct pmemset *set, struct wlock_frame *f,
		      const char *fn)
{
	int r = pthread_rwlock_wrlock(&set->lock);
	if (r)
		return lock_error(r, fn);
	f->set = set;
	f->outer = tls_wlocked;
	tls_wlocked = f;
	return 0;
}

static void set_wrunlock(struct pmemset *set, struct wlock_frame *f)
{
	tls_wlocked = f->outer;
	pthread_rwlock_unlock(&set->lock); /* held: cannot fail */
}

static int set_rdlock(struct pmemset *set, const char *fn)
{
	int r = pthread_rwlock_rdlock(&set->lock);
	return r ? lock_error(r, fn) : 0;
}

static bool reentered(const struct pmemset *set, const char *fn)
{
	if (!write_locked_here(set))
		return false;
	err_set("%s was called from an event callback while the set is "
		"being changed; call it after the library call that fired "
		"the event has returned",
		fn);
	return true;
}

static struct pmemset_part_map *pmap_of(struct itree_node *n)
{
	return n ? container_of(n, struct pmemset_part_map, node) : NULL;
}

static struct pmemset_part_map *pmap_alloc(struct pmemset *set, size_t cap)
{
	struct pmemset_part_map *p = os_zalloc(sizeof(*p));
	if (!p)
		goto fail;
	p->parts = os_malloc(cap * sizeof(*p->parts));
	if (!p->parts) {
		os_free(p);
		goto fail;
	}
	p->cap = cap;
	p->set = set;
	return p;
fail:
	err_set_errno(ENOMEM, "cannot allocate a part map");
	return NULL;
}

static void pmap_free(struct pmemset_part_map *p)
{
	if (p) {
		os_free(p->parts);
		os_free(p);
	}
}

static void pmap_set_range(struct pmemset_part_map *p)
{
	struct pmemset_part_entry *last = &p->parts[p->nparts - 1];
	p->node.start = (uintptr_t)p->parts[0].addr;
	p->node.end = (uintptr_t)last->addr + last->size;
}

/* Insert a part map whose range was just computed; the range is known to
 * be free (its parts are mapped there), so this cannot fail. */
static void pmap_insert(struct pmemset *set, struct pmemset_part_map *p)
{
	pmap_set_range(p);
	int r = itree_insert(&set->pmaps, &p->node);
	(void)r; /* only -EEXIST, impossible: the range holds our maps */
	p->in_tree = true;
}

static void pmap_unlink(struct pmemset *set, struct pmemset_part_map *p)
{
	if (p->in_tree) {
		itree_remove(&set->pmaps, &p->node);
		p->in_tree = false;
	}
}

/* ---- set lifetime ---- */

PUBLIC int pmemset_new(struct pmemset **set, struct pmemset_config *cfg)
{
	if (!set) {
		err_set("pmemset_new: set is NULL; pass the address of a "
			"struct pmemset pointer");
		return -EINVAL;
	}
	*set = NULL;
	if (!cfg) {
		err_set("pmemset_new: cfg is NULL; make one with "
			"pmemset_config_new");
		return -EINVAL;
	}
	if (!cfg->granularity_set) {
		err_set("the config has no required store granularity; set it "
			"with pmemset_config_set_required_store_granularity");
		return PMEMSET_E_GRANULARITY_NOT_SET;
	}
	struct pmemset *s = os_zalloc(sizeof(*s));
	if (!s) {
		err_set_errno(errno, "cannot allocate a pmemset");
		return -ENOMEM;
	}
	int r = pthread_rwlock_init(&s->lock, NULL);
	if (r) {
		os_free(s);
		err_set_errno(r, "cannot initialise the lock of a pmemset");
		return -r;
	}
	s->cfg = *cfg;
	if (cfg->rsv) {
		s->user_rsv.rsv = cfg->rsv;
		s->user_rsv.owned = false;
	}
	itree_init(&s->pmaps);
	s->coalescing = PMEMSET_COALESCING_NONE;
	*set = s;
	return 0;
}

/* ---- reservations ---- */

static bool range_busy(struct pmem2_vm_reservation *rsv, size_t off, size_t len,
		       struct pmem2_map **found)
{
	struct pmem2_map *m = NULL;
	int r = pmem2_vm_reservation_map_find(rsv, off, len, &m);
	if (found)
		*found = r == 0 ? m : NULL;
	return r != PMEM2_E_MAPPING_NOT_FOUND;
}

/* Give back the unused ends of a reservation we made (the head only, with
 * keep_end: the coalescing target keeps its room). */
static void rsv_trim(struct pmemset_rsv *r, bool keep_end)
{
	struct pmem2_map *m;
	char *ra = pmem2_vm_reservation_get_address(r->rsv);
	if (pmem2_vm_reservation_map_find_first(r->rsv, &m) == 0) {
		size_t off = (size_t)((char *)pmem2_map_get_address(m) - ra);
		if (off)
			(void)pmem2_vm_reservation_shrink(r->rsv, 0, off);
	}
	if (keep_end)
		return;
	ra = pmem2_vm_reservation_get_address(r->rsv);
	size_t rs = pmem2_vm_reservation_get_size(r->rsv);
	if (pmem2_vm_reservation_map_find_last(r->rsv, &m) == 0) {
		size_t end = (size_t)((char *)pmem2_map_get_address(m) - ra) +
			     pmem2_map_get_size(m);
		if (end < rs)
			(void)pmem2_vm_reservation_shrink(r->rsv, end,
							  rs - end);
	}
}

/* `count` of our parts left reservation r, the lowest at addr. */
static void rsv_release(struct pmemset *set, struct pmemset_rsv *r,
			size_t count, void *addr)
{
	r->nparts -= count;
	if (!r->owned) {
		size_t off = (size_t)((char *)addr -
				      (char *)pmem2_vm_reservation_get_address(
					      r->rsv));
		if (off < set->rsv_hint)
			set->rsv_hint = off;
		return;
	}
	if (r->nparts == 0) {
		int ret = pmem2_vm_reservation_delete(&r->rsv);
		(void)ret; /* empty and ours: it can only be deleted */
		os_free(r);
		return;
	}
	bool target = set->previous && set->previous->rsv == r &&
		      __atomic_load_n(&set->coalescing, __ATOMIC_RELAXED) !=
			      PMEMSET_COALESCING_NONE;
	rsv_trim(r, target);
}

/* ---- removal ---- */

/* Deep-flush parts [i, j) of p. A part of anonymous memory has nothing to
 * flush to (libpmem2 says NOSUPP): skipped. */
static int deep_flush_parts(struct pmemset_part_map *p, size_t i, size_t j,
			    uintptr_t lo, uintptr_t hi)
{
	for (size_t k = i; k < j; k++) {
		struct pmemset_part_entry *e = &p->parts[k];
		uintptr_t a = MAX((uintptr_t)e->addr, lo);
		uintptr_t b = MIN((uintptr_t)e->addr + e->size, hi);
		if (a >= b)
			continue;
		int r = pmem2_deep_flush(e->map, (void *)a, b - a);
		if (r == PMEM2_E_NOSUPP)
			continue;
		if (r) {
			pmemset_err_pmem2(r,
					  "deep flush of %zu bytes at %p "
					  "failed",
					  (size_t)(b - a), (void *)a);
			return PMEMSET_E_DEEP_FLUSH_FAIL;
		}
	}
	return 0;
}

/* After part map p (whose range was [start, end)) went away: make the
 * coalescing target its neighbour, the one before it if there is one. */
static void previous_replace(struct pmemset *set, uintptr_t start)
{
	struct itree_node *n = itree_find_ge(&set->pmaps, start);
	struct itree_node *before = n ? itree_prev(n) : itree_last(&set->pmaps);
	set->previous = pmap_of(before ? before : n);
}

/*
 * Unmap parts [i, j) of part map p (write lock held). If both a left
 * [0, i) and a right [j, n) remainder survive, spare (with room for n - i
 * parts) becomes the right one. On a failed unmap the parts not yet
 * unmapped stay, as the part maps they form, and the error is returned.
 * p itself is freed if nothing of it is left.
 */
static int remove_parts(struct pmemset *set, struct pmemset_part_map *p,
			size_t i, size_t j, struct pmemset_part_map **spare,
			bool fire_remove)
{
	size_t n = p->nparts, k;
	int ret = 0;
	uintptr_t start = p->node.start;
	void *first_addr = p->parts[i].addr;

	pmap_unlink(set, p);
	for (k = i; k < j; k++) {
		struct pmemset_part_entry *e = &p->parts[k];
		if (fire_remove)
			pmemset_fire_part_remove(set, e->addr, e->size);
		int r = pmem2_map_delete(&e->map);
		if (r) {
			pmemset_err_pmem2(r,
					  "cannot unmap the part at %p "
					  "(%zu bytes)",
					  e->addr, e->size);
			ret = r;
			break;
		}
		pmemset_sds_unregister(e->src, e->sds);
		if (e->sds)
			pmemset_fire_sds_update(set, e->src);
		pmemset_source_put(e->src);
	}
	struct pmemset_rsv *rsv = p->rsv;
	size_t removed = k - i;
	if (!removed) {
		/* the first unmap failed: nothing changed */
		pmap_insert(set, p);
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
		pmap_insert(set, p);
		pmap_insert(set, q);
	} else if (right) {
		memmove(p->parts, &p->parts[k], right * sizeof(*p->parts));
		p->nparts = right;
		pmap_insert(set, p);
	} else if (left) {
		p->nparts = left;
		pmap_insert(set, p);
	} else {
		if (set->previous == p)
			set->previous = NULL;
		pmap_free(p);
		p = NULL;
	}
	if (!set->previous && set->pmaps.count)
		previous_replace(set, start);
	rsv_release(set, rsv, removed, first_addr);
	return ret;
}

PUBLIC int pmemset_delete(struct pmemset **set_ptr)
{
	if (!set_ptr || !*set_ptr)
		return 0;
	struct pmemset *set = *set_ptr;
	if (reentered(set, "pmemset_delete"))
		return -EDEADLK;

	struct wlock_frame f;
	int ret = set_wrlock(set, &f, "pmemset_delete");
	if (ret)
		return ret;
	struct itree_node *n;
	while ((n = itree_first(&set->pmaps))) {
		struct pmemset_part_map *p = pmap_of(n);
		ret = remove_parts(set, p, 0, p->nparts, NULL, false);
		if (ret) {
			set_wrunlock(set, &f);
			return ret; /* the set stays, with what is left */
		}
	}
	set_wrunlock(set, &f);
	pthread_rwlock_destroy(&set->lock);
	os_free(set);
	*set_ptr = NULL;
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
	if (reentered(set, "pmemset_remove_part_map"))
		return -EDEADLK;
	struct pmemset_part_map *p = *part;
	int ret;

	struct wlock_frame f;
	ret = set_wrlock(set, &f, "pmemset_remove_part_map");
	if (ret)
		return ret;
	if (p->set != set || !p->in_tree) {
		err_set("the part map %p is not in this set; pass a part map "
			"this set gave out",
			(void *)p);
		ret = PMEMSET_E_PART_NOT_FOUND;
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
	ret = deep_flush_parts(p, 0, p->nparts, 0, UINTPTR_MAX);
	if (ret)
		goto out;
	ret = remove_parts(set, p, 0, p->nparts, NULL, true);
	if (!ret)
		*part = NULL;
out:
	set_wrunlock(set, &f);
	return ret;
}

/* First part of p ending after lo, first part starting at or after hi. */
static void parts_in(const struct pmemset_part_map *p, uintptr_t lo,
		     uintptr_t hi, size_t *i, size_t *j)
{
	size_t a = 0, b = p->nparts;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if ((uintptr_t)p->parts[m].addr + p->parts[m].size <= lo)
			a = m + 1;
		else
			b = m;
	}
	*i = a;
	b = p->nparts;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if ((uintptr_t)p->parts[m].addr < hi)
			a = m + 1;
		else
			b = m;
	}
	*j = a;
}

PUBLIC int pmemset_remove_range(struct pmemset *set, void *addr, size_t len)
{
	if (!set) {
		err_set("pmemset_remove_range: set is NULL");
		return -EINVAL;
	}
	if (reentered(set, "pmemset_remove_range"))
		return -EDEADLK;
	if (len == 0)
		return 0;
	uintptr_t lo = (uintptr_t)addr, hi;
	if (__builtin_add_overflow(lo, len, &hi))
		hi = UINTPTR_MAX;

	struct pmemset_part_map *spare = NULL;
	struct wlock_frame f;
	int ret = set_wrlock(set, &f, "pmemset_remove_range");
	if (ret)
		return ret;

	/* check everything before changing anything */
	struct itree_node *n;
	for (n = itree_find(&set->pmaps, lo, hi); n && n->start < hi;
	     n = itree_next(n)) {
		struct pmemset_part_map *p = pmap_of(n);
		unsigned long refs =
			__atomic_load_n(&p->refcount, __ATOMIC_ACQUIRE);
		if (refs) {
			err_set("the part map at %p in the range is referenced "
				"%lu times; drop the references "
				"(pmemset_part_map_drop) first",
				(void *)n->start, refs);
			ret = PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP;
			goto out;
		}
		size_t i, j;
		parts_in(p, lo, hi, &i, &j);
		if (i > 0 && !spare) {
			/*
			 * Part of p stays on the left; if the range ends
			 * inside p (or an unmap fails) a right remainder
			 * needs a part map of its own. Only the first part
			 * map of the range can have i > 0.
			 */
			spare = pmap_alloc(set, p->nparts - i);
			if (!spare) {
				ret = -ENOMEM;
				goto out;
			}
		}
		ret = deep_flush_parts(p, i, j, 0, UINTPTR_MAX);
		if (ret)
			goto out;
	}

	pmemset_fire_remove_range(set, addr, len);

	/* what survives of a part map lies outside [lo, hi) */
	while ((n = itree_find(&set->pmaps, lo, hi))) {
		struct pmemset_part_map *p = pmap_of(n);
		size_t i, j;
		parts_in(p, lo, hi, &i, &j);
		ret = remove_parts(set, p, i, j, &spare, true);
		if (ret)
			break;
	}
out:
	set_wrunlock(set, &f);
	pmap_free(spare);
	return ret;
}

/* ---- lookup and iteration ---- */

static void pmap_get(struct pmemset_part_map *p)
{
	__atomic_add_fetch(&p->refcount, 1, __ATOMIC_ACQ_REL);
}

PUBLIC int pmemset_part_map_by_address(struct pmemset *set,
				       struct pmemset_part_map **pmap,
				       void *addr)
{
	if (!set || !pmap) {
		err_set("pmemset_part_map_by_address: %s is NULL",
			!set ? "set" : "pmap");
		return -EINVAL;
	}
	*pmap = NULL;
	if (reentered(set, "pmemset_part_map_by_address"))
		return -EDEADLK;
	int ret = set_rdlock(set, "pmemset_part_map_by_address");
	if (ret)
		return ret;
	struct pmemset_part_map *p =
		pmap_of(itree_find_addr(&set->pmaps, (uintptr_t)addr));
	if (p)
		pmap_get(p);
	pthread_rwlock_unlock(&set->lock);
	if (!p) {
		err_set("no part map of the set contains address %p", addr);
		return PMEMSET_E_CANNOT_FIND_PART_MAP;
	}
	*pmap = p;
	return 0;
}

PUBLIC void pmemset_first_part_map(struct pmemset *set,
				   struct pmemset_part_map **pmap)
{
	if (!pmap)
		return;
	*pmap = NULL;
	if (!set || reentered(set, "pmemset_first_part_map") ||
	    set_rdlock(set, "pmemset_first_part_map"))
		return;
	struct pmemset_part_map *p = pmap_of(itree_first(&set->pmaps));
	if (p)
		pmap_get(p);
	pthread_rwlock_unlock(&set->lock);
	*pmap = p;
}

PUBLIC void pmemset_next_part_map(struct pmemset *set,
				  struct pmemset_part_map *cur,
				  struct pmemset_part_map **next)
{
	if (!next)
		return;
	*next = NULL;
	if (!set || !cur || reentered(set, "pmemset_next_part_map") ||
	    set_rdlock(set, "pmemset_next_part_map"))
		return;
	struct pmemset_part_map *p = NULL;
	if (cur->set == set && cur->in_tree)
		p = pmap_of(itree_next(&cur->node));
	if (p)
		pmap_get(p);
	pthread_rwlock_unlock(&set->lock);
	*next = p;
}

PUBLIC void pmemset_part_map_drop(struct pmemset_part_map **pmap)
{
	if (!pmap || !*pmap)
		return;
	struct pmemset_part_map *p = *pmap;
	unsigned long old = __atomic_load_n(&p->refcount, __ATOMIC_RELAXED);
	while (old &&
	       !__atomic_compare_exchange_n(&p->refcount, &old, old - 1, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		;
	*pmap = NULL;
}

PUBLIC struct pmemset_part_descriptor
pmemset_descriptor_part_map(struct pmemset_part_map *pmap)
{
	struct pmemset_part_descriptor d = {NULL, 0};
	if (!pmap)
		return d;
	struct pmemset *set = pmap->set;
	/* in a callback under our write lock: already locked */
	bool lock = !write_locked_here(set);
	if (lock && set_rdlock(set, "pmemset_descriptor_part_map"))
		return d;
	d.addr = (void *)pmap->node.start;
	d.size = pmap->node.end - pmap->node.start;
	if (lock)
		pthread_rwlock_unlock(&set->lock);
	return d;
}

PUBLIC int pmemset_set_contiguous_part_coalescing(struct pmemset *set,
						  enum pmemset_coalescing value)
{
	if (!set) {
		err_set("pmemset_set_contiguous_part_coalescing: set is NULL");
		return -EINVAL;
	}
	switch (value) {
	case PMEMSET_COALESCING_NONE:
	case PMEMSET_COALESCING_OPPORTUNISTIC:
	case PMEMSET_COALESCING_FULL:
		break;
	default:
		err_set("coalescing value %d is not PMEMSET_COALESCING_NONE "
			"(0), _OPPORTUNISTIC (1) or _FULL (2)",
			(int)value);
		return PMEMSET_E_INVALID_COALESCING_VALUE;
	}
	__atomic_store_n(&set->coalescing, (int)value, __ATOMIC_RELAXED);
	return 0;
}

PUBLIC int pmemset_get_store_granularity(struct pmemset *set,
					 enum pmem2_granularity *g)
{
	if (!set || !g) {
		err_set("pmemset_get_store_granularity: %s is NULL",
			!set ? "set" : "g");
		return -EINVAL;
	}
	if (!__atomic_load_n(&set->gran_valid, __ATOMIC_ACQUIRE)) {
		err_set("no part has been mapped into the set yet, so it has "
			"no store granularity; map a part first");
		return PMEMSET_E_NO_PART_MAPPED;
	}
	*g = set->granularity;
	return 0;
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
	bool lock = !write_locked_here(set);
	int ret = lock ? set_rdlock(set, "pmemset_deep_flush") : 0;
	if (ret)
		return ret;
	for (struct itree_node *n = itree_find(&set->pmaps, lo, hi);
	     n && n->start < hi; n = itree_next(n)) {
		struct pmemset_part_map *p = pmap_of(n);
		size_t i, j;
		parts_in(p, lo, hi, &i, &j);
		ret = deep_flush_parts(p, i, j, lo, hi);
		if (ret)
			break;
	}
	if (lock)
		pthread_rwlock_unlock(&set->lock);
	return ret;
}

/* ---- mapping ---- */

struct placement {
	struct pmemset_rsv *rsv;
	size_t off;
	size_t extended; /* bytes added to our reservation for this part */
	bool hint_moved;
	size_t old_hint; /* the set's rsv_hint before this placement */
	struct pmemset_part_map *into; /* coalesced into this part map */
};

/* Right after the previous part map p. */
static int place_after(struct pmemset_part_map *p, size_t len, size_t align,
		       struct placement *pl)
{
	struct pmemset_rsv *r = p->rsv;
	char *ra = pmem2_vm_reservation_get_address(r->rsv);
	size_t rs = pmem2_vm_reservation_get_size(r->rsv);
	size_t off = (size_t)((char *)p->node.end - ra);

	if (p->node.end % align) {
		err_set("cannot coalesce: the previous part map ends at %p, "
			"which is not a multiple of the source alignment %zu",
			(void *)p->node.end, align);
		return PMEMSET_E_CANNOT_COALESCE_PARTS;
	}
	if (!r->owned) {
		if (off + len > rs) {
			err_set("the part (%zu bytes) does not fit after the "
				"previous part in the set's reservation (%zu "
				"bytes left there)",
				len, rs - off);
			return PMEMSET_E_CANNOT_FIT_PART_MAP;
		}
		if (range_busy(r->rsv, off, len, NULL))
			goto taken;
	} else if (off + len > rs) {
		if (off < rs && range_busy(r->rsv, off, rs - off, NULL))
			goto taken;
		size_t ext = off + len - rs;
		int ret = pmem2_vm_reservation_extend(r->rsv, ext);
		if (ret) {
			pmemset_err_pmem2(ret,
					  "cannot coalesce: the address "
					  "range %p-%p right after the "
					  "previous part is not free",
					  (void *)p->node.end,
					  (char *)p->node.end + len);
			return PMEMSET_E_CANNOT_COALESCE_PARTS;
		}
		pl->extended = ext;
	} else if (range_busy(r->rsv, off, len, NULL)) {
		goto taken;
	}
	pl->rsv = r;
	pl->off = off;
	pl->into = p;
	return 0;
taken:
	err_set("cannot coalesce: the address range %p-%p right after the "
		"previous part is taken",
		(void *)p->node.end, (char *)p->node.end + len);
	return PMEMSET_E_CANNOT_COALESCE_PARTS;
}

/* The lowest free gap of the set's reservation that fits len bytes at an
 * offset aligned to align. */
static int place_first_fit(struct pmemset *set, size_t len, size_t align,
			   struct placement *pl)
{
	struct pmem2_vm_reservation *rsv = set->user_rsv.rsv;
	char *ra = pmem2_vm_reservation_get_address(rsv);
	size_t rs = pmem2_vm_reservation_get_size(rsv);
	size_t starts[2] = {set->rsv_hint, 0};

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && starts[0] == 0)
			break;
		size_t first = align_up(starts[pass], align), off = first;
		struct pmem2_map *m;
		while (off <= rs && len <= rs - off) {
			if (!range_busy(rsv, off, len, &m)) {
				pl->rsv = &set->user_rsv;
				pl->off = off;
				/* no gap skipped: all below the part is full */
				if (off == first &&
				    starts[pass] == set->rsv_hint) {
					pl->hint_moved = true;
					pl->old_hint = set->rsv_hint;
					set->rsv_hint = off + len;
				}
				return 0;
			}
			if (!m)
				break; /* lookup failed: give up */
			size_t end = (size_t)((char *)pmem2_map_get_address(m) -
					      ra) +
				     pmem2_map_get_size(m);
			off = align_up(MAX(end, off + 1), align);
		}
	}
	err_set("the set's reservation (%zu bytes at %p) has no free range "
		"of %zu bytes left; remove parts or use a larger reservation",
		rs, (void *)ra, len);
	return PMEMSET_E_CANNOT_FIT_PART_MAP;
}

/*
 * A reservation of our own for a new part map. While coalescing is on, the
 * new part map is the one the next parts will be appended to, and the
 * address space right after a fresh mapping is usually taken (the kernel
 * hands out addresses top-down), so extending the reservation in place
 * would mostly fail: reserve spare room after the part instead (address
 * space only, PROT_NONE). It is given back as soon as another part map
 * becomes the coalescing target, and with the part map.
 */
#define COALESCE_ROOM SZ_1G

static int new_reservation(struct pmemset_rsv *r, size_t length, int mode)
{
	size_t with_room;
	if (mode != PMEMSET_COALESCING_NONE &&
	    add_ok(length, COALESCE_ROOM, &with_room) &&
	    pmem2_vm_reservation_new(&r->rsv, NULL, with_room) == 0)
		return 0;
	return pmem2_vm_reservation_new(&r->rsv, NULL, length);
}

static void placement_undo(struct pmemset *set, struct placement *pl,
			   struct pmemset_rsv *newrsv)
{
	if (pl->hint_moved)
		set->rsv_hint = pl->old_hint;
	if (pl->extended) {
		size_t rs = pmem2_vm_reservation_get_size(pl->rsv->rsv);
		(void)pmem2_vm_reservation_shrink(
			pl->rsv->rsv, rs - pl->extended, pl->extended);
	}
	if (pl->rsv == newrsv && newrsv->rsv)
		(void)pmem2_vm_reservation_delete(&newrsv->rsv);
}

static int map_error(int ret)
{
	if (ret == PMEM2_E_GRANULARITY_NOT_SUPPORTED) {
		pmemset_err_pmem2(ret, "the part cannot give the store "
				       "granularity the set requires");
		return PMEMSET_E_GRANULARITY_NOT_SUPPORTED;
	}
	pmemset_err_pmem2(ret, "cannot map the part");
	return PMEMSET_E_INVALID_PMEM2_MAP;
}

static const char *gran_name(enum pmem2_granularity g)
{
	switch (g) {
	case PMEM2_GRANULARITY_BYTE:
		return "BYTE";
	case PMEM2_GRANULARITY_CACHE_LINE:
		return "CACHE_LINE";
	case PMEM2_GRANULARITY_PAGE:
		return "PAGE";
	}
	return "?";
}

static void publish_fns(struct pmemset *set, struct pmem2_map *map,
			enum pmem2_granularity g)
{
	set->granularity = g;
	set->persist_fn = pmem2_get_persist_fn(map);
	set->flush_fn = pmem2_get_flush_fn(map);
	set->drain_fn = pmem2_get_drain_fn(map);
	set->memmove_fn = pmem2_get_memmove_fn(map);
	set->memcpy_fn = pmem2_get_memcpy_fn(map);
	set->memset_fn = pmem2_get_memset_fn(map);
	__atomic_store_n(&set->gran_valid, 1, __ATOMIC_RELEASE);
}

static int attach_sds_in(struct pmemset_source *src,
			 const struct pmemset_part_shutdown_state_data *in)
{
	struct pmemset_sds sds;
	memcpy(sds.id, in->id, sizeof(sds.id));
	sds.usc = in->usc;
	sds.refcount = in->refcount;
	return pmemset_source_set_sds(src, &sds, NULL);
}

/* Take back the record attach_sds_in attached, unless a map counted in it
 * meanwhile (then it is in use and stays). */
static void detach_sds_in(struct pmemset_source *src,
			  const struct pmemset_part_shutdown_state_data *in)
{
	pthread_mutex_lock(&src->lock);
	if (src->has_sds && src->sds.usc == in->usc &&
	    src->sds.refcount == in->refcount &&
	    strncmp(src->sds.id, in->id, PMEMSET_SDS_DEVICE_ID_LEN) == 0) {
		__atomic_store_n(&src->has_sds, false, __ATOMIC_RELEASE);
		src->state_ptr = NULL;
		memset(&src->sds, 0, sizeof(src->sds));
	}
	pthread_mutex_unlock(&src->lock);
}

static void copy_sds_out(struct pmemset_source *src,
			 struct pmemset_part_shutdown_state_data *out)
{
	pthread_mutex_lock(&src->lock);
	memcpy(out->id, src->sds.id, sizeof(out->id));
	out->usc = src->sds.usc;
	out->refcount = src->sds.refcount;
	pthread_mutex_unlock(&src->lock);
}

/* Parts of the source: size, length 0 = whole source, alignment, growth. */
static int map_range(struct pmemset_source *src, size_t offset, size_t *length,
		     size_t *align, struct pmemset_growth *g)
{
	size_t size;
	int ret = pmem2_source_size(src->pmem2, &size);
	if (ret) {
		pmemset_err_pmem2(ret, "cannot get the size of the source");
		return ret;
	}
	if (*length == 0) {
		if (size == 0) {
			err_set("the map length is 0 (\"the whole source\") "
				"but the source is empty; set a length with "
				"pmemset_map_config_set_length");
			return PMEMSET_E_MAP_LENGTH_UNSET;
		}
		*length = size;
	}
	ret = pmem2_source_alignment(src->pmem2, align);
	if (ret) {
		pmemset_err_pmem2(ret, "cannot get the alignment of the "
				       "source");
		return PMEMSET_E_INVALID_ALIGNMENT_VALUE;
	}
	if (*length % *align) {
		err_set("the part length %zu is not a multiple of the source "
			"alignment %zu; round it to a multiple of %zu",
			*length, *align, *align);
		return PMEMSET_E_LENGTH_UNALIGNED;
	}
	size_t end;
	if (__builtin_add_overflow(offset, *length, &end) ||
	    end > (size_t)INT64_MAX) {
		err_set("the part [%zu, %zu + %zu) ends beyond INT64_MAX, the "
			"largest file offset",
			offset, offset, *length);
		return PMEMSET_E_INVALID_OFFSET_VALUE;
	}
	return pmemset_source_ensure_size(src, end, g);
}

int pmemset_map_internal(struct pmemset *set, struct pmemset_source *src,
			 size_t offset, size_t length,
			 struct pmemset_extras *extras,
			 struct pmemset_part_descriptor *desc)
{
	struct pmem2_config *cfg2 = NULL;
	struct pmem2_map *map = NULL;
	struct pmemset_part_map *newp = NULL;
	struct pmemset_rsv *newrsv = NULL;
	enum pmemset_part_state state;
	struct pmemset_sds_ticket ticket;
	struct pmemset_growth growth = {0, 0, 0};
	bool sds_in_attached = false;
	size_t align;
	int ret;

	if (!set) {
		err_set("pmemset_map: set is NULL");
		return -EINVAL;
	}
	if (!src) {
		err_set("the source is NULL; make one with "
			"pmemset_source_from_file, _from_temporary or "
			"_from_pmem2");
		return PMEMSET_E_INVALID_SOURCE_TYPE;
	}
	if (!src->pmem2) {
		err_set("the source has been deleted; make a new one");
		return PMEMSET_E_INVALID_SOURCE_TYPE;
	}
	if (reentered(set, "pmemset_map"))
		return -EDEADLK;
	if (offset > (size_t)INT64_MAX) {
		err_set("offset %zu is larger than INT64_MAX, the largest "
			"file offset",
			offset);
		return PMEMSET_E_INVALID_OFFSET_VALUE;
	}
	if (extras && extras->sds_in) {
		ret = attach_sds_in(src, extras->sds_in);
		if (ret)
			return ret;
		sds_in_attached = true;
	}

	ret = pmemset_sds_check(set, src, &state, &ticket);
	if (extras && extras->state)
		*extras->state = state;
	if (ret)
		goto err_sds_in;

	ret = pmemset_badblock_detect(set, src);
	if (ret)
		goto err_sds_in;
	ret = map_range(src, offset, &length, &align, &growth);
	if (ret)
		goto err_sds_in;

	ret = pmem2_config_new(&cfg2);
	if (ret) {
		pmemset_err_pmem2(ret, "cannot make a libpmem2 config");
		ret = PMEMSET_E_CANNOT_ALLOCATE_INTERNAL_STRUCTURE;
		goto err_cfg;
	}
	ret = pmem2_config_set_offset(cfg2, offset);
	if (ret) {
		pmemset_err_pmem2(ret, "offset %zu is not valid", offset);
		ret = PMEMSET_E_INVALID_OFFSET_VALUE;
		goto err_cfg;
	}
	ret = pmem2_config_set_length(cfg2, length);
	if (ret) {
		pmemset_err_pmem2(ret, "length %zu is not valid", length);
		ret = PMEMSET_E_LENGTH_UNALIGNED;
		goto err_cfg;
	}
	ret = pmem2_config_set_required_store_granularity(cfg2,
							  set->cfg.granularity);
	if (ret) {
		pmemset_err_pmem2(ret, "the set's store granularity is not "
				       "valid");
		ret = PMEMSET_E_GRANULARITY_NOT_SUPPORTED;
		goto err_cfg;
	}

	/* everything that may be needed, before the lock */
	newp = pmap_alloc(set, 1);
	if (!newp) {
		ret = -ENOMEM;
		goto err_cfg;
	}
	if (!set->cfg.rsv) {
		newrsv = os_zalloc(sizeof(*newrsv));
		if (!newrsv) {
			err_set_errno(ENOMEM, "cannot allocate a reservation "
					      "record");
			ret = -ENOMEM;
			goto err_cfg;
		}
		newrsv->owned = true;
	}

	struct wlock_frame f;
	ret = set_wrlock(set, &f, "pmemset_map");
	if (ret)
		goto err_cfg;
	struct placement pl = {0};
	int mode = __atomic_load_n(&set->coalescing, __ATOMIC_RELAXED);
	struct pmemset_part_map *P = set->previous;

	if (mode != PMEMSET_COALESCING_NONE && P) {
		if (P->nparts == P->cap) {
			size_t cap = P->cap * 2;
			void *np =
				os_realloc(P->parts, cap * sizeof(*P->parts));
			if (!np) {
				err_set_errno(ENOMEM, "cannot grow a part map");
				ret = -ENOMEM;
				goto err_unlock;
			}
			P->parts = np;
			P->cap = cap;
		}
		ret = place_after(P, length, align, &pl);
		if (ret && mode == PMEMSET_COALESCING_FULL)
			goto err_unlock;
	}
	if (!pl.rsv) {
		if (set->cfg.rsv) {
			ret = place_first_fit(set, length, align, &pl);
			if (ret)
				goto err_unlock;
		} else {
			ret = new_reservation(newrsv, length, mode);
			if (ret) {
				pmemset_err_pmem2(ret,
						  "cannot reserve %zu "
						  "bytes of address space",
						  length);
				if (ret == PMEM2_E_LENGTH_UNALIGNED)
					ret = PMEMSET_E_LENGTH_UNALIGNED;
				goto err_unlock;
			}
			pl.rsv = newrsv;
			pl.off = 0;
		}
	}

	ret = pmem2_config_set_vm_reservation(cfg2, pl.rsv->rsv, pl.off);
	if (ret) {
		pmemset_err_pmem2(ret,
				  "cannot place the part at offset %zu of "
				  "a reservation",
				  pl.off);
		ret = PMEMSET_E_INVALID_PMEM2_MAP;
		goto err_placed;
	}
	ret = pmem2_map_new(&map, cfg2, src->pmem2);
	if (ret) {
		ret = map_error(ret);
		goto err_placed;
	}
	enum pmem2_granularity g = pmem2_map_get_store_granularity(map);
	if (set->gran_valid && g != set->granularity) {
		err_set("the part has store granularity %s but the set's parts "
			"have %s; all parts of a set must have the same "
			"granularity (put the files on the same kind of "
			"storage)",
			gran_name(g), gran_name(set->granularity));
		ret = PMEMSET_E_GRANULARITY_MISMATCH;
		goto err_map;
	}
	if (!set->gran_valid)
		publish_fns(set, map, g);

	/* nothing can fail from here on */
	struct pmemset_part_entry e = {
		.map = map,
		.src = src,
		.addr = pmem2_map_get_address(map),
		.size = length,
		.sds = pmemset_sds_register(src, &ticket),
	};
	pmemset_source_get(src);
	struct pmemset_part_map *pm;
	if (pl.into) {
		pm = pl.into;
		pmap_unlink(set, pm);
		pm->parts[pm->nparts++] = e;
		pmap_insert(set, pm);
	} else {
		pm = newp;
		newp = NULL;
		pm->parts[0] = e;
		pm->nparts = 1;
		pm->rsv = pl.rsv;
		pmap_insert(set, pm);
		/* the old coalescing target keeps no spare room */
		if (P && P->rsv->owned && P->rsv != pm->rsv)
			rsv_trim(P->rsv, false);
		set->previous = pm;
		if (pl.rsv == newrsv)
			newrsv = NULL;
	}
	pl.rsv->nparts++;
	if (desc) {
		desc->addr = (void *)pm->node.start;
		desc->size = pm->node.end - pm->node.start;
	}
	set_wrunlock(set, &f);

	pmem2_config_delete(&cfg2);
	pmap_free(newp);
	os_free(newrsv);
	if (extras && extras->sds_out)
		copy_sds_out(src, extras->sds_out);

	pmemset_fire_part_add(set, e.addr, e.size, src->pmem2);
	if (e.sds)
		pmemset_fire_sds_update(set, src);
	return 0;

err_map:
	pmem2_map_delete(&map);
err_placed:
	placement_undo(set, &pl, newrsv);
err_unlock:
	set_wrunlock(set, &f);
err_cfg:
	pmap_free(newp);
	os_free(newrsv);
	pmem2_config_delete(&cfg2);
	pmemset_source_undo_growth(src, &growth);
err_sds_in:
	if (sds_in_attached)
		detach_sds_in(src, extras->sds_in);
	return ret;
}
