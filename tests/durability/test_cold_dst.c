/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_cold_dst.c -- which stores a flag-less copy uses, by the history of
 * its destination (memops_cold in src/pmem2/memops.h).
 *
 * On BYTE and PAGE maps a flag-less copy or fill from the map's threshold
 * on streams into a destination this thread has not written lately (cold:
 * ordinary stores would first read every line from memory) and uses
 * ordinary stores into one it has (hot: the lines are in the cache), and on
 * BYTE maps into one that continues the previous one, up to a limit (the
 * prefetcher has it on the way). Flags
 * still decide where given, CACHE_LINE maps do not look at the history,
 * and copies larger than hot_max always stream. The instrumented library
 * counts every streaming and ordinary store, so this program checks the
 * choice call by call; that each choice is durable is test_durability's
 * proof. Skipped without a streaming engine (PMEM_NO_MOVNT=1).
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "test.h"
#include "pmem2/memops.h"
#include "pmem2/persist.h"

#define BYTE PMEM2_GRANULARITY_BYTE
#define PAGE PMEM2_GRANULARITY_PAGE
#define CL PMEM2_GRANULARITY_CACHE_LINE

static char *buf;
static size_t buf_len;
static char *src;

enum kind { STREAMED, ORDINARY };

/* one call; what kind of stores wrote the destination */
static enum kind call(enum pmem2_granularity g, bool set, size_t off,
		      size_t len, unsigned flags)
{
	struct pmem2_mem_ops ops;

	pmem2_mem_ops_get(g, &ops);
	memset(&pmem2_instr, 0, sizeof(pmem2_instr));
	if (set)
		ops.memset(buf + off, 0x5a, len, flags);
	else
		ops.memcpy(buf + off, src, len, flags);
	bool nt = pmem2_instr.nt_bytes == len;
	bool st = pmem2_instr.nt_bytes == 0 && pmem2_instr.stores > 0;
	CHECK(nt || st, "len %zu: %lu bytes streamed, %lu stores", len,
	      pmem2_instr.nt_bytes, pmem2_instr.stores);
	return nt ? STREAMED : ORDINARY;
}

static void history(enum pmem2_granularity g, bool set, size_t thr)
{
	const char *what = set ? "memset" : "memcpy";
	const char *gn = g == BYTE ? "BYTE" : "PAGE";

	memset(&pmem2_hot, 0, sizeof(pmem2_hot));
	CHECK(call(g, set, 0, 2 * thr, 0) == STREAMED, "%s %s: cold, streamed",
	      gn, what);
	CHECK(call(g, set, 0, 2 * thr, 0) == ORDINARY, "%s %s: again, ordinary",
	      gn, what);
	CHECK(call(g, set, thr, thr, 0) == ORDINARY,
	      "%s %s: inside it, ordinary", gn, what);
	CHECK(call(g, set, thr + 64, thr, 0) == STREAMED,
	      "%s %s: beyond its end, streamed", gn, what);
	CHECK(call(g, set, 4 * thr, thr, PMEM2_F_MEM_TEMPORAL) == ORDINARY,
	      "%s %s: TEMPORAL into a cold one, ordinary", gn, what);
	CHECK(call(g, set, 0, thr, PMEM2_F_MEM_NONTEMPORAL) == STREAMED,
	      "%s %s: NONTEMPORAL into a hot one, streamed", gn, what);
	CHECK(call(g, set, 8 * thr, thr - 1, 0) == ORDINARY,
	      "%s %s: below the threshold, cold, ordinary", gn, what);
	CHECK(call(g, set, 12 * thr, thr + 64, 0) == STREAMED,
	      "%s %s: another cold one, streamed", gn, what);
}

TEST(cold_streams_hot_does_not)
{
	const struct pmem2_persist_info *info = pmem2_persist_info();

	if (!info->page_hot_max)
		SKIP("PMEM_MOVNT_THRESHOLD is set: no guess on PAGE maps");
	history(BYTE, false, info->big_move_threshold);
	history(BYTE, true, info->big_set_threshold);
	history(PAGE, false, info->page_movnt_threshold);
	history(PAGE, true, info->page_movnt_threshold);
}

/* appending: ordinary stores up to the sequence limit, streaming beyond */
static void append(bool set, size_t seq_max, size_t thr)
{
	const char *what = set ? "memset" : "memcpy";
	size_t len = seq_max >= thr ? seq_max : thr;

	memset(&pmem2_hot, 0, sizeof(pmem2_hot));
	CHECK(call(BYTE, set, 0, len, 0) == STREAMED, "BYTE %s: first, cold",
	      what);
	CHECK(call(BYTE, set, len, len, 0) ==
		      (seq_max >= thr ? ORDINARY : STREAMED),
	      "BYTE %s: appended, %zu bytes, sequence limit %zu", what, len,
	      seq_max);
	CHECK(call(BYTE, set, 2 * len, len + 64, 0) == STREAMED,
	      "BYTE %s: appended, above the sequence limit", what);
	CHECK(call(PAGE, set, 8 * len, len, 0) == STREAMED,
	      "PAGE %s: no sequence rule, cold", what);
	CHECK(call(PAGE, set, 9 * len, len, 0) == STREAMED,
	      "PAGE %s: no sequence rule, appended", what);
}

TEST(appending)
{
	append(false, pmem2_tun.byte_seq_move_max,
	       pmem2_tun.big_move_threshold);
	append(true, pmem2_tun.byte_seq_set_max, pmem2_tun.big_set_threshold);
}

TEST(larger_than_hot_max_always_streams)
{
	size_t big = pmem2_persist_info()->hot_max + 4096;

	CHECK(big * 2 <= buf_len, "the buffer is large enough");
	memset(&pmem2_hot, 0, sizeof(pmem2_hot));
	for (int i = 0; i < 2; i++) {
		CHECK(call(BYTE, false, 0, big, 0) == STREAMED, "BYTE %d", i);
		CHECK(call(PAGE, true, 0, big, 0) == STREAMED, "PAGE %d", i);
	}
}

TEST(cache_line_ignores_history)
{
	size_t thr = pmem2_persist_info()->movnt_threshold;

	memset(&pmem2_hot, 0, sizeof(pmem2_hot));
	for (int i = 0; i < 2; i++) {
		CHECK(call(CL, false, 0, 4096 > thr ? 4096 : thr, 0) ==
			      STREAMED,
		      "CACHE_LINE copy %d", i);
		CHECK(call(CL, true, 0, 4096 > thr ? 4096 : thr, 0) == STREAMED,
		      "CACHE_LINE fill %d", i);
	}
}

int main(void)
{
	const struct pmem2_persist_info *info = pmem2_persist_info();

	if (!strcmp(info->engine, "generic") || !strcmp(info->engine, "libc")) {
		printf("SKIP: engine %s has no streaming stores\n",
		       info->engine);
		test_skipped++;
		return test_done();
	}
	/* room for two copies larger than hot_max, or 64 thresholds */
	buf_len = 2 * (info->hot_max + 4096);
	if (buf_len < 64 * info->big_move_threshold)
		buf_len = 64 * info->big_move_threshold;
	if (buf_len < 64 * info->big_set_threshold)
		buf_len = 64 * info->big_set_threshold;
	buf = mmap(NULL, buf_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	src = malloc(buf_len);
	if (buf == MAP_FAILED || !src) {
		perror("memory");
		return 2;
	}
	memset(src, 7, buf_len);

	RUN(cold_streams_hot_does_not);
	RUN(appending);
	RUN(larger_than_hot_max_always_streams);
	RUN(cache_line_ignores_history);

	munmap(buf, buf_len);
	free(src);
	return test_done();
}
