/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * file.c -- the process-wide table of files libpmemset sources refer to
 * (file.h): one record per file, found by its device and inode, shared by
 * the sources of that file and freed with the last of them.
 *
 * The table is a fixed array of hash buckets under one mutex, held only to
 * find, insert or unlink a record (never across I/O or another lock); a
 * record's own state has its own mutex. Lookups happen when a source is
 * made or deleted, not per map. A fork while the lock is held is safe
 * (pthread_atfork, below).
 */
#include <errno.h>

#include "core/err.h"
#include "core/os.h"
#include "file.h"

#define BUCKETS 256

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pmemset_file *table[BUCKETS];

/*
 * fork(2) while another thread holds the table lock would leave the child
 * with a lock nobody can release, and its first source would hang: the
 * lock is taken before a fork and released (parent) or made anew (child,
 * where the thread that held it does not exist) after it. Registered at
 * the first use of the table, before anyone can hold the lock.
 */
static void table_fork_prepare(void)
{
	pthread_mutex_lock(&table_lock);
}

static void table_fork_parent(void)
{
	pthread_mutex_unlock(&table_lock);
}

static void table_fork_child(void)
{
	pthread_mutex_init(&table_lock, NULL);
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void table_fork_register(void)
{
	/* fails only with ENOMEM: fork then stays as unsafe as before */
	(void)pthread_atfork(table_fork_prepare, table_fork_parent,
			     table_fork_child);
}

static void identity(const struct stat *st, dev_t *dev, ino_t *ino,
		     bool *device)
{
	*device = S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode);
	/* a device is itself, whichever node names it */
	*dev = *device ? st->st_rdev : st->st_dev;
	*ino = *device ? 0 : st->st_ino;
}

static size_t bucket(dev_t dev, ino_t ino)
{
	return (size_t)(((unsigned long long)dev * 31u + ino) % BUCKETS);
}

static int file_new(struct pmemset_file **out)
{
	struct pmemset_file *f = os_zalloc(sizeof(*f));
	if (!f) {
		err_set_errno(ENOMEM, "cannot allocate a file record");
		return -ENOMEM;
	}
	int r = pthread_mutex_init(&f->lock, NULL);
	if (r) {
		os_free(f);
		err_set_errno(r, "cannot initialise the lock of a file record");
		return -r;
	}
	f->refs = 1;
	*out = f;
	return 0;
}

int pmemset_file_get(struct pmemset_file **out, const struct stat *st)
{
	if (!st)
		return file_new(out);

	dev_t dev;
	ino_t ino;
	bool device;
	identity(st, &dev, &ino, &device);
	size_t b = bucket(dev, ino);

	pthread_once(&fork_once, table_fork_register);
	pthread_mutex_lock(&table_lock);
	struct pmemset_file *f;
	for (f = table[b]; f; f = f->next)
		if (f->dev == dev && f->ino == ino && f->device == device)
			break;
	int ret = 0;
	if (f) {
		f->refs++;
	} else {
		ret = file_new(&f);
		if (!ret) {
			f->dev = dev;
			f->ino = ino;
			f->device = device;
			f->in_table = true;
			f->next = table[b];
			table[b] = f;
		}
	}
	pthread_mutex_unlock(&table_lock);
	if (!ret)
		*out = f;
	return ret;
}

void pmemset_file_put(struct pmemset_file *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&table_lock);
	bool last = --f->refs == 0;
	if (last && f->in_table) {
		struct pmemset_file **pp = &table[bucket(f->dev, f->ino)];
		while (*pp != f)
			pp = &(*pp)->next;
		*pp = f->next;
	}
	pthread_mutex_unlock(&table_lock);
	if (last) {
		pthread_mutex_destroy(&f->lock);
		os_free(f);
	}
}
