/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * itree.c -- a set of non-overlapping [start, end) intervals in an AVL tree.
 *
 * The libraries keep every live mapping (process-wide, and per virtual
 * memory reservation) in such a set: they need "is this range free?",
 * "which mapping holds this address?" and ordered iteration, all cheap even
 * with many thousands of mappings. Because the intervals never overlap,
 * ordering them by start also orders them by end, so a plain binary search
 * tree keyed by start answers every query; AVL balancing keeps its height
 * logarithmic. The tree is intrusive (nodes live inside the caller's
 * objects), so inserting never allocates and removal cannot fail.
 */
#include <errno.h>
#include "core/itree.h"

static int height(const struct itree_node *n)
{
	return n ? n->height : 0;
}

static void update_height(struct itree_node *n)
{
	int l = height(n->left), r = height(n->right);
	n->height = 1 + (l > r ? l : r);
}

/* Make `repl` take the place of `old` under parent `p` (NULL: the root). */
static void replace_child(struct itree *t, struct itree_node *p,
			  struct itree_node *old, struct itree_node *repl)
{
	if (!p)
		t->root = repl;
	else if (p->left == old)
		p->left = repl;
	else
		p->right = repl;
	if (repl)
		repl->parent = p;
}

static struct itree_node *rotate_left(struct itree *t, struct itree_node *x)
{
	struct itree_node *y = x->right;
	struct itree_node *p = x->parent;

	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	y->left = x;
	x->parent = y;
	replace_child(t, p, x, y);
	update_height(x);
	update_height(y);
	return y;
}

static struct itree_node *rotate_right(struct itree *t, struct itree_node *x)
{
	struct itree_node *y = x->left;
	struct itree_node *p = x->parent;

	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	y->right = x;
	x->parent = y;
	replace_child(t, p, x, y);
	update_height(x);
	update_height(y);
	return y;
}

/* Restore heights and the AVL balance on the path from n up to the root. */
static void rebalance(struct itree *t, struct itree_node *n)
{
	while (n) {
		update_height(n);
		int bf = height(n->left) - height(n->right);
		if (bf > 1) {
			if (height(n->left->left) < height(n->left->right))
				rotate_left(t, n->left);
			n = rotate_right(t, n);
		} else if (bf < -1) {
			if (height(n->right->right) < height(n->right->left))
				rotate_right(t, n->right);
			n = rotate_left(t, n);
		}
		n = n->parent;
	}
}

void itree_init(struct itree *t)
{
	t->root = NULL;
	t->count = 0;
}

int itree_insert(struct itree *t, struct itree_node *n)
{
	struct itree_node *p = NULL, **link = &t->root;

	if (n->start >= n->end)
		return -EINVAL;
	/*
	 * The descent passes both in-order neighbours of the new interval;
	 * if anything overlaps it, one of those does.
	 */
	while (*link) {
		p = *link;
		if (n->start < p->end && p->start < n->end)
			return -EEXIST;
		link = n->start < p->start ? &p->left : &p->right;
	}
	n->left = n->right = NULL;
	n->parent = p;
	n->height = 1;
	*link = n;
	t->count++;
	rebalance(t, p);
	return 0;
}

void itree_remove(struct itree *t, struct itree_node *n)
{
	struct itree_node *fix;

	if (n->left && n->right) {
		/* put the in-order successor s (no left child) in n's place */
		struct itree_node *s = n->right;
		while (s->left)
			s = s->left;
		if (s->parent == n) {
			fix = s;
		} else {
			fix = s->parent;
			fix->left = s->right;
			if (s->right)
				s->right->parent = fix;
			s->right = n->right;
			s->right->parent = s;
		}
		s->left = n->left;
		s->left->parent = s;
		replace_child(t, n->parent, n, s);
		s->height = n->height;
	} else {
		struct itree_node *child = n->left ? n->left : n->right;
		fix = n->parent;
		replace_child(t, fix, n, child);
	}
	rebalance(t, fix);
	t->count--;
	n->left = n->right = n->parent = NULL;
	n->height = 0;
}

struct itree_node *itree_find_addr(const struct itree *t, uintptr_t addr)
{
	struct itree_node *n = t->root;

	while (n) {
		if (addr < n->start)
			n = n->left;
		else if (addr >= n->end)
			n = n->right;
		else
			return n;
	}
	return NULL;
}

struct itree_node *itree_find_ge(const struct itree *t, uintptr_t addr)
{
	struct itree_node *n = t->root, *best = NULL;

	while (n) {
		if (n->start >= addr) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

struct itree_node *itree_find(const struct itree *t, uintptr_t start,
			      uintptr_t end)
{
	struct itree_node *n;

	if (start >= end)
		return NULL;
	/* a node beginning before `start` overlaps only if it contains it */
	n = itree_find_addr(t, start);
	if (n)
		return n;
	n = itree_find_ge(t, start);
	return (n && n->start < end) ? n : NULL;
}

struct itree_node *itree_first(const struct itree *t)
{
	struct itree_node *n = t->root;

	if (!n)
		return NULL;
	while (n->left)
		n = n->left;
	return n;
}

struct itree_node *itree_last(const struct itree *t)
{
	struct itree_node *n = t->root;

	if (!n)
		return NULL;
	while (n->right)
		n = n->right;
	return n;
}

struct itree_node *itree_next(const struct itree_node *n)
{
	struct itree_node *p;

	if (n->right) {
		n = n->right;
		while (n->left)
			n = n->left;
		return (struct itree_node *)n;
	}
	p = n->parent;
	while (p && p->right == n) {
		n = p;
		p = p->parent;
	}
	return p;
}

struct itree_node *itree_prev(const struct itree_node *n)
{
	struct itree_node *p;

	if (n->left) {
		n = n->left;
		while (n->right)
			n = n->right;
		return (struct itree_node *)n;
	}
	p = n->parent;
	while (p && p->left == n) {
		n = p;
		p = p->parent;
	}
	return p;
}
