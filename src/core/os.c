/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os.c -- the OS seam (see os.h): thin wrappers over system calls and
 * allocation with fault injection, and sysfs access under a movable root.
 */
#define _GNU_SOURCE
#include "os.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

const char *const os_call_names[OS_CALL_MAX] = {
	[OS_MMAP] = "mmap",	    [OS_MUNMAP] = "munmap",
	[OS_MPROTECT] = "mprotect", [OS_MSYNC] = "msync",
	[OS_OPEN] = "open",	    [OS_CLOSE] = "close",
	[OS_FSTAT] = "fstat",	    [OS_STAT] = "stat",
	[OS_FTRUNCATE] = "ftruncate", [OS_FALLOCATE] = "fallocate",
	[OS_FCNTL] = "fcntl",	    [OS_PREAD] = "pread",
	[OS_PWRITE] = "pwrite",	    [OS_MALLOC] = "malloc",
	[OS_SYSFS] = "sysfs",	    [OS_IOCTL] = "ioctl",
	[OS_UNLINK] = "unlink",
};

/* Fault injection state. Plain counters: tests arm one fault at a time
 * from one thread; the fast path is a single predictable branch. */
static unsigned long fi_calls[OS_CALL_MAX];
static unsigned long fi_nth[OS_CALL_MAX];
static int fi_err[OS_CALL_MAX];
static int fi_armed;

void os_fault_inject(enum os_call kind, unsigned long nth, int err)
{
	fi_calls[kind] = 0;
	fi_nth[kind] = nth;
	fi_err[kind] = err;
	fi_armed = 1; /* from now on every call is counted */
}

void os_fault_reset(void)
{
	memset(fi_calls, 0, sizeof(fi_calls));
	memset(fi_nth, 0, sizeof(fi_nth));
	memset(fi_err, 0, sizeof(fi_err));
	fi_armed = 1; /* keep counting calls after a reset */
}

unsigned long os_fault_calls(enum os_call kind)
{
	return fi_calls[kind];
}

/* Returns nonzero (and sets errno) when this call must fail. */
static inline int fault(enum os_call kind)
{
	if (__builtin_expect(!fi_armed, 1))
		return 0;
	unsigned long n = __atomic_add_fetch(&fi_calls[kind], 1,
					     __ATOMIC_RELAXED);
	if (fi_nth[kind] && n == fi_nth[kind]) {
		errno = fi_err[kind];
		return 1;
	}
	return 0;
}

void *os_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (fault(OS_MMAP))
		return MAP_FAILED;
	return mmap(addr, len, prot, flags, fd, off);
}

int os_munmap(void *addr, size_t len)
{
	if (fault(OS_MUNMAP))
		return -1;
	return munmap(addr, len);
}

int os_mprotect(void *addr, size_t len, int prot)
{
	if (fault(OS_MPROTECT))
		return -1;
	return mprotect(addr, len, prot);
}

int os_msync(void *addr, size_t len, int flags)
{
	if (fault(OS_MSYNC))
		return -1;
	return msync(addr, len, flags);
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
	if (fault(OS_OPEN))
		return -1;
	return open(path, flags | O_CLOEXEC, mode);
}

int os_close(int fd)
{
	if (fault(OS_CLOSE))
		return -1;
	return close(fd);
}

int os_fstat(int fd, struct stat *st)
{
	if (fault(OS_FSTAT))
		return -1;
	return fstat(fd, st);
}

int os_stat(const char *path, struct stat *st)
{
	if (fault(OS_STAT))
		return -1;
	return stat(path, st);
}

int os_ftruncate(int fd, off_t len)
{
	if (fault(OS_FTRUNCATE))
		return -1;
	return ftruncate(fd, len);
}

int os_fallocate(int fd, int mode, off_t off, off_t len)
{
	if (fault(OS_FALLOCATE))
		return -1;
	return fallocate(fd, mode, off, len);
}

int os_fcntl_getfl(int fd)
{
	if (fault(OS_FCNTL))
		return -1;
	return fcntl(fd, F_GETFL);
}

int os_mkstemp(char *template)
{
	if (fault(OS_OPEN))
		return -1;
	return mkostemp(template, O_CLOEXEC);
}

int os_unlink(const char *path)
{
	if (fault(OS_UNLINK))
		return -1;
	return unlink(path);
}

ssize_t os_pread(int fd, void *buf, size_t len, off_t off)
{
	if (fault(OS_PREAD))
		return -1;
	return pread(fd, buf, len, off);
}

ssize_t os_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	if (fault(OS_PWRITE))
		return -1;
	return pwrite(fd, buf, len, off);
}

int os_ioctl(int fd, unsigned long req, void *arg)
{
	if (fault(OS_IOCTL))
		return -1;
	return ioctl(fd, req, arg);
}

void *os_malloc(size_t size)
{
	if (fault(OS_MALLOC))
		return NULL;
	return malloc(size);
}

void *os_zalloc(size_t size)
{
	if (fault(OS_MALLOC))
		return NULL;
	return calloc(1, size);
}

void *os_realloc(void *ptr, size_t size)
{
	if (fault(OS_MALLOC))
		return NULL;
	return realloc(ptr, size);
}

void os_free(void *ptr)
{
	int saved = errno;
	free(ptr);
	errno = saved;
}

long os_page_size(void)
{
	static long ps;
	if (!ps)
		ps = sysconf(_SC_PAGESIZE);
	return ps;
}

char *os_getenv(const char *name)
{
	return secure_getenv(name);
}

/* ---- sysfs ---- */

/*
 * The root defaults to "/sys". PMEM2_SYSFS_ROOT (read once, with
 * secure_getenv, so never for setuid programs) points it at a copy of a
 * sysfs tree: tests use it to fake platforms, and a user can replay a
 * captured tree with `pmem2 info` to see what the library would decide.
 */
static char sysfs_root[PATH_MAX];
static pthread_once_t sysfs_root_once = PTHREAD_ONCE_INIT;

static void sysfs_root_init(void)
{
	if (sysfs_root[0])
		return; /* set explicitly before first use */
	const char *env = secure_getenv("PMEM2_SYSFS_ROOT");
	snprintf(sysfs_root, sizeof(sysfs_root), "%s",
		 env && *env ? env : "/sys");
}

const char *os_sysfs_root(void)
{
	pthread_once(&sysfs_root_once, sysfs_root_init);
	return sysfs_root;
}

void os_sysfs_set_root(const char *root)
{
	pthread_once(&sysfs_root_once, sysfs_root_init);
	snprintf(sysfs_root, sizeof(sysfs_root), "%s", root ? root : "/sys");
}

/* "/sys/x/y" -> "<root>/x/y"; other paths are used as they are */
static int sysfs_path(const char *path, char *out, size_t len)
{
	int n;
	if (strncmp(path, "/sys/", 5) == 0 || strcmp(path, "/sys") == 0)
		n = snprintf(out, len, "%s%s", sysfs_root, path + 4);
	else
		n = snprintf(out, len, "%s", path);
	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

int os_sysfs_read(const char *path, char *buf, size_t len)
{
	char p[PATH_MAX];
	os_sysfs_root();
	int ret = sysfs_path(path, p, sizeof(p));
	if (ret)
		return ret;
	if (len == 0)
		return -EINVAL;
	if (fault(OS_SYSFS))
		return -errno;
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return (int)n;
}

int os_sysfs_write(const char *path, const char *val)
{
	char p[PATH_MAX];
	os_sysfs_root();
	int ret = sysfs_path(path, p, sizeof(p));
	if (ret)
		return ret;
	if (fault(OS_SYSFS))
		return -errno;
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(val);
	ssize_t n = write(fd, val, len);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	return (size_t)n == len ? 0 : -EIO;
}

int os_sysfs_realpath(const char *path, char *out, size_t outlen)
{
	char p[PATH_MAX], r[PATH_MAX];
	os_sysfs_root();
	int ret = sysfs_path(path, p, sizeof(p));
	if (ret)
		return ret;
	if (fault(OS_SYSFS))
		return -errno;
	if (!realpath(p, r))
		return -errno;
	const char *rest = r;
	size_t rl = strlen(sysfs_root);
	/* strip the fake root and put "/sys" back */
	if (strcmp(sysfs_root, "/sys") != 0 &&
	    strncmp(r, sysfs_root, rl) == 0) {
		rest = r + rl;
		if ((size_t)snprintf(out, outlen, "/sys%s", rest) >= outlen)
			return -ENAMETOOLONG;
		return 0;
	}
	if ((size_t)snprintf(out, outlen, "%s", rest) >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

DIR *os_sysfs_opendir(const char *path)
{
	char p[PATH_MAX];
	os_sysfs_root();
	int ret = sysfs_path(path, p, sizeof(p));
	if (ret) {
		errno = -ret;
		return NULL;
	}
	if (fault(OS_SYSFS))
		return NULL;
	return opendir(p);
}

int os_sysfs_access(const char *path)
{
	char p[PATH_MAX];
	os_sysfs_root();
	int ret = sysfs_path(path, p, sizeof(p));
	if (ret)
		return ret;
	if (fault(OS_SYSFS))
		return -errno;
	return access(p, F_OK) ? -errno : 0;
}
