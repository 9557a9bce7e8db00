/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flush.h -- the x86-64 cache-flush, fence and 64-byte direct-store
 * primitives, included through pmem2/memops.h.
 *
 * They are written as inline assembly with byte encodings where the
 * mnemonic needs an ISA extension (CLFLUSHOPT, CLWB, MOVDIR64B), so any
 * file may use them without ISA compiler flags: whether the processor has
 * the instruction is decided once at run time, and the code that uses it is
 * only reached when it does. Every primitive carries a "memory" clobber:
 * the compiler must not move a store to the line across its flush, nor any
 * store across a fence.
 *
 * Each primitive reports itself to the instrumentation after it executed.
 */
#ifndef PMEM2_X86_64_FLUSH_H
#define PMEM2_X86_64_FLUSH_H

MEMOPS_INLINE void flush_line(const int fk, const void *p)
{
	switch (fk) {
	case PMEM2_FK_CLFLUSH:
		__asm__ volatile("clflush %0"
				 :
				 : "m"(*(const char *)p)
				 : "memory");
		break;
	case PMEM2_FK_CLFLUSHOPT: /* 66 0F AE /7 */
		__asm__ volatile(".byte 0x66; clflush %0"
				 :
				 : "m"(*(const char *)p)
				 : "memory");
		break;
	case PMEM2_FK_CLWB: /* 66 0F AE /6 */
		__asm__ volatile(".byte 0x66; xsaveopt %0"
				 :
				 : "m"(*(const char *)p)
				 : "memory");
		break;
	default:
		return;
	}
	INSTR_I(FLUSH,
		fk == PMEM2_FK_CLWB	    ? PMEM2_INSN_CLWB
		: fk == PMEM2_FK_CLFLUSHOPT ? PMEM2_INSN_CLFLUSHOPT
					    : PMEM2_INSN_CLFLUSH,
		p, 64);
}

MEMOPS_INLINE void fence(void)
{
	if (MEMOPS_FENCE_BROKEN())
		return;
	__asm__ volatile("sfence" : : : "memory");
	INSTR_I(FENCE, PMEM2_INSN_SFENCE, NULL, 0);
}

/*
 * The write-combining workaround (PMEM_WC_WORKAROUND): an sfence between
 * blocks of streaming stores, so the processor drains its write-combining
 * buffers in step instead of stalling on them. It is a real fence.
 */
MEMOPS_INLINE void fence_wc(void)
{
	fence();
}

/*
 * MOVDIR64B: 64 bytes from src (any alignment) written to dst (64-byte
 * aligned) as one direct store, weakly ordered like a streaming store.
 * 66 0F 38 F8 /r with the destination address in RAX and the source
 * operand (RDX) -- fixed registers keep the hand encoding simple.
 */
MEMOPS_INLINE void movdir64b(void *dst, const void *src)
{
	__asm__ volatile(".byte 0x66, 0x0f, 0x38, 0xf8, 0x02"
			 :
			 : "a"(dst), "d"(src)
			 : "memory");
	INSTR(NT, dst, 64);
}

#endif
