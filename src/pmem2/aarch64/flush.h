/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flush.h -- the aarch64 clean and fence primitives, included through
 * pmem2/memops.h.
 *
 * DC CVAP (clean to the point of persistence, FEAT_DPB, HWCAP_DCPOP) and
 * DC CVADP (to the point of deep persistence, FEAT_DPB2, HWCAP2_DCPODP) are
 * written as the generic SYS instruction they are aliases of, so no
 * ".arch armv8.2-a" directive is needed: such a directive replaces the
 * architecture the compiler asked for, which breaks builds with
 * -march=armv9-a -mbranch-protection=standard (the assembler then rejects
 * the pointer-authentication instructions of the prologues). DC CVAC is
 * ARMv8.0 and needs nothing.
 *
 * The fence is DSB SY. A DMB (PMDK used DMB ISHST) only orders memory
 * accesses; it does not wait for cache maintenance to complete, and
 * completion is what persistence needs: only a DSB waits for the cleans
 * before it. SY, not ST: the Linux kernel ends its own clean-to-persistence
 * loop (dcache_clean_pop, used by arch_wb_cache_pmem) with DSB SY, and the
 * full system domain is where the point of persistence lies. DSB ST (the
 * kernel's pmem_wmb) waits for stores only, and whether a cache clean
 * counts as a store for it is more than this library will rest on; the
 * few extra cycles of SY go to outstanding loads, next to a clean's cost.
 */
#ifndef PMEM2_AARCH64_FLUSH_H
#define PMEM2_AARCH64_FLUSH_H

MEMOPS_INLINE void flush_line(const int fk, const void *p)
{
	switch (fk) {
	case PMEM2_FK_DC_CVAC:
		__asm__ volatile("dc cvac, %0" : : "r"(p) : "memory");
		INSTR_I(FLUSH, PMEM2_INSN_DC_CVAC, p, PMEM2_LINE_SIZE);
		break;
	case PMEM2_FK_DC_CVAP: /* DC CVAP, Xt */
		__asm__ volatile("sys #3, c7, c12, #1, %0"
				 :
				 : "r"(p)
				 : "memory");
		INSTR_I(FLUSH, PMEM2_INSN_DC_CVAP, p, PMEM2_LINE_SIZE);
		break;
	default:
		break;
	}
}

/* DC CVADP, Xt: only where HWCAP2_DCPODP says the processor has it */
MEMOPS_INLINE void deep_clean_line(const void *p)
{
	__asm__ volatile("sys #3, c7, c13, #1, %0" : : "r"(p) : "memory");
	INSTR_I(FLUSH, PMEM2_INSN_DC_CVADP, p, PMEM2_LINE_SIZE);
}

MEMOPS_INLINE void fence(void)
{
	if (MEMOPS_FENCE_BROKEN())
		return;
	__asm__ volatile("dsb sy" : : : "memory");
	INSTR_I(FENCE, PMEM2_INSN_DSB_SY, NULL, 0);
}

/* an intermediate fence for write-combining buffers: x86 only */
MEMOPS_INLINE void fence_wc(void)
{
}

#endif
