/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * persist.c -- the persist/flush/drain/memmove/memcpy/memset functions a
 * map hands out, and the process-wide CPU dispatch behind them.
 *
 * Two levels of choice:
 *
 *  1. Once per process (pmem2_persist_init): which cache-flush instruction
 *     (CLWB > CLFLUSHOPT > CLFLUSH, PMEM_NO_CLWB / PMEM_NO_CLFLUSHOPT),
 *     which fence, and which "copy engine" -- a table of store kernels
 *     (temporal and non-temporal, for whole cache lines and for arbitrary
 *     pieces). Today there are three engines: SSE2 streaming stores, a
 *     portable C one built on 8-byte stores (PMEM_NO_MOVNT=1, non-x86) and
 *     libc memmove/memset (PMEM_NO_GENERIC_MEMCPY). Faster per-ISA engines
 *     (AVX, AVX-512, MOVDIR64B) slot into the same table later; the
 *     environment wishes for them are already recorded.
 *
 *  2. Once per map (pmem2_mem_ops_get), by effective store granularity:
 *       CACHE_LINE  flush = flush each 64-byte line, drain = fence,
 *                   persist = both; mem ops flush every written line
 *                   (or stream it) and fence unless NODRAIN/NOFLUSH.
 *       BYTE        nothing to flush (eADR, private or anonymous memory);
 *                   persist/drain = fence; mem ops copy and fence.
 *       PAGE        flush = persist = msync of the page-aligned range
 *                   clipped to registered maps, without CPU cache flushes
 *                   (msync writes the pages back anyway); drain = nothing;
 *                   mem ops copy and msync unless NOFLUSH.
 *
 * Every copy goes through one driver: the destination is split into an
 * unaligned head, whole 64-byte lines, and a tail. Head and tail always
 * use ordinary stores (and are flushed); the lines use streaming stores
 * when non-temporal was chosen, otherwise ordinary stores flushed chunk by
 * chunk while still hot. Pieces are processed in the order that keeps an
 * overlapping move correct (ascending when the destination is below the
 * source, descending otherwise), and every kernel is itself overlap-safe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __x86_64__
#include <immintrin.h>
#endif
#include "../core/err.h"
#include "../core/os.h"
#include "../core/util.h"
#include "cpu.h"
#include "map.h"
#include "persist.h"

#define LINE ((uintptr_t)CACHELINE_SIZE)
#define LINE_MASK (LINE - 1)
/* temporal copies of whole lines are flushed every this many bytes, so the
 * flush finds the lines still in the cache */
#define FLUSH_CHUNK ((size_t)4096)
#define DEFAULT_MOVNT_THRESHOLD ((size_t)256)

/* ------------------------------------------------------------------ */
/* instrumentation                                                     */

#ifdef PMEM2_INSTRUMENT
__thread struct pmem2_instr_counters pmem2_instr;
static __thread pmem2_instr_hook_fn instr_hook;
static __thread void *instr_arg;

void pmem2_instr_set_hook(pmem2_instr_hook_fn fn, void *arg)
{
	instr_hook = fn;
	instr_arg = arg;
}

static void instr(enum pmem2_instr_event ev, const void *addr, size_t len)
{
	switch (ev) {
	case PMEM2_INSTR_FLUSH:
		pmem2_instr.flushed_lines++;
		break;
	case PMEM2_INSTR_FENCE:
		pmem2_instr.fences++;
		break;
	case PMEM2_INSTR_NT:
		pmem2_instr.nt_stores++;
		pmem2_instr.nt_bytes += len;
		break;
	case PMEM2_INSTR_MSYNC:
		pmem2_instr.msyncs++;
		break;
	}
	if (instr_hook)
		instr_hook(ev, addr, len, instr_arg);
}
#define INSTR(ev, addr, len) instr(PMEM2_INSTR_##ev, (addr), (len))
#else
#define INSTR(ev, addr, len) ((void)(addr), (void)(len))
#endif

/* ------------------------------------------------------------------ */
/* flush and fence primitives (no fence inside a flush)                */

static void flush_none(const void *addr, size_t len)
{
	(void)addr;
	(void)len;
}

#ifdef __x86_64__
/* Each walks the 64-byte lines touching [addr, addr+len). */
#define FLUSH_LOOP(insn)                                                     \
	do {                                                                 \
		if (!len)                                                    \
			return;                                              \
		uintptr_t p = (uintptr_t)addr & ~LINE_MASK;                  \
		uintptr_t end = (uintptr_t)addr + len;                       \
		for (; p < end; p += LINE) {                                 \
			insn((void *)p);                                     \
			INSTR(FLUSH, (const void *)p, LINE);                 \
		}                                                            \
	} while (0)

static void flush_clflush(const void *addr, size_t len)
{
	FLUSH_LOOP(_mm_clflush);
}

__attribute__((target("clflushopt"))) static void
flush_clflushopt(const void *addr, size_t len)
{
	FLUSH_LOOP(_mm_clflushopt);
}

__attribute__((target("clwb"))) static void flush_clwb(const void *addr,
							size_t len)
{
	FLUSH_LOOP(_mm_clwb);
}

static void fence_sfence(void)
{
	_mm_sfence();
	INSTR(FENCE, (const void *)NULL, 0);
}
#endif

/* Without a known cache-flush instruction all we can do is order. */
static void fence_full(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	INSTR(FENCE, (const void *)NULL, 0);
}

/* ------------------------------------------------------------------ */
/* copy engines                                                        */

/*
 * A copy engine. All kernels use ordinary or streaming stores only: none
 * flushes and none fences (the driver does). Every move kernel is
 * overlap-safe on its own.
 */
struct copy_engine {
	const char *name;
	/* any alignment, any length, temporal */
	void (*move)(char *d, const char *s, size_t n);
	void (*set)(char *d, int c, size_t n);
	/* d 64-byte aligned, n a multiple of 64, temporal */
	void (*move_lines)(char *d, const char *s, size_t n);
	void (*set_lines)(char *d, int c, size_t n);
	/* same, non-temporal; NULL when the engine has no streaming stores */
	void (*move_lines_nt)(char *d, const char *s, size_t n);
	void (*set_lines_nt)(char *d, int c, size_t n);
};

/* forward = ascending addresses is safe (no overlap, or dst below src) */
static inline bool move_forward(const char *d, const char *s, size_t n)
{
	return (uintptr_t)d - (uintptr_t)s >= n;
}

/*
 * Portable kernels: every 8-byte-aligned 8-byte word of the destination
 * that lies wholly inside the range is written by one 8-byte store, so a
 * reader (or a power failure) never sees half of such a word; the ragged
 * ends use byte stores. volatile keeps the compiler from splitting or
 * merging the stores.
 */
static void generic_move_fwd(char *d, const char *s, size_t n)
{
	while (n && ((uintptr_t)d & 7)) {
		*(volatile char *)d++ = *s++;
		n--;
	}
	while (n >= 8) {
		uint64_t v;
		memcpy(&v, s, 8);
		*(volatile uint64_t *)(void *)d = v;
		d += 8;
		s += 8;
		n -= 8;
	}
	while (n--)
		*(volatile char *)d++ = *s++;
}

static void generic_move_bwd(char *d, const char *s, size_t n)
{
	d += n;
	s += n;
	while (n && ((uintptr_t)d & 7)) {
		*(volatile char *)--d = *--s;
		n--;
	}
	while (n >= 8) {
		uint64_t v;
		d -= 8;
		s -= 8;
		memcpy(&v, s, 8);
		*(volatile uint64_t *)(void *)d = v;
		n -= 8;
	}
	while (n--)
		*(volatile char *)--d = *--s;
}

static void generic_move(char *d, const char *s, size_t n)
{
	if (move_forward(d, s, n))
		generic_move_fwd(d, s, n);
	else
		generic_move_bwd(d, s, n);
}

static void generic_set(char *d, int c, size_t n)
{
	uint64_t v = 0x0101010101010101ULL * (uint8_t)c;

	while (n && ((uintptr_t)d & 7)) {
		*(volatile char *)d++ = (char)c;
		n--;
	}
	while (n >= 8) {
		*(volatile uint64_t *)(void *)d = v;
		d += 8;
		n -= 8;
	}
	while (n--)
		*(volatile char *)d++ = (char)c;
}

static void libc_move(char *d, const char *s, size_t n)
{
	memmove(d, s, n);
}

static void libc_set(char *d, int c, size_t n)
{
	memset(d, c, n);
}

static const struct copy_engine engine_generic = {
	.name = "generic",
	.move = generic_move,
	.set = generic_set,
	.move_lines = generic_move,
	.set_lines = generic_set,
};

static const struct copy_engine engine_libc = {
	.name = "libc",
	.move = libc_move,
	.set = libc_set,
	.move_lines = libc_move,
	.set_lines = libc_set,
};

#ifdef __x86_64__
/*
 * SSE2 line kernels. Each 64-byte line is loaded completely before it is
 * stored, and lines are walked in the overlap-safe direction, so an
 * overlapping move never reads bytes it has already overwritten.
 */
#define SSE2_LINE_KERNEL(name, store, is_nt)                                 \
	static void name(char *d, const char *s, size_t n)                   \
	{                                                                    \
		bool fwd = move_forward(d, s, n);                            \
		if (!fwd) {                                                  \
			d += n;                                              \
			s += n;                                              \
		}                                                            \
		for (; n; n -= LINE) {                                       \
			if (!fwd) {                                          \
				d -= LINE;                                   \
				s -= LINE;                                   \
			}                                                    \
			const __m128i *sp = (const __m128i *)(const void *)s; \
			__m128i *dp = (__m128i *)(void *)d;                  \
			__m128i x0 = _mm_loadu_si128(sp + 0);                \
			__m128i x1 = _mm_loadu_si128(sp + 1);                \
			__m128i x2 = _mm_loadu_si128(sp + 2);                \
			__m128i x3 = _mm_loadu_si128(sp + 3);                \
			store(dp + 0, x0);                                   \
			store(dp + 1, x1);                                   \
			store(dp + 2, x2);                                   \
			store(dp + 3, x3);                                   \
			if (is_nt) {                                         \
				INSTR(NT, d, 16);                            \
				INSTR(NT, d + 16, 16);                       \
				INSTR(NT, d + 32, 16);                       \
				INSTR(NT, d + 48, 16);                       \
			}                                                    \
			if (fwd) {                                           \
				d += LINE;                                   \
				s += LINE;                                   \
			}                                                    \
		}                                                            \
	}

#define SSE2_SET_KERNEL(name, store, is_nt)                                  \
	static void name(char *d, int c, size_t n)                           \
	{                                                                    \
		__m128i x = _mm_set1_epi8((char)c);                          \
		for (; n; n -= LINE, d += LINE) {                            \
			__m128i *dp = (__m128i *)(void *)d;                  \
			store(dp + 0, x);                                    \
			store(dp + 1, x);                                    \
			store(dp + 2, x);                                    \
			store(dp + 3, x);                                    \
			if (is_nt) {                                         \
				INSTR(NT, d, 16);                            \
				INSTR(NT, d + 16, 16);                       \
				INSTR(NT, d + 32, 16);                       \
				INSTR(NT, d + 48, 16);                       \
			}                                                    \
		}                                                            \
	}

SSE2_LINE_KERNEL(sse2_move_lines, _mm_store_si128, 0)
SSE2_LINE_KERNEL(sse2_move_lines_nt, _mm_stream_si128, 1)
SSE2_SET_KERNEL(sse2_set_lines, _mm_store_si128, 0)
SSE2_SET_KERNEL(sse2_set_lines_nt, _mm_stream_si128, 1)

static const struct copy_engine engine_sse2 = {
	.name = "sse2",
	.move = generic_move,
	.set = generic_set,
	.move_lines = sse2_move_lines,
	.set_lines = sse2_set_lines,
	.move_lines_nt = sse2_move_lines_nt,
	.set_lines_nt = sse2_set_lines_nt,
};
#endif

/* ------------------------------------------------------------------ */
/* process-wide dispatch                                               */

static struct {
	pmem2_flush_fn flush; /* cache-flush loop, no fence */
	pmem2_drain_fn fence;
	const struct copy_engine *engine;
	size_t movnt_threshold;
	struct pmem2_cpu cpu;
	struct pmem2_persist_info info;
	char describe[320];
} Arch;

static pthread_once_t Arch_once = PTHREAD_ONCE_INIT;

/* "exactly 1", the only value PMDK's boolean PMEM_NO_* variables honour */
static bool env_is_one(const char *name)
{
	const char *v = os_getenv(name);
	return v && strcmp(v, "1") == 0;
}

static bool env_is_zero(const char *name)
{
	const char *v = os_getenv(name);
	return v && strcmp(v, "0") == 0;
}

/*
 * A decimal number; *ok is false when the variable is unset or not a
 * well-formed number (PMDK's atoll() would read garbage as 0, i.e. "always
 * non-temporal"; we ignore it instead).
 */
static long long env_number(const char *name, bool *ok)
{
	const char *v = os_getenv(name);
	char *end;

	*ok = false;
	if (!v || !*v)
		return 0;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno || *end)
		return 0;
	*ok = true;
	return n;
}

static void persist_init_once(void)
{
	struct pmem2_cpu *cpu = &Arch.cpu;
	struct pmem2_persist_info *info = &Arch.info;
	bool ok;

	pmem2_cpu_probe(cpu);

	Arch.flush = flush_none;
	Arch.fence = fence_full;
	Arch.engine = &engine_generic;
	info->flush = "none";
	info->fence = "full-barrier";

#ifdef __x86_64__
	if (cpu->sse2 || cpu->clflush) {
		/* sfence exists wherever SSE does; x86-64 always has it */
		Arch.fence = fence_sfence;
		info->fence = "sfence";
	}
	if (cpu->clflush) {
		Arch.flush = flush_clflush;
		info->flush = "clflush";
	}
	if (cpu->clflushopt && !env_is_one("PMEM_NO_CLFLUSHOPT")) {
		Arch.flush = flush_clflushopt;
		info->flush = "clflushopt";
	}
	if (cpu->clwb && !env_is_one("PMEM_NO_CLWB")) {
		Arch.flush = flush_clwb;
		info->flush = "clwb";
	}
	if (cpu->sse2 && !env_is_one("PMEM_NO_MOVNT"))
		Arch.engine = &engine_sse2;
#endif
	if (Arch.engine == &engine_generic) {
		long long n = env_number("PMEM_NO_GENERIC_MEMCPY", &ok);
		if (ok && n != 0)
			Arch.engine = &engine_libc;
	}
	info->engine = Arch.engine->name;

	Arch.movnt_threshold = DEFAULT_MOVNT_THRESHOLD;
	long long t = env_number("PMEM_MOVNT_THRESHOLD", &ok);
	if (ok && t >= 0)
		Arch.movnt_threshold = (size_t)t;
	info->movnt_threshold = Arch.movnt_threshold;

	/* recorded for the per-ISA engines; no kernel uses them yet */
	info->avx = cpu->avx_usable && !env_is_zero("PMEM_AVX");
	info->avx512f = cpu->avx512f_usable && !env_is_zero("PMEM_AVX512F");
	const char *md = os_getenv("PMEM_MOVDIR64B");
	info->movdir64b = cpu->movdir64b && md && strcmp(md, "0") != 0;
	const char *wc = os_getenv("PMEM_WC_WORKAROUND");
	if (wc && strcmp(wc, "1") == 0)
		info->wc_workaround = true;
	else if (wc && strcmp(wc, "0") == 0)
		info->wc_workaround = false;
	else
		info->wc_workaround = cpu->intel;

	snprintf(Arch.describe, sizeof(Arch.describe),
		 "%s+%s, %s copies (non-temporal from %zu bytes%s), "
		 "cpu %s:%s%s%s%s%s%s%s%s%s",
		 info->flush, info->fence, info->engine, Arch.movnt_threshold,
		 Arch.engine->move_lines_nt ? "" : ": not available",
		 cpu->vendor[0] ? cpu->vendor : "unknown",
		 cpu->clflush ? " clflush" : "",
		 cpu->clflushopt ? " clflushopt" : "",
		 cpu->clwb ? " clwb" : "", cpu->sse2 ? " sse2" : "",
		 cpu->avx ? (cpu->avx_usable ? " avx" : " avx(os-disabled)")
			  : "",
		 cpu->avx512f ? (cpu->avx512f_usable ? " avx512f"
						     : " avx512f(os-disabled)")
			      : "",
		 cpu->movdir64b ? " movdir64b" : "",
		 info->wc_workaround ? ", wc-workaround" : "",
		 cpu->x86 ? "" : " (no cache-flush instruction known)");
}

void pmem2_persist_init(void)
{
	pthread_once(&Arch_once, persist_init_once);
}

const char *pmem2_persist_describe(void)
{
	pmem2_persist_init();
	return Arch.describe;
}

const struct pmem2_persist_info *pmem2_persist_info(void)
{
	pmem2_persist_init();
	return &Arch.info;
}

void pmem2_flush_cpu_caches(const void *addr, size_t len)
{
	pmem2_persist_init();
	Arch.flush(addr, len);
}

void pmem2_fence(void)
{
	pmem2_persist_init();
	Arch.fence();
}

/* ------------------------------------------------------------------ */
/* the copy driver                                                     */

/*
 * Store [s, s+n) to [d, d+n) with the engine, flushing every written line
 * with `flush` (NULL: no flushing). nt: stream the whole lines.
 */
static void drive_move(char *d, const char *s, size_t n, bool nt,
		       pmem2_flush_fn flush)
{
	const struct copy_engine *e = Arch.engine;
	size_t head = MIN(n, (size_t)(-(uintptr_t)d & LINE_MASK));
	size_t body = (n - head) & ~(size_t)LINE_MASK;
	size_t tail = n - head - body;
	char *bd = d + head;
	const char *bs = s + head;
	bool fwd = move_forward(d, s, n);

	if (fwd && head) {
		e->move(d, s, head);
		if (flush)
			flush(d, head);
	}
	if (!fwd && tail) {
		e->move(bd + body, bs + body, tail);
		if (flush)
			flush(bd + body, tail);
	}

	if (!body) {
		/* nothing */
	} else if (nt) {
		e->move_lines_nt(bd, bs, body);
	} else if (!flush) {
		e->move_lines(bd, bs, body);
	} else if (fwd) {
		for (size_t off = 0; off < body; off += FLUSH_CHUNK) {
			size_t c = MIN(FLUSH_CHUNK, body - off);
			e->move_lines(bd + off, bs + off, c);
			flush(bd + off, c);
		}
	} else {
		for (size_t end = body; end;) {
			size_t c = MIN(FLUSH_CHUNK, end);
			end -= c;
			e->move_lines(bd + end, bs + end, c);
			flush(bd + end, c);
		}
	}

	if (fwd && tail) {
		e->move(bd + body, bs + body, tail);
		if (flush)
			flush(bd + body, tail);
	}
	if (!fwd && head) {
		e->move(d, s, head);
		if (flush)
			flush(d, head);
	}
}

static void drive_set(char *d, int c, size_t n, bool nt, pmem2_flush_fn flush)
{
	const struct copy_engine *e = Arch.engine;
	size_t head = MIN(n, (size_t)(-(uintptr_t)d & LINE_MASK));
	size_t body = (n - head) & ~(size_t)LINE_MASK;
	size_t tail = n - head - body;
	char *bd = d + head;

	if (head) {
		e->set(d, c, head);
		if (flush)
			flush(d, head);
	}
	if (!body) {
		/* nothing */
	} else if (nt) {
		e->set_lines_nt(bd, c, body);
	} else if (!flush) {
		e->set_lines(bd, c, body);
	} else {
		for (size_t off = 0; off < body; off += FLUSH_CHUNK) {
			size_t k = MIN(FLUSH_CHUNK, body - off);
			e->set_lines(bd + off, c, k);
			flush(bd + off, k);
		}
	}
	if (tail) {
		e->set(bd + body, c, tail);
		if (flush)
			flush(bd + body, tail);
	}
}

/*
 * Unknown flag bits are ignored, as PMDK does in release builds; debug
 * builds leave a note in the thread's error message.
 */
static inline void check_flags(unsigned flags)
{
#ifndef NDEBUG
	if (unlikely(flags & ~PMEM2_F_MEM_VALID_FLAGS))
		err_set("memmove/memcpy/memset: unknown flag bits 0x%x "
			"ignored; valid flags are PMEM2_F_MEM_*",
			flags & ~PMEM2_F_MEM_VALID_FLAGS);
#else
	(void)flags;
#endif
}

/* CACHE_LINE (and the default for PAGE's copy): streaming or not? */
static inline bool want_nt(unsigned flags, size_t len)
{
	if (!Arch.engine->move_lines_nt)
		return false;
	if (flags & (PMEM2_F_MEM_NONTEMPORAL | PMEM2_F_MEM_WC))
		return true;
	if (flags & (PMEM2_F_MEM_TEMPORAL | PMEM2_F_MEM_WB))
		return false;
	return len >= Arch.movnt_threshold;
}

/* BYTE: no flushing needed, streaming only on explicit request */
static inline bool want_nt_byte(unsigned flags)
{
	return Arch.engine->move_lines_nt &&
	       (flags & PMEM2_F_MEM_NONTEMPORAL);
}

/* ------------------------------------------------------------------ */
/* CACHE_LINE                                                          */

static void persist_cl(const void *addr, size_t len)
{
	Arch.flush(addr, len);
	Arch.fence();
}

static void flush_cl(const void *addr, size_t len)
{
	Arch.flush(addr, len);
}

static void drain_fence(void)
{
	Arch.fence();
}

static void *memmove_cl(void *dst, const void *src, size_t len,
			unsigned flags)
{
	check_flags(flags);
	if (flags & PMEM2_F_MEM_NOFLUSH) {
		if (dst != src)
			drive_move(dst, src, len, false, NULL);
		return dst;
	}
	if (dst == src)
		/* nothing to copy, but the caller wants these bytes durable */
		Arch.flush(dst, len);
	else
		drive_move(dst, src, len, want_nt(flags, len), Arch.flush);
	if (!(flags & PMEM2_F_MEM_NODRAIN))
		Arch.fence();
	return dst;
}

static void *memset_cl(void *dst, int c, size_t len, unsigned flags)
{
	check_flags(flags);
	if (flags & PMEM2_F_MEM_NOFLUSH) {
		drive_set(dst, c, len, false, NULL);
		return dst;
	}
	drive_set(dst, c, len, want_nt(flags, len), Arch.flush);
	if (!(flags & PMEM2_F_MEM_NODRAIN))
		Arch.fence();
	return dst;
}

/* ------------------------------------------------------------------ */
/* BYTE                                                                */

static void persist_byte(const void *addr, size_t len)
{
	(void)addr;
	(void)len;
	Arch.fence();
}

static void flush_byte(const void *addr, size_t len)
{
	(void)addr;
	(void)len;
}

static void *memmove_byte(void *dst, const void *src, size_t len,
			  unsigned flags)
{
	check_flags(flags);
	if (flags & PMEM2_F_MEM_NOFLUSH) {
		if (dst != src)
			drive_move(dst, src, len, false, NULL);
		return dst;
	}
	if (dst != src)
		drive_move(dst, src, len, want_nt_byte(flags), NULL);
	if (!(flags & PMEM2_F_MEM_NODRAIN))
		Arch.fence();
	return dst;
}

static void *memset_byte(void *dst, int c, size_t len, unsigned flags)
{
	check_flags(flags);
	if (flags & PMEM2_F_MEM_NOFLUSH) {
		drive_set(dst, c, len, false, NULL);
		return dst;
	}
	drive_set(dst, c, len, want_nt_byte(flags), NULL);
	if (!(flags & PMEM2_F_MEM_NODRAIN))
		Arch.fence();
	return dst;
}

/* ------------------------------------------------------------------ */
/* PAGE                                                                */

/*
 * When msync fails.
 *
 * PMDK abort()s the process. A library should not kill its host for an
 * I/O error the application might handle (and persist functions have no
 * way to return one), so instead:
 *  - EINTR is restarted by pmem2_registry_msync; EINTR/EAGAIN that still
 *    come back are retried a few times here;
 *  - a lasting failure (EIO, ENOSPC on a thin-provisioned file, ENOMEM...)
 *    is recorded: the calling thread's error message says which range
 *    failed and why (pmem2_errormsg() shows it), a process-wide counter
 *    and the last errno are kept (pmem2_persist_msync_failures /
 *    _last_errno), and the first failure in the process is reported with
 *    one line on stderr so it is not lost when nobody looks;
 *  - the data is NOT known to be durable: an application that needs
 *    certainty checks the counter (or calls pmem2_deep_flush, which does
 *    return the error) before declaring a transaction committed.
 */
#define MSYNC_RETRIES 3

static unsigned long Msync_failures;
static int Msync_last_errno;
static int Msync_reported;

unsigned long pmem2_persist_msync_failures(void)
{
	return __atomic_load_n(&Msync_failures, __ATOMIC_RELAXED);
}

int pmem2_persist_msync_last_errno(void)
{
	return __atomic_load_n(&Msync_last_errno, __ATOMIC_RELAXED);
}

static void page_sync(const void *addr, size_t len)
{
	int ret;

	if (!len)
		return;
	INSTR(MSYNC, addr, len);
	for (int i = 0;; i++) {
		ret = pmem2_registry_msync(addr, len);
		if ((ret != -EINTR && ret != -EAGAIN) || i == MSYNC_RETRIES)
			break;
	}
	if (likely(ret == 0))
		return;

	int e = -ret;
	__atomic_add_fetch(&Msync_failures, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&Msync_last_errno, e, __ATOMIC_RELAXED);
	err_set_errno(e,
		      "msync of [%p, +%zu) failed while persisting a "
		      "PAGE-granularity map; the data may not be durable, "
		      "check the file system and device",
		      addr, len);
	if (!__atomic_exchange_n(&Msync_reported, 1, __ATOMIC_RELAXED))
		fprintf(stderr, "libpmem2: %s (reported once)\n", err_msg());
}

static void persist_page(const void *addr, size_t len)
{
	page_sync(addr, len);
}

static void drain_page(void)
{
}

static void *memmove_page(void *dst, const void *src, size_t len,
			  unsigned flags)
{
	check_flags(flags);
	if (dst != src)
		drive_move(dst, src, len, false, NULL);
	if (!(flags & PMEM2_F_MEM_NOFLUSH))
		page_sync(dst, len);
	return dst;
}

static void *memset_page(void *dst, int c, size_t len, unsigned flags)
{
	check_flags(flags);
	drive_set(dst, c, len, false, NULL);
	if (!(flags & PMEM2_F_MEM_NOFLUSH))
		page_sync(dst, len);
	return dst;
}

/* ------------------------------------------------------------------ */

void pmem2_mem_ops_get(enum pmem2_granularity g, struct pmem2_mem_ops *ops)
{
	pmem2_persist_init();

	switch (g) {
	case PMEM2_GRANULARITY_BYTE:
		ops->persist = persist_byte;
		ops->flush = flush_byte;
		ops->drain = drain_fence;
		ops->memmove = memmove_byte;
		ops->memcpy = memmove_byte;
		ops->memset = memset_byte;
		break;
	case PMEM2_GRANULARITY_CACHE_LINE:
		ops->persist = persist_cl;
		ops->flush = flush_cl;
		ops->drain = drain_fence;
		ops->memmove = memmove_cl;
		ops->memcpy = memmove_cl;
		ops->memset = memset_cl;
		break;
	case PMEM2_GRANULARITY_PAGE:
	default: /* the safest choice for a value we do not know */
		ops->persist = persist_page;
		ops->flush = persist_page;
		ops->drain = drain_page;
		ops->memmove = memmove_page;
		ops->memcpy = memmove_page;
		ops->memset = memset_page;
		break;
	}
}
