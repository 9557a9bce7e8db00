/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * part_map.h -- the part maps of a set and the tree that orders them by
 * address (part_map.c). Every function here expects the set's lock held
 * (write lock for the ones that change the tree or a part array).
 */
#ifndef PMEMSET_PART_MAP_H
#define PMEMSET_PART_MAP_H

#include "pmemset_internal.h"

/* The part map of a tree node (NULL for NULL). */
struct pmemset_part_map *pmemset_pmap_of(struct itree_node *n);

/* A part map with room for cap parts, not in the tree; NULL (with a
 * message) if out of memory. */
struct pmemset_part_map *pmemset_pmap_alloc(struct pmemset *set, size_t cap);
void pmemset_pmap_free(struct pmemset_part_map *p);

/* Room for one more part at the end of p (-ENOMEM with a message). */
int pmemset_pmap_make_room(struct pmemset_part_map *p);

/* Put p in the tree under the range of its parts; the range is known to be
 * free (its parts are mapped there), so this cannot fail. */
void pmemset_pmap_insert(struct pmemset *set, struct pmemset_part_map *p);
/* Take p out of the tree, if it is there. */
void pmemset_pmap_unlink(struct pmemset *set, struct pmemset_part_map *p);

/* Make p, out of the tree, a leftover of the set (pmemset_internal.h). */
void pmemset_leftover_add(struct pmemset *set, struct pmemset_part_map *p);

/* Parts [*i, *j) of p are those that overlap [lo, hi): the first part
 * ending after lo and the first part starting at or after hi. */
void pmemset_pmap_parts_in(const struct pmemset_part_map *p, uintptr_t lo,
			   uintptr_t hi, size_t *i, size_t *j);

#endif
