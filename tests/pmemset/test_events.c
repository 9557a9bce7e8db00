/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_events.c -- the event callback: which events each operation fires,
 * how many, in which order and with which payload. PART_ADD reports the
 * part added (also when it was coalesced into a larger part map),
 * pmemset_persist fires FLUSH then DRAIN (never PERSIST), removals fire
 * one PART_REMOVE per part,
 * REMOVE_RANGE comes first. Callbacks running under the set's write lock
 * can use data operations but get -EDEADLK (not a deadlock) from calls that
 * change or walk the set; callbacks of PART_ADD run unlocked.
 */
#include "pmemset_test.h"

static struct recorder rec;

TEST(map_events)
{
	struct pmem2_source *p2;
	struct pmemset_source *src = anon_source(8 * KB4, &p2);
	struct pmemset *set =
		mkset(PMEM2_GRANULARITY_PAGE, NULL, record_cb, &rec);
	struct pmemset_map_config *mc;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_length(mc, 2 * KB4);
	struct pmemset_part_descriptor d1, d2;

	rec_reset(&rec);
	CHECK_RC(pmemset_map(set, src, mc, &d1), 0);
	CHECK_EQ(rec.n, 1);
	CHECK_EQ(rec.ev[0].type, PMEMSET_EVENT_PART_ADD);
	CHECK(rec.ev[0].data.part_add.addr == d1.addr, "PART_ADD addr");
	CHECK_EQ(rec.ev[0].data.part_add.len, 2 * KB4);
	CHECK(rec.ev[0].data.part_add.src == p2, "PART_ADD pmem2 source");

	/* coalesced: the event is about the new part only */
	pmemset_set_contiguous_part_coalescing(set, PMEMSET_COALESCING_FULL);
	pmemset_map_config_set_length(mc, KB4);
	rec_reset(&rec);
	CHECK_RC(pmemset_map(set, src, mc, &d2), 0);
	CHECK(d2.addr == d1.addr && d2.size == 3 * KB4,
	      "descriptor: the whole part map");
	CHECK_EQ(rec.n, 1);
	CHECK(rec.ev[0].data.part_add.addr == (char *)d1.addr + 2 * KB4,
	      "PART_ADD: the added part's address");
	CHECK_EQ(rec.ev[0].data.part_add.len, KB4);

	/* remove_part_map: one PART_REMOVE per part, in address order */
	struct pmemset_part_map *pm;
	pmemset_part_map_by_address(set, &pm, d1.addr);
	rec_reset(&rec);
	CHECK_RC(pmemset_remove_part_map(set, &pm), 0);
	CHECK_EQ(rec.n, 2);
	CHECK_EQ(rec.count[PMEMSET_EVENT_PART_REMOVE], 2);
	CHECK(rec.ev[0].data.part_remove.addr == d1.addr &&
		      rec.ev[0].data.part_remove.len == 2 * KB4,
	      "first part");
	CHECK(rec.ev[1].data.part_remove.addr == (char *)d1.addr + 2 * KB4 &&
		      rec.ev[1].data.part_remove.len == KB4,
	      "second part");

	/* remove_range: REMOVE_RANGE (as given) first, then the parts */
	pmemset_set_contiguous_part_coalescing(set, PMEMSET_COALESCING_NONE);
	CHECK_RC(pmemset_map(set, src, mc, &d1), 0);
	rec_reset(&rec);
	CHECK_RC(pmemset_remove_range(set, (char *)d1.addr + 100, 10), 0);
	CHECK_EQ(rec.n, 2);
	CHECK_EQ(rec.ev[0].type, PMEMSET_EVENT_REMOVE_RANGE);
	CHECK(rec.ev[0].data.remove_range.addr == (char *)d1.addr + 100 &&
		      rec.ev[0].data.remove_range.len == 10,
	      "REMOVE_RANGE payload");
	CHECK_EQ(rec.ev[1].type, PMEMSET_EVENT_PART_REMOVE);
	CHECK(rec.ev[1].data.part_remove.addr == d1.addr &&
		      rec.ev[1].data.part_remove.len == KB4,
	      "the whole part goes");

	/* delete unmaps silently */
	CHECK_RC(pmemset_map(set, src, mc, &d1), 0);
	rec_reset(&rec);
	pmemset_delete(&set);
	CHECK_EQ(rec.n, 0);
	pmemset_map_config_delete(&mc);
	pmemset_source_delete(&src);
	pmem2_source_delete(&p2);
}

TEST(data_events)
{
	struct pmem2_source *p2;
	struct pmemset_source *src = anon_source(KB4, &p2);
	struct pmemset *set =
		mkset(PMEM2_GRANULARITY_PAGE, NULL, record_cb, &rec);
	struct pmemset_part_descriptor d;
	CHECK_RC(pmemset_map(set, src, NULL, &d), 0);
	char *a = d.addr, buf[100] = {0};
	rec.ret = 17; /* ignored by all of these */

	rec_reset(&rec);
	pmemset_memcpy(set, a, buf, 100, PMEMSET_F_MEM_NONTEMPORAL);
	CHECK_EQ(rec.n, 2);
	CHECK_EQ(rec.ev[0].type, PMEMSET_EVENT_COPY);
	CHECK(rec.ev[0].data.copy.dest == a && rec.ev[0].data.copy.src == buf &&
		      rec.ev[0].data.copy.len == 100 &&
		      rec.ev[0].data.copy.flags == PMEMSET_F_MEM_NONTEMPORAL,
	      "COPY payload");
	CHECK_EQ(rec.ev[1].type, PMEMSET_EVENT_DRAIN);

	rec_reset(&rec);
	pmemset_memcpy(set, a, buf, 100, PMEMSET_F_MEM_NODRAIN);
	CHECK_EQ(rec.n, 1); /* no drain, no DRAIN */

	rec_reset(&rec);
	pmemset_memmove(set, a + 1, a, 50, 0);
	CHECK_EQ(rec.n, 2);
	CHECK_EQ(rec.ev[0].type, PMEMSET_EVENT_MOVE);
	CHECK(rec.ev[0].data.move.dest == a + 1 &&
		      rec.ev[0].data.move.src == a &&
		      rec.ev[0].data.move.len == 50,
	      "MOVE payload");
	CHECK_EQ(rec.ev[1].type, PMEMSET_EVENT_DRAIN);

	rec_reset(&rec);
	pmemset_memset(set, a, 0x7f, 64, PMEMSET_F_MEM_WB);
	CHECK_EQ(rec.n, 2);
	CHECK_EQ(rec.ev[0].type, PMEMSET_EVENT_SET);
	CHECK(rec.ev[0].data.set.dest == a &&
		      rec.ev[0].data.set.value == 0x7f &&
		      rec.ev[0].data.set.len == 64 &&
		      rec.ev[0].data.set.flags == PMEMSET_F_MEM_WB,
	      "SET payload");

	/* persist = flush + drain: FLUSH (before), DRAIN (after); PMDK's
	 * pmemset_config_set_event_callback(3) */
	rec_reset(&rec);
	CHECK_RC(pmemset_persist(set, a, 64), 0);
	CHECK_EQ(rec.n, 2);
	CHECK_EQ(rec.ev[0].type, PMEMSET_EVENT_FLUSH);
	CHECK(rec.ev[0].data.flush.addr == a && rec.ev[0].data.flush.len == 64,
	      "FLUSH payload");
	CHECK_EQ(rec.ev[1].type, PMEMSET_EVENT_DRAIN);
	CHECK_EQ(rec.count[PMEMSET_EVENT_PERSIST], 0);

	rec_reset(&rec);
	CHECK_RC(pmemset_flush(set, a + 8, 32), 0);
	CHECK_EQ(rec.n, 1);
	CHECK_EQ(rec.ev[0].type, PMEMSET_EVENT_FLUSH);
	CHECK(rec.ev[0].data.flush.addr == a + 8 &&
		      rec.ev[0].data.flush.len == 32,
	      "FLUSH payload");

	rec_reset(&rec);
	CHECK_RC(pmemset_drain(set), 0);
	CHECK_EQ(rec.n, 1);
	CHECK_EQ(rec.ev[0].type, PMEMSET_EVENT_DRAIN);

	/* deep flush fires nothing */
	rec_reset(&rec);
	CHECK_RC(pmemset_deep_flush(set, a, 64), 0);
	CHECK_EQ(rec.n, 0);
	rec.ret = 0;
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	pmem2_source_delete(&p2);
}

/* ---- callbacks calling back into the library ---- */

struct reenter {
	struct pmemset_source *src;
	int map_rc, lookup_rc, persist_rc, remove_rc, delete_rc, flush_rc;
	struct pmemset_part_map *first;
	size_t desc_size;
	int calls;
};

static int reenter_cb(struct pmemset *set, struct pmemset_event_context *ctx,
		      void *arg)
{
	struct reenter *r = arg;
	struct pmemset_part_map *pm = NULL;
	switch (ctx->type) {
	case PMEMSET_EVENT_PART_REMOVE:
		r->calls++;
		r->map_rc = pmemset_map(set, r->src, NULL, NULL);
		r->lookup_rc = pmemset_part_map_by_address(
			set, &pm, ctx->data.part_remove.addr);
		pmemset_first_part_map(set, &r->first);
		r->persist_rc =
			pmemset_persist(set, ctx->data.part_remove.addr, 8);
		r->flush_rc =
			pmemset_deep_flush(set, ctx->data.part_remove.addr, 8);
		r->remove_rc = pmemset_remove_range(set, NULL, 1);
		r->delete_rc = pmemset_delete(&set);
		break;
	case PMEMSET_EVENT_PART_ADD:
		/* not locked: lookups work */
		r->lookup_rc = pmemset_part_map_by_address(
			set, &pm, ctx->data.part_add.addr);
		if (pm)
			r->desc_size = pmemset_descriptor_part_map(pm).size;
		pmemset_part_map_drop(&pm);
		break;
	default:
		break;
	}
	return 0;
}

TEST(reentrant_callbacks)
{
	struct pmem2_source *p2;
	struct reenter r = {0};
	r.src = anon_source(KB4, &p2);
	struct pmemset *set =
		mkset(PMEM2_GRANULARITY_PAGE, NULL, reenter_cb, &r);
	struct pmemset_part_descriptor d;
	CHECK_RC(pmemset_map(set, r.src, NULL, &d), 0);
	CHECK_RC(r.lookup_rc, 0);
	CHECK_EQ(r.desc_size, KB4);
	r.lookup_rc = 1;
	CHECK_RC(pmemset_remove_range(set, d.addr, KB4), 0);
	CHECK_EQ(r.calls, 1);
	CHECK_RC(r.map_rc, -EDEADLK);
	CHECK_RC(r.lookup_rc, -EDEADLK);
	CHECK(r.first == NULL, "first_part_map gives nothing");
	CHECK_RC(r.persist_rc, 0);
	CHECK_RC(r.flush_rc, 0);
	CHECK_RC(r.remove_rc, -EDEADLK);
	CHECK_RC(r.delete_rc, -EDEADLK);
	/* the set is fine afterwards */
	CHECK_RC(pmemset_map(set, r.src, NULL, &d), 0);
	CHECK_RC(pmemset_delete(&set), 0);
	pmemset_source_delete(&r.src);
	pmem2_source_delete(&p2);
}

/* remove_range(A) -> B's PART_REMOVE ... back into A, across two sets */
static struct pmemset *nest_a, *nest_b;
static struct pmemset_source *nest_src;
static void *nest_b_part;
static int nest_map_rc = 1, nest_flush_rc = 1;

static int nest_a_cb(struct pmemset *set, struct pmemset_event_context *ctx,
		     void *arg)
{
	(void)set;
	(void)arg;
	if (ctx->type == PMEMSET_EVENT_PART_REMOVE && nest_b_part) {
		void *p = nest_b_part;
		nest_b_part = NULL;
		CHECK_RC(pmemset_remove_range(nest_b, p, KB4), 0);
	}
	return 0;
}

static int nest_b_cb(struct pmemset *set, struct pmemset_event_context *ctx,
		     void *arg)
{
	(void)set;
	(void)arg;
	if (ctx->type == PMEMSET_EVENT_PART_REMOVE) {
		nest_map_rc = pmemset_map(nest_a, nest_src, NULL, NULL);
		nest_flush_rc = pmemset_deep_flush(nest_a, ctx, 1);
	}
	return 0;
}

TEST(reentry_across_sets)
{
	struct pmem2_source *p2;
	nest_src = anon_source(KB4, &p2);
	nest_a = mkset(PMEM2_GRANULARITY_PAGE, NULL, nest_a_cb, NULL);
	nest_b = mkset(PMEM2_GRANULARITY_PAGE, NULL, nest_b_cb, NULL);
	struct pmemset_part_descriptor da, db;
	CHECK_RC(pmemset_map(nest_a, nest_src, NULL, &da), 0);
	CHECK_RC(pmemset_map(nest_b, nest_src, NULL, &db), 0);
	nest_b_part = db.addr;
	CHECK_RC(pmemset_remove_range(nest_a, da.addr, KB4), 0);
	CHECK_RC(nest_map_rc, -EDEADLK); /* A is being changed */
	CHECK_RC(nest_flush_rc, 0);	 /* no deadlock on A's lock either */
	struct pmemset_part_map *pm = NULL;
	pmemset_first_part_map(nest_a, &pm);
	CHECK(pm == NULL, "A is empty");
	pmemset_first_part_map(nest_b, &pm);
	CHECK(pm == NULL, "B is empty");
	pmemset_delete(&nest_a);
	pmemset_delete(&nest_b);
	pmemset_source_delete(&nest_src);
	pmem2_source_delete(&p2);
}

int main(void)
{
	RUN(map_events);
	RUN(data_events);
	RUN(reentrant_callbacks);
	RUN(reentry_across_sets);
	return test_done();
}
