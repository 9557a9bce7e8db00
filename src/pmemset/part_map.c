/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * part_map.c -- part maps: the contiguous address ranges of a set, each an
 * array of the parts (pmem2 maps) lying back to back in it, kept in the
 * set's interval tree (src/core/itree.h) for O(log n) lookup by address.
 *
 * Here: making, growing and freeing a part map, keeping the tree in step
 * with the range of its parts, and the public lookup and iteration
 * (pmemset_part_map_by_address, pmemset_first_part_map /
 * pmemset_next_part_map, pmemset_part_map_drop,
 * pmemset_descriptor_part_map). A part map handed out is counted in its
 * reference count until dropped; removal refuses a referenced part map.
 */
#include <errno.h>

#include "core/err.h"
#include "core/os.h"
#include "core/util.h"
#include "lock.h"
#include "part_map.h"

struct pmemset_part_map *pmemset_pmap_of(struct itree_node *n)
{
	return n ? container_of(n, struct pmemset_part_map, node) : NULL;
}

struct pmemset_part_map *pmemset_pmap_alloc(struct pmemset *set, size_t cap)
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

void pmemset_pmap_free(struct pmemset_part_map *p)
{
	if (p) {
		os_free(p->parts);
		os_free(p);
	}
}

int pmemset_pmap_make_room(struct pmemset_part_map *p)
{
	if (p->nparts < p->cap)
		return 0;
	size_t cap = p->cap * 2;
	void *np = os_realloc(p->parts, cap * sizeof(*p->parts));
	if (!np) {
		err_set_errno(ENOMEM, "cannot grow a part map");
		return -ENOMEM;
	}
	p->parts = np;
	p->cap = cap;
	return 0;
}

static void pmap_set_range(struct pmemset_part_map *p)
{
	struct pmemset_part_entry *last = &p->parts[p->nparts - 1];
	p->node.start = (uintptr_t)p->parts[0].addr;
	p->node.end = (uintptr_t)last->addr + last->size;
}

void pmemset_pmap_insert(struct pmemset *set, struct pmemset_part_map *p)
{
	pmap_set_range(p);
	int r = itree_insert(&set->pmaps, &p->node);
	(void)r; /* only -EEXIST, impossible: the range holds our maps */
	p->in_tree = true;
}

void pmemset_pmap_unlink(struct pmemset *set, struct pmemset_part_map *p)
{
	if (p->in_tree) {
		itree_remove(&set->pmaps, &p->node);
		p->in_tree = false;
	}
}

void pmemset_leftover_add(struct pmemset *set, struct pmemset_part_map *p)
{
	p->leftover = true;
	p->next_leftover = set->leftovers;
	set->leftovers = p;
}

void pmemset_pmap_parts_in(const struct pmemset_part_map *p, uintptr_t lo,
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
	if (pmemset_reentered(set, "pmemset_part_map_by_address"))
		return -EDEADLK;
	int ret = pmemset_lock_read(set, "pmemset_part_map_by_address");
	if (ret)
		return ret;
	struct pmemset_part_map *p =
		pmemset_pmap_of(itree_find_addr(&set->pmaps, (uintptr_t)addr));
	if (p)
		pmap_get(p);
	pmemset_unlock_read(set);
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
	if (!set || pmemset_reentered(set, "pmemset_first_part_map") ||
	    pmemset_lock_read(set, "pmemset_first_part_map"))
		return;
	struct pmemset_part_map *p = pmemset_pmap_of(itree_first(&set->pmaps));
	if (p)
		pmap_get(p);
	pmemset_unlock_read(set);
	*pmap = p;
}

PUBLIC void pmemset_next_part_map(struct pmemset *set,
				  struct pmemset_part_map *cur,
				  struct pmemset_part_map **next)
{
	if (!next)
		return;
	*next = NULL;
	if (!set || !cur || pmemset_reentered(set, "pmemset_next_part_map") ||
	    pmemset_lock_read(set, "pmemset_next_part_map"))
		return;
	struct pmemset_part_map *p = NULL;
	if (cur->set == set && cur->in_tree)
		p = pmemset_pmap_of(itree_next(&cur->node));
	if (p)
		pmap_get(p);
	pmemset_unlock_read(set);
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
	bool lock = !pmemset_write_locked_here(set);
	if (lock && pmemset_lock_read(set, "pmemset_descriptor_part_map"))
		return d;
	if (!pmap->leftover) { /* a leftover has nothing to use */
		d.addr = (void *)pmap->node.start;
		d.size = pmap->node.end - pmap->node.start;
	}
	if (lock)
		pmemset_unlock_read(set);
	return d;
}
