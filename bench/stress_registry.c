/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stress_registry.c -- does a PAGE-granularity persist hold up map creation
 * and deletion elsewhere in the process?
 *
 * The scenario of issue 8, defect 1: THREADS threads persist RANGE-byte
 * ranges of a FILE-byte file on a disk file system (so every persist is an
 * msync that really writes back, for milliseconds to seconds), while the
 * main thread maps and deletes an unrelated small file on tmpfs, in a loop,
 * for SECONDS seconds. A library that holds a process-wide lock across
 * msync makes each map_new + map_delete wait for the writeback; one that
 * lets readers overtake a waiting writer starves it altogether.
 *
 * Printed: the number of map_new + map_delete cycles, their mean and worst
 * time, and whether the acceptance bound holds (at least 50 cycles in 4 s,
 * none slower than 100 ms), plus the persists done meanwhile and the
 * machine (CPU model, date) for the record in doc/durability.md.
 *
 * Public API only, so the same source measures PMDK's libpmem2 too:
 *   cc -O2 bench/stress_registry.c -o stress-pmdk -lpmem2 -lpthread
 * Ours is built with the tree (build/bench/stress_registry).
 *
 * Usage: stress_registry [-d DISK_DIR] [-t TMPFS_DIR] [-n THREADS]
 *                        [-s SECONDS]
 * Defaults: /var/tmp, /dev/shm, 6 threads, 4 s. Not a test: timings
 * depend on the machine and on what else runs; run it on a quiet one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libpmem2.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#define FILE_SIZE ((size_t)64 << 20)
#define RANGE ((size_t)8 << 20)
#define SMALL 4096
#define MAX_THREADS 64
#define ACCEPT_CYCLES 50
#define ACCEPT_WORST_MS 100.0

static volatile int stop;
static char *base;
static pmem2_persist_fn persist;
static unsigned long persists[MAX_THREADS];

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

__attribute__((noreturn)) static void die(const char *what)
{
	fprintf(stderr, "stress_registry: %s: %s (%s)\n", what, strerror(errno),
		pmem2_errormsg());
	exit(2);
}

static struct pmem2_map *map_file(int fd, struct pmem2_source **src)
{
	struct pmem2_config *cfg;
	struct pmem2_map *map = NULL;

	if (pmem2_source_from_fd(src, fd) || pmem2_config_new(&cfg) ||
	    pmem2_config_set_required_store_granularity(
		    cfg, PMEM2_GRANULARITY_PAGE) ||
	    pmem2_map_new(&map, cfg, *src))
		die("map");
	pmem2_config_delete(&cfg);
	return map;
}

/* dirty one RANGE and persist it, over and over */
static void *persister(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	size_t nranges = FILE_SIZE / RANGE;

	for (unsigned round = 0; !stop; round++) {
		char *p = base + ((i + round) % nranges) * RANGE;
		memset(p, (int)(round + i), RANGE);
		persist(p, RANGE);
		persists[i]++;
	}
	return NULL;
}

static int tmp_file(const char *dir, size_t size)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/stress-registry.XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0)
		die(path);
	unlink(path);
	if (ftruncate(fd, (off_t)size))
		die("ftruncate");
	return fd;
}

static void cpu_model(char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(buf, len, "unknown");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(buf, len, "%s", colon + 2);
			break;
		}
	}
	if (f)
		fclose(f);
}

int main(int argc, char *argv[])
{
	const char *disk = "/var/tmp", *tmpfs = "/dev/shm";
	unsigned nthreads = 6;
	double seconds = 4;
	int opt;

	while ((opt = getopt(argc, argv, "d:t:n:s:")) != -1) {
		switch (opt) {
		case 'd':
			disk = optarg;
			break;
		case 't':
			tmpfs = optarg;
			break;
		case 'n':
			nthreads = (unsigned)atoi(optarg);
			break;
		case 's':
			seconds = atof(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: %s [-d DISK_DIR] [-t TMPFS_DIR] "
				"[-n THREADS] [-s SECONDS]\n",
				argv[0]);
			return 2;
		}
	}
	if (nthreads < 1 || nthreads > MAX_THREADS || seconds <= 0) {
		fprintf(stderr, "stress_registry: 1..%d threads, seconds > 0\n",
			MAX_THREADS);
		return 2;
	}
	struct statfs sf;
	if (statfs(disk, &sf))
		die(disk);
	if (sf.f_type == TMPFS_MAGIC) {
		fprintf(stderr,
			"stress_registry: %s is tmpfs: msync would "
			"write nothing back; pass a disk file system (-d)\n",
			disk);
		return 2;
	}

	int big_fd = tmp_file(disk, FILE_SIZE),
	    small_fd = tmp_file(tmpfs, SMALL);
	struct pmem2_source *big_src, *small_src;
	struct pmem2_map *big = map_file(big_fd, &big_src);
	if (pmem2_source_from_fd(&small_src, small_fd))
		die("small source");
	struct pmem2_config *cfg;
	if (pmem2_config_new(&cfg) ||
	    pmem2_config_set_required_store_granularity(cfg,
							PMEM2_GRANULARITY_PAGE))
		die("config");
	base = pmem2_map_get_address(big);
	persist = pmem2_get_persist_fn(big);
	/* allocate the file's blocks once, so the stress is writeback */
	memset(base, 1, FILE_SIZE);
	persist(base, FILE_SIZE);

	pthread_t t[MAX_THREADS];
	for (unsigned i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, persister,
				   (void *)(uintptr_t)i))
			die("pthread_create");
	usleep(200 * 1000); /* let the writeback get going */

	unsigned long cycles = 0;
	double total = 0, worst = 0, start = now_ms();
	while (now_ms() - start < seconds * 1e3) {
		struct pmem2_map *m;
		double t0 = now_ms();
		if (pmem2_map_new(&m, cfg, small_src))
			die("small map_new");
		if (pmem2_map_delete(&m))
			die("small map_delete");
		double dt = now_ms() - t0;
		cycles++;
		total += dt;
		if (dt > worst)
			worst = dt;
	}
	double elapsed = now_ms() - start;
	stop = 1;
	unsigned long np = 0;
	for (unsigned i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		np += persists[i];
	}

	char cpu[256], date[64];
	time_t now = time(NULL);
	cpu_model(cpu, sizeof(cpu));
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	bool ok = cycles >= ACCEPT_CYCLES * elapsed / 4000.0 &&
		  worst < ACCEPT_WORST_MS;
	printf("%s, %ld CPUs, %s; %u threads persisting %zu MiB ranges of a "
	       "%zu MiB file in %s\n",
	       cpu, sysconf(_SC_NPROCESSORS_ONLN), date, nthreads, RANGE >> 20,
	       FILE_SIZE >> 20, disk);
	printf("map_new+map_delete of a %d-byte file in %s: %lu cycles in "
	       "%.1f s, mean %.3f ms, worst %.1f ms; %lu persists meanwhile\n",
	       SMALL, tmpfs, cycles, elapsed / 1e3,
	       cycles ? total / (double)cycles : 0.0, worst, np);
	printf("acceptance (>= %d cycles per 4 s, none >= %.0f ms): %s\n",
	       ACCEPT_CYCLES, ACCEPT_WORST_MS, ok ? "met" : "NOT met");

	pmem2_config_delete(&cfg);
	pmem2_map_delete(&big);
	pmem2_source_delete(&big_src);
	pmem2_source_delete(&small_src);
	close(big_fd);
	close(small_fd);
	return ok ? 0 : 1;
}
