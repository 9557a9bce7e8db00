/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os.h -- the one seam between the libraries and the operating system.
 *
 * Every system call and every allocation the libraries make goes through
 * these wrappers, for two reasons:
 *  - tests can make any of them fail (fault injection), one call at a time,
 *    to prove that every failure path unwinds without leaks;
 *  - every sysfs access is relative to a root that tests can point at a fake
 *    tree (default "/sys"), so platform detection (device DAX, regions,
 *    persistence domains, bad blocks) is testable without the hardware.
 *
 * Wrappers return what the underlying call returns and set errno. The
 * os_sysfs_* helpers take paths that start with "/sys/" and rewrite that
 * prefix to the current root.
 */
#ifndef CORE_OS_H
#define CORE_OS_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

void *os_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int os_munmap(void *addr, size_t len);
int os_mprotect(void *addr, size_t len, int prot);
int os_msync(void *addr, size_t len, int flags);
int os_open(const char *path, int flags, ...);
int os_close(int fd);
int os_fstat(int fd, struct stat *st);
int os_stat(const char *path, struct stat *st);
int os_ftruncate(int fd, off_t len);
int os_fallocate(int fd, int mode, off_t off, off_t len);
int os_fcntl_getfl(int fd);
ssize_t os_pread(int fd, void *buf, size_t len, off_t off);
ssize_t os_pwrite(int fd, const void *buf, size_t len, off_t off);
int os_ioctl(int fd, unsigned long req, void *arg);
/* mkstemp(3) (counted as OS_OPEN), unlink(2) */
int os_mkstemp(char *template);
int os_unlink(const char *path);
void *os_malloc(size_t size);
void *os_zalloc(size_t size);
void *os_realloc(void *ptr, size_t size);
void os_free(void *ptr);
long os_page_size(void);
char *os_getenv(const char *name); /* secure_getenv */

/* sysfs (paths start with "/sys/") */
const char *os_sysfs_root(void);
void os_sysfs_set_root(const char *root); /* NULL restores "/sys" */
/* Read a small attribute; strips one trailing newline. Returns the length
 * or -errno. */
int os_sysfs_read(const char *path, char *buf, size_t len);
/* Write a string to an attribute. Returns 0 or -errno. */
int os_sysfs_write(const char *path, const char *val);
/* realpath() of a sysfs path, result is again a "/sys/..." path (the fake
 * root prefix is stripped). Returns 0 or -errno. */
int os_sysfs_realpath(const char *path, char *out, size_t outlen);
DIR *os_sysfs_opendir(const char *path);
int os_sysfs_access(const char *path); /* 0 if it exists, else -errno */

/*
 * Fault injection. os_fault_inject(kind, nth, err) makes the nth call
 * (counting from 1, from now on) of that kind fail with errno err; 0
 * disarms. os_fault_calls(kind) counts calls of that kind since the last
 * os_fault_reset().
 */
enum os_call {
	OS_MMAP,
	OS_MUNMAP,
	OS_MPROTECT,
	OS_MSYNC,
	OS_OPEN,
	OS_CLOSE,
	OS_FSTAT,
	OS_STAT,
	OS_FTRUNCATE,
	OS_FALLOCATE,
	OS_FCNTL,
	OS_PREAD,
	OS_PWRITE,
	OS_MALLOC, /* malloc, zalloc, realloc */
	OS_SYSFS,  /* every sysfs access */
	OS_IOCTL,
	OS_UNLINK,
	OS_CALL_MAX
};
void os_fault_inject(enum os_call kind, unsigned long nth, int err);
void os_fault_reset(void);
unsigned long os_fault_calls(enum os_call kind);
extern const char *const os_call_names[OS_CALL_MAX];

#endif
