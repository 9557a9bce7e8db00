/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_itree.c -- the interval tree against a brute-force model.
 *
 * The model is an "owner" array over a small address universe: owner[a] is
 * the node holding address a, or -1. Every tree answer (insert accepted or
 * refused, find, find_addr, find_ge, next/prev) is compared with what the
 * model says, over tens of thousands of random operations with more than
 * 10k nodes alive, and the AVL invariants (order, parent links, heights,
 * balance, count) are verified periodically.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "test.h"
#include "core/itree.h"

#define UNIVERSE (1u << 20)
#define NNODES 24000

struct item {
	struct itree_node node;
	int in;
};

static struct item items[NNODES];
static int owner[UNIVERSE];
static struct itree tree;
static unsigned long long rng_state = 0x9E3779B97F4A7C15ull;

static unsigned rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state >> 11);
}

static int idx_of(const struct itree_node *n)
{
	if (!n)
		return -1;
	return (int)(container_of(n, struct item, node) - items);
}

/* recursive check; returns height, -1000 on a broken invariant */
static int check_subtree(const struct itree_node *n,
			 const struct itree_node *parent, uintptr_t lo,
			 uintptr_t hi, size_t *count)
{
	if (!n)
		return 0;
	if (n->parent != parent || n->start < lo || n->end > hi ||
	    n->start >= n->end)
		return -1000;
	(*count)++;
	int l = check_subtree(n->left, n, lo, n->start, count);
	int r = check_subtree(n->right, n, n->end, hi, count);
	if (l < 0 || r < 0 || l - r > 1 || r - l > 1)
		return -1000;
	int h = 1 + (l > r ? l : r);
	if (h != n->height)
		return -1000;
	return h;
}

static void check_invariants(size_t expected)
{
	size_t count = 0;
	int h = check_subtree(tree.root, NULL, 0, UINTPTR_MAX, &count);
	CHECK(h >= 0, "AVL/order invariant broken");
	CHECK_EQ(count, expected);
	CHECK_EQ(tree.count, expected);
	/* height bound of an AVL tree: 1.44 log2(n + 2) */
	if (expected > 0) {
		int lg = 0;
		while ((1ul << lg) < expected + 2)
			lg++;
		CHECK(h <= (int)(1.45 * lg) + 1, "height %d too big for %zu", h,
		      expected);
	}
}

static int model_overlap(unsigned s, unsigned e)
{
	for (unsigned a = s; a < e; a++)
		if (owner[a] >= 0)
			return 1;
	return 0;
}

static int model_find_ge(unsigned a)
{
	for (; a < UNIVERSE; a++)
		if (owner[a] >= 0 && items[owner[a]].node.start == a)
			return owner[a];
	return -1;
}

static int model_find(unsigned s, unsigned e)
{
	for (unsigned a = s; a < e && a < UNIVERSE; a++)
		if (owner[a] >= 0)
			return owner[a];
	return -1;
}

static size_t alive;

static void do_insert(int i)
{
	unsigned len = 1 + rnd() % 48;
	unsigned s = rnd() % (UNIVERSE - len);
	unsigned e = s + len;
	struct itree_node *n = &items[i].node;
	n->start = s;
	n->end = e;
	int expect = model_overlap(s, e) ? -EEXIST : 0;
	int ret = itree_insert(&tree, n);
	CHECK(ret == expect, "insert [%u,%u) gave %d, model %d", s, e, ret,
	      expect);
	if (ret == 0) {
		items[i].in = 1;
		alive++;
		for (unsigned a = s; a < e; a++)
			owner[a] = i;
	}
}

static void do_remove(int i)
{
	struct itree_node *n = &items[i].node;
	for (uintptr_t a = n->start; a < n->end; a++)
		owner[a] = -1;
	itree_remove(&tree, n);
	items[i].in = 0;
	alive--;
}

static unsigned long query_fail;

static void do_queries(void)
{
	unsigned a = rnd() % UNIVERSE;
	unsigned len = 1 + rnd() % 200;
	int got = idx_of(itree_find_addr(&tree, a));
	if (got != owner[a])
		query_fail++;
	got = idx_of(itree_find_ge(&tree, a));
	if (got != model_find_ge(a))
		query_fail++;
	got = idx_of(itree_find(&tree, a, a + len));
	if (got != model_find(a, a + len))
		query_fail++;
	/* neighbours of a node agree with the model's order */
	int i = owner[a];
	if (i >= 0) {
		struct itree_node *n = &items[i].node;
		int nx = idx_of(itree_next(n));
		if (nx != model_find_ge((unsigned)n->end))
			query_fail++;
		struct itree_node *pv = itree_prev(n);
		int expect = -1;
		for (long b = (long)n->start - 1; b >= 0; b--)
			if (owner[b] >= 0) {
				expect = owner[b];
				break;
			}
		if (idx_of(pv) != expect)
			query_fail++;
	}
}

TEST(random_against_model)
{
	int i;

	for (i = 0; i < (int)UNIVERSE; i++)
		owner[i] = -1;
	itree_init(&tree);
	alive = 0;

	/* grow past 10k live nodes */
	for (i = 0; i < NNODES && alive < 12000; i++)
		do_insert(i);
	CHECK(alive >= 12000, "only %zu nodes inserted", alive);
	check_invariants(alive);

	/* mixed operations */
	for (int op = 0; op < 60000; op++) {
		unsigned r = rnd() % 10;
		int k = (int)(rnd() % NNODES);
		if (r < 4) {
			if (!items[k].in)
				do_insert(k);
		} else if (r < 7) {
			if (items[k].in)
				do_remove(k);
		} else {
			do_queries();
		}
		if (op % 5000 == 0)
			check_invariants(alive);
	}
	CHECK(query_fail == 0, "%lu queries disagreed with the model",
	      query_fail);
	check_invariants(alive);

	/* walk in order: must match the model's order exactly */
	struct itree_node *n = itree_first(&tree);
	unsigned a = 0;
	size_t walked = 0;
	unsigned long order_fail = 0;
	while (n) {
		int expect = model_find_ge(a);
		if (idx_of(n) != expect)
			order_fail++;
		a = (unsigned)n->end;
		walked++;
		n = itree_next(n);
	}
	CHECK(order_fail == 0, "in-order walk disagreed %lu times", order_fail);
	CHECK_EQ(walked, alive);
	/* and backwards */
	walked = 0;
	for (n = itree_last(&tree); n; n = itree_prev(n))
		walked++;
	CHECK_EQ(walked, alive);

	/* remove everything in random order */
	int *order = malloc(sizeof(int) * NNODES);
	int cnt = 0;
	for (i = 0; i < NNODES; i++)
		if (items[i].in)
			order[cnt++] = i;
	for (i = cnt - 1; i > 0; i--) {
		int j = (int)(rnd() % (unsigned)(i + 1));
		int tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
	for (i = 0; i < cnt; i++) {
		do_remove(order[i]);
		if (i % 3000 == 0)
			check_invariants(alive);
	}
	free(order);
	check_invariants(0);
	CHECK(tree.root == NULL, "tree not empty");
	CHECK(itree_first(&tree) == NULL, "first of empty tree");
	CHECK(itree_last(&tree) == NULL, "last of empty tree");
}

TEST(sequential_inserts_stay_balanced)
{
	itree_init(&tree);
	for (int i = 0; i < 16384; i++) {
		items[i].node.start = (uintptr_t)i * 10;
		items[i].node.end = (uintptr_t)i * 10 + 10; /* adjacent */
		CHECK_RC(itree_insert(&tree, &items[i].node), 0);
	}
	check_invariants(16384);
	for (int i = 0; i < 16384; i += 2)
		itree_remove(&tree, &items[i].node);
	check_invariants(8192);
	for (int i = 16383; i >= 0; i -= 2)
		itree_remove(&tree, &items[i].node);
	check_invariants(0);

	/* descending */
	for (int i = 16383; i >= 0; i--) {
		items[i].node.start = (uintptr_t)i * 10;
		items[i].node.end = (uintptr_t)i * 10 + 5;
		CHECK_RC(itree_insert(&tree, &items[i].node), 0);
	}
	check_invariants(16384);
	CHECK(itree_find(&tree, 5, 10) == NULL, "gap [5,10) must be free");
	CHECK(itree_find(&tree, 5, 11) == &items[1].node, "find across gap");
	CHECK(itree_find_addr(&tree, 163835) == NULL, "past the end");
	CHECK(itree_find_ge(&tree, 163831) == NULL, "ge past the last");
	for (int i = 0; i < 16384; i++)
		itree_remove(&tree, &items[i].node);
	check_invariants(0);
}

TEST(edges)
{
	struct itree_node a = {0}, b = {0}, c = {0}, bad = {0};

	itree_init(&tree);
	bad.start = 5;
	bad.end = 5;
	CHECK_RC(itree_insert(&tree, &bad), -EINVAL);
	bad.end = 4;
	CHECK_RC(itree_insert(&tree, &bad), -EINVAL);
	CHECK_EQ(tree.count, 0);

	/* near the top of the address space */
	a.start = UINTPTR_MAX - 4096;
	a.end = UINTPTR_MAX;
	CHECK_RC(itree_insert(&tree, &a), 0);
	b.start = UINTPTR_MAX - 1;
	b.end = UINTPTR_MAX;
	CHECK_RC(itree_insert(&tree, &b), -EEXIST);
	b.start = 0;
	b.end = 1;
	CHECK_RC(itree_insert(&tree, &b), 0);
	c.start = 1;
	c.end = UINTPTR_MAX - 4096;
	CHECK_RC(itree_insert(&tree, &c), 0);
	CHECK(itree_find(&tree, 0, UINTPTR_MAX) == &b, "lowest overlap");
	CHECK(itree_find(&tree, 2, 3) == &c, "inside c");
	CHECK(itree_find_addr(&tree, UINTPTR_MAX - 1) == &a, "top address");
	CHECK(itree_find(&tree, 7, 7) == NULL, "empty query");
	CHECK(itree_next(&b) == &c && itree_next(&c) == &a &&
		      itree_next(&a) == NULL,
	      "next chain");
	CHECK(itree_prev(&a) == &c && itree_prev(&c) == &b &&
		      itree_prev(&b) == NULL,
	      "prev chain");
	itree_remove(&tree, &c);
	itree_remove(&tree, &a);
	itree_remove(&tree, &b);
	CHECK_EQ(tree.count, 0);
	CHECK(tree.root == NULL, "empty");
}

int main(void)
{
	RUN(random_against_model);
	RUN(sequential_inserts_stay_balanced);
	RUN(edges);
	return test_done();
}
