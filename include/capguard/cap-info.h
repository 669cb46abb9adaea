/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One line on what a capability lets a process in a container do, for an operator deciding
 * whether a workload needs it. NULL for a capability we have nothing to say about. */
const char *capability_describe(unsigned cap);
