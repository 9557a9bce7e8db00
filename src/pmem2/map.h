/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * map.h -- struct pmem2_map and the process-wide registry of live maps.
 *
 * The registry (an interval tree under a rwlock) holds every map made by
 * pmem2_map_new or pmem2_map_from_existing. It rejects overlapping
 * map_from_existing calls, recognises unknown or already-deleted maps in
 * pmem2_map_delete, and lets PAGE-granularity persist msync exactly the
 * registered parts of a range.
 */
#ifndef PMEM2_MAP_H
#define PMEM2_MAP_H

#include <stdbool.h>
#include "../core/itree.h"
#include "granularity.h"
#include "persist.h"
#include "source.h"

struct pmem2_map {
	void *addr;
	size_t reserved_length; /* bytes of address space it occupies */
	size_t content_length;	/* bytes of the source it shows */
	enum pmem2_granularity effective_granularity;
	struct pmem2_source source; /* a copy; the fd is not owned */
	struct pmem2_vm_reservation *reserv; /* NULL: own address range */
	size_t reserv_offset;
	bool from_existing; /* wrapped with pmem2_map_from_existing */
	struct itree_node reg_node; /* in the process-wide registry */
	struct itree_node rsv_node; /* in reserv's tree, if any */
	struct itree_node id_node;  /* registry index by identity: [map, map+1) */
	struct pmem2_mem_ops ops;
	struct gran_decision gran;
};

/* Registry. insert: PMEM2_E_MAP_EXISTS (with message) on overlap. */
int pmem2_registry_insert(struct pmem2_map *map);
/* remove: PMEM2_E_MAPPING_NOT_FOUND if map is not registered (e.g. a
 * second delete of the same pointer value). Checked under the lock by
 * identity, so a stale pointer is never dereferenced. */
int pmem2_registry_remove(struct pmem2_map *map);
bool pmem2_registry_contains(const struct pmem2_map *map);
/* msync(MS_SYNC) the page-aligned parts of [addr, addr+len) that lie in
 * registered maps, restarting on EINTR. Returns 0 or -errno of the first
 * failure (after trying every part). */
int pmem2_registry_msync(const void *addr, size_t len);
void pmem2_registry_init(void);
void pmem2_registry_fini(void);

#endif
