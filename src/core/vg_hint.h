/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vg_hint.h -- telling valgrind what the library means where its model of
 * a system call and the library's intent differ.
 *
 * Memcheck treats msync(2) as reading every byte of its range and reports
 * "Syscall param msync(start) points to uninitialised byte(s)" when an
 * application persists memory it never initialised, which is legal:
 * persisting hands pages to the kernel for writeback, it does not use
 * their values. PMDK hides its msync from error reporting for the same
 * reason, so a client's suite that is clean under memcheck on PMDK must be
 * clean on ours.
 *
 * The client requests come from valgrind's header at build time only
 * (CMake defines PMEM2_HAVE_VALGRIND when <valgrind/valgrind.h> exists):
 * outside valgrind they are a few no-op instructions, and there is no
 * run-time dependency. Without the header they compile to nothing.
 * Disabling is per thread and nests, so a hint covers exactly the calls
 * between VG_HIDE_BEGIN() and VG_HIDE_END() of the calling thread.
 */
#ifndef CORE_VG_HINT_H
#define CORE_VG_HINT_H

#ifdef PMEM2_HAVE_VALGRIND
#include <valgrind/valgrind.h>
#define VG_HIDE_BEGIN() VALGRIND_DISABLE_ERROR_REPORTING
#define VG_HIDE_END() VALGRIND_ENABLE_ERROR_REPORTING
#else
#define VG_HIDE_BEGIN() ((void)0)
#define VG_HIDE_END() ((void)0)
#endif

#endif
