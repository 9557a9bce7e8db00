/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memops.h -- the contract between the dispatcher (persist.c) and the copy
 * engines (memops_generic.c, memops_libc.c, x86_64/memcpy_*.c and
 * x86_64/memset_*.c).
 *
 * An engine is a family of store kernels (portable C, libc, SSE2, AVX,
 * AVX-512F, each optionally with MOVDIR64B for the streaming part). Each
 * engine exports, for memmove and for memset, the complete entry points a
 * map hands out: one per granularity, and for CACHE_LINE one per cache-flush
 * instruction, so the flush instruction, the granularity rules and the
 * vector width are all compiled into the function and a call costs no
 * dispatch beyond the flag tests it must make anyway.
 *
 * This header is also the architecture seam: it picks the processor's
 * clean and fence primitives (src/pmem2/<arch>/flush.h) and the list of
 * clean instructions the entry points are generated for, and it provides
 * the instrumentation hooks (compiled in only with PMEM2_INSTRUMENT); the
 * shared state (tunables, hook) is defined in memops.c, the PAGE persist
 * step in page_sync.c.
 */
#ifndef PMEM2_MEMOPS_H
#define PMEM2_MEMOPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libpmem2.h>
#include "page_sync.h"
#include "persist.h"

#define MEMOPS_INLINE static inline __attribute__((always_inline))
#define MEMOPS_HIDDEN __attribute__((visibility("hidden")))

/*
 * The cache-clean instruction a CACHE_LINE entry point is built for: one
 * list per architecture. PMEM2_FLUSH_KINDS(X, a, b) expands
 * X(a, b, short name, kind, name shown, instruction reported) once per
 * kind, so the entry points (memops_entries.h) and the dispatcher
 * (persist.c) are generated from the same list. Kind 0 is always "none":
 * no clean instruction (CACHE_LINE maps then use the PAGE functions).
 */
#if defined(__x86_64__)
enum pmem2_flush_kind {
	PMEM2_FK_NONE,
	PMEM2_FK_CLFLUSH,
	PMEM2_FK_CLFLUSHOPT,
	PMEM2_FK_CLWB,
	PMEM2_FK_COUNT
};
#define PMEM2_FLUSH_KINDS(X, a, b)                                             \
	X(a, b, none, PMEM2_FK_NONE, "none", PMEM2_INSN_NONE)                  \
	X(a, b, clflush, PMEM2_FK_CLFLUSH, "clflush", PMEM2_INSN_CLFLUSH)      \
	X(a, b, clflushopt, PMEM2_FK_CLFLUSHOPT, "clflushopt",                 \
	  PMEM2_INSN_CLFLUSHOPT)                                               \
	X(a, b, clwb, PMEM2_FK_CLWB, "clwb", PMEM2_INSN_CLWB)
#elif defined(__aarch64__)
enum pmem2_flush_kind {
	PMEM2_FK_NONE,
	PMEM2_FK_DC_CVAC, /* clean to the point of coherency (ARMv8.0) */
	PMEM2_FK_DC_CVAP, /* clean to the point of persistence (DCPoP) */
	PMEM2_FK_COUNT
};
#define PMEM2_FLUSH_KINDS(X, a, b)                                             \
	X(a, b, none, PMEM2_FK_NONE, "none", PMEM2_INSN_NONE)                  \
	X(a, b, cvac, PMEM2_FK_DC_CVAC, "dc cvac", PMEM2_INSN_DC_CVAC)         \
	X(a, b, cvap, PMEM2_FK_DC_CVAP, "dc cvap", PMEM2_INSN_DC_CVAP)
#elif defined(__powerpc64__)
enum pmem2_flush_kind {
	PMEM2_FK_NONE,
	PMEM2_FK_DCBF,	  /* before ISA 3.1 */
	PMEM2_FK_DCBSTPS, /* ISA 3.1 (Power10) */
	PMEM2_FK_COUNT
};
#define PMEM2_FLUSH_KINDS(X, a, b)                                             \
	X(a, b, none, PMEM2_FK_NONE, "none", PMEM2_INSN_NONE)                  \
	X(a, b, dcbf, PMEM2_FK_DCBF, "dcbf", PMEM2_INSN_DCBF)                  \
	X(a, b, dcbstps, PMEM2_FK_DCBSTPS, "dcbstps", PMEM2_INSN_DCBSTPS)
#elif defined(__riscv) && __riscv_xlen == 64
enum pmem2_flush_kind {
	PMEM2_FK_NONE,
	PMEM2_FK_CBO_CLEAN, /* Zicbom */
	PMEM2_FK_COUNT
};
#define PMEM2_FLUSH_KINDS(X, a, b)                                             \
	X(a, b, none, PMEM2_FK_NONE, "none", PMEM2_INSN_NONE)                  \
	X(a, b, cbo_clean, PMEM2_FK_CBO_CLEAN, "cbo.clean",                    \
	  PMEM2_INSN_CBO_CLEAN)
#else
enum pmem2_flush_kind { PMEM2_FK_NONE, PMEM2_FK_COUNT };
#define PMEM2_FLUSH_KINDS(X, a, b)                                             \
	X(a, b, none, PMEM2_FK_NONE, "none", PMEM2_INSN_NONE)
#endif

/* How an engine writes whole cache lines non-temporally. */
enum pmem2_nt_method {
	PMEM2_NTM_NONE,	     /* no streaming stores: generic C, libc */
	PMEM2_NTM_VEC,	     /* the engine's vector streaming store */
	PMEM2_NTM_MOVDIR64B, /* one 64-byte direct store per line */
};

struct pmem2_memmove_set {
	pmem2_memmove_fn cl[PMEM2_FK_COUNT];
	pmem2_memmove_fn byte;
	pmem2_memmove_fn page;
};

struct pmem2_memset_set {
	pmem2_memset_fn cl[PMEM2_FK_COUNT];
	pmem2_memset_fn byte;
	pmem2_memset_fn page;
};

/*
 * Thresholds and switches the entry points read on every call; written
 * once by pmem2_persist_init (from the tuning table, memops_tune.c, and the
 * environment) and by the test-only selector. Defined, with these defaults
 * until then, in memops.c.
 */
#define PMEM2_DEFAULT_MOVNT_THRESHOLD ((size_t)256)
#define PMEM2_DEFAULT_BYTE_MOVNT ((size_t)2048)
#define PMEM2_DEFAULT_BYTE_SET_MOVNT ((size_t)65536)
#define PMEM2_DEFAULT_HOT_MAX ((size_t)1 << 20)

struct pmem2_memops_tun {
	/* CACHE_LINE: flag-less copies of at least this many bytes stream
	 * (PMEM_MOVNT_THRESHOLD, default 256) */
	size_t movnt_threshold;
	/* PAGE: flag-less copies/fills of at least this many bytes stream
	 * into a cold destination (see memops_cold) */
	size_t page_movnt_threshold;
	/* BYTE: the same, for copies and for fills */
	size_t big_move_threshold;
	size_t big_set_threshold;
	/* BYTE and PAGE: a flag-less copy/fill into a destination this
	 * thread wrote so recently that at most this many bytes were written
	 * since (its own included) uses ordinary stores; 0: never (PAGE:
	 * when PMEM_MOVNT_THRESHOLD is set) */
	size_t hot_max;
	size_t page_hot_max;
	/* BYTE: so does a copy/fill up to this size that starts where this
	 * thread's previous one ended (memops_cold) */
	size_t byte_seq_move_max;
	size_t byte_seq_set_max;
	/* sfence after every 768 bytes of SSE2/AVX streaming stores */
	bool wc_workaround;
};
extern MEMOPS_HIDDEN struct pmem2_memops_tun pmem2_tun;

/*
 * The tuning table (memops_tune.c): per processor family, the numbers
 * measured there, or a documented default.
 */
struct pmem2_tuning {
	const char *vendor; /* CPUID vendor string; NULL: any */
	int family;	    /* CPUID family (base + extended); -1: any */
	unsigned model_min, model_max;
	const char *name;   /* what the entry stands for */
	const char *source; /* where its numbers come from */
	size_t movnt_threshold;
	size_t page_movnt_threshold;
	size_t byte_movnt_threshold;	 /* copies */
	size_t byte_set_movnt_threshold; /* fills */
	/* BYTE: ordinary stores for a copy/fill continuing the previous
	 * one up to this size */
	size_t byte_seq_move_max, byte_seq_set_max;
	/* hot_max = last-level cache / hot_llc_div, at most hot_max_cap
	 * (0: no cap) */
	unsigned hot_llc_div;
	size_t hot_max_cap;
	bool movdir64b; /* MOVDIR64B streaming by default, where present */
};
const struct pmem2_tuning *pmem2_tuning_lookup(const char *vendor,
					       unsigned family, unsigned model);
/* the entry for this processor; its family and model */
const struct pmem2_tuning *
pmem2_tuning_probe(const char *vendor, unsigned *family, unsigned *model);
size_t pmem2_tuning_hot_max(const struct pmem2_tuning *t, uint64_t llc_size);
/* family and model from CPUID leaf 1 EAX (the displayed values) */
void pmem2_cpu_family_model(uint32_t leaf1_eax, unsigned *family,
			    unsigned *model);

/*
 * Where this thread's flag-less PAGE and BYTE copies wrote last (see
 * memops_cold): a few destination ranges, each with the value of the
 * thread's byte clock after it was written. Thread-local, so no thread
 * writes anything another one reads. (Not initial-exec: that would mark
 * the library STATIC_TLS, and dlopen() of it could then fail for want of
 * static TLS space; the lookup costs a few nanoseconds, and only copies
 * from the streaming threshold on make it.)
 */
#define PMEM2_HOT_SLOTS 4
struct pmem2_hot {
	uintptr_t start[PMEM2_HOT_SLOTS];
	uintptr_t end[PMEM2_HOT_SLOTS];
	uint64_t when[PMEM2_HOT_SLOTS];
	uint64_t clock;	   /* bytes written by those copies, ever */
	uintptr_t last_end; /* where the last of them ended */
	unsigned next;	    /* the slot to reuse next */
};
extern MEMOPS_HIDDEN __thread struct pmem2_hot pmem2_hot;

/*
 * Should a flag-less copy or fill of len bytes (at least the streaming
 * threshold) to d on a PAGE or BYTE map stream? Only the cache decides:
 * ordinary stores into lines that are in the cache cost a few cycles and
 * write nothing to memory, into lines that are not they first read every
 * line from memory (read-for-ownership) and write it back later, which
 * costs up to twice what streaming it costs. What is in the cache is not
 * known, but what this thread wrote recently is a good guess: a destination
 * inside a range it wrote so recently that at most max bytes were
 * written since is taken to be hot (ordinary stores), any other one cold
 * (streamed). A copy larger than max (hot_max or page_hot_max) always
 * streams. One more case counts as hot: a destination that starts where
 * this thread's previous one ended, up to seq_max bytes -- the processor's
 * prefetcher follows such a sequence (a log being appended to) and has its
 * next lines on the way, so ordinary stores do not wait for them. Records
 * this write. Out of line (memops.c): the thread-local lookup is a call,
 * which would make every caller save its registers.
 */
MEMOPS_HIDDEN bool memops_cold(const void *d, size_t len, size_t max,
			       size_t seq_max);

/* ------------------------------------------------------------------ */
/* instrumentation                                                     */

#ifdef PMEM2_INSTRUMENT
MEMOPS_HIDDEN void pmem2_instr_event(enum pmem2_instr_event ev,
				     enum pmem2_instr_insn insn,
				     const void *addr, size_t len);
/* a store or msync: no instruction to name */
#define INSTR(ev, addr, len)                                                   \
	pmem2_instr_event(PMEM2_INSTR_##ev, PMEM2_INSN_NONE,                   \
			  (const void *)(addr), (len))
/* a clean or a fence: which instruction it was */
#define INSTR_I(ev, insn, addr, len)                                           \
	pmem2_instr_event(PMEM2_INSTR_##ev, (insn), (const void *)(addr), (len))

/*
 * Deliberately broken variants of the primitives, for the durability
 * proof only (pmem2_instr_set_broken): with one of them set, the kernels
 * run as usual but drop their fences, fence with a barrier that only
 * orders (DMB on arm64), or fence before the last clean of a range. A
 * fence first asks pmem2_instr_fence_broken() whether the variant
 * replaces it. Not compiled into the library proper.
 */
extern MEMOPS_HIDDEN int pmem2_instr_broken;
MEMOPS_HIDDEN bool pmem2_instr_fence_broken(void);
#define MEMOPS_FENCE_BROKEN()                                                  \
	(unlikely(pmem2_instr_broken != 0) && pmem2_instr_fence_broken())
#else
#define INSTR(ev, addr, len) ((void)0)
#define INSTR_I(ev, insn, addr, len) ((void)0)
#define MEMOPS_FENCE_BROKEN() 0
#endif

/*
 * The stride of the clean loops: the smallest data cache line. A constant
 * 64 on x86-64; elsewhere what the processor reports (CTR_EL0 on aarch64,
 * AT_DCACHEBSIZE on ppc64, the Zicbom block size on riscv64), set once by
 * pmem2_persist_init (memops.c holds it).
 */
#ifdef __x86_64__
#define PMEM2_LINE_SIZE ((size_t)64)
#else
extern MEMOPS_HIDDEN size_t pmem2_line_size;
#define PMEM2_LINE_SIZE pmem2_line_size
#endif

/* ------------------------------------------------------------------ */
/* flush and fence primitives                                          */

/*
 * Each architecture's header defines flush_line(fk, p) (one clean of the
 * line holding p, nothing for PMEM2_FK_NONE), fence() (waits until the
 * cleans before it are complete, and orders them before later stores),
 * and fence_wc() (the write-combining workaround's fence, x86 only);
 * aarch64's also deep_clean_line(p), the deeper clean of pmem2_deep_flush.
 * They are used only where the dispatcher found the processor able to run
 * them.
 */
#if defined(__x86_64__)
#include "pmem2/x86_64/flush.h"
#elif defined(__aarch64__)
#include "pmem2/aarch64/flush.h"
#elif defined(__powerpc64__)
#include "pmem2/ppc64/flush.h"
#elif defined(__riscv) && __riscv_xlen == 64
#include "pmem2/riscv64/flush.h"
#else
/*
 * No port: no clean instruction is known, so CACHE_LINE maps use the PAGE
 * (msync) functions; the fence only orders stores (BYTE maps).
 */
MEMOPS_INLINE void flush_line(const int fk, const void *p)
{
	(void)fk;
	(void)p;
}

MEMOPS_INLINE void fence(void)
{
	if (MEMOPS_FENCE_BROKEN())
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	INSTR_I(FENCE, PMEM2_INSN_SEQ_CST, NULL, 0);
}

/* an intermediate fence for write-combining buffers: x86 only */
MEMOPS_INLINE void fence_wc(void)
{
}
#endif

#ifdef PMEM2_INSTRUMENT
/* the "fence before the last clean" variant of flush_range (memops.c) */
MEMOPS_HIDDEN void pmem2_instr_flush_range_early(const int fk, const void *addr,
						 size_t len);
#endif

/* clean every cache line touching [addr, addr+len), no fence */
MEMOPS_INLINE void flush_range(const int fk, const void *addr, size_t len)
{
	if (fk == PMEM2_FK_NONE || !len)
		return;
#ifdef PMEM2_INSTRUMENT
	if (unlikely(pmem2_instr_broken == PMEM2_BROKEN_EARLY_FENCE)) {
		pmem2_instr_flush_range_early(fk, addr, len);
		return;
	}
#endif
	const size_t ls = PMEM2_LINE_SIZE;
	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(ls - 1);
	uintptr_t end = (uintptr_t)addr + len;
	do {
		flush_line(fk, (const void *)p);
		p += ls;
	} while (p < end);
}

/* forward copying (ascending addresses) is overlap-safe */
MEMOPS_INLINE bool memops_fwd(const void *d, const void *s, size_t n)
{
	return (uintptr_t)d - (uintptr_t)s >= n;
}

/* ------------------------------------------------------------------ */
/* the engines                                                         */

#define MEMOPS_ENGINE(name)                                                    \
	extern MEMOPS_HIDDEN const struct pmem2_memmove_set                    \
		pmem2_memmove_##name;                                          \
	extern MEMOPS_HIDDEN const struct pmem2_memset_set pmem2_memset_##name

MEMOPS_ENGINE(generic);
MEMOPS_ENGINE(libc);
#ifdef __x86_64__
MEMOPS_ENGINE(sse2);
MEMOPS_ENGINE(sse2_movdir64b);
MEMOPS_ENGINE(avx);
MEMOPS_ENGINE(avx_movdir64b);
MEMOPS_ENGINE(avx512f);
MEMOPS_ENGINE(avx512f_movdir64b);
#endif

#endif
