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
#include "map.h"
#include "registry.h"

static pthread_rwlock_t reg_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct itree reg_by_addr = ITREE_INIT; /* map.reg_node */
static struct itree reg_by_id = ITREE_INIT;   /* map.id_node */

int pmem2_registry_insert(struct pmem2_map *map)
{
	int ret;

	map->reg_node.start = (uintptr_t)map->addr;
	map->reg_node.end = (uintptr_t)map->addr + map->reserved_length;
	map->id_node.start = (uintptr_t)map;
	map->id_node.end = (uintptr_t)map + 1;

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

int pmem2_registry_msync(const void *addr, size_t len)
{
	size_t ps = (size_t)os_page_size();
	uintptr_t start = (uintptr_t)addr;
	uintptr_t end = start + len;
	int ret = 0;

	if (len == 0)
		return 0;
	if (end < start)
		end = UINTPTR_MAX;

	pthread_rwlock_rdlock(&reg_lock);
	struct itree_node *n = itree_find(&reg_by_addr, start, end);
	for (; n && n->start < end; n = itree_next(n)) {
		uintptr_t s = MAX(start, n->start);
		uintptr_t e = MIN(end, n->end);
		s = align_down(s, ps); /* msync needs a page-aligned start */
		int r = msync_restart((void *)s, e - s);
		if (r && !ret)
			ret = r;
	}
	pthread_rwlock_unlock(&reg_lock);
	return ret;
}
