/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memops.c -- the state the copy engines share with the dispatcher
 * (memops.h): the tunables every entry point reads, which the dispatcher
 * (persist.c) writes, the clean-loop stride off x86-64, each thread's
 * record of where it wrote last (the guess whether a destination is in the
 * cache), and, in instrumented builds, the event hook through which the
 * kernels report every flush, fence, store and msync, with the
 * deliberately broken variants of the primitives that the durability
 * proof must reject.
 *
 * It lives apart from the dispatcher so that no two files depend on each
 * other: the dispatcher uses the engines, and both use this file.
 */
#include <stddef.h>
#include <stdint.h>
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

#ifndef __x86_64__
/* the clean-loop stride; the smallest line any port reports until
 * pmem2_persist_init reads the processor's */
MEMOPS_HIDDEN size_t pmem2_line_size = 16;
#endif

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

static const char *const Insn_names[PMEM2_INSN_COUNT] = {
	[PMEM2_INSN_NONE] = "none",
	[PMEM2_INSN_CLFLUSH] = "clflush",
	[PMEM2_INSN_CLFLUSHOPT] = "clflushopt",
	[PMEM2_INSN_CLWB] = "clwb",
	[PMEM2_INSN_SFENCE] = "sfence",
	[PMEM2_INSN_LFENCE] = "lfence",
	[PMEM2_INSN_DC_CVAC] = "dc cvac",
	[PMEM2_INSN_DC_CVAP] = "dc cvap",
	[PMEM2_INSN_DC_CVADP] = "dc cvadp",
	[PMEM2_INSN_DSB_SY] = "dsb sy",
	[PMEM2_INSN_DMB_ISHST] = "dmb ishst",
	[PMEM2_INSN_DCBF] = "dcbf",
	[PMEM2_INSN_DCBSTPS] = "dcbstps",
	[PMEM2_INSN_HWSYNC] = "hwsync",
	[PMEM2_INSN_PHWSYNC] = "phwsync",
	[PMEM2_INSN_LWSYNC] = "lwsync",
	[PMEM2_INSN_CBO_CLEAN] = "cbo.clean",
	[PMEM2_INSN_FENCE_OW_OW] = "fence ow,ow",
	[PMEM2_INSN_FENCE_R_R] = "fence r,r",
	[PMEM2_INSN_SEQ_CST] = "seq-cst fence",
};

const char *pmem2_instr_insn_name(enum pmem2_instr_insn insn)
{
	if ((unsigned)insn >= PMEM2_INSN_COUNT || !Insn_names[insn])
		return "?";
	return Insn_names[insn];
}

/* ---- broken variants (durability proof only) ---- */

MEMOPS_HIDDEN int pmem2_instr_broken;
static __thread bool drop_next_fence;

void pmem2_instr_set_broken(enum pmem2_broken b)
{
	pmem2_instr_broken = (int)b;
	drop_next_fence = false;
}

/* a barrier that orders but does not wait for cleans to complete */
static void weak_fence(void)
{
#if defined(__x86_64__)
	__asm__ volatile("lfence" : : : "memory");
	INSTR_I(FENCE, PMEM2_INSN_LFENCE, NULL, 0);
#elif defined(__aarch64__)
	__asm__ volatile("dmb ishst" : : : "memory");
	INSTR_I(FENCE, PMEM2_INSN_DMB_ISHST, NULL, 0);
#elif defined(__powerpc64__)
	__asm__ volatile("lwsync" : : : "memory");
	INSTR_I(FENCE, PMEM2_INSN_LWSYNC, NULL, 0);
#elif defined(__riscv)
	__asm__ volatile("fence r,r" : : : "memory");
	INSTR_I(FENCE, PMEM2_INSN_FENCE_R_R, NULL, 0);
#else
	__atomic_signal_fence(__ATOMIC_SEQ_CST); /* the compiler only */
#endif
}

MEMOPS_HIDDEN bool pmem2_instr_fence_broken(void)
{
	switch (pmem2_instr_broken) {
	case PMEM2_BROKEN_NO_FENCE:
		return true;
	case PMEM2_BROKEN_WEAK_FENCE:
		weak_fence();
		return true;
	case PMEM2_BROKEN_EARLY_FENCE:
		if (drop_next_fence) {
			drop_next_fence = false;
			return true;
		}
		return false;
	}
	return false;
}

/* every line but the last, the fence, the last line; the fence that
 * should follow is dropped */
MEMOPS_HIDDEN void pmem2_instr_flush_range_early(const int fk, const void *addr,
						 size_t len)
{
	const size_t ls = PMEM2_LINE_SIZE;
	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(ls - 1);
	uintptr_t last = ((uintptr_t)addr + len - 1) & ~(uintptr_t)(ls - 1);

	for (; p < last; p += ls)
		flush_line(fk, (const void *)p);
	drop_next_fence = false;
	fence();
	flush_line(fk, (const void *)last);
	drop_next_fence = true;
}

void pmem2_instr_set_hook(pmem2_instr_hook_fn fn, void *arg)
{
	instr_hook = fn;
	instr_arg = arg;
}

void pmem2_instr_event(enum pmem2_instr_event ev, enum pmem2_instr_insn insn,
		       const void *addr, size_t len)
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
		instr_hook(ev, insn, addr, len, instr_arg);
}
#endif
