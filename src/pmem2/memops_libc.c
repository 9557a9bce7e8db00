/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memops_libc.c -- the libc engine: memmove/memset from the C library,
 * then the cache flushes. Selected by PMEM_NO_GENERIC_MEMCPY=<non-zero>
 * when the processor-specific engines are off (PMEM_NO_MOVNT=1), for
 * whoever trusts their libc more than our portable loop.
 *
 * libc gives no promise about store widths, so unlike the generic engine
 * this one does not guarantee 8-byte atomic stores.
 */
#include <string.h>
#include "memops.h"

#define MEMOPS_HAVE_MOVE 1
#define MEMOPS_HAVE_SET 1

#define K_SMALL ((size_t)128)

MEMOPS_INLINE void k_move_small(char *d, const char *s, size_t n)
{
	memmove(d, s, n);
	INSTR(STORE, d, n);
}

MEMOPS_INLINE void k_move_t_big(char *d, const char *s, size_t n)
{
	memmove(d, s, n);
	INSTR(STORE, d, n);
}

MEMOPS_INLINE void k_move_t_flush_big(char *d, const char *s, size_t n,
				      const int fk)
{
	memmove(d, s, n);
	INSTR(STORE, d, n);
	flush_range(fk, d, n);
}

MEMOPS_INLINE void k_move_nt(char *d, const char *s, size_t n, const int fk,
			     const int ntm)
{
	(void)ntm;
	k_move_t_flush_big(d, s, n, fk);
}

MEMOPS_INLINE void k_set_small(char *d, int c, size_t n)
{
	memset(d, c, n);
	INSTR(STORE, d, n);
}

MEMOPS_INLINE void k_set_t_big(char *d, int c, size_t n)
{
	memset(d, c, n);
	INSTR(STORE, d, n);
}

MEMOPS_INLINE void k_set_t_flush_big(char *d, int c, size_t n, const int fk)
{
	memset(d, c, n);
	INSTR(STORE, d, n);
	flush_range(fk, d, n);
}

MEMOPS_INLINE void k_set_nt(char *d, int c, size_t n, const int fk,
			    const int ntm)
{
	(void)ntm;
	k_set_t_flush_big(d, c, n, fk);
}

#include "memops_entries.h"

MEMOPS_GEN_MOVE(libc, PMEM2_NTM_NONE);
MEMOPS_GEN_SET(libc, PMEM2_NTM_NONE);
