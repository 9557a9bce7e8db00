/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * map.c -- creating and deleting mappings (pmem2_map_new, pmem2_map_delete,
 * pmem2_map_from_existing) and their getters.
 *
 * pmem2_map_new validates the config against the source, finds address
 * space (its own huge-page-aligned placeholder, or a range of a caller's
 * reservation, taken under that reservation's lock), maps the source over
 * it with MAP_FIXED, trying MAP_SYNC first for shared file mappings (a map
 * that recycles the range of the last deleted one is asked for there
 * directly, without a placeholder), and then decides the store granularity; a
 * mapping that cannot give the granularity the caller requires is undone and
 * refused with a message that says why. A new map enters the process-wide
 * registry (registry.c), which pmem2_map_delete consults before touching the
 * map.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <libpmem2.h>
#include "core/err.h"
#include "core/os.h"
#include "core/util.h"
#include "config.h"
#include "fork.h"
#include "granularity.h"
#include "log.h"
#include "map.h"
#include "persist.h"
#include "registry.h"
#include "reservation.h"
#include "source.h"

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

/* ---- pmem2_map_new ---- */

struct map_ctx {
	const struct pmem2_config *cfg;
	const struct pmem2_source *src;
	size_t alignment; /* of the source */
	size_t file_off;
};

static int prot_flags(unsigned prot)
{
	int p = PROT_NONE;

	if (prot & PMEM2_PROT_READ)
		p |= PROT_READ;
	if (prot & PMEM2_PROT_WRITE)
		p |= PROT_WRITE;
	if (prot & PMEM2_PROT_EXEC)
		p |= PROT_EXEC;
	return p;
}

/* Translate a failed mmap's errno into the library's code + message. */
static int mmap_error(int e, void *addr, size_t len)
{
	switch (e) {
	case EACCES:
		err_set_errno(e,
			      "cannot map %zu bytes at %p: the file "
			      "descriptor does not allow the requested "
			      "protection (opened read-only, or an "
			      "append-only file)",
			      len, addr);
		return PMEM2_E_NO_ACCESS;
	case EOPNOTSUPP:
		err_set_errno(e,
			      "cannot map %zu bytes at %p: the file does "
			      "not support this kind of mapping",
			      len, addr);
		return PMEM2_E_NOSUPP;
	case EEXIST:
		err_set_errno(e,
			      "cannot map %zu bytes at %p: the range is "
			      "already mapped",
			      len, addr);
		return PMEM2_E_MAPPING_EXISTS;
	default:
		err_set_errno(e, "cannot map %zu bytes at %p", len, addr);
		return -e;
	}
}

/*
 * Does the kernel grant MAP_SYNC for this file? Asked with a mapping of
 * its own, placed by the kernel, never over the caller's placeholder: file
 * systems refuse MAP_SYNC in their mmap handler, after a MAP_FIXED mmap has
 * already removed what was at the address, so a refused MAP_FIXED attempt
 * leaves a hole in which another thread's mmap can land, only to be
 * replaced by the plain mapping that follows (PMDK has this race). The
 * probe covers one alignment unit (device DAX needs whole units). Returns
 * 1 (granted), 0 (refused: EOPNOTSUPP or, before Linux 4.15, EINVAL; errno
 * in *sync_errno) or a negative error code with its message.
 */
static int map_sync_probe(const struct map_ctx *c, size_t len, int prot,
			  int *sync_errno)
{
	size_t plen = MAX(c->alignment, (size_t)os_page_size());
	if (plen > len)
		plen = len;
	void *p;
	int e = -os_mmap(NULL, plen, prot, MAP_SHARED_VALIDATE | MAP_SYNC,
			 c->src->fd, (off_t)c->file_off, &p);
	if (e == EOPNOTSUPP || e == EINVAL) {
		*sync_errno = e;
		return 0;
	}
	if (e)
		return mmap_error(e, NULL, plen);
	e = -os_munmap(p, plen);
	if (e) {
		err_set_errno(e, "cannot unmap the MAP_SYNC probe at %p", p);
		return -e;
	}
	return 1;
}

/*
 * mmap the source at addr: over a placeholder the caller holds there
 * (fixed), or with addr as a hint only, wherever the kernel puts it (*p).
 * SHARED file mappings try MAP_SYNC first and record whether it was
 * accepted: over a placeholder by a probe of its own (map_sync_probe: a
 * refused MAP_FIXED attempt would already have removed the placeholder),
 * at a hint with the mapping itself (a refusal maps nothing).
 */
static int mmap_source(const struct map_ctx *c, void *addr, size_t len,
		       bool fixed, void **p, bool *map_sync, int *sync_errno)
{
	const struct pmem2_config *cfg = c->cfg;
	int prot = prot_flags(cfg->protection);
	bool private = cfg->sharing == PMEM2_PRIVATE;
	int place = fixed ? MAP_FIXED : 0;
	int fd = c->src->fd;
	off_t off = (off_t)c->file_off;
	int ret;

	*map_sync = false;
	*sync_errno = 0;
	if (c->src->type == PMEM2_SOURCE_ANON) {
		ret = os_mmap(addr, len, prot,
			      MAP_ANONYMOUS | place |
				      (private ? MAP_PRIVATE : MAP_SHARED),
			      -1, 0, p);
	} else if (private) {
		ret = os_mmap(addr, len, prot, MAP_PRIVATE | place, fd, off, p);
	} else if (fixed) {
		ret = map_sync_probe(c, len, prot, sync_errno);
		if (ret < 0)
			return ret;
		*map_sync = ret == 1;
		ret = os_mmap(addr, len, prot,
			      (*map_sync ? MAP_SHARED_VALIDATE | MAP_SYNC
					 : MAP_SHARED) |
				      MAP_FIXED,
			      fd, off, p);
	} else {
		ret = os_mmap(addr, len, prot, MAP_SHARED_VALIDATE | MAP_SYNC,
			      fd, off, p);
		if (ret == -EOPNOTSUPP || ret == -EINVAL) {
			*sync_errno = -ret;
			ret = os_mmap(addr, len, prot, MAP_SHARED, fd, off, p);
		} else {
			*map_sync = ret == 0;
		}
	}
	return ret ? mmap_error(-ret, addr, len) : 0;
}

/* The source is mapped at addr: decide and check the granularity. */
static int map_adopt(struct pmem2_map *map, void *addr, const struct map_ctx *c,
		     bool map_sync, int sync_errno)
{
	const struct pmem2_config *cfg = c->cfg;

	map->addr = addr;
	pmem2_granularity_decide(c->src, c->src->type == PMEM2_SOURCE_ANON,
				 cfg->sharing == PMEM2_PRIVATE, map_sync,
				 sync_errno, &map->gran);
	if (map->gran.available > cfg->requested_max_granularity) {
		pmem2_granularity_error(&map->gran,
					cfg->requested_max_granularity);
		return PMEM2_E_GRANULARITY_NOT_SUPPORTED;
	}
	map->effective_granularity = map->gran.available;
	/* complete before anyone can see it (reservation tree, registry) */
	pmem2_mem_ops_get(map->effective_granularity, &map->ops);
	return 0;
}

/*
 * Map the source at addr (held as a placeholder) and decide the
 * granularity. On failure the range is a placeholder again when it belongs
 * to a reservation; otherwise the caller unmaps it.
 */
static int map_at(struct pmem2_map *map, void *addr, const struct map_ctx *c)
{
	bool map_sync;
	int sync_errno;
	void *p;
	int ret;

	ret = mmap_source(c, addr, map->reserved_length, true, &p, &map_sync,
			  &sync_errno);
	if (ret)
		return ret;
	return map_adopt(map, addr, c, map_sync, sync_errno);
}

/* place() callback of pmem2_reservation_place: runs under its lock */
static int place_in_reservation(struct pmem2_map *map, void *addr, void *arg)
{
	const struct map_ctx *c = arg;
	int ret;

	if ((uintptr_t)addr % c->alignment) {
		err_set("reservation address %p + offset %zu = %p is not a "
			"multiple of the source alignment %zu; choose an "
			"offset that makes it aligned",
			(void *)((uintptr_t)addr - c->cfg->reserv_offset),
			c->cfg->reserv_offset, addr, c->alignment);
		return PMEM2_E_ADDRESS_UNALIGNED;
	}
	ret = map_at(map, addr, c);
	/* registered while the reservation's lock is still held: the map is
	 * complete before map_find* can return it */
	if (!ret)
		ret = pmem2_registry_insert(map);
	if (ret) {
		/* a failed MAP_FIXED mmap may have left a hole: refill it
		 * (keep the first error's message) */
		char msg[ERR_MSG_MAX];
		snprintf(msg, sizeof(msg), "%s", err_msg());
		pmem2_placeholder_restore(addr, map->reserved_length);
		err_set("%s", msg);
		map->addr = NULL;
	}
	return ret;
}

/*
 * Address space recycling. The last own range that pmem2_map_delete gave
 * back is remembered; the next pmem2_map_new that fits in it (and finds it
 * aligned enough) asks the kernel for the file mapping right there, as a
 * hint: one mmap (two when MAP_SYNC is refused), where the ordinary path
 * reserves a larger placeholder, trims it, probes MAP_SYNC and maps over
 * the placeholder. If anything else took part of the range meanwhile, the
 * kernel puts the mapping elsewhere; unless that happens to be aligned too,
 * it is unmapped and the ordinary path runs.
 */
static pthread_mutex_t reuse_lock = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t reuse_addr;
static size_t reuse_len;

static void reuse_remember(void *addr, size_t len)
{
	pthread_mutex_lock(&reuse_lock);
	reuse_addr = (uintptr_t)addr;
	reuse_len = len;
	pthread_mutex_unlock(&reuse_lock);
}

void pmem2_map_fork_prepare(void)
{
	pthread_mutex_lock(&reuse_lock);
}

void pmem2_map_fork_parent(void)
{
	pthread_mutex_unlock(&reuse_lock);
}

void pmem2_map_fork_child(void)
{
	pthread_mutex_init(&reuse_lock, NULL);
}

/* take the remembered range if it fits; NULL if not */
static void *reuse_take(size_t len, size_t align)
{
	void *addr = NULL;

	pthread_mutex_lock(&reuse_lock);
	if (reuse_addr && reuse_len >= len && reuse_addr % align == 0) {
		addr = (void *)reuse_addr;
		reuse_addr = 0;
		reuse_len = 0;
	}
	pthread_mutex_unlock(&reuse_lock);
	return addr;
}

/*
 * Map at the remembered range. 0 when mapped there (or anywhere else
 * aligned), 1 when the kernel put it at a misaligned address (unmapped
 * again), else a negative error with its message. Only an emulator that
 * ignores address hints (qemu-user), or another thread that took part of
 * the range, puts it elsewhere; should that mapping refuse to go away, it
 * is kept as the map, aligned for the page size only, rather than left
 * behind unowned.
 */
static int map_recycled(struct pmem2_map *map, void *hint, size_t align,
			const struct map_ctx *c)
{
	size_t len = map->reserved_length;
	bool map_sync;
	int sync_errno;
	void *p;
	int ret;

	ret = mmap_source(c, hint, len, false, &p, &map_sync, &sync_errno);
	if (ret)
		return ret;
	if ((uintptr_t)p % align && os_munmap(p, len) == 0)
		return 1;
	ret = map_adopt(map, p, c, map_sync, sync_errno);
	if (ret) {
		os_munmap(p, len);
		map->addr = NULL;
	}
	return ret;
}

/* Map outside any reservation: own placeholder, aligned for huge pages. */
static int map_own_range(struct pmem2_map *map, const struct map_ctx *c)
{
	size_t len = map->reserved_length;
	size_t align = len >= 2 * SZ_1G ? SZ_1G : SZ_2M;
	void *addr;
	int ret;

	if (c->alignment > align)
		align = c->alignment;
	addr = reuse_take(len, align);
	if (addr) {
		ret = map_recycled(map, addr, align, c);
		if (ret <= 0)
			return ret;
	}
	/* nothing to recycle, or taken: a fresh aligned range */
	ret = pmem2_reserve_aligned(len, align, &addr);
	if (ret)
		return ret;
	ret = map_at(map, addr, c);
	if (ret) {
		os_munmap(addr, len);
		map->addr = NULL;
	}
	return ret;
}

/* The part of the source a map shows: [offset, offset + length), or to the
 * end of the source when length is 0. */
static int map_range(const struct pmem2_config *cfg,
		     const struct pmem2_source *src, size_t file_len,
		     size_t *content_length)
{
	size_t end;

	/* anonymous memory has no offset, only PMDK's range rule: an
	 * offset up to the size is accepted (the whole size is mapped) */
	if (cfg->offset > file_len ||
	    (cfg->offset == file_len && src->type != PMEM2_SOURCE_ANON)) {
		err_set("offset %zu is at or past the end of the source (%zu "
			"bytes); nothing left to map",
			cfg->offset, file_len);
		return PMEM2_E_MAP_RANGE;
	}
	if (cfg->length) {
		if (!add_ok(cfg->offset, cfg->length, &end) || end > file_len) {
			err_set("offset %zu + length %zu goes past the end of "
				"the source (%zu bytes); shorten the length "
				"or grow the source",
				cfg->offset, cfg->length, file_len);
			return PMEM2_E_MAP_RANGE;
		}
		*content_length = cfg->length;
	} else if (src->type == PMEM2_SOURCE_ANON) {
		/* anonymous memory has no offset: the offset is validated
		 * like a file's, but the whole size is mapped (as PMDK) */
		*content_length = file_len;
	} else {
		*content_length = file_len - cfg->offset;
	}
	return 0;
}

/* Where the map goes: at a page-aligned offset of a reservation, and
 * within the address space once rounded up to whole pages. */
static int check_placement(const struct pmem2_config *cfg,
			   size_t content_length)
{
	size_t ps = (size_t)os_page_size();

	if (cfg->reserv && cfg->reserv_offset % ps) {
		err_set("reservation offset %zu is not a multiple of the page "
			"size %zu",
			cfg->reserv_offset, ps);
		return PMEM2_E_OFFSET_UNALIGNED;
	}
	if (content_length > SIZE_MAX - ps) {
		err_set("length %zu is too large to map", content_length);
		return PMEM2_E_MAP_RANGE;
	}
	return 0;
}

/* Validate cfg against src: what pmem2_map_new checks before it maps. */
static int validate(const struct pmem2_config *cfg,
		    const struct pmem2_source *src, size_t *alignment,
		    size_t *content_length)
{
	size_t file_len;
	int ret;

	if (cfg->requested_max_granularity == PMEM2_GRANULARITY_INVALID) {
		err_set("no required store granularity in the config; call "
			"pmem2_config_set_required_store_granularity first");
		return PMEM2_E_GRANULARITY_NOT_SET;
	}
	ret = pmem2_source_alignment(src, alignment);
	if (ret)
		return ret;
	ret = pmem2_source_size(src, &file_len);
	if (ret)
		return ret;
	if (cfg->offset % *alignment) {
		err_set("offset %zu is not a multiple of the source alignment "
			"%zu; align the offset (e.g. %zu)",
			cfg->offset, *alignment,
			align_down(cfg->offset, *alignment));
		return PMEM2_E_OFFSET_UNALIGNED;
	}
	if (src->type == PMEM2_SOURCE_FD && src->ftype == PMEM2_FTYPE_DEVDAX &&
	    cfg->sharing == PMEM2_PRIVATE) {
		err_set("a Device DAX cannot be mapped PRIVATE; use "
			"PMEM2_SHARED");
		return PMEM2_E_SRC_DEVDAX_PRIVATE;
	}
	if (file_len == 0) {
		err_set("the source is empty (size 0); grow the file before "
			"mapping it");
		return PMEM2_E_SOURCE_EMPTY;
	}
	if (cfg->length % *alignment) {
		err_set("length %zu is not a multiple of the source alignment "
			"%zu; round it to a multiple",
			cfg->length, *alignment);
		return PMEM2_E_LENGTH_UNALIGNED;
	}
	ret = map_range(cfg, src, file_len, content_length);
	if (ret)
		return ret;
	return check_placement(cfg, *content_length);
}

/*
 * Map and register: in the caller's reservation (mapped, completed and
 * registered under its lock: place_in_reservation) or in a range of its
 * own. On failure nothing stays mapped or registered.
 */
static int map_and_register(struct pmem2_map *map, struct map_ctx *c)
{
	const struct pmem2_config *cfg = c->cfg;
	int ret;

	if (cfg->reserv)
		return pmem2_reservation_place(cfg->reserv, cfg->reserv_offset,
					       map->reserved_length, map,
					       place_in_reservation, c);
	ret = map_own_range(map, c);
	if (ret)
		return ret;
	ret = pmem2_registry_insert(map);
	if (ret)
		os_munmap(map->addr, map->reserved_length);
	return ret;
}

int pmem2_map_new(struct pmem2_map **map_ptr, const struct pmem2_config *cfg,
		  const struct pmem2_source *src)
{
	struct map_ctx c;
	struct pmem2_map *map;
	size_t alignment, content_length;
	int ret;

	if (!map_ptr) {
		err_set("pmem2_map_new: map_ptr is NULL");
		return -EINVAL;
	}
	*map_ptr = NULL;
	if (!cfg || !src) {
		err_set("pmem2_map_new: %s is NULL",
			!cfg ? "config" : "source");
		return -EINVAL;
	}

	ret = validate(cfg, src, &alignment, &content_length);
	if (ret)
		return ret;

	map = os_zalloc(sizeof(*map));
	if (!map) {
		err_set_errno(ENOMEM, "cannot allocate a map");
		return -ENOMEM;
	}
	map->content_length = content_length;
	map->reserved_length = align_up(content_length, (size_t)os_page_size());
	map->source = *src;

	c.cfg = cfg;
	c.src = src;
	c.alignment = alignment;
	c.file_off = src->type == PMEM2_SOURCE_ANON ? 0 : cfg->offset;

	ret = map_and_register(map, &c);
	pmem2_log_map_new(map, cfg, ret);
	if (ret) {
		os_free(map);
		return ret;
	}
	*map_ptr = map;
	return 0;
}
EXPORT_V1_V2(pmem2_map_new);

int pmem2_map_delete(struct pmem2_map **map_ptr)
{
	struct pmem2_map *map;
	int ret;

	if (!map_ptr) {
		err_set("pmem2_map_delete: map_ptr is NULL");
		return -EINVAL;
	}
	map = *map_ptr;
	if (!map) {
		err_set("pmem2_map_delete: the map is NULL (already deleted?)");
		return PMEM2_E_MAPPING_NOT_FOUND;
	}
	/* checked by identity before touching *map: it may be stale */
	ret = pmem2_registry_remove(map);
	if (ret)
		return ret;

	if (!map->from_existing) {
		if (map->reserv) {
			ret = pmem2_reservation_unplace(map->reserv, map);
		} else {
			ret = os_munmap(map->addr, map->reserved_length);
			if (ret)
				err_set_errno(-ret, "cannot unmap [%p, +%zu)",
					      map->addr, map->reserved_length);
			else
				reuse_remember(map->addr, map->reserved_length);
		}
		if (ret) {
			/* still mapped: keep it alive and registered */
			char msg[ERR_MSG_MAX];
			snprintf(msg, sizeof(msg), "%s", err_msg());
			pmem2_registry_insert(map);
			err_set("%s", msg);
			return ret;
		}
	}
	/* not freed: a stale pointer must not come to name a new map */
	pmem2_registry_retire(map);
	*map_ptr = NULL;
	return 0;
}
EXPORT_V1_V2(pmem2_map_delete);

/* The arguments of pmem2_map_from_existing that describe the mapping. */
static int check_existing(const void *addr, size_t len,
			  enum pmem2_granularity gran)
{
	if (!addr) {
		err_set("pmem2_map_from_existing: address is NULL; pass the "
			"address of an existing mapping");
		return PMEM2_E_ADDRESS_NULL;
	}
	if (len == 0) {
		err_set("pmem2_map_from_existing: length is 0; pass the "
			"length of the existing mapping");
		return PMEM2_E_LENGTH_OUT_OF_RANGE;
	}
	if ((uintptr_t)addr + len < (uintptr_t)addr) {
		err_set("pmem2_map_from_existing: [%p, +%zu) wraps around the "
			"end of the address space",
			addr, len);
		return PMEM2_E_MAP_RANGE;
	}
	if ((unsigned)gran > PMEM2_GRANULARITY_PAGE) {
		err_set("pmem2_map_from_existing: invalid granularity %d; use "
			"PMEM2_GRANULARITY_BYTE, _CACHE_LINE or _PAGE",
			(int)gran);
		return PMEM2_E_GRANULARITY_NOT_SUPPORTED;
	}
	return 0;
}

int pmem2_map_from_existing(struct pmem2_map **map_ptr,
			    const struct pmem2_source *src, void *addr,
			    size_t len, enum pmem2_granularity gran)
{
	struct pmem2_map *map;
	int ret;

	if (!map_ptr) {
		err_set("pmem2_map_from_existing: map is NULL");
		return -EINVAL;
	}
	*map_ptr = NULL;
	if (!src) {
		err_set("pmem2_map_from_existing: source is NULL");
		return -EINVAL;
	}
	ret = check_existing(addr, len, gran);
	if (ret)
		return ret;

	map = os_zalloc(sizeof(*map));
	if (!map) {
		err_set_errno(ENOMEM, "cannot allocate a map");
		return -ENOMEM;
	}
	map->addr = addr;
	map->content_length = len;
	map->reserved_length = len;
	map->effective_granularity = gran;
	map->source = *src;
	map->from_existing = true;
	map->gran.available = gran;
	map->gran.reason = GRAN_WHY_FORCED;
	pmem2_mem_ops_get(gran, &map->ops);

	ret = pmem2_registry_insert(map);
	if (ret) {
		os_free(map);
		return ret;
	}
	*map_ptr = map;
	return 0;
}
EXPORT_V1_V2(pmem2_map_from_existing);

void *pmem2_map_get_address(struct pmem2_map *map)
{
	return map ? map->addr : NULL;
}
EXPORT_V1_V2(pmem2_map_get_address);

size_t pmem2_map_get_size(struct pmem2_map *map)
{
	return map ? map->content_length : 0;
}
EXPORT_V1_V2(pmem2_map_get_size);

enum pmem2_granularity pmem2_map_get_store_granularity(struct pmem2_map *map)
{
	return map ? map->effective_granularity : PMEM2_GRANULARITY_INVALID;
}
EXPORT_V1_V2(pmem2_map_get_store_granularity);

pmem2_persist_fn pmem2_get_persist_fn(struct pmem2_map *map)
{
	return map->ops.persist;
}
EXPORT_V1_V2(pmem2_get_persist_fn);

pmem2_flush_fn pmem2_get_flush_fn(struct pmem2_map *map)
{
	return map->ops.flush;
}
EXPORT_V1_V2(pmem2_get_flush_fn);

pmem2_drain_fn pmem2_get_drain_fn(struct pmem2_map *map)
{
	return map->ops.drain;
}
EXPORT_V1_V2(pmem2_get_drain_fn);

pmem2_memmove_fn pmem2_get_memmove_fn(struct pmem2_map *map)
{
	return map->ops.memmove;
}
EXPORT_V1_V2(pmem2_get_memmove_fn);

pmem2_memcpy_fn pmem2_get_memcpy_fn(struct pmem2_map *map)
{
	return map->ops.memcpy;
}
EXPORT_V1_V2(pmem2_get_memcpy_fn);

pmem2_memset_fn pmem2_get_memset_fn(struct pmem2_map *map)
{
	return map->ops.memset;
}
EXPORT_V1_V2(pmem2_get_memset_fn);
