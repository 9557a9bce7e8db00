/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_badblock.c -- bad-block detection at map time and
 * pmemset_badblock_clear, white-box: this program defines libpmem2's
 * bad-block functions itself (a list of fake bad blocks), so the static
 * libpmemset archive runs against them. Checks the BADBLOCK events and
 * their payload, the re-scan after the events (PMEMSET_E_IO_FAIL if blocks
 * remain, BADBLOCKS_CLEARED if the callback cleared them, its non-zero
 * return aborting the map), files not on pmem (nothing to report), and the
 * translation of libpmem2's errors.
 */
#include "../pmemset_test.h"
#include "pmemset/pmemset_internal.h"

/* ---- fake bad blocks ---- */

static struct pmem2_badblock bbs[8];
static int nbbs;
static int ctx_ret, next_ret, clear_ret;
static int contexts; /* live contexts: must end at 0 */
static int dummy_ctx;

int pmem2_badblock_context_new(struct pmem2_badblock_context **ctx,
			       const struct pmem2_source *src)
{
	(void)src;
	if (ctx_ret) {
		*ctx = NULL;
		return ctx_ret;
	}
	*ctx = (struct pmem2_badblock_context *)&dummy_ctx;
	dummy_ctx = 0; /* iteration position */
	contexts++;
	return 0;
}

int pmem2_badblock_next(struct pmem2_badblock_context *ctx,
			struct pmem2_badblock *bb)
{
	int *pos = (int *)ctx;
	if (next_ret)
		return next_ret;
	if (*pos >= nbbs)
		return PMEM2_E_NO_BAD_BLOCK_FOUND;
	*bb = bbs[(*pos)++];
	return 0;
}

void pmem2_badblock_context_delete(struct pmem2_badblock_context **ctx)
{
	if (*ctx)
		contexts--;
	*ctx = NULL;
}

int pmem2_badblock_clear(struct pmem2_badblock_context *ctx,
			 const struct pmem2_badblock *bb)
{
	(void)ctx;
	if (clear_ret)
		return clear_ret;
	for (int i = 0; i < nbbs; i++) {
		if (bbs[i].offset == bb->offset &&
		    bbs[i].length == bb->length) {
			bbs[i] = bbs[--nbbs];
			return 0;
		}
	}
	return PMEM2_E_OFFSET_OUT_OF_RANGE;
}

/* ---- callbacks ---- */

struct seen {
	int badblock, cleared, ret_cleared;
	bool clear;
	struct pmemset_badblock last;
	struct pmemset_source *src;
	int clear_rc;
};

static int cb(struct pmemset *set, struct pmemset_event_context *ctx, void *arg)
{
	(void)set;
	struct seen *s = arg;
	if (ctx->type == PMEMSET_EVENT_BADBLOCK) {
		s->badblock++;
		s->last = *ctx->data.badblock.bb;
		s->src = ctx->data.badblock.src;
		if (s->clear)
			s->clear_rc = pmemset_badblock_clear(
				ctx->data.badblock.bb, ctx->data.badblock.src);
	} else if (ctx->type == PMEMSET_EVENT_BADBLOCKS_CLEARED) {
		s->cleared++;
		s->src = ctx->data.badblocks_cleared.src;
		return s->ret_cleared;
	}
	return 0;
}

static struct pmem2_source *p2;

TEST(detection)
{
	struct seen s = {0};
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, cb, &s);
	struct pmemset_source *src;
	pmemset_source_from_pmem2(&src, p2);

	/* off by default */
	nbbs = 1;
	bbs[0] = (struct pmem2_badblock){4096, 512};
	CHECK_RC(pmemset_map(set, src, NULL, NULL), 0);
	CHECK_EQ(s.badblock, 0);

	/* on: reported, not cleared -> the map fails */
	pmemset_source_set_badblock_detection(src, true);
	CHECK_RC(pmemset_map(set, src, NULL, NULL), PMEMSET_E_IO_FAIL);
	CHECK_EQ(s.badblock, 1);
	CHECK(s.last.offset == 4096 && s.last.length == 512, "payload");
	CHECK(s.src == src, "event source");
	CHECK_EQ(s.cleared, 0);
	CHECK(strstr(pmemset_errormsg(), "still there") != NULL, "message: %s",
	      pmemset_errormsg());

	/* cleared by the callback -> BADBLOCKS_CLEARED, map goes on */
	nbbs = 2;
	bbs[1] = (struct pmem2_badblock){8192, 1024};
	s = (struct seen){0};
	s.clear = true;
	CHECK_RC(pmemset_map(set, src, NULL, NULL), 0);
	CHECK_EQ(s.badblock, 2);
	CHECK_RC(s.clear_rc, 0);
	CHECK_EQ(s.cleared, 1);
	CHECK_EQ(nbbs, 0);

	/* no bad blocks: no events */
	s = (struct seen){0};
	CHECK_RC(pmemset_map(set, src, NULL, NULL), 0);
	CHECK(s.badblock == 0 && s.cleared == 0, "quiet");

	/* the BADBLOCKS_CLEARED callback can stop the map */
	nbbs = 1;
	bbs[0] = (struct pmem2_badblock){0, 512};
	s = (struct seen){0};
	s.clear = true;
	s.ret_cleared = 42;
	CHECK_RC(pmemset_map(set, src, NULL, NULL), 42);

	/* a file not on pmem: nothing to report, map goes on */
	ctx_ret = PMEM2_E_NO_BAD_BLOCK_FOUND;
	CHECK_RC(pmemset_map(set, src, NULL, NULL), 0);
	/* errors of libpmem2, translated where we have a code */
	ctx_ret = PMEM2_E_NOSUPP;
	CHECK_RC(pmemset_map(set, src, NULL, NULL), PMEMSET_E_BADBLOCK_NOSUPP);
	ctx_ret = PMEM2_E_DAX_REGION_NOT_FOUND;
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_DAX_REGION_NOT_FOUND);
	ctx_ret = PMEM2_E_CANNOT_READ_BOUNDS;
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_CANNOT_READ_BOUNDS);
	ctx_ret = 0;
	next_ret = -EIO;
	CHECK_RC(pmemset_map(set, src, NULL, NULL), -EIO);
	next_ret = 0;
	CHECK_EQ(contexts, 0);

	/* nothing of the failed maps is left */
	int n = 0;
	struct pmemset_part_map *pm, *nx;
	pmemset_first_part_map(set, &pm);
	for (; pm; pm = nx, n++) {
		pmemset_next_part_map(set, pm, &nx);
		pmemset_part_map_drop(&pm);
	}
	CHECK_EQ(n, 4);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
}

TEST(clear)
{
	struct pmemset_source *src;
	pmemset_source_from_pmem2(&src, p2);
	nbbs = 1;
	bbs[0] = (struct pmem2_badblock){4096, 512};
	struct pmemset_badblock bb = {4096, 512};
	CHECK_RC(pmemset_badblock_clear(&bb, src), 0);
	CHECK_EQ(nbbs, 0);
	CHECK_RC(pmemset_badblock_clear(&bb, src),
		 PMEMSET_E_OFFSET_OUT_OF_RANGE);
	clear_ret = PMEM2_E_LENGTH_OUT_OF_RANGE;
	CHECK_RC(pmemset_badblock_clear(&bb, src),
		 PMEMSET_E_LENGTH_OUT_OF_RANGE);
	clear_ret = PMEM2_E_NOSUPP;
	CHECK_RC(pmemset_badblock_clear(&bb, src), PMEMSET_E_BADBLOCK_NOSUPP);
	clear_ret = -EPERM;
	CHECK_RC(pmemset_badblock_clear(&bb, src), -EPERM);
	CHECK(strstr(pmemset_errormsg(), "4096") != NULL, "message: %s",
	      pmemset_errormsg());
	clear_ret = 0;
	ctx_ret = PMEM2_E_DAX_REGION_NOT_FOUND;
	CHECK_RC(pmemset_badblock_clear(&bb, src),
		 PMEMSET_E_DAX_REGION_NOT_FOUND);
	ctx_ret = 0;
	CHECK_RC(pmemset_badblock_clear(NULL, src), -EINVAL);
	CHECK_RC(pmemset_badblock_clear(&bb, NULL), -EINVAL);
	CHECK_EQ(contexts, 0);
	pmemset_source_delete(&src);
}

int main(void)
{
	pmem2_source_from_anon(&p2, KB4);
	RUN(detection);
	RUN(clear);
	pmem2_source_delete(&p2);
	return test_done();
}
