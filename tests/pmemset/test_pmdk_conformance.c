/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_pmdk_conformance.c -- pinned cases where libpmemset must answer
 * exactly as PMDK's libpmemset documents.
 *
 * PMDK's libpmemset was never packaged (Debian ships no libpmemset), so
 * unlike libpmem2 (tests/compat, against Debian's PMDK) there is no oracle
 * library to ask at run time. Each expected value below is PMDK's
 * documented behaviour, pinned by hand, with the PMDK manual page and the
 * PMDK unit test (src/test/<dir>, case) that state it; the facts are
 * collected in ../shared/spec/api.md section 2. Each case is a place where
 * PMDK's own tests, run against this library, once failed (issue 8).
 */
#include "pmemset_test.h"

/* ---- pmemset_persist reports FLUSH, then DRAIN ----
 * PMDK: pmemset_config_set_event_callback(3) (pmemset_persist fires
 * PMEMSET_EVENT_FLUSH with {addr, len}, then PMEMSET_EVENT_DRAIN;
 * PMEMSET_EVENT_PERSIST is never fired); src/test/pmemset_events,
 * test_pmemset_persist_event. */

struct persist_seen {
	int n;
	enum pmemset_event type[4];
	void *flush_addr;
	size_t flush_len;
};

static int persist_cb(struct pmemset *set, struct pmemset_event_context *ctx,
		      void *arg)
{
	(void)set;
	struct persist_seen *s = arg;
	if (s->n < 4)
		s->type[s->n] = ctx->type;
	s->n++;
	if (ctx->type == PMEMSET_EVENT_FLUSH) {
		s->flush_addr = ctx->data.flush.addr;
		s->flush_len = ctx->data.flush.len;
	}
	return 0;
}

TEST(persist_fires_flush_then_drain)
{
	char path[256];
	struct pmemset_source *src =
		file_source(path, sizeof(path), 4 * KB4, 0);
	struct persist_seen seen = {0};
	struct pmemset *set =
		mkset(PMEM2_GRANULARITY_PAGE, NULL, persist_cb, &seen);
	struct pmemset_part_descriptor d;
	CHECK_RC(pmemset_map(set, src, NULL, &d), 0);
	seen.n = 0;
	char *p = (char *)d.addr + 100;
	CHECK_RC(pmemset_persist(set, p, d.size - 100), 0);
	CHECK_EQ(seen.n, 2);
	CHECK_EQ(seen.type[0], PMEMSET_EVENT_FLUSH);
	CHECK_EQ(seen.type[1], PMEMSET_EVENT_DRAIN);
	CHECK(seen.flush_addr == p && seen.flush_len == d.size - 100,
	      "FLUSH {%p, %zu}, expected {%p, %zu}", seen.flush_addr,
	      seen.flush_len, (void *)p, d.size - 100);
	CHECK_RC(pmemset_delete(&set), 0);
	pmemset_source_delete(&src);
	unlink(path);
}

/* ---- a temporary file in a directory that does not exist ----
 * PMDK: pmemset_source_from_temporary(3), ERRORS: "the provided directory
 * path string is NULL or provided path does not exist" is
 * PMEMSET_E_INVALID_SOURCE_PATH (not PMEMSET_E_CANNOT_CREATE_TEMP_FILE,
 * which is for a file that cannot be made). */
TEST(temporary_in_missing_directory)
{
	char dir[256];
	tmppath(dir, sizeof(dir), "no-such-dir");
	struct pmemset_source *src = (void *)1;
	CHECK_RC(pmemset_source_from_temporary(&src, dir),
		 PMEMSET_E_INVALID_SOURCE_PATH);
	CHECK(src == NULL, "NULLed");
	CHECK_RC(pmemset_source_from_temporary(&src, NULL),
		 PMEMSET_E_INVALID_SOURCE_PATH);
}

int main(void)
{
	RUN(persist_fires_flush_then_drain);
	RUN(temporary_in_missing_directory);
	return test_done();
}
