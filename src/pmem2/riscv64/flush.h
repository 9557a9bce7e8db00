/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flush.h -- the riscv64 clean and fence primitives, included through
 * pmem2/memops.h.
 *
 * cbo.clean (Zicbom) writes a cache block back to memory if it is dirty;
 * the Linux kernel writes persistent memory back with it
 * (arch_wb_cache_pmem). It is emitted with .insn, so no -march with
 * zicbom is needed, and used only where riscv_hwprobe said the kernel lets
 * user space run it (Linux 6.15); elsewhere it raises SIGILL.
 *
 * The fence is "fence ow,ow", the kernel's pmem_wmb (wmb). The CMO
 * specification classifies a clean as a store -- W, or O when the
 * memory's attributes make it I/O -- for the predecessor and successor
 * sets of FENCE, so a fence that has W and O before and after orders the
 * cleans before every later store, whatever attributes the platform gives
 * its persistent memory. "fence w,w" (PMDK's) misses the O case; "fence
 * rw,rw" adds loads, which durability does not need. RISC-V defines no
 * point of persistence: what memory the clean reaches is the platform's
 * business, as on x86 (the region's persistence_domain).
 */
#ifndef PMEM2_RISCV64_FLUSH_H
#define PMEM2_RISCV64_FLUSH_H

MEMOPS_INLINE void flush_line(const int fk, const void *p)
{
	if (fk != PMEM2_FK_CBO_CLEAN)
		return;
	/* cbo.clean 0(p): MISC-MEM, funct3 2, imm 1 */
	__asm__ volatile(".insn i 0x0f, 2, x0, %0, 1" : : "r"(p) : "memory");
	INSTR_I(FLUSH, PMEM2_INSN_CBO_CLEAN, p, PMEM2_LINE_SIZE);
}

MEMOPS_INLINE void fence(void)
{
	if (MEMOPS_FENCE_BROKEN())
		return;
	__asm__ volatile("fence ow, ow" : : : "memory");
	INSTR_I(FENCE, PMEM2_INSN_FENCE_OW_OW, NULL, 0);
}

/* an intermediate fence for write-combining buffers: x86 only */
MEMOPS_INLINE void fence_wc(void)
{
}

#endif
