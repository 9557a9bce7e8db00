/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * util.h -- small helpers shared by every library in this tree: alignment
 * arithmetic, export macros, likely/unlikely.
 */
#ifndef CORE_UTIL_H
#define CORE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define SZ_4K ((size_t)4096)
#define SZ_2M ((size_t)2 << 20)
#define SZ_1G ((size_t)1 << 30)
#define CACHELINE_SIZE 64

static inline bool is_pow2(size_t x)
{
	return x && !(x & (x - 1));
}

/* Round up/down to a power-of-two alignment. */
static inline size_t align_up(size_t x, size_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static inline size_t align_down(size_t x, size_t a)
{
	return x & ~(a - 1);
}

/* x + y without wrapping; returns false on overflow. */
static inline bool add_ok(size_t x, size_t y, size_t *res)
{
	return !__builtin_add_overflow(x, y, res);
}

/*
 * EXPORT_V1_V2(fn): export fn as the default fn@@LIBPMEM2_1.0 (PMDK 1.x
 * binaries, and new links) and as fn@LIBPMEM2_2.0 (PMDK 2.x binaries).
 * New links bind to 1.0 so that a program built against this library also
 * runs on Debian 12's PMDK 1.12.1, which has no 2.0 node (the choice is
 * explained in doc/packaging.md). Must follow the definition of fn in the
 * same translation unit. "@@@" makes fn itself the default version, so a
 * static link (the white-box test archive) sees exactly one definition of
 * fn. The library is not compiled with -fvisibility=hidden; the version
 * script's "local: *" hides the rest.
 */
#define EXPORT_V1_V2(fn)                                                     \
	__typeof__(fn) fn##__v2 __attribute__((alias(#fn)));                 \
	__asm__(".symver " #fn "__v2, " #fn "@LIBPMEM2_2.0");                \
	__asm__(".symver " #fn ", " #fn "@@@LIBPMEM2_1.0")

/* Export a function under the version node the version script gives it
 * (used for symbols that live in one node only, e.g. the draft API). */
#define PUBLIC __attribute__((visibility("default")))
/* Never exported, and reached without the PLT from inside the library. */
#define HIDDEN __attribute__((visibility("hidden")))

#endif
