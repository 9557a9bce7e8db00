/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memset_avx512f.c -- the memset entry points of the avx512f engine.
 *
 * AVX-512F (64-byte vectors). Whole cache lines are streamed
 * with the vector streaming store, or -- the "avx512f+movdir64b" engine,
 * chosen with PMEM_MOVDIR64B -- with MOVDIR64B.
 *
 * The kernels are the shared templates of memset_kernels.h over the
 * primitives of vec_avx512f.h; the entry points come from
 * ../memops_entries.h. Compiled with -mavx512f
 * (CMakeLists.txt); the dispatcher reaches this code only when the
 * processor and the operating system allow its instructions.
 */
#ifdef __x86_64__
#include "vec_avx512f.h"
#include "memset_kernels.h"
#include "pmem2/memops_entries.h"

MEMOPS_GEN_SET(avx512f, PMEM2_NTM_VEC);
MEMOPS_GEN_SET(avx512f_movdir64b, PMEM2_NTM_MOVDIR64B);
#else
typedef int pmem2_memset_avx512f_unused; /* not an empty translation unit */
#endif
