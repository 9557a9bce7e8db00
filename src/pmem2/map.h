/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * map.h -- struct pmem2_map: a mapping of a source, with the functions it
 * hands out and the record of why it got its store granularity. Every live
 * map is in the process-wide registry (registry.h).
 */
#ifndef PMEM2_MAP_H
#define PMEM2_MAP_H

#include <stdbool.h>
#include "core/itree.h"
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

#endif
