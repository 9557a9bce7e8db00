/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * persist.h -- the functions a map hands out (persist, flush, drain,
 * memmove, memcpy, memset), chosen once per map by effective granularity,
 * and the process-wide CPU dispatch behind them.
 */
#ifndef PMEM2_PERSIST_H
#define PMEM2_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <libpmem2.h>

struct pmem2_mem_ops {
	pmem2_persist_fn persist;
	pmem2_flush_fn flush;
	pmem2_drain_fn drain;
	pmem2_memmove_fn memmove;
	pmem2_memcpy_fn memcpy;
	pmem2_memset_fn memset;
};

/* Detect CPU features and read PMEM_* environment variables; idempotent,
 * thread-safe (pthread_once). Called from the library constructor. */
void pmem2_persist_init(void);

/* The functions for a map of effective granularity g. Never NULL. */
void pmem2_mem_ops_get(enum pmem2_granularity g, struct pmem2_mem_ops *ops);

/* Flush CPU caches for [addr, addr+len) with the best instruction, no fence
 * (used by deep flush on device DAX). */
void pmem2_flush_cpu_caches(const void *addr, size_t len);
void pmem2_fence(void);
/*
 * For pmem2_deep_flush: clean [addr, addr+len) as deep as the processor
 * can (DC CVADP on arm64 with HWCAP2_DCPODP, otherwise the flush of
 * pmem2_flush_cpu_caches), then fence. Returns true when a deeper clean
 * than the persist functions' exists and was used.
 */
bool pmem2_deep_clean(const void *addr, size_t len);

/* Short description of the CPU dispatch: "clwb+sfence, avx512f" etc. */
const char *pmem2_persist_describe(void);

/* What pmem2_persist_init chose (for tests and `pmem2 info`). */
struct pmem2_persist_info {
	/* "clwb", "clflushopt", "clflush", "dc cvap", "dc cvac", "dcbstps",
	 * "dcbf", "cbo.clean", "none" */
	const char *flush;
	/* "sfence", "dsb sy", "phwsync", "hwsync", "fence ow,ow",
	 * "full-barrier" (no port) */
	const char *fence;
	/* what pmem2_deep_flush adds on device DAX ("dc cvadp"), or NULL */
	const char *deep_clean;
	size_t line_size; /* stride of the clean loops */
	/* the flush reaches the point of persistence; when false, why not
	 * (cpu_note), and what CACHE_LINE requests get instead */
	bool clean_to_pop;
	const char *cpu_note;
	/* "generic", "libc", "sse2", "avx", "avx512f", the last three
	 * possibly with "+movdir64b" */
	const char *engine;
	size_t movnt_threshold;	 /* flag-less copies this long go NT */
	/* environment/CPU wishes recorded for the per-ISA engines */
	bool avx, avx512f, movdir64b, wc_workaround;
	/* the tuning table's entry (memops_tune.c) and the CPUID family and
	 * model it was chosen for */
	const char *tuning;
	unsigned family, model;
	bool movnt_threshold_env; /* PMEM_MOVNT_THRESHOLD was set */
	/* PAGE maps: flag-less copies this long stream into a cold
	 * destination (PMEM_MOVNT_THRESHOLD when set: then always) */
	size_t page_movnt_threshold;
	/* BYTE maps: flag-less copies/fills this long stream into a cold
	 * destination */
	size_t big_move_threshold, big_set_threshold;
	/* BYTE and PAGE: a destination is hot (ordinary stores) up to this
	 * size (PAGE: 0 when PMEM_MOVNT_THRESHOLD is set); llc_size is the
	 * last-level cache, 0 when unknown */
	size_t hot_max, page_hot_max, llc_size;
};
const struct pmem2_persist_info *pmem2_persist_info(void);

/*
 * Every clean and fence instruction of every architecture, as the
 * instrumentation names them (and the durability model knows them).
 */
enum pmem2_instr_insn {
	PMEM2_INSN_NONE, /* a store, streaming store or msync */
	/* x86-64 */
	PMEM2_INSN_CLFLUSH,
	PMEM2_INSN_CLFLUSHOPT,
	PMEM2_INSN_CLWB,
	PMEM2_INSN_SFENCE,
	PMEM2_INSN_LFENCE, /* broken variant: orders loads only */
	/* aarch64 */
	PMEM2_INSN_DC_CVAC,
	PMEM2_INSN_DC_CVAP,
	PMEM2_INSN_DC_CVADP,
	PMEM2_INSN_DSB_SY,
	PMEM2_INSN_DMB_ISHST, /* broken variant (PMDK's drain): orders only */
	/* ppc64 */
	PMEM2_INSN_DCBF,
	PMEM2_INSN_DCBSTPS,
	PMEM2_INSN_HWSYNC,
	PMEM2_INSN_PHWSYNC,
	PMEM2_INSN_LWSYNC, /* broken variant: does not wait for cleans */
	/* riscv64 */
	PMEM2_INSN_CBO_CLEAN,
	PMEM2_INSN_FENCE_OW_OW,
	PMEM2_INSN_FENCE_R_R, /* broken variant: orders loads only */
	/* no port */
	PMEM2_INSN_SEQ_CST,
	PMEM2_INSN_COUNT
};

#ifdef PMEM2_INSTRUMENT
/*
 * Instrumentation (built with -DINSTRUMENT=ON): every flushed cache line,
 * fence, non-temporal store and msync is counted per thread and, when a
 * hook is set, reported to it, cleans and fences with the instruction
 * that ran. Tests use it to prove that every written line was flushed (or
 * streamed) and fenced.
 */
enum pmem2_instr_event {
	PMEM2_INSTR_FLUSH, /* addr = the line, len = the clean stride */
	PMEM2_INSTR_FENCE, /* addr = NULL, len = 0 */
	PMEM2_INSTR_NT,	   /* non-temporal store of [addr, addr+len) */
	PMEM2_INSTR_MSYNC, /* msync requested for [addr, addr+len) */
	PMEM2_INSTR_STORE, /* ordinary (temporal) store of [addr, addr+len) */
};
struct pmem2_instr_counters {
	unsigned long flushed_lines;
	unsigned long fences;
	unsigned long nt_stores; /* number of NT store instructions */
	unsigned long nt_bytes;
	unsigned long msyncs;
	unsigned long stores; /* ordinary store instructions */
};
extern __thread struct pmem2_instr_counters pmem2_instr;
typedef void (*pmem2_instr_hook_fn)(enum pmem2_instr_event ev,
				    enum pmem2_instr_insn insn,
				    const void *addr, size_t len, void *arg);
/* Set (or with NULL clear) the calling thread's hook. */
void pmem2_instr_set_hook(pmem2_instr_hook_fn fn, void *arg);
/* The printable name of an instruction ("dc cvap"). */
const char *pmem2_instr_insn_name(enum pmem2_instr_insn insn);

/*
 * Deliberately broken primitives, process-wide, for the durability proof:
 * the model must fail every one of them. Not thread-safe.
 */
enum pmem2_broken {
	PMEM2_BROKEN_NONE,
	PMEM2_BROKEN_NO_FENCE,	  /* fences do nothing */
	PMEM2_BROKEN_WEAK_FENCE,  /* an ordering barrier instead (arm64: DMB
				   * ISHST instead of DSB SY) */
	PMEM2_BROKEN_EARLY_FENCE, /* the fence comes before a range's last
				   * clean, and the next fence is dropped */
};
void pmem2_instr_set_broken(enum pmem2_broken b);
#endif

/*
 * Test-only: force the process-wide dispatch to one engine and flush
 * instruction (maps created afterwards, and pmem2_mem_ops_get, use it), so
 * every kernel can be exercised whatever the environment says. NULL / -1 /
 * SIZE_MAX fields keep the current value. Returns 0, or PMEM2_E_NOSUPP
 * with a message saying why this processor cannot run the choice, or
 * -EINVAL for an unknown name. Not thread-safe: call it only while no
 * other thread copies.
 */
struct pmem2_persist_forced {
	const char *engine; /* a name from pmem2_persist_engines */
	const char *flush;  /* a name of pmem2_persist_info's flush */
	int wc_workaround;  /* 0, 1, or -1 */
	size_t movnt_threshold, page_movnt_threshold;
	size_t big_move_threshold, big_set_threshold;
	/* 0 keep; 1 / 2: pretend the processor's clean does / does not
	 * reach the point of persistence (granularity tests on any host) */
	int clean_to_pop;
};
int pmem2_persist_force(const struct pmem2_persist_forced *f);
/* Back to what pmem2_persist_init chose. */
void pmem2_persist_unforce(void);
/* Every engine of this build, NULL-terminated. */
extern const char *const pmem2_persist_engines[];
/* Every clean instruction of this build ("none" first), NULL-terminated. */
extern const char *const pmem2_persist_flushes[];

#endif
