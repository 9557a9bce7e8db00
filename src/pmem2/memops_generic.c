/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memops_generic.c -- the portable engine: plain C, no vector
 * instructions, no streaming stores. It is what PMEM_NO_MOVNT=1 selects on
 * x86-64 and the only engine on other architectures.
 *
 * Its one promise beyond copying: every 8-byte-aligned 8-byte word that
 * lies wholly inside the destination is written by a single aligned 8-byte
 * store, so a reader -- or a power failure -- never sees half of such a
 * word. The ragged ends use byte stores. The stores go through volatile
 * pointers so the compiler can neither split nor merge them (nor turn the
 * loop back into a call to memcpy).
 *
 * On CACHE_LINE maps the copy is cut at line boundaries into chunks of
 * FLUSH_CHUNK bytes, each flushed right after it was written.
 */
#include <string.h>
#include "memops.h"

#define MEMOPS_HAVE_MOVE 1
#define MEMOPS_HAVE_SET 1

#define K_SMALL ((size_t)128)
#define FLUSH_CHUNK ((size_t)4096)

MEMOPS_INLINE void g_st1(char *p, char v)
{
	*(volatile char *)p = v;
	INSTR(STORE, p, 1);
}

MEMOPS_INLINE void g_st8(char *p, uint64_t v)
{
	*(volatile uint64_t *)(void *)p = v;
	INSTR(STORE, p, 8);
}

static void generic_move_fwd(char *d, const char *s, size_t n)
{
	while (n && ((uintptr_t)d & 7)) {
		g_st1(d++, *s++);
		n--;
	}
	for (; n >= 8; n -= 8, d += 8, s += 8) {
		uint64_t v;
		memcpy(&v, s, 8);
		g_st8(d, v);
	}
	while (n--)
		g_st1(d++, *s++);
}

static void generic_move_bwd(char *d, const char *s, size_t n)
{
	d += n;
	s += n;
	while (n && ((uintptr_t)d & 7)) {
		g_st1(--d, *--s);
		n--;
	}
	for (; n >= 8; n -= 8) {
		uint64_t v;
		d -= 8;
		s -= 8;
		memcpy(&v, s, 8);
		g_st8(d, v);
	}
	while (n--)
		g_st1(--d, *--s);
}

static void generic_set(char *d, int c, size_t n)
{
	uint64_t v = 0x0101010101010101ULL * (uint8_t)c;

	while (n && ((uintptr_t)d & 7)) {
		g_st1(d++, (char)c);
		n--;
	}
	for (; n >= 8; n -= 8, d += 8)
		g_st8(d, v);
	while (n--)
		g_st1(d++, (char)c);
}

/* ------------------------------------------------------------------ */
/* the kernel contract of memops_entries.h                            */

MEMOPS_INLINE void k_move_small(char *d, const char *s, size_t n)
{
	if (memops_fwd(d, s, n))
		generic_move_fwd(d, s, n);
	else
		generic_move_bwd(d, s, n);
}

MEMOPS_INLINE void k_move_t_big(char *d, const char *s, size_t n)
{
	k_move_small(d, s, n);
}

/* the length of the next chunk: up to FLUSH_CHUNK, ending on a line (the
 * clean stride, PMEM2_LINE_SIZE, divides FLUSH_CHUNK) */
MEMOPS_INLINE size_t chunk_fwd(const char *d, size_t n)
{
	size_t c = FLUSH_CHUNK - ((uintptr_t)d & (PMEM2_LINE_SIZE - 1));
	return c < n ? c : n;
}

MEMOPS_INLINE void k_move_t_flush_big(char *d, const char *s, size_t n,
				      const int fk)
{
	if (memops_fwd(d, s, n)) {
		while (n) {
			size_t c = chunk_fwd(d, n);
			generic_move_fwd(d, s, c);
			flush_range(fk, d, c);
			d += c;
			s += c;
			n -= c;
		}
	} else {
		while (n) {
			/* the last chunk: starts on a line boundary (or at
			 * the start of the range) */
			const size_t ls = PMEM2_LINE_SIZE;
			size_t c = (uintptr_t)(d + n) & (ls - 1);
			c = c ? c : ls;
			c += FLUSH_CHUNK - ls;
			if (c > n)
				c = n;
			generic_move_bwd(d + n - c, s + n - c, c);
			flush_range(fk, d + n - c, c);
			n -= c;
		}
	}
}

/* no streaming stores: never called (the entries check the method) */
MEMOPS_INLINE void k_move_nt(char *d, const char *s, size_t n, const int fk,
			     const int ntm)
{
	(void)ntm;
	k_move_t_flush_big(d, s, n, fk);
}

MEMOPS_INLINE void k_set_small(char *d, int c, size_t n)
{
	generic_set(d, c, n);
}

MEMOPS_INLINE void k_set_t_big(char *d, int c, size_t n)
{
	generic_set(d, c, n);
}

MEMOPS_INLINE void k_set_t_flush_big(char *d, int c, size_t n, const int fk)
{
	while (n) {
		size_t k = chunk_fwd(d, n);
		generic_set(d, c, k);
		flush_range(fk, d, k);
		d += k;
		n -= k;
	}
}

MEMOPS_INLINE void k_set_nt(char *d, int c, size_t n, const int fk,
			    const int ntm)
{
	(void)ntm;
	k_set_t_flush_big(d, c, n, fk);
}

#include "memops_entries.h"

MEMOPS_GEN_MOVE(generic, PMEM2_NTM_NONE);
MEMOPS_GEN_SET(generic, PMEM2_NTM_NONE);
