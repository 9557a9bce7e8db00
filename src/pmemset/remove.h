/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * remove.h -- unmapping parts of a set (remove.c), for pmemset_delete.
 */
#ifndef PMEMSET_REMOVE_H
#define PMEMSET_REMOVE_H

#include "pmemset_internal.h"

/*
 * Unmap every part of the set and release its leftovers (write lock
 * held), without events. On a failed unmap or release the error is
 * returned and what is not released yet stays in the set; on success the
 * set holds nothing.
 */
int pmemset_remove_all(struct pmemset *set);

#endif
