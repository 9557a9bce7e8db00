/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmemset_test.h -- helpers shared by the libpmemset tests: sets with a
 * given granularity, file and anonymous sources, and an event recorder.
 * Header-only (static functions) so each test stays one program.
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

#include "test.h"

#define KB4 ((size_t)4096)

/*
 * Sanitizers map their own memory as the program runs, so the number of
 * lines in /proc/self/maps says nothing about leaks there (ASan checks
 * memory, the plain build checks mappings).
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TEST_SANITIZED 1
#endif
#endif
#ifndef TEST_SANITIZED
#define TEST_SANITIZED 0
#endif
/* Valgrind places and merges mappings its own way, too. */
static inline int maps_meaningful(void)
{
	const char *pre = getenv("LD_PRELOAD");
	return !TEST_SANITIZED && !(pre && strstr(pre, "vgpreload"));
}
#define CHECK_MAPS(before)                                                     \
	do {                                                                   \
		if (maps_meaningful())                                         \
			CHECK_EQ(test_count_maps(), (before));                 \
	} while (0)

static inline const char *tmpdir(void)
{
	const char *d = getenv("TMPDIR");
	return d && *d ? d : "/tmp";
}

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

/* A path for a new file in TMPDIR (not created). */
static inline void tmppath(char *buf, size_t len, const char *tag)
{
	static int seq;
	snprintf(buf, len, "%s/pmemset-%s-%d-%d", tmpdir(), tag, (int)getpid(),
		 seq++);
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

static inline off_t file_size(const char *path)
{
	struct stat st;
	if (stat(path, &st))
		return -1;
	return st.st_size;
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
