/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memops_entries.h -- the memmove/memset entry points a map hands out,
 * generated once per engine from the engine's store kernels.
 *
 * An engine file defines its kernels (below, "the kernel contract") and
 * then expands MEMOPS_GEN_MOVE / MEMOPS_GEN_SET, which produce, for that
 * engine and one streaming method:
 *
 *   CACHE_LINE, one per clean instruction of the architecture
 *     (PMEM2_FLUSH_KINDS, memops.h): NOFLUSH -> plain copy, nothing
 *     else; NONTEMPORAL or WC -> stream whole lines, flush the ragged ends;
 *     TEMPORAL or WB -> ordinary stores, every written line flushed;
 *     no hint -> stream from PMEM_MOVNT_THRESHOLD bytes on (default 256).
 *     Then an sfence unless NODRAIN.
 *   BYTE (eADR, private, anonymous): nothing is flushed. NONTEMPORAL
 *     streams; flag-less copies from the BYTE threshold on stream too when
 *     their destination is cold (memops_cold: not written by this thread
 *     lately, or larger than what stays in the cache), where ordinary
 *     stores would first read every line; anything else is an ordinary
 *     copy. Then an sfence unless NODRAIN or NOFLUSH.
 *   PAGE: the copy (streamed on NONTEMPORAL or WC, and without a hint from
 *     the PAGE threshold on into a cold destination, as on BYTE maps;
 *     streamed lines fenced so they are in memory), then msync of the
 *     registered range unless NOFLUSH -- and no cache flushes, which msync
 *     makes pointless.
 *
 * dst == src copies nothing; on CACHE_LINE maps the range is still flushed
 * (the caller asked for those bytes to be durable). Length 0 does nothing
 * but the final fence. These are the rules of PMDK 1.12.1 (see
 * doc/durability.md for the few places where we differ, and why).
 *
 * The kernel contract (all static inline in the engine's file):
 *   K_SMALL                       the small-copy limit (>= 128)
 *   k_move_small(d, s, n)         n <= K_SMALL, ordinary stores,
 *                                 overlap-safe: every load before any store
 *   k_move_t_big(d, s, n)         n > K_SMALL, ordinary stores, overlap-safe
 *   k_move_t_flush_big(d, s, n, fk)  same, each written line flushed
 *   k_move_nt(d, s, n, fk, ntm)   any n: whole lines streamed, the ragged
 *                                 ends ordinary stores flushed with fk
 *   k_set_small, k_set_t_big, k_set_t_flush_big, k_set_nt: the same for
 *                                 memset
 * None of them fences; the entry points do. A file with the memmove
 * kernels defines MEMOPS_HAVE_MOVE, one with the memset kernels
 * MEMOPS_HAVE_SET.
 */
#ifndef PMEM2_MEMOPS_ENTRIES_H
#define PMEM2_MEMOPS_ENTRIES_H

#include "core/err.h"
#include "core/util.h"
#include "memops.h"

#define MEMOPS_NOINLINE static __attribute__((noinline))

#define F_NODRAIN PMEM2_F_MEM_NODRAIN
#define F_NT PMEM2_F_MEM_NONTEMPORAL
#define F_T PMEM2_F_MEM_TEMPORAL
#define F_WC PMEM2_F_MEM_WC
#define F_WB PMEM2_F_MEM_WB
#define F_NOFLUSH PMEM2_F_MEM_NOFLUSH

/* [kind] = the CACHE_LINE entry point of one engine for that clean kind */
#define MEMOPS_CL_ENTRY(name, op, fkn, fk, str, insn)                          \
	[fk] = name##_##op##_cl_##fkn,

typedef void (*memops_move_k)(char *d, const char *s, size_t n);
typedef void (*memops_set_k)(char *d, int c, size_t n);

/*
 * Unknown flag bits are ignored, as PMDK does; builds with assertions
 * leave a note in the thread's error message.
 */
MEMOPS_INLINE void memops_check_flags(unsigned flags)
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

/* CACHE_LINE and PAGE: stream or not (NOFLUSH already excluded) */
MEMOPS_INLINE bool memops_want_nt(unsigned flags, size_t len, size_t thr)
{
	if (flags & (F_NT | F_WC))
		return true;
	if (flags & (F_T | F_WB))
		return false;
	return len >= thr;
}

/*
 * PAGE and BYTE (NOFLUSH already excluded): stream on request (nt_flags:
 * NONTEMPORAL or WC on PAGE maps, NONTEMPORAL alone on BYTE maps, where PMDK
 * ignores WC), never on TEMPORAL or WB, and without a hint when the copy is
 * at least thr bytes long and its destination is not in the cache.
 */
MEMOPS_INLINE bool memops_want_nt_cold(const void *d, unsigned flags,
				       size_t len, size_t thr, size_t hot_max,
				       size_t seq_max, unsigned nt_flags)
{
	if (flags & nt_flags)
		return true;
	if (flags & (F_T | F_WB))
		return false;
	return len >= thr && memops_cold(d, len, hot_max, seq_max);
}

/* ------------------------------------------------------------------ */
/* memmove (for files that define the memmove kernels)                 */

#ifdef MEMOPS_HAVE_MOVE

/*
 * Each entry point is a small function for the common short cases, with
 * no stack frame and no call (so no registers to save), which hands
 * everything else to a separate "slow" function by a tail call. The slow
 * functions keep their own frames small too: the short-copy kernel and the
 * cold-destination guess are calls there, not inlined (inlined, their
 * vector spills and thread-local lookup made every slow call save six
 * registers and realign the stack, 2-3 ns of a 1 KiB copy's 15).
 */

MEMOPS_INLINE void *slow_move_cl(void *dst, const void *src, size_t len,
				 unsigned flags, const int fk, const int ntm,
				 memops_move_k small, memops_move_k t_big,
				 memops_move_k t_flush_big, memops_move_k nt)
{
	char *d = dst;
	const char *s = src;

	memops_check_flags(flags);
	if (unlikely(flags & F_NOFLUSH)) {
		if (likely(d != s)) {
			if (len <= K_SMALL)
				small(d, s, len);
			else
				t_big(d, s, len);
		}
		return dst;
	}
	if (unlikely(d == s)) {
		flush_range(fk, d, len);
	} else if (ntm != PMEM2_NTM_NONE &&
		   memops_want_nt(flags, len, pmem2_tun.movnt_threshold)) {
		nt(d, s, len);
	} else if (len <= K_SMALL) {
		small(d, s, len);
		flush_range(fk, d, len);
	} else {
		t_flush_big(d, s, len);
	}
	if (!(flags & F_NODRAIN))
		fence();
	return dst;
}

MEMOPS_INLINE void *entry_move_cl(void *dst, const void *src, size_t len,
				  unsigned flags, const int fk, const int ntm,
				  void *(*slow)(void *, const void *, size_t,
						unsigned))
{
	char *d = dst;
	const char *s = src;

	if (likely(len <= K_SMALL) &&
	    (flags & (F_NOFLUSH | ~PMEM2_F_MEM_VALID_FLAGS)) == F_NOFLUSH) {
		if (likely(d != s))
			k_move_small(d, s, len);
		return dst;
	}
	if (likely(len <= K_SMALL) && likely(d != s) &&
	    !(flags & (F_NOFLUSH | F_NT | F_WC | ~PMEM2_F_MEM_VALID_FLAGS)) &&
	    (ntm == PMEM2_NTM_NONE || (flags & (F_T | F_WB)) ||
	     len < pmem2_tun.movnt_threshold)) {
		k_move_small(d, s, len);
		flush_range(fk, d, len);
		if (!(flags & F_NODRAIN))
			fence();
		return dst;
	}
	return slow(dst, src, len, flags);
}

MEMOPS_INLINE void *slow_move_byte(void *dst, const void *src, size_t len,
				   unsigned flags, const int ntm,
				   memops_move_k small, memops_move_k t_big,
				   memops_move_k nt)
{
	char *d = dst;
	const char *s = src;

	memops_check_flags(flags);
	if (likely(d != s)) {
		if (ntm != PMEM2_NTM_NONE && !(flags & F_NOFLUSH) &&
		    memops_want_nt_cold(d, flags, len,
					pmem2_tun.big_move_threshold,
					pmem2_tun.hot_max,
					pmem2_tun.byte_seq_move_max, F_NT))
			nt(d, s, len);
		else if (len <= K_SMALL)
			small(d, s, len);
		else
			t_big(d, s, len);
	}
	if (!(flags & (F_NODRAIN | F_NOFLUSH)))
		fence();
	return dst;
}

MEMOPS_INLINE void *
entry_move_byte(void *dst, const void *src, size_t len, unsigned flags,
		void *(*slow)(void *, const void *, size_t, unsigned))
{
	char *d = dst;
	const char *s = src;

	/* a short copy without a streaming wish */
	if (likely(len <= K_SMALL) &&
	    (flags & (F_NT | F_NOFLUSH | ~PMEM2_F_MEM_VALID_FLAGS)) != F_NT &&
	    !(flags & ~PMEM2_F_MEM_VALID_FLAGS)) {
		if (likely(d != s))
			k_move_small(d, s, len);
		if (!(flags & (F_NODRAIN | F_NOFLUSH)))
			fence();
		return dst;
	}
	return slow(dst, src, len, flags);
}

MEMOPS_INLINE void *slow_move_page(void *dst, const void *src, size_t len,
				   unsigned flags, const int ntm,
				   memops_move_k small, memops_move_k t_big,
				   memops_move_k nt)
{
	char *d = dst;
	const char *s = src;

	memops_check_flags(flags);
	if (likely(d != s)) {
		if (ntm != PMEM2_NTM_NONE && !(flags & F_NOFLUSH) &&
		    memops_want_nt_cold(
			    d, flags, len, pmem2_tun.page_movnt_threshold,
			    pmem2_tun.page_hot_max, 0, F_NT | F_WC)) {
			nt(d, s, len);
			/* streamed lines must reach memory before msync
			 * writes the pages back */
			fence();
		} else if (len <= K_SMALL) {
			small(d, s, len);
		} else {
			t_big(d, s, len);
		}
	}
	if (!(flags & F_NOFLUSH))
		pmem2_page_sync(d, len);
	return dst;
}

MEMOPS_INLINE void *entry_move_page(void *dst, const void *src, size_t len,
				    unsigned flags, const int ntm,
				    void *(*slow)(void *, const void *, size_t,
						  unsigned))
{
	char *d = dst;
	const char *s = src;

	if (likely(len <= K_SMALL) && !(flags & ~PMEM2_F_MEM_VALID_FLAGS) &&
	    (ntm == PMEM2_NTM_NONE || (flags & F_NOFLUSH) ||
	     !memops_want_nt(flags, len, pmem2_tun.page_movnt_threshold))) {
		if (likely(d != s))
			k_move_small(d, s, len);
		if (flags & F_NOFLUSH)
			return dst;
		return pmem2_page_sync_ret(dst, len);
	}
	return slow(dst, src, len, flags);
}

#define MEMOPS_GEN_MOVE_FK(name, ntm, fkn, fk, str, insn)                      \
	MEMOPS_NOINLINE void name##_mv_tf_##fkn(char *d, const char *s,        \
						size_t n)                      \
	{                                                                      \
		k_move_t_flush_big(d, s, n, fk);                               \
	}                                                                      \
	MEMOPS_NOINLINE void name##_mv_nt_##fkn(char *d, const char *s,        \
						size_t n)                      \
	{                                                                      \
		k_move_nt(d, s, n, fk, ntm);                                   \
	}                                                                      \
	MEMOPS_NOINLINE void *name##_memmove_cl_slow_##fkn(                    \
		void *d, const void *s, size_t n, unsigned f)                  \
	{                                                                      \
		return slow_move_cl(d, s, n, f, fk, ntm, name##_mv_small,      \
				    name##_mv_t, name##_mv_tf_##fkn,           \
				    name##_mv_nt_##fkn);                       \
	}                                                                      \
	static void *name##_memmove_cl_##fkn(void *d, const void *s, size_t n, \
					     unsigned f)                       \
	{                                                                      \
		return entry_move_cl(d, s, n, f, fk, ntm,                      \
				     name##_memmove_cl_slow_##fkn);            \
	}

/* Define pmem2_memmove_<name>: the memmove entry points of one engine. */
#define MEMOPS_GEN_MOVE(name, ntm)                                             \
	MEMOPS_NOINLINE void name##_mv_t(char *d, const char *s, size_t n)     \
	{                                                                      \
		k_move_t_big(d, s, n);                                         \
	}                                                                      \
	MEMOPS_NOINLINE void name##_mv_small(char *d, const char *s, size_t n) \
	{                                                                      \
		k_move_small(d, s, n);                                         \
	}                                                                      \
	PMEM2_FLUSH_KINDS(MEMOPS_GEN_MOVE_FK, name, ntm)                       \
	MEMOPS_NOINLINE void *name##_memmove_byte_slow(void *d, const void *s, \
						       size_t n, unsigned f)   \
	{                                                                      \
		return slow_move_byte(d, s, n, f, ntm, name##_mv_small,        \
				      name##_mv_t, name##_mv_nt_none);         \
	}                                                                      \
	static void *name##_memmove_byte(void *d, const void *s, size_t n,     \
					 unsigned f)                           \
	{                                                                      \
		return entry_move_byte(d, s, n, f, name##_memmove_byte_slow);  \
	}                                                                      \
	MEMOPS_NOINLINE void *name##_memmove_page_slow(void *d, const void *s, \
						       size_t n, unsigned f)   \
	{                                                                      \
		return slow_move_page(d, s, n, f, ntm, name##_mv_small,        \
				      name##_mv_t, name##_mv_nt_none);         \
	}                                                                      \
	static void *name##_memmove_page(void *d, const void *s, size_t n,     \
					 unsigned f)                           \
	{                                                                      \
		return entry_move_page(d, s, n, f, ntm,                        \
				       name##_memmove_page_slow);              \
	}                                                                      \
	MEMOPS_HIDDEN const struct pmem2_memmove_set pmem2_memmove_##name = {  \
		.cl = {PMEM2_FLUSH_KINDS(MEMOPS_CL_ENTRY, name, memmove)},     \
		.byte = name##_memmove_byte,                                   \
		.page = name##_memmove_page,                                   \
	}

#endif /* MEMOPS_HAVE_MOVE */

/* ------------------------------------------------------------------ */
/* memset (for files that define the memset kernels)                   */

#ifdef MEMOPS_HAVE_SET

MEMOPS_INLINE void *slow_set_cl(void *dst, int c, size_t len, unsigned flags,
				const int fk, const int ntm, memops_set_k small,
				memops_set_k t_big, memops_set_k t_flush_big,
				memops_set_k nt)
{
	char *d = dst;

	memops_check_flags(flags);
	if (unlikely(flags & F_NOFLUSH)) {
		if (len <= K_SMALL)
			small(d, c, len);
		else
			t_big(d, c, len);
		return dst;
	}
	if (ntm != PMEM2_NTM_NONE &&
	    memops_want_nt(flags, len, pmem2_tun.movnt_threshold)) {
		nt(d, c, len);
	} else if (len <= K_SMALL) {
		small(d, c, len);
		flush_range(fk, d, len);
	} else {
		t_flush_big(d, c, len);
	}
	if (!(flags & F_NODRAIN))
		fence();
	return dst;
}

MEMOPS_INLINE void *entry_set_cl(void *dst, int c, size_t len, unsigned flags,
				 const int fk, const int ntm,
				 void *(*slow)(void *, int, size_t, unsigned))
{
	char *d = dst;

	if (likely(len <= K_SMALL) &&
	    (flags & (F_NOFLUSH | ~PMEM2_F_MEM_VALID_FLAGS)) == F_NOFLUSH) {
		k_set_small(d, c, len);
		return dst;
	}
	if (likely(len <= K_SMALL) &&
	    !(flags & (F_NOFLUSH | F_NT | F_WC | ~PMEM2_F_MEM_VALID_FLAGS)) &&
	    (ntm == PMEM2_NTM_NONE || (flags & (F_T | F_WB)) ||
	     len < pmem2_tun.movnt_threshold)) {
		k_set_small(d, c, len);
		flush_range(fk, d, len);
		if (!(flags & F_NODRAIN))
			fence();
		return dst;
	}
	return slow(dst, c, len, flags);
}

MEMOPS_INLINE void *slow_set_byte(void *dst, int c, size_t len, unsigned flags,
				  const int ntm, memops_set_k small,
				  memops_set_k t_big, memops_set_k nt)
{
	char *d = dst;

	memops_check_flags(flags);
	if (ntm != PMEM2_NTM_NONE && !(flags & F_NOFLUSH) &&
	    memops_want_nt_cold(d, flags, len, pmem2_tun.big_set_threshold,
				pmem2_tun.hot_max, pmem2_tun.byte_seq_set_max,
				F_NT))
		nt(d, c, len);
	else if (len <= K_SMALL)
		small(d, c, len);
	else
		t_big(d, c, len);
	if (!(flags & (F_NODRAIN | F_NOFLUSH)))
		fence();
	return dst;
}

MEMOPS_INLINE void *entry_set_byte(void *dst, int c, size_t len, unsigned flags,
				   void *(*slow)(void *, int, size_t, unsigned))
{
	if (likely(len <= K_SMALL) && (flags & (F_NT | F_NOFLUSH)) != F_NT &&
	    !(flags & ~PMEM2_F_MEM_VALID_FLAGS)) {
		k_set_small(dst, c, len);
		if (!(flags & (F_NODRAIN | F_NOFLUSH)))
			fence();
		return dst;
	}
	return slow(dst, c, len, flags);
}

MEMOPS_INLINE void *slow_set_page(void *dst, int c, size_t len, unsigned flags,
				  const int ntm, memops_set_k small,
				  memops_set_k t_big, memops_set_k nt)
{
	char *d = dst;

	memops_check_flags(flags);
	if (ntm != PMEM2_NTM_NONE && !(flags & F_NOFLUSH) &&
	    memops_want_nt_cold(d, flags, len, pmem2_tun.page_movnt_threshold,
				pmem2_tun.page_hot_max, 0, F_NT | F_WC)) {
		nt(d, c, len);
		fence();
	} else if (len <= K_SMALL) {
		small(d, c, len);
	} else {
		t_big(d, c, len);
	}
	if (!(flags & F_NOFLUSH))
		pmem2_page_sync(d, len);
	return dst;
}

MEMOPS_INLINE void *entry_set_page(void *dst, int c, size_t len, unsigned flags,
				   const int ntm,
				   void *(*slow)(void *, int, size_t, unsigned))
{
	if (likely(len <= K_SMALL) && !(flags & ~PMEM2_F_MEM_VALID_FLAGS) &&
	    (ntm == PMEM2_NTM_NONE || (flags & F_NOFLUSH) ||
	     !memops_want_nt(flags, len, pmem2_tun.page_movnt_threshold))) {
		k_set_small(dst, c, len);
		if (flags & F_NOFLUSH)
			return dst;
		return pmem2_page_sync_ret(dst, len);
	}
	return slow(dst, c, len, flags);
}

#define MEMOPS_GEN_SET_FK(name, ntm, fkn, fk, str, insn)                       \
	MEMOPS_NOINLINE void name##_st_tf_##fkn(char *d, int c, size_t n)      \
	{                                                                      \
		k_set_t_flush_big(d, c, n, fk);                                \
	}                                                                      \
	MEMOPS_NOINLINE void name##_st_nt_##fkn(char *d, int c, size_t n)      \
	{                                                                      \
		k_set_nt(d, c, n, fk, ntm);                                    \
	}                                                                      \
	MEMOPS_NOINLINE void *name##_memset_cl_slow_##fkn(                     \
		void *d, int c, size_t n, unsigned f)                          \
	{                                                                      \
		return slow_set_cl(d, c, n, f, fk, ntm, name##_st_small,       \
				   name##_st_t, name##_st_tf_##fkn,            \
				   name##_st_nt_##fkn);                        \
	}                                                                      \
	static void *name##_memset_cl_##fkn(void *d, int c, size_t n,          \
					    unsigned f)                        \
	{                                                                      \
		return entry_set_cl(d, c, n, f, fk, ntm,                       \
				    name##_memset_cl_slow_##fkn);              \
	}

/* Define pmem2_memset_<name>: the memset entry points of one engine. */
#define MEMOPS_GEN_SET(name, ntm)                                              \
	MEMOPS_NOINLINE void name##_st_t(char *d, int c, size_t n)             \
	{                                                                      \
		k_set_t_big(d, c, n);                                          \
	}                                                                      \
	MEMOPS_NOINLINE void name##_st_small(char *d, int c, size_t n)         \
	{                                                                      \
		k_set_small(d, c, n);                                          \
	}                                                                      \
	PMEM2_FLUSH_KINDS(MEMOPS_GEN_SET_FK, name, ntm)                        \
	MEMOPS_NOINLINE void *name##_memset_byte_slow(void *d, int c,          \
						      size_t n, unsigned f)    \
	{                                                                      \
		return slow_set_byte(d, c, n, f, ntm, name##_st_small,         \
				     name##_st_t, name##_st_nt_none);          \
	}                                                                      \
	static void *name##_memset_byte(void *d, int c, size_t n, unsigned f)  \
	{                                                                      \
		return entry_set_byte(d, c, n, f, name##_memset_byte_slow);    \
	}                                                                      \
	MEMOPS_NOINLINE void *name##_memset_page_slow(void *d, int c,          \
						      size_t n, unsigned f)    \
	{                                                                      \
		return slow_set_page(d, c, n, f, ntm, name##_st_small,         \
				     name##_st_t, name##_st_nt_none);          \
	}                                                                      \
	static void *name##_memset_page(void *d, int c, size_t n, unsigned f)  \
	{                                                                      \
		return entry_set_page(d, c, n, f, ntm,                         \
				      name##_memset_page_slow);                \
	}                                                                      \
	MEMOPS_HIDDEN const struct pmem2_memset_set pmem2_memset_##name = {    \
		.cl = {PMEM2_FLUSH_KINDS(MEMOPS_CL_ENTRY, name, memset)},      \
		.byte = name##_memset_byte,                                    \
		.page = name##_memset_page,                                    \
	}

#endif /* MEMOPS_HAVE_SET */

#endif
