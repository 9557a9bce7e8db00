/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * registry.c -- the process-wide registry of live maps (see registry.h).
 *
 * Two interval trees under one rwlock, both owned by this file: every
 * map's address range (reg_by_addr), and the map object's own address as a
 * one-byte range (reg_by_id), so a map pointer is recognised or refused by
 * identity, without dereferencing it. Maps the application never deleted
 * stay registered (and mapped) until the process exits: they are the
 * application's to free, so there is nothing to tear down.
 *
 * Identity only means something while the address is not reused: the
 * allocator would hand a deleted map's memory to the next map, and a stale
 * pointer would then name a live map. So a deleted map object goes to a
 * quarantine instead of free(): poisoned (memcheck and ASan report any
 * access) and kept for the next PMEM2_MAP_QUARANTINE deletions in the
 * process, then freed. Memory stays bounded (that many objects at most)
 * and reachable (from the ring: no leak reports at exit).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <libpmem2.h>
#include "core/err.h"
#include "core/itree.h"
#include "core/os.h"
#include "core/util.h"
#include "core/vg_hint.h"
#include "fork.h"
#include "map.h"
#include "registry.h"

/* Writers first: persists take the read side all the time, and a map_new
 * or map_delete waiting for the write side must not be overtaken by them
 * forever. Every hold is short (no system call under it), and nothing
 * takes the read side twice, so a writer-preferring lock cannot
 * deadlock. */
static pthread_rwlock_t reg_lock =
	PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
static struct itree reg_by_addr = ITREE_INIT; /* map.reg_node */
static struct itree reg_by_id = ITREE_INIT;   /* map.id_node */

int pmem2_registry_insert(struct pmem2_map *map)
{
	int ret;

	map->reg_node.start = (uintptr_t)map->addr;
	map->reg_node.end = (uintptr_t)map->addr + map->reserved_length;
	map->id_node.start = (uintptr_t)map;
	map->id_node.end = (uintptr_t)map + 1;

	pmem2_fork_safe();
	pthread_rwlock_wrlock(&reg_lock);
	ret = itree_insert(&reg_by_addr, &map->reg_node);
	if (ret) {
		struct itree_node *n = itree_find(
			&reg_by_addr, map->reg_node.start, map->reg_node.end);
		if (n)
			err_set("[%p, +%zu) overlaps the registered mapping "
				"[%p, +%zu); delete that mapping first",
				map->addr, map->reserved_length,
				(void *)n->start, (size_t)(n->end - n->start));
		else
			err_set("cannot register [%p, +%zu): empty or wrapping "
				"range",
				map->addr, map->reserved_length);
		pthread_rwlock_unlock(&reg_lock);
		return PMEM2_E_MAP_EXISTS;
	}
	ret = itree_insert(&reg_by_id, &map->id_node);
	if (ret) {
		/* the same object registered twice: a library bug */
		itree_remove(&reg_by_addr, &map->reg_node);
		pthread_rwlock_unlock(&reg_lock);
		err_set("map object %p is already registered", (void *)map);
		return PMEM2_E_MAP_EXISTS;
	}
	pthread_rwlock_unlock(&reg_lock);
	return 0;
}

/* under reg_lock: the registered map object at this address, or NULL */
static struct itree_node *find_id(const struct pmem2_map *map)
{
	struct itree_node *n = itree_find_addr(&reg_by_id, (uintptr_t)map);
	return (n && n->start == (uintptr_t)map) ? n : NULL;
}

int pmem2_registry_remove(struct pmem2_map *map)
{
	pthread_rwlock_wrlock(&reg_lock);
	if (!find_id(map)) {
		pthread_rwlock_unlock(&reg_lock);
		err_set("map %p is not a live mapping (never created, or "
			"already deleted)",
			(void *)map);
		return PMEM2_E_MAPPING_NOT_FOUND;
	}
	itree_remove(&reg_by_id, &map->id_node);
	itree_remove(&reg_by_addr, &map->reg_node);
	pthread_rwlock_unlock(&reg_lock);
	return 0;
}

static pthread_mutex_t quarantine_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pmem2_map *quarantine[PMEM2_MAP_QUARANTINE];
static unsigned quarantine_next; /* the oldest entry, replaced next */

#define QUARANTINE_POISON 0xdb

void pmem2_registry_retire(struct pmem2_map *map)
{
	struct pmem2_map *oldest;

	memset(map, QUARANTINE_POISON, sizeof(*map));
	MEM_POISON(map, sizeof(*map));

	pthread_mutex_lock(&quarantine_lock);
	oldest = quarantine[quarantine_next];
	quarantine[quarantine_next] = map;
	quarantine_next = (quarantine_next + 1) % PMEM2_MAP_QUARANTINE;
	pthread_mutex_unlock(&quarantine_lock);

	if (oldest) {
		MEM_UNPOISON(oldest, sizeof(*oldest));
		os_free(oldest);
	}
}

void pmem2_registry_fork_prepare(void)
{
	pthread_mutex_lock(&quarantine_lock);
	pthread_rwlock_wrlock(&reg_lock);
}

void pmem2_registry_fork_parent(void)
{
	pthread_rwlock_unlock(&reg_lock);
	pthread_mutex_unlock(&quarantine_lock);
}

void pmem2_registry_fork_child(void)
{
	reg_lock = (pthread_rwlock_t)
		PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
	pthread_mutex_init(&quarantine_lock, NULL);
}

bool pmem2_registry_contains(const struct pmem2_map *map)
{
	bool found;

	pthread_rwlock_rdlock(&reg_lock);
	found = find_id(map) != NULL;
	pthread_rwlock_unlock(&reg_lock);
	return found;
}

static int msync_restart(void *addr, size_t len)
{
	int r;

	do
		r = os_msync(addr, len, MS_SYNC);
	while (r == -EINTR);
	return r;
}

/* under reg_lock: is [s, e) inside one registered map? */
static bool registered(uintptr_t s, uintptr_t e)
{
	struct itree_node *n = itree_find_addr(&reg_by_addr, s);
	return n && n->end >= e;
}

/*
 * msync one part [s, e) of a registered map, without the lock: the map
 * may be deleted meanwhile. Then msync finds (part of) the range unmapped
 * and says ENOMEM, after writing back whatever is still mapped there:
 * nothing of the deleted map is left to sync, so that is success. Only
 * when the range is still registered (a map_from_existing map whose memory
 * the application unmapped, or a new map that took the address in
 * between: tried once more) is ENOMEM an error.
 */
static int msync_part(uintptr_t s, uintptr_t e, size_t ps)
{
	uintptr_t as = align_down(s, ps); /* msync needs a page-aligned start */

	for (int tries = 0;; tries++) {
		int r = msync_restart((void *)as, e - as);
		if (r != -ENOMEM || tries == 1)
			return r;
		pthread_rwlock_rdlock(&reg_lock);
		bool still = registered(s, e);
		pthread_rwlock_unlock(&reg_lock);
		if (!still)
			return 0;
	}
}

/*
 * The lock only guards the lookup: the registered parts of the range are
 * collected under it, MSYNC_BATCH at a time, into an array on the stack,
 * and synced after it is dropped. msync can block on I/O for seconds;
 * holding the lock across it kept map_new, map_delete and
 * map_from_existing waiting that long (issue 8, defect 1).
 */
#define MSYNC_BATCH 16

int pmem2_registry_msync(const void *addr, size_t len)
{
	size_t ps = (size_t)os_page_size();
	uintptr_t next = (uintptr_t)addr;
	uintptr_t end = next + len;
	int ret = 0;

	if (len == 0)
		return 0;
	if (end < next)
		end = UINTPTR_MAX;

	while (next < end) {
		struct {
			uintptr_t s, e;
		} part[MSYNC_BATCH];
		unsigned n = 0;

		pthread_rwlock_rdlock(&reg_lock);
		struct itree_node *node = itree_find(&reg_by_addr, next, end);
		for (; node && node->start < end && n < MSYNC_BATCH;
		     node = itree_next(node)) {
			part[n].s = MAX(next, node->start);
			part[n].e = MIN(end, node->end);
			n++;
		}
		/* a full batch may have more after it; else this is all */
		next = n == MSYNC_BATCH ? part[n - 1].e : end;
		pthread_rwlock_unlock(&reg_lock);

		for (unsigned i = 0; i < n; i++) {
			int r = msync_part(part[i].s, part[i].e, ps);
			if (r && !ret)
				ret = r;
		}
	}
	return ret;
}
