/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vec_sse2.h -- the 16-byte vector primitives of the SSE2 kernels (every
 * x86-64 processor has SSE2). Included by memcpy_sse2.c and memset_sse2.c
 * before the kernel templates; see vec_avx512f.h for the contract.
 */
#ifndef PMEM2_VEC_H
#define PMEM2_VEC_H

#include <emmintrin.h>
#include "pmem2/memops.h"

#define VEC 16
typedef __m128i vec_t;

MEMOPS_INLINE vec_t vload(const char *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

MEMOPS_INLINE void vstore(char *p, vec_t v)
{
	_mm_storeu_si128((__m128i *)(void *)p, v);
	INSTR(STORE, p, VEC);
}

MEMOPS_INLINE void vstore_a(char *p, vec_t v)
{
	_mm_store_si128((__m128i *)(void *)p, v);
	INSTR(STORE, p, VEC);
}

MEMOPS_INLINE void vstream(char *p, vec_t v)
{
	_mm_stream_si128((__m128i *)(void *)p, v);
	INSTR(NT, p, VEC);
}

MEMOPS_INLINE vec_t vbcast(int c)
{
	return _mm_set1_epi8((char)c);
}

#endif
