/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sds.c -- unsafe shutdown detection, white-box: the state machine on
 * its own (every row of the table), then through pmemset_map with the
 * device id and unsafe shutdown count supplied by this program (it defines
 * pmem2_source_device_id/_usc itself, which the static libpmemset archive
 * then calls instead of libpmem2's): states and acceptable states, the
 * record's refcount over maps and unmaps (also when the source handle was
 * deleted first), SDS_UPDATE payloads, a failed map leaving the record
 * as it was, the old extras, and the errors
 * SDS_NOSUPP, SDS_DEVICE_ID_LEN_TOO_BIG and UNDESIRABLE_PART_STATE; and
 * "already mapped here" counted per file, over several sources of it.
 */
#include <stdint.h>

#include "../pmemset_test.h"
#include "pmemset/pmemset_internal.h"

/* ---- the device as this test wants it ---- */

static char dev_id[1024] = "dimm-A";
static uint64_t dev_usc = 5;
static int dev_ret; /* non-zero: both calls fail with it */

int pmem2_source_device_id(const struct pmem2_source *src, char *id,
			   size_t *len)
{
	(void)src;
	if (dev_ret)
		return dev_ret;
	size_t need = strlen(dev_id) + 1;
	if (!id) {
		*len = need;
		return 0;
	}
	if (*len < need)
		return PMEM2_E_BUFFER_TOO_SMALL;
	memcpy(id, dev_id, need);
	return 0;
}

int pmem2_source_device_usc(const struct pmem2_source *src, uint64_t *usc)
{
	(void)src;
	if (dev_ret)
		return dev_ret;
	*usc = dev_usc;
	return 0;
}

/* ---- the state machine alone ---- */

struct row {
	const char *rec_id;
	uint64_t rec_usc;
	int refcount;
	bool mapped_here;
	const char *cur_id;
	uint64_t cur_usc;
	enum pmemset_part_state want;
	const char *want_id; /* record afterwards */
	uint64_t want_usc;
};

TEST(classify_table)
{
	static const struct row rows[] = {
		/* clean, same device */
		{"A", 5, 0, false, "A", 5, PMEMSET_PART_STATE_OK, "A", 5},
		/* fresh record: the device is adopted */
		{"", 0, 0, false, "A", 5, PMEMSET_PART_STATE_OK, "A", 5},
		/* USC moved with nothing live: silent refresh */
		{"A", 5, 0, false, "A", 7, PMEMSET_PART_STATE_OK, "A", 7},
		/* live mappings elsewhere in this process */
		{"A", 5, 1, true, "A", 5,
		 PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN, "A", 5},
		/* left live by a process that is gone */
		{"A", 5, 2, false, "A", 5,
		 PMEMSET_PART_STATE_OK_BUT_INTERRUPTED, "A", 5},
		/* ... and the device had an unsafe shutdown */
		{"A", 5, 1, false, "A", 6, PMEMSET_PART_STATE_CORRUPTED, "A",
		 5},
		{"A", 5, 1, true, "A", 6, PMEMSET_PART_STATE_CORRUPTED, "A", 5},
		/* another device: adopted when nothing was live */
		{"A", 5, 0, false, "B", 1, PMEMSET_PART_STATE_OK, "B", 1},
		/* ... indeterminate when something was */
		{"A", 5, 1, false, "B", 1, PMEMSET_PART_STATE_INDETERMINATE,
		 "A", 5},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct pmemset_sds rec = PMEMSET_SDS_INITIALIZE();
		strcpy(rec.id, r->rec_id);
		rec.usc = r->rec_usc;
		rec.refcount = r->refcount;
		enum pmemset_part_state st = pmemset_sds_classify(
			&rec, r->cur_id, r->cur_usc, r->mapped_here);
		CHECK(st == r->want, "row %zu: state %d, want %d", i, st,
		      r->want);
		CHECK(strcmp(rec.id, r->want_id) == 0 &&
			      rec.usc == r->want_usc &&
			      rec.refcount == r->refcount,
		      "row %zu: record %s/%llu/%d", i, rec.id,
		      (unsigned long long)rec.usc, rec.refcount);
	}
}

/* ---- through the map path ---- */

static struct recorder rec;
static struct pmem2_source *p2;

static struct pmemset *sds_set(uint64_t acceptable)
{
	return mkset_states(PMEM2_GRANULARITY_PAGE, NULL, acceptable,
			    record_cb, &rec);
}

static struct pmemset_source *sds_source(const char *id, uint64_t usc,
					 int refcount,
					 enum pmemset_part_state *state)
{
	struct pmemset_source *src = NULL;
	pmemset_source_from_pmem2(&src, p2);
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	strcpy(sds.id, id);
	sds.usc = usc;
	sds.refcount = refcount;
	CHECK_RC(pmemset_source_set_sds(src, &sds, state), 0);
	return src;
}

TEST(map_unmap_refcount)
{
	enum pmemset_part_state state = 0;
	strcpy(dev_id, "dimm-A");
	dev_usc = 5;
	struct pmemset *set = sds_set(0);
	struct pmemset_source *src = sds_source("", 0, 0, &state);
	struct pmemset_part_descriptor d1, d2;

	rec_reset(&rec);
	CHECK_RC(pmemset_map(set, src, NULL, &d1), 0);
	CHECK_EQ(state, PMEMSET_PART_STATE_OK);
	CHECK_EQ(rec.count[PMEMSET_EVENT_SDS_UPDATE], 1);
	CHECK_EQ(rec.ev[rec.n - 1].type, PMEMSET_EVENT_SDS_UPDATE); /* last */
	CHECK(strcmp(rec.last_sds.id, "dimm-A") == 0 && rec.last_sds.usc == 5 &&
		      rec.last_sds.refcount == 1,
	      "record after map: %s/%llu/%d", rec.last_sds.id,
	      (unsigned long long)rec.last_sds.usc, rec.last_sds.refcount);
	CHECK(rec.ev[rec.n - 1].data.sds_update.src == src, "event source");

	/* a second part of the same source: already open (accepted by
	 * default) */
	rec_reset(&rec);
	CHECK_RC(pmemset_map(set, src, NULL, &d2), 0);
	CHECK_EQ(state, PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN);
	CHECK_EQ(rec.last_sds.refcount, 2);

	/* unmapping counts down, with an event per part */
	rec_reset(&rec);
	CHECK_RC(pmemset_remove_range(set, d1.addr, 1), 0);
	CHECK_EQ(rec.count[PMEMSET_EVENT_SDS_UPDATE], 1);
	CHECK_EQ(rec.last_sds.refcount, 1);

	/* the handle may go first: the record lives while parts do */
	CHECK_RC(pmemset_source_delete(&src), 0);
	rec_reset(&rec);
	CHECK_RC(pmemset_delete(&set), 0);
	CHECK_EQ(rec.count[PMEMSET_EVENT_SDS_UPDATE], 1);
	CHECK_EQ(rec.last_sds.refcount, 0);
}

TEST(crash_states)
{
	enum pmemset_part_state state = 0;
	strcpy(dev_id, "dimm-A");
	dev_usc = 5;

	/* a crash left refcount 1: interrupted, not accepted by default */
	struct pmemset *set = sds_set(0);
	struct pmemset_source *src = sds_source("dimm-A", 5, 1, &state);
	rec_reset(&rec);
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_UNDESIRABLE_PART_STATE);
	CHECK_EQ(state, PMEMSET_PART_STATE_OK_BUT_INTERRUPTED);
	CHECK(strstr(pmemset_errormsg(), "OK_BUT_INTERRUPTED") != NULL,
	      "message: %s", pmemset_errormsg());
	CHECK_EQ(rec.n, 0);
	pmemset_delete(&set);

	/* accepted: the episode closes, counting starts again at 1 */
	set = sds_set(PMEMSET_PART_STATE_OK |
		      PMEMSET_PART_STATE_OK_BUT_INTERRUPTED);
	rec_reset(&rec);
	CHECK_RC(pmemset_map(set, src, NULL, NULL), 0);
	CHECK_EQ(state, PMEMSET_PART_STATE_OK_BUT_INTERRUPTED);
	CHECK_EQ(rec.last_sds.refcount, 1);
	pmemset_delete(&set);
	CHECK_EQ(rec.last_sds.refcount, 0);
	/* ... and the next start is clean */
	set = sds_set(0);
	CHECK_RC(pmemset_map(set, src, NULL, NULL), 0);
	CHECK_EQ(state, PMEMSET_PART_STATE_OK);
	pmemset_delete(&set);
	pmemset_source_delete(&src);

	/* crash plus an unsafe shutdown: corrupted */
	dev_usc = 6;
	set = sds_set(0);
	src = sds_source("dimm-A", 5, 1, &state);
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_UNDESIRABLE_PART_STATE);
	CHECK_EQ(state, PMEMSET_PART_STATE_CORRUPTED);
	pmemset_source_delete(&src);

	/* unsafe shutdown while nothing was mapped: fine, USC refreshed */
	src = sds_source("dimm-A", 5, 0, &state);
	rec_reset(&rec);
	CHECK_RC(pmemset_map(set, src, NULL, NULL), 0);
	CHECK_EQ(state, PMEMSET_PART_STATE_OK);
	CHECK_EQ(rec.last_sds.usc, 6);
	pmemset_source_delete(&src);

	/* moved to another device while live: indeterminate */
	strcpy(dev_id, "dimm-B");
	src = sds_source("dimm-A", 5, 1, &state);
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_UNDESIRABLE_PART_STATE);
	CHECK_EQ(state, PMEMSET_PART_STATE_INDETERMINATE);
	pmemset_source_delete(&src);
	pmemset_delete(&set);
	strcpy(dev_id, "dimm-A");
	dev_usc = 5;
}

/* A map that fails after the check changes nothing in the record: the
 * retry still sees the crash, and a record from extras is taken back. */
TEST(failed_map_keeps_record)
{
	enum pmemset_part_state state = 0;
	strcpy(dev_id, "dimm-A");
	dev_usc = 5;
	struct pmemset *set = sds_set(PMEMSET_PART_STATE_OK |
				      PMEMSET_PART_STATE_OK_BUT_INTERRUPTED);
	struct pmemset_source *src = sds_source("dimm-A", 5, 1, &state);
	struct pmemset_map_config *mc;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_length(mc, 2 * KB4); /* the source has 1 page */
	rec_reset(&rec);
	CHECK_RC(pmemset_map(set, src, mc, NULL),
		 PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL);
	CHECK_EQ(state, PMEMSET_PART_STATE_OK_BUT_INTERRUPTED);
	CHECK_EQ(rec.n, 0);
	state = 0;
	CHECK_RC(pmemset_map(set, src, NULL, NULL), 0);
	CHECK_EQ(state, PMEMSET_PART_STATE_OK_BUT_INTERRUPTED);
	CHECK_EQ(rec.last_sds.refcount, 1);
	pmemset_delete(&set);
	CHECK_EQ(rec.last_sds.refcount, 0);
	pmemset_source_delete(&src);

	/* extras->sds_in: detached again when the map fails */
	set = sds_set(0);
	pmemset_source_from_pmem2(&src, p2);
	struct pmemset_part_shutdown_state_data in = {{0}, 0, 0};
	strcpy(in.id, "dimm-A");
	in.usc = 5;
	in.refcount = 1;
	struct pmemset_extras ex = {&in, NULL, &state};
	struct pmemset_part *part;
	pmemset_part_new(&part, set, src, 0, 2 * KB4);
	CHECK_RC(pmemset_part_map(&part, &ex, NULL),
		 PMEMSET_E_UNDESIRABLE_PART_STATE);
	CHECK_EQ(state, PMEMSET_PART_STATE_OK_BUT_INTERRUPTED);
	in.refcount = 0;
	CHECK_RC(pmemset_part_map(&part, &ex, NULL),
		 PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL);
	CHECK_EQ(state, PMEMSET_PART_STATE_OK);
	pmemset_part_delete(&part);
	pmemset_part_new(&part, set, src, 0, KB4);
	rec_reset(&rec);
	CHECK_RC(pmemset_part_map(&part, &ex, NULL), 0);
	CHECK_EQ(rec.last_sds.refcount, 1);
	pmemset_map_config_delete(&mc);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
}

TEST(errors_and_extras)
{
	enum pmemset_part_state state = 0;
	struct pmemset *set = sds_set(0);

	dev_ret = PMEM2_E_NOSUPP;
	struct pmemset_source *src = sds_source("", 0, 0, &state);
	CHECK_RC(pmemset_map(set, src, NULL, NULL), PMEMSET_E_SDS_NOSUPP);
	dev_ret = PMEM2_E_INVALID_DEV_FORMAT; /* other errors pass through */
	CHECK_RC(pmemset_map(set, src, NULL, NULL), PMEM2_E_INVALID_DEV_FORMAT);
	dev_ret = 0;
	memset(dev_id, 'x', 513);
	dev_id[513] = '\0';
	CHECK_RC(pmemset_map(set, src, NULL, NULL),
		 PMEMSET_E_SDS_DEVICE_ID_LEN_TOO_BIG);
	dev_id[512] = '\0'; /* exactly 512 fits */
	CHECK_RC(pmemset_map(set, src, NULL, NULL), 0);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	strcpy(dev_id, "dimm-A");

	/* the old extras: a record in, the record out, the state */
	set = sds_set(0);
	pmemset_source_from_pmem2(&src, p2);
	struct pmemset_part_shutdown_state_data in = {{0}, 0, 0}, out;
	memset(&out, 0, sizeof(out));
	struct pmemset_extras ex = {&in, &out, &state};
	struct pmemset_part *part;
	pmemset_part_new(&part, set, src, 0, 0);
	CHECK_RC(pmemset_part_map(&part, &ex, NULL), 0);
	CHECK_EQ(state, PMEMSET_PART_STATE_OK);
	CHECK(strcmp(out.id, "dimm-A") == 0 && out.usc == 5 &&
		      out.refcount == 1,
	      "sds_out: %s/%llu/%d", out.id, (unsigned long long)out.usc,
	      out.refcount);
	/* the record stays with the source: later maps use it */
	ex.sds_in = NULL;
	pmemset_part_new(&part, set, src, 0, 0);
	CHECK_RC(pmemset_part_map(&part, &ex, NULL), 0);
	CHECK_EQ(state, PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN);
	CHECK_EQ(out.refcount, 2);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
}

/*
 * Two sources of one file in one process, both given the stored record
 * while the first is mapped: the second map sees the file already open
 * (counted per file, not per source object), the record counts both
 * mappings, and once nothing of the file is mapped a leftover refcount is
 * a crash again. The same through a pmem2 source of the file.
 */
TEST(two_sources_one_file)
{
	enum pmemset_part_state sa = 0, sb = 0, sc = 0;
	strcpy(dev_id, "dimm-A");
	dev_usc = 5;
	char path[256];
	struct pmemset_source *a = file_source(path, sizeof(path), KB4, 0);
	struct pmemset_source *b, *c;
	CHECK_RC(pmemset_source_from_file(&b, path), 0);
	struct pmemset_sds stored = PMEMSET_SDS_INITIALIZE();
	CHECK_RC(pmemset_source_set_sds(a, &stored, &sa), 0);
	struct pmemset *set = sds_set(0); /* OK | OK_BUT_ALREADY_OPEN */
	rec_reset(&rec);
	CHECK_RC(pmemset_map(set, a, NULL, NULL), 0);
	CHECK_EQ(sa, PMEMSET_PART_STATE_OK);
	stored = rec.last_sds; /* what the application stores */
	CHECK_EQ(stored.refcount, 1);

	CHECK_RC(pmemset_source_set_sds(b, &stored, &sb), 0);
	CHECK_RC(pmemset_map(set, b, NULL, NULL), 0);
	CHECK_EQ(sb, PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN);
	CHECK_EQ(rec.last_sds.refcount, 2); /* not re-based: both count */

	/* a pmem2 source of the same file, in another set */
	int fd = open(path, O_RDWR);
	struct pmem2_source *fp2;
	CHECK_RC(pmem2_source_from_fd(&fp2, fd), 0);
	CHECK_RC(pmemset_source_from_pmem2(&c, fp2), 0);
	stored = rec.last_sds;
	CHECK_RC(pmemset_source_set_sds(c, &stored, &sc), 0);
	struct pmemset *set2 = sds_set(0);
	CHECK_RC(pmemset_map(set2, c, NULL, NULL), 0);
	CHECK_EQ(sc, PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN);
	CHECK_EQ(rec.last_sds.refcount, 3);

	/* nothing of the file mapped any more: refcount > 0 is a crash */
	CHECK_RC(pmemset_delete(&set), 0);
	CHECK_RC(pmemset_delete(&set2), 0);
	pmemset_source_delete(&c);
	stored.refcount = 1;
	CHECK_RC(pmemset_source_from_pmem2(&c, fp2), 0);
	CHECK_RC(pmemset_source_set_sds(c, &stored, &sc), 0);
	set = sds_set(0);
	CHECK_RC(pmemset_map(set, c, NULL, NULL),
		 PMEMSET_E_UNDESIRABLE_PART_STATE);
	CHECK_EQ(sc, PMEMSET_PART_STATE_OK_BUT_INTERRUPTED);
	CHECK_RC(pmemset_delete(&set), 0);
	pmemset_source_delete(&a);
	pmemset_source_delete(&b);
	pmemset_source_delete(&c);
	pmem2_source_delete(&fp2);
	close(fd);
	unlink(path);
}

int main(void)
{
	pmem2_source_from_anon(&p2, KB4);
	RUN(classify_table);
	RUN(map_unmap_refcount);
	RUN(crash_states);
	RUN(failed_map_keeps_record);
	RUN(errors_and_extras);
	RUN(two_sources_one_file);
	pmem2_source_delete(&p2);
	return test_done();
}
