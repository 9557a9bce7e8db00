/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_registry_locks.c -- what the registry's lock may cover, and what a
 * persist racing with map_delete gets.
 *
 * A PAGE-granularity persist is an msync, which can block on I/O for
 * seconds. Here a thread's msync is made to block for as long as the test
 * wants (a hook of the OS seam, os_call_hook, holds it at the start of the
 * call) and, meanwhile, another thread must be able to create and delete
 * maps -- including the very map being persisted. Once released, the
 * persist finds its range unmapped: nothing of the deleted map is left to
 * sync, and that is not a failure (doc/durability.md). A range that is
 * still registered but not mapped (the memory under a
 * pmem2_map_from_existing map unmapped by the application) still is.
 * And a persist over more registered maps than the registry collects at a
 * time syncs every one of them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libpmem2.h>
#include "core/os.h"
#include "pmem2/page_sync.h"
#include "gate.h"
#include "test.h"

#define PS ((size_t)4096)
#define LEN ((size_t)1 << 20)
#define WAIT_S 10 /* generous: only a broken library waits this long */

static struct test_gate in_msync = TEST_GATE_INIT; /* the persist, held */
static struct test_gate worker_done = TEST_GATE_INIT;
static __thread bool block_me;

/* the OS_MSYNC hook: the marked thread waits in its msync until released */
static void msync_hook(void *arg)
{
	(void)arg;
	if (!block_me)
		return;
	block_me = false;
	gate_hold(&in_msync);
}

static struct pmem2_config *page_cfg(void)
{
	struct pmem2_config *cfg = NULL;
	CHECK_RC(pmem2_config_new(&cfg), 0);
	CHECK_RC(pmem2_config_set_required_store_granularity(
			 cfg, PMEM2_GRANULARITY_PAGE),
		 0);
	return cfg;
}

static struct pmem2_map *persisted;

static void *persister(void *arg)
{
	(void)arg;
	char *p = pmem2_map_get_address(persisted);
	pmem2_persist_fn persist = pmem2_get_persist_fn(persisted);
	p[0] = 1;
	block_me = true;
	persist(p, LEN);
	return NULL;
}

/* maps made and deleted while the persist is in msync, then the persisted
 * map itself deleted; the first failing call's code in worker_rc (the
 * harness's counters are not for other threads) */
static int worker_rc;

static void *worker(void *arg)
{
	struct pmem2_source *anon = arg;
	struct pmem2_config *cfg = NULL;
	struct pmem2_map *m = NULL;
	int rc = pmem2_config_new(&cfg);

	if (!rc)
		rc = pmem2_config_set_required_store_granularity(
			cfg, PMEM2_GRANULARITY_PAGE);
	for (int i = 0; i < 10 && !rc; i++) {
		rc = pmem2_map_new(&m, cfg, anon);
		if (!rc)
			rc = pmem2_map_delete(&m);
	}
	char *own = mmap(NULL, PS, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!rc)
		rc = pmem2_map_from_existing(&m, anon, own, PS,
					     PMEM2_GRANULARITY_BYTE);
	if (!rc)
		rc = pmem2_map_delete(&m);
	munmap(own, PS);
	if (!rc)
		rc = pmem2_map_delete(&persisted);
	pmem2_config_delete(&cfg);
	worker_rc = rc;
	gate_arrive(&worker_done);
	return NULL;
}

TEST(map_and_delete_during_persist)
{
	int fd = test_tmpfile(LEN, NULL, 0, 0);
	struct pmem2_source *src = NULL, *anon = NULL;
	struct pmem2_config *cfg = page_cfg();
	pthread_t p, w;

	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	CHECK_RC(pmem2_source_from_anon(&anon, 64 * PS), 0);
	CHECK_RC(pmem2_map_new(&persisted, cfg, src), 0);
	CHECK_EQ(pmem2_map_get_store_granularity(persisted),
		 PMEM2_GRANULARITY_PAGE);
	unsigned long failures = pmem2_persist_msync_failures();

	os_fault_reset();
	os_call_hook(OS_MSYNC, msync_hook, NULL);
	CHECK_EQ(pthread_create(&p, NULL, persister, NULL), 0);
	CHECK(gate_wait_arrived(&in_msync, WAIT_S),
	      "the persist never reached msync");
	CHECK_EQ(pthread_create(&w, NULL, worker, anon), 0);
	CHECK(gate_wait_arrived(&worker_done, WAIT_S),
	      "map_new/map_delete did not complete within %d s while "
	      "another thread's persist was in msync",
	      WAIT_S);
	gate_open(&in_msync);
	CHECK_EQ(pthread_join(w, NULL), 0);
	CHECK_EQ(pthread_join(p, NULL), 0);
	os_call_hook(OS_MSYNC, NULL, NULL);
	CHECK(worker_rc == 0, "worker: %d", worker_rc);

	/* the msync ran over the deleted map's range: ENOMEM, harmless */
	CHECK(os_fault_calls(OS_MSYNC) >= 1, "msync ran");
	CHECK_EQ(pmem2_persist_msync_failures(), failures);
	CHECK(persisted == NULL, "deleted by the worker");

	pmem2_config_delete(&cfg);
	pmem2_source_delete(&anon);
	pmem2_source_delete(&src);
	close(fd);
}

/* still registered, not mapped: an error, as before */
TEST(registered_but_unmapped)
{
	int fd = test_tmpfile(4 * PS, NULL, 0, 0);
	struct pmem2_source *src = NULL;
	struct pmem2_map *map = NULL;
	char *p = mmap(NULL, 4 * PS, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	CHECK_RC(pmem2_map_from_existing(&map, src, p, 4 * PS,
					 PMEM2_GRANULARITY_PAGE),
		 0);
	munmap(p + PS, PS); /* behind the library's back */
	unsigned long failures = pmem2_persist_msync_failures();
	pmem2_get_persist_fn(map)(p, 4 * PS);
	CHECK_EQ(pmem2_persist_msync_failures(), failures + 1);
	CHECK_EQ(pmem2_persist_msync_last_errno(), ENOMEM);
	CHECK_RC(pmem2_map_delete(&map), 0);
	munmap(p, 4 * PS);
	pmem2_source_delete(&src);
	close(fd);
}

/* a range over many registered maps (more than one batch) and gaps:
 * every map's part synced, once, nothing else */
TEST(many_maps_in_one_persist)
{
	enum { N = 40 };
	int fd = test_tmpfile(2 * N * PS, NULL, 0, 0);
	struct pmem2_source *src = NULL;
	struct pmem2_map *maps[N];
	char *p = mmap(NULL, 2 * N * PS, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       0);

	CHECK_RC(pmem2_source_from_fd(&src, fd), 0);
	for (int i = 0; i < N; i++) /* every other page */
		CHECK_RC(pmem2_map_from_existing(&maps[i], src, p + 2 * i * PS,
						 PS, PMEM2_GRANULARITY_PAGE),
			 0);
	unsigned long failures = pmem2_persist_msync_failures();
	os_fault_reset();
	pmem2_get_persist_fn(maps[0])(p, 2 * N * PS);
	CHECK_EQ(os_fault_calls(OS_MSYNC), N);
	os_fault_reset();
	/* from inside map 1 (page 2) to 100 bytes into map 16 (page 32) */
	pmem2_get_persist_fn(maps[0])(p + 2 * PS + 100, 30 * PS);
	CHECK_EQ(os_fault_calls(OS_MSYNC), 16);
	CHECK_EQ(pmem2_persist_msync_failures(), failures);
	for (int i = 0; i < N; i++)
		CHECK_RC(pmem2_map_delete(&maps[i]), 0);
	munmap(p, 2 * N * PS);
	pmem2_source_delete(&src);
	close(fd);
}

int main(void)
{
	RUN(map_and_delete_during_persist);
	RUN(registered_but_unmapped);
	RUN(many_maps_in_one_persist);
	return test_done();
}
