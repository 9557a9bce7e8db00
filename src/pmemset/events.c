/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * events.c -- the event contexts libpmemset hands to a set's callback, each
 * built here and nowhere else (see events.h for who fires what).
 *
 * A context lives on the stack of the firing call and is valid only during
 * the callback. Where it points at library data that may change under
 * another thread (the shutdown-state record of a source), it points at a
 * copy taken under the owner's lock.
 */
#include "events.h"

static int fire(struct pmemset *set, struct pmemset_event_context *ctx)
{
	if (!set->cfg.callback)
		return 0;
	return set->cfg.callback(set, ctx, set->cfg.arg);
}

void pmemset_fire_copy(struct pmemset *set, void *dest, void *src, size_t len,
		       unsigned flags)
{
	struct pmemset_event_context ctx = {0};
	ctx.type = PMEMSET_EVENT_COPY;
	ctx.data.copy = (struct pmemset_event_copy){src, dest, len, flags};
	(void)fire(set, &ctx);
}

void pmemset_fire_move(struct pmemset *set, void *dest, void *src, size_t len,
		       unsigned flags)
{
	struct pmemset_event_context ctx = {0};
	ctx.type = PMEMSET_EVENT_MOVE;
	ctx.data.move = (struct pmemset_event_move){src, dest, len, flags};
	(void)fire(set, &ctx);
}

void pmemset_fire_set(struct pmemset *set, void *dest, int value, size_t len,
		      unsigned flags)
{
	struct pmemset_event_context ctx = {0};
	ctx.type = PMEMSET_EVENT_SET;
	ctx.data.set.dest = dest;
	ctx.data.set.value = value;
	ctx.data.set.len = len;
	ctx.data.set.flags = flags;
	(void)fire(set, &ctx);
}

void pmemset_fire_flush(struct pmemset *set, void *addr, size_t len)
{
	struct pmemset_event_context ctx = {0};
	ctx.type = PMEMSET_EVENT_FLUSH;
	ctx.data.flush.addr = addr;
	ctx.data.flush.len = len;
	(void)fire(set, &ctx);
}

void pmemset_fire_drain(struct pmemset *set)
{
	struct pmemset_event_context ctx = {0};
	ctx.type = PMEMSET_EVENT_DRAIN;
	(void)fire(set, &ctx);
}

void pmemset_fire_part_add(struct pmemset *set, void *addr, size_t len,
			   struct pmem2_source *src)
{
	struct pmemset_event_context ctx = {0};
	ctx.type = PMEMSET_EVENT_PART_ADD;
	ctx.data.part_add.addr = addr;
	ctx.data.part_add.len = len;
	ctx.data.part_add.src = src;
	(void)fire(set, &ctx);
}

void pmemset_fire_part_remove(struct pmemset *set, void *addr, size_t len)
{
	struct pmemset_event_context ctx = {0};
	ctx.type = PMEMSET_EVENT_PART_REMOVE;
	ctx.data.part_remove.addr = addr;
	ctx.data.part_remove.len = len;
	(void)fire(set, &ctx);
}

void pmemset_fire_remove_range(struct pmemset *set, void *addr, size_t len)
{
	struct pmemset_event_context ctx = {0};
	ctx.type = PMEMSET_EVENT_REMOVE_RANGE;
	ctx.data.remove_range.addr = addr;
	ctx.data.remove_range.len = len;
	(void)fire(set, &ctx);
}

void pmemset_fire_sds_update(struct pmemset *set, struct pmemset_source *src)
{
	struct pmemset_sds snap;
	pthread_mutex_lock(&src->lock);
	snap = src->sds;
	pthread_mutex_unlock(&src->lock);
	struct pmemset_event_context ctx = {0};
	ctx.type = PMEMSET_EVENT_SDS_UPDATE;
	ctx.data.sds_update.sds = &snap;
	ctx.data.sds_update.src = src;
	(void)fire(set, &ctx);
}

void pmemset_fire_badblock(struct pmemset *set, struct pmemset_source *src,
			   struct pmemset_badblock *bb)
{
	struct pmemset_event_context ctx = {0};
	ctx.type = PMEMSET_EVENT_BADBLOCK;
	ctx.data.badblock.bb = bb;
	ctx.data.badblock.src = src;
	(void)fire(set, &ctx);
}

int pmemset_fire_badblocks_cleared(struct pmemset *set,
				   struct pmemset_source *src)
{
	struct pmemset_event_context ctx = {0};
	ctx.type = PMEMSET_EVENT_BADBLOCKS_CLEARED;
	ctx.data.badblocks_cleared.src = src;
	return fire(set, &ctx);
}
