/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmemset_log.c -- a persistent append-only log spread over several files
 * that the program sees as one contiguous range, built with libpmemset's
 * public API.
 *
 *   example_pmemset_log [DIR]
 *
 * The files DIR/pmemset-log.0 .. .2 (created and grown as needed) are
 * mapped back to back into one address-space reservation with coalescing
 * FULL, so they form a single part map; log records are appended across
 * the file boundaries as if it were one buffer. Each record is copied and
 * made durable first, then the header's "used" counter is persisted: a
 * crash leaves either the old or the new log, never a torn record.
 * Without DIR a temporary directory is used and removed at the end; with
 * DIR the files stay, and every run shows the records of earlier runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpmem2.h>
#include <libpmemset.h>

#define NFILES 3
#define FILE_LEN ((size_t)64 << 10)
#define LOG_MAGIC 0x474f4c5445534d50ULL /* "PMSETLOG" */

struct log_header {
	uint64_t magic;
	uint64_t used; /* bytes of records after the header */
};

struct record {
	uint32_t len; /* of data[] */
	char data[];
};

/* bytes a record takes in the log: padded so the next one is aligned */
static size_t record_size(uint32_t len)
{
	size_t a = _Alignof(struct record);
	return (sizeof(struct record) + len + a - 1) / a * a;
}

static int part_adds, persists;

static int on_event(struct pmemset *set, struct pmemset_event_context *ctx,
		    void *arg)
{
	(void)set;
	(void)arg;
	if (ctx->type == PMEMSET_EVENT_PART_ADD) {
		part_adds++;
		printf("  part added at %p, %zu bytes\n",
		       ctx->data.part_add.addr, ctx->data.part_add.len);
	} else if (ctx->type == PMEMSET_EVENT_FLUSH) {
		persists++; /* pmemset_persist: FLUSH, then DRAIN */
	}
	return 0;
}

static void die(const char *what, int ret)
{
	fprintf(stderr, "%s failed (%d): %s\n", what, ret, pmemset_errormsg());
	exit(1);
}

/* Append one record; returns 0, or -1 when the log is full. */
static int log_append(struct pmemset *set, char *base, size_t cap,
		      const char *text)
{
	struct log_header *h = (struct log_header *)base;
	size_t len = strlen(text) + 1;
	size_t need = record_size((uint32_t)len);
	if (sizeof(*h) + h->used + need > cap)
		return -1;
	char *at = base + sizeof(*h) + h->used;
	uint32_t l32 = (uint32_t)len;
	/* the record first (no drain between the two copies) ... */
	pmemset_memcpy(set, at, &l32, sizeof(l32), PMEMSET_F_MEM_NODRAIN);
	pmemset_memcpy(set, at + sizeof(l32), (void *)text, len, 0);
	/* ... then the counter that makes it part of the log */
	h->used += need;
	pmemset_persist(set, &h->used, sizeof(h->used));
	return 0;
}

static void log_print(const char *base)
{
	const struct log_header *h = (const struct log_header *)base;
	size_t off = 0, n = 0;
	while (off < h->used) {
		const struct record *r =
			(const struct record *)(base + sizeof(*h) + off);
		if (n < 3) /* the first few */
			printf("  [%zu] @%zu: %.50s...\n", n, off, r->data);
		n++;
		off += record_size(r->len);
	}
	printf("  %zu record(s), %llu bytes used\n", n,
	       (unsigned long long)h->used);
}

int main(int argc, char *argv[])
{
	char tmpdir[] = "/tmp/pmemset-log.XXXXXX";
	const char *dir = argc > 1 ? argv[1] : NULL;
	if (!dir) {
		const char *t = getenv("TMPDIR");
		if (t && *t) {
			static char buf[4096];
			snprintf(buf, sizeof(buf), "%s/pmemset-log.XXXXXX", t);
			dir = mkdtemp(buf);
		} else {
			dir = mkdtemp(tmpdir);
		}
		if (!dir) {
			perror("mkdtemp");
			return 1;
		}
	}

	/* one reservation for the whole log, so the files land back to back */
	struct pmem2_vm_reservation *rsv;
	int ret = pmem2_vm_reservation_new(&rsv, NULL, NFILES * FILE_LEN);
	if (ret) {
		fprintf(stderr, "reservation: %s\n", pmem2_errormsg());
		return 1;
	}

	struct pmemset_config *cfg;
	struct pmemset *set;
	if ((ret = pmemset_config_new(&cfg)))
		die("pmemset_config_new", ret);
	/* PAGE: works on any file system (DAX or not) */
	if ((ret = pmemset_config_set_required_store_granularity(
		     cfg, PMEM2_GRANULARITY_PAGE)))
		die("set granularity", ret);
	pmemset_config_set_reservation(cfg, rsv);
	pmemset_config_set_event_callback(cfg, on_event, NULL);
	if ((ret = pmemset_new(&set, cfg)))
		die("pmemset_new", ret);
	pmemset_config_delete(&cfg);
	if ((ret = pmemset_set_contiguous_part_coalescing(
		     set, PMEMSET_COALESCING_FULL)))
		die("coalescing", ret);

	struct pmemset_map_config *mc;
	if ((ret = pmemset_map_config_new(&mc)))
		die("pmemset_map_config_new", ret);
	pmemset_map_config_set_length(mc, FILE_LEN);

	printf("mapping %d files of %zu KiB from %s as one range:\n", NFILES,
	       FILE_LEN >> 10, dir);
	struct pmemset_source *src[NFILES];
	char path[NFILES][4200];
	struct pmemset_part_descriptor desc = {NULL, 0};
	for (int i = 0; i < NFILES; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/pmemset-log.%d", dir, i);
		ret = pmemset_xsource_from_file(
			&src[i], path[i],
			PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED |
				PMEMSET_SOURCE_FILE_CREATE_MODE(
					PMEMSET_SOURCE_FILE_RWU_MODE));
		if (ret)
			die("pmemset_xsource_from_file", ret);
		if ((ret = pmemset_map(set, src[i], mc, &desc)))
			die("pmemset_map", ret);
	}
	pmemset_map_config_delete(&mc);

	/* one part map covers all the files */
	struct pmemset_part_map *pm;
	pmemset_first_part_map(set, &pm);
	struct pmemset_part_descriptor whole = pmemset_descriptor_part_map(pm);
	pmemset_part_map_drop(&pm);
	printf("one part map: %p, %zu KiB (%d parts)\n", whole.addr,
	       whole.size >> 10, part_adds);
	if (whole.size != NFILES * FILE_LEN) {
		fprintf(stderr, "the files did not form one range\n");
		return 1;
	}

	char *base = whole.addr;
	struct log_header *h = (struct log_header *)base;
	if (h->magic != LOG_MAGIC) {
		printf("new log\n");
		pmemset_memset(set, base, 0, sizeof(*h), 0);
		uint64_t magic = LOG_MAGIC;
		pmemset_memcpy(set, &h->magic, &magic, sizeof(magic), 0);
	} else {
		printf("existing log:\n");
		log_print(base);
	}

	/* append records until one crosses into the next file */
	char text[256];
	int added = 0;
	size_t last = 0;
	size_t crossing = FILE_LEN - sizeof(*h);
	while (h->used <= crossing || added < 3) {
		snprintf(text, sizeof(text),
			 "record %d of pid %d, written at %ld; padding to "
			 "reach the next file quickly: %0120d",
			 added, (int)getpid(), (long)time(NULL), 0);
		size_t at = h->used;
		if (log_append(set, base, whole.size, text)) {
			printf("log full: starting over\n");
			h->used = 0;
			pmemset_persist(set, &h->used, sizeof(h->used));
			continue;
		}
		added++;
		last = at;
		if (h->used > 2 * FILE_LEN) /* enough for a demo */
			break;
	}
	printf("appended %d records; the log now spans %s\n", added,
	       h->used + sizeof(*h) > FILE_LEN ? "more than one file"
					       : "one file");
	const struct record *r0 = (const struct record *)(base + sizeof(*h));
	const struct record *rl =
		(const struct record *)(base + sizeof(*h) + last);
	printf("first record (file 0): %.40s...\n", r0->data);
	size_t from = sizeof(*h) + last, to = from + sizeof(*rl) + rl->len - 1;
	printf("last record, bytes %zu..%zu (files %zu..%zu): %.40s...\n", from,
	       to, from / FILE_LEN, to / FILE_LEN, rl->data);
	printf("%llu bytes used, %d persist calls\n",
	       (unsigned long long)h->used, persists);

	if ((ret = pmemset_delete(&set)))
		die("pmemset_delete", ret);
	for (int i = 0; i < NFILES; i++)
		pmemset_source_delete(&src[i]);
	pmem2_vm_reservation_delete(&rsv);

	if (argc > 1) {
		printf("the log stays in %s/pmemset-log.*; run again to "
		       "see it\n",
		       dir);
	} else {
		for (int i = 0; i < NFILES; i++)
			unlink(path[i]);
		rmdir(dir);
		printf("removed the temporary directory %s\n", dir);
	}
	return 0;
}
