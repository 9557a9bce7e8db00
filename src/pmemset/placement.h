/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * placement.h -- where in which reservation a new part goes, and the
 * reservations' bookkeeping as parts come and go (placement.c). Every
 * function here runs under the set's write lock.
 */
#ifndef PMEMSET_PLACEMENT_H
#define PMEMSET_PLACEMENT_H

#include "pmemset_internal.h"

/* Where a part goes, and what was changed to make room for it. */
struct pmemset_placement {
	struct pmemset_rsv *rsv;
	size_t off;
	size_t extended; /* bytes added to our reservation for this part */
	bool hint_moved;
	size_t old_hint; /* the set's rsv_hint before this placement */
	struct pmemset_part_map *into; /* coalesced into this part map */
};

/*
 * Place a part of length bytes, aligned to align, into *pl (zeroed by the
 * caller). newrsv is the empty record to use if the part needs a new
 * reservation of ours (NULL when the set has the caller's reservation).
 */
int pmemset_place(struct pmemset *set, size_t length, size_t align,
		  struct pmemset_rsv *newrsv, struct pmemset_placement *pl);
/* Undo a successful pmemset_place whose part could not be mapped. Returns
 * 0, or libpmem2's code (the message left as it is) when the new
 * reservation cannot be deleted: it then stays in newrsv. */
int pmemset_placement_undo(struct pmemset *set, struct pmemset_placement *pl,
			   struct pmemset_rsv *newrsv);

/* The new part map pm (just inserted) becomes the coalescing target; the
 * old target's reservation, if ours and not pm's, gives back its room. */
void pmemset_retarget(struct pmemset *set, struct pmemset_part_map *pm);

/* `count` of our parts left reservation r, the lowest at addr: remember the
 * gap (the caller's reservation) or trim or delete ours. Fails only when
 * ours, now empty, cannot be deleted (pmemset_rsv_delete): r then stays,
 * and the caller keeps it as a leftover of the set. */
int pmemset_rsv_release(struct pmemset *set, struct pmemset_rsv *r,
			size_t count, void *addr);
/* Delete our empty reservation r and its record. On failure (libpmem2's
 * code, with a message) r stays as it was. */
int pmemset_rsv_delete(struct pmemset_rsv *r);

#endif
