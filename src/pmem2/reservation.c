/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reservation.c -- virtual memory reservations (pmem2_vm_reservation_*).
 *
 * A reservation holds a range of address space with PROT_NONE anonymous
 * placeholders so that nothing else in the process lands there; maps are
 * later placed into it with MAP_FIXED (pmem2_reservation_place) and, when
 * deleted, replaced by a fresh placeholder (pmem2_reservation_unplace), so
 * the reservation never has holes. The maps inside are kept in an interval
 * tree under the reservation's rwlock; every lookup takes that lock too.
 *
 * Differences from PMDK, on purpose:
 *  - a size of 0 is refused (PMDK accepts it and can then never delete it);
 *  - with addr == NULL the start is aligned to 2 MiB (1 GiB for >= 2 GiB)
 *    by over-reserving, and the padding is given back at once (PMDK keeps
 *    it and leaks it at delete);
 *  - with a fixed addr exactly [addr, addr + size) is reserved (PMDK
 *    over-reserves there and fails when the padding is taken);
 *  - map_find* take the lock (PMDK reads the tree without it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <libpmem2.h>
#include "core/err.h"
#include "core/os.h"
#include "core/util.h"
#include "fork.h"
#include "map.h"
#include "reservation.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PLACEHOLDER_PROT PROT_NONE
#define PLACEHOLDER_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)

static size_t page_size(void)
{
	return (size_t)os_page_size();
}

/*
 * Reserve exactly [addr, addr + size) if it is entirely free. Returns 0,
 * PMEM2_E_MAPPING_EXISTS or -errno (with a message).
 */
static int reserve_fixed(void *addr, size_t size, const char *what)
{
	void *p;
	int e = -os_mmap(addr, size, PLACEHOLDER_PROT,
			 PLACEHOLDER_FLAGS | MAP_FIXED_NOREPLACE, -1, 0, &p);
	if (e) {
		if (e == EEXIST) {
			err_set("%s: [%p, %p) overlaps an existing mapping; "
				"choose a free address range",
				what, addr, (void *)((uintptr_t)addr + size));
			return PMEM2_E_MAPPING_EXISTS;
		}
		err_set_errno(e, "%s: cannot reserve %zu bytes at %p", what,
			      size, addr);
		return -e;
	}
	if (p != addr) {
		/* a kernel older than 4.17 takes MAP_FIXED_NOREPLACE as a
		 * hint and places the range elsewhere when it is taken */
		os_munmap(p, size);
		err_set("%s: [%p, %p) overlaps an existing mapping; choose a "
			"free address range",
			what, addr, (void *)((uintptr_t)addr + size));
		return PMEM2_E_MAPPING_EXISTS;
	}
	return 0;
}

/*
 * Reserve size bytes anywhere, starting at a multiple of align: take
 * size + align bytes, then give back the head and the tail. Returns 0 and
 * *addr, or -errno with a message; nothing stays mapped on failure.
 */
int pmem2_reserve_aligned(size_t size, size_t align, void **addr)
{
	size_t total;

	*addr = NULL;
	if (!add_ok(size, align, &total)) {
		err_set("cannot reserve %zu bytes: larger than the address "
			"space",
			size);
		return -ENOMEM;
	}
	void *p;
	int ret = os_mmap(NULL, total, PLACEHOLDER_PROT, PLACEHOLDER_FLAGS, -1,
			  0, &p);
	if (ret) {
		err_set_errno(-ret, "cannot reserve %zu bytes of address space",
			      total);
		return ret;
	}
	uintptr_t base = (uintptr_t)p;
	uintptr_t start = align_up(base, align);
	size_t head = start - base;
	size_t tail = total - head - size;

	ret = head ? os_munmap(p, head) : 0;
	if (ret) {
		os_munmap(p, total);
		err_set_errno(-ret, "cannot trim the alignment padding of a "
				    "reservation");
		return ret;
	}
	ret = tail ? os_munmap((void *)(start + size), tail) : 0;
	if (ret) {
		os_munmap((void *)start, size + tail);
		err_set_errno(-ret, "cannot trim the alignment padding of a "
				    "reservation");
		return ret;
	}
	*addr = (void *)start;
	return 0;
}

/*
 * Every live reservation, so that the fork handlers can take each one's
 * lock. The list's lock comes before any reservation's lock (fork.h).
 */
static pthread_mutex_t rsv_list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pmem2_vm_reservation *rsv_list;

static void rsv_list_add(struct pmem2_vm_reservation *rsv)
{
	pthread_mutex_lock(&rsv_list_lock);
	rsv->prev = NULL;
	rsv->next = rsv_list;
	if (rsv_list)
		rsv_list->prev = rsv;
	rsv_list = rsv;
	pthread_mutex_unlock(&rsv_list_lock);
}

/* under rsv_list_lock */
static void rsv_list_remove(struct pmem2_vm_reservation *rsv)
{
	if (rsv->prev)
		rsv->prev->next = rsv->next;
	else
		rsv_list = rsv->next;
	if (rsv->next)
		rsv->next->prev = rsv->prev;
}

void pmem2_reservations_fork_prepare(void)
{
	pthread_mutex_lock(&rsv_list_lock);
	for (struct pmem2_vm_reservation *r = rsv_list; r; r = r->next)
		pthread_rwlock_wrlock(&r->lock);
}

void pmem2_reservations_fork_parent(void)
{
	for (struct pmem2_vm_reservation *r = rsv_list; r; r = r->next)
		pthread_rwlock_unlock(&r->lock);
	pthread_mutex_unlock(&rsv_list_lock);
}

void pmem2_reservations_fork_child(void)
{
	for (struct pmem2_vm_reservation *r = rsv_list; r; r = r->next)
		pthread_rwlock_init(&r->lock, NULL);
	pthread_mutex_init(&rsv_list_lock, NULL);
}

/* 2 MiB, or 1 GiB for reservations of 2 GiB and more: lets DAX use huge
 * pages for maps placed at the start. */
static size_t natural_alignment(size_t size)
{
	return size >= 2 * SZ_1G ? SZ_1G : SZ_2M;
}

int pmem2_vm_reservation_new(struct pmem2_vm_reservation **rsv_ptr, void *addr,
			     size_t size)
{
	struct pmem2_vm_reservation *rsv;
	size_t ps = page_size();
	int ret;

	if (!rsv_ptr) {
		err_set("pmem2_vm_reservation_new: rsv_ptr is NULL; pass the "
			"address of a struct pmem2_vm_reservation pointer");
		return -EINVAL;
	}
	*rsv_ptr = NULL;

	if ((uintptr_t)addr % ps) {
		err_set("reservation address %p is not a multiple of the page "
			"size %zu; align the address",
			addr, ps);
		return PMEM2_E_ADDRESS_UNALIGNED;
	}
	if (size == 0) {
		err_set("reservation size is 0; a reservation must hold at "
			"least one page (%zu bytes)",
			ps);
		return PMEM2_E_LENGTH_UNALIGNED;
	}
	if (size % ps) {
		err_set("reservation size %zu is not a multiple of the page "
			"size %zu; round it up to %zu",
			size, ps, align_up(size, ps));
		return PMEM2_E_LENGTH_UNALIGNED;
	}
	if (addr && (uintptr_t)addr + size < (uintptr_t)addr) {
		err_set("reservation [%p, +%zu) wraps around the end of the "
			"address space",
			addr, size);
		return -ENOMEM;
	}

	pmem2_fork_safe();
	rsv = os_zalloc(sizeof(*rsv));
	if (!rsv) {
		err_set_errno(ENOMEM, "cannot allocate a reservation");
		return -ENOMEM;
	}
	ret = pthread_rwlock_init(&rsv->lock, NULL);
	if (ret) {
		err_set_errno(ret, "cannot initialise the reservation lock");
		ret = -ret;
		goto err_free;
	}

	if (addr) {
		ret = reserve_fixed(addr, size, "pmem2_vm_reservation_new");
		if (ret)
			goto err_lock;
		rsv->addr = addr;
	} else {
		ret = pmem2_reserve_aligned(size, natural_alignment(size),
					    &rsv->addr);
		if (ret)
			goto err_lock;
	}
	rsv->size = size;
	itree_init(&rsv->maps);
	rsv_list_add(rsv);
	*rsv_ptr = rsv;
	return 0;

err_lock:
	pthread_rwlock_destroy(&rsv->lock);
err_free:
	os_free(rsv);
	return ret;
}
EXPORT_V1_V2(pmem2_vm_reservation_new);

int pmem2_vm_reservation_delete(struct pmem2_vm_reservation **rsv_ptr)
{
	struct pmem2_vm_reservation *rsv;

	if (!rsv_ptr || !*rsv_ptr) {
		err_set("pmem2_vm_reservation_delete: no reservation given "
			"(NULL pointer)");
		return -EINVAL;
	}
	rsv = *rsv_ptr;

	/* the list first (lock order): it must not be locked by the fork
	 * handlers while this reservation is being destroyed */
	pthread_mutex_lock(&rsv_list_lock);
	pthread_rwlock_wrlock(&rsv->lock);
	if (rsv->maps.count) {
		size_t n = rsv->maps.count;
		void *addr = rsv->addr;
		pthread_rwlock_unlock(&rsv->lock);
		pthread_mutex_unlock(&rsv_list_lock);
		err_set("reservation %p still holds %zu mapping%s; delete "
			"them with pmem2_map_delete first",
			addr, n, n == 1 ? "" : "s");
		return PMEM2_E_VM_RESERVATION_NOT_EMPTY;
	}
	int ret = os_munmap(rsv->addr, rsv->size);
	if (ret) {
		pthread_rwlock_unlock(&rsv->lock);
		pthread_mutex_unlock(&rsv_list_lock);
		err_set_errno(-ret, "cannot release reservation [%p, +%zu)",
			      rsv->addr, rsv->size);
		return ret;
	}
	rsv_list_remove(rsv);
	pthread_rwlock_unlock(&rsv->lock);
	pthread_mutex_unlock(&rsv_list_lock);
	pthread_rwlock_destroy(&rsv->lock);
	os_free(rsv);
	*rsv_ptr = NULL;
	return 0;
}
EXPORT_V1_V2(pmem2_vm_reservation_delete);

void *pmem2_vm_reservation_get_address(struct pmem2_vm_reservation *rsv)
{
	void *addr;

	if (!rsv)
		return NULL;
	pthread_rwlock_rdlock(&rsv->lock);
	addr = rsv->addr;
	pthread_rwlock_unlock(&rsv->lock);
	return addr;
}
EXPORT_V1_V2(pmem2_vm_reservation_get_address);

size_t pmem2_vm_reservation_get_size(struct pmem2_vm_reservation *rsv)
{
	size_t size;

	if (!rsv)
		return 0;
	pthread_rwlock_rdlock(&rsv->lock);
	size = rsv->size;
	pthread_rwlock_unlock(&rsv->lock);
	return size;
}
EXPORT_V1_V2(pmem2_vm_reservation_get_size);

int pmem2_vm_reservation_extend(struct pmem2_vm_reservation *rsv, size_t size)
{
	size_t ps = page_size();
	size_t newsize;
	int ret;

	if (!rsv) {
		err_set("pmem2_vm_reservation_extend: reservation is NULL");
		return -EINVAL;
	}
	if (size % ps) {
		err_set("cannot extend a reservation by %zu bytes: not a "
			"multiple of the page size %zu",
			size, ps);
		return PMEM2_E_LENGTH_UNALIGNED;
	}
	if (size == 0)
		return 0;

	pthread_rwlock_wrlock(&rsv->lock);
	uintptr_t end = (uintptr_t)rsv->addr + rsv->size;
	if (!add_ok(rsv->size, size, &newsize) || end + size < end) {
		pthread_rwlock_unlock(&rsv->lock);
		err_set("cannot extend reservation [%p, +%zu) by %zu bytes: "
			"past the end of the address space",
			rsv->addr, rsv->size, size);
		return -ENOMEM;
	}
	ret = reserve_fixed((void *)end, size, "pmem2_vm_reservation_extend");
	if (ret == 0)
		rsv->size = newsize;
	pthread_rwlock_unlock(&rsv->lock);
	return ret;
}
EXPORT_V1_V2(pmem2_vm_reservation_extend);

int pmem2_vm_reservation_shrink(struct pmem2_vm_reservation *rsv, size_t offset,
				size_t size)
{
	size_t ps = page_size();
	size_t end;
	int ret = 0;

	if (!rsv) {
		err_set("pmem2_vm_reservation_shrink: reservation is NULL");
		return -EINVAL;
	}
	if (offset % ps) {
		err_set("shrink offset %zu is not a multiple of the page size "
			"%zu",
			offset, ps);
		return PMEM2_E_OFFSET_UNALIGNED;
	}
	if (size % ps) {
		err_set("shrink size %zu is not a multiple of the page size "
			"%zu",
			size, ps);
		return PMEM2_E_LENGTH_UNALIGNED;
	}

	pthread_rwlock_wrlock(&rsv->lock);
	if (offset >= rsv->size) {
		err_set("shrink offset %zu is outside the reservation of %zu "
			"bytes",
			offset, rsv->size);
		ret = PMEM2_E_OFFSET_OUT_OF_RANGE;
		goto out;
	}
	if (size == 0 || !add_ok(offset, size, &end) || end > rsv->size) {
		err_set("cannot shrink [%zu, +%zu) off a reservation of %zu "
			"bytes: the range must be non-empty and inside it",
			offset, size, rsv->size);
		ret = PMEM2_E_LENGTH_OUT_OF_RANGE;
		goto out;
	}
	if (offset == 0 && end == rsv->size) {
		err_set("cannot shrink a reservation to nothing; use "
			"pmem2_vm_reservation_delete");
		ret = PMEM2_E_NOSUPP;
		goto out;
	}
	if (offset != 0 && end != rsv->size) {
		err_set("cannot shrink [%zu, +%zu) from the middle of a "
			"reservation of %zu bytes: only a range at its start "
			"or its end can be released",
			offset, size, rsv->size);
		ret = PMEM2_E_NOSUPP;
		goto out;
	}
	uintptr_t s = (uintptr_t)rsv->addr + offset;
	struct itree_node *n = itree_find(&rsv->maps, s, s + size);
	if (n) {
		struct pmem2_map *m =
			container_of(n, struct pmem2_map, rsv_node);
		err_set("cannot shrink [%zu, +%zu) off the reservation: the "
			"mapping at %p (%zu bytes) lies there; delete it first",
			offset, size, m->addr, m->reserved_length);
		ret = PMEM2_E_VM_RESERVATION_NOT_EMPTY;
		goto out;
	}
	ret = os_munmap((void *)s, size);
	if (ret) {
		err_set_errno(-ret,
			      "cannot release [%p, +%zu) of a reservation",
			      (void *)s, size);
		goto out;
	}
	if (offset == 0) {
		rsv->addr = (void *)(s + size);
		/* offsets of the maps inside are relative to the start */
		for (n = itree_first(&rsv->maps); n; n = itree_next(n)) {
			struct pmem2_map *m =
				container_of(n, struct pmem2_map, rsv_node);
			m->reserv_offset -= size;
		}
	}
	rsv->size -= size;
out:
	pthread_rwlock_unlock(&rsv->lock);
	return ret;
}
EXPORT_V1_V2(pmem2_vm_reservation_shrink);

static int find_args_ok(struct pmem2_vm_reservation *rsv,
			struct pmem2_map **out, const char *fn)
{
	if (!out) {
		err_set("%s: output pointer is NULL", fn);
		return -EINVAL;
	}
	*out = NULL;
	if (!rsv) {
		err_set("%s: reservation is NULL", fn);
		return -EINVAL;
	}
	return 0;
}

static struct pmem2_map *rsv_map(struct itree_node *n)
{
	return n ? container_of(n, struct pmem2_map, rsv_node) : NULL;
}

int pmem2_vm_reservation_map_find(struct pmem2_vm_reservation *rsv,
				  size_t reserv_offset, size_t len,
				  struct pmem2_map **map)
{
	int ret = find_args_ok(rsv, map, "pmem2_vm_reservation_map_find");
	if (ret)
		return ret;

	pthread_rwlock_rdlock(&rsv->lock);
	uintptr_t s = (uintptr_t)rsv->addr + reserv_offset;
	uintptr_t e = s + len;
	if (s < (uintptr_t)rsv->addr)
		s = UINTPTR_MAX; /* offset wraps: nothing can be there */
	if (e < s)
		e = UINTPTR_MAX;
	/* len 0 asks for the map holding that one offset (as PMDK does) */
	*map = rsv_map(len ? itree_find(&rsv->maps, s, e)
			   : itree_find_addr(&rsv->maps, s));
	pthread_rwlock_unlock(&rsv->lock);
	if (!*map) {
		err_set("no mapping in [%zu, +%zu) of the reservation",
			reserv_offset, len);
		return PMEM2_E_MAPPING_NOT_FOUND;
	}
	return 0;
}
EXPORT_V1_V2(pmem2_vm_reservation_map_find);

static int find_neighbour(struct pmem2_vm_reservation *rsv,
			  struct pmem2_map *map, struct pmem2_map **out,
			  int next, const char *fn)
{
	int ret = find_args_ok(rsv, out, fn);
	if (ret)
		return ret;
	if (!map) {
		err_set("%s: map is NULL", fn);
		return -EINVAL;
	}

	pthread_rwlock_rdlock(&rsv->lock);
	struct itree_node *n =
		itree_find_addr(&rsv->maps, (uintptr_t)map->addr);
	if (n != &map->rsv_node) {
		pthread_rwlock_unlock(&rsv->lock);
		err_set("%s: map %p is not in this reservation", fn,
			(void *)map);
		return PMEM2_E_MAPPING_NOT_FOUND;
	}
	*out = rsv_map(next ? itree_next(n) : itree_prev(n));
	pthread_rwlock_unlock(&rsv->lock);
	if (!*out) {
		err_set("no mapping %s %p in the reservation",
			next ? "after" : "before", map->addr);
		return PMEM2_E_MAPPING_NOT_FOUND;
	}
	return 0;
}

int pmem2_vm_reservation_map_find_prev(struct pmem2_vm_reservation *rsv,
				       struct pmem2_map *map,
				       struct pmem2_map **prev_map)
{
	return find_neighbour(rsv, map, prev_map, 0,
			      "pmem2_vm_reservation_map_find_prev");
}
EXPORT_V1_V2(pmem2_vm_reservation_map_find_prev);

int pmem2_vm_reservation_map_find_next(struct pmem2_vm_reservation *rsv,
				       struct pmem2_map *map,
				       struct pmem2_map **next_map)
{
	return find_neighbour(rsv, map, next_map, 1,
			      "pmem2_vm_reservation_map_find_next");
}
EXPORT_V1_V2(pmem2_vm_reservation_map_find_next);

static int find_end(struct pmem2_vm_reservation *rsv, struct pmem2_map **out,
		    int last, const char *fn)
{
	int ret = find_args_ok(rsv, out, fn);
	if (ret)
		return ret;
	pthread_rwlock_rdlock(&rsv->lock);
	*out = rsv_map(last ? itree_last(&rsv->maps) : itree_first(&rsv->maps));
	pthread_rwlock_unlock(&rsv->lock);
	if (!*out) {
		err_set("the reservation holds no mapping");
		return PMEM2_E_MAPPING_NOT_FOUND;
	}
	return 0;
}

int pmem2_vm_reservation_map_find_first(struct pmem2_vm_reservation *rsv,
					struct pmem2_map **map)
{
	return find_end(rsv, map, 0, "pmem2_vm_reservation_map_find_first");
}
EXPORT_V1_V2(pmem2_vm_reservation_map_find_first);

int pmem2_vm_reservation_map_find_last(struct pmem2_vm_reservation *rsv,
				       struct pmem2_map **map)
{
	return find_end(rsv, map, 1, "pmem2_vm_reservation_map_find_last");
}
EXPORT_V1_V2(pmem2_vm_reservation_map_find_last);

int pmem2_reservation_place(struct pmem2_vm_reservation *rsv, size_t off,
			    size_t len, struct pmem2_map *map,
			    int (*place)(struct pmem2_map *map, void *addr,
					 void *arg),
			    void *arg)
{
	size_t end;
	int ret;

	pthread_rwlock_wrlock(&rsv->lock);
	if (len == 0 || !add_ok(off, len, &end) || end > rsv->size) {
		err_set("a mapping of %zu bytes at offset %zu does not fit in "
			"the reservation of %zu bytes; use a bigger "
			"reservation (pmem2_vm_reservation_extend) or a "
			"smaller offset",
			len, off, rsv->size);
		ret = PMEM2_E_LENGTH_OUT_OF_RANGE;
		goto out;
	}
	uintptr_t s = (uintptr_t)rsv->addr + off;
	struct itree_node *n = itree_find(&rsv->maps, s, s + len);
	if (n) {
		err_set("[%zu, +%zu) of the reservation overlaps the mapping "
			"at offset %zu (%zu bytes); delete it or choose a free "
			"offset",
			off, len, (size_t)(n->start - (uintptr_t)rsv->addr),
			(size_t)(n->end - n->start));
		ret = PMEM2_E_MAPPING_EXISTS;
		goto out;
	}
	ret = place(map, (void *)s, arg);
	if (ret)
		goto out;
	map->reserv = rsv;
	map->reserv_offset = off;
	map->rsv_node.start = s;
	map->rsv_node.end = s + len;
	ret = itree_insert(&rsv->maps, &map->rsv_node);
	/* cannot fail: the range was checked free under the same lock */
out:
	pthread_rwlock_unlock(&rsv->lock);
	return ret;
}

int pmem2_placeholder_restore(void *addr, size_t len)
{
	void *p;
	int ret = os_mmap(addr, len, PLACEHOLDER_PROT,
			  PLACEHOLDER_FLAGS | MAP_FIXED, -1, 0, &p);
	if (ret) {
		err_set_errno(-ret,
			      "cannot put a reservation placeholder over "
			      "[%p, +%zu)",
			      addr, len);
		return ret;
	}
	return 0;
}

int pmem2_reservation_unplace(struct pmem2_vm_reservation *rsv,
			      struct pmem2_map *map)
{
	int ret;

	pthread_rwlock_wrlock(&rsv->lock);
	ret = pmem2_placeholder_restore(map->addr, map->reserved_length);
	if (ret == 0) {
		itree_remove(&rsv->maps, &map->rsv_node);
		map->reserv = NULL;
	}
	pthread_rwlock_unlock(&rsv->lock);
	return ret;
}
