/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmemset_internal.h -- the objects behind libpmemset's opaque types, and
 * the contracts of source.c, sds.c, badblock.c, memops.c and errormsg.c.
 * Each other file with a contract has its own header: lock.h, events.h,
 * part_map.h, placement.h, remove.h and map.h.
 *
 * A set owns "part maps": contiguous address ranges, each made of one or
 * more pmem2 maps ("parts") lying back to back in one pmem2 virtual memory
 * reservation. A part map holds an array of exactly its own parts, so
 * removing parts never touches a neighbouring part map even when several
 * part maps share one reservation. Part maps are kept in an interval tree
 * (src/core/itree.h) for O(log n) lookup by address.
 *
 * Locking: the set's rwlock guards its tree, the part arrays, the
 * leftovers and the "previous part" used for coalescing (taken through
 * lock.h); a deep flush looks parts up under it and flushes without it,
 * and a removal waits for such flushes before it unmaps (memops.c); part-map
 * reference counts are atomic. A source has a mutex for its SDS record and
 * file growth; the record of its file (file.h), shared with the other
 * sources of the file, one for what is mapped of the file. Lock order: set
 * lock, source mutex, file mutex.
 */
#ifndef PMEMSET_INTERNAL_H
#define PMEMSET_INTERNAL_H

/* the library defines the real functions; no call-shape macros inside */
#define PMEMSET_NO_CALL_SHAPES 1

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libpmem2.h>
#include <libpmemset.h>

#include "core/itree.h"
#include "file.h"

#define PMEMSET_ALL_STATES                                                     \
	((uint64_t)(PMEMSET_PART_STATE_INDETERMINATE | PMEMSET_PART_STATE_OK | \
		    PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN |                   \
		    PMEMSET_PART_STATE_OK_BUT_INTERRUPTED |                    \
		    PMEMSET_PART_STATE_CORRUPTED))

struct pmemset_config {
	enum pmem2_granularity granularity;
	bool granularity_set;
	struct pmem2_vm_reservation *rsv;
	uint64_t acceptable_states;
	pmemset_event_callback *callback;
	void *arg;
};

struct pmemset_map_config {
	size_t offset;
	size_t length;
	struct pmemset *set; /* older shape: the set the config is for */
};

enum pmemset_source_type {
	PMEMSET_SOURCE_PMEM2 = 1, /* caller's pmem2_source, never grown */
	PMEMSET_SOURCE_FILE,	  /* a file we opened */
	PMEMSET_SOURCE_TEMP,	  /* an unnamed temporary file we made */
};

struct pmemset_source {
	enum pmemset_source_type type;
	struct pmem2_source *pmem2; /* owned unless type == PMEM2 */
	int fd;			    /* owned, -1 if none */
	bool grow;		    /* may be extended to fit a part */
	bool bb_detection;
	unsigned long refs; /* the caller's handle + mapped parts, atomic */
	struct pmemset_file *file; /* what is known of the file (file.h) */
	pthread_mutex_t lock;
	/* under lock: */
	bool has_sds;
	struct pmemset_sds sds;
	enum pmemset_part_state *state_ptr;
};

/* A reservation parts are placed in: the set's (from the config, never
 * resized or deleted by us) or one we made for a part map. */
struct pmemset_rsv {
	struct pmem2_vm_reservation *rsv;
	bool owned;
	size_t nparts; /* our parts inside it */
};

struct pmemset_part_entry {
	struct pmem2_map *map;
	struct pmemset_source *src; /* holds a source reference */
	void *addr;
	size_t size;
	bool sds; /* counted in src->sds.refcount */
};

struct pmemset_part_map {
	struct itree_node node; /* [first part addr, last part end) */
	struct pmemset *set;
	struct pmemset_rsv *rsv;
	struct pmemset_part_entry *parts; /* sorted, back to back */
	size_t nparts, cap;
	unsigned long refcount; /* atomic */
	bool in_tree;
	/* a leftover (see struct pmemset), on set->leftovers */
	bool leftover;
	struct pmemset_part_map *next_leftover;
};

/* The part object of libpmemset's 2021 drafts (pmemset_part_new +
 * pmemset_part_map): what to map, before it is mapped. */
struct pmemset_part {
	struct pmemset *set;
	struct pmemset_source *src; /* holds a source reference */
	size_t offset;
	size_t length;
};

struct pmemset {
	struct pmemset_config cfg;
	struct pmemset_rsv user_rsv; /* valid if cfg.rsv */
	pthread_rwlock_t lock;
	/* pmemset_deep_flush calls in progress outside the lock, on pmem2
	 * maps they looked up under it: unmapping a part waits for them
	 * (memops.c) */
	pthread_mutex_t flush_mtx;
	pthread_cond_t flush_done;
	unsigned long flushing; /* under flush_mtx */
	struct itree pmaps;
	struct pmemset_part_map *previous; /* coalescing target */
	/*
	 * Leftovers: part maps out of the tree (nothing in them can be used
	 * any more) that still hold what libpmem2 could not release -- the
	 * part of a failed map (in parts[0], in rsv), or a reservation of
	 * ours emptied by a removal or a failed map (rsv, nparts 0) -- so
	 * that the set still describes everything it has mapped. Removals
	 * over their range and pmemset_delete retry them (remove.c).
	 */
	struct pmemset_part_map *leftovers;
	size_t rsv_hint; /* user reservation: everything below was full */
	int coalescing;	 /* atomic */
	/* fixed by the first part, then read without the lock */
	int gran_valid; /* atomic: 0 until the functions are published */
	enum pmem2_granularity granularity;
	pmem2_persist_fn persist_fn;
	pmem2_flush_fn flush_fn;
	pmem2_drain_fn drain_fn;
	pmem2_memmove_fn memmove_fn;
	pmem2_memcpy_fn memcpy_fn;
	pmem2_memset_fn memset_fn;
};

/* ---- source.c ---- */
void pmemset_source_get(struct pmemset_source *src);
void pmemset_source_put(struct pmemset_source *src);
/* A growth of the source by one map, to be undone if the map fails. */
struct pmemset_growth {
	size_t old_size, new_size; /* equal: not grown */
	unsigned long epoch;	   /* the file's size_epoch right after */
};
/* Make the source at least `size` bytes long (under its file's lock), with
 * real block allocation where the file system supports it; *g says what
 * was done. */
int pmemset_source_ensure_size(struct pmemset_source *src, size_t size,
			       struct pmemset_growth *g);
/* After a failed map: give back what *g grew, unless another map of the
 * file (any source) asked for a size since (it may rely on it) or the size
 * changed. */
void pmemset_source_undo_growth(struct pmemset_source *src,
				const struct pmemset_growth *g);

/* ---- sds.c ---- */
/*
 * The state machine, on plain values (unit-tested on its own): given the
 * stored record, the current device id and USC, and whether this process
 * has parts of the source's file mapped (through any source), compute the
 * state and update *rec the way a map of the source would (id/usc refreshed
 * when that is safe).
 */
enum pmemset_part_state pmemset_sds_classify(struct pmemset_sds *rec,
					     const char *cur_id,
					     uint64_t cur_usc,
					     bool mapped_here);
/* What the check before a map found, for the commit after it. */
struct pmemset_sds_ticket {
	bool checked; /* the source had a record and its state is accepted */
	char id[PMEMSET_SDS_DEVICE_ID_LEN + 1]; /* the device, as read */
	uint64_t usc;
};
/*
 * Before a map, changing nothing: if the source has a shutdown-state
 * record, read the device id and USC, classify (*state) and check the
 * state against the set's acceptable states. *state is INDETERMINATE
 * without a record.
 */
int pmemset_sds_check(struct pmemset *set, struct pmemset_source *src,
		      enum pmemset_part_state *state,
		      struct pmemset_sds_ticket *t);
/*
 * After a successful map (cannot fail): count it in what is mapped of the
 * file and, if the check accepted a record that is still attached, in the
 * record (re-based first when nothing of the file was mapped). Returns
 * whether the record counts the mapping.
 */
bool pmemset_sds_register(struct pmemset_source *src,
			  const struct pmemset_sds_ticket *t);
/* After an unmap: refcount - 1 (if sds), what is mapped of the file - 1. */
void pmemset_sds_unregister(struct pmemset_source *src, bool sds);

/* ---- badblock.c ---- */
/*
 * Before a map, if the source has bad-block detection on: report each bad
 * block (PMEMSET_EVENT_BADBLOCK), scan again, and fail with
 * PMEMSET_E_IO_FAIL if any is left, or fire
 * PMEMSET_EVENT_BADBLOCKS_CLEARED, whose non-zero result is returned.
 */
int pmemset_badblock_detect(struct pmemset *set, struct pmemset_source *src);

/* ---- memops.c ---- */
/* Deep-flush the bytes of parts [i, j) of p that lie in [lo, hi) (lock
 * held). A part of anonymous memory has nothing to flush to: skipped. */
int pmemset_deep_flush_parts(struct pmemset_part_map *p, size_t i, size_t j,
			     uintptr_t lo, uintptr_t hi);
/* Under the set's write lock, before a part's pmem2 map is deleted: wait
 * until no pmemset_deep_flush is using the set's maps any more (none can
 * start while the write lock is held). */
void pmemset_deep_flushes_wait(struct pmemset *set);

/* ---- errormsg.c ---- */
/* Message "<what>: libpmem2 error <code>: <pmem2_errormsg()>" */
void pmemset_err_pmem2(int pmem2_code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
