/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vec_avx512f.h -- the 64-byte vector primitives of the AVX-512F kernels.
 * Only the files compiled with -mavx512f include it; their code runs only
 * when CPUID reports AVX-512F and XCR0 says the OS saves the opmask and
 * ZMM state.
 *
 * The contract every vec_*.h fulfils for the kernel templates:
 *   VEC, vec_t       vector width in bytes and type
 *   vload(p)         unaligned load
 *   vstore(p, v)     unaligned ordinary store
 *   vstore_a(p, v)   ordinary store, p aligned to VEC
 *   vstream(p, v)    streaming (non-temporal) store, p aligned to VEC
 *   vbcast(c)        the byte c in every lane
 * Stores report themselves to the instrumentation.
 */
#ifndef PMEM2_VEC_H
#define PMEM2_VEC_H

#ifndef __AVX512F__
#error "this file must be compiled with -mavx512f (see CMakeLists.txt)"
#endif

#include <immintrin.h>
#include "pmem2/memops.h"

#define VEC 64
typedef __m512i vec_t;

MEMOPS_INLINE vec_t vload(const char *p)
{
	return _mm512_loadu_si512((const void *)p);
}

MEMOPS_INLINE void vstore(char *p, vec_t v)
{
	_mm512_storeu_si512((void *)p, v);
	INSTR(STORE, p, VEC);
}

MEMOPS_INLINE void vstore_a(char *p, vec_t v)
{
	_mm512_store_si512((void *)p, v);
	INSTR(STORE, p, VEC);
}

MEMOPS_INLINE void vstream(char *p, vec_t v)
{
	_mm512_stream_si512((void *)p, v);
	INSTR(NT, p, VEC);
}

MEMOPS_INLINE vec_t vbcast(int c)
{
	return _mm512_set1_epi8((char)c);
}

#endif
