/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os.h -- the one seam between the libraries and the operating system.
 *
 * Every system call and every allocation the libraries make goes through
 * these wrappers (and those of sysfs.h, the seam's other half), so that
 * tests can make any of them fail (fault injection), one call at a time,
 * to prove that every failure path unwinds without leaks.
 *
 * The convention, for this file and sysfs.h alike:
 *
 *   A call that can fail returns int (ssize_t for byte counts): a value
 *   >= 0 on success (0, a descriptor, flags or a count) and -errno on
 *   failure. A result that is not a number comes back through an out
 *   parameter (os_mmap, sysfs_opendir). Callers never read errno after a
 *   wrapper: an injected failure does not set it.
 *
 *   The one exception is allocation: os_malloc, os_zalloc and os_realloc
 *   return the memory or NULL, and NULL always means ENOMEM. (An out
 *   parameter would have to be a void **, which a caller can only fill
 *   through a cast that breaks C's aliasing rules.)
 *
 *   Calls that cannot fail keep their natural shape: os_free returns
 *   nothing, os_page_size a size, os_getenv a string or NULL for "unset".
 */
#ifndef CORE_OS_H
#define CORE_OS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

int os_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off,
	    void **out);
int os_munmap(void *addr, size_t len);
int os_msync(void *addr, size_t len, int flags);
int os_open(const char *path, int flags, ...); /* the descriptor */
int os_close(int fd);
int os_fstat(int fd, struct stat *st);
int os_ftruncate(int fd, off_t len);
int os_fallocate(int fd, int mode, off_t off, off_t len);
int os_fcntl_getfl(int fd); /* the file status flags */
ssize_t os_pread(int fd, void *buf, size_t len, off_t off);
ssize_t os_pwrite(int fd, const void *buf, size_t len, off_t off);
int os_ioctl(int fd, unsigned long req, void *arg);
/* mkostemp(template, O_CLOEXEC), counted as OS_OPEN: the descriptor */
int os_mkstemp(char *template);
int os_unlink(const char *path);

/* NULL: out of memory */
void *os_malloc(size_t size);
void *os_zalloc(size_t size);
void *os_realloc(void *ptr, size_t size);
void os_free(void *ptr); /* keeps errno */

long os_page_size(void);
char *os_getenv(const char *name); /* secure_getenv */

/*
 * Fault injection. os_fault_inject(kind, nth, err) makes the nth call
 * (counting from 1, from now on) of that kind fail with -err (allocations:
 * NULL); nth 0 disarms. os_fault_calls(kind) counts calls of that kind
 * since the last os_fault_reset().
 */
enum os_call {
	OS_MMAP,
	OS_MUNMAP,
	OS_MSYNC,
	OS_OPEN,
	OS_CLOSE,
	OS_FSTAT,
	OS_FTRUNCATE,
	OS_FALLOCATE,
	OS_FCNTL,
	OS_PREAD,
	OS_PWRITE,
	OS_MALLOC, /* malloc, zalloc, realloc */
	OS_SYSFS,  /* every sysfs access (sysfs.h) */
	OS_IOCTL,
	OS_UNLINK,
	OS_CALL_MAX
};
void os_fault_inject(enum os_call kind, unsigned long nth, int err);
void os_fault_reset(void);
unsigned long os_fault_calls(enum os_call kind);
/* For tests of concurrency: fn(arg) runs in the calling thread at the
 * start of every call of that kind, before the call (a test can make a
 * thread wait there, as if the system call blocked); NULL removes it.
 * Set it before the threads that make the calls start. */
void os_call_hook(enum os_call kind, void (*fn)(void *arg), void *arg);
extern const char *const os_call_names[OS_CALL_MAX];

/* For the wrappers (here and in sysfs.c): count a call of this kind; 0, or
 * the injected -err when this call must fail. */
int os_fault(enum os_call kind);

#endif
