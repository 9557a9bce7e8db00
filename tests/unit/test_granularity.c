/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_granularity.c -- the store granularity decision and its messages.
 *
 * Fake sysfs trees (tests/common/fakesys.h) give files and Device DAX
 * sources a backing region with a chosen persistence domain, so the
 * per-region eADR rule can be shown to differ from PMDK's platform-wide
 * one: a file on a cpu_cache region is BYTE even when another region of
 * the platform is not eADR, and the reverse. Also: PMEM2_FORCE_GRANULARITY
 * parsing (any case, CACHELINE alias, invalid values ignored), anonymous
 * and private mappings, MAP_SYNC refused, the fallback when the region is
 * unknown, and the exact wording of the explanation and error messages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <libpmem2.h>
#include "test.h"
#include "fakesys.h"
#include "core/err.h"
#include "core/os.h"
#include "core/sysfs.h"
#include "pmem2/granularity.h"
#include "pmem2/persist.h"
#include "pmem2/source.h"

static struct pmem2_source file_on(unsigned maj, unsigned min)
{
	struct pmem2_source s = {
		.type = PMEM2_SOURCE_FD,
		.ftype = PMEM2_FTYPE_REG,
		.fd = -1,
		.st_dev = makedev(maj, min),
	};
	return s;
}

#define FORCE "PMEM2_FORCE_GRANULARITY"
#define SWEEP_CAP 1000 /* sysfs calls a fault sweep may take */

TEST(forced_parsing)
{
	static const struct {
		const char *val;
		int ok;
		enum pmem2_granularity g;
	} cases[] = {
		{"BYTE", 1, PMEM2_GRANULARITY_BYTE},
		{"byte", 1, PMEM2_GRANULARITY_BYTE},
		{"CACHE_LINE", 1, PMEM2_GRANULARITY_CACHE_LINE},
		{"cache_line", 1, PMEM2_GRANULARITY_CACHE_LINE},
		{"CacheLine", 1, PMEM2_GRANULARITY_CACHE_LINE},
		{"CACHELINE", 1, PMEM2_GRANULARITY_CACHE_LINE},
		{"page", 1, PMEM2_GRANULARITY_PAGE},
		{"Page", 1, PMEM2_GRANULARITY_PAGE},
		{"", 0, 0},
		{"pages", 0, 0},
		{"byte ", 0, 0},
		{"2", 0, 0},
		{"CACHE-LINE", 0, 0},
		{"a-much-too-long-value-for-any-granularity", 0, 0},
	};
	enum pmem2_granularity g;
	char raw[16];

	unsetenv(FORCE);
	CHECK(!pmem2_forced_granularity(&g, raw, sizeof(raw)), "unset");
	CHECK(raw[0] == '\0', "raw empty when unset");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setenv(FORCE, cases[i].val, 1);
		g = (enum pmem2_granularity)99;
		bool ok = pmem2_forced_granularity(&g, raw, sizeof(raw));
		CHECK(ok == (bool)cases[i].ok, "\"%s\": %d", cases[i].val, ok);
		if (cases[i].ok)
			CHECK_EQ(g, cases[i].g);
		else
			CHECK_EQ(g, 99); /* untouched */
		CHECK(strncmp(raw, cases[i].val, sizeof(raw) - 1) == 0,
		      "raw \"%s\"", raw);
	}
	setenv(FORCE, "page", 1);
	CHECK(pmem2_forced_granularity(&g, NULL, 0), "raw buffer optional");
	unsetenv(FORCE);
}

TEST(simple_rules)
{
	struct gran_decision d;
	struct pmem2_source anon = {.type = PMEM2_SOURCE_ANON, .fd = -1};
	struct pmem2_source f = file_on(8, 1);
	char buf[512];

	unsetenv(FORCE);
	pmem2_granularity_decide(&anon, true, false, false, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_BYTE);
	CHECK_EQ(d.reason, GRAN_WHY_ANON);
	pmem2_granularity_explain(&d, buf, sizeof(buf));
	CHECK(strstr(buf, "BYTE: anonymous memory") == buf, "%s", buf);

	pmem2_granularity_decide(&f, false, true, false, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_BYTE);
	CHECK_EQ(d.reason, GRAN_WHY_PRIVATE);
	pmem2_granularity_explain(&d, buf, sizeof(buf));
	CHECK(strstr(buf, "BYTE: private") == buf, "%s", buf);

	/* the environment does not change anon or private */
	setenv(FORCE, "PAGE", 1);
	pmem2_granularity_decide(&anon, true, false, false, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_BYTE);
	pmem2_granularity_decide(&f, false, true, false, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_BYTE);

	/* but replaces detection for shared file mappings */
	pmem2_granularity_decide(&f, false, false, false, EOPNOTSUPP, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_PAGE);
	CHECK_EQ(d.reason, GRAN_WHY_FORCED);
	pmem2_granularity_explain(&d, buf, sizeof(buf));
	CHECK(strcmp(buf, "PAGE: forced by PMEM2_FORCE_GRANULARITY=PAGE") == 0,
	      "%s", buf);
	setenv(FORCE, "cacheline", 1);
	pmem2_granularity_decide(&f, false, false, false, EOPNOTSUPP, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_CACHE_LINE);
	pmem2_granularity_error(&d, PMEM2_GRANULARITY_BYTE);
	CHECK(strcmp(err_msg(),
		     "required BYTE but only CACHE_LINE is available: forced "
		     "by PMEM2_FORCE_GRANULARITY=cacheline; unset it or "
		     "require CACHE_LINE") == 0,
	      "%s", err_msg());

	/* invalid: quietly ignored */
	setenv(FORCE, "fast", 1);
	err_clear();
	pmem2_granularity_decide(&f, false, false, false, EOPNOTSUPP, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_PAGE);
	CHECK_EQ(d.reason, GRAN_WHY_NO_MAPSYNC);
	CHECK(err_msg()[0] == '\0', "no message for an ignored value");
	unsetenv(FORCE);

	/* MAP_SYNC refused */
	pmem2_granularity_decide(&f, false, false, false, EOPNOTSUPP, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_PAGE);
	CHECK(!d.map_sync && d.map_sync_errno == EOPNOTSUPP, "errno kept");
	pmem2_granularity_error(&d, PMEM2_GRANULARITY_CACHE_LINE);
	CHECK(strcmp(err_msg(),
		     "required CACHE_LINE but only PAGE is available: mmap "
		     "with MAP_SYNC was refused (Operation not supported), so "
		     "the file is not on a DAX filesystem; use a file on fsdax "
		     "(mount -o dax) or a device DAX, or require PAGE") == 0,
	      "%s", err_msg());
	pmem2_granularity_explain(&d, buf, sizeof(buf));
	CHECK(strstr(buf, "PAGE: mmap with MAP_SYNC was refused (Operation "
			  "not supported)") == buf,
	      "%s", buf);
	pmem2_granularity_decide(&f, false, false, false, EINVAL, &d);
	pmem2_granularity_error(&d, PMEM2_GRANULARITY_BYTE);
	CHECK(strstr(err_msg(), "required BYTE but only PAGE") &&
		      strstr(err_msg(), "Invalid argument") &&
		      strstr(err_msg(), "older than 4.15"),
	      "%s", err_msg());
}

static char root[PATH_MAX];

static void build_tree(void)
{
	int r = 0;
	r |= fakesys_create(root, sizeof(root));
	r |= fakesys_region(root, 1, "cpu_cache");
	r |= fakesys_region(root, 2, "memory_controller");
	r |= fakesys_region(root, 3, NULL);
	r |= fakesys_fsdax(root, 1, 0, "pmem1", makedev(259, 0), NULL, 0);
	r |= fakesys_fsdax(root, 2, 0, "pmem2", makedev(259, 1), NULL, 0);
	r |= fakesys_fsdax(root, 3, 0, "pmem3", makedev(259, 2), NULL, 0);
	r |= fakesys_devdax(root, 1, 1, makedev(1, 5), 1 << 30, 2 << 20, NULL,
			    0);
	if (r) {
		printf("cannot build the fake sysfs tree\n");
		exit(2);
	}
}

TEST(per_region_eadr)
{
	struct gran_decision d;
	struct pmem2_source eadr = file_on(259, 0), adr = file_on(259, 1),
			    nodom = file_on(259, 2), none = file_on(8, 3);
	char buf[512];

	unsetenv(FORCE);
	build_tree();
	sysfs_set_root(root);
	/* the regions decide here, whatever this processor's clean reaches
	 * (test_arch.c covers a CPU that cannot clean to persistence) */
	struct pmem2_persist_forced pop = {
		NULL, NULL, -1, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, 1};
	CHECK_RC(pmem2_persist_force(&pop), 0);

	/* region1 is cpu_cache although region2 is not: PMDK says
	 * CACHE_LINE here, we say BYTE */
	pmem2_granularity_decide(&eadr, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_BYTE);
	CHECK_EQ(d.reason, GRAN_WHY_EADR);
	CHECK(d.has_region && !d.region_fallback, "region found");
	CHECK(strcmp(d.region.name, "region1") == 0, "%s", d.region.name);
	CHECK(strcmp(d.persistence_domain, "cpu_cache") == 0, "%s",
	      d.persistence_domain);
	pmem2_granularity_explain(&d, buf, sizeof(buf));
	CHECK(strcmp(buf, "BYTE: MAP_SYNC accepted and region1 "
			  "persistence_domain is cpu_cache (eADR): CPU caches "
			  "are persistent, stores need no flush") == 0,
	      "%s", buf);

	pmem2_granularity_decide(&adr, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_CACHE_LINE);
	CHECK_EQ(d.reason, GRAN_WHY_ADR);
	CHECK(strcmp(d.region.name, "region2") == 0, "%s", d.region.name);
	pmem2_granularity_explain(&d, buf, sizeof(buf));
	CHECK(strcmp(buf, "CACHE_LINE: MAP_SYNC accepted and region2 "
			  "persistence_domain is memory_controller (ADR): "
			  "stores must be flushed from CPU caches") == 0,
	      "%s", buf);
	pmem2_granularity_error(&d, PMEM2_GRANULARITY_BYTE);
	CHECK(strstr(err_msg(),
		     "required BYTE but only CACHE_LINE is "
		     "available: the platform is not eADR (region2 "
		     "persistence_domain is memory_controller)") == err_msg(),
	      "%s", err_msg());

	pmem2_granularity_decide(&nodom, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_CACHE_LINE);
	pmem2_granularity_explain(&d, buf, sizeof(buf));
	CHECK(strstr(buf, "region3 reports no persistence_domain"), "%s", buf);

	/* Device DAX on region1 */
	struct pmem2_source dax = {.type = PMEM2_SOURCE_FD,
				   .ftype = PMEM2_FTYPE_DEVDAX,
				   .fd = -1,
				   .st_rdev = makedev(1, 5)};
	pmem2_granularity_decide(&dax, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_BYTE);
	CHECK(strcmp(d.region.name, "region1") == 0, "%s", d.region.name);

	/* MAP_SYNC refused wins over the region */
	pmem2_granularity_decide(&eadr, false, false, false, EOPNOTSUPP, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_PAGE);

	/* forced wins over the region */
	setenv(FORCE, "page", 1);
	pmem2_granularity_decide(&eadr, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_PAGE);
	unsetenv(FORCE);

	/* region unknown: fall back to "every region is cpu_cache" */
	pmem2_granularity_decide(&none, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_CACHE_LINE);
	CHECK(!d.has_region && d.region_fallback, "fallback used");
	pmem2_granularity_explain(&d, buf, sizeof(buf));
	CHECK(strstr(buf, "not every region of the platform reports "
			  "cpu_cache"),
	      "%s", buf);

	CHECK(fakesys_write(root, FAKESYS_NDBUS "/region2/persistence_domain",
			    "cpu_cache\n") == 0,
	      "write");
	CHECK(fakesys_write(root, FAKESYS_NDBUS "/region3/persistence_domain",
			    "cpu_cache\n") == 0,
	      "write");
	pmem2_granularity_decide(&none, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_BYTE);
	CHECK_EQ(d.reason, GRAN_WHY_EADR);
	pmem2_granularity_explain(&d, buf, sizeof(buf));
	CHECK(strstr(buf, "every region of the platform reports cpu_cache") &&
		      !strstr(buf, "not every"),
	      "%s", buf);

	/* the file's own region decides even when all others agree */
	CHECK(fakesys_write(root, FAKESYS_NDBUS "/region1/persistence_domain",
			    "memory_controller\n") == 0,
	      "write");
	pmem2_granularity_decide(&eadr, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_CACHE_LINE);
	pmem2_granularity_decide(&adr, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_BYTE);

	/* a sysfs read failing at any step: never eADR (a read that failed
	 * proves nothing; the fallback finds region1 not cpu_cache), never a
	 * crash. Swept until the fault no longer fires: that clean run is
	 * eADR, as above; a sweep that never gets there fails at the cap. */
	bool clean = false;
	for (unsigned long nth = 1; nth <= SWEEP_CAP && !clean; nth++) {
		os_fault_inject(OS_SYSFS, nth, EIO);
		pmem2_granularity_decide(&adr, false, false, true, 0, &d);
		clean = os_fault_calls(OS_SYSFS) < nth;
		os_fault_reset();
		CHECK(d.available == (clean ? PMEM2_GRANULARITY_BYTE
					    : PMEM2_GRANULARITY_CACHE_LINE),
		      "sysfs call %lu failing: decided %d", nth, d.available);
	}
	CHECK(clean, "the fault still fired at sysfs call %d", SWEEP_CAP);

	/* no NVDIMM at all */
	sysfs_set_root(NULL);
	fakesys_destroy(root);
	CHECK(fakesys_create(root, sizeof(root)) == 0, "empty tree");
	sysfs_set_root(root);
	pmem2_granularity_decide(&none, false, false, true, 0, &d);
	CHECK_EQ(d.available, PMEM2_GRANULARITY_CACHE_LINE);

	sysfs_set_root(NULL);
	fakesys_destroy(root);
	pmem2_persist_unforce();
}

int main(void)
{
	RUN(forced_parsing);
	RUN(simple_rules);
	RUN(per_region_eadr);
	return test_done();
}
