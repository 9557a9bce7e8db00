/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * source.h -- struct pmem2_source: a file, a device DAX character device,
 * or anonymous memory.
 */
#ifndef PMEM2_SOURCE_H
#define PMEM2_SOURCE_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <libpmem2.h>

enum pmem2_source_type {
	PMEM2_SOURCE_ANON = 1,
	PMEM2_SOURCE_FD,
};

enum pmem2_file_type {
	PMEM2_FTYPE_REG = 1,
	PMEM2_FTYPE_DIR,
	PMEM2_FTYPE_DEVDAX,
};

struct pmem2_source {
	enum pmem2_source_type type;
	enum pmem2_file_type ftype; /* FD sources */
	int fd;			    /* FD sources; not owned */
	dev_t st_rdev;		    /* device DAX: the character device */
	dev_t st_dev;		    /* regular file: the filesystem's device */
	size_t anon_size;	    /* ANON sources */
};

/*
 * Classify a stat result: regular file, directory, or Device DAX character
 * device (its /sys/dev/char/M:m/subsystem resolves to ".../dax"). Returns
 * 0 and *type, or PMEM2_E_INVALID_FILE_TYPE with a message.
 */
int pmem2_source_type_from_stat(const struct stat *st,
				enum pmem2_file_type *type);

/* Device DAX: size and alignment from /sys/dev/char/M:m/{size,align}
 * (falling back to device/align and the dax_region). */
int pmem2_devdax_size(dev_t rdev, size_t *size);
int pmem2_devdax_alignment(dev_t rdev, size_t *align);

#endif
