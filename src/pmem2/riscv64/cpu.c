/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpu.c -- what a riscv64 processor offers the persistence code, decoded
 * from the answer of the riscv_hwprobe system call (probe.c).
 *
 * cbo.clean (Zicbom) is usable from user space only when the kernel says
 * so: Linux 6.15 enables it for user mode and, in the same series,
 * reports RISCV_HWPROBE_EXT_ZICBOM (bit 55 of key 4, IMA_EXT_0) and the
 * block size (key 12, ZICBOM_BLOCK_SIZE). Older kernels fail the call
 * (ENOSYS before 6.4) or do not report the bit, and cbo.clean would raise
 * SIGILL: the library then has no clean instruction at all, and
 * CACHE_LINE maps persist with msync. It never "flushes" with nothing
 * (PMDK's riscv64 flush is empty).
 *
 * PMEM2_TEST_ZICBOM_BLOCK_SIZE=<power of two> is for testing only: when
 * the kernel does not report Zicbom (as under QEMU 7.2's user mode, which
 * implements neither the system call nor the instruction), it makes the
 * library use cbo.clean with that block size anyway. On a machine whose
 * kernel does not allow cbo.clean the process then dies of SIGILL on its
 * first persist.
 *
 * Compiled on every architecture (the unit tests run the decoder with
 * synthetic values).
 */
#include <stdlib.h>
#include <string.h>
#include "pmem2/cpu.h"

void pmem2_cpu_decode_riscv64(const struct pmem2_cpu_raw_riscv64 *raw,
			      struct pmem2_cpu *cpu)
{
	memset(cpu, 0, sizeof(*cpu));
	strcpy(cpu->vendor, "riscv64");
	cpu->arch = "riscv64";
	cpu->hwprobe_errno = raw->hwprobe_errno;
	cpu->line_size = 64; /* unused without Zicbom */

	if (!raw->hwprobe_errno &&
	    (raw->ima_ext_0 & PMEM2_RISCV_HWPROBE_EXT_ZICBOM)) {
		size_t b = pmem2_cpu_line_size(raw->zicbom_block, 0);
		if (b) {
			cpu->zicbom = true;
			cpu->line_size = b;
		}
	} else if (raw->force_block && *raw->force_block) {
		char *end;
		unsigned long long v = strtoull(raw->force_block, &end, 10);
		size_t b = *end ? 0 : pmem2_cpu_line_size(v, 0);
		if (b) {
			cpu->zicbom = true;
			cpu->zicbom_forced = true;
			cpu->line_size = b;
		}
	}
	cpu->clean_to_pop = cpu->zicbom;
}
