/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * map.h -- the one mapping routine behind every map call shape (map.c),
 * for the entry points of the older shapes (call_shapes.c).
 */
#ifndef PMEMSET_MAP_H
#define PMEMSET_MAP_H

#include "pmemset_internal.h"

/* Map [offset, offset + length) of src into set (length 0: the whole
 * source); extras and desc may be NULL. */
int pmemset_map_internal(struct pmemset *set, struct pmemset_source *src,
			 size_t offset, size_t length,
			 struct pmemset_extras *extras,
			 struct pmemset_part_descriptor *desc);

#endif
