/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_map_races.c -- what other threads may see while pmem2_map_new runs.
 *
 * 1. No hole: mapping a file that is not on DAX makes the kernel refuse
 *    MAP_SYNC. If that refusal came from a MAP_FIXED attempt over the
 *    reserved range, the kernel would already have removed the range, and
 *    the plain mapping that follows would replace whatever another thread
 *    mapped into the hole meanwhile (PMDK 1.12.1 does this). Here another
 *    thread keeps asking for anonymous pages at the address the last map
 *    had; each page it gets must stay its own, and the file must never see
 *    its writes.
 * 2. Complete when visible: a map placed in a reservation can be found by
 *    pmem2_vm_reservation_map_find* from another thread only once it is
 *    complete (its functions set, registered so that it can be deleted).
 *
 * Both are races: the loops are bounded in time and count, and a broken
 * library fails them within a fraction of that (measured with reproducers
 * against the broken code: every run).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <libpmem2.h>
#include "test.h"

#define FILE_LEN (4u << 20)
#define FILL 0xab

static int iterations(int native)
{
	return getenv("PMEM2_TEST_VALGRIND") ? native / 50 : native;
}

/* ---- 1. no hole ---- */

static volatile uintptr_t last_addr;
static volatile int stop;
static long got, replaced;

static void *squatter(void *arg)
{
	(void)arg;
	while (!stop) {
		uintptr_t x = last_addr;
		if (!x)
			continue;
		volatile unsigned char *p =
			mmap((void *)x, 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			continue;
		if ((uintptr_t)p == x) {
			got++;
			p[0] = 0x11;
			for (volatile int i = 0; i < 2000; i++)
				;
			if (p[0] != 0x11)
				replaced++;
		}
		munmap((void *)p, 4096);
	}
	return NULL;
}

TEST(no_hole_while_map_sync_is_refused)
{
	int fd = test_tmpfile(FILE_LEN, NULL, 0, 0);
	unsigned char *buf = malloc(FILE_LEN);
	struct pmem2_source *src;
	struct pmem2_config *cfg;
	pthread_t t;

	memset(buf, FILL, FILE_LEN);
	CHECK_EQ(pwrite(fd, buf, FILE_LEN, 0), FILE_LEN);
	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	CHECK_RC(pmem2_config_new(&cfg), 0);
	CHECK_RC(pmem2_config_set_required_store_granularity(
			 cfg, PMEM2_GRANULARITY_PAGE),
		 0);

	stop = 0;
	pthread_create(&t, NULL, squatter, NULL);
	int n = iterations(30000), failures = 0;
	time_t deadline = time(NULL) + 20;
	for (int i = 0; i < n && time(NULL) < deadline; i++) {
		struct pmem2_map *m;
		if (pmem2_map_new(&m, cfg, src)) {
			failures++;
			continue;
		}
		last_addr = (uintptr_t)pmem2_map_get_address(m);
		CHECK_RC(pmem2_map_delete(&m), 0);
	}
	stop = 1;
	pthread_join(t, NULL);
	CHECK(failures == 0, "%d maps failed: %s", failures, pmem2_errormsg());
	CHECK(replaced == 0,
	      "another thread's page was replaced by the file %ld times "
	      "(of %ld pages it got at a map's former address)",
	      replaced, got);
	CHECK_EQ(pread(fd, buf, FILE_LEN, 0), FILE_LEN);
	size_t bad = 0;
	for (size_t i = 0; i < FILE_LEN; i++)
		bad += buf[i] != FILL;
	CHECK(bad == 0, "the file got %zu bytes of another thread's writes",
	      bad);
	printf("no hole: the other thread got the old address %ld times\n",
	       got);

	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
	free(buf);
	close(fd);
}

/* ---- 2. complete when visible ---- */

#define NMAPS 4000
static struct pmem2_vm_reservation *rsv;
static volatile int mapping_done;
static long seen, incomplete;

static void *finder(void *arg)
{
	(void)arg;
	while (!mapping_done) {
		struct pmem2_map *m;
		if (pmem2_vm_reservation_map_find_last(rsv, &m))
			continue;
		seen++;
		if (!pmem2_get_persist_fn(m) || !pmem2_get_memcpy_fn(m) ||
		    !pmem2_get_memset_fn(m) || !pmem2_get_drain_fn(m) ||
		    pmem2_map_get_store_granularity(m) !=
			    PMEM2_GRANULARITY_BYTE)
			incomplete++;
	}
	return NULL;
}

TEST(maps_complete_when_visible)
{
	int n = iterations(NMAPS);
	struct pmem2_map **maps = calloc(n, sizeof(*maps));
	struct pmem2_source *src;
	struct pmem2_config *cfg;
	pthread_t t;

	CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, (size_t)n * 4096), 0);
	CHECK_RC(pmem2_source_from_anon(&src, 4096), 0);
	CHECK_RC(pmem2_config_new(&cfg), 0);
	CHECK_RC(pmem2_config_set_required_store_granularity(
			 cfg, PMEM2_GRANULARITY_PAGE),
		 0);
	mapping_done = 0;
	pthread_create(&t, NULL, finder, NULL);
	for (int i = 0; i < n; i++) {
		pmem2_config_set_vm_reservation(cfg, rsv, (size_t)i * 4096);
		CHECK_RC(pmem2_map_new(&maps[i], cfg, src), 0);
	}
	mapping_done = 1;
	pthread_join(t, NULL);
	CHECK(incomplete == 0,
	      "%ld of %ld maps found by another thread were incomplete",
	      incomplete, seen);
	printf("complete when visible: %ld lookups found a map\n", seen);
	for (int i = 0; i < n; i++)
		if (maps[i])
			CHECK_RC(pmem2_map_delete(&maps[i]), 0);
	CHECK_RC(pmem2_vm_reservation_delete(&rsv), 0);
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
	free(maps);
}

int main(void)
{
	RUN(no_hole_while_map_sync_is_refused);
	RUN(maps_complete_when_visible);
	return test_done();
}
