/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_fork.c -- a child forked from a multithreaded parent can use the
 * library at once.
 *
 * While the parent's threads keep the library's locks busy -- PAGE
 * persists (the registry), maps made and deleted (the registry, address
 * recycling, the quarantine of deleted maps), maps placed in and removed
 * from a shared reservation (its lock), reservations made and deleted (the
 * list of reservations), Device DAX reads through the SIGBUS guard (its
 * lock; /dev/zero posing as the device in a fake sysfs) -- the parent forks
 * again and again. Each child maps a file, persists, maps into the same
 * reservation, reads through the guard, makes a reservation, deletes
 * everything and exits 0. A lock that another thread held at the fork
 * would be held forever in the child: the child would hang, and is killed
 * after WAIT_S seconds, which fails the test.
 *
 * A child reports its result through a pipe and then replaces itself with
 * /bin/true instead of exiting: what the parent's other threads had
 * allocated and held only on their stacks at the fork is unreachable in
 * the child by nature, and a leak check at its exit (valgrind, LSan) would
 * call it lost.
 *
 * Public API only (the fake sysfs tree is given to the library through
 * PMEM2_SYSFS_ROOT).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpmem2.h>
#include "fakesys.h"
#include "test.h"

#define PS ((size_t)4096)
#define SLOT ((size_t)2 << 20)
#define WAIT_S 10 /* a healthy child needs milliseconds */

static struct pmem2_vm_reservation *rsv; /* slot 0 busy, slot 1: children */
static struct pmem2_source *file_src, *anon_src, *dax_src;
static struct pmem2_config *cfg, *rsv_cfg, *child_cfg;
static int file_fd, dax_fd;
static volatile int stop;

static void *persister(void *arg)
{
	(void)arg;
	struct pmem2_map *m = NULL;
	if (pmem2_map_new(&m, cfg, file_src))
		return NULL;
	char *p = pmem2_map_get_address(m);
	pmem2_persist_fn persist = pmem2_get_persist_fn(m);
	for (unsigned i = 0; !stop; i++) {
		p[(i * PS) % (16 * PS)] = (char)i;
		persist(p, 16 * PS);
	}
	pmem2_map_delete(&m);
	return NULL;
}

/* maps made and deleted with the config arg: in a range of their own, or
 * placed in the reservation */
static void *mapper(void *arg)
{
	const struct pmem2_config *c = *(struct pmem2_config **)arg;
	while (!stop) {
		struct pmem2_map *m = NULL;
		if (pmem2_map_new(&m, c, anon_src) == 0)
			pmem2_map_delete(&m);
	}
	return NULL;
}

static void *reserver(void *arg)
{
	(void)arg;
	while (!stop) {
		struct pmem2_vm_reservation *r = NULL;
		if (pmem2_vm_reservation_new(&r, NULL, SLOT) == 0)
			pmem2_vm_reservation_delete(&r);
	}
	return NULL;
}

static void *reader(void *arg)
{
	(void)arg;
	char buf[64];
	while (!stop && dax_src)
		pmem2_source_pread_mcsafe(dax_src, buf, sizeof(buf), 0);
	return NULL;
}

/* the child: everything once; exit status says what failed */
static int child(void)
{
	struct pmem2_map *m = NULL, *r = NULL;
	struct pmem2_vm_reservation *own = NULL;
	char buf[64];

	if (pmem2_map_new(&m, cfg, file_src))
		return 10;
	char *p = pmem2_map_get_address(m);
	p[0] = 'c';
	pmem2_get_persist_fn(m)(p, PS);
	if (pmem2_map_new(&r, child_cfg, anon_src))
		return 11;
	pmem2_get_persist_fn(r)(pmem2_map_get_address(r), PS);
	if (dax_src && pmem2_source_pread_mcsafe(dax_src, buf, sizeof(buf), 0))
		return 12;
	if (pmem2_vm_reservation_new(&own, NULL, SLOT) ||
	    pmem2_vm_reservation_delete(&own))
		return 13;
	if (pmem2_map_delete(&r) || pmem2_map_delete(&m))
		return 14;
	return 0;
}

/* 0: the child reported 0 and ended; else what happened (printed) */
static int wait_child(pid_t pid, int result_fd, int round)
{
	int status = 0;
	struct timespec now, until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += WAIT_S;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > until.tv_sec || (now.tv_sec == until.tv_sec &&
						  now.tv_nsec >= until.tv_nsec))
			break;
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			unsigned char rc = 0xff;
			if (read(result_fd, &rc, 1) == 1 && rc == 0)
				return 0;
			printf("fork %d: child result %d, %s %d\n", round, rc,
			       WIFEXITED(status) ? "exited" : "killed by",
			       WIFEXITED(status) ? WEXITSTATUS(status)
						 : WTERMSIG(status));
			return 1;
		}
		struct timespec t = {0, 5 * 1000 * 1000};
		nanosleep(&t, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	printf("fork %d: the child hung (a lock held at fork time?)\n", round);
	return 1;
}

static struct pmem2_config *new_cfg(size_t rsv_off)
{
	struct pmem2_config *c = NULL;
	if (pmem2_config_new(&c) || pmem2_config_set_required_store_granularity(
					    c, PMEM2_GRANULARITY_PAGE))
		exit(2);
	if (rsv_off != SIZE_MAX)
		pmem2_config_set_vm_reservation(c, rsv, rsv_off);
	return c;
}

TEST(fork_while_busy)
{
	static const struct {
		void *(*fn)(void *);
		void *arg;
	} loops[] = {{persister, NULL},
		     {mapper, &cfg},
		     {mapper, &rsv_cfg},
		     {reserver, NULL},
		     {reader, NULL}};
	enum { NLOOPS = sizeof(loops) / sizeof(loops[0]) };
	pthread_t t[NLOOPS];
	int forks = getenv("PMEM2_TEST_VALGRIND") ? 10 : 100;
	int bad = 0;

	for (int i = 0; i < NLOOPS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, loops[i].fn, loops[i].arg),
			 0);
	for (int i = 0; i < forks; i++) {
		int pfd[2];
		if (pipe(pfd)) {
			CHECK(0, "pipe: %s", strerror(errno));
			break;
		}
		pid_t pid = fork();
		if (pid == 0) {
			alarm(WAIT_S + 5); /* never outlive the test */
			unsigned char rc = (unsigned char)child();
			if (write(pfd[1], &rc, 1) != 1)
				_exit(3);
			execl("/bin/true", "true", (char *)NULL);
			_exit(rc); /* no /bin/true: a plain exit will do */
		}
		close(pfd[1]);
		CHECK(pid > 0, "fork: %s", strerror(errno));
		if (pid > 0)
			bad += wait_child(pid, pfd[0], i);
		close(pfd[0]);
		if (bad == 3)
			break; /* broken: no need to wait for more hangs */
	}
	stop = 1;
	for (int i = 0; i < NLOOPS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	CHECK(bad == 0, "%d of %d children failed or hung", bad, forks);
}

/* /dev/zero as a Device DAX on a fake region, for the SIGBUS guard */
static int fake_dax(char *root, size_t len)
{
	struct stat st;
	if (stat("/dev/zero", &st) || fakesys_create(root, len) ||
	    fakesys_region(root, 0, "memory_controller") ||
	    fakesys_devdax(root, 0, 0, st.st_rdev, 1 << 30, PS, NULL, 0))
		return -1;
	setenv("PMEM2_SYSFS_ROOT", root, 1);
	return 0;
}

int main(void)
{
	char root[PATH_MAX];
	int faked = fake_dax(root, sizeof(root)) == 0;

	file_fd = test_tmpfile(16 * PS, NULL, 0, 0);
	if (pmem2_source_from_fd(&file_src, file_fd) ||
	    pmem2_source_from_anon(&anon_src, PS) ||
	    pmem2_vm_reservation_new(&rsv, NULL, 2 * SLOT)) {
		printf("setup: %s\n", pmem2_errormsg());
		return 2;
	}
	dax_fd = faked ? open("/dev/zero", O_RDWR) : -1;
	if (dax_fd < 0 || pmem2_source_from_fd(&dax_src, dax_fd)) {
		printf("no fake Device DAX (%s): the SIGBUS guard is not "
		       "exercised\n",
		       pmem2_errormsg());
		dax_src = NULL;
	}
	cfg = new_cfg(SIZE_MAX);
	rsv_cfg = new_cfg(0);
	child_cfg = new_cfg(SLOT);

	RUN(fork_while_busy);

	pmem2_config_delete(&cfg);
	pmem2_config_delete(&rsv_cfg);
	pmem2_config_delete(&child_cfg);
	pmem2_vm_reservation_delete(&rsv);
	pmem2_source_delete(&dax_src);
	pmem2_source_delete(&anon_src);
	pmem2_source_delete(&file_src);
	if (dax_fd >= 0)
		close(dax_fd);
	close(file_fd);
	if (faked)
		fakesys_destroy(root);
	return test_done();
}
