/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gate.h -- stop a thread at a chosen point and let it go when the test
 * says so, or wait (with a bound) for a thread to get somewhere: the
 * concurrency tests hold a call inside a hook of the OS seam or a wrapper
 * of a library function while other threads work, then release it.
 *
 *	static struct test_gate g = TEST_GATE_INIT;
 *	hook:   gate_hold(&g);              (arrive, then wait until opened)
 *	test:   CHECK(gate_wait_arrived(&g, 10), "never got there");
 *	        ... what must (not) happen meanwhile ...
 *	        gate_open(&g);
 *
 * gate_arrive alone marks an event another thread waits for (a call that
 * returned). gate_reset makes a gate ready for another round.
 */
#ifndef TEST_GATE_H
#define TEST_GATE_H

#include <pthread.h>
#include <stdbool.h>

struct test_gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool arrived, open;
};

#define TEST_GATE_INIT                                                         \
	{                                                                      \
		PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false,    \
			false                                                  \
	}

void gate_reset(struct test_gate *g);
void gate_arrive(struct test_gate *g);
void gate_hold(struct test_gate *g);
void gate_open(struct test_gate *g);
/* has a thread arrived, now or within secs seconds? */
bool gate_wait_arrived(struct test_gate *g, int secs);

#endif
