/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reservation.h -- struct pmem2_vm_reservation: a range of address space
 * held with PROT_NONE anonymous placeholders, into which maps are placed.
 */
#ifndef PMEM2_RESERVATION_H
#define PMEM2_RESERVATION_H

#include <pthread.h>
#include "core/itree.h"

struct pmem2_map;

struct pmem2_vm_reservation {
	void *addr;
	size_t size;
	pthread_rwlock_t lock;
	struct itree maps; /* struct pmem2_map.rsv_node */
	/* every live reservation, for the fork handlers (fork.h) */
	struct pmem2_vm_reservation *prev, *next;
};

/* Under the reservation's write lock: check [off, off+len) is inside and
 * free, run place(map, addr, arg) (which does the mmap MAP_FIXED), then
 * insert the map. Errors: PMEM2_E_LENGTH_OUT_OF_RANGE, PMEM2_E_MAPPING_EXISTS,
 * or what place() returned. */
int pmem2_reservation_place(struct pmem2_vm_reservation *rsv, size_t off,
			    size_t len, struct pmem2_map *map,
			    int (*place)(struct pmem2_map *map, void *addr,
					 void *arg),
			    void *arg);
/* Under the write lock: put a PROT_NONE placeholder back over the map's
 * range and remove it from the tree. */
int pmem2_reservation_unplace(struct pmem2_vm_reservation *rsv,
			      struct pmem2_map *map);

/* Reserve size bytes of PROT_NONE address space anywhere, starting at a
 * multiple of align; the alignment padding is given back at once. Returns 0
 * and *addr, or -errno with a message (nothing stays mapped). */
int pmem2_reserve_aligned(size_t size, size_t align, void **addr);
/* Put a PROT_NONE placeholder over [addr, addr+len) (MAP_FIXED, replacing
 * whatever is there). Returns 0 or -errno with a message. */
int pmem2_placeholder_restore(void *addr, size_t len);

#endif
