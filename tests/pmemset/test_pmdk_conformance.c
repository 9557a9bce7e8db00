/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_pmdk_conformance.c -- pinned cases where libpmemset must answer
 * exactly as PMDK's libpmemset documents.
 *
 * PMDK's libpmemset was never packaged (Debian ships no libpmemset), so
 * unlike libpmem2 (tests/compat, against Debian's PMDK) there is no oracle
 * library to ask at run time. Each expected value below is PMDK's
 * documented behaviour, pinned by hand, with the PMDK manual page and the
 * PMDK unit test (src/test/<dir>, case) that state it (PMDK's
 * libpmemset manual pages and tests, as last developed in PMDK's
 * repository before it was archived). Each case is a place where
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

/* ---- the order of pmemset_map's checks ----
 * PMDK: pmemset_map(3) and the map algorithm (api.md 2.5): the source's
 * shutdown state and bad blocks, then the length and the growth of the
 * file (PMEMSET_E_MAP_LENGTH_UNSET, PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL,
 * PMEMSET_E_CANNOT_GROW_SOURCE_FILE), then the libpmem2 config, then the
 * place (PMEMSET_E_LENGTH_UNALIGNED from the new reservation,
 * PMEMSET_E_CANNOT_FIT_PART_MAP in the caller's), then the map. */

static struct pmemset_map_config *map_config(size_t offset, size_t length)
{
	struct pmemset_map_config *mc = NULL;
	if (pmemset_map_config_new(&mc) ||
	    pmemset_map_config_set_offset(mc, offset)) {
		printf("cannot make a map config: %s\n", pmemset_errormsg());
		exit(2);
	}
	pmemset_map_config_set_length(mc, length);
	return mc;
}

/* PMDK: src/test/pmemset_part, test_part_map_invalid_source_temp: a part
 * of SIZE_MAX bytes of a temporary source cannot be grown into the file,
 * which comes before its length being unaligned. */
TEST(size_max_from_temporary_cannot_grow)
{
	struct pmemset_source *src;
	CHECK_RC(pmemset_source_from_temporary(&src, tmpdir()), 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_map_config *mc = map_config(0, SIZE_MAX);
	CHECK_RC(pmemset_map(set, src, mc, NULL),
		 PMEMSET_E_CANNOT_GROW_SOURCE_FILE);
	/* an aligned part that ends beyond INT64_MAX: the same */
	pmemset_map_config_delete(&mc);
	mc = map_config((size_t)INT64_MAX - (KB4 - 1), KB4);
	CHECK_RC(pmemset_map(set, src, mc, NULL),
		 PMEMSET_E_CANNOT_GROW_SOURCE_FILE);
	pmemset_map_config_delete(&mc);
	CHECK_RC(pmemset_delete(&set), 0);
	pmemset_source_delete(&src);
}

/* The same part of a file that may not grow: too small, before unaligned
 * (PMDK: pmemset_xsource_from_file(3), PMEMSET_SOURCE_FILE_DO_NOT_GROW;
 * step 4 of the map). */
TEST(size_max_do_not_grow_too_small)
{
	char path[256];
	struct pmemset_source *src = file_source(
		path, sizeof(path), KB4, PMEMSET_SOURCE_FILE_DO_NOT_GROW);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	struct pmemset_map_config *mc = map_config(0, SIZE_MAX);
	CHECK_RC(pmemset_map(set, src, mc, NULL),
		 PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL);
	pmemset_map_config_delete(&mc);
	mc = map_config(0, 2 * KB4 + 1);
	CHECK_RC(pmemset_map(set, src, mc, NULL),
		 PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL);
	/* within the file: the length's alignment is what is wrong */
	pmemset_map_config_delete(&mc);
	mc = map_config(0, 100);
	CHECK_RC(pmemset_map(set, src, mc, NULL), PMEMSET_E_LENGTH_UNALIGNED);
	pmemset_map_config_delete(&mc);
	CHECK_RC(pmemset_delete(&set), 0);
	pmemset_source_delete(&src);
	unlink(path);
}

/* An empty source and length 0 (the whole source): MAP_LENGTH_UNSET; an
 * unaligned length on a file that grows: LENGTH_UNALIGNED, found after the
 * growth (which this library then gives back). */
TEST(length_checks)
{
	char path[256];
	struct pmemset_source *src = file_source(path, sizeof(path), 0, 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	CHECK_RC(pmemset_map(set, src, NULL, NULL), PMEMSET_E_MAP_LENGTH_UNSET);
	struct pmemset_map_config *mc = map_config(0, KB4 + 100);
	CHECK_RC(pmemset_map(set, src, mc, NULL), PMEMSET_E_LENGTH_UNALIGNED);
	CHECK_EQ(file_size(path), 0);
	pmemset_map_config_delete(&mc);
	CHECK_RC(pmemset_delete(&set), 0);
	pmemset_source_delete(&src);
	unlink(path);
}

/* The place comes before the map: in a full reservation of the caller's,
 * a part that libpmem2 would refuse (unaligned offset) is
 * PMEMSET_E_CANNOT_FIT_PART_MAP (PMDK: pmemset_map(3),
 * pmemset_config_set_reservation(3)). */
TEST(place_before_map)
{
	char path[256];
	struct pmemset_source *src =
		file_source(path, sizeof(path), 4 * KB4, 0);
	struct pmem2_vm_reservation *rsv;
	CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, KB4), 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, rsv, NULL, NULL);
	struct pmemset_map_config *mc = map_config(0, KB4);
	CHECK_RC(pmemset_map(set, src, mc, NULL), 0); /* now full */
	pmemset_map_config_delete(&mc);
	mc = map_config(100, KB4);
	CHECK_RC(pmemset_map(set, src, mc, NULL),
		 PMEMSET_E_CANNOT_FIT_PART_MAP);
	pmemset_map_config_delete(&mc);
	CHECK_RC(pmemset_delete(&set), 0);
	CHECK_RC(pmem2_vm_reservation_delete(&rsv), 0);
	pmemset_source_delete(&src);
	unlink(path);
}

int main(void)
{
	RUN(persist_fires_flush_then_drain);
	RUN(temporary_in_missing_directory);
	RUN(size_max_from_temporary_cannot_grow);
	RUN(size_max_do_not_grow_too_small);
	RUN(length_checks);
	RUN(place_before_map);
	return test_done();
}
