/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * source.c -- what a mapping maps: an open file, a Device DAX character
 * device or anonymous memory.
 *
 * A source only remembers the caller's file descriptor (never duplicated,
 * never closed) and what kind of file it is. Its size and alignment are
 * asked again each time: a regular file can grow between two maps, and for
 * a Device DAX they are read from sysfs (/sys/dev/char/M:m/{size,align}),
 * which needs neither root nor libndctl.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/err.h"
#include "core/os.h"
#include "core/sysfs.h"
#include "core/util.h"
#include "region.h"
#include "source.h"

/* What S_IFMT calls a file, for messages. */
static const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "regular file";
	case S_IFDIR:
		return "directory";
	case S_IFCHR:
		return "character device";
	case S_IFBLK:
		return "block device";
	case S_IFIFO:
		return "pipe (FIFO)";
	case S_IFSOCK:
		return "socket";
	case S_IFLNK:
		return "symbolic link";
	default:
		return "file of unknown type";
	}
}

int pmem2_source_type_from_stat(const struct stat *st,
				enum pmem2_file_type *type)
{
	if (S_ISREG(st->st_mode)) {
		*type = PMEM2_FTYPE_REG;
		return 0;
	}
	if (S_ISDIR(st->st_mode)) {
		*type = PMEM2_FTYPE_DIR;
		return 0;
	}
	if (!S_ISCHR(st->st_mode)) {
		err_set("the file is a %s; only regular files and Device DAX "
			"character devices can be mapped",
			file_kind(st->st_mode));
		return PMEM2_E_INVALID_FILE_TYPE;
	}

	unsigned maj = major(st->st_rdev), min = minor(st->st_rdev);
	char path[96], real[PATH_MAX];
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/subsystem", maj, min);
	int ret = sysfs_realpath(path, real, sizeof(real));
	if (ret == -ENOENT || ret == -ENOTDIR) {
		err_set("character device %u:%u is not a Device DAX (%s does "
			"not exist); only regular files and Device DAX "
			"character devices can be mapped",
			maj, min, path);
		return PMEM2_E_INVALID_FILE_TYPE;
	}
	if (ret) {
		err_set_errno(-ret,
			      "cannot tell whether character device %u:%u is "
			      "a Device DAX: resolving %s failed",
			      maj, min, path);
		return ret;
	}
	const char *base = strrchr(real, '/');
	base = base ? base + 1 : real;
	if (strcmp(base, "dax") != 0) {
		err_set("character device %u:%u belongs to the \"%s\" "
			"subsystem, not \"dax\": only regular files and Device "
			"DAX character devices can be mapped",
			maj, min, base);
		return PMEM2_E_INVALID_FILE_TYPE;
	}
	*type = PMEM2_FTYPE_DEVDAX;
	return 0;
}

int pmem2_source_from_fd(struct pmem2_source **src, int fd)
{
	struct stat st;
	enum pmem2_file_type type;
	int ret;

	*src = NULL;

	if (fd < 0) {
		err_set("invalid file descriptor %d; pass a descriptor of an "
			"open file",
			fd);
		return PMEM2_E_INVALID_FILE_HANDLE;
	}

	int flags = os_fcntl_getfl(fd);
	if (flags < 0) {
		int e = -flags;
		if (e == EBADF) {
			err_set("file descriptor %d is not open; pass a "
				"descriptor of an open file",
				fd);
			return PMEM2_E_INVALID_FILE_HANDLE;
		}
		err_set_errno(e, "cannot read the flags of file descriptor %d",
			      fd);
		return -e;
	}
	if (flags & O_PATH) {
		err_set("file descriptor %d was opened with O_PATH and gives "
			"no access to the data; open the file O_RDONLY or "
			"O_RDWR",
			fd);
		return PMEM2_E_INVALID_FILE_HANDLE;
	}
	if ((flags & O_ACCMODE) == O_WRONLY) {
		err_set("file descriptor %d is open write-only (O_WRONLY), "
			"which cannot be mapped; open the file O_RDONLY or "
			"O_RDWR",
			fd);
		return PMEM2_E_INVALID_FILE_HANDLE;
	}

	ret = os_fstat(fd, &st);
	if (ret) {
		err_set_errno(-ret, "cannot fstat file descriptor %d", fd);
		return ret == -EBADF ? PMEM2_E_INVALID_FILE_HANDLE : ret;
	}

	ret = pmem2_source_type_from_stat(&st, &type);
	if (ret)
		return ret;
	if (type == PMEM2_FTYPE_DIR) {
		err_set("file descriptor %d refers to a directory; only "
			"regular files and Device DAX character devices can "
			"be mapped",
			fd);
		return PMEM2_E_INVALID_FILE_TYPE;
	}

	struct pmem2_source *s = os_zalloc(sizeof(*s));
	if (!s) {
		err_set_errno(ENOMEM, "cannot allocate a source");
		return -ENOMEM;
	}
	s->type = PMEM2_SOURCE_FD;
	s->ftype = type;
	s->fd = fd;
	s->st_dev = st.st_dev;
	s->st_rdev = type == PMEM2_FTYPE_DEVDAX ? st.st_rdev : 0;
	*src = s;
	return 0;
}
EXPORT_V1_V2(pmem2_source_from_fd);

int pmem2_source_from_anon(struct pmem2_source **src, size_t size)
{
	*src = NULL;
	struct pmem2_source *s = os_zalloc(sizeof(*s));
	if (!s) {
		err_set_errno(ENOMEM, "cannot allocate a source");
		return -ENOMEM;
	}
	s->type = PMEM2_SOURCE_ANON;
	s->fd = -1;
	s->anon_size = size;
	*src = s;
	return 0;
}
EXPORT_V1_V2(pmem2_source_from_anon);

int pmem2_source_get_fd(const struct pmem2_source *src, int *fd)
{
	if (src->type != PMEM2_SOURCE_FD) {
		err_set("the source is anonymous memory and has no file "
			"descriptor");
		return PMEM2_E_FILE_DESCRIPTOR_NOT_SET;
	}
	*fd = src->fd;
	return 0;
}
EXPORT_V1_V2(pmem2_source_get_fd);

int pmem2_source_delete(struct pmem2_source **src)
{
	if (src) {
		os_free(*src);
		*src = NULL;
	}
	return 0;
}
EXPORT_V1_V2(pmem2_source_delete);

/* ---- Device DAX attributes in sysfs ---- */

int pmem2_devdax_size(dev_t rdev, size_t *size)
{
	unsigned maj = major(rdev), min = minor(rdev);
	char path[96], text[SYSFS_NUM_TEXT];
	uint64_t v;

	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/size", maj, min);
	int ret = sysfs_read_u64(path, &v, text);
	if (ret == -ENOENT || ret == -ENOTDIR) {
		err_set("cannot find the size of Device DAX %u:%u: %s does "
			"not exist; is the device still configured?",
			maj, min, path);
		return PMEM2_E_DAX_REGION_NOT_FOUND;
	}
	if (ret == SYSFS_E_NOT_NUMBER || (ret == 0 && v > SIZE_MAX)) {
		err_set("Device DAX %u:%u: %s holds \"%s\", not a size in "
			"bytes",
			maj, min, path, text);
		return PMEM2_E_INVALID_SIZE_FORMAT;
	}
	if (ret < 0) {
		err_set_errno(-ret,
			      "cannot read the size of Device DAX %u:%u "
			      "from %s",
			      maj, min, path);
		return ret;
	}
	*size = (size_t)v;
	return 0;
}

/* Read an alignment attribute. 0: found, 1: no such file, < 0: error. */
static int read_align(const char *path, dev_t rdev, size_t *align)
{
	char text[SYSFS_NUM_TEXT];
	uint64_t v;

	int ret = sysfs_read_u64(path, &v, text);
	if (ret == -ENOENT || ret == -ENOTDIR)
		return 1;
	if (ret == SYSFS_E_NOT_NUMBER) {
		err_set("Device DAX %u:%u: %s holds \"%s\", not an alignment "
			"in bytes",
			major(rdev), minor(rdev), path, text);
		return PMEM2_E_INVALID_ALIGNMENT_FORMAT;
	}
	if (ret < 0) {
		err_set_errno(-ret,
			      "cannot read the alignment of Device DAX "
			      "%u:%u from %s",
			      major(rdev), minor(rdev), path);
		return ret;
	}
	if (v > SIZE_MAX || !is_pow2((size_t)v) ||
	    v < (uint64_t)os_page_size()) {
		err_set("Device DAX %u:%u: alignment %llu (from %s) is not a "
			"power of two of at least the page size %ld; the "
			"device is misconfigured",
			major(rdev), minor(rdev), (unsigned long long)v, path,
			os_page_size());
		return PMEM2_E_INVALID_ALIGNMENT_VALUE;
	}
	*align = (size_t)v;
	return 0;
}

int pmem2_devdax_alignment(dev_t rdev, size_t *align)
{
	unsigned maj = major(rdev), min = minor(rdev);
	char path[PATH_MAX], dir[PATH_MAX];
	int ret;

	/* the dax device's own attribute (kernels with the dax bus) */
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/align", maj, min);
	ret = read_align(path, rdev, align);
	if (ret <= 0)
		return ret;

	/* its parent: the nd "daxX.Y" device */
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/device/align", maj,
		 min);
	ret = read_align(path, rdev, align);
	if (ret <= 0)
		return ret;

	/* older kernels: walk up to the directory holding dax_region/ */
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u", maj, min);
	ret = sysfs_realpath(path, dir, sizeof(dir));
	if (ret && ret != -ENOENT && ret != -ENOTDIR) {
		err_set_errno(-ret,
			      "cannot resolve %s to find the alignment "
			      "of Device DAX %u:%u",
			      path, maj, min);
		return ret;
	}
	while (ret == 0 && strcmp(dir, "/sys") != 0 &&
	       strcmp(dir, "/sys/devices") != 0) {
		if ((size_t)snprintf(path, sizeof(path), "%s/dax_region/align",
				     dir) < sizeof(path)) {
			ret = read_align(path, rdev, align);
			if (ret <= 0)
				return ret;
			ret = 0;
		}
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = '\0';
	}

	err_set("cannot find the alignment of Device DAX %u:%u: sysfs has "
		"neither /sys/dev/char/%u:%u/align nor a dax_region/align "
		"above it; is the device still configured?",
		maj, min, maj, min);
	return PMEM2_E_DAX_REGION_NOT_FOUND;
}

/* ---- size and alignment of any source ---- */

int pmem2_source_size(const struct pmem2_source *src, size_t *size)
{
	struct stat st;
	int ret;

	if (src->type == PMEM2_SOURCE_ANON) {
		*size = src->anon_size;
		return 0;
	}

	switch (src->ftype) {
	case PMEM2_FTYPE_REG:
		ret = os_fstat(src->fd, &st);
		if (ret == -EBADF) {
			/* PMDK's code for it, as its man pages document */
			err_set("file descriptor %d of the source is not open "
				"(was it closed after the source was made?); "
				"keep it open while the source is used",
				src->fd);
			return PMEM2_E_INVALID_FILE_HANDLE;
		}
		if (ret) {
			err_set_errno(-ret,
				      "cannot fstat file descriptor %d of "
				      "the source",
				      src->fd);
			return ret;
		}
		if (st.st_size < 0) {
			err_set("file descriptor %d reports a negative size "
				"%lld",
				src->fd, (long long)st.st_size);
			return PMEM2_E_INVALID_SIZE_FORMAT;
		}
		*size = (size_t)st.st_size;
		return 0;
	case PMEM2_FTYPE_DEVDAX:
		return pmem2_devdax_size(src->st_rdev, size);
	default:
		err_set("the source is not a regular file nor a Device DAX");
		return PMEM2_E_INVALID_FILE_TYPE;
	}
}
EXPORT_V1_V2(pmem2_source_size);

int pmem2_source_alignment(const struct pmem2_source *src, size_t *alignment)
{
	if (src->type == PMEM2_SOURCE_ANON) {
		*alignment = (size_t)os_page_size();
		return 0;
	}

	switch (src->ftype) {
	case PMEM2_FTYPE_REG:
		*alignment = (size_t)os_page_size();
		return 0;
	case PMEM2_FTYPE_DEVDAX:
		return pmem2_devdax_alignment(src->st_rdev, alignment);
	default:
		err_set("the source is not a regular file nor a Device DAX");
		return PMEM2_E_INVALID_FILE_TYPE;
	}
}
EXPORT_V1_V2(pmem2_source_alignment);
