/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * file.h -- what this process knows about one file, shared by every
 * libpmemset source of it (file.c).
 *
 * Several sources can name one file: two pmemset_source_from_file calls
 * with one path, a file and a pmem2 source of it, hard links. Whatever is
 * a property of the file rather than of one source object lives here:
 * whether parts of it are mapped in this process (the shutdown-state
 * check calls a second mapping of a live file "already open", not
 * "interrupted") and its growth (one source at a time grows it, and a map
 * that fails after growing it does not shrink it under another source's
 * mapping). The record's lock is held across that growth (fallocate).
 */
#ifndef PMEMSET_FILE_H
#define PMEMSET_FILE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

struct pmemset_file {
	/* the identity: st_dev + st_ino, or st_rdev for a device */
	dev_t dev;
	ino_t ino;
	bool device;
	bool in_table;	    /* false: anonymous memory, one source's own */
	unsigned long refs; /* sources using it (the table's lock) */
	struct pmemset_file *next; /* in the table's bucket */
	pthread_mutex_t lock;
	/* under lock: */
	size_t mapped;		  /* its parts mapped here: all sources, sets */
	unsigned long size_epoch; /* + 1 at every size request of a map */
};

/*
 * The record of the file st describes, made or shared, with a reference
 * for the caller (st NULL: a record of its own, for anonymous memory).
 * -ENOMEM or the lock's error, with a message.
 */
int pmemset_file_get(struct pmemset_file **f, const struct stat *st);
/* Drop the caller's reference; the last one frees the record. */
void pmemset_file_put(struct pmemset_file *f);

#endif
