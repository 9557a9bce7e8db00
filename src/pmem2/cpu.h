/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpu.h -- what the processor (and the operating system) lets the
 * persistence code use: cache-flush instructions, vector extensions whose
 * register state the OS saves, and the vendor.
 *
 * The probe is split in two: reading the raw values (CPUID/XCR0 on x86-64,
 * the ELF hardware capabilities and CTR_EL0 on aarch64 and ppc64, the
 * riscv_hwprobe system call on riscv64) and decoding them (pure, testable
 * with synthetic values). Each architecture's probe lives in
 * src/pmem2/<arch>/cpu.c; an architecture without a port reports no
 * features at all (x86_64/cpu.c).
 */
#ifndef PMEM2_CPU_H
#define PMEM2_CPU_H

#include <stdbool.h>
#include <stddef.h>
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

	/*
	 * What every architecture fills (the x86-64 probe too): the stride
	 * of the cache-clean loop (the smallest data cache line), whether
	 * the clean instruction the library will use reaches the point of
	 * persistence, and the architecture's own features. Off x86-64 the
	 * decoders are pmem2_cpu_decode_<arch> (src/pmem2/<arch>/cpu.c).
	 */
	size_t line_size;
	bool clean_to_pop; /* a clean to the point of persistence */
	const char *arch;  /* "x86_64", "aarch64", "ppc64", "riscv64" */
	/* aarch64: DC CVAP (HWCAP_DCPOP), DC CVADP (HWCAP2_DCPODP) */
	bool dcpop, dcpodp;
	/* ppc64: ISA 3.1 (Power10: dcbstps, phwsync; PPC_FEATURE2_ARCH_3_1) */
	bool isa31;
	/* riscv64: Zicbom usable from user space (cbo.clean) */
	bool zicbom;
	bool zicbom_forced; /* by PMEM2_TEST_ZICBOM_BLOCK_SIZE (tests) */
	int hwprobe_errno;  /* riscv_hwprobe failed with it, or 0 */
};

/* What the aarch64 decoder reads: getauxval(AT_HWCAP/AT_HWCAP2), CTR_EL0. */
struct pmem2_cpu_raw_aarch64 {
	unsigned long hwcap, hwcap2;
	uint64_t ctr_el0;
};
#define PMEM2_HWCAP_DCPOP (1UL << 16)  /* Linux 4.14 */
#define PMEM2_HWCAP2_DCPODP (1UL << 0) /* Linux 5.3 */
void pmem2_cpu_decode_aarch64(const struct pmem2_cpu_raw_aarch64 *raw,
			      struct pmem2_cpu *cpu);

/* What the ppc64 decoder reads: AT_HWCAP2 and AT_DCACHEBSIZE. */
struct pmem2_cpu_raw_ppc64 {
	unsigned long hwcap2;
	unsigned long dcache_bsize; /* 0 when the kernel did not say */
};
#define PMEM2_PPC_FEATURE2_ARCH_3_1 0x00040000UL
void pmem2_cpu_decode_ppc64(const struct pmem2_cpu_raw_ppc64 *raw,
			    struct pmem2_cpu *cpu);

/* What the riscv64 decoder reads: riscv_hwprobe keys 4 and 12. */
struct pmem2_cpu_raw_riscv64 {
	int hwprobe_errno;	 /* 0: the values below are valid */
	uint64_t ima_ext_0;	 /* RISCV_HWPROBE_KEY_IMA_EXT_0 (4) */
	uint64_t zicbom_block;	 /* RISCV_HWPROBE_KEY_ZICBOM_BLOCK_SIZE (12) */
	const char *force_block; /* PMEM2_TEST_ZICBOM_BLOCK_SIZE, or NULL */
};
#define PMEM2_RISCV_HWPROBE_EXT_ZICBOM (1ULL << 55)
void pmem2_cpu_decode_riscv64(const struct pmem2_cpu_raw_riscv64 *raw,
			      struct pmem2_cpu *cpu);

/*
 * The clean-loop stride from a reported line size: a power of two is kept
 * (clamped to 4096: a shorter stride than the real line only cleans a line
 * twice, a longer one would skip lines), anything else gives fallback.
 */
size_t pmem2_cpu_line_size(uint64_t reported, size_t fallback);

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
