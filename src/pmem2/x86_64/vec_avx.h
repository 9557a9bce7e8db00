/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vec_avx.h -- the 32-byte vector primitives of the AVX kernels. Only the
 * files compiled with -mavx (memcpy_avx.c, memset_avx.c) include it; their
 * code runs only when CPUID reports AVX and XCR0 says the OS saves the YMM
 * state. See vec_avx512f.h for the contract.
 */
#ifndef PMEM2_VEC_H
#define PMEM2_VEC_H

#ifndef __AVX__
#error "this file must be compiled with -mavx (see CMakeLists.txt)"
#endif

#include <immintrin.h>
#include "pmem2/memops.h"

#define VEC 32
typedef __m256i vec_t;

MEMOPS_INLINE vec_t vload(const char *p)
{
	return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

MEMOPS_INLINE void vstore(char *p, vec_t v)
{
	_mm256_storeu_si256((__m256i *)(void *)p, v);
	INSTR(STORE, p, VEC);
}

MEMOPS_INLINE void vstore_a(char *p, vec_t v)
{
	_mm256_store_si256((__m256i *)(void *)p, v);
	INSTR(STORE, p, VEC);
}

MEMOPS_INLINE void vstream(char *p, vec_t v)
{
	_mm256_stream_si256((__m256i *)(void *)p, v);
	INSTR(NT, p, VEC);
}

MEMOPS_INLINE vec_t vbcast(int c)
{
	return _mm256_set1_epi8((char)c);
}

#endif
