/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * map.c -- mapping a part into a set: pmemset_map, PMDK's final shape, and
 * pmemset_map_internal, the one routine behind every call shape (the older
 * shapes' entry points are in call_shapes.c).
 *
 * A map goes in three steps, so that nothing another thread can see of the
 * set changes until the map is sure to succeed:
 *  1. prepare, without the set's lock, checking in PMDK's order: the
 *     arguments; the source's shutdown state (with the extras' record, if
 *     given) and bad blocks; the length, and the growth of the file to
 *     fit; the libpmem2 config; the length against the source's
 *     alignment; then allocate what the commit will need;
 *  2. place, under the set's write lock: choose the address (placement.c),
 *     map the part there with libpmem2 and check its store granularity
 *     against the set's; a failure undoes the placement;
 *  3. commit, still under the lock, where nothing can fail: count the map
 *     in the source, put the part into a part map (coalesced or new) and
 *     make that the coalescing target. After the unlock: the extras'
 *     record out, then the PART_ADD and SDS_UPDATE events.
 * A failure gives back what the earlier steps did, including the growth of
 * the file and an extras record attached to the source; what libpmem2
 * cannot unmap or release then stays with the set (map_leave).
 */
#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/granularity_name.h"
#include "core/os.h"
#include "core/util.h"
#include "events.h"
#include "lock.h"
#include "log.h"
#include "map.h"
#include "part_map.h"
#include "placement.h"

/* One map call as it goes through the steps. */
struct map_op {
	/* the request */
	struct pmemset *set;
	struct pmemset_source *src;
	size_t offset;
	size_t length;		       /* 0 (the whole source) until prepared */
	struct pmemset_extras *extras; /* may be NULL */
	/* prepared */
	bool sds_in_attached;
	struct pmemset_sds_ticket ticket;
	size_t align;
	struct pmemset_growth growth;
	struct pmem2_config *cfg2;
	struct pmemset_part_map *newp; /* if the part starts a part map */
	struct pmemset_rsv *newrsv;    /* if it needs a reservation of ours */
	/* placed */
	struct pmemset_placement pl;
	struct pmem2_map *map;
	bool map_left; /* the failed map is a leftover of the set */
};

PUBLIC int pmemset_map(struct pmemset *set, struct pmemset_source *src,
		       struct pmemset_map_config *map_cfg,
		       struct pmemset_part_descriptor *desc)
{
	size_t offset = 0, length = 0;
	if (map_cfg) {
		if (map_cfg->set && map_cfg->set != set) {
			err_set("the map config was made for another set "
				"(pmemset_map_config_new(&cfg, set)); use a "
				"config of this set or one made without a set");
			return -EINVAL;
		}
		offset = map_cfg->offset;
		length = map_cfg->length;
	}
	return pmemset_map_internal(set, src, offset, length, NULL, desc);
}

/* ---- 1. prepare ---- */

static int map_check_args(struct pmemset *set, struct pmemset_source *src,
			  size_t offset)
{
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
	if (pmemset_reentered(set, "pmemset_map"))
		return -EDEADLK;
	if (offset > (size_t)INT64_MAX) {
		err_set("offset %zu is larger than INT64_MAX, the largest "
			"file offset",
			offset);
		return PMEMSET_E_INVALID_OFFSET_VALUE;
	}
	return 0;
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

/* The source may be mapped: its shutdown state (with the extras' record
 * attached first, if given) is acceptable and it has no bad blocks left. */
static int map_check_source(struct map_op *op)
{
	struct pmemset_extras *extras = op->extras;
	enum pmemset_part_state state;
	int ret;

	if (extras && extras->sds_in) {
		ret = attach_sds_in(op->src, extras->sds_in);
		if (ret)
			return ret;
		op->sds_in_attached = true;
	}
	ret = pmemset_sds_check(op->set, op->src, &state, &op->ticket);
	if (extras && extras->state)
		*extras->state = state;
	if (ret)
		return ret;
	return pmemset_badblock_detect(op->set, op->src);
}

/* The part's length (0: the whole source) and the growth of the source to
 * hold it. A part ending beyond INT64_MAX cannot fit in any file: growth
 * fails (or the source is too small), as in PMDK. */
static int map_range(struct pmemset_source *src, size_t offset, size_t *length,
		     struct pmemset_growth *g)
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
	size_t end;
	if (__builtin_add_overflow(offset, *length, &end))
		end = SIZE_MAX;
	return pmemset_source_ensure_size(src, end, g);
}

/* The part's length is a multiple of the source's alignment. Checked after
 * the growth and the libpmem2 config, where PMDK finds it (making the
 * reservation). */
static int map_check_alignment(struct pmemset_source *src, size_t length,
			       size_t *align)
{
	int ret = pmem2_source_alignment(src->pmem2, align);
	if (ret) {
		pmemset_err_pmem2(ret, "cannot get the alignment of the "
				       "source");
		return PMEMSET_E_INVALID_ALIGNMENT_VALUE;
	}
	if (length % *align) {
		err_set("the part length %zu is not a multiple of the source "
			"alignment %zu; round it to a multiple of %zu",
			length, *align, *align);
		return PMEMSET_E_LENGTH_UNALIGNED;
	}
	return 0;
}

/* The libpmem2 config of the part (the reservation comes with the place). */
static int map_make_config(struct map_op *op)
{
	int ret = pmem2_config_new(&op->cfg2);
	if (ret) {
		pmemset_err_pmem2(ret, "cannot make a libpmem2 config");
		return PMEMSET_E_CANNOT_ALLOCATE_INTERNAL_STRUCTURE;
	}
	ret = pmem2_config_set_offset(op->cfg2, op->offset);
	if (ret) {
		pmemset_err_pmem2(ret, "offset %zu is not valid", op->offset);
		return PMEMSET_E_INVALID_OFFSET_VALUE;
	}
	ret = pmem2_config_set_length(op->cfg2, op->length);
	if (ret) {
		pmemset_err_pmem2(ret, "length %zu is not valid", op->length);
		return PMEMSET_E_LENGTH_UNALIGNED;
	}
	ret = pmem2_config_set_required_store_granularity(
		op->cfg2, op->set->cfg.granularity);
	if (ret) {
		pmemset_err_pmem2(ret, "the set's store granularity is not "
				       "valid");
		return PMEMSET_E_GRANULARITY_NOT_SUPPORTED;
	}
	return 0;
}

/* Everything the commit may need, allocated before the lock. */
static int map_alloc(struct map_op *op)
{
	op->newp = pmemset_pmap_alloc(op->set, 1);
	if (!op->newp)
		return -ENOMEM;
	if (!op->set->cfg.rsv) {
		op->newrsv = os_zalloc(sizeof(*op->newrsv));
		if (!op->newrsv) {
			err_set_errno(ENOMEM, "cannot allocate a reservation "
					      "record");
			return -ENOMEM;
		}
		op->newrsv->owned = true;
	}
	return 0;
}

/* After a failure from map_make_config on: free what was prepared and give
 * back the growth of the source. */
static void map_unprepare(struct map_op *op)
{
	pmemset_pmap_free(op->newp);
	os_free(op->newrsv);
	pmem2_config_delete(&op->cfg2);
	if (!op->map_left) /* it maps the grown range */
		pmemset_source_undo_growth(op->src, &op->growth);
}

/* ---- 2. place (under the write lock) ---- */

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

static int check_granularity(struct pmemset *set, struct pmem2_map *map)
{
	enum pmem2_granularity g = pmem2_map_get_store_granularity(map);
	if (set->gran_valid && g != set->granularity) {
		err_set("the part has store granularity %s but the set's parts "
			"have %s; all parts of a set must have the same "
			"granularity (put the files on the same kind of "
			"storage)",
			granularity_name(g),
			granularity_name(set->granularity));
		return PMEMSET_E_GRANULARITY_MISMATCH;
	}
	return 0;
}

/*
 * After a failed map, what libpmem2 could not release -- the map itself
 * (code r from pmem2_map_delete) or else the new reservation of ours it
 * was placed in (r from its delete) -- becomes a leftover of the set, in
 * the part map prepared for it, so the set still describes all it has
 * mapped; a removal over it or pmemset_delete releases it. The map's own
 * error stays the result; the message says what was left.
 */
static void map_leave(struct map_op *op, int r, bool with_map)
{
	struct pmemset_placement *pl = &op->pl;
	struct pmemset_part_map *h = op->newp;
	op->newp = NULL;
	h->rsv = pl->rsv;
	if (with_map) {
		char *addr = pmem2_map_get_address(op->map);
		h->parts[0] = (struct pmemset_part_entry){
			.map = op->map, .addr = addr, .size = op->length};
		h->nparts = 1;
		pl->rsv->nparts++;
		op->map = NULL;
		op->map_left = true;
		h->node.start = (uintptr_t)addr;
		h->node.end = (uintptr_t)addr + op->length;
	} else {
		struct pmem2_vm_reservation *rsv = pl->rsv->rsv;
		h->node.start =
			(uintptr_t)pmem2_vm_reservation_get_address(rsv);
		h->node.end =
			h->node.start + pmem2_vm_reservation_get_size(rsv);
	}
	if (pl->rsv == op->newrsv)
		op->newrsv = NULL;
	pmemset_leftover_add(op->set, h);
	err_append("; then libpmem2 could not %s [%p, %p) (libpmem2 error %d): "
		   "the set keeps it until pmemset_remove_range over it or "
		   "pmemset_delete",
		   with_map ? "unmap the part at" : "release the reservation",
		   (void *)h->node.start, (void *)h->node.end, r);
}

/* Choose the address and map the part there. */
static int map_place(struct map_op *op)
{
	struct pmemset *set = op->set;
	struct pmemset_placement *pl = &op->pl;
	int r, ret = pmemset_place(set, op->length, op->align, op->newrsv, pl);
	if (ret)
		return ret;

	ret = pmem2_config_set_vm_reservation(op->cfg2, pl->rsv->rsv, pl->off);
	if (ret) {
		pmemset_err_pmem2(ret,
				  "cannot place the part at offset %zu of "
				  "a reservation",
				  pl->off);
		ret = PMEMSET_E_INVALID_PMEM2_MAP;
		goto err_placed;
	}
	ret = pmem2_map_new(&op->map, op->cfg2, op->src->pmem2);
	if (ret) {
		ret = map_error(ret);
		goto err_placed;
	}
	ret = check_granularity(set, op->map);
	if (ret)
		goto err_map;
	return 0;

err_map:
	r = pmem2_map_delete(&op->map);
	if (r) {
		map_leave(op, r, true); /* the place stays taken */
		return ret;
	}
err_placed:
	r = pmemset_placement_undo(set, pl, op->newrsv);
	if (r)
		map_leave(op, r, false);
	return ret;
}

/* ---- 3. commit (under the write lock; cannot fail) ---- */

/* The first part fixes the set's granularity and data functions. */
static void publish_fns(struct pmemset *set, struct pmem2_map *map)
{
	set->granularity = pmem2_map_get_store_granularity(map);
	set->persist_fn = pmem2_get_persist_fn(map);
	set->flush_fn = pmem2_get_flush_fn(map);
	set->drain_fn = pmem2_get_drain_fn(map);
	set->memmove_fn = pmem2_get_memmove_fn(map);
	set->memcpy_fn = pmem2_get_memcpy_fn(map);
	set->memset_fn = pmem2_get_memset_fn(map);
	__atomic_store_n(&set->gran_valid, 1, __ATOMIC_RELEASE);
}

/* Put the mapped part into the set; *added is its entry, for the events. */
static void map_commit(struct map_op *op, struct pmemset_part_descriptor *desc,
		       struct pmemset_part_entry *added)
{
	struct pmemset *set = op->set;
	struct pmemset_placement *pl = &op->pl;
	if (!set->gran_valid)
		publish_fns(set, op->map);

	struct pmemset_part_entry e = {
		.map = op->map,
		.src = op->src,
		.addr = pmem2_map_get_address(op->map),
		.size = op->length,
		.sds = pmemset_sds_register(op->src, &op->ticket),
	};
	pmemset_source_get(op->src);
	struct pmemset_part_map *pm;
	if (pl->into) {
		pm = pl->into;
		pmemset_pmap_unlink(set, pm);
		pm->parts[pm->nparts++] = e;
		pmemset_pmap_insert(set, pm);
	} else {
		pm = op->newp;
		op->newp = NULL;
		pm->parts[0] = e;
		pm->nparts = 1;
		pm->rsv = pl->rsv;
		pmemset_pmap_insert(set, pm);
		pmemset_retarget(set, pm);
		if (pl->rsv == op->newrsv)
			op->newrsv = NULL;
	}
	pl->rsv->nparts++;
	if (desc) {
		desc->addr = (void *)pm->node.start;
		desc->size = pm->node.end - pm->node.start;
	}
	*added = e;
}

/* After the unlock: free what the commit did not use, then report. */
static void map_finish(struct map_op *op, const struct pmemset_part_entry *e)
{
	pmem2_config_delete(&op->cfg2);
	pmemset_pmap_free(op->newp);
	os_free(op->newrsv);
	if (op->extras && op->extras->sds_out)
		copy_sds_out(op->src, op->extras->sds_out);

	pmemset_fire_part_add(op->set, e->addr, e->size, op->src->pmem2);
	if (e->sds)
		pmemset_fire_sds_update(op->set, op->src);
}

int pmemset_map_internal(struct pmemset *set, struct pmemset_source *src,
			 size_t offset, size_t length,
			 struct pmemset_extras *extras,
			 struct pmemset_part_descriptor *desc)
{
	int ret = map_check_args(set, src, offset);
	if (ret)
		return ret;
	struct map_op op = {
		.set = set,
		.src = src,
		.offset = offset,
		.length = length,
		.extras = extras,
	};

	ret = map_check_source(&op);
	if (ret)
		goto err_sds_in;
	ret = map_range(src, offset, &op.length, &op.growth);
	if (ret)
		goto err_sds_in;
	ret = map_make_config(&op);
	if (ret)
		goto err_prepared;
	ret = map_check_alignment(src, op.length, &op.align);
	if (ret)
		goto err_prepared;
	ret = map_alloc(&op);
	if (ret)
		goto err_prepared;

	struct pmemset_wlock_frame f;
	ret = pmemset_lock_write(set, &f, "pmemset_map");
	if (ret)
		goto err_prepared;
	ret = map_place(&op);
	if (ret) {
		pmemset_unlock_write(set, &f);
		goto err_prepared;
	}
	struct pmemset_part_entry added;
	map_commit(&op, desc, &added);
	pmemset_unlock_write(set, &f);

	map_finish(&op, &added);
	pmemset_log_part_mapped(set, src, offset, &added, op.pl.into != NULL);
	return 0;

err_prepared:
	map_unprepare(&op);
err_sds_in:
	if (op.sds_in_attached)
		detach_sds_in(src, extras->sds_in);
	return ret;
}
