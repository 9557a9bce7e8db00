/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flush.h -- the ppc64 clean and fence primitives, included through
 * pmem2/memops.h.
 *
 * Power ISA 3.1 (Power10) added dcbstps (dcbf with L=6: store the block
 * to persistent storage) and phwsync (sync with L=4), the pair the Linux
 * kernel uses for persistent memory (its arch_wb_cache_pmem and pmem_wmb).
 * Both are emitted as .long words so that assemblers that predate them
 * (binutils < 2.35) build this file; the register is pinned to r9 so the
 * words are constants.
 *
 * Older processors: the kernel's own pmem code issues the same two words
 * everywhere, because processors before ISA 3.1 ignore the new bits of L
 * and execute them as dcbf (L=0) and hwsync -- the pair its authors call
 * adequate for persistent storage on POWER8 and POWER9. Here the library
 * asks for exactly that on such processors, by its own name: dcbf and
 * hwsync. The effect on the hardware is the same, the reports say what
 * runs, and tools that decode only the older forms (Valgrind, QEMU before
 * ISA 3.1 support) can follow the program.
 *
 * fence() therefore has two forms, chosen once from AT_HWCAP2
 * (pmem2_ppc_isa31, set by pmem2_persist_init): a predictable branch next
 * to the hundreds of cycles of a sync.
 */
#ifndef PMEM2_PPC64_FLUSH_H
#define PMEM2_PPC64_FLUSH_H

extern MEMOPS_HIDDEN bool pmem2_ppc_isa31;

MEMOPS_INLINE void flush_line(const int fk, const void *p)
{
	register const void *r9 __asm__("r9") = p;

	switch (fk) {
	case PMEM2_FK_DCBF:
		__asm__ volatile("dcbf 0, %0" : : "r"(p) : "memory");
		INSTR_I(FLUSH, PMEM2_INSN_DCBF, p, PMEM2_LINE_SIZE);
		break;
	case PMEM2_FK_DCBSTPS: /* dcbstps 0, r9 */
		__asm__ volatile(".long 0x7cc048ac" : : "r"(r9) : "memory");
		INSTR_I(FLUSH, PMEM2_INSN_DCBSTPS, p, PMEM2_LINE_SIZE);
		break;
	default:
		break;
	}
}

MEMOPS_INLINE void fence(void)
{
	if (MEMOPS_FENCE_BROKEN())
		return;
	if (pmem2_ppc_isa31) {
		__asm__ volatile(".long 0x7c8004ac"
				 :
				 :
				 : "memory"); /* phwsync */
		INSTR_I(FENCE, PMEM2_INSN_PHWSYNC, NULL, 0);
	} else {
		__asm__ volatile("sync" : : : "memory"); /* hwsync */
		INSTR_I(FENCE, PMEM2_INSN_HWSYNC, NULL, 0);
	}
}

/* an intermediate fence for write-combining buffers: x86 only */
MEMOPS_INLINE void fence_wc(void)
{
}

#endif
