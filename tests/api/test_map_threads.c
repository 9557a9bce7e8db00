/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_map_threads.c -- many threads mapping into and unmapping from one
 * reservation at once, while others search it.
 *
 * Eight workers each own a band of slots of a shared reservation and keep
 * mapping and deleting there (anonymous and file sources), write a
 * per-thread pattern and read it back (a map landing on someone else's
 * range would show), and also race for a band of shared slots where at most
 * one may win (the others must get PMEM2_E_MAPPING_EXISTS). Two finder
 * threads run pmem2_vm_reservation_map_find/first/last meanwhile. Then
 * pairs of threads delete the same map at the same moment: exactly one
 * wins, the other gets PMEM2_E_MAPPING_NOT_FOUND (and does not crash).
 * Public API only; meant to be clean under -fsanitize=thread too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libpmem2.h>
#include "test.h"

#define NWORKERS 8
#define NFINDERS 2
#define SLOTS 12 /* own slots per worker */
#define SHARED 6 /* slots everybody races for */
#define SLOT (64 * 1024ul)
#define MAPLEN (16 * 1024ul)
#define ITERS 300

static struct pmem2_vm_reservation *rsv;
static struct pmem2_source *anon_src, *file_src;
static int file_fd;
static volatile int stop_finders;

struct worker {
	pthread_t th;
	int id;
	unsigned seed;
	struct pmem2_map *own[SLOTS];
	unsigned long maps, fails, shared_wins, shared_busy, bad_data, bad_find;
};

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static int map_slot(size_t off, int use_file, struct pmem2_map **map)
{
	struct pmem2_config *cfg;
	int ret = pmem2_config_new(&cfg);
	if (ret)
		return ret;
	pmem2_config_set_required_store_granularity(cfg,
						    PMEM2_GRANULARITY_PAGE);
	pmem2_config_set_length(cfg, MAPLEN);
	pmem2_config_set_vm_reservation(cfg, rsv, off);
	ret = pmem2_map_new(map, cfg, use_file ? file_src : anon_src);
	pmem2_config_delete(&cfg);
	return ret;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	size_t band = (size_t)w->id * SLOTS * SLOT;

	for (int it = 0; it < ITERS; it++) {
		unsigned r = rnd(&w->seed);
		int s = (int)(r % SLOTS);
		if (w->own[s]) {
			/* our pattern must still be there */
			unsigned char *a = pmem2_map_get_address(w->own[s]);
			if (pmem2_map_get_size(w->own[s]) != MAPLEN ||
			    (a[0] != (unsigned char)(w->id + 1) &&
			     a[0] != 0xFF))
				w->bad_data++;
			struct pmem2_map *nb;
			int rc = pmem2_vm_reservation_map_find_next(
				rsv, w->own[s], &nb);
			if (rc != 0 && rc != PMEM2_E_MAPPING_NOT_FOUND)
				w->bad_find++;
			rc = pmem2_vm_reservation_map_find_prev(rsv, w->own[s],
								&nb);
			if (rc != 0 && rc != PMEM2_E_MAPPING_NOT_FOUND)
				w->bad_find++;
			if (pmem2_map_delete(&w->own[s]) || w->own[s])
				w->fails++;
			continue;
		}
		int use_file = (r >> 5) & 1;
		size_t off = band + (size_t)s * SLOT;
		if (map_slot(off, use_file, &w->own[s])) {
			w->fails++;
			continue;
		}
		w->maps++;
		unsigned char *a = pmem2_map_get_address(w->own[s]);
		if ((uintptr_t)a !=
		    (uintptr_t)pmem2_vm_reservation_get_address(rsv) + off)
			w->bad_data++;
		/* file maps share one file: only anon maps get a per-thread
		 * pattern, file maps a common one */
		a[0] = use_file ? 0xFF : (unsigned char)(w->id + 1);

		if ((r >> 7) % 4 == 0) {
			/* race for a shared slot */
			struct pmem2_map *sm;
			size_t soff = (size_t)NWORKERS * SLOTS * SLOT +
				      (size_t)((r >> 9) % SHARED) * SLOT;
			int rc = map_slot(soff, 0, &sm);
			if (rc == 0) {
				w->shared_wins++;
				unsigned char *p = pmem2_map_get_address(sm);
				p[1] = (unsigned char)w->id;
				sched_yield();
				if (p[1] != (unsigned char)w->id)
					w->bad_data++;
				if (pmem2_map_delete(&sm))
					w->fails++;
			} else if (rc == PMEM2_E_MAPPING_EXISTS) {
				w->shared_busy++;
			} else {
				w->fails++;
			}
		}
	}
	for (int s = 0; s < SLOTS; s++)
		if (w->own[s] && pmem2_map_delete(&w->own[s]))
			w->fails++;
	return NULL;
}

struct finder {
	pthread_t th;
	unsigned seed;
	unsigned long found, missed, bad;
};

static void *finder_fn(void *arg)
{
	struct finder *f = arg;
	size_t total = pmem2_vm_reservation_get_size(rsv);

	while (!__atomic_load_n(&stop_finders, __ATOMIC_ACQUIRE)) {
		struct pmem2_map *m = (void *)1;
		size_t off = rnd(&f->seed) % total;
		int rc = pmem2_vm_reservation_map_find(rsv, off, 3 * SLOT, &m);
		if (rc == 0 && m)
			f->found++;
		else if (rc == PMEM2_E_MAPPING_NOT_FOUND && !m)
			f->missed++;
		else
			f->bad++;
		rc = pmem2_vm_reservation_map_find_first(rsv, &m);
		if (rc != 0 && rc != PMEM2_E_MAPPING_NOT_FOUND)
			f->bad++;
		rc = pmem2_vm_reservation_map_find_last(rsv, &m);
		if (rc != 0 && rc != PMEM2_E_MAPPING_NOT_FOUND)
			f->bad++;
	}
	return NULL;
}

TEST(many_threads_one_reservation)
{
	static struct worker w[NWORKERS];
	static struct finder f[NFINDERS];
	size_t size = ((size_t)NWORKERS * SLOTS + SHARED) * SLOT;

	CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, size), 0);
	CHECK_RC(pmem2_source_from_anon(&anon_src, MAPLEN), 0);
	file_fd = test_tmpfile(MAPLEN, NULL, 0, 0);
	CHECK_RC(pmem2_source_from_fd(&file_src, file_fd), 0);
	if (!rsv || !anon_src || !file_src)
		return;

	for (int i = 0; i < NFINDERS; i++) {
		f[i].seed = 777u + (unsigned)i;
		CHECK_RC(pthread_create(&f[i].th, NULL, finder_fn, &f[i]), 0);
	}
	for (int i = 0; i < NWORKERS; i++) {
		w[i].id = i;
		w[i].seed = 1234u * (unsigned)(i + 1);
		CHECK_RC(pthread_create(&w[i].th, NULL, worker_fn, &w[i]), 0);
	}
	unsigned long maps = 0, wins = 0, busy = 0;
	for (int i = 0; i < NWORKERS; i++) {
		pthread_join(w[i].th, NULL);
		CHECK(w[i].fails == 0, "worker %d: %lu failures (last: %s)", i,
		      w[i].fails, pmem2_errormsg());
		CHECK(w[i].bad_data == 0, "worker %d: %lu wrong maps", i,
		      w[i].bad_data);
		CHECK(w[i].bad_find == 0, "worker %d: %lu bad find results", i,
		      w[i].bad_find);
		maps += w[i].maps;
		wins += w[i].shared_wins;
		busy += w[i].shared_busy;
	}
	__atomic_store_n(&stop_finders, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < NFINDERS; i++) {
		pthread_join(f[i].th, NULL);
		CHECK(f[i].bad == 0, "finder %d: %lu bad results", i, f[i].bad);
	}
	CHECK(maps >= NWORKERS * ITERS / 3, "only %lu maps made", maps);
	CHECK(wins > 0, "no shared slot was ever won");
	if (getenv("VERBOSE"))
		printf("maps %lu, shared wins %lu, busy %lu\n", maps, wins,
		       busy);

	struct pmem2_map *m = (void *)1;
	CHECK_RC(pmem2_vm_reservation_map_find_first(rsv, &m),
		 PMEM2_E_MAPPING_NOT_FOUND);
	CHECK(m == NULL, "reservation empty");
	CHECK_RC(pmem2_vm_reservation_delete(&rsv), 0);
}

/* two threads delete the same map at once */
struct racer {
	pthread_t th;
	struct pmem2_map *map; /* each thread's own copy of the pointer */
	pthread_barrier_t *bar;
	int rc;
};

static void *racer_fn(void *arg)
{
	struct racer *r = arg;
	pthread_barrier_wait(r->bar);
	r->rc = pmem2_map_delete(&r->map);
	return NULL;
}

TEST(concurrent_double_delete)
{
	struct pmem2_config *cfg;
	pthread_barrier_t bar;
	unsigned long both = 0, none = 0;

	CHECK_RC(pmem2_config_new(&cfg), 0);
	pmem2_config_set_required_store_granularity(cfg,
						    PMEM2_GRANULARITY_PAGE);
	CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, 1024 * 1024), 0);
	pmem2_config_set_vm_reservation(cfg, rsv, 0);
	pthread_barrier_init(&bar, NULL, 2);

	for (int round = 0; round < 200; round++) {
		struct pmem2_map *map;
		struct racer r[2];
		if (pmem2_map_new(&map, cfg, anon_src)) {
			CHECK(0, "map_new: %s", pmem2_errormsg());
			break;
		}
		for (int i = 0; i < 2; i++) {
			r[i].map = map;
			r[i].bar = &bar;
			pthread_create(&r[i].th, NULL, racer_fn, &r[i]);
		}
		for (int i = 0; i < 2; i++)
			pthread_join(r[i].th, NULL);
		int ok = (r[0].rc == 0) + (r[1].rc == 0);
		int nf = (r[0].rc == PMEM2_E_MAPPING_NOT_FOUND) +
			 (r[1].rc == PMEM2_E_MAPPING_NOT_FOUND);
		if (ok == 2)
			both++;
		if (ok != 1 || nf != 1)
			none++;
	}
	CHECK(both == 0, "%lu rounds where both deletes succeeded", both);
	CHECK(none == 0, "%lu rounds without exactly one winner", none);

	pthread_barrier_destroy(&bar);
	CHECK_RC(pmem2_vm_reservation_delete(&rsv), 0);
	pmem2_config_delete(&cfg);
}

int main(void)
{
	RUN(many_threads_one_reservation);
	RUN(concurrent_double_delete);
	pmem2_source_delete(&anon_src);
	pmem2_source_delete(&file_src);
	close(file_fd);
	return test_done();
}
