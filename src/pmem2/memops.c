/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memops.c -- the state the copy engines share with the dispatcher
 * (memops.h): the tunables every entry point reads, which the dispatcher
 * (persist.c) writes, each thread's record of where it wrote last (the
 * guess whether a destination is in the cache), and, in instrumented
 * builds, the event hook through which the kernels report every flush,
 * fence, store and msync.
 *
 * It lives apart from the dispatcher so that no two files depend on each
 * other: the dispatcher uses the engines, and both use this file.
 */
#include <stddef.h>
#include "memops.h"
#include "persist.h"

MEMOPS_HIDDEN struct pmem2_memops_tun pmem2_tun = {
	.movnt_threshold = PMEM2_DEFAULT_MOVNT_THRESHOLD,
	.page_movnt_threshold = PMEM2_DEFAULT_MOVNT_THRESHOLD,
	.big_move_threshold = PMEM2_DEFAULT_BYTE_MOVNT,
	.big_set_threshold = PMEM2_DEFAULT_BYTE_SET_MOVNT,
	.hot_max = PMEM2_DEFAULT_HOT_MAX,
	.page_hot_max = PMEM2_DEFAULT_HOT_MAX,
};

MEMOPS_HIDDEN __thread struct pmem2_hot pmem2_hot;

/* see memops.h */
bool memops_cold(const void *d, size_t len, size_t max, size_t seq_max)
{
	struct pmem2_hot *h = &pmem2_hot;
	uintptr_t s = (uintptr_t)d, e = s + len;
	bool hot = false;
	unsigned i;

	if (len > max)
		return true;
	h->clock += len;
	for (i = 0; i < PMEM2_HOT_SLOTS; i++) {
		if (s >= h->start[i] && e <= h->end[i]) {
			hot = h->clock - h->when[i] <= max;
			break;
		}
	}
	if (len <= seq_max && s == h->last_end)
		hot = true;
	h->last_end = e;
	if (i == PMEM2_HOT_SLOTS) {
		i = h->next;
		h->next = (i + 1) % PMEM2_HOT_SLOTS;
		h->start[i] = s;
		h->end[i] = e;
	}
	h->when[i] = h->clock;
	return !hot;
}

#ifdef PMEM2_INSTRUMENT
__thread struct pmem2_instr_counters pmem2_instr;
static __thread pmem2_instr_hook_fn instr_hook;
static __thread void *instr_arg;

void pmem2_instr_set_hook(pmem2_instr_hook_fn fn, void *arg)
{
	instr_hook = fn;
	instr_arg = arg;
}

void pmem2_instr_event(enum pmem2_instr_event ev, const void *addr, size_t len)
{
	switch (ev) {
	case PMEM2_INSTR_FLUSH:
		pmem2_instr.flushed_lines++;
		break;
	case PMEM2_INSTR_FENCE:
		pmem2_instr.fences++;
		break;
	case PMEM2_INSTR_NT:
		pmem2_instr.nt_stores++;
		pmem2_instr.nt_bytes += len;
		break;
	case PMEM2_INSTR_MSYNC:
		pmem2_instr.msyncs++;
		break;
	case PMEM2_INSTR_STORE:
		pmem2_instr.stores++;
		break;
	}
	if (instr_hook)
		instr_hook(ev, addr, len, instr_arg);
}
#endif
