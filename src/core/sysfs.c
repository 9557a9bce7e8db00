/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sysfs.c -- sysfs access under a movable root (see sysfs.h), and the
 * parsing of numeric attributes.
 *
 * Every access starts with the same prologue, sysfs_enter: build the path
 * under the current root and pass the fault-injection point. A file that
 * is missing or cannot be read is logged (CORE_LOG_SYSFS: once per kind of
 * path, at DEBUG or INFO).
 */
#define _GNU_SOURCE
#include "core/sysfs.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/log.h"
#include "core/os.h"

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

void sysfs_set_root(const char *root)
{
	pthread_once(&sysfs_root_once, sysfs_root_init);
	snprintf(sysfs_root, sizeof(sysfs_root), "%s", root ? root : "/sys");
}

/*
 * The prologue of every access: "/sys/x/y" -> "<root>/x/y" in p (other
 * paths as they are), then the fault-injection point. 0 or -errno.
 */
static int sysfs_enter(const char *path, char p[PATH_MAX])
{
	int n;

	pthread_once(&sysfs_root_once, sysfs_root_init);
	if (strncmp(path, "/sys/", 5) == 0 || strcmp(path, "/sys") == 0)
		n = snprintf(p, PATH_MAX, "%s%s", sysfs_root, path + 4);
	else
		n = snprintf(p, PATH_MAX, "%s", path);
	if (n < 0 || n >= PATH_MAX)
		return -ENAMETOOLONG;
	return os_fault(OS_SYSFS);
}

/* read() until buf is full or the file ends; bytes read or -errno */
static ssize_t read_full(int fd, char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, buf + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/* the prologue, then open(2) for reading: a descriptor or -errno */
static int sysfs_open_read(const char *path)
{
	char p[PATH_MAX];

	int ret = sysfs_enter(path, p);
	if (ret)
		return ret;
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return CORE_LOG_SYSFS("open", path, -errno);
	return fd;
}

int sysfs_read(const char *path, char *buf, size_t len)
{
	if (len == 0)
		return -EINVAL;
	int fd = sysfs_open_read(path);
	if (fd < 0)
		return fd;
	ssize_t n = read_full(fd, buf, len - 1);
	if (n == (ssize_t)len - 1) {
		/* full: is there more? A lone newline after it is fine */
		char more[2];
		ssize_t m = read_full(fd, more, sizeof(more));
		if (m > 1 || (m == 1 && more[0] != '\n') ||
		    (m == 1 && n > 0 && buf[n - 1] == '\n'))
			n = -EOVERFLOW;
		else if (m < 0)
			n = m;
	}
	close(fd);
	if (n == -EOVERFLOW)
		return -EOVERFLOW;
	if (n < 0)
		return CORE_LOG_SYSFS("read", path, (int)n);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return (int)n;
}

int sysfs_read_alloc(const char *path, char **out)
{
	size_t cap = 4096, len = 0;
	char *buf = NULL;

	*out = NULL;
	int ret, fd = sysfs_open_read(path);
	if (fd < 0)
		return fd;
	for (;;) {
		char *nb = os_realloc(buf, cap + 1);
		if (!nb) {
			ret = -ENOMEM;
			goto fail;
		}
		buf = nb;
		ssize_t n = read_full(fd, buf + len, cap - len);
		if (n < 0) {
			ret = CORE_LOG_SYSFS("read", path, (int)n);
			goto fail;
		}
		len += (size_t)n;
		if (len < cap)
			break; /* the end of the file */
		if (cap >= SYSFS_READ_ALLOC_MAX) {
			ret = -EOVERFLOW;
			goto fail;
		}
		cap *= 2;
	}
	close(fd);
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	*out = buf;
	return (int)len;
fail:
	close(fd);
	os_free(buf);
	return ret;
}

int sysfs_write(const char *path, const char *val)
{
	char p[PATH_MAX];

	int ret = sysfs_enter(path, p);
	if (ret)
		return ret;
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

int sysfs_realpath(const char *path, char *out, size_t outlen)
{
	char p[PATH_MAX], r[PATH_MAX];
	const char *prefix = "";
	const char *rest = r;

	int ret = sysfs_enter(path, p);
	if (ret)
		return ret;
	if (!realpath(p, r))
		return CORE_LOG_SYSFS("realpath", path, -errno);
	size_t rl = strlen(sysfs_root);
	/* take the fake root off and put "/sys" back */
	if (strcmp(sysfs_root, "/sys") != 0 &&
	    strncmp(r, sysfs_root, rl) == 0) {
		prefix = "/sys";
		rest = r + rl;
	}
	if ((size_t)snprintf(out, outlen, "%s%s", prefix, rest) >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

int sysfs_opendir(const char *path, DIR **dir)
{
	char p[PATH_MAX];

	*dir = NULL;
	int ret = sysfs_enter(path, p);
	if (ret)
		return ret;
	*dir = opendir(p);
	return *dir ? 0 : CORE_LOG_SYSFS("opendir", path, -errno);
}

int sysfs_access(const char *path)
{
	char p[PATH_MAX];

	int ret = sysfs_enter(path, p);
	if (ret)
		return ret;
	return access(p, F_OK) ? CORE_LOG_SYSFS("access", path, -errno) : 0;
}

/* ---- numbers ---- */

int sysfs_parse_u64(const char *text, uint64_t *val)
{
	const char *p = text;
	char *end;
	int base = 10;

	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		if (!isxdigit((unsigned char)p[2]))
			return -EINVAL;
	}
	errno = 0;
	unsigned long long v = strtoull(p, &end, base);
	if (errno)
		return -EINVAL;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -EINVAL;
	*val = v;
	return 0;
}

int sysfs_parse_s64(const char *text, int64_t *val)
{
	bool neg = text[0] == '-';
	uint64_t v;

	if (sysfs_parse_u64(text + neg, &v))
		return -EINVAL;
	if (v > (uint64_t)INT64_MAX + neg)
		return -EINVAL;
	*val = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* sysfs_read into text, then parse it with parse(text, val) */
static int read_number(const char *path, char text[SYSFS_NUM_TEXT],
		       int (*parse)(const char *text, void *val), void *val)
{
	int n = sysfs_read(path, text, SYSFS_NUM_TEXT);
	if (n == -EOVERFLOW) {
		/* no 64-bit number needs that much text */
		snprintf(text, SYSFS_NUM_TEXT, "(more than %d bytes of text)",
			 SYSFS_NUM_TEXT - 1);
		return SYSFS_E_NOT_NUMBER;
	}
	if (n < 0) {
		text[0] = '\0';
		return n;
	}
	return parse(text, val) ? SYSFS_E_NOT_NUMBER : 0;
}

static int parse_u64(const char *text, void *val)
{
	return sysfs_parse_u64(text, val);
}

static int parse_s64(const char *text, void *val)
{
	return sysfs_parse_s64(text, val);
}

int sysfs_read_u64(const char *path, uint64_t *val, char text[SYSFS_NUM_TEXT])
{
	return read_number(path, text, parse_u64, val);
}

int sysfs_read_s64(const char *path, int64_t *val, char text[SYSFS_NUM_TEXT])
{
	return read_number(path, text, parse_s64, val);
}
