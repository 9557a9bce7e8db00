/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * itree.h -- an ordered set of non-overlapping half-open intervals
 * [start, end), kept in a balanced (AVL) binary tree.
 *
 * Intrusive: the caller embeds struct itree_node in its own object and
 * recovers it with container_of. O(log n) insert, remove and lookups, so
 * registries of many thousands of mappings stay cheap. Not thread-safe: the
 * owner holds a lock.
 */
#ifndef CORE_ITREE_H
#define CORE_ITREE_H

#include <stddef.h>
#include <stdint.h>

#ifndef container_of
#define container_of(ptr, type, member)                                      \
	((type *)((char *)(ptr)-offsetof(type, member)))
#endif

struct itree_node {
	struct itree_node *left, *right, *parent;
	int height;
	uintptr_t start, end; /* [start, end), set before insert */
};

struct itree {
	struct itree_node *root;
	size_t count;
};

#define ITREE_INIT {NULL, 0}

void itree_init(struct itree *t);
/* Insert n (n->start < n->end). Returns -EEXIST if it overlaps a node
 * already in the tree (tree unchanged), else 0. */
int itree_insert(struct itree *t, struct itree_node *n);
/* Remove n, which must be in t. */
void itree_remove(struct itree *t, struct itree_node *n);
/* The lowest node overlapping [start, end), or NULL. */
struct itree_node *itree_find(const struct itree *t, uintptr_t start,
			      uintptr_t end);
/* The node containing addr, or NULL. */
struct itree_node *itree_find_addr(const struct itree *t, uintptr_t addr);
/* The lowest node whose start is >= addr, or NULL. */
struct itree_node *itree_find_ge(const struct itree *t, uintptr_t addr);
struct itree_node *itree_first(const struct itree *t);
struct itree_node *itree_last(const struct itree *t);
struct itree_node *itree_next(const struct itree_node *n);
struct itree_node *itree_prev(const struct itree_node *n);

#endif
