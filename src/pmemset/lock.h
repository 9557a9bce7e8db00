/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lock.h -- taking a set's lock, and knowing when a call comes back into a
 * set from one of its own event callbacks (lock.c).
 *
 * A set's rwlock guards its part-map tree, the part arrays, the coalescing
 * target and the reservation hint (see pmemset_internal.h). Functions that
 * change the set take it for writing through pmemset_lock_write, which also
 * records the set on a thread-local stack; events of removals fire with the
 * lock held, so a callback that calls back into a set-changing function of
 * a set this thread has write-locked gets -EDEADLK (pmemset_reentered)
 * instead of a deadlock.
 */
#ifndef PMEMSET_LOCK_H
#define PMEMSET_LOCK_H

#include <stdbool.h>

#include "pmemset_internal.h"

/* One set write-locked by this thread; lives on the locking call's stack. */
struct pmemset_wlock_frame {
	const struct pmemset *set;
	struct pmemset_wlock_frame *outer;
};

/* Whether this thread holds the set's write lock (any depth). */
bool pmemset_write_locked_here(const struct pmemset *set);

/* Take the write lock and push f; fn names the caller in messages. */
int pmemset_lock_write(struct pmemset *set, struct pmemset_wlock_frame *f,
		       const char *fn);
/* Pop f and release the write lock taken with it. */
void pmemset_unlock_write(struct pmemset *set, struct pmemset_wlock_frame *f);

/* Take the read lock (fn names the caller); release with
 * pmemset_unlock_read. */
int pmemset_lock_read(struct pmemset *set, const char *fn);
void pmemset_unlock_read(struct pmemset *set);

/* True (with a message naming fn) if this thread is inside a change of the
 * set, i.e. fn was called from an event callback of that change. */
bool pmemset_reentered(const struct pmemset *set, const char *fn);

#endif
