/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_core_threads.c -- process-wide caches of the library that any thread
 * may fill first, used from two threads at once.
 *
 * A cache that is written by whichever thread comes first and read by the
 * others is a data race unless it is published atomically (or once): the
 * program works on x86 by luck and ThreadSanitizer reports it. So these
 * cases are meant to run under TSan (scripts/test.sh lists this program in
 * tsan_tests); without TSan they still check that every thread sees the
 * right value. The threads start before anything else in the process has
 * filled the caches.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <unistd.h>
#include "test.h"
#include "core/os.h"

#define THREADS 2

static void *page_size_thread(void *arg)
{
	long *out = arg;
	*out = os_page_size();
	return NULL;
}

/* os_page_size() caches sysconf(_SC_PAGESIZE) on first use */
TEST(page_size_first_use)
{
	pthread_t t[THREADS];
	long got[THREADS] = {0};

	for (int i = 0; i < THREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, page_size_thread, &got[i]),
			 0);
	for (int i = 0; i < THREADS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < THREADS; i++)
		CHECK_EQ(got[i], sysconf(_SC_PAGESIZE));
	CHECK_EQ(os_page_size(), sysconf(_SC_PAGESIZE));
}

int main(void)
{
	RUN(page_size_first_use);
	return test_done();
}
