/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sysfs.h -- the sysfs half of the OS seam (os.h), with its return
 * convention: >= 0 on success, -errno on failure, results that are not a
 * number through an out parameter.
 *
 * Platform detection (device DAX, regions, persistence domains, DIMMs, bad
 * blocks) reads sysfs. Every access goes through here for two reasons:
 * each one is a fault-injection point (OS_SYSFS), and every path is taken
 * relative to a root that tests point at a fake tree, so the detection is
 * testable without the hardware. Paths are written as on a real system,
 * starting with "/sys/"; that prefix is replaced by the current root
 * (other paths are used as they are).
 *
 * The root is "/sys", or PMEM2_SYSFS_ROOT when set (read once, with
 * secure_getenv, so never for setuid programs): a user can replay a
 * captured tree with `pmem2 info` to see what the library would decide.
 */
#ifndef CORE_SYSFS_H
#define CORE_SYSFS_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>

/* Point "/sys/" somewhere else (tests); NULL restores "/sys". */
void sysfs_set_root(const char *root);

/* Read a small attribute into buf (NUL-terminated, one trailing newline
 * stripped). Returns the length, or -EOVERFLOW when the attribute does not
 * fit in len - 1 bytes: never a silently shortened value. */
int sysfs_read(const char *path, char *buf, size_t len);
/* Read a whole attribute of any length (up to SYSFS_READ_ALLOC_MAX bytes,
 * else -EOVERFLOW) into a new buffer (*out, freed with os_free), one
 * trailing newline stripped. Returns the length or -errno (*out NULL). */
#define SYSFS_READ_ALLOC_MAX ((size_t)16 << 20)
int sysfs_read_alloc(const char *path, char **out);
/* Write a string to an attribute: 0, or -EIO when only part was taken. */
int sysfs_write(const char *path, const char *val);
/* realpath() of a sysfs path; the result is again a "/sys/..." path (the
 * root is taken off). */
int sysfs_realpath(const char *path, char *out, size_t outlen);
/* opendir(); *dir is NULL on failure. */
int sysfs_opendir(const char *path, DIR **dir);
/* 0 when the path exists. */
int sysfs_access(const char *path);

/*
 * The text of a numeric attribute: decimal, or hexadecimal with a "0x"
 * prefix, surrounding blanks allowed. Returns 0 and *val, or -EINVAL when
 * the text is not exactly one number that fits in 64 bits. The signed
 * variant also takes a '-' as the very first character.
 */
int sysfs_parse_u64(const char *text, uint64_t *val);
int sysfs_parse_s64(const char *text, int64_t *val);

/*
 * Read a numeric attribute: sysfs_read + sysfs_parse_*. Returns 0 and
 * *val; -errno when the attribute cannot be read (-ENOENT or -ENOTDIR: it
 * does not exist); SYSFS_E_NOT_NUMBER when it holds something else. Text
 * receives what was read (for messages; "" when nothing was).
 */
#define SYSFS_NUM_TEXT 64
#define SYSFS_E_NOT_NUMBER (-4096) /* below every -errno (errno < 4096) */
int sysfs_read_u64(const char *path, uint64_t *val, char text[SYSFS_NUM_TEXT]);
int sysfs_read_s64(const char *path, int64_t *val, char text[SYSFS_NUM_TEXT]);

#endif
