/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * probe.c -- read what the aarch64 decoder (cpu.c) needs: AT_HWCAP and
 * AT_HWCAP2 from the auxiliary vector, and CTR_EL0, which Linux lets user
 * space read (directly, or by trapping and emulating the read with the
 * system-wide safe value on processors with mismatched caches).
 * Compiled only for aarch64 (CMakeLists.txt).
 */
#include <sys/auxv.h>
#include "pmem2/cpu.h"

#ifndef AT_HWCAP2
#define AT_HWCAP2 26
#endif

void pmem2_cpu_probe(struct pmem2_cpu *cpu)
{
	struct pmem2_cpu_raw_aarch64 raw;

	raw.hwcap = getauxval(AT_HWCAP);
	raw.hwcap2 = getauxval(AT_HWCAP2);
	__asm__ volatile("mrs %0, ctr_el0" : "=r"(raw.ctr_el0));
	pmem2_cpu_decode_aarch64(&raw, cpu);
}
