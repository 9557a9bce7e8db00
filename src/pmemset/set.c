/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * set.c -- the set object: creating and deleting a set, and the settings
 * that belong to the set as a whole (contiguous-part coalescing, the store
 * granularity its first part fixed).
 *
 * What a set holds is described in pmemset_internal.h; how it is locked in
 * lock.c; its part maps in part_map.c; mapping into it in map.c, and
 * removing from it in remove.c. Deleting a set unmaps every part it still
 * has, without events.
 */
#include <errno.h>

#include "core/err.h"
#include "core/os.h"
#include "core/util.h"
#include "lock.h"
#include "remove.h"

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
	if (r)
		goto err_free;
	r = pthread_mutex_init(&s->flush_mtx, NULL);
	if (r)
		goto err_rwlock;
	r = pthread_cond_init(&s->flush_done, NULL);
	if (r)
		goto err_mutex;
	s->cfg = *cfg;
	if (cfg->rsv) {
		s->user_rsv.rsv = cfg->rsv;
		s->user_rsv.owned = false;
	}
	itree_init(&s->pmaps);
	s->coalescing = PMEMSET_COALESCING_NONE;
	*set = s;
	return 0;

err_mutex:
	pthread_mutex_destroy(&s->flush_mtx);
err_rwlock:
	pthread_rwlock_destroy(&s->lock);
err_free:
	os_free(s);
	err_set_errno(r, "cannot initialise the locks of a pmemset");
	return -r;
}

PUBLIC int pmemset_delete(struct pmemset **set_ptr)
{
	if (!set_ptr || !*set_ptr)
		return 0;
	struct pmemset *set = *set_ptr;
	if (pmemset_reentered(set, "pmemset_delete"))
		return -EDEADLK;

	struct pmemset_wlock_frame f;
	int ret = pmemset_lock_write(set, &f, "pmemset_delete");
	if (ret)
		return ret;
	ret = pmemset_remove_all(set);
	pmemset_unlock_write(set, &f);
	if (ret)
		return ret; /* the set stays, with what is left */
	pthread_cond_destroy(&set->flush_done);
	pthread_mutex_destroy(&set->flush_mtx);
	pthread_rwlock_destroy(&set->lock);
	os_free(set);
	*set_ptr = NULL;
	return 0;
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
