/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "capguard/policy.h"

/* Judges every container running now against p and prints one verdict per container.
 * version: the stored version p came from, 0 for a file. Returns the exit status. */
int policy_test_run(const Policy *p, unsigned version, bool json);
