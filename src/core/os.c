/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os.c -- the OS seam (see os.h for the return convention): thin wrappers
 * over system calls and allocation, each one a place where a test can
 * inject a failure. The sysfs half is in sysfs.c.
 */
#define _GNU_SOURCE
#include "core/os.h"
#include "core/vg_hint.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

const char *const os_call_names[OS_CALL_MAX] = {
	[OS_MMAP] = "mmap",	      [OS_MUNMAP] = "munmap",
	[OS_MSYNC] = "msync",	      [OS_OPEN] = "open",
	[OS_CLOSE] = "close",	      [OS_FSTAT] = "fstat",
	[OS_FTRUNCATE] = "ftruncate", [OS_FALLOCATE] = "fallocate",
	[OS_FCNTL] = "fcntl",	      [OS_PREAD] = "pread",
	[OS_PWRITE] = "pwrite",	      [OS_MALLOC] = "malloc",
	[OS_SYSFS] = "sysfs",	      [OS_IOCTL] = "ioctl",
	[OS_UNLINK] = "unlink",
};

/* Fault injection state. Plain counters: tests arm one fault at a time
 * from one thread; the fast path is a single predictable branch. */
static unsigned long fi_calls[OS_CALL_MAX];
static unsigned long fi_nth[OS_CALL_MAX];
static int fi_err[OS_CALL_MAX];
static int fi_armed;
static void (*fi_hook[OS_CALL_MAX])(void *arg);
static void *fi_hook_arg[OS_CALL_MAX];

void os_fault_inject(enum os_call kind, unsigned long nth, int err)
{
	fi_calls[kind] = 0;
	fi_nth[kind] = nth;
	fi_err[kind] = err;
	/* from now on every call is counted */
	__atomic_store_n(&fi_armed, 1, __ATOMIC_RELEASE);
}

void os_fault_reset(void)
{
	memset(fi_calls, 0, sizeof(fi_calls));
	memset(fi_nth, 0, sizeof(fi_nth));
	memset(fi_err, 0, sizeof(fi_err));
	/* keep counting calls after a reset */
	__atomic_store_n(&fi_armed, 1, __ATOMIC_RELEASE);
}

unsigned long os_fault_calls(enum os_call kind)
{
	return fi_calls[kind];
}

void os_call_hook(enum os_call kind, void (*fn)(void *arg), void *arg)
{
	fi_hook_arg[kind] = arg;
	__atomic_store_n(&fi_hook[kind], fn, __ATOMIC_RELEASE);
	__atomic_store_n(&fi_armed, 1, __ATOMIC_RELEASE);
}

int os_fault(enum os_call kind)
{
	if (__builtin_expect(!__atomic_load_n(&fi_armed, __ATOMIC_RELAXED), 1))
		return 0;
	void (*hook)(void *) =
		__atomic_load_n(&fi_hook[kind], __ATOMIC_ACQUIRE);
	if (hook)
		hook(fi_hook_arg[kind]);
	unsigned long n =
		__atomic_add_fetch(&fi_calls[kind], 1, __ATOMIC_RELAXED);
	if (fi_nth[kind] && n == fi_nth[kind])
		return -fi_err[kind];
	return 0;
}

/* a system call's "-1 and errno" as the seam's -errno */
static inline long sys_ret(long r)
{
	return r < 0 ? -errno : r;
}

/* the wrapper of a call that returns int: fault point, then the call */
#define OS_CALL(kind, call)                                                    \
	do {                                                                   \
		int fault_ = os_fault(kind);                                   \
		if (fault_)                                                    \
			return fault_;                                         \
		return (int)sys_ret(call);                                     \
	} while (0)

int os_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off,
	    void **out)
{
	int ret = os_fault(OS_MMAP);

	*out = NULL;
	if (ret)
		return ret;
	void *p = mmap(addr, len, prot, flags, fd, off);
	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

int os_munmap(void *addr, size_t len)
{
	OS_CALL(OS_MUNMAP, munmap(addr, len));
}

/* msync writes pages back without using their values: valgrind must not
 * call the application's uninitialised bytes in them a use (vg_hint.h) */
int os_msync(void *addr, size_t len, int flags)
{
	int ret = os_fault(OS_MSYNC);

	if (ret)
		return ret;
	VG_HIDE_BEGIN();
	ret = (int)sys_ret(msync(addr, len, flags));
	VG_HIDE_END();
	return ret;
}

int os_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	OS_CALL(OS_OPEN, open(path, flags | O_CLOEXEC, mode));
}

int os_close(int fd)
{
	OS_CALL(OS_CLOSE, close(fd));
}

int os_fstat(int fd, struct stat *st)
{
	OS_CALL(OS_FSTAT, fstat(fd, st));
}

int os_ftruncate(int fd, off_t len)
{
	OS_CALL(OS_FTRUNCATE, ftruncate(fd, len));
}

int os_fallocate(int fd, int mode, off_t off, off_t len)
{
	OS_CALL(OS_FALLOCATE, fallocate(fd, mode, off, len));
}

int os_fcntl_getfl(int fd)
{
	OS_CALL(OS_FCNTL, fcntl(fd, F_GETFL));
}

int os_mkstemp(char *template)
{
	OS_CALL(OS_OPEN, mkostemp(template, O_CLOEXEC));
}

int os_unlink(const char *path)
{
	OS_CALL(OS_UNLINK, unlink(path));
}

int os_ioctl(int fd, unsigned long req, void *arg)
{
	OS_CALL(OS_IOCTL, ioctl(fd, req, arg));
}

ssize_t os_pread(int fd, void *buf, size_t len, off_t off)
{
	int ret = os_fault(OS_PREAD);
	if (ret)
		return ret;
	return sys_ret(pread(fd, buf, len, off));
}

ssize_t os_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	int ret = os_fault(OS_PWRITE);
	if (ret)
		return ret;
	return sys_ret(pwrite(fd, buf, len, off));
}

/* an injected allocation failure looks like a real one: NULL, ENOMEM */
static inline bool alloc_fails(void)
{
	if (!os_fault(OS_MALLOC))
		return false;
	errno = ENOMEM;
	return true;
}

void *os_malloc(size_t size)
{
	return alloc_fails() ? NULL : malloc(size);
}

void *os_zalloc(size_t size)
{
	return alloc_fails() ? NULL : calloc(1, size);
}

void *os_realloc(void *ptr, size_t size)
{
	return alloc_fails() ? NULL : realloc(ptr, size);
}

void os_free(void *ptr)
{
	int saved = errno;
	free(ptr);
	errno = saved;
}

/*
 * Cached on first use by whichever thread comes first. Every thread that
 * finds the cache empty stores the same value, so a relaxed atomic is all
 * it takes to make that race-free (a plain static was a data race).
 */
long os_page_size(void)
{
	static long ps;
	long v = __atomic_load_n(&ps, __ATOMIC_RELAXED);
	if (!v) {
		v = sysconf(_SC_PAGESIZE);
		__atomic_store_n(&ps, v, __ATOMIC_RELAXED);
	}
	return v;
}

char *os_getenv(const char *name)
{
	return secure_getenv(name);
}
