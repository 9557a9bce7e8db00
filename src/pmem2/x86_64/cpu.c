/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpu.c -- CPUID/XGETBV feature probe for the persistence code.
 *
 * The flush instruction and the copy kernels are chosen once from what the
 * processor implements. A vector extension is only worth using when the
 * operating system also saves its register state on context switches, so
 * AVX and AVX-512 are reported usable only when XCR0 (read with XGETBV,
 * itself only allowed when CPUID says OSXSAVE) has the matching bits set.
 * Without that check a kernel booted with AVX disabled (or a hypervisor
 * hiding it from XCR0) would make the library die with SIGILL.
 *
 * The probe also reads the size of the last-level cache (the deterministic
 * cache parameters, CPUID leaf 4 on Intel, 0x8000001D on AMD): copies
 * larger than the cache gain nothing from ordinary stores, so they stream.
 *
 * This file is compiled on every architecture; the CPUID part only on
 * x86-64. Other architectures with a port have their own probe
 * (src/pmem2/<arch>/probe.c, PMEM2_ARCH_PROBE); elsewhere the probe
 * reports no features.
 */
#include <string.h>
#include "pmem2/cpu.h"

#ifdef __x86_64__
#include <cpuid.h>
#endif

#define BIT(n) (1U << (n))

void pmem2_cpu_decode(const struct pmem2_cpuid_raw *raw, uint64_t xcr0,
		      struct pmem2_cpu *cpu)
{
	memset(cpu, 0, sizeof(*cpu));
	memcpy(cpu->vendor, raw->vendor, 12);
	cpu->vendor[12] = '\0';
	cpu->intel = strcmp(cpu->vendor, "GenuineIntel") == 0;

	if (raw->max_leaf >= 1) {
		cpu->clflush = !!(raw->leaf1_edx & BIT(19));
		cpu->sse2 = !!(raw->leaf1_edx & BIT(26));
		cpu->osxsave = !!(raw->leaf1_ecx & BIT(27));
		cpu->avx = !!(raw->leaf1_ecx & BIT(28));
	}
	if (raw->max_leaf >= 7) {
		cpu->avx512f = !!(raw->leaf7_ebx & BIT(16));
		cpu->clflushopt = !!(raw->leaf7_ebx & BIT(23));
		cpu->clwb = !!(raw->leaf7_ebx & BIT(24));
		cpu->movdir64b = !!(raw->leaf7_ecx & BIT(28));
	}

	cpu->xcr0 = cpu->osxsave ? xcr0 : 0;
	const uint64_t avx_state = PMEM2_XCR0_SSE | PMEM2_XCR0_AVX;
	const uint64_t avx512_state = avx_state | PMEM2_XCR0_OPMASK |
				      PMEM2_XCR0_ZMM_HI256 |
				      PMEM2_XCR0_HI16_ZMM;
	cpu->avx_usable = cpu->avx && (cpu->xcr0 & avx_state) == avx_state;
	cpu->avx512f_usable = cpu->avx512f &&
			      (cpu->xcr0 & avx512_state) == avx512_state;
}

#ifdef __x86_64__

static uint64_t read_xcr0(void)
{
	uint32_t lo, hi;
	/* XGETBV with ECX = 0 reads XCR0 */
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

/*
 * The largest data or unified cache described by a deterministic cache
 * parameters leaf (4 or 0x8000001D, same layout), 0 if none.
 */
static uint64_t largest_cache(unsigned leaf)
{
	uint64_t best = 0;

	for (unsigned i = 0; i < 16; i++) {
		unsigned a, b, c, d;
		__cpuid_count(leaf, i, a, b, c, d);
		unsigned type = a & 31;
		if (type == 0)
			break;
		if (type != 1 && type != 3) /* not data or unified */
			continue;
		uint64_t ways = ((b >> 22) & 1023) + 1;
		uint64_t parts = ((b >> 12) & 1023) + 1;
		uint64_t line = (b & 4095) + 1;
		uint64_t sets = (uint64_t)c + 1;
		uint64_t size = ways * parts * line * sets;
		if (size > best)
			best = size;
	}
	return best;
}

static uint64_t probe_llc(uint32_t max_leaf)
{
	unsigned a, b, c, d;
	uint64_t llc = 0;

	if (max_leaf >= 4)
		llc = largest_cache(4);
	if (llc)
		return llc;
	__cpuid(0x80000000, a, b, c, d);
	if (a >= 0x8000001D) {
		__cpuid(0x80000001, a, b, c, d);
		if (c & BIT(22)) /* topology extensions */
			llc = largest_cache(0x8000001D);
	}
	return llc;
}

void pmem2_cpu_probe(struct pmem2_cpu *cpu)
{
	struct pmem2_cpuid_raw raw;
	unsigned a, b, c, d;
	uint64_t xcr0 = 0;

	memset(&raw, 0, sizeof(raw));
	__cpuid(0, a, b, c, d);
	raw.max_leaf = a;
	raw.vendor[0] = b;
	raw.vendor[1] = d;
	raw.vendor[2] = c;
	if (raw.max_leaf >= 1) {
		__cpuid(1, a, b, c, d);
		raw.leaf1_ecx = c;
		raw.leaf1_edx = d;
	}
	if (raw.max_leaf >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		raw.leaf7_ebx = b;
		raw.leaf7_ecx = c;
	}
	if (raw.leaf1_ecx & BIT(27)) /* OSXSAVE: XGETBV is allowed */
		xcr0 = read_xcr0();

	pmem2_cpu_decode(&raw, xcr0, cpu);
	cpu->x86 = true;
	cpu->llc_size = probe_llc(raw.max_leaf);
}

#elif !defined(PMEM2_ARCH_PROBE) /* no port: src/pmem2/<arch>/probe.c */

void pmem2_cpu_probe(struct pmem2_cpu *cpu)
{
	struct pmem2_cpuid_raw raw;

	memset(&raw, 0, sizeof(raw));
	pmem2_cpu_decode(&raw, 0, cpu);
	strcpy(cpu->vendor, "non-x86");
}

#endif
