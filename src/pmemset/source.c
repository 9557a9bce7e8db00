/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * source.c -- struct pmemset_source: what a part is mapped from. A source
 * wraps a caller's pmem2_source (never resized), a file libpmemset opens
 * (created on request, grown to fit the parts unless told not to) or an
 * unnamed temporary file (O_TMPFILE: it never has a name, so it is gone
 * with its last descriptor and mapping; where the file system has no
 * O_TMPFILE, a mkstemp file unlinked at once).
 *
 * pmemset_source_delete() closes the file at once; the small object itself
 * lives on, reference counted, while parts mapped from it exist, because
 * their unmapping still updates its shutdown-state record. What belongs to
 * the file rather than to one source of it is in the file's record, shared
 * by all its sources (file.h). Growing a file
 * allocates its blocks (fallocate) so a later page fault on a DAX file
 * system cannot run out of space; ftruncate is the fallback where the file
 * system cannot allocate. A map that fails after growing the file shrinks
 * it back, unless another map of the file (through any source) has asked
 * for a size since. Growth goes under the file's lock, so sources of one
 * file never race (an ftruncate to a smaller "need" cannot undo another's
 * growth).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "core/os.h"
#include "core/util.h"
#include "pmemset_internal.h"

#define DEFAULT_CREATE_MODE 0644

/* A source of the file st describes (NULL: anonymous memory). */
static int source_alloc(struct pmemset_source **out,
			enum pmemset_source_type type, const struct stat *st)
{
	struct pmemset_source *s = os_zalloc(sizeof(*s));
	if (!s) {
		err_set_errno(errno, "cannot allocate a pmemset source");
		return -ENOMEM;
	}
	int r = pthread_mutex_init(&s->lock, NULL);
	if (r) {
		os_free(s);
		err_set_errno(r, "cannot initialise the lock of a source");
		return -r;
	}
	r = pmemset_file_get(&s->file, st);
	if (r) {
		pthread_mutex_destroy(&s->lock);
		os_free(s);
		return r;
	}
	s->type = type;
	s->fd = -1;
	s->refs = 1;
	*out = s;
	return 0;
}

void pmemset_source_get(struct pmemset_source *src)
{
	__atomic_add_fetch(&src->refs, 1, __ATOMIC_RELAXED);
}

void pmemset_source_put(struct pmemset_source *src)
{
	if (__atomic_sub_fetch(&src->refs, 1, __ATOMIC_ACQ_REL))
		return;
	pmemset_file_put(src->file);
	pthread_mutex_destroy(&src->lock);
	os_free(src);
}

PUBLIC int pmemset_source_from_pmem2(struct pmemset_source **src,
				     struct pmem2_source *pmem2_src)
{
	if (!src) {
		err_set("pmemset_source_from_pmem2: src is NULL; pass the "
			"address of a struct pmemset_source pointer");
		return -EINVAL;
	}
	*src = NULL;
	if (!pmem2_src) {
		err_set("the pmem2 source is NULL; create one with "
			"pmem2_source_from_fd or pmem2_source_from_anon");
		return PMEMSET_E_INVALID_PMEM2_SOURCE;
	}
	/* the file it maps, if any (anonymous memory: a record of its own) */
	struct stat st, *stp = NULL;
	int fd;
	if (pmem2_source_get_fd(pmem2_src, &fd) == 0) {
		int ret = os_fstat(fd, &st);
		if (ret) {
			err_set_errno(-ret,
				      "cannot fstat the file of the pmem2 "
				      "source");
			return ret;
		}
		stp = &st;
	}
	struct pmemset_source *s;
	int ret = source_alloc(&s, PMEMSET_SOURCE_PMEM2, stp);
	if (ret)
		return ret;
	s->pmem2 = pmem2_src;
	s->grow = false; /* the caller owns the file: we never resize it */
	*src = s;
	return 0;
}

/* Wrap an open fd (taken over) into a new source. */
static int source_from_fd(struct pmemset_source **src, int fd,
			  enum pmemset_source_type type, bool grow,
			  const char *what)
{
	struct pmem2_source *p2 = NULL;
	struct pmemset_source *s = NULL;
	struct stat st;
	int ret;

	ret = os_fstat(fd, &st);
	if (ret) {
		err_set_errno(-ret, "cannot fstat %s", what);
		goto err_close;
	}
	ret = pmem2_source_from_fd(&p2, fd);
	if (ret) {
		pmemset_err_pmem2(ret, "%s cannot be a libpmem2 source", what);
		goto err_close;
	}
	ret = source_alloc(&s, type, &st);
	if (ret)
		goto err_p2;
	s->pmem2 = p2;
	s->fd = fd;
	/* only regular files can grow (a Device DAX has a fixed size) */
	s->grow = grow && S_ISREG(st.st_mode);
	*src = s;
	return 0;

err_p2:
	pmem2_source_delete(&p2);
err_close:
	os_close(fd);
	return ret;
}

PUBLIC int pmemset_xsource_from_file(struct pmemset_source **src,
				     const char *file, uint64_t flags)
{
	if (!src) {
		err_set("pmemset_xsource_from_file: src is NULL; pass the "
			"address of a struct pmemset_source pointer");
		return -EINVAL;
	}
	*src = NULL;
	if (!file) {
		err_set("the file path is NULL; name the file to map");
		return PMEMSET_E_INVALID_SOURCE_PATH;
	}
	uint64_t bad =
		flags & ~(uint64_t)PMEMSET_SOURCE_FILE_CREATE_VALID_FLAGS;
	if (bad) {
		err_set("flags 0x%llx have bits 0x%llx that are not "
			"PMEMSET_SOURCE_FILE_* flags or mode bits (0777 << 32)",
			(unsigned long long)flags, (unsigned long long)bad);
		return PMEMSET_E_INVALID_SOURCE_FILE_CREATE_FLAGS;
	}

	int oflags = O_RDWR;
	if (flags & PMEMSET_SOURCE_FILE_CREATE_ALWAYS)
		oflags |= O_CREAT | O_TRUNC;
	else if (flags & PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED)
		oflags |= O_CREAT;
	mode_t mode = (mode_t)PMEMSET_SOURCE_FILE_CREATE_MODE_FROM_FLAG(flags);
	if (!mode)
		mode = DEFAULT_CREATE_MODE;

	int fd = os_open(file, oflags, mode);
	if (fd < 0) {
		int e = -fd;
		if (e == ENOENT && !(oflags & O_CREAT)) {
			err_set("file %s does not exist; create it or pass "
				"PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED",
				file);
			return PMEMSET_E_INVALID_SOURCE_PATH;
		}
		err_set_errno(e, "cannot open %s for reading and writing",
			      file);
		return -e;
	}
	return source_from_fd(src, fd, PMEMSET_SOURCE_FILE,
			      !(flags & PMEMSET_SOURCE_FILE_DO_NOT_GROW), file);
}

PUBLIC int pmemset_source_from_file(struct pmemset_source **src,
				    const char *file)
{
	return pmemset_xsource_from_file(src, file, 0);
}

/*
 * mkstemp in dir, then unlink: the fallback where O_TMPFILE is not
 * supported. Returns the descriptor; -errno when the file cannot be made;
 * PMEMSET_E_CANNOT_CREATE_TEMP_FILE (message set, naming the file, which
 * stays behind) when it was made but cannot be unlinked.
 */
static int tmpfile_named_unlinked(const char *dir)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s/pmemset.XXXXXX", dir) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	int fd = os_mkstemp(path);
	if (fd < 0)
		return fd;
	int e = -os_unlink(path);
	if (e) {
		os_close(fd);
		err_set_errno(e,
			      "created the temporary file %s but cannot "
			      "unlink it (this file system has no O_TMPFILE); "
			      "remove it by hand",
			      path);
		return PMEMSET_E_CANNOT_CREATE_TEMP_FILE;
	}
	return fd;
}

PUBLIC int pmemset_source_from_temporary(struct pmemset_source **src,
					 const char *dir)
{
	if (!src) {
		err_set("pmemset_source_from_temporary: src is NULL; pass the "
			"address of a struct pmemset_source pointer");
		return -EINVAL;
	}
	*src = NULL;
	if (!dir) {
		err_set("the directory is NULL; name the directory to make "
			"the temporary file in");
		return PMEMSET_E_INVALID_SOURCE_PATH;
	}
	/* O_EXCL: the unnamed file can never be given a name (linkat) */
	int fd = os_open(dir, O_TMPFILE | O_RDWR | O_EXCL, 0600);
	if (fd == -EOPNOTSUPP || fd == -EISDIR || fd == -EINVAL) {
		/* no O_TMPFILE on this file system: a named file, unlinked
		 * at once (it is gone with its last descriptor and map) */
		fd = tmpfile_named_unlinked(dir);
		if (fd == PMEMSET_E_CANNOT_CREATE_TEMP_FILE)
			return fd; /* message set */
	}
	if (fd == -ENOENT) {
		/* PMDK's code for a directory that does not exist */
		err_set("the directory %s does not exist; name an existing "
			"directory to make the temporary file in",
			dir);
		return PMEMSET_E_INVALID_SOURCE_PATH;
	}
	if (fd < 0) {
		err_set_errno(-fd, "cannot create a temporary file in %s", dir);
		return PMEMSET_E_CANNOT_CREATE_TEMP_FILE;
	}
	return source_from_fd(src, fd, PMEMSET_SOURCE_TEMP, true, dir);
}

PUBLIC int pmemset_source_delete(struct pmemset_source **src)
{
	if (!src || !*src)
		return 0;
	struct pmemset_source *s = *src;

	pthread_mutex_lock(&s->lock);
	if (s->type != PMEMSET_SOURCE_PMEM2 && s->pmem2)
		pmem2_source_delete(&s->pmem2);
	s->pmem2 = NULL; /* the handle is gone: no more maps from it */
	if (s->fd >= 0) {
		os_close(s->fd);
		s->fd = -1;
	}
	pthread_mutex_unlock(&s->lock);
	pmemset_source_put(s);
	*src = NULL;
	return 0;
}

/* Grow [size, need) with allocated blocks; ftruncate where the file system
 * cannot allocate. */
static int grow_file(int fd, size_t size, size_t need)
{
	int r;
	do {
		r = os_fallocate(fd, 0, (off_t)size, (off_t)(need - size));
	} while (r == -EINTR);
	if (r != -EOPNOTSUPP && r != -ENOSYS)
		return r;
	return os_ftruncate(fd, (off_t)need);
}

int pmemset_source_ensure_size(struct pmemset_source *src, size_t need,
			       struct pmemset_growth *g)
{
	size_t size;
	int ret;

	g->old_size = g->new_size = 0;
	/* the file's lock: every source of the file grows it in turn */
	pthread_mutex_lock(&src->lock);
	pthread_mutex_lock(&src->file->lock);
	g->epoch = ++src->file->size_epoch;
	ret = pmem2_source_size(src->pmem2, &size);
	if (ret) {
		pmemset_err_pmem2(ret, "cannot get the size of the source");
		goto out;
	}
	if (size >= need)
		goto out;
	if (src->grow && need > (size_t)INT64_MAX) {
		err_set("the part ends at byte %zu, beyond INT64_MAX, the "
			"largest file size: the source file cannot grow to "
			"hold it; map less or at a lower offset",
			need);
		ret = PMEMSET_E_CANNOT_GROW_SOURCE_FILE;
		goto out;
	}
	if (!src->grow) {
		const char *why =
			src->type == PMEMSET_SOURCE_PMEM2
				? "it wraps a caller's pmem2_source, which "
				  "libpmemset never resizes; grow the file "
				  "yourself or use pmemset_source_from_file"
				: "the source does not grow (it was made with "
				  "PMEMSET_SOURCE_FILE_DO_NOT_GROW, or it is "
				  "not a regular file); map less or make it "
				  "larger";
		err_set("the part ends at byte %zu but the source has only "
			"%zu bytes: %s",
			need, size, why);
		ret = PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL;
		goto out;
	}
	ret = grow_file(src->fd, size, need);
	if (ret) {
		err_set_errno(-ret,
			      "cannot grow the source file from %zu to "
			      "%zu bytes; free space or map less",
			      size, need);
		ret = PMEMSET_E_CANNOT_GROW_SOURCE_FILE;
	} else {
		g->old_size = size;
		g->new_size = need;
	}
out:
	pthread_mutex_unlock(&src->file->lock);
	pthread_mutex_unlock(&src->lock);
	return ret;
}

void pmemset_source_undo_growth(struct pmemset_source *src,
				const struct pmemset_growth *g)
{
	size_t size;
	if (g->new_size == g->old_size)
		return;
	pthread_mutex_lock(&src->lock);
	pthread_mutex_lock(&src->file->lock);
	if (src->file->size_epoch == g->epoch && src->fd >= 0 &&
	    pmem2_source_size(src->pmem2, &size) == 0 && size == g->new_size)
		(void)os_ftruncate(src->fd, (off_t)g->old_size);
	pthread_mutex_unlock(&src->file->lock);
	pthread_mutex_unlock(&src->lock);
}

PUBLIC int pmemset_source_set_sds(struct pmemset_source *src,
				  struct pmemset_sds *sds,
				  enum pmemset_part_state *state_ptr)
{
	if (!src || !sds) {
		err_set("pmemset_source_set_sds: %s is NULL",
			!src ? "src" : "sds");
		return -EINVAL;
	}
	int ret = 0;
	pthread_mutex_lock(&src->lock);
	if (src->has_sds) {
		err_set("the source already has a shutdown-state record; a "
			"source takes one, once");
		ret = PMEMSET_E_SDS_ALREADY_SET;
	} else {
		src->sds = *sds;
		src->sds.id[PMEMSET_SDS_DEVICE_ID_LEN] = '\0';
		src->state_ptr = state_ptr;
		__atomic_store_n(&src->has_sds, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&src->lock);
	return ret;
}

PUBLIC void pmemset_source_set_badblock_detection(struct pmemset_source *src,
						  bool value)
{
	if (src)
		__atomic_store_n(&src->bb_detection, value, __ATOMIC_RELAXED);
}

static int mcsafe_result(int ret, const char *op, size_t size, size_t offset)
{
	if (!ret)
		return 0;
	pmemset_err_pmem2(ret,
			  "cannot %s %zu bytes at offset %zu of the "
			  "source",
			  op, size, offset);
	if (ret == PMEM2_E_LENGTH_OUT_OF_RANGE)
		return PMEMSET_E_LENGTH_OUT_OF_RANGE;
	if (ret == PMEM2_E_IO_FAIL)
		return PMEMSET_E_IO_FAIL;
	return ret;
}

static bool source_usable(const struct pmemset_source *src, const char *fn)
{
	if (!src || !src->pmem2) {
		err_set("%s: the source is %s", fn, !src ? "NULL" : "deleted");
		return false;
	}
	return true;
}

PUBLIC int pmemset_source_pread_mcsafe(struct pmemset_source *src, void *buf,
				       size_t size, size_t offset)
{
	if (!source_usable(src, "pmemset_source_pread_mcsafe"))
		return -EINVAL;
	return mcsafe_result(
		pmem2_source_pread_mcsafe(src->pmem2, buf, size, offset),
		"read", size, offset);
}

PUBLIC int pmemset_source_pwrite_mcsafe(struct pmemset_source *src, void *buf,
					size_t size, size_t offset)
{
	if (!source_usable(src, "pmemset_source_pwrite_mcsafe"))
		return -EINVAL;
	return mcsafe_result(
		pmem2_source_pwrite_mcsafe(src->pmem2, buf, size, offset),
		"write", size, offset);
}

PUBLIC int pmemset_source_alignment(struct pmemset_source *src,
				    size_t *alignment)
{
	if (!source_usable(src, "pmemset_source_alignment"))
		return -EINVAL;
	if (!alignment) {
		err_set("pmemset_source_alignment: alignment is NULL");
		return -EINVAL;
	}
	int ret = pmem2_source_alignment(src->pmem2, alignment);
	if (ret) {
		pmemset_err_pmem2(ret, "cannot get the alignment of the "
				       "source");
		return PMEMSET_E_INVALID_ALIGNMENT_VALUE;
	}
	return 0;
}
