/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sds.c -- unsafe shutdown detection for the parts of a set.
 *
 * An application gives a source a record (struct pmemset_sds) it keeps in
 * persistent memory: the id of the hardware the source lives on, that
 * hardware's unsafe shutdown count (USC) and how many mappings of the
 * source are live. Every map compares the record with the device, decides
 * the part's state and refuses states the set does not accept; every map
 * and unmap then hands the updated record out in PMEMSET_EVENT_SDS_UPDATE
 * for the application to store.
 *
 * States, from the record before this map ("here": this process, through
 * any source of the same file -- file.h):
 *   refcount > 0 and parts of the file mapped here    OK_BUT_ALREADY_OPEN
 *   refcount > 0, nothing mapped here (a crash left it) OK_BUT_INTERRUPTED
 *   otherwise                                           OK
 * then the device overrides: same id but a different USC is CORRUPTED if
 * mappings were live (refcount > 0) and a silent USC refresh otherwise; a
 * different id is adopted when nothing was live and INDETERMINATE if
 * something was.
 *
 * Accepting a state closes the episode: when no part of the file is
 * mapped in this process, an accepted record is re-based on the current
 * device (id, USC) with refcount 0 before this mapping is counted, so a
 * crash is reported once, not at every later start.
 *
 * Two phases: the check (before the map) only reads; the record changes
 * when the map has succeeded, so a failed map leaves the crash evidence
 * where it was and the retry reports the same state.
 */
#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "pmemset_internal.h"

enum pmemset_part_state pmemset_sds_classify(struct pmemset_sds *rec,
					     const char *cur_id,
					     uint64_t cur_usc, bool mapped_here)
{
	enum pmemset_part_state st;

	if (rec->refcount > 0 && mapped_here)
		st = PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN;
	else if (rec->refcount > 0)
		st = PMEMSET_PART_STATE_OK_BUT_INTERRUPTED;
	else
		st = PMEMSET_PART_STATE_OK;

	if (strcmp(rec->id, cur_id) == 0) {
		if (rec->usc != cur_usc) {
			if (rec->refcount != 0)
				st = PMEMSET_PART_STATE_CORRUPTED;
			else
				rec->usc = cur_usc;
		}
	} else if (rec->refcount == 0) {
		memcpy(rec->id, cur_id, strlen(cur_id) + 1);
		rec->usc = cur_usc;
	} else {
		st = PMEMSET_PART_STATE_INDETERMINATE;
	}
	return st;
}

/* Parts of file f mapped in this process (f's lock taken inside). */
static size_t file_mapped(struct pmemset_file *f)
{
	pthread_mutex_lock(&f->lock);
	size_t n = f->mapped;
	pthread_mutex_unlock(&f->lock);
	return n;
}

static const char *state_name(enum pmemset_part_state st)
{
	switch (st) {
	case PMEMSET_PART_STATE_INDETERMINATE:
		return "INDETERMINATE";
	case PMEMSET_PART_STATE_OK:
		return "OK";
	case PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN:
		return "OK_BUT_ALREADY_OPEN";
	case PMEMSET_PART_STATE_OK_BUT_INTERRUPTED:
		return "OK_BUT_INTERRUPTED";
	case PMEMSET_PART_STATE_CORRUPTED:
		return "CORRUPTED";
	}
	return "?";
}

static int sds_error(int ret, const char *what)
{
	pmemset_err_pmem2(ret,
			  "cannot read the %s of the source for "
			  "unsafe shutdown detection",
			  what);
	if (ret == PMEM2_E_NOSUPP) {
		err_append("; the source is not on hardware that counts unsafe "
			   "shutdowns: do not set a shutdown-state record on "
			   "it");
		return PMEMSET_E_SDS_NOSUPP;
	}
	return ret;
}

/* Current id and USC of the source's device. */
static int read_device(struct pmem2_source *p2, char *id, uint64_t *usc)
{
	size_t len = 0;
	int ret = pmem2_source_device_id(p2, NULL, &len);
	if (ret)
		return sds_error(ret, "device id");
	if (len > PMEMSET_SDS_DEVICE_ID_LEN + 1) {
		err_set("the device id of the source is %zu bytes long, more "
			"than the %zu a struct pmemset_sds holds",
			len - 1, PMEMSET_SDS_DEVICE_ID_LEN);
		return PMEMSET_E_SDS_DEVICE_ID_LEN_TOO_BIG;
	}
	id[0] = '\0';
	len = PMEMSET_SDS_DEVICE_ID_LEN + 1;
	ret = pmem2_source_device_id(p2, id, &len);
	if (ret)
		return sds_error(ret, "device id");
	id[PMEMSET_SDS_DEVICE_ID_LEN] = '\0';
	ret = pmem2_source_device_usc(p2, usc);
	if (ret)
		return sds_error(ret, "unsafe shutdown count");
	return 0;
}

int pmemset_sds_check(struct pmemset *set, struct pmemset_source *src,
		      enum pmemset_part_state *state,
		      struct pmemset_sds_ticket *t)
{
	*state = PMEMSET_PART_STATE_INDETERMINATE;
	t->checked = false;

	bool has_sds = __atomic_load_n(&src->has_sds, __ATOMIC_ACQUIRE);
again:
	if (has_sds) {
		int ret = read_device(src->pmem2, t->id, &t->usc);
		if (ret)
			return ret;
	}

	pthread_mutex_lock(&src->lock);
	if (src->has_sds != has_sds) {
		/* a record was attached (or detached) meanwhile */
		has_sds = src->has_sds;
		pthread_mutex_unlock(&src->lock);
		goto again;
	}
	if (!has_sds) {
		pthread_mutex_unlock(&src->lock);
		return 0;
	}
	struct pmemset_sds rec = src->sds;
	enum pmemset_part_state st = pmemset_sds_classify(
		&rec, t->id, t->usc, file_mapped(src->file) > 0);
	*state = st;
	if (src->state_ptr)
		*src->state_ptr = st;
	pthread_mutex_unlock(&src->lock);
	CORE_LOG(NOTICE,
		 "shutdown state %s: device id \"%s\", unsafe shutdown count "
		 "%llu, mappings the record counts %d",
		 state_name(st), t->id, (unsigned long long)t->usc,
		 rec.refcount);
	if (!((uint64_t)st & set->cfg.acceptable_states)) {
		err_set("the part's state is %s (0x%x), which the set does "
			"not accept (acceptable states 0x%llx); check the data "
			"and accept the state with "
			"pmemset_config_set_acceptable_states",
			state_name(st), (unsigned)st,
			(unsigned long long)set->cfg.acceptable_states);
		return PMEMSET_E_UNDESIRABLE_PART_STATE;
	}
	t->checked = true;
	return 0;
}

bool pmemset_sds_register(struct pmemset_source *src,
			  const struct pmemset_sds_ticket *t)
{
	bool counted = false;
	pthread_mutex_lock(&src->lock);
	struct pmemset_file *f = src->file;
	pthread_mutex_lock(&f->lock);
	if (t->checked && src->has_sds) {
		if (f->mapped == 0) {
			/* accepted: start a new episode on the device */
			memcpy(src->sds.id, t->id, sizeof(src->sds.id));
			src->sds.usc = t->usc;
			src->sds.refcount = 0;
		}
		src->sds.refcount++;
		counted = true;
	}
	f->mapped++;
	pthread_mutex_unlock(&f->lock);
	pthread_mutex_unlock(&src->lock);
	return counted;
}

void pmemset_sds_unregister(struct pmemset_source *src, bool sds)
{
	pthread_mutex_lock(&src->lock);
	pthread_mutex_lock(&src->file->lock);
	if (src->file->mapped)
		src->file->mapped--;
	pthread_mutex_unlock(&src->file->lock);
	if (sds && src->sds.refcount > 0)
		src->sds.refcount--;
	pthread_mutex_unlock(&src->lock);
}
