/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fork.h -- fork(2) and the library's locks.
 *
 * A child process has only the thread that called fork. A lock that
 * another thread of the parent held at that moment would stay held in the
 * child forever, and the child's first map_new, persist or reservation
 * call would hang on it. So fork handlers (pthread_atfork) take every lock
 * of the library before the fork and release them after it: in the
 * parent by unlocking, in the child by initialising them again (glibc's
 * rwlock unlock looks at the owner's thread id, which the child no longer
 * has).
 *
 * The locks, in the order the handlers take them (the only nesting in the
 * library is a reservation's lock, then the registry's):
 *   1. the list of reservations, then each reservation's lock;
 *   2. leaves never held together with another lock: the address recycling
 *      lock (map.c), the SIGBUS guard (mcsafe.c), the quarantine of
 *      deleted maps (registry.c);
 *   3. the registry's lock.
 * libpmemset calls libpmem2 under its own locks: its handlers, registered
 * later (it is loaded after libpmem2), run first, as that order requires.
 */
#ifndef PMEM2_FORK_H
#define PMEM2_FORK_H

/* Register the handlers, once per process. Called before a lock of the
 * library is first used (a reservation made, a map registered, a SIGBUS
 * guard entered): until then no lock can be held. */
void pmem2_fork_safe(void);

/* each file's part: take its locks / release them in the parent /
 * initialise them again in the child */
void pmem2_reservations_fork_prepare(void);
void pmem2_reservations_fork_parent(void);
void pmem2_reservations_fork_child(void);
void pmem2_map_fork_prepare(void);
void pmem2_map_fork_parent(void);
void pmem2_map_fork_child(void);
void pmem2_mcsafe_fork_prepare(void);
void pmem2_mcsafe_fork_parent(void);
void pmem2_mcsafe_fork_child(void);
void pmem2_registry_fork_prepare(void);
void pmem2_registry_fork_parent(void);
void pmem2_registry_fork_child(void);

#endif
