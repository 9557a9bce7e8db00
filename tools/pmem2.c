/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmem2.c -- the `pmem2` command-line tool.
 *
 * "Why did my mapping get PAGE granularity?" is the first question almost
 * every user of the library asks. `pmem2 info PATH...` answers it by asking
 * the library itself: it maps each file or device the way an application
 * would (SHARED, requiring only PAGE so the map cannot be refused for
 * granularity), then reports the decision the library recorded in the map
 * (struct gran_decision) with the same renderer the library's error
 * messages and log lines use. Around that it reports what the library can
 * find out about the backing hardware (region, persistence domain, NUMA
 * node, device id, unsafe shutdown count, bad blocks; the bus provider,
 * the CXL memory devices and where a device DAX comes from) and the
 * process-wide CPU choices (flush instruction, copy routines). A directory
 * means "a new file there": a temporary file is made in it, reported on and
 * removed.
 *
 * The tool links the static internal archive so that it can read the
 * recorded decision; everything it reports comes from library code, so the
 * tool and the library cannot disagree.
 *
 * Output, for people and for scripts (doc/pmem2-tool.md, pmem2(1)): every
 * report has the same keys in the same order. A value is the fact itself,
 * or "not supported" with the reason (the fact does not exist for this
 * source: no NVDIMM region, anonymous memory, ...), or an error with the
 * library's message (it should exist but could not be read). Text: one
 * "key: value" line per item, values aligned, reports separated by a blank
 * line. JSON (--json): an array with one object per PATH, in order; the
 * three kinds are a JSON value, {"not_supported": "reason"} and
 * {"error": "message"}; a PATH that cannot be reported on at all is
 * {"path": PATH, "error": "message"}.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpmem2.h>
#include "core/granularity_name.h"
#include "pmem2/config.h"
#include "pmem2/granularity.h"
#include "pmem2/log.h"
#include "pmem2/map.h"
#include "pmem2/persist.h"
#include "pmem2/region.h"
#include "pmem2/source.h"
#include "pmem2/usc.h"

#define TOOL_NAME "pmem2"
#ifndef PMEM2_PROJECT_VERSION
#error "PMEM2_PROJECT_VERSION (the project's version) is not defined"
#endif
#define TMP_FILE_SIZE ((size_t)2 << 20)
#define MAX_ITEMS 40
#define VAL_MAX 1280
#define BB_SHOW 4 /* bad blocks listed one by one in text, the rest counted */
#define BB_JSON_MAX 4096 /* bad blocks listed in JSON */

/* ---- the report: a list of items printed as text or JSON ---- */

enum kind {
	VALUE,	/* the fact: json holds a JSON value */
	NOSUPP, /* "not supported": text holds the reason */
	ERROR,	/* "error": text holds the message */
};

struct item {
	const char *key;
	enum kind kind;
	char text[VAL_MAX]; /* the value as shown in text mode */
	char *json;	    /* VALUE: the JSON value (owned) */
};

static struct item items[MAX_ITEMS];
static unsigned nitems;

static void report_reset(void)
{
	for (unsigned i = 0; i < nitems; i++)
		free(items[i].json);
	memset(items, 0, sizeof(items));
	nitems = 0;
}

/* length of the valid UTF-8 sequence at s, 0 if it is not one */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80			 ? 1
		   : s[0] >= 0xc2 && s[0] < 0xe0 ? 2
		   : s[0] >= 0xe0 && s[0] < 0xf0 ? 3
		   : s[0] >= 0xf0 && s[0] < 0xf5 ? 4
						 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* s as a JSON string, malloc'ed; bytes that are not UTF-8 become U+FFFD */
static char *json_string(const char *s)
{
	size_t cap = strlen(s) * 6 + 3, o = 0;
	char *out = malloc(cap);

	if (!out) {
		fprintf(stderr, "%s: out of memory\n", TOOL_NAME);
		exit(2);
	}
	out[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_len(p);
		if (*p == '"' || *p == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*p++;
		} else if (*p < 0x20) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x",
					      *p++);
		} else if (n == 0) {
			o += (size_t)snprintf(out + o, cap - o, "\\ufffd");
			p++;
		} else {
			memcpy(out + o, p, n);
			o += n;
			p += n;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

static char *json_dup(const char *s)
{
	char *d = strdup(s);
	if (!d) {
		fprintf(stderr, "%s: out of memory\n", TOOL_NAME);
		exit(2);
	}
	return d;
}

static struct item *item_new(const char *key, enum kind kind)
{
	if (nitems == MAX_ITEMS) {
		fprintf(stderr, "%s: internal error: too many report items\n",
			TOOL_NAME);
		exit(2);
	}
	struct item *it = &items[nitems++];
	it->key = key;
	it->kind = kind;
	return it;
}

/* a string value */
__attribute__((format(printf, 2, 3))) static void add_str(const char *key,
							  const char *fmt, ...)
{
	struct item *it = item_new(key, VALUE);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(it->text, sizeof(it->text), fmt, ap);
	va_end(ap);
	it->json = json_string(it->text);
}

/* a number: JSON gets the bare number, text gets it with a human hint */
static void add_num(const char *key, uint64_t n, bool bytes)
{
	struct item *it = item_new(key, VALUE);
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
	char num[32];

	snprintf(num, sizeof(num), "%" PRIu64, n);
	it->json = json_dup(num);
	if (!bytes || n < 1024) {
		snprintf(it->text, sizeof(it->text), "%s", num);
		return;
	}
	double v = (double)n / 1024;
	unsigned u = 0;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(it->text, sizeof(it->text), "%s (%.4g %s)", num, v, units[u]);
}

/* a signed number (a NUMA node may be -1) */
static void add_int(const char *key, long long n)
{
	struct item *it = item_new(key, VALUE);

	snprintf(it->text, sizeof(it->text), "%lld", n);
	it->json = json_dup(it->text);
}

/* a boolean, shown as text_true / text_false */
static void add_bool(const char *key, bool b, const char *text_true,
		     const char *text_false)
{
	struct item *it = item_new(key, VALUE);

	snprintf(it->text, sizeof(it->text), "%s", b ? text_true : text_false);
	it->json = json_dup(b ? "true" : "false");
}

/* "not supported" (NOSUPP) or "error" (ERROR), with the reason */
__attribute__((format(printf, 3, 4))) static void
add_not(const char *key, enum kind kind, const char *fmt, ...)
{
	struct item *it = item_new(key, kind);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(it->text, sizeof(it->text), fmt, ap);
	va_end(ap);
}

/* The library's message of the last failure, or a fallback. */
static const char *libmsg(int ret)
{
	const char *m = pmem2_errormsg();

	if (m && *m)
		return m;
	static __thread char buf[64];
	snprintf(buf, sizeof(buf), "error %d", ret);
	return buf;
}

/* A failed library query: "not supported" when the library says the fact
 * does not exist for this source, otherwise an error. */
static void add_failure(const char *key, int ret)
{
	bool nosupp =
		ret == PMEM2_E_NOSUPP || ret == PMEM2_E_DAX_REGION_NOT_FOUND;
	add_not(key, nosupp ? NOSUPP : ERROR, "%s", libmsg(ret));
}

static void report_text(void)
{
	size_t w = 0;

	for (unsigned i = 0; i < nitems; i++)
		if (strlen(items[i].key) > w)
			w = strlen(items[i].key);
	for (unsigned i = 0; i < nitems; i++)
		printf("%s:%*s %s%s\n", items[i].key,
		       (int)(w - strlen(items[i].key)), "",
		       items[i].kind == NOSUPP	? "not supported: "
		       : items[i].kind == ERROR ? "error: "
						: "",
		       items[i].text);
}

static void report_json(bool first)
{
	printf("%s  {\n", first ? "" : ",\n");
	for (unsigned i = 0; i < nitems; i++) {
		const struct item *it = &items[i];
		char *reason = it->kind == VALUE ? NULL : json_string(it->text);
		printf("    \"%s\": ", it->key);
		if (it->kind == VALUE)
			printf("%s", it->json);
		else
			printf("{\"%s\": %s}",
			       it->kind == NOSUPP ? "not_supported" : "error",
			       reason);
		printf("%s\n", i + 1 < nitems ? "," : "");
		free(reason);
	}
	printf("  }");
}

/* ---- errors ---- */

static bool json_out;	  /* --json */
static unsigned reported; /* reports (and error objects) printed */

/*
 * PATH cannot be reported on: one line on stderr; with --json also an
 * error object in the array. Returns 1 (the exit status).
 */
__attribute__((format(printf, 2, 3))) static int fail(const char *path,
						      const char *fmt, ...)
{
	char msg[VAL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s: %s\n", TOOL_NAME, path, msg);
	if (json_out) {
		char *p = json_string(path), *m = json_string(msg);
		printf("%s  {\n    \"path\": %s,\n    \"error\": %s\n  }",
		       reported ? ",\n" : "", p, m);
		free(p);
		free(m);
		reported++;
	}
	return 1;
}

static void report_print(void)
{
	if (json_out)
		report_json(reported == 0);
	else
		printf("%s", reported ? "\n" : "");
	if (!json_out)
		report_text();
	reported++;
}

/* ---- the individual probes ---- */

static const char *type_name(const struct pmem2_source *src)
{
	if (src->type == PMEM2_SOURCE_ANON)
		return "anonymous";
	switch (src->ftype) {
	case PMEM2_FTYPE_REG:
		return "regular file";
	case PMEM2_FTYPE_DEVDAX:
		return "device DAX";
	case PMEM2_FTYPE_DIR:
		return "directory";
	}
	return "unknown";
}

static const char *rule_name(enum gran_reason r)
{
	switch (r) {
	case GRAN_WHY_ANON:
		return "anonymous";
	case GRAN_WHY_PRIVATE:
		return "private";
	case GRAN_WHY_FORCED:
		return "forced";
	case GRAN_WHY_NO_MAPSYNC:
		return "no_map_sync";
	case GRAN_WHY_ADR:
		return "adr";
	case GRAN_WHY_EADR:
		return "eadr";
	case GRAN_WHY_CPU_NO_CLEAN:
		return "cpu_no_clean";
	case GRAN_WHY_VOLATILE:
		return "volatile";
	}
	return "unknown";
}

/*
 * Map the source as an application would and report what the library
 * decided. Returns 0, or 1 after reporting the failure.
 */
static int probe_map(struct pmem2_source *src, size_t size, size_t align,
		     bool writable, const char *path)
{
	struct pmem2_config *cfg = NULL;
	struct pmem2_map *map = NULL;
	char buf[VAL_MAX];
	int ret;

	ret = pmem2_config_new(&cfg);
	if (ret)
		return fail(path, "cannot create a config: %s", libmsg(ret));
	/* PAGE is the coarsest: the map is never refused for granularity */
	pmem2_config_set_required_store_granularity(cfg,
						    PMEM2_GRANULARITY_PAGE);
	pmem2_config_set_sharing(cfg, PMEM2_SHARED);
	if (!writable)
		pmem2_config_set_protection(cfg, PMEM2_PROT_READ);
	/* the smallest legal mapping is enough: the decision does not depend
	 * on the length, and a huge device need not be mapped whole */
	if (size > align)
		pmem2_config_set_length(cfg, align);

	ret = pmem2_map_new(&map, cfg, src);
	pmem2_config_delete(&cfg);
	if (ret)
		return fail(path, "cannot map it: %s", libmsg(ret));

	const struct gran_decision *d = &map->gran;
	enum pmem2_granularity g = pmem2_map_get_store_granularity(map);
	if (d->map_sync)
		add_bool("map_sync", true, "accepted", "");
	else if (src->type == PMEM2_SOURCE_ANON)
		add_not("map_sync", NOSUPP,
			"anonymous memory is not mapped "
			"with MAP_SYNC");
	else if (d->map_sync_errno)
		add_not("map_sync", NOSUPP,
			"mmap with MAP_SYNC refused: %s (errno %d)",
			strerror(d->map_sync_errno), d->map_sync_errno);
	else
		add_not("map_sync", NOSUPP, "mmap with MAP_SYNC refused");
	add_str("granularity", "%s", granularity_name(g));
	add_str("granularity_rule", "%s", rule_name(d->reason));
	pmem2_granularity_explain(d, buf, sizeof(buf));
	add_str("granularity_reason", "%s", buf);
	pmem2_persist_method(g, buf, sizeof(buf));
	add_str("persist", "%s", buf);

	ret = pmem2_map_delete(&map);
	if (ret)
		return fail(path, "cannot unmap it: %s", libmsg(ret));
	return 0;
}

/* a region attribute: the text (number when numeric), "not supported"
 * when the attribute does not exist, else an error */
static void region_attr(const struct pmem2_region *r, const char *key,
			const char *attr, bool numeric)
{
	char buf[256];
	int ret = pmem2_region_attr(r, attr, buf, sizeof(buf));

	if (ret == -ENOENT) {
		add_not(key, NOSUPP, "%s has no %s attribute", r->name, attr);
	} else if (ret < 0) {
		add_not(key, ERROR, "cannot read %s/%s: %s", r->name, attr,
			strerror(-ret));
	} else if (numeric) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(buf, &end, 0);
		if (errno || end == buf || *end)
			add_not(key, ERROR, "%s/%s is not a number: \"%s\"",
				r->name, attr, buf);
		else
			add_num(key, v, false);
	} else {
		add_str(key, "%s", buf);
	}
}

/* a device DAX not on an NVDIMM region: true, and where it comes from */
static bool volatile_dax(const struct pmem2_source *src, char *from, size_t len)
{
	struct pmem2_dax_origin o;

	if (src->type != PMEM2_SOURCE_FD || src->ftype != PMEM2_FTYPE_DEVDAX ||
	    pmem2_devdax_origin(src->st_rdev, &o) || o.kind == DAX_ORIGIN_ND)
		return false;
	pmem2_dax_origin_describe(&o, from, len);
	return true;
}

static void probe_region(const struct pmem2_source *src)
{
	static const char *const keys[] = {"namespace", "block_device",
					   "persistence_domain", "deep_flush"};
	struct pmem2_region r;
	int ret;

	if (src->type == PMEM2_SOURCE_ANON) {
		add_not("region", NOSUPP, "anonymous memory has no device");
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			add_not(keys[i], NOSUPP,
				"anonymous memory has no "
				"device");
		return;
	}
	ret = pmem2_region_of_source(src, &r);
	char volatile_from[160];
	if (ret == 1 &&
	    volatile_dax(src, volatile_from, sizeof(volatile_from))) {
		add_not("region", NOSUPP,
			"volatile memory: the device DAX comes from %s, not "
			"from an NVDIMM region",
			volatile_from);
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			add_not(keys[i], NOSUPP,
				"volatile memory, no NVDIMM region");
		return;
	}
	if (ret) {
		if (ret == 1)
			add_not("region", NOSUPP,
				"not on an NVDIMM region (no /sys/bus/nd "
				"region backs it)");
		else
			add_not("region", ERROR, "%s", libmsg(ret));
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			add_not(keys[i], NOSUPP, "no NVDIMM region");
		return;
	}
	add_str("region", "%s", r.name);
	if (r.namespace[0])
		add_str("namespace", "%s", r.namespace);
	else
		add_not("namespace", NOSUPP, "%s names no namespace for it",
			r.name);
	if (r.blockdev[0])
		add_str("block_device", "/dev/%s", r.blockdev);
	else
		add_not("block_device", NOSUPP,
			"only a file on an fsdax namespace has one");
	region_attr(&r, "persistence_domain", "persistence_domain", false);
	region_attr(&r, "deep_flush", "deep_flush", true);
}

/* bad blocks: JSON an array of {offset, length}, text "none" or a list */
static void probe_badblocks(const struct pmem2_source *src)
{
	struct pmem2_badblock_context *bbctx = NULL;
	struct pmem2_badblock bb;
	char list[VAL_MAX] = "";
	size_t off = 0, joff = 1, jcap = 64;
	unsigned n = 0;
	int ret = pmem2_badblock_context_new(&bbctx, src);

	if (ret) {
		add_failure("bad_blocks", ret);
		return;
	}
	char *json = malloc(jcap);
	if (!json) {
		fprintf(stderr, "%s: out of memory\n", TOOL_NAME);
		exit(2);
	}
	json[0] = '[';
	while ((ret = pmem2_badblock_next(bbctx, &bb)) == 0) {
		if (n < BB_SHOW && off < sizeof(list))
			off += (size_t)snprintf(list + off, sizeof(list) - off,
						"%s[%zu, +%zu)", n ? ", " : "",
						bb.offset, bb.length);
		if (n < BB_JSON_MAX) {
			if (joff + 80 > jcap) {
				char *j = realloc(json, jcap *= 2);
				if (!j) {
					fprintf(stderr, "%s: out of memory\n",
						TOOL_NAME);
					exit(2);
				}
				json = j;
			}
			joff += (size_t)snprintf(
				json + joff, jcap - joff,
				"%s{\"offset\": %zu, \"length\": %zu}",
				n ? ", " : "", bb.offset, bb.length);
		}
		n++;
	}
	pmem2_badblock_context_delete(&bbctx);
	snprintf(json + joff, jcap - joff, "]");
	if (ret != PMEM2_E_NO_BAD_BLOCK_FOUND) {
		free(json);
		add_failure("bad_blocks", ret);
		return;
	}
	struct item *it = item_new("bad_blocks", VALUE);
	it->json = json;
	if (n == 0)
		snprintf(it->text, sizeof(it->text), "none");
	else
		snprintf(it->text, sizeof(it->text), "%u: %s%s", n, list,
			 n > BB_SHOW ? ", ..." : "");
}

static void probe_ras(const struct pmem2_source *src)
{
	int numa;
	uint64_t usc;
	size_t len = 0;
	int ret;

	if (src->type == PMEM2_SOURCE_ANON) {
		static const char *const keys[] = {"numa_node", "device_id",
						   "unsafe_shutdown_count",
						   "bad_blocks"};
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			add_not(keys[i], NOSUPP,
				"anonymous memory has no "
				"device");
		return;
	}
	ret = pmem2_source_numa_node(src, &numa);
	if (ret)
		add_failure("numa_node", ret);
	else
		add_int("numa_node", numa);

	ret = pmem2_source_device_id(src, NULL, &len);
	char *id = ret ? NULL : calloc(1, len + 1);
	if (!ret && !id) {
		add_not("device_id", ERROR, "out of memory");
	} else if (!ret && (ret = pmem2_source_device_id(src, id, &len)) == 0) {
		add_str("device_id", "%s", id);
	} else {
		add_failure("device_id", ret);
	}
	free(id);

	ret = pmem2_source_device_usc(src, &usc);
	if (ret)
		add_failure("unsafe_shutdown_count", ret);
	else
		add_num("unsafe_shutdown_count", usc, false);

	probe_badblocks(src);
}

static void probe_cpu(void)
{
	const struct pmem2_persist_info *pi = pmem2_persist_info();

	add_str("flush_instruction", "%s", pi->flush);
	add_str("fence", "%s", pi->fence);
	add_str("copy_engine", "%s", pi->engine);
	add_num("movnt_threshold", pi->movnt_threshold, false);
	add_str("cpu_flush", "%s", pmem2_persist_describe());
}

/* ---- CXL and device DAX origin (keys after the CPU's) ---- */

struct memdev_list {
	char text[VAL_MAX - 32]; /* "N: " goes before it */
	size_t toff;
	char *json;
	size_t joff, jcap;
	unsigned n;
};

/* append printf output to the JSON text of the list */
__attribute__((format(printf, 2, 3))) static void
json_add(struct memdev_list *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	while (l->joff + (size_t)n + 1 > l->jcap) {
		char *j = realloc(l->json, l->jcap *= 2);
		if (!j) {
			fprintf(stderr, "%s: out of memory\n", TOOL_NAME);
			exit(2);
		}
		l->json = j;
	}
	va_start(ap, fmt);
	vsnprintf(l->json + l->joff, l->jcap - l->joff, fmt, ap);
	va_end(ap);
	l->joff += (size_t)n;
}

/* a field of a memdev: the JSON string of s, or {"kind": why} */
static void json_field(struct memdev_list *l, const char *key, const char *s,
		       const char *kind, const char *why)
{
	char *v = json_string(s ? s : why);
	if (s)
		json_add(l, ", \"%s\": %s", key, v);
	else
		json_add(l, ", \"%s\": {\"%s\": %s}", key, kind, v);
	free(v);
}

/* one DIMM of a CXL region: its memory device, serial, dirty shutdowns */
static int memdev_cb(const char *nmem, void *arg)
{
	struct memdev_list *l = arg;
	char memdev[64], serial[64], usc_text[32];
	uint64_t usc;

	int ret = pmem2_dimm_cxl_memdev(nmem, memdev, sizeof(memdev), serial,
					sizeof(serial));
	char *err = ret < 0 ? json_dup(libmsg(ret)) : NULL;
	int uret = pmem2_dimm_usc(nmem, &usc);
	if (uret == 0)
		snprintf(usc_text, sizeof(usc_text), "%" PRIu64, usc);
	else
		snprintf(usc_text, sizeof(usc_text), "%s",
			 uret == PMEM2_E_NOSUPP ? "not supported" : "error");

	char *name = json_string(nmem);
	json_add(l, "%s{\"nmem\": %s", l->n ? ", " : "", name);
	free(name);
	json_field(l, "memdev", ret ? NULL : memdev,
		   ret < 0 ? "error" : "not_supported",
		   err ? err : "no cxl/provider: not a CXL memory device");
	json_field(l, "serial", ret || !serial[0] ? NULL : serial,
		   ret ? "error" : "not_supported",
		   err ? err : "the memory device's serial cannot be read");
	if (uret == 0) {
		json_add(l, ", \"dirty_shutdown\": %" PRIu64 "}", usc);
	} else {
		char *why = json_string(libmsg(uret));
		json_add(l, ", \"dirty_shutdown\": {\"%s\": %s}}",
			 uret == PMEM2_E_NOSUPP ? "not_supported" : "error",
			 why);
		free(why);
	}
	if (l->toff < sizeof(l->text))
		l->toff += (size_t)snprintf(
			l->text + l->toff, sizeof(l->text) - l->toff,
			"%s%s = %s serial %s dirty_shutdown %s",
			l->n ? "; " : "", nmem, ret ? "?" : memdev,
			ret || !serial[0] ? "?" : serial, usc_text);
	free(err);
	l->n++;
	return 0;
}

static void probe_cxl(const struct pmem2_source *src)
{
	struct pmem2_region r;
	char provider[64], from[160];
	struct pmem2_dax_origin o;

	int ret = src->type == PMEM2_SOURCE_ANON
			  ? -1
			  : pmem2_region_of_source(src, &r);
	const char *none = src->type == PMEM2_SOURCE_ANON
				   ? "anonymous memory has no device"
				   : "no NVDIMM region";
	bool cxl = false;
	if (ret == 0) {
		int n = pmem2_region_provider(&r, provider, sizeof(provider));
		cxl = n >= 0 && strcmp(provider, "CXL") == 0;
		if (n < 0 && n != -ENOENT)
			add_not("bus_provider", ERROR,
				"cannot read the provider of %s: %s", r.bus,
				strerror(-n));
		else if (n < 0)
			add_not("bus_provider", NOSUPP,
				"%s has no provider attribute",
				r.bus[0] ? r.bus : "the nvdimm bus");
		else
			add_str("bus_provider", "%s", provider);
	} else if (ret < 0 && src->type != PMEM2_SOURCE_ANON) {
		add_not("bus_provider", ERROR, "%s", libmsg(ret));
	} else {
		add_not("bus_provider", NOSUPP, "%s", none);
	}

	if (ret != 0) {
		add_not("cxl_memdevs", NOSUPP, "%s", none);
	} else if (!cxl) {
		add_not("cxl_memdevs", NOSUPP, "%s is not on a CXL bus",
			r.name);
	} else {
		struct memdev_list l = {.jcap = 256};
		l.json = malloc(l.jcap);
		if (!l.json) {
			fprintf(stderr, "%s: out of memory\n", TOOL_NAME);
			exit(2);
		}
		json_add(&l, "[");
		int e = pmem2_region_for_each_dimm(&r, "memory device",
						   memdev_cb, &l);
		if (e) {
			free(l.json);
			add_failure("cxl_memdevs", e);
		} else {
			json_add(&l, "]");
			struct item *it = item_new("cxl_memdevs", VALUE);
			it->json = l.json;
			snprintf(it->text, sizeof(it->text), "%u: %s", l.n,
				 l.text);
		}
	}

	if (src->type != PMEM2_SOURCE_FD || src->ftype != PMEM2_FTYPE_DEVDAX) {
		add_not("dax_origin", NOSUPP, "only a device DAX has one");
	} else if ((ret = pmem2_devdax_origin(src->st_rdev, &o)) != 0) {
		add_not("dax_origin", ERROR, "%s", libmsg(ret));
	} else {
		pmem2_dax_origin_describe(&o, from, sizeof(from));
		add_str("dax_origin", "%s: %s memory", from,
			o.kind == DAX_ORIGIN_ND ? "persistent" : "volatile");
	}
}

/* ---- pmem2 info ---- */

/*
 * Report on an open source; path is what the user gave, file what was
 * mapped (NULL: anonymous memory). Returns the exit status.
 */
static int info_source(struct pmem2_source *src, const char *path,
		       const char *file, bool temporary, bool writable)
{
	size_t size = 0, align = 0;
	int ret;

	ret = pmem2_source_size(src, &size);
	if (ret)
		return fail(path, "cannot read its size: %s", libmsg(ret));
	ret = pmem2_source_alignment(src, &align);
	if (ret)
		return fail(path, "cannot read its alignment: %s", libmsg(ret));
	if (size == 0)
		return fail(path,
			    "the file is empty (size 0): there is nothing to "
			    "map; give it a size first (e.g. `truncate -s 2M "
			    "%s`)",
			    path);

	report_reset();
	add_str("path", "%s", path);
	if (file)
		add_str("file", "%s", file);
	else
		add_not("file", NOSUPP, "anonymous memory has no file");
	add_bool("temporary", temporary,
		 "yes (created for the report, removed)", "no");
	add_str("type", "%s", type_name(src));
	add_num("size", size, true);
	add_num("alignment", align, true);
	if (probe_map(src, size, align, writable, path)) {
		report_reset();
		return 1;
	}
	probe_region(src);
	probe_ras(src);
	probe_cpu();
	probe_cxl(src);
	report_print();
	report_reset();
	return 0;
}

/* file: the file to map; path: what the user named (the directory for a
 * temporary file) */
static int info_file(const char *path, const char *file, bool temporary)
{
	struct pmem2_source *src = NULL;
	bool writable = true;
	int fd, ret;

	/* read-write when allowed (what an application would do), otherwise
	 * read-only: the report needs no writes */
	fd = open(file, O_RDWR);
	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS)) {
		writable = false;
		fd = open(file, O_RDONLY);
	}
	if (fd < 0) {
		int e = errno;
		return fail(path, "cannot open: %s%s", strerror(e),
			    e == EACCES ? "; it needs read permission for "
					  "this user"
					: "");
	}
	ret = pmem2_source_from_fd(&src, fd);
	if (ret) {
		close(fd);
		return fail(path, "%s", libmsg(ret));
	}
	ret = info_source(src, path, file, temporary, writable);
	pmem2_source_delete(&src);
	close(fd);
	return ret;
}

/* A new 2 MiB file in dir, reported on and removed. why_dir names where
 * dir came from, for the message when no file can be made there. */
static int info_dir(const char *path, const char *dir, const char *why_dir)
{
	char file[4096];
	int fd, ret;

	if ((size_t)snprintf(file, sizeof(file), "%s/pmem2-info.XXXXXX", dir) >=
	    sizeof(file))
		return fail(path, "the directory name is too long");
	fd = mkstemp(file);
	if (fd < 0)
		return fail(path,
			    "cannot create a temporary file in %s: %s (%s)",
			    dir, strerror(errno), why_dir);
	ret = posix_fallocate(fd, 0, (off_t)TMP_FILE_SIZE);
	if (ret == EOPNOTSUPP || ret == EINVAL)
		ret = ftruncate(fd, (off_t)TMP_FILE_SIZE) ? errno : 0;
	close(fd);
	if (ret) {
		unlink(file);
		return fail(path,
			    "cannot give the temporary file %s %zu bytes: %s",
			    file, TMP_FILE_SIZE, strerror(ret));
	}
	ret = info_file(path, file, true);
	unlink(file);
	return ret;
}

static int info_path(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return fail(path, "%s%s", strerror(errno),
			    errno == ENOENT ? "; check the path" : "");
	if (S_ISDIR(st.st_mode))
		return info_dir(path, path,
				"give a directory this user may write to");
	return info_file(path, path, false);
}

static int info_anon(void)
{
	struct pmem2_source *src = NULL;
	int ret = pmem2_source_from_anon(&src, TMP_FILE_SIZE);

	if (ret)
		return fail("(anonymous memory)",
			    "cannot create an anonymous source: %s",
			    libmsg(ret));
	ret = info_source(src, "(anonymous memory)", NULL, false, true);
	pmem2_source_delete(&src);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s info [--json] [PATH...]\n"
		"       %s info [--json] --anon\n"
		"       %s --version\n"
		"       %s --help\n"
		"\n"
		"info       map each PATH (a file, a device DAX, or a "
		"directory: a new\n"
		"           file there) the way an application would and "
		"report what\n"
		"           the library decided: MAP_SYNC, store granularity "
		"and why, the\n"
		"           NVDIMM region and its persistence domain, NUMA "
		"node, device\n"
		"           id, unsafe shutdown count, bad blocks, CPU flush "
		"and copy\n"
		"           routines, the bus provider, CXL memory devices and "
		"where a\n"
		"           device DAX comes from. Without PATH: a new file in "
		"$TMPDIR\n"
		"           (or /tmp).\n"
		"           --anon reports on anonymous memory. Nothing is "
		"written to\n"
		"           PATH; a temporary file is removed.\n"
		"  --json   print a JSON array, one object per PATH\n"
		"--version  print the version\n"
		"\n"
		"Exit status: 0 when every PATH was reported on, 1 when one "
		"could not\n"
		"be (the others are still reported), 2 on a usage error. See "
		"pmem2(1).\n",
		TOOL_NAME, TOOL_NAME, TOOL_NAME, TOOL_NAME);
}

static int cmd_info(int argc, char *argv[])
{
	bool anon = false, opts = true;
	const char **paths = calloc((size_t)argc + 1, sizeof(*paths));
	int npaths = 0, status = 0;

	if (!paths) {
		fprintf(stderr, "%s: out of memory\n", TOOL_NAME);
		return 2;
	}
	for (int i = 0; i < argc; i++) {
		if (opts && strcmp(argv[i], "--json") == 0) {
			json_out = true;
		} else if (opts && strcmp(argv[i], "--anon") == 0) {
			anon = true;
		} else if (opts && (strcmp(argv[i], "--help") == 0 ||
				    strcmp(argv[i], "-h") == 0)) {
			usage(stdout);
			free(paths);
			return 0;
		} else if (opts && strcmp(argv[i], "--") == 0) {
			opts = false;
		} else if (opts && argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "%s: unknown option '%s'\n", TOOL_NAME,
				argv[i]);
			usage(stderr);
			free(paths);
			return 2;
		} else {
			paths[npaths++] = argv[i];
		}
	}
	if (anon && npaths) {
		fprintf(stderr, "%s: --anon and a PATH exclude each other\n",
			TOOL_NAME);
		free(paths);
		return 2;
	}
	/* the library's constructor did this already when it is linked in
	 * the usual way; harmless (idempotent) otherwise */
	pmem2_persist_init();

	if (json_out)
		printf("[\n");
	if (anon) {
		status = info_anon();
	} else if (!npaths) {
		const char *dir = getenv("TMPDIR");
		if (!dir || !*dir)
			dir = "/tmp";
		status = info_dir(dir, dir,
				  "set TMPDIR to a writable directory");
	} else {
		for (int i = 0; i < npaths; i++)
			status |= info_path(paths[i]);
	}
	if (json_out)
		printf("%s]\n", reported ? "\n" : "");
	free(paths);
	return status;
}

int main(int argc, char *argv[])
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "version") == 0 ||
	    strcmp(argv[1], "--version") == 0) {
		printf("%s %s (libpmem2 %s: the API and ABI of PMDK 1.12.1's "
		       "libpmem2)\n",
		       TOOL_NAME, PMEM2_PROJECT_VERSION, PMEM2_PROJECT_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "info") == 0)
		return cmd_info(argc - 2, argv + 2);
	fprintf(stderr, "%s: unknown command '%s'\n", TOOL_NAME, argv[1]);
	usage(stderr);
	return 2;
}
