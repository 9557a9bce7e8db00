/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * events.h -- reporting to a set's event callback (events.c): one typed
 * function per PMEMSET_EVENT_*, so each event's context is built in one
 * place. Each calls the set's callback, if it has one, synchronously.
 *
 * Only PMEMSET_EVENT_BADBLOCKS_CLEARED has a result that counts (non-zero
 * stops the map); the other callbacks' results are ignored, as the manual
 * page says.
 */
#ifndef PMEMSET_EVENTS_H
#define PMEMSET_EVENTS_H

#include "pmemset_internal.h"

/* data operations (memops.c) */
void pmemset_fire_copy(struct pmemset *set, void *dest, void *src, size_t len,
		       unsigned flags);
void pmemset_fire_move(struct pmemset *set, void *dest, void *src, size_t len,
		       unsigned flags);
void pmemset_fire_set(struct pmemset *set, void *dest, int value, size_t len,
		      unsigned flags);
void pmemset_fire_flush(struct pmemset *set, void *addr, size_t len);
void pmemset_fire_drain(struct pmemset *set);

/* parts coming and going (map.c, remove.c) */
void pmemset_fire_part_add(struct pmemset *set, void *addr, size_t len,
			   struct pmem2_source *src);
void pmemset_fire_part_remove(struct pmemset *set, void *addr, size_t len);
void pmemset_fire_remove_range(struct pmemset *set, void *addr, size_t len);
/* The source's shutdown-state record, as a snapshot taken under its lock. */
void pmemset_fire_sds_update(struct pmemset *set, struct pmemset_source *src);

/* bad blocks (badblock.c) */
void pmemset_fire_badblock(struct pmemset *set, struct pmemset_source *src,
			   struct pmemset_badblock *bb);
/* Returns the callback's result (0 without a callback). */
int pmemset_fire_badblocks_cleared(struct pmemset *set,
				   struct pmemset_source *src);

#endif
