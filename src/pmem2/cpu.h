/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpu.h -- what the processor (and the operating system) lets the
 * persistence code use: cache-flush instructions, vector extensions whose
 * register state the OS saves, and the vendor.
 *
 * The probe is split in two: reading the raw CPUID/XCR0 values (only
 * possible on x86-64) and decoding them (pure, testable with synthetic
 * values). On other architectures the probe reports no features at all.
 */
#ifndef PMEM2_CPU_H
#define PMEM2_CPU_H

#include <stdbool.h>
#include <stdint.h>

/* The CPUID words the decoder looks at. */
struct pmem2_cpuid_raw {
	uint32_t max_leaf;    /* leaf 0 EAX */
	uint32_t vendor[3];   /* leaf 0 EBX, EDX, ECX: "GenuineIntel" */
	uint32_t leaf1_ecx;   /* OSXSAVE 27, AVX 28 */
	uint32_t leaf1_edx;   /* CLFLUSH 19, SSE2 26 */
	uint32_t leaf7_ebx;   /* AVX512F 16, CLFLUSHOPT 23, CLWB 24 */
	uint32_t leaf7_ecx;   /* MOVDIR64B 28 */
};

struct pmem2_cpu {
	char vendor[13];
	bool intel;	 /* vendor is GenuineIntel */
	bool x86;	 /* the probe ran on x86-64 */
	/* what CPUID says the processor implements */
	bool clflush;
	bool clflushopt;
	bool clwb;
	bool sse2;
	bool avx;
	bool avx512f;
	bool movdir64b;
	bool osxsave;	 /* XGETBV can be executed */
	uint64_t xcr0;	 /* 0 when XGETBV is not available */
	/* implemented AND the OS saves the register state (XCR0) */
	bool avx_usable;     /* XCR0 bits 1 (SSE) and 2 (AVX) */
	bool avx512f_usable; /* also bits 5, 6, 7 (opmask, ZMM) */
	/* size of the largest cache (CPUID leaf 4 or 0x8000001D); 0 when
	 * unknown. Filled by pmem2_cpu_probe only. */
	uint64_t llc_size;
};

#define PMEM2_XCR0_SSE (1ULL << 1)
#define PMEM2_XCR0_AVX (1ULL << 2)
#define PMEM2_XCR0_OPMASK (1ULL << 5)
#define PMEM2_XCR0_ZMM_HI256 (1ULL << 6)
#define PMEM2_XCR0_HI16_ZMM (1ULL << 7)

/* Decode raw values (xcr0 is ignored unless OSXSAVE is set). Pure. */
void pmem2_cpu_decode(const struct pmem2_cpuid_raw *raw, uint64_t xcr0,
		      struct pmem2_cpu *cpu);

/* Probe this processor. On non-x86 builds every feature is false. */
void pmem2_cpu_probe(struct pmem2_cpu *cpu);

#endif
