/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vg_hint.h -- telling valgrind (and AddressSanitizer) what the library
 * means where their model of the program and the library's intent differ.
 *
 * Memcheck treats msync(2) as reading every byte of its range and reports
 * "Syscall param msync(start) points to uninitialised byte(s)" when an
 * application persists memory it never initialised, which is legal:
 * persisting hands pages to the kernel for writeback, it does not use
 * their values. PMDK hides its msync from error reporting for the same
 * reason, so a client's suite that is clean under memcheck on PMDK must be
 * clean on ours.
 *
 * The client requests come from valgrind's headers at build time only
 * (CMake defines PMEM2_HAVE_VALGRIND when <valgrind/memcheck.h> exists):
 * outside valgrind they are a few no-op instructions, and there is no
 * run-time dependency. Without the header they compile to nothing.
 * Disabling is per thread and nests, so a hint covers exactly the calls
 * between VG_HIDE_BEGIN() and VG_HIDE_END() of the calling thread.
 */
#ifndef CORE_VG_HINT_H
#define CORE_VG_HINT_H

#ifdef PMEM2_HAVE_VALGRIND
#include <valgrind/memcheck.h>
#define VG_HIDE_BEGIN() VALGRIND_DISABLE_ERROR_REPORTING
#define VG_HIDE_END() VALGRIND_ENABLE_ERROR_REPORTING
#define VG_NOACCESS(addr, len) VALGRIND_MAKE_MEM_NOACCESS(addr, len)
#define VG_UNDEFINED(addr, len) VALGRIND_MAKE_MEM_UNDEFINED(addr, len)
#else
#define VG_HIDE_BEGIN() ((void)0)
#define VG_HIDE_END() ((void)0)
#define VG_NOACCESS(addr, len) ((void)(addr), (void)(len))
#define VG_UNDEFINED(addr, len) ((void)(addr), (void)(len))
#endif

/*
 * Memory the library keeps allocated but must never be touched (a deleted
 * map object in quarantine, registry.c): any access is reported by
 * memcheck, and by AddressSanitizer in ASan builds. POISON before the
 * memory is set aside, UNPOISON before it is freed.
 */
#if defined(__SANITIZE_ADDRESS__)
#define CORE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORE_ASAN 1
#endif
#endif
#ifdef CORE_ASAN
#include <sanitizer/asan_interface.h>
#define MEM_POISON(addr, len)                                                  \
	do {                                                                   \
		ASAN_POISON_MEMORY_REGION(addr, len);                          \
		VG_NOACCESS(addr, len);                                        \
	} while (0)
#define MEM_UNPOISON(addr, len)                                                \
	do {                                                                   \
		ASAN_UNPOISON_MEMORY_REGION(addr, len);                        \
		VG_UNDEFINED(addr, len);                                       \
	} while (0)
#else
#define MEM_POISON(addr, len) VG_NOACCESS(addr, len)
#define MEM_UNPOISON(addr, len) VG_UNDEFINED(addr, len)
#endif

#endif
