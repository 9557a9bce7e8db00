/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memset_kernels.h -- the memset kernels of the x86-64 engines, written
 * once over the vector primitives of vec_<isa>.h and compiled once per ISA
 * by memset_<isa>.c. The shapes are those of memcpy_kernels.h without the
 * overlap concerns: small fills are a few (possibly overlapping) stores
 * from both ends; large ordinary fills store the first and last vector
 * unaligned and the middle aligned; flushed and streamed fills cut the
 * range into a ragged head, whole lines and a ragged tail.
 */
#ifndef PMEM2_X86_64_MEMSET_KERNELS_H
#define PMEM2_X86_64_MEMSET_KERNELS_H

#include <string.h>

#define MEMOPS_HAVE_SET 1

#define LINE ((size_t)64)
#define GROUP (4 * (size_t)VEC)
/*
 * Flushed ordinary fills store 32 lines, then clean those 32: into lines not
 * in the cache more read-for-ownership requests are in flight before the
 * first clean. Against 8 and 8, in one process with PMDK's (bench-pair, AMD
 * family 25): CACHE_LINE TEMPORAL 64 KiB cold fill 0.94-0.98x -> 0.97-0.99x
 * PMDK, 2 MiB appended 0.95-1.02x -> 1.00x; 64 lines lost at 4 KiB cold.
 */
#define FLUSH_CHUNK ((size_t)2048)
#define WC_BLOCK ((size_t)768)

#if VEC == 16
#define K_SMALL ((size_t)128)
#else
#define K_SMALL ((size_t)256)
#endif

MEMOPS_INLINE void st8(char *p, uint64_t v)
{
	memcpy(p, &v, 8);
	INSTR(STORE, p, 8);
}

MEMOPS_INLINE void st4(char *p, uint32_t v)
{
	memcpy(p, &v, 4);
	INSTR(STORE, p, 4);
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

MEMOPS_INLINE void xstore(char *p, __m128i v)
{
	_mm_storeu_si128((__m128i *)(void *)p, v);
	INSTR(STORE, p, 16);
}

#if VEC >= 32
MEMOPS_INLINE void ystore(char *p, __m256i v)
{
	_mm256_storeu_si256((__m256i *)(void *)p, v);
	INSTR(STORE, p, 32);
}
#endif

/* n <= 16 */
MEMOPS_INLINE void set_le16(char *d, int c, size_t n)
{
	uint64_t v = 0x0101010101010101ULL * (uint8_t)c;

	if (n >= 8) {
		st8(d, v);
		st8(d + n - 8, v);
	} else if (n >= 4) {
		st4(d, (uint32_t)v);
		st4(d + n - 4, (uint32_t)v);
	} else if (n >= 2) {
		st2(d, (uint16_t)v);
		st2(d + n - 2, (uint16_t)v);
	} else if (n) {
		st1(d, (char)c);
	}
}

/* n <= K_SMALL */
MEMOPS_INLINE void k_set_small(char *d, int c, size_t n)
{
	if (n <= 16) {
		set_le16(d, c, n);
		return;
	}
	if (n <= 32) {
		__m128i x = _mm_set1_epi8((char)c);
		xstore(d, x);
		xstore(d + n - 16, x);
		return;
	}
#if VEC == 64
	if (n <= 64) {
		__m256i y = _mm256_set1_epi8((char)c);
		ystore(d, y);
		ystore(d + n - 32, y);
		return;
	}
#endif
	vec_t v = vbcast(c);
#if VEC == 16
	if (n <= 64) {
		vstore(d, v);
		vstore(d + 16, v);
		vstore(d + n - 32, v);
		vstore(d + n - 16, v);
		return;
	}
#else
	if (n <= 2 * VEC) {
		vstore(d, v);
		vstore(d + n - VEC, v);
		return;
	}
	if (n <= 4 * VEC) {
		vstore(d, v);
		vstore(d + VEC, v);
		vstore(d + n - 2 * VEC, v);
		vstore(d + n - VEC, v);
		return;
	}
#endif
#if VEC < 64
	/* up to 8 vectors */
	vstore(d, v);
	vstore(d + VEC, v);
	vstore(d + 2 * VEC, v);
	vstore(d + 3 * VEC, v);
	vstore(d + n - 4 * VEC, v);
	vstore(d + n - 3 * VEC, v);
	vstore(d + n - 2 * VEC, v);
	vstore(d + n - VEC, v);
#endif
}

/* n > K_SMALL */
MEMOPS_INLINE void k_set_t_big(char *d, int c, size_t n)
{
	vec_t v = vbcast(c);
	uintptr_t p = ((uintptr_t)d + VEC) & ~(uintptr_t)(VEC - 1);
	uintptr_t end = (uintptr_t)d + n;

	vstore(d, v);
	while (end - p >= GROUP) {
		vstore_a((char *)p, v);
		vstore_a((char *)p + VEC, v);
		vstore_a((char *)p + 2 * VEC, v);
		vstore_a((char *)p + 3 * VEC, v);
		p += GROUP;
	}
	while (end - p >= VEC) {
		vstore_a((char *)p, v);
		p += VEC;
	}
	vstore(d + n - VEC, v);
}

/* one line of ordinary stores, d aligned */
MEMOPS_INLINE void line_set_t(char *d, vec_t v)
{
	for (size_t off = 0; off < LINE; off += VEC)
		vstore_a(d + off, v);
}

/* one line streamed, d aligned; buf: 64 bytes of c for MOVDIR64B */
MEMOPS_INLINE void line_set_nt(char *d, vec_t v, const char *buf, const int ntm)
{
	if (ntm == PMEM2_NTM_MOVDIR64B) {
		movdir64b(d, buf);
		return;
	}
	for (size_t off = 0; off < LINE; off += VEC)
		vstream(d + off, v);
}

/* a ragged piece (< 64 bytes, within one line), then its line flushed */
MEMOPS_INLINE void set_piece(char *d, int c, size_t n, const int fk)
{
	if (!n)
		return;
	k_set_small(d, c, n);
	flush_line(fk, d);
}

/* n > K_SMALL: ordinary stores, every written line flushed */
MEMOPS_INLINE void k_set_t_flush_big(char *d, int c, size_t n, const int fk)
{
	size_t head = (size_t)(-(uintptr_t)d & (LINE - 1));
	size_t body = (n - head) & ~(LINE - 1);
	size_t tail = n - head - body;
	vec_t v = vbcast(c);
	char *p = d + head;

	set_piece(d, c, head, fk);
	while (body >= FLUSH_CHUNK) {
		for (size_t off = 0; off < FLUSH_CHUNK; off += LINE)
			line_set_t(p + off, v);
		for (size_t off = 0; off < FLUSH_CHUNK; off += LINE)
			flush_line(fk, p + off);
		p += FLUSH_CHUNK;
		body -= FLUSH_CHUNK;
	}
	for (; body; body -= LINE, p += LINE) {
		line_set_t(p, v);
		flush_line(fk, p);
	}
	set_piece(p, c, tail, fk);
}

#define WC_APPLIES(ntm) (VEC < 64 && (ntm) == PMEM2_NTM_VEC)

/* any n: whole lines streamed, the ragged ends flushed */
MEMOPS_INLINE void k_set_nt(char *d, int c, size_t n, const int fk,
			    const int ntm)
{
	size_t head = (size_t)(-(uintptr_t)d & (LINE - 1));
	if (head > n)
		head = n;
	size_t body = (n - head) & ~(LINE - 1);
	size_t tail = n - head - body;
	vec_t v = vbcast(c);
	char *p = d + head;
	char buf[64] __attribute__((aligned(64)));

	if (!body) {
		k_set_small(d, c, n);
		flush_range(fk, d, n);
		return;
	}
	if (ntm == PMEM2_NTM_MOVDIR64B)
		memset(buf, c, sizeof(buf));
	set_piece(d, c, head, fk);
	if (WC_APPLIES(ntm) && pmem2_tun.wc_workaround) {
		while (body > WC_BLOCK) {
			for (size_t off = 0; off < WC_BLOCK; off += LINE)
				line_set_nt(p + off, v, buf, ntm);
			fence_wc();
			p += WC_BLOCK;
			body -= WC_BLOCK;
		}
	}
	for (; body >= 4 * LINE; body -= 4 * LINE, p += 4 * LINE) {
		line_set_nt(p, v, buf, ntm);
		line_set_nt(p + LINE, v, buf, ntm);
		line_set_nt(p + 2 * LINE, v, buf, ntm);
		line_set_nt(p + 3 * LINE, v, buf, ntm);
	}
	for (; body; body -= LINE, p += LINE)
		line_set_nt(p, v, buf, ntm);
	set_piece(p, c, tail, fk);
}

#endif
