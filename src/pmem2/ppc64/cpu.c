/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpu.c -- what a ppc64 processor offers the persistence code, decoded
 * from the auxiliary vector (probe.c).
 *
 *  - PPC_FEATURE2_ARCH_3_1 (AT_HWCAP2 0x00040000, Power10): dcbstps and
 *    phwsync, the persistent-storage clean and fence. Before ISA 3.1 the
 *    same words run as dcbf and hwsync, which the library then names
 *    itself (flush.h); both pairs are what the Linux kernel relies on for
 *    persistent memory on their processors, so the clean reaches the point
 *    of persistence either way.
 *  - AT_DCACHEBSIZE: the data cache block size (128 bytes on POWER8 to
 *    Power10), the stride of the clean loop. A kernel that does not say
 *    gives 32, the smallest block of any 64-bit Power processor, so no
 *    block is ever skipped.
 *
 * Compiled on every architecture (the unit tests run the decoder with
 * synthetic values).
 */
#include <string.h>
#include "pmem2/cpu.h"

void pmem2_cpu_decode_ppc64(const struct pmem2_cpu_raw_ppc64 *raw,
			    struct pmem2_cpu *cpu)
{
	memset(cpu, 0, sizeof(*cpu));
	strcpy(cpu->vendor, "ppc64");
	cpu->arch = "ppc64";
	cpu->isa31 = (raw->hwcap2 & PMEM2_PPC_FEATURE2_ARCH_3_1) != 0;
	cpu->clean_to_pop = true;
	cpu->line_size = pmem2_cpu_line_size(raw->dcache_bsize, 32);
}
