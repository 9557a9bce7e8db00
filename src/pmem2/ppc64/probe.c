/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * probe.c -- read what the ppc64 decoder (cpu.c) needs from the auxiliary
 * vector: AT_HWCAP2 and AT_DCACHEBSIZE. Compiled only for ppc64
 * (CMakeLists.txt).
 */
#include <sys/auxv.h>
#include "pmem2/cpu.h"

#ifndef AT_HWCAP2
#define AT_HWCAP2 26
#endif
#ifndef AT_DCACHEBSIZE
#define AT_DCACHEBSIZE 19
#endif

void pmem2_cpu_probe(struct pmem2_cpu *cpu)
{
	struct pmem2_cpu_raw_ppc64 raw;

	raw.hwcap2 = getauxval(AT_HWCAP2);
	raw.dcache_bsize = getauxval(AT_DCACHEBSIZE);
	pmem2_cpu_decode_ppc64(&raw, cpu);
}
