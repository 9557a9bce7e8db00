/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_log.c -- libpmemset's logging (pmemset_log_*), public API only.
 *
 * Checked here: defaults and bad arguments as for libpmem2; the HARK line
 * a new function gets; a part mapped is a NOTICE that names the source,
 * says whether it went into a new part map or right after the previous
 * part, and the set's granularity; a coalescing that did not happen is an
 * INFO with the reason (OPPORTUNISTIC: mapped elsewhere, FULL: the map
 * fails); the shutdown state a source with a record is classified in
 * (with a fake sysfs tree, in a child process); thresholds filter, the data
 * functions log nothing; libpmemset's logging is independent of
 * libpmem2's (its own function, thresholds and variables). In child
 * processes: a program using a set with default settings prints nothing;
 * PMEMSET_LOG_LEVEL and PMEMSET_LOG_FILE work.
 */
#include <limits.h>

#include "fakesys.h"
#include "logrec.h"
#include "pmemset_test.h"

#define DIMM_ID "8089-a2-1837-00000bb3"

static const char *self;

static void rec_fn(enum pmemset_log_level level, const char *file,
		   unsigned line, const char *func, const char *msg)
{
	logrec_add((int)level, file, line, func, msg);
}

/* libpmem2's messages, to tell them apart */
static unsigned pmem2_msgs;
static void pmem2_fn(enum pmem2_log_level level, const char *file,
		     unsigned line, const char *func, const char *msg)
{
	(void)level, (void)file, (void)line, (void)func, (void)msg;
	__atomic_add_fetch(&pmem2_msgs, 1, __ATOMIC_RELAXED);
}

static void reset_defaults(void)
{
	pmemset_log_set_function(PMEMSET_LOG_USE_DEFAULT_FUNCTION);
	pmemset_log_set_threshold(PMEMSET_LOG_THRESHOLD,
				  PMEMSET_LOG_LEVEL_WARNING);
	pmemset_log_set_threshold(PMEMSET_LOG_THRESHOLD_AUX,
				  PMEMSET_LOG_LEVEL_HARK);
	logrec_reset();
}

static enum pmemset_log_level get(enum pmemset_log_threshold t)
{
	enum pmemset_log_level v = (enum pmemset_log_level)(-1);
	CHECK_RC(pmemset_log_get_threshold(t, &v), 0);
	return v;
}

static int map_len(struct pmemset *set, struct pmemset_source *src, size_t len)
{
	struct pmemset_map_config *mc = NULL;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_length(mc, len);
	int r = pmemset_map(set, src, mc, NULL);
	pmemset_map_config_delete(&mc);
	return r;
}

TEST(defaults_and_errors)
{
	enum pmemset_log_level v;
	CHECK_EQ(get(PMEMSET_LOG_THRESHOLD), PMEMSET_LOG_LEVEL_WARNING);
	CHECK_EQ(get(PMEMSET_LOG_THRESHOLD_AUX), PMEMSET_LOG_LEVEL_HARK);

	errno = 0;
	CHECK_RC(pmemset_log_set_threshold((enum pmemset_log_threshold)2,
					   PMEMSET_LOG_LEVEL_INFO),
		 -EINVAL);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(pmemset_errormsg(), "PMEMSET_LOG_THRESHOLD_AUX") != NULL,
	      "message '%s'", pmemset_errormsg());
	errno = 0;
	CHECK_RC(pmemset_log_set_threshold(PMEMSET_LOG_THRESHOLD,
					   (enum pmemset_log_level)7),
		 -EINVAL);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(pmemset_errormsg(), "PMEMSET_LOG_LEVEL_DEBUG") != NULL,
	      "message '%s'", pmemset_errormsg());
	CHECK_RC(pmemset_log_get_threshold(PMEMSET_LOG_THRESHOLD, NULL),
		 -EINVAL);
	CHECK_RC(
		pmemset_log_get_threshold((enum pmemset_log_threshold)(-1), &v),
		-EINVAL);
	CHECK_EQ(pmemset_err_to_errno(-EINVAL), EINVAL);
	CHECK_EQ(get(PMEMSET_LOG_THRESHOLD), PMEMSET_LOG_LEVEL_WARNING);

	/* libpmemset's thresholds are not libpmem2's */
	CHECK_RC(pmemset_log_set_threshold(PMEMSET_LOG_THRESHOLD,
					   PMEMSET_LOG_LEVEL_DEBUG),
		 0);
	enum pmem2_log_level p2;
	CHECK_RC(pmem2_log_get_threshold(PMEM2_LOG_THRESHOLD, &p2), 0);
	CHECK_EQ(p2, PMEM2_LOG_LEVEL_WARNING);
	reset_defaults();
}

TEST(hark)
{
	reset_defaults();
	CHECK_RC(pmemset_log_set_function(rec_fn), 0);
	CHECK_EQ(logrec_count(), 1);
	CHECK(logrec_find(PMEMSET_LOG_LEVEL_HARK,
			  "libpmemset " PMEM2_PROJECT_VERSION) != NULL,
	      "no version line: '%s'", logrec_get(0)->text);
	reset_defaults();
}

TEST(part_mapped)
{
	char path[512];
	struct pmemset_source *src =
		file_source(path, sizeof(path), 2 * KB4, 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);

	reset_defaults();
	pmemset_log_set_function(rec_fn);
	pmemset_log_set_threshold(PMEMSET_LOG_THRESHOLD,
				  PMEMSET_LOG_LEVEL_NOTICE);
	pmem2_log_set_function(pmem2_fn);
	pmem2_msgs = 0; /* not counting its HARK lines */
	logrec_reset();
	CHECK_RC(map_len(set, src, KB4), 0);
	CHECK_EQ(logrec_count(), 1);
	const struct logrec_msg *m = logrec_get(0);
	CHECK_EQ(m->level, PMEMSET_LOG_LEVEL_NOTICE);
	CHECK(strstr(m->text, path) && strstr(m->text, "part [0, +4096)") &&
		      strstr(m->text, "as a new part map (coalescing off)") &&
		      strstr(m->text, "store granularity is "),
	      "text '%s'", m->text);
	CHECK(strncmp(m->file, "src/pmemset/", 12) == 0, "file '%s'", m->file);
	/* libpmem2's threshold is WARNING: its NOTICE went nowhere */
	CHECK_EQ(pmem2_msgs, 0);

	/* the set's data functions log nothing */
	pmemset_log_set_threshold(PMEMSET_LOG_THRESHOLD,
				  PMEMSET_LOG_LEVEL_DEBUG);
	logrec_reset();
	struct pmemset_part_map *pm = NULL;
	pmemset_first_part_map(set, &pm);
	char *a = pmemset_descriptor_part_map(pm).addr;
	pmemset_part_map_drop(&pm);
	pmemset_memcpy(set, a, a + 100, 100, 0);
	pmemset_memset(set, a, 1, 100, 0);
	pmemset_persist(set, a, 100);
	pmemset_flush(set, a, 100);
	pmemset_drain(set);
	CHECK_EQ(logrec_count(), 0);

	/* threshold WARNING: a map logs nothing */
	pmemset_log_set_threshold(PMEMSET_LOG_THRESHOLD,
				  PMEMSET_LOG_LEVEL_WARNING);
	logrec_reset();
	struct pmemset_map_config *mc = NULL;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_offset(mc, KB4);
	pmemset_map_config_set_length(mc, KB4);
	CHECK_RC(pmemset_map(set, src, mc, NULL), 0);
	pmemset_map_config_delete(&mc);
	CHECK_EQ(logrec_count(), 0);

	pmem2_log_set_function(NULL);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	unlink(path);
	reset_defaults();
}

TEST(coalescing)
{
	struct pmem2_vm_reservation *rsv = NULL;
	struct pmem2_source *p2a, *p2f, *p2big;
	struct pmemset_source *anon = anon_source(KB4, &p2a);
	struct pmemset_source *big = anon_source(6 * KB4, &p2big);
	CHECK_RC(pmem2_vm_reservation_new(&rsv, NULL, 8 * KB4), 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, rsv, NULL, NULL);
	pmemset_set_contiguous_part_coalescing(
		set, PMEMSET_COALESCING_OPPORTUNISTIC);

	reset_defaults();
	pmemset_log_set_function(rec_fn);
	pmemset_log_set_threshold(PMEMSET_LOG_THRESHOLD,
				  PMEMSET_LOG_LEVEL_INFO);
	/* part A at offset 0, then someone else's map right after it */
	CHECK_RC(map_len(set, anon, KB4), 0);
	struct pmem2_config *cfg = NULL;
	struct pmem2_map *foreign = NULL;
	pmem2_source_from_anon(&p2f, KB4);
	pmem2_config_new(&cfg);
	pmem2_config_set_required_store_granularity(cfg,
						    PMEM2_GRANULARITY_PAGE);
	pmem2_config_set_vm_reservation(cfg, rsv, KB4);
	CHECK_RC(pmem2_map_new(&foreign, cfg, p2f), 0);
	pmem2_config_delete(&cfg);

	/* B cannot follow A: INFO why, then a part map of its own */
	logrec_reset();
	CHECK_RC(map_len(set, anon, KB4), 0);
	CHECK_EQ(logrec_count(), 2);
	const struct logrec_msg *m = logrec_get(0);
	CHECK(m->level == PMEMSET_LOG_LEVEL_INFO &&
		      strstr(m->text, "part not coalesced: ") &&
		      strstr(m->text, "is taken") &&
		      strstr(m->text, "it gets a part map of its own"),
	      "level %d text '%s'", m->level, m->text);
	m = logrec_get(1);
	CHECK(m->level == PMEMSET_LOG_LEVEL_NOTICE &&
		      strstr(m->text, "anonymous memory") &&
		      strstr(m->text, "as a new part map (coalescing "
				      "opportunistic)") &&
		      strstr(m->text, "store granularity is BYTE"),
	      "level %d text '%s'", m->level, m->text);

	/* C follows B */
	pmemset_set_contiguous_part_coalescing(set, PMEMSET_COALESCING_FULL);
	logrec_reset();
	CHECK_RC(map_len(set, anon, KB4), 0);
	CHECK_EQ(logrec_count(), 1);
	CHECK(strstr(logrec_get(0)->text,
		     "right after the previous part, in "
		     "its part map (coalescing full)") != NULL,
	      "text '%s'", logrec_get(0)->text);

	/* D does not fit after C, and FULL does not fall back */
	logrec_reset();
	CHECK_RC(map_len(set, big, 6 * KB4), PMEMSET_E_CANNOT_FIT_PART_MAP);
	CHECK_EQ(logrec_count(), 1);
	m = logrec_get(0);
	CHECK(m->level == PMEMSET_LOG_LEVEL_INFO &&
		      strstr(m->text, "does not fit") &&
		      strstr(m->text, "(coalescing is full: the map fails)"),
	      "level %d text '%s'", m->level, m->text);

	pmemset_delete(&set);
	pmem2_map_delete(&foreign);
	pmem2_vm_reservation_delete(&rsv);
	pmemset_source_delete(&anon);
	pmemset_source_delete(&big);
	pmem2_source_delete(&p2a);
	pmem2_source_delete(&p2f);
	pmem2_source_delete(&p2big);
	reset_defaults();
}

/* ---- child processes ---- */

static char out[16384], err[65536];

/* a set with two file parts and some data functions */
static int child_work(void)
{
	char path[512];
	struct pmemset_source *src =
		file_source(path, sizeof(path), 2 * KB4, 0);
	struct pmemset *set = mkset(PMEM2_GRANULARITY_PAGE, NULL, NULL, NULL);
	pmemset_set_contiguous_part_coalescing(
		set, PMEMSET_COALESCING_OPPORTUNISTIC);
	int r = map_len(set, src, KB4);
	struct pmemset_map_config *mc = NULL;
	pmemset_map_config_new(&mc);
	pmemset_map_config_set_offset(mc, KB4);
	pmemset_map_config_set_length(mc, KB4);
	r = r ? r : pmemset_map(set, src, mc, NULL);
	pmemset_map_config_delete(&mc);
	struct pmemset_part_map *pm = NULL;
	if (!r)
		pmemset_first_part_map(set, &pm);
	if (pm) {
		char *a = pmemset_descriptor_part_map(pm).addr;
		pmemset_memcpy(set, a, a + KB4, KB4, 0);
		pmemset_persist(set, a, KB4);
		pmemset_part_map_drop(&pm);
	}
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	unlink(path);
	printf("map %d threshold %d aux %d pid %d\n", r,
	       get(PMEMSET_LOG_THRESHOLD), get(PMEMSET_LOG_THRESHOLD_AUX),
	       (int)getpid());
	return 0;
}

/* map the fake-DIMM file with a shutdown-state record; print the
 * messages the function got */
static int child_sds(const char *path)
{
	struct pmemset_source *src = NULL;
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	enum pmemset_part_state st = 0;
	pmemset_log_set_function(rec_fn);
	pmemset_log_set_threshold(PMEMSET_LOG_THRESHOLD,
				  PMEMSET_LOG_LEVEL_NOTICE);
	logrec_reset();
	if (pmemset_source_from_file(&src, path) ||
	    pmemset_source_set_sds(src, &sds, &st))
		return 3;
	struct pmemset *set =
		mkset_states(PMEM2_GRANULARITY_PAGE, NULL, 0, NULL, NULL);
	int r = pmemset_map(set, src, NULL, NULL);
	printf("map %d state %d\n", r, (int)st);
	for (unsigned i = 0; i < logrec_count() && i < LOGREC_MAX; i++)
		printf("%d %s\n", logrec_get(i)->level, logrec_get(i)->text);
	pmemset_delete(&set);
	pmemset_source_delete(&src);
	return 0;
}

static int child(const char *mode, const char *arg, const char *const *env)
{
	return logrec_run_self(self, mode, arg, env, out, sizeof(out), err,
			       sizeof(err));
}

TEST(sds_state)
{
	char root[PATH_MAX], path[512], var[PATH_MAX + 32];
	tmppath(path, sizeof(path), "logsds");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	struct stat st;
	if (fd < 0 || ftruncate(fd, 4 * KB4) || fstat(fd, &st) ||
	    fakesys_create(root, sizeof(root))) {
		CHECK(0, "cannot set up the fake DIMM");
		return;
	}
	close(fd);
	fakesys_region(root, 1, "memory_controller");
	fakesys_fsdax(root, 1, 0, "pmem1", st.st_dev, NULL, 0);
	fakesys_dimm(root, 1, 0, 0, DIMM_ID, "3");
	snprintf(var, sizeof(var), "PMEM2_SYSFS_ROOT=%s", root);
	const char *env[] = {var, NULL};
	CHECK_EQ(child("sds", path, env), 0);
	char want[256];
	snprintf(want, sizeof(want),
		 "%d shutdown state OK: device id \"" DIMM_ID
		 "\", unsafe shutdown count 3, mappings the record counts 0",
		 PMEMSET_LOG_LEVEL_NOTICE);
	CHECK(strstr(out, "map 0 state 2\n") && strstr(out, want), "child '%s'",
	      out);
	fakesys_destroy(root);
	unlink(path);
}

static bool thresholds(int t, int a)
{
	int r = -1, tt = -1, aa = -1;
	return sscanf(out, "map %d threshold %d aux %d", &r, &tt, &aa) == 3 &&
	       r == 0 && tt == t && aa == a;
}

TEST(silent_by_default)
{
	const char *env[] = {"PMEMSET_LOG_LEVEL", "PMEMSET_LOG_FILE",
			     "PMEM2_LOG_LEVEL", "PMEM2_LOG_FILE", NULL};
	CHECK_EQ(child("child", NULL, env), 0);
	CHECK(thresholds(PMEMSET_LOG_LEVEL_WARNING, PMEMSET_LOG_LEVEL_HARK),
	      "child '%s'", out);
	CHECK(err[0] == '\0', "stderr of a default program: '%s'", err);
}

TEST(env)
{
	/* libpmemset's variable: its lines only */
	const char *env2[] = {"PMEMSET_LOG_LEVEL=2", "PMEMSET_LOG_FILE",
			      "PMEM2_LOG_LEVEL", "PMEM2_LOG_FILE", NULL};
	CHECK_EQ(child("child", NULL, env2), 0);
	CHECK(thresholds(PMEMSET_LOG_LEVEL_NOTICE, PMEMSET_LOG_LEVEL_NOTICE),
	      "child '%s'", out);
	CHECK(strncmp(err, "libpmemset NOTICE [src/pmemset/", 31) == 0,
	      "stderr '%s'", err);
	CHECK(strstr(err, "libpmem2 ") == NULL, "stderr '%s'", err);

	/* libpmem2's variable: not libpmemset's lines */
	const char *envp2[] = {"PMEMSET_LOG_LEVEL", "PMEMSET_LOG_FILE",
			       "PMEM2_LOG_LEVEL=2", "PMEM2_LOG_FILE", NULL};
	CHECK_EQ(child("child", NULL, envp2), 0);
	CHECK(thresholds(PMEMSET_LOG_LEVEL_WARNING, PMEMSET_LOG_LEVEL_HARK),
	      "child '%s'", out);
	CHECK(strncmp(err, "libpmem2 NOTICE [", 17) == 0, "stderr '%s'", err);
	CHECK(strstr(err, "libpmemset ") == NULL, "stderr '%s'", err);

	/* levels 0 and 4 */
	const char *env0[] = {"PMEMSET_LOG_LEVEL=0", NULL};
	CHECK_EQ(child("child", NULL, env0), 0);
	CHECK(thresholds(PMEMSET_LOG_LEVEL_HARK, PMEMSET_LOG_LEVEL_HARK),
	      "child '%s'", out);
	const char *env4[] = {"PMEMSET_LOG_LEVEL=4", NULL};
	CHECK_EQ(child("child", NULL, env4), 0);
	CHECK(thresholds(PMEMSET_LOG_LEVEL_DEBUG, PMEMSET_LOG_LEVEL_DEBUG),
	      "child '%s'", out);

	/* a log file */
	char path[512], var[600], text[8192] = "";
	tmppath(path, sizeof(path), "log");
	snprintf(var, sizeof(var), "PMEMSET_LOG_FILE=%s", path);
	const char *envf[] = {"PMEMSET_LOG_LEVEL=2", var, "PMEM2_LOG_LEVEL",
			      NULL};
	CHECK_EQ(child("child", NULL, envf), 0);
	CHECK(err[0] == '\0', "stderr '%s'", err);
	FILE *f = fopen(path, "r");
	if (f) {
		text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
		fclose(f);
	}
	CHECK(strstr(text, "libpmemset NOTICE [") != NULL, "file '%s'", text);
	unlink(path);
}

int main(int argc, char *argv[])
{
	self = argv[0];
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child_work();
	if (argc > 2 && strcmp(argv[1], "sds") == 0)
		return child_sds(argv[2]);
	/* the defaults are what this test checks: no outside settings */
	static const char *const outside[] = {
		"PMEMSET_LOG_LEVEL", "PMEMSET_LOG_FILE", "PMEM2_LOG_LEVEL",
		"PMEM2_LOG_FILE", NULL};
	if (logrec_without(argv, outside))
		return 2;
	RUN(defaults_and_errors);
	RUN(hark);
	RUN(part_mapped);
	RUN(coalescing);
	RUN(sds_state);
	RUN(silent_by_default);
	RUN(env);
	return test_done();
}
