/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * registry.h -- the process-wide registry of live maps.
 *
 * It holds every map made by pmem2_map_new or pmem2_map_from_existing, so
 * that: overlapping maps are refused (pmem2_map_from_existing of a range
 * already registered); pmem2_map_delete recognises an unknown or
 * already-deleted map without touching it (PMDK crashes on a second
 * delete, for as long as the deleted object is in quarantine); and
 * PAGE-granularity persist msyncs exactly the registered parts of a range.
 * The registry owns its locks; no caller holds them.
 */
#ifndef PMEM2_REGISTRY_H
#define PMEM2_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

struct pmem2_map;

/* Register [map->addr, +map->reserved_length) and the map object itself.
 * PMEM2_E_MAP_EXISTS (with a message) when the range overlaps a registered
 * map, or the object is registered already. */
int pmem2_registry_insert(struct pmem2_map *map);
/* PMEM2_E_MAPPING_NOT_FOUND when map is not registered (e.g. a second
 * delete of the same pointer value). Checked under the lock by identity,
 * so a stale pointer is never dereferenced. */
int pmem2_registry_remove(struct pmem2_map *map);
bool pmem2_registry_contains(const struct pmem2_map *map);

/*
 * The end of a deleted map object (already removed and unmapped): instead
 * of being freed it is poisoned and kept for the next PMEM2_MAP_QUARANTINE
 * retirements in the process, so its address cannot become another map's
 * while a stale pointer to it may still be passed to pmem2_map_delete
 * (documented in pmem2_map_delete(3)). The oldest object is freed.
 */
#define PMEM2_MAP_QUARANTINE 1024
void pmem2_registry_retire(struct pmem2_map *map);
/* msync(MS_SYNC) the page-aligned parts of [addr, addr+len) that lie in
 * registered maps, restarting on EINTR. Returns 0 or -errno of the first
 * failure (after trying every part). */
int pmem2_registry_msync(const void *addr, size_t len);

#endif
