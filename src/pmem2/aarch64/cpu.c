/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpu.c -- what an aarch64 processor offers the persistence code, decoded
 * from the values the probe reads (probe.c): the ELF hardware capabilities
 * and CTR_EL0.
 *
 *  - HWCAP_DCPOP (bit 16 of AT_HWCAP, Linux 4.14): DC CVAP, the clean to
 *    the point of persistence (FEAT_DPB, ARMv8.2). Without it only DC CVAC
 *    is left, a clean to the point of coherency, which promises nothing
 *    about persistence: the granularity decision then does not offer
 *    CACHE_LINE for files (see granularity.c), and says why.
 *  - HWCAP2_DCPODP (bit 0 of AT_HWCAP2, Linux 5.3): DC CVADP, the clean to
 *    the point of deep persistence (FEAT_DPB2, ARMv8.5), which
 *    pmem2_deep_flush uses.
 *  - CTR_EL0.DminLine (bits 19:16): log2 of the number of 4-byte words in
 *    the smallest data cache line, i.e. 4 << DminLine bytes. The clean
 *    loop steps by it; a constant 64 would skip every other line of a
 *    processor with 32-byte lines (QEMU's "max" reports 32) and clean
 *    every line four times on one with 256-byte lines (A64FX).
 *
 * This file is compiled on every architecture, so the unit tests can run
 * the decoder with synthetic values anywhere.
 */
#include <string.h>
#include "pmem2/cpu.h"

void pmem2_cpu_decode_aarch64(const struct pmem2_cpu_raw_aarch64 *raw,
			      struct pmem2_cpu *cpu)
{
	memset(cpu, 0, sizeof(*cpu));
	strcpy(cpu->vendor, "aarch64");
	cpu->arch = "aarch64";
	cpu->dcpop = (raw->hwcap & PMEM2_HWCAP_DCPOP) != 0;
	/* FEAT_DPB2 implies FEAT_DPB; a kernel that says otherwise is not
	 * trusted with the deeper clean either */
	cpu->dcpodp = cpu->dcpop && (raw->hwcap2 & PMEM2_HWCAP2_DCPODP) != 0;
	cpu->clean_to_pop = cpu->dcpop;
	/* 0 means "not read" (CTR_EL0 bit 31 is RES1): the smallest line of
	 * any aarch64 processor known, so no line is ever skipped */
	cpu->line_size =
		raw->ctr_el0 ? pmem2_cpu_line_size(
				       4ULL << ((raw->ctr_el0 >> 16) & 0xf), 16)
			     : 16;
}
