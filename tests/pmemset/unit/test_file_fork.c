/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_file_fork.c -- a fork while another thread holds libpmemset's
 * process-wide file table lock (file.c) does not leave the child with a
 * lock nobody can release.
 *
 * White box, made deterministic with the OS seam's call hook: a thread
 * looks up a new file, and the hook stops it inside the allocation the
 * table makes under its lock. The main thread forks then, and another
 * thread lets the looker go a moment later: with the fork handlers, fork
 * waits for the lock and the child gets a table nobody holds; without
 * them the child inherits the held lock. The child looks up files (the
 * table and a whole source of a real file) and must be done within a few
 * seconds (an alarm ends a hung child). Several rounds.
 */
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../pmemset_test.h"
#include "core/os.h"
#include "gate.h"
#include "pmemset/file.h"

#define ROUNDS 5
#define CHILD_S 5

#define WAIT_S 10 /* generous: only a broken library waits this long */

static struct test_gate looker_held = TEST_GATE_INIT;
static __thread bool hold_me;

static void hook(void *arg)
{
	(void)arg;
	if (!hold_me)
		return;
	hold_me = false;
	gate_hold(&looker_held);
}

static struct stat fake_st(unsigned long n)
{
	struct stat st;
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0600;
	st.st_dev = (dev_t)0x7777;
	st.st_ino = (ino_t)(1000 + n);
	return st;
}

/* looks up a new file, held in the hook while the table lock is held */
static void *looker(void *arg)
{
	struct stat st = fake_st((unsigned long)arg);
	struct pmemset_file *f = NULL;

	hold_me = true;
	if (pmemset_file_get(&f, &st) == 0)
		pmemset_file_put(f);
	return NULL;
}

/* lets the looker go a moment later: the main thread is in fork(2) by
 * then (if it is not, the round proves less, but still passes or fails
 * for the right reason) */
static void *releaser(void *arg)
{
	(void)arg;
	usleep(200 * 1000);
	gate_open(&looker_held);
	return NULL;
}

/* the child: the table and a real source must work */
static int child(const char *path)
{
	struct stat st = fake_st(1);
	struct pmemset_file *f = NULL;
	struct pmemset_source *src = NULL;

	alarm(CHILD_S);
	if (pmemset_file_get(&f, &st))
		return 1;
	pmemset_file_put(f);
	if (pmemset_source_from_file(&src, path))
		return 2;
	pmemset_source_delete(&src);
	return 0;
}

TEST(fork_while_table_locked)
{
	char path[PATH_MAX];
	struct pmemset_source *mine = file_source(path, sizeof(path), KB4, 0);

	os_call_hook(OS_MALLOC, hook, NULL);
	for (unsigned long r = 0; r < ROUNDS; r++) {
		pthread_t t;
		gate_reset(&looker_held);
		CHECK_EQ(pthread_create(&t, NULL, looker, (void *)(r + 10)), 0);
		if (!gate_wait_arrived(&looker_held, WAIT_S)) {
			CHECK(0,
			      "round %lu: the lookup never reached the "
			      "allocation under the table lock",
			      r);
			gate_open(&looker_held);
			pthread_join(t, NULL);
			break;
		}

		/* the lock is held now; fork must wait for it (the fork
		 * handlers), so the looker is let go from another thread */
		pthread_t rel;
		CHECK_EQ(pthread_create(&rel, NULL, releaser, NULL), 0);
		pid_t pid = fork();
		if (pid == 0)
			_exit(child(path));
		CHECK(pid > 0, "fork: %s", strerror(errno));
		pthread_join(rel, NULL);
		pthread_join(t, NULL);

		int status = 0;
		if (pid > 0 && waitpid(pid, &status, 0) == pid) {
			CHECK(!WIFSIGNALED(status),
			      "round %lu: the child was killed by signal %d "
			      "(SIGALRM: it hung for %d s on a lock held at "
			      "the fork)",
			      r, WIFSIGNALED(status) ? WTERMSIG(status) : 0,
			      CHILD_S);
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "round %lu: the child failed (status %d)", r,
			      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		}
	}
	os_call_hook(OS_MALLOC, NULL, NULL);
	pmemset_source_delete(&mine);
	unlink(path);
}

int main(void)
{
	RUN(fork_while_table_locked);
	return test_done();
}
