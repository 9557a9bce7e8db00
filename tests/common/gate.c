/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gate.c -- see gate.h.
 */
#include <time.h>

#include "gate.h"

void gate_reset(struct test_gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->arrived = g->open = false;
	pthread_mutex_unlock(&g->mu);
}

void gate_arrive(struct test_gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->arrived = true;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

void gate_hold(struct test_gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->arrived = true;
	pthread_cond_broadcast(&g->cv);
	while (!g->open)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
}

void gate_open(struct test_gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->open = true;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

bool gate_wait_arrived(struct test_gate *g, int secs)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += secs;
	pthread_mutex_lock(&g->mu);
	while (!g->arrived &&
	       pthread_cond_timedwait(&g->cv, &g->mu, &until) == 0)
		;
	bool arrived = g->arrived;
	pthread_mutex_unlock(&g->mu);
	return arrived;
}
