/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_log.c -- libpmem2's logging (pmem2_log_*), public API only.
 *
 * Checked here: the default thresholds (WARNING, HARK) and the errors of
 * bad arguments (-EINVAL, errno EINVAL, a message, nothing changed); a
 * function set with pmem2_log_set_function gets the HARK lines at once,
 * then the granularity decision of every pmem2_map_new at NOTICE (and a
 * refusal at ERROR, with the caller's error message), with a file, line
 * and function; thresholds filter; the data functions log nothing; the
 * default function prints nothing until PMEM2_LOG_THRESHOLD_AUX is
 * lowered, and is back after pmem2_log_set_function(NULL); a function that
 * calls the library does not recurse; many threads mapping while another
 * changes the function and thresholds (meant for TSan too). In child
 * processes (the library reads its variables when it is loaded): a program
 * that maps, persists and copies with default settings prints nothing on
 * stderr; PMEM2_LOG_LEVEL 0-4 (and 15, and garbage) set the thresholds as
 * documented; PMEM2_LOG_FILE (with and without the trailing '-') gets the
 * lines instead of stderr, and an unusable one is reported.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libpmem2.h>
#include "logrec.h"
#include "test.h"

static const char *self;

static void rec_fn(enum pmem2_log_level level, const char *file, unsigned line,
		   const char *func, const char *msg)
{
	logrec_add((int)level, file, line, func, msg);
}

static void reset_defaults(void)
{
	pmem2_log_set_function(PMEM2_LOG_USE_DEFAULT_FUNCTION);
	pmem2_log_set_threshold(PMEM2_LOG_THRESHOLD, PMEM2_LOG_LEVEL_WARNING);
	pmem2_log_set_threshold(PMEM2_LOG_THRESHOLD_AUX, PMEM2_LOG_LEVEL_HARK);
	logrec_reset();
}

static enum pmem2_log_level get(enum pmem2_log_threshold t)
{
	enum pmem2_log_level v = (enum pmem2_log_level)(-1);
	CHECK_RC(pmem2_log_get_threshold(t, &v), 0);
	return v;
}

/* Map the file (or anonymous memory when fd < 0) requiring req; returns
 * pmem2_map_new's result, *map set on success. */
static int map_file(int fd, enum pmem2_granularity req, struct pmem2_map **map)
{
	struct pmem2_source *src = NULL;
	struct pmem2_config *cfg = NULL;
	int ret = fd < 0 ? pmem2_source_from_anon(&src, 1 << 20)
			 : pmem2_source_from_fd(&src, fd);
	if (ret)
		return ret;
	pmem2_config_new(&cfg);
	pmem2_config_set_required_store_granularity(cfg, req);
	ret = pmem2_map_new(map, cfg, src);
	pmem2_config_delete(&cfg);
	pmem2_source_delete(&src);
	return ret;
}

TEST(defaults)
{
	CHECK_EQ(get(PMEM2_LOG_THRESHOLD), PMEM2_LOG_LEVEL_WARNING);
	CHECK_EQ(get(PMEM2_LOG_THRESHOLD_AUX), PMEM2_LOG_LEVEL_HARK);
	CHECK_EQ(PMEM2_LOG_LEVEL_HARK, 0);
	CHECK_EQ(PMEM2_LOG_LEVEL_DEBUG, 6);
	CHECK(PMEM2_LOG_USE_DEFAULT_FUNCTION == NULL, "default is NULL");
}

TEST(bad_arguments)
{
	enum pmem2_log_level v;
	const struct {
		int threshold, level;
	} bad[] = {
		{2, PMEM2_LOG_LEVEL_INFO},	{-1, PMEM2_LOG_LEVEL_INFO},
		{PMEM2_LOG_THRESHOLD, 7},	{PMEM2_LOG_THRESHOLD, -1},
		{PMEM2_LOG_THRESHOLD_AUX, 100},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		CHECK_RC(pmem2_log_set_threshold(
				 (enum pmem2_log_threshold)bad[i].threshold,
				 (enum pmem2_log_level)bad[i].level),
			 -EINVAL);
		CHECK_EQ(errno, EINVAL);
		CHECK(strstr(pmem2_errormsg(), "does not exist") != NULL,
		      "message '%s'", pmem2_errormsg());
	}
	/* nothing changed */
	CHECK_EQ(get(PMEM2_LOG_THRESHOLD), PMEM2_LOG_LEVEL_WARNING);
	CHECK_EQ(get(PMEM2_LOG_THRESHOLD_AUX), PMEM2_LOG_LEVEL_HARK);

	errno = 0;
	CHECK_RC(pmem2_log_get_threshold(PMEM2_LOG_THRESHOLD, NULL), -EINVAL);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(pmem2_errormsg(), "NULL") != NULL, "message '%s'",
	      pmem2_errormsg());
	errno = 0;
	CHECK_RC(pmem2_log_get_threshold((enum pmem2_log_threshold)2, &v),
		 -EINVAL);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(pmem2_err_to_errno(-EINVAL), EINVAL);

	/* every real pair is accepted and read back */
	for (int t = PMEM2_LOG_THRESHOLD; t <= PMEM2_LOG_THRESHOLD_AUX; t++)
		for (int l = PMEM2_LOG_LEVEL_HARK; l <= PMEM2_LOG_LEVEL_DEBUG;
		     l++) {
			CHECK_RC(pmem2_log_set_threshold(
					 (enum pmem2_log_threshold)t,
					 (enum pmem2_log_level)l),
				 0);
			CHECK_EQ(get((enum pmem2_log_threshold)t), l);
		}
	reset_defaults();
}

TEST(hark_on_set_function)
{
	reset_defaults();
	/* the main threshold does not filter HARK: it is the most severe */
	pmem2_log_set_threshold(PMEM2_LOG_THRESHOLD, PMEM2_LOG_LEVEL_HARK);
	CHECK_RC(pmem2_log_set_function(rec_fn), 0);
	CHECK_EQ(logrec_count(), 2);
	CHECK_EQ(logrec_count_level(PMEM2_LOG_LEVEL_HARK), 2);
	const struct logrec_msg *m = logrec_find(
		PMEM2_LOG_LEVEL_HARK, "libpmem2 " PMEM2_PROJECT_VERSION);
	CHECK(m != NULL, "no version line; first: '%s'", logrec_get(0)->text);
	CHECK(logrec_find(PMEM2_LOG_LEVEL_HARK, "CPU dispatch: ") != NULL,
	      "no CPU dispatch line");
	reset_defaults();
}

TEST(map_decision)
{
	char path[4096];
	int fd = test_tmpfile(1 << 20, path, sizeof(path), 0);
	struct pmem2_map *map = NULL;

	reset_defaults();
	pmem2_log_set_function(rec_fn);
	pmem2_log_set_threshold(PMEM2_LOG_THRESHOLD, PMEM2_LOG_LEVEL_NOTICE);
	logrec_reset();
	CHECK_RC(map_file(fd, PMEM2_GRANULARITY_PAGE, &map), 0);
	CHECK_EQ(logrec_count(), 1);
	const struct logrec_msg *m = logrec_get(0);
	CHECK_EQ(m->level, PMEM2_LOG_LEVEL_NOTICE);
	CHECK(strstr(m->text, "granularity PAGE (required PAGE)") &&
		      strstr(m->text, "PAGE: ") && strstr(m->text, "msync"),
	      "text '%s'", m->text);
	CHECK(strstr(m->text, "1048576 bytes mapped at") != NULL, "text '%s'",
	      m->text);
	CHECK(strncmp(m->file, "src/pmem2/", 10) == 0, "file '%s'", m->file);
	CHECK(m->line > 0, "line %u", m->line);
	CHECK(m->func[0] != '\0', "no function name");

	/* the data functions log nothing, whatever the threshold */
	pmem2_log_set_threshold(PMEM2_LOG_THRESHOLD, PMEM2_LOG_LEVEL_DEBUG);
	logrec_reset();
	char *a = pmem2_map_get_address(map);
	pmem2_get_memcpy_fn(map)(a, a + 4096, 4096, 0);
	pmem2_get_memset_fn(map)(a, 1, 4096, PMEM2_F_MEM_NONTEMPORAL);
	pmem2_get_memmove_fn(map)(a + 8, a, 100, 0);
	pmem2_get_persist_fn(map)(a, 100);
	pmem2_get_flush_fn(map)(a, 100);
	pmem2_get_drain_fn(map)();
	CHECK_EQ(logrec_count(), 0);
	pmem2_map_delete(&map);

	/* anonymous memory */
	logrec_reset();
	CHECK_RC(map_file(-1, PMEM2_GRANULARITY_BYTE, &map), 0);
	CHECK(logrec_find(PMEM2_LOG_LEVEL_NOTICE, "anonymous memory") != NULL,
	      "anonymous map not logged");
	CHECK(logrec_find(PMEM2_LOG_LEVEL_NOTICE, "granularity BYTE") != NULL,
	      "BYTE not logged");
	pmem2_map_delete(&map);

	/* the threshold filters: WARNING lets no decision through */
	pmem2_log_set_threshold(PMEM2_LOG_THRESHOLD, PMEM2_LOG_LEVEL_WARNING);
	logrec_reset();
	CHECK_RC(map_file(fd, PMEM2_GRANULARITY_PAGE, &map), 0);
	CHECK_EQ(logrec_count(), 0);
	pmem2_map_delete(&map);

	/* a refusal is an ERROR, and says what the caller is told */
	setenv("PMEM2_FORCE_GRANULARITY", "PAGE", 1);
	pmem2_log_set_threshold(PMEM2_LOG_THRESHOLD, PMEM2_LOG_LEVEL_ERROR);
	logrec_reset();
	CHECK_RC(map_file(fd, PMEM2_GRANULARITY_CACHE_LINE, &map),
		 PMEM2_E_GRANULARITY_NOT_SUPPORTED);
	CHECK_EQ(logrec_count(), 1);
	m = logrec_get(0);
	CHECK_EQ(m->level, PMEM2_LOG_LEVEL_ERROR);
	CHECK(strstr(m->text, pmem2_errormsg()) != NULL,
	      "text '%s' lacks the error '%s'", m->text, pmem2_errormsg());
	CHECK(strstr(m->text, "required CACHE_LINE") != NULL, "text '%s'",
	      m->text);
	/* FATAL lets nothing through */
	pmem2_log_set_threshold(PMEM2_LOG_THRESHOLD, PMEM2_LOG_LEVEL_FATAL);
	logrec_reset();
	CHECK_RC(map_file(fd, PMEM2_GRANULARITY_CACHE_LINE, &map),
		 PMEM2_E_GRANULARITY_NOT_SUPPORTED);
	CHECK_EQ(logrec_count(), 0);
	unsetenv("PMEM2_FORCE_GRANULARITY");

	close(fd);
	reset_defaults();
}

/* map and unmap a file, with stderr captured */
static void map_once(void *arg)
{
	struct pmem2_map *map = NULL;
	if (map_file(*(int *)arg, PMEM2_GRANULARITY_PAGE, &map) == 0)
		pmem2_map_delete(&map);
}

TEST(default_function)
{
	char path[4096], err[4096];
	int fd = test_tmpfile(1 << 20, path, sizeof(path), 0);

	reset_defaults();
	/* main threshold lowered, AUX not: still nothing printed */
	pmem2_log_set_threshold(PMEM2_LOG_THRESHOLD, PMEM2_LOG_LEVEL_DEBUG);
	logrec_capture_stderr(map_once, &fd, err, sizeof(err));
	CHECK(err[0] == '\0', "printed with AUX at HARK: '%s'", err);

	/* AUX lowered: one line per decision, prefixed */
	pmem2_log_set_threshold(PMEM2_LOG_THRESHOLD_AUX,
				PMEM2_LOG_LEVEL_NOTICE);
	logrec_capture_stderr(map_once, &fd, err, sizeof(err));
	CHECK(strncmp(err, "libpmem2 NOTICE [src/pmem2/", 27) == 0,
	      "stderr '%s'", err);
	CHECK(strstr(err, "granularity PAGE") != NULL, "stderr '%s'", err);
	size_t lines = 0;
	for (char *s = err; *s; s++)
		lines += *s == '\n';
	CHECK_EQ(lines, 1);

	/* a function replaces the default; NULL brings the default back */
	pmem2_log_set_function(rec_fn);
	logrec_reset();
	logrec_capture_stderr(map_once, &fd, err, sizeof(err));
	CHECK(err[0] == '\0', "default still prints: '%s'", err);
	CHECK_EQ(logrec_count_level(PMEM2_LOG_LEVEL_NOTICE), 1);
	CHECK_RC(pmem2_log_set_function(PMEM2_LOG_USE_DEFAULT_FUNCTION), 0);
	logrec_reset();
	logrec_capture_stderr(map_once, &fd, err, sizeof(err));
	CHECK_EQ(logrec_count(), 0);
	CHECK(strstr(err, "libpmem2 NOTICE [") != NULL, "stderr '%s'", err);
	/* the default function never prints HARK lines */
	CHECK(strstr(err, "HARK") == NULL, "stderr '%s'", err);

	/* AUX below NOTICE: filtered again */
	pmem2_log_set_threshold(PMEM2_LOG_THRESHOLD_AUX,
				PMEM2_LOG_LEVEL_WARNING);
	logrec_capture_stderr(map_once, &fd, err, sizeof(err));
	CHECK(err[0] == '\0', "printed with AUX at WARNING: '%s'", err);
	close(fd);
	reset_defaults();
}

/* a logging function that calls back into the library */
static int reentry_fd;
static void reentrant_fn(enum pmem2_log_level level, const char *file,
			 unsigned line, const char *func, const char *msg)
{
	struct pmem2_map *map = NULL;
	logrec_add((int)level, file, line, func, msg);
	if (level == PMEM2_LOG_LEVEL_NOTICE &&
	    map_file(reentry_fd, PMEM2_GRANULARITY_PAGE, &map) == 0)
		pmem2_map_delete(&map);
}

TEST(reentry)
{
	char path[4096];
	struct pmem2_map *map = NULL;
	reentry_fd = test_tmpfile(1 << 20, path, sizeof(path), 0);

	reset_defaults();
	pmem2_log_set_threshold(PMEM2_LOG_THRESHOLD, PMEM2_LOG_LEVEL_NOTICE);
	pmem2_log_set_function(reentrant_fn);
	logrec_reset();
	CHECK_RC(map_file(reentry_fd, PMEM2_GRANULARITY_PAGE, &map), 0);
	/* the map made inside the function is not logged (no recursion) */
	CHECK_EQ(logrec_count(), 1);
	pmem2_map_delete(&map);
	close(reentry_fd);
	reset_defaults();
}

/* ---- threads ---- */

#define NTHREADS 4
#define ITERS 60
static volatile int stop_toggler;

static void *mapper(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITERS; i++) {
		struct pmem2_map *map = NULL;
		if (map_file(-1, PMEM2_GRANULARITY_BYTE, &map) == 0)
			pmem2_map_delete(&map);
	}
	return NULL;
}

static void *toggler(void *arg)
{
	(void)arg;
	/* a few rounds at least, however fast the mappers are */
	for (unsigned i = 0;
	     i < 4 || !__atomic_load_n(&stop_toggler, __ATOMIC_RELAXED); i++) {
		pmem2_log_set_function(i % 2 ? NULL : rec_fn);
		pmem2_log_set_threshold(PMEM2_LOG_THRESHOLD,
					i % 3 ? PMEM2_LOG_LEVEL_NOTICE
					      : PMEM2_LOG_LEVEL_WARNING);
		enum pmem2_log_level v;
		pmem2_log_get_threshold(PMEM2_LOG_THRESHOLD_AUX, &v);
		usleep(100);
	}
	return NULL;
}

TEST(threads)
{
	pthread_t th[NTHREADS], tog;
	reset_defaults();
	stop_toggler = 0;
	pthread_create(&tog, NULL, toggler, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, mapper, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	__atomic_store_n(&stop_toggler, 1, __ATOMIC_RELAXED);
	pthread_join(tog, NULL);

	/* every message the function got is whole and of a level let in */
	unsigned n = logrec_count(), bad = 0;
	for (unsigned i = 0; i < n && i < LOGREC_MAX; i++) {
		const struct logrec_msg *m = logrec_get(i);
		if (m->level == PMEM2_LOG_LEVEL_HARK)
			continue;
		if (m->level != PMEM2_LOG_LEVEL_NOTICE ||
		    !strstr(m->text, "anonymous memory") ||
		    !strstr(m->text, "granularity BYTE"))
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK(logrec_count_level(PMEM2_LOG_LEVEL_HARK) > 0, "no HARK");
	reset_defaults();
}

/* ---- child processes ---- */

/* what the child does: map, persist and copy; report the thresholds */
static int child_work(void)
{
	char path[4096];
	int fd = test_tmpfile(1 << 20, path, sizeof(path), 0);
	struct pmem2_map *map = NULL;
	if (map_file(fd, PMEM2_GRANULARITY_PAGE, &map))
		return 3;
	char *a = pmem2_map_get_address(map);
	pmem2_get_memcpy_fn(map)(a, a + 8192, 4096, 0);
	pmem2_get_persist_fn(map)(a, 4096);
	pmem2_map_delete(&map);
	if (map_file(-1, PMEM2_GRANULARITY_BYTE, &map))
		return 3;
	a = pmem2_map_get_address(map);
	pmem2_get_memset_fn(map)(a, 7, 4096, 0);
	pmem2_map_delete(&map);
	/* the device queries read sysfs */
	struct pmem2_source *src = NULL;
	int numa;
	uint64_t usc;
	pmem2_source_from_fd(&src, fd);
	pmem2_source_numa_node(src, &numa);
	pmem2_source_device_usc(src, &usc);
	pmem2_source_delete(&src);
	close(fd);
	printf("pid %d threshold %d aux %d\n", (int)getpid(),
	       get(PMEM2_LOG_THRESHOLD), get(PMEM2_LOG_THRESHOLD_AUX));
	return 0;
}

static char out[8192], err[65536];

static int child(const char *const *env)
{
	return logrec_run_self(self, "child", NULL, env, out, sizeof(out), err,
			       sizeof(err));
}

static bool thresholds(int t, int a)
{
	int pid, tt = -1, aa = -1;
	return sscanf(out, "pid %d threshold %d aux %d", &pid, &tt, &aa) == 3 &&
	       tt == t && aa == a;
}

TEST(silent_by_default)
{
	const char *env[] = {"PMEM2_LOG_LEVEL", "PMEM2_LOG_FILE", NULL};
	CHECK_EQ(child(env), 0);
	CHECK(thresholds(PMEM2_LOG_LEVEL_WARNING, PMEM2_LOG_LEVEL_HARK),
	      "child: '%s'", out);
	CHECK(err[0] == '\0', "stderr of a default program: '%s'", err);
}

TEST(env_level)
{
	const struct {
		const char *value;
		int t, a;
	} cases[] = {
		{"0", PMEM2_LOG_LEVEL_HARK, PMEM2_LOG_LEVEL_HARK},
		{"1", PMEM2_LOG_LEVEL_WARNING, PMEM2_LOG_LEVEL_WARNING},
		{"2", PMEM2_LOG_LEVEL_NOTICE, PMEM2_LOG_LEVEL_NOTICE},
		{"3", PMEM2_LOG_LEVEL_INFO, PMEM2_LOG_LEVEL_INFO},
		{"4", PMEM2_LOG_LEVEL_DEBUG, PMEM2_LOG_LEVEL_DEBUG},
		{"15", PMEM2_LOG_LEVEL_DEBUG, PMEM2_LOG_LEVEL_DEBUG},
		/* not a level: ignored */
		{"x", PMEM2_LOG_LEVEL_WARNING, PMEM2_LOG_LEVEL_HARK},
		{"-1", PMEM2_LOG_LEVEL_WARNING, PMEM2_LOG_LEVEL_HARK},
		{"", PMEM2_LOG_LEVEL_WARNING, PMEM2_LOG_LEVEL_HARK},
	};
	char var[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(var, sizeof(var), "PMEM2_LOG_LEVEL=%s",
			 cases[i].value);
		const char *env[] = {var, "PMEM2_LOG_FILE", NULL};
		CHECK_EQ(child(env), 0);
		CHECK(thresholds(cases[i].t, cases[i].a), "%s: child '%s'", var,
		      out);
		bool notice = cases[i].a >= PMEM2_LOG_LEVEL_NOTICE;
		CHECK(!!strstr(err, "libpmem2 NOTICE [") == notice,
		      "%s: stderr '%s'", var, err);
		bool info = cases[i].a >= PMEM2_LOG_LEVEL_INFO;
		CHECK(!!strstr(err, "libpmem2 INFO [src/pmem2/persist.c") ==
			      info,
		      "%s: stderr '%s'", var, err);
		if (cases[i].a < PMEM2_LOG_LEVEL_NOTICE)
			CHECK(err[0] == '\0', "%s: stderr '%s'", var, err);
	}
}

static void slurp(const char *path, char *buf, size_t len)
{
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

TEST(env_file)
{
	char dir[] = "/tmp/test_log.XXXXXX", var[320], path[256];
	char text[65536];
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		return;
	}

	/* a file: the lines go there, not to stderr */
	snprintf(path, sizeof(path), "%s/log", dir);
	snprintf(var, sizeof(var), "PMEM2_LOG_FILE=%s", path);
	const char *env[] = {"PMEM2_LOG_LEVEL=2", var, NULL};
	CHECK_EQ(child(env), 0);
	CHECK(err[0] == '\0', "stderr '%s'", err);
	slurp(path, text, sizeof(text));
	CHECK(strstr(text, "libpmem2 NOTICE [") != NULL, "file '%s'", text);
	/* appended, not replaced */
	CHECK_EQ(child(env), 0);
	slurp(path, text, sizeof(text));
	char *second = strstr(text, "libpmem2 NOTICE [");
	CHECK(second && strstr(second + 1, "libpmem2 NOTICE ["),
	      "not appended: '%s'", text);
	unlink(path);

	/* a trailing '-': the process id is appended */
	snprintf(var, sizeof(var), "PMEM2_LOG_FILE=%s/log-", dir);
	CHECK_EQ(child(env), 0);
	int pid = 0;
	CHECK(sscanf(out, "pid %d", &pid) == 1, "child '%s'", out);
	snprintf(path, sizeof(path), "%s/log-%d", dir, pid);
	slurp(path, text, sizeof(text));
	CHECK(strstr(text, "libpmem2 NOTICE [") != NULL, "%s: '%s'", path,
	      text);
	unlink(path);

	/* a file that cannot be opened: said once, then stderr is used */
	snprintf(var, sizeof(var), "PMEM2_LOG_FILE=%s/no/such/dir/log", dir);
	CHECK_EQ(child(env), 0);
	CHECK(strncmp(err, "libpmem2: cannot open PMEM2_LOG_FILE=", 37) == 0,
	      "stderr '%s'", err);
	CHECK(strstr(err, "libpmem2 NOTICE [") != NULL, "stderr '%s'", err);
	rmdir(dir);
}

int main(int argc, char *argv[])
{
	self = argv[0];
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child_work();
	/* the defaults are what this test checks: no outside settings */
	static const char *const outside[] = {"PMEM2_LOG_LEVEL",
					      "PMEM2_LOG_FILE",
					      "PMEM2_FORCE_GRANULARITY", NULL};
	if (logrec_without(argv, outside))
		return 2;
	RUN(defaults);
	RUN(bad_arguments);
	RUN(hark_on_set_function);
	RUN(map_decision);
	RUN(default_function);
	RUN(reentry);
	RUN(threads);
	RUN(silent_by_default);
	RUN(env_level);
	RUN(env_file);
	return test_done();
}
