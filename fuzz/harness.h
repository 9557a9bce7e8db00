/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * harness.h -- what the two libFuzzer targets share: an input reader, the
 * interpreter that turns bytes into documented calls of libpmem2 and
 * libpmemset over small handle tables (engine.c), and the end-of-input
 * checks that nothing leaked (checks.c).
 *
 * A target calls fz_setup() once, then per input: fz_begin(), fz_ops()
 * (any number of times) and fz_end(), which deletes whatever the input left
 * in the tables and aborts, so that libFuzzer reports the input, when a
 * file descriptor, a mapping or a heap block outlived it, or when the
 * library broke one of its documented promises.
 */
#ifndef FUZZ_HARNESS_H
#define FUZZ_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- input reader: reads past the end give zeros ---- */

struct rd {
	const uint8_t *p;
	size_t n;
};

uint8_t rd_u8(struct rd *r);
uint16_t rd_u16(struct rd *r);
uint32_t rd_u32(struct rd *r);
uint64_t rd_u64(struct rd *r);
/* a size or offset: mostly small page multiples, sometimes odd or huge */
size_t rd_size(struct rd *r);
/* len bytes into buf (zeros past the end) */
void rd_bytes(struct rd *r, void *buf, size_t len);

/* ---- what a target configures ---- */

struct fz_target {
	const char *name;
	/* also offer /dev/zero as a source (the sysfs target makes it look
	 * like a Device DAX) */
	bool devzero;
	/* extra operation of the target (opcode already read), or NULL */
	void (*extra_op)(struct rd *r);
	/* the device id / unsafe shutdown count the fake platform reports,
	 * used to build shutdown-state records that match it (NULL: none) */
	const char *(*known_id)(void);
	uint64_t (*known_usc)(void);
	/* a bad block was cleared successfully (NULL: nothing to do) */
	void (*bb_cleared)(void);
};

/* Once per process: the work directory (in $TMPDIR) and its files. */
void fz_setup(const struct fz_target *t);
/* The directory the harness files live in (on the file system of TMPDIR). */
const char *fz_workdir(void);
/* A read-write descriptor of harness file i (0..2). */
int fz_file_fd(int i);
/* Per input. */
void fz_begin(void);
void fz_ops(struct rd *r);
void fz_end(void);

/* FUZZ_TRACE=1 in the environment: every call is printed to stderr. */
extern int fz_trace;
#define TR(...)                                                                \
	do {                                                                   \
		if (fz_trace)                                                  \
			fz_tracef(__VA_ARGS__);                                \
	} while (0)
void fz_tracef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A broken promise of the library: print and abort (libFuzzer reports). */
void fz_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
#define FZ_ASSERT(cond, ...)                                                   \
	do {                                                                   \
		if (!(cond))                                                   \
			fz_fail(__VA_ARGS__);                                  \
	} while (0)

/* ---- leak checks (checks.c) ---- */

/* an address range the library handed out during this input */
void chk_note_range(const void *addr, size_t len);
/* baselines at the start of an input */
void chk_begin(void);
/* after everything was deleted: abort on any leak; workdir names the
 * harness files (mappings of them must be gone) */
void chk_end(const char *workdir);

#endif
