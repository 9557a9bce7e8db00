/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memcpy_kernels.h -- the memmove kernels of the x86-64 engines, written
 * once over the vector primitives of vec_<isa>.h (VEC = 16, 32 or 64
 * bytes) and compiled once per ISA by memcpy_<isa>.c.
 *
 * Shapes:
 *  - small (up to K_SMALL bytes): every byte is covered by a few loads
 *    from both ends of the range (they may overlap), all done before the
 *    first store, so the copy is overlap-safe without knowing the
 *    direction and costs a handful of instructions;
 *  - large, ordinary stores: the first and last vector are loaded up
 *    front and stored last, the middle is copied with aligned stores in
 *    the overlap-safe direction (ascending when the destination lies below
 *    the source, descending otherwise), in groups each loaded before it is
 *    stored (ascending with AVX-512: 1 KiB groups);
 *  - large, flushed or streamed: the destination is cut into a ragged head
 *    (< 64 bytes), whole 64-byte lines, and a ragged tail. Head and tail are
 *    small copies followed by a flush of their line; the lines are copied
 *    in groups (each group loaded completely before it is stored) and
 *    either flushed every 512 bytes while they are still hot, or streamed.
 *    Pieces run in the overlap-safe order.
 *
 * Every 8-byte-aligned 8-byte word that lies wholly inside the destination
 * is written by a store at least 8 bytes wide.
 */
#ifndef PMEM2_X86_64_MEMCPY_KERNELS_H
#define PMEM2_X86_64_MEMCPY_KERNELS_H

#include <string.h>

#define MEMOPS_HAVE_MOVE 1

#define LINE ((size_t)64)
/* one group: four vectors, loaded before any of them is stored */
#define GROUP (4 * (size_t)VEC)
/* ordinary stores are flushed every this many bytes */
#define FLUSH_CHUNK ((size_t)512)
/* PMEM_WC_WORKAROUND: an sfence after this many streamed bytes */
#define WC_BLOCK ((size_t)768)

#if VEC == 16
#define K_SMALL ((size_t)128)
#else
#define K_SMALL ((size_t)256)
#endif

/* ------------------------------------------------------------------ */
/* narrow loads and stores for the small copies                        */

MEMOPS_INLINE uint64_t ld8(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

MEMOPS_INLINE void st8(char *p, uint64_t v)
{
	memcpy(p, &v, 8);
	INSTR(STORE, p, 8);
}

MEMOPS_INLINE uint32_t ld4(const char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

MEMOPS_INLINE void st4(char *p, uint32_t v)
{
	memcpy(p, &v, 4);
	INSTR(STORE, p, 4);
}

MEMOPS_INLINE uint16_t ld2(const char *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

MEMOPS_INLINE void st2(char *p, uint16_t v)
{
	memcpy(p, &v, 2);
	INSTR(STORE, p, 2);
}

MEMOPS_INLINE void st1(char *p, char v)
{
	*p = v;
	INSTR(STORE, p, 1);
}

MEMOPS_INLINE __m128i xload(const char *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

MEMOPS_INLINE void xstore(char *p, __m128i v)
{
	_mm_storeu_si128((__m128i *)(void *)p, v);
	INSTR(STORE, p, 16);
}

#if VEC >= 32
MEMOPS_INLINE __m256i yload(const char *p)
{
	return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

MEMOPS_INLINE void ystore(char *p, __m256i v)
{
	_mm256_storeu_si256((__m256i *)(void *)p, v);
	INSTR(STORE, p, 32);
}
#endif

/* ------------------------------------------------------------------ */
/* small copies                                                        */

/* n <= 16 */
MEMOPS_INLINE void move_le16(char *d, const char *s, size_t n)
{
	if (n >= 8) {
		uint64_t a = ld8(s), b = ld8(s + n - 8);
		st8(d, a);
		st8(d + n - 8, b);
	} else if (n >= 4) {
		uint32_t a = ld4(s), b = ld4(s + n - 4);
		st4(d, a);
		st4(d + n - 4, b);
	} else if (n >= 2) {
		uint16_t a = ld2(s), b = ld2(s + n - 2);
		st2(d, a);
		st2(d + n - 2, b);
	} else if (n) {
		st1(d, *s);
	}
}

/* 16 <= n <= 32 */
MEMOPS_INLINE void move_x2(char *d, const char *s, size_t n)
{
	__m128i a = xload(s), b = xload(s + n - 16);
	xstore(d, a);
	xstore(d + n - 16, b);
}

#if VEC == 64
/* 32 <= n <= 64 */
MEMOPS_INLINE void move_y2(char *d, const char *s, size_t n)
{
	__m256i a = yload(s), b = yload(s + n - 32);
	ystore(d, a);
	ystore(d + n - 32, b);
}
#endif

/* VEC <= n <= 2 VEC */
MEMOPS_INLINE void move_2v(char *d, const char *s, size_t n)
{
	vec_t a = vload(s), b = vload(s + n - VEC);
	vstore(d, a);
	vstore(d + n - VEC, b);
}

/* 2 VEC <= n <= 4 VEC */
MEMOPS_INLINE void move_4v(char *d, const char *s, size_t n)
{
	vec_t a = vload(s), b = vload(s + VEC);
	vec_t c = vload(s + n - 2 * VEC), e = vload(s + n - VEC);
	vstore(d, a);
	vstore(d + VEC, b);
	vstore(d + n - 2 * VEC, c);
	vstore(d + n - VEC, e);
}

#if VEC < 64
/* 4 VEC <= n <= 8 VEC */
MEMOPS_INLINE void move_8v(char *d, const char *s, size_t n)
{
	vec_t a = vload(s), b = vload(s + VEC);
	vec_t c = vload(s + 2 * VEC), e = vload(s + 3 * VEC);
	vec_t f = vload(s + n - 4 * VEC), g = vload(s + n - 3 * VEC);
	vec_t h = vload(s + n - 2 * VEC), i = vload(s + n - VEC);
	vstore(d, a);
	vstore(d + VEC, b);
	vstore(d + 2 * VEC, c);
	vstore(d + 3 * VEC, e);
	vstore(d + n - 4 * VEC, f);
	vstore(d + n - 3 * VEC, g);
	vstore(d + n - 2 * VEC, h);
	vstore(d + n - VEC, i);
}
#endif

/* n <= K_SMALL, overlap-safe */
MEMOPS_INLINE void k_move_small(char *d, const char *s, size_t n)
{
	if (n <= 16) {
		move_le16(d, s, n);
		return;
	}
	if (n <= 32) {
		move_x2(d, s, n);
		return;
	}
#if VEC == 16
	if (n <= 64)
		move_4v(d, s, n);
	else
		move_8v(d, s, n);
#elif VEC == 32
	if (n <= 64)
		move_2v(d, s, n);
	else if (n <= 128)
		move_4v(d, s, n);
	else
		move_8v(d, s, n);
#else
	if (n <= 64)
		move_y2(d, s, n);
	else if (n <= 128)
		move_2v(d, s, n);
	else
		move_4v(d, s, n);
#endif
}

/* one group of ordinary stores, loaded before stored */
MEMOPS_INLINE void group_t(char *d, const char *s)
{
	vec_t a = vload(s), b = vload(s + VEC);
	vec_t c = vload(s + 2 * VEC), e = vload(s + 3 * VEC);
	vstore_a(d, a);
	vstore_a(d + VEC, b);
	vstore_a(d + 2 * VEC, c);
	vstore_a(d + 3 * VEC, e);
}

/* two groups, all eight vectors loaded before any is stored */
MEMOPS_INLINE void group2_t(char *d, const char *s)
{
	vec_t a = vload(s), b = vload(s + VEC);
	vec_t c = vload(s + 2 * VEC), e = vload(s + 3 * VEC);
	vec_t f = vload(s + 4 * VEC), g = vload(s + 5 * VEC);
	vec_t h = vload(s + 6 * VEC), i = vload(s + 7 * VEC);
	vstore_a(d, a);
	vstore_a(d + VEC, b);
	vstore_a(d + 2 * VEC, c);
	vstore_a(d + 3 * VEC, e);
	vstore_a(d + 4 * VEC, f);
	vstore_a(d + 5 * VEC, g);
	vstore_a(d + 6 * VEC, h);
	vstore_a(d + 7 * VEC, i);
}

#if VEC == 64
/*
 * Sixteen 64-byte vectors (1 KiB) loaded before any is stored: into lines
 * that are not in the cache (a log being appended to, a new object), more
 * loads and read-for-ownership requests are in flight before the first
 * store waits. Against the eight-vector groups, in one process with PMDK
 * (bench-pair, AMD family 25, BYTE flags 0 appended, ordinary stores):
 * 4 KiB 0.78-0.84x -> 1.13-1.22x PMDK, 8 KiB 0.76-0.80x -> 0.95-1.00x; a
 * hot 2 MiB NOFLUSH copy 1.20x -> 1.29x (medians of 5). Thirty-two (PMDK's
 * 2 KiB) spill the head and tail vectors and were no better. The AVX2 and SSE2
 * engines have sixteen vector registers: they stay at eight.
 */
#define BIG_GROUP (16 * (size_t)VEC)

MEMOPS_INLINE void group_big_t(char *d, const char *s)
{
	vec_t r0 = vload(s), r1 = vload(s + VEC);
	vec_t r2 = vload(s + 2 * VEC), r3 = vload(s + 3 * VEC);
	vec_t r4 = vload(s + 4 * VEC), r5 = vload(s + 5 * VEC);
	vec_t r6 = vload(s + 6 * VEC), r7 = vload(s + 7 * VEC);
	vec_t r8 = vload(s + 8 * VEC), r9 = vload(s + 9 * VEC);
	vec_t r10 = vload(s + 10 * VEC), r11 = vload(s + 11 * VEC);
	vec_t r12 = vload(s + 12 * VEC), r13 = vload(s + 13 * VEC);
	vec_t r14 = vload(s + 14 * VEC), r15 = vload(s + 15 * VEC);
	vstore_a(d, r0);
	vstore_a(d + VEC, r1);
	vstore_a(d + 2 * VEC, r2);
	vstore_a(d + 3 * VEC, r3);
	vstore_a(d + 4 * VEC, r4);
	vstore_a(d + 5 * VEC, r5);
	vstore_a(d + 6 * VEC, r6);
	vstore_a(d + 7 * VEC, r7);
	vstore_a(d + 8 * VEC, r8);
	vstore_a(d + 9 * VEC, r9);
	vstore_a(d + 10 * VEC, r10);
	vstore_a(d + 11 * VEC, r11);
	vstore_a(d + 12 * VEC, r12);
	vstore_a(d + 13 * VEC, r13);
	vstore_a(d + 14 * VEC, r14);
	vstore_a(d + 15 * VEC, r15);
}
#endif

/* ------------------------------------------------------------------ */
/* large copies, ordinary stores, no flushing                          */

/* n > K_SMALL (so n > 4 VEC) */
MEMOPS_INLINE void k_move_t_big(char *d, const char *s, size_t n)
{
	vec_t head = vload(s), tail = vload(s + n - VEC);
	uintptr_t ud = (uintptr_t)d;
	uintptr_t end = ud + n;

	if (memops_fwd(d, s, n)) {
		/* first aligned vector above d; [d, p) is covered by head */
		uintptr_t p = (ud + VEC) & ~(uintptr_t)(VEC - 1);
		const char *q = s + (p - ud);
#if VEC == 64
		while (end - p >= BIG_GROUP) {
			group_big_t((char *)p, q);
			p += BIG_GROUP;
			q += BIG_GROUP;
		}
#endif
		while (end - p >= 2 * GROUP) {
			group2_t((char *)p, q);
			p += 2 * GROUP;
			q += 2 * GROUP;
		}
		if (end - p >= GROUP) {
			group_t((char *)p, q);
			p += GROUP;
			q += GROUP;
		}
		while (end - p >= VEC) {
			vstore_a((char *)p, vload(q));
			p += VEC;
			q += VEC;
		}
	} else {
		/* last aligned vector end at or below end; [p, end) is
		 * covered by tail */
		uintptr_t p = end & ~(uintptr_t)(VEC - 1);
		const char *q = s + (p - ud);
		while (p - ud >= 2 * GROUP) {
			p -= 2 * GROUP;
			q -= 2 * GROUP;
			group2_t((char *)p, q);
		}
		if (p - ud >= GROUP) {
			p -= GROUP;
			q -= GROUP;
			group_t((char *)p, q);
		}
		while (p - ud >= VEC) {
			p -= VEC;
			q -= VEC;
			vstore_a((char *)p, vload(q));
		}
	}
	vstore(d + n - VEC, tail);
	vstore(d, head);
}

/* ------------------------------------------------------------------ */
/* whole lines: d 64-byte aligned, n a multiple of 64                  */

/* one line of ordinary stores */
MEMOPS_INLINE void line_t(char *d, const char *s)
{
#if VEC == 64
	vstore_a(d, vload(s));
#elif VEC == 32
	vec_t a = vload(s), b = vload(s + 32);
	vstore_a(d, a);
	vstore_a(d + 32, b);
#else
	group_t(d, s);
#endif
}

MEMOPS_INLINE void lines_t_flush_fwd(char *d, const char *s, size_t n,
				     const int fk)
{
	while (n >= FLUSH_CHUNK) {
		for (size_t off = 0; off < FLUSH_CHUNK; off += GROUP)
			group_t(d + off, s + off);
		for (size_t off = 0; off < FLUSH_CHUNK; off += LINE)
			flush_line(fk, d + off);
		d += FLUSH_CHUNK;
		s += FLUSH_CHUNK;
		n -= FLUSH_CHUNK;
	}
	for (; n; n -= LINE, d += LINE, s += LINE) {
		line_t(d, s);
		flush_line(fk, d);
	}
}

MEMOPS_INLINE void lines_t_flush_bwd(char *d, const char *s, size_t n,
				     const int fk)
{
	d += n;
	s += n;
	while (n >= FLUSH_CHUNK) {
		d -= FLUSH_CHUNK;
		s -= FLUSH_CHUNK;
		n -= FLUSH_CHUNK;
		for (size_t off = FLUSH_CHUNK; off;) {
			off -= GROUP;
			group_t(d + off, s + off);
		}
		for (size_t off = 0; off < FLUSH_CHUNK; off += LINE)
			flush_line(fk, d + off);
	}
	for (; n; n -= LINE) {
		d -= LINE;
		s -= LINE;
		line_t(d, s);
		flush_line(fk, d);
	}
}

/* one line streamed */
MEMOPS_INLINE void line_nt(char *d, const char *s, const int ntm)
{
	if (ntm == PMEM2_NTM_MOVDIR64B) {
		movdir64b(d, s);
		return;
	}
#if VEC == 64
	vstream(d, vload(s));
#elif VEC == 32
	vec_t a = vload(s), b = vload(s + 32);
	vstream(d, a);
	vstream(d + 32, b);
#else
	vec_t a = vload(s), b = vload(s + 16);
	vec_t c = vload(s + 32), e = vload(s + 48);
	vstream(d, a);
	vstream(d + 16, b);
	vstream(d + 32, c);
	vstream(d + 48, e);
#endif
}

/*
 * Four lines streamed. With 64-byte vectors all four are loaded before any
 * is stored; narrower vectors would need more registers than there are, so
 * the lines go one by one (each loaded before it is stored), in the
 * direction of the copy.
 */
MEMOPS_INLINE void lines4_nt(char *d, const char *s, const int ntm,
			     const bool fwd)
{
	if (ntm == PMEM2_NTM_MOVDIR64B || VEC < 64) {
		if (fwd) {
			for (size_t off = 0; off < 4 * LINE; off += LINE)
				line_nt(d + off, s + off, ntm);
		} else {
			for (size_t off = 4 * LINE; off;) {
				off -= LINE;
				line_nt(d + off, s + off, ntm);
			}
		}
		return;
	}
	vec_t a = vload(s), b = vload(s + VEC);
	vec_t c = vload(s + 2 * VEC), e = vload(s + 3 * VEC);
	vstream(d, a);
	vstream(d + VEC, b);
	vstream(d + 2 * VEC, c);
	vstream(d + 3 * VEC, e);
}

/*
 * The write-combining workaround applies to the SSE2 and AVX streaming
 * stores only (as in PMDK); AVX-512 and MOVDIR64B never need it.
 */
#define WC_APPLIES(ntm) (VEC < 64 && (ntm) == PMEM2_NTM_VEC)

MEMOPS_INLINE void lines_nt_fwd(char *d, const char *s, size_t n, const int ntm)
{
	if (WC_APPLIES(ntm) && pmem2_tun.wc_workaround) {
		while (n > WC_BLOCK) {
			for (size_t off = 0; off < WC_BLOCK; off += 4 * LINE)
				lines4_nt(d + off, s + off, ntm, true);
			fence_wc();
			d += WC_BLOCK;
			s += WC_BLOCK;
			n -= WC_BLOCK;
		}
	}
	for (; n >= 4 * LINE; n -= 4 * LINE, d += 4 * LINE, s += 4 * LINE)
		lines4_nt(d, s, ntm, true);
	for (; n; n -= LINE, d += LINE, s += LINE)
		line_nt(d, s, ntm);
}

MEMOPS_INLINE void lines_nt_bwd(char *d, const char *s, size_t n, const int ntm)
{
	d += n;
	s += n;
	if (WC_APPLIES(ntm) && pmem2_tun.wc_workaround) {
		while (n > WC_BLOCK) {
			d -= WC_BLOCK;
			s -= WC_BLOCK;
			n -= WC_BLOCK;
			for (size_t off = WC_BLOCK; off;) {
				off -= 4 * LINE;
				lines4_nt(d + off, s + off, ntm, false);
			}
			fence_wc();
		}
	}
	for (; n >= 4 * LINE; n -= 4 * LINE) {
		d -= 4 * LINE;
		s -= 4 * LINE;
		lines4_nt(d, s, ntm, false);
	}
	for (; n; n -= LINE) {
		d -= LINE;
		s -= LINE;
		line_nt(d, s, ntm);
	}
}

/* ------------------------------------------------------------------ */
/* large copies, flushed or streamed                                   */

/* a ragged piece (< 64 bytes, within one line), then its line flushed */
MEMOPS_INLINE void piece(char *d, const char *s, size_t n, const int fk)
{
	if (!n)
		return;
	k_move_small(d, s, n);
	flush_line(fk, d);
}

/* n > K_SMALL: ordinary stores, every written line flushed */
MEMOPS_INLINE void k_move_t_flush_big(char *d, const char *s, size_t n,
				      const int fk)
{
	size_t head = (size_t)(-(uintptr_t)d & (LINE - 1));
	size_t body = (n - head) & ~(LINE - 1);
	size_t tail = n - head - body;

	if (memops_fwd(d, s, n)) {
		piece(d, s, head, fk);
		lines_t_flush_fwd(d + head, s + head, body, fk);
		piece(d + head + body, s + head + body, tail, fk);
	} else {
		piece(d + head + body, s + head + body, tail, fk);
		lines_t_flush_bwd(d + head, s + head, body, fk);
		piece(d, s, head, fk);
	}
}

/* any n: whole lines streamed, the ragged ends flushed */
MEMOPS_INLINE void k_move_nt(char *d, const char *s, size_t n, const int fk,
			     const int ntm)
{
	size_t head = (size_t)(-(uintptr_t)d & (LINE - 1));
	if (head > n)
		head = n;
	size_t body = (n - head) & ~(LINE - 1);
	size_t tail = n - head - body;

	if (!body) {
		/* no whole line (n < 128 <= K_SMALL) */
		k_move_small(d, s, n);
		flush_range(fk, d, n);
		return;
	}
	if (memops_fwd(d, s, n)) {
		piece(d, s, head, fk);
		lines_nt_fwd(d + head, s + head, body, ntm);
		piece(d + head + body, s + head + body, tail, fk);
	} else {
		piece(d + head + body, s + head + body, tail, fk);
		lines_nt_bwd(d + head, s + head, body, ntm);
		piece(d, s, head, fk);
	}
}

#endif
