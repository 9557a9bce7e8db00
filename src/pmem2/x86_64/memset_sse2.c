/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memset_sse2.c -- the memset entry points of the sse2 engine.
 *
 * SSE2 (16-byte vectors; every x86-64 processor has it). Whole cache
 * lines are streamed with the vector streaming store, or -- the
 * "sse2+movdir64b" engine, chosen with PMEM_MOVDIR64B -- with MOVDIR64B.
 *
 * The kernels are the shared templates of memset_kernels.h over the
 * primitives of vec_sse2.h; the entry points come from
 * ../memops_entries.h. Compiled with no ISA flag: SSE2 is the x86-64 baseline
 * (CMakeLists.txt); the dispatcher reaches this code only when the
 * processor and the operating system allow its instructions.
 */
#ifdef __x86_64__
#include "vec_sse2.h"
#include "memset_kernels.h"
#include "pmem2/memops_entries.h"

MEMOPS_GEN_SET(sse2, PMEM2_NTM_VEC);
MEMOPS_GEN_SET(sse2_movdir64b, PMEM2_NTM_MOVDIR64B);
#else
typedef int pmem2_memset_sse2_unused; /* not an empty translation unit */
#endif
