/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libpmem2.h -- map files, devices and anonymous memory, and make stores to
 * them durable. See libpmem2(7). <libpmem2/log.h> adds logging, which PMDK's
 * libpmem2 does not have.
 */
#ifndef LIBPMEM2_H
#define LIBPMEM2_H 1

#include <libpmem2/base.h>
#include <libpmem2/log.h>

#endif /* LIBPMEM2_H */
