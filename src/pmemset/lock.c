/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lock.c -- a set's lock and re-entrancy: which sets this thread holds
 * write-locked, and the messages for a call that would deadlock.
 *
 * A callback fired under one set's write lock may change another set,
 * whose callback may fire in turn, so the write-locked sets form a stack,
 * innermost first, with one frame on the stack of each locking call. A
 * call into a set already on this thread's stack is refused (-EDEADLK)
 * before it tries the lock; read-only calls made from such a callback
 * (pmemset_deep_flush, pmemset_descriptor_part_map) ask
 * pmemset_write_locked_here and skip the lock they already have.
 */
#include <errno.h>

#include "core/err.h"
#include "lock.h"

static __thread struct pmemset_wlock_frame *tls_wlocked;

bool pmemset_write_locked_here(const struct pmemset *set)
{
	for (const struct pmemset_wlock_frame *f = tls_wlocked; f; f = f->outer)
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

int pmemset_lock_write(struct pmemset *set, struct pmemset_wlock_frame *f,
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

void pmemset_unlock_write(struct pmemset *set, struct pmemset_wlock_frame *f)
{
	tls_wlocked = f->outer;
	pthread_rwlock_unlock(&set->lock); /* held: cannot fail */
}

int pmemset_lock_read(struct pmemset *set, const char *fn)
{
	int r = pthread_rwlock_rdlock(&set->lock);
	return r ? lock_error(r, fn) : 0;
}

void pmemset_unlock_read(struct pmemset *set)
{
	pthread_rwlock_unlock(&set->lock); /* held: cannot fail */
}

bool pmemset_reentered(const struct pmemset *set, const char *fn)
{
	if (!pmemset_write_locked_here(set))
		return false;
	err_set("%s was called from an event callback while the set is "
		"being changed; call it after the library call that fired "
		"the event has returned",
		fn);
	return true;
}
