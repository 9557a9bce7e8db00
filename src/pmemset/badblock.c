/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * badblock.c -- bad blocks of a source: the scan pmemset_map runs when a
 * source has bad-block detection on, and pmemset_badblock_clear.
 *
 * The scan reports each bad block to the set's callback
 * (PMEMSET_EVENT_BADBLOCK), expecting the application to repair it, e.g.
 * with pmemset_badblock_clear from inside the callback. If blocks were
 * reported, the source is scanned again: blocks still there fail the map
 * (PMEMSET_E_IO_FAIL); none left fires PMEMSET_EVENT_BADBLOCKS_CLEARED,
 * whose non-zero callback result aborts the map. A file that is not on
 * persistent memory at all has no bad blocks to report.
 */
#include <errno.h>

#include "core/err.h"
#include "core/util.h"
#include "events.h"

/* libpmem2's code -> ours, where we have one. */
static int bb_code(int ret)
{
	switch (ret) {
	case PMEM2_E_NOSUPP:
		return PMEMSET_E_BADBLOCK_NOSUPP;
	case PMEM2_E_DAX_REGION_NOT_FOUND:
		return PMEMSET_E_DAX_REGION_NOT_FOUND;
	case PMEM2_E_CANNOT_READ_BOUNDS:
		return PMEMSET_E_CANNOT_READ_BOUNDS;
	case PMEM2_E_OFFSET_OUT_OF_RANGE:
		return PMEMSET_E_OFFSET_OUT_OF_RANGE;
	case PMEM2_E_LENGTH_OUT_OF_RANGE:
		return PMEMSET_E_LENGTH_OUT_OF_RANGE;
	default:
		return ret;
	}
}

/* Count the bad blocks of the source, firing BADBLOCK for each if fire.
 * Returns the count or a negative code. */
static int scan(struct pmemset *set, struct pmemset_source *src, bool fire)
{
	struct pmem2_badblock_context *ctx = NULL;
	int ret = pmem2_badblock_context_new(&ctx, src->pmem2);
	if (ret == PMEM2_E_NO_BAD_BLOCK_FOUND)
		return 0; /* not on persistent memory: nothing can be bad */
	if (ret) {
		pmemset_err_pmem2(ret, "cannot look for bad blocks of the "
				       "source");
		return bb_code(ret);
	}
	int count = 0;
	struct pmem2_badblock bb2;
	while ((ret = pmem2_badblock_next(ctx, &bb2)) == 0) {
		count++;
		if (!fire)
			continue;
		struct pmemset_badblock bb = {bb2.offset, bb2.length};
		pmemset_fire_badblock(set, src, &bb);
	}
	if (ret != PMEM2_E_NO_BAD_BLOCK_FOUND) {
		pmemset_err_pmem2(ret, "cannot read the bad blocks of the "
				       "source");
		pmem2_badblock_context_delete(&ctx);
		return bb_code(ret);
	}
	pmem2_badblock_context_delete(&ctx);
	return count;
}

int pmemset_badblock_detect(struct pmemset *set, struct pmemset_source *src)
{
	if (!__atomic_load_n(&src->bb_detection, __ATOMIC_RELAXED))
		return 0;
	int found = scan(set, src, true);
	if (found <= 0)
		return found;
	int left = scan(set, src, false);
	if (left < 0)
		return left;
	if (left > 0) {
		err_set("%d of the %d bad blocks of the source are still there "
			"after the PMEMSET_EVENT_BADBLOCK events; clear them "
			"(pmemset_badblock_clear) from the callback, or repair "
			"the device",
			left, found);
		return PMEMSET_E_IO_FAIL;
	}
	int ret = pmemset_fire_badblocks_cleared(set, src);
	if (ret)
		err_set("the PMEMSET_EVENT_BADBLOCKS_CLEARED callback returned "
			"%d, which stops the map",
			ret);
	return ret;
}

PUBLIC int pmemset_badblock_clear(struct pmemset_badblock *bb,
				  struct pmemset_source *src)
{
	if (!bb || !src || !src->pmem2) {
		err_set("pmemset_badblock_clear: %s",
			!bb    ? "bb is NULL"
			: !src ? "src is NULL"
			       : "the source is deleted");
		return -EINVAL;
	}
	struct pmem2_badblock_context *ctx = NULL;
	int ret = pmem2_badblock_context_new(&ctx, src->pmem2);
	if (ret) {
		pmemset_err_pmem2(ret, "cannot open the bad blocks of the "
				       "source");
		return bb_code(ret);
	}
	struct pmem2_badblock bb2 = {bb->offset, bb->length};
	ret = pmem2_badblock_clear(ctx, &bb2);
	if (ret)
		pmemset_err_pmem2(ret,
				  "cannot clear the bad block at offset "
				  "%zu (%zu bytes)",
				  bb->offset, bb->length);
	pmem2_badblock_context_delete(&ctx);
	return bb_code(ret);
}
