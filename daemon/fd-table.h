/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Every container the daemon holds costs it a descriptor (its init's pidfd), and the kernel
 * grows a process's descriptor table by doubling it. Once the process has a second thread,
 * each doubling waits for an RCU grace period (expand_fdtable(): the table is shared), which
 * here took milliseconds with the event loop stopped in the open() that needed the slot. */

/* How many descriptors the table is grown to at start: a node's containers and then some. */
#define FD_TABLE_RESERVE 8192U

/* Grows the table to hold n descriptors, or as many as RLIMIT_NOFILE allows, now. Call it
 * before any thread starts. 0 or a negative errno. */
int fd_table_reserve(unsigned n);
