/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * placement.c -- reservation placement: where in which pmem2 virtual
 * memory reservation a new part is mapped, and how the reservations follow
 * the parts in them.
 *
 * A new part goes (under the set's write lock):
 *  - coalescing on and a previous part map P: right after P, inside P's
 *    reservation (ours is extended in place when needed; the caller's must
 *    have room). Taken: FULL fails, OPPORTUNISTIC falls back to:
 *  - with the caller's reservation: the lowest free gap that fits (the
 *    set's rsv_hint remembers below which offset everything is full);
 *  - otherwise: a new reservation of exactly the part's length (with spare
 *    room after it while coalescing is on).
 * A reservation we made is trimmed at its ends when parts leave it or it
 * stops being the coalescing target, and deleted with its last part; the
 * caller's is never resized or deleted.
 */
#include "core/err.h"
#include "core/os.h"
#include "core/util.h"
#include "log.h"
#include "part_map.h"
#include "placement.h"

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
 * keep_end: the coalescing target keeps its room). Best effort: a shrink
 * libpmem2 refuses leaves the reservation larger, still ours and recorded
 * in r, so nothing leaks -- the rest goes with its last part. */
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

int pmemset_rsv_delete(struct pmemset_rsv *r)
{
	void *addr = pmem2_vm_reservation_get_address(r->rsv);
	size_t size = pmem2_vm_reservation_get_size(r->rsv);
	int ret = pmem2_vm_reservation_delete(&r->rsv);
	if (ret) {
		pmemset_err_pmem2(ret,
				  "cannot release the address space "
				  "reserved for removed parts (%zu bytes at "
				  "%p); the set keeps it: repeat the call (or "
				  "pmemset_delete) to release it",
				  size, addr);
		return ret;
	}
	os_free(r);
	return 0;
}

int pmemset_rsv_release(struct pmemset *set, struct pmemset_rsv *r,
			size_t count, void *addr)
{
	r->nparts -= count;
	if (!r->owned) {
		size_t off = (size_t)((char *)addr -
				      (char *)pmem2_vm_reservation_get_address(
					      r->rsv));
		if (off < set->rsv_hint)
			set->rsv_hint = off;
		return 0;
	}
	if (r->nparts == 0)
		return pmemset_rsv_delete(r);
	bool target = set->previous && set->previous->rsv == r &&
		      __atomic_load_n(&set->coalescing, __ATOMIC_RELAXED) !=
			      PMEMSET_COALESCING_NONE;
	rsv_trim(r, target);
	return 0;
}

void pmemset_retarget(struct pmemset *set, struct pmemset_part_map *pm)
{
	struct pmemset_part_map *old = set->previous;
	/* the old coalescing target keeps no spare room */
	if (old && old->rsv->owned && old->rsv != pm->rsv)
		rsv_trim(old->rsv, false);
	set->previous = pm;
}

/* Right after the previous part map p. */
static int place_after(struct pmemset_part_map *p, size_t len, size_t align,
		       struct pmemset_placement *pl)
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
			   struct pmemset_placement *pl)
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

int pmemset_place(struct pmemset *set, size_t length, size_t align,
		  struct pmemset_rsv *newrsv, struct pmemset_placement *pl)
{
	int mode = __atomic_load_n(&set->coalescing, __ATOMIC_RELAXED);
	struct pmemset_part_map *prev = set->previous;
	int ret;

	if (mode != PMEMSET_COALESCING_NONE && prev) {
		ret = pmemset_pmap_make_room(prev);
		if (ret)
			return ret;
		ret = place_after(prev, length, align, pl);
		if (ret)
			pmemset_log_not_coalesced(mode);
		if (ret && mode == PMEMSET_COALESCING_FULL)
			return ret;
	}
	if (pl->rsv)
		return 0;
	if (set->cfg.rsv)
		return place_first_fit(set, length, align, pl);
	ret = new_reservation(newrsv, length, mode);
	if (ret) {
		pmemset_err_pmem2(ret,
				  "cannot reserve %zu bytes of address space",
				  length);
		if (ret == PMEM2_E_LENGTH_UNALIGNED)
			ret = PMEMSET_E_LENGTH_UNALIGNED;
		return ret;
	}
	pl->rsv = newrsv;
	pl->off = 0;
	return 0;
}

int pmemset_placement_undo(struct pmemset *set, struct pmemset_placement *pl,
			   struct pmemset_rsv *newrsv)
{
	if (pl->hint_moved)
		set->rsv_hint = pl->old_hint;
	if (pl->extended) {
		/* best effort, as rsv_trim: the room stays ours if refused */
		size_t rs = pmem2_vm_reservation_get_size(pl->rsv->rsv);
		(void)pmem2_vm_reservation_shrink(
			pl->rsv->rsv, rs - pl->extended, pl->extended);
	}
	if (pl->rsv == newrsv && newrsv->rsv)
		return pmem2_vm_reservation_delete(&newrsv->rsv);
	return 0;
}
