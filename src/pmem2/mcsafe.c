/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mcsafe.c -- read and write a source so that a memory error (poison) in
 * persistent memory becomes an error code instead of killing the process.
 *
 * Regular files go through pread/pwrite: the kernel turns poison into EIO.
 * A Device DAX has no read/write, so the needed part of it (rounded out to
 * the device alignment, never the whole device) is mapped and copied with
 * a SIGBUS guard: a thread-local sigjmp_buf, armed only around the copy,
 * and a SIGBUS handler installed while at least one thread copies. A
 * SIGBUS in a thread that is not copying goes to whatever handler was
 * there before (or kills the process as it would have). The window is
 * unmapped on every path, including after the jump out of the handler.
 *
 * Unlike PMDK the range is checked without wrapping (offset > size used to
 * pass the check) and short transfers are continued, not ignored.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>

#include "core/err.h"
#include "core/os.h"
#include "core/util.h"
#include "fork.h"
#include "persist.h"
#include "source.h"

/* ---- the SIGBUS guard ---- */

static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned guard_users; /* threads inside a guarded copy */
static struct sigaction guard_prev;

static __thread sigjmp_buf *guard_jmp;
static __thread void *guard_fault_addr;

static void guard_handler(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *jb = guard_jmp;

	if (jb) {
		guard_jmp = NULL;
		guard_fault_addr = si ? si->si_addr : NULL;
		siglongjmp(*jb, 1);
	}

	/*
	 * Not a guarded copy: act as the previous disposition would. An
	 * ignored SIGBUS from a memory access is not ignorable: the kernel
	 * forces the default action (returning would fault again forever),
	 * so SIG_IGN is treated like SIG_DFL.
	 */
	if (guard_prev.sa_handler == SIG_IGN ||
	    guard_prev.sa_handler == SIG_DFL) {
		signal(sig, SIG_DFL);
		raise(sig);
	} else if (guard_prev.sa_flags & SA_SIGINFO) {
		guard_prev.sa_sigaction(sig, si, uc);
	} else {
		guard_prev.sa_handler(sig);
	}
}

static int guard_enter(void)
{
	int ret = 0;

	pmem2_fork_safe();
	pthread_mutex_lock(&guard_lock);
	if (guard_users == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = guard_handler;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGBUS, &sa, &guard_prev)) {
			ret = -errno;
			err_set_errno(errno, "cannot install a SIGBUS handler");
		}
	}
	if (!ret)
		guard_users++;
	pthread_mutex_unlock(&guard_lock);
	return ret;
}

static void guard_leave(void)
{
	pthread_mutex_lock(&guard_lock);
	if (--guard_users == 0)
		sigaction(SIGBUS, &guard_prev, NULL);
	pthread_mutex_unlock(&guard_lock);
}

void pmem2_mcsafe_fork_prepare(void)
{
	pthread_mutex_lock(&guard_lock);
}

void pmem2_mcsafe_fork_parent(void)
{
	pthread_mutex_unlock(&guard_lock);
}

/* the threads that were inside a guarded copy do not exist in the child:
 * nobody needs the guard there */
void pmem2_mcsafe_fork_child(void)
{
	if (guard_users)
		sigaction(SIGBUS, &guard_prev, NULL);
	guard_users = 0;
	pthread_mutex_init(&guard_lock, NULL);
}

/*
 * memcpy under the guard. Returns 0, or 1 when a SIGBUS hit (its address
 * in *fault).
 */
static int guarded_copy(void *dst, const void *src, size_t len, void **fault)
{
	sigjmp_buf jb;

	if (sigsetjmp(jb, 1)) {
		*fault = guard_fault_addr;
		return 1;
	}
	guard_jmp = &jb;
	/* keep the compiler from moving the copy out of the guarded part */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	memcpy(dst, src, len);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	guard_jmp = NULL;
	return 0;
}

/* ---- Device DAX ---- */

static int devdax_rw(const struct pmem2_source *src, void *buf, size_t size,
		     size_t offset, size_t dev_size, bool write)
{
	size_t align, win_start, win_end;
	void *fault = NULL;
	int ret;

	ret = pmem2_devdax_alignment(src->st_rdev, &align);
	if (ret)
		return ret;
	win_start = align_down(offset, align);
	/* offset + size <= dev_size, so the window covers the range */
	win_end = MIN(align_up(offset + size, align), dev_size);
	size_t win_len = win_end - win_start;

	int prot = write ? PROT_READ | PROT_WRITE : PROT_READ;
	void *p;
	int e = -os_mmap(NULL, win_len, prot, MAP_SHARED, src->fd,
			 (off_t)win_start, &p);
	if (e) {
		err_set_errno(e,
			      "cannot map [%zu, +%zu) of the Device DAX "
			      "to %s it%s",
			      win_start, win_len, write ? "write" : "read",
			      write && e == EACCES ? " (is the fd open "
						     "O_RDWR?)"
						   : "");
		return e == EACCES ? PMEM2_E_NO_ACCESS : -e;
	}

	char *win = p;
	ret = guard_enter();
	if (ret)
		goto unmap;

	char *dev = win + (offset - win_start);
	int hit = write ? guarded_copy(dev, buf, size, &fault)
			: guarded_copy(buf, dev, size, &fault);
	guard_leave();

	if (hit) {
		char *f = fault;
		/* a C library that copies in aligned words (riscv64) faults
		 * at the word holding the first byte, which may start
		 * before the range: report the range's own first byte */
		if (f < dev && f >= win && (size_t)(dev - f) < sizeof(long))
			f = dev;
		if (f >= win && f < win + win_len)
			err_set("memory error (SIGBUS) while %s the Device DAX "
				"at offset %zu; the range holds a bad block",
				write ? "writing" : "reading",
				win_start + (size_t)(f - win));
		else
			err_set("SIGBUS at %p while %s %zu bytes of the Device "
				"DAX at offset %zu, outside the device window "
				"(the caller's buffer?)",
				fault, write ? "writing" : "reading", size,
				offset);
		ret = PMEM2_E_IO_FAIL;
		goto unmap;
	}
	if (write) {
		pmem2_flush_cpu_caches(dev, size);
		pmem2_fence();
	}

unmap:
	e = -os_munmap(win, win_len);
	if (e && !ret) {
		err_set_errno(e, "cannot unmap the Device DAX window");
		ret = -e;
	}
	return ret;
}

/* ---- regular files ---- */

static int file_rw(const struct pmem2_source *src, void *buf, size_t size,
		   size_t offset, bool write)
{
	size_t done = 0;

	while (done < size) {
		size_t chunk = MIN(size - done, (size_t)SSIZE_MAX);
		off_t off = (off_t)(offset + done);
		ssize_t n = write ? os_pwrite(src->fd, (char *)buf + done,
					      chunk, off)
				  : os_pread(src->fd, (char *)buf + done, chunk,
					     off);
		if (n < 0) {
			int e = (int)-n;
			if (e == EINTR)
				continue;
			if (e == EIO) {
				err_set_errno(e,
					      "I/O error %s the file at "
					      "offset %zu (a bad block?)",
					      write ? "writing" : "reading",
					      offset + done);
				return PMEM2_E_IO_FAIL;
			}
			err_set_errno(e,
				      "cannot %s %zu bytes of the file at "
				      "offset %zu",
				      write ? "write" : "read", chunk,
				      offset + done);
			return -e;
		}
		if (n == 0) {
			if (write) {
				err_set("writing the file at offset %zu "
					"stored nothing",
					offset + done);
				return PMEM2_E_IO_FAIL;
			}
			err_set("the file ended at offset %zu, before the end "
				"of the requested range %zu (was it "
				"truncated?)",
				offset + done, offset + size);
			return PMEM2_E_LENGTH_OUT_OF_RANGE;
		}
		done += (size_t)n;
	}
	return 0;
}

static int mcsafe_rw(struct pmem2_source *src, void *buf, size_t size,
		     size_t offset, bool write)
{
	size_t src_size;
	int ret;

	if (src->type != PMEM2_SOURCE_FD) {
		err_set("%s is supported only for sources made from a file "
			"descriptor, not for anonymous memory",
			write ? "pmem2_source_pwrite_mcsafe"
			      : "pmem2_source_pread_mcsafe");
		return PMEM2_E_SOURCE_TYPE_NOT_SUPPORTED;
	}
	ret = pmem2_source_size(src, &src_size);
	if (ret)
		return ret;
	if (offset > src_size || size > src_size - offset) {
		err_set("the range [%zu, +%zu) is outside the source of %zu "
			"bytes; %s only within the source",
			offset, size, src_size, write ? "write" : "read");
		return PMEM2_E_LENGTH_OUT_OF_RANGE;
	}
	if (size == 0)
		return 0;

	if (src->ftype == PMEM2_FTYPE_DEVDAX)
		return devdax_rw(src, buf, size, offset, src_size, write);
	return file_rw(src, buf, size, offset, write);
}

int pmem2_source_pread_mcsafe(struct pmem2_source *src, void *buf, size_t size,
			      size_t offset)
{
	return mcsafe_rw(src, buf, size, offset, false);
}
EXPORT_V1_V2(pmem2_source_pread_mcsafe);

int pmem2_source_pwrite_mcsafe(struct pmem2_source *src, void *buf, size_t size,
			       size_t offset)
{
	return mcsafe_rw(src, buf, size, offset, true);
}
EXPORT_V1_V2(pmem2_source_pwrite_mcsafe);
