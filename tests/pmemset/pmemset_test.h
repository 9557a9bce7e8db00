/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmemset_test.h -- helpers shared by the libpmemset tests: sets with a
 * given granularity, file and anonymous sources, and an event recorder.
 * What any test needs (temporary paths, counts of descriptors and mappings)
 * is in tests/common (test.h, procmaps.h); this header holds only what
 * speaks libpmemset. Header-only (static functions) so each test stays one
 * program.
 */
#ifndef PMEMSET_TEST_H
#define PMEMSET_TEST_H

#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpmem2.h>
#include <libpmemset.h>

#include "procmaps.h"
#include "test.h"

#define KB4 ((size_t)4096)

/*
 * A set whose parts must have at most granularity g (NULL rsv: none) and,
 * when states is not 0, with those acceptable part states (SDS).
 */
static inline struct pmemset *mkset_states(enum pmem2_granularity g,
					   struct pmem2_vm_reservation *rsv,
					   uint64_t states,
					   pmemset_event_callback *cb,
					   void *arg)
{
	struct pmemset_config *cfg = NULL;
	struct pmemset *set = NULL;
	if (pmemset_config_new(&cfg) ||
	    pmemset_config_set_required_store_granularity(cfg, g) ||
	    (states && pmemset_config_set_acceptable_states(cfg, states))) {
		printf("cannot make a config: %s\n", pmemset_errormsg());
		exit(2);
	}
	pmemset_config_set_reservation(cfg, rsv);
	pmemset_config_set_event_callback(cfg, cb, arg);
	int r = pmemset_new(&set, cfg);
	if (r) {
		printf("pmemset_new: %d %s\n", r, pmemset_errormsg());
		exit(2);
	}
	pmemset_config_delete(&cfg);
	return set;
}

static inline struct pmemset *mkset(enum pmem2_granularity g,
				    struct pmem2_vm_reservation *rsv,
				    pmemset_event_callback *cb, void *arg)
{
	return mkset_states(g, rsv, 0, cb, arg);
}

/* An anonymous pmem2 source of size bytes wrapped in a pmemset source;
 * *p2 receives the pmem2 source (the caller deletes both). */
static inline struct pmemset_source *anon_source(size_t size,
						 struct pmem2_source **p2)
{
	struct pmemset_source *src = NULL;
	if (pmem2_source_from_anon(p2, size) ||
	    pmemset_source_from_pmem2(&src, *p2)) {
		printf("cannot make an anonymous source\n");
		exit(2);
	}
	return src;
}

/* A file of size bytes (kept on disk: the caller unlinks) as a source. */
static inline struct pmemset_source *file_source(char *path, size_t len,
						 size_t size, uint64_t flags)
{
	struct pmemset_source *src = NULL;
	tmppath(path, len, "file");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		perror(path);
		exit(2);
	}
	close(fd);
	int r = pmemset_xsource_from_file(&src, path, flags);
	if (r) {
		printf("pmemset_xsource_from_file(%s): %d %s\n", path, r,
		       pmemset_errormsg());
		exit(2);
	}
	return src;
}

/* ---- event recorder ---- */

#define REC_MAX 256
struct recorder {
	int n;
	struct pmemset_event_context ev[REC_MAX];
	int count[PMEMSET_EVENT_BADBLOCKS_CLEARED + 1];
	struct pmemset_sds last_sds; /* copy of the last SDS_UPDATE payload */
	int ret;		     /* what the callback returns */
};

static inline int record_cb(struct pmemset *set,
			    struct pmemset_event_context *ctx, void *arg)
{
	(void)set;
	struct recorder *r = arg;
	if (r->n < REC_MAX)
		r->ev[r->n] = *ctx;
	r->n++;
	if ((unsigned)ctx->type <= PMEMSET_EVENT_BADBLOCKS_CLEARED)
		r->count[ctx->type]++;
	if (ctx->type == PMEMSET_EVENT_SDS_UPDATE)
		r->last_sds = *ctx->data.sds_update.sds;
	return r->ret;
}

static inline void rec_reset(struct recorder *r)
{
	int ret = r->ret;
	memset(r, 0, sizeof(*r));
	r->ret = ret;
}

#endif
