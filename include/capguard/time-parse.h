/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The time arguments operators type: capctl's --since/--until and --older-than, capguardd's
 * --retention. Both parsers read a NUL-terminated string, allocate nothing, read no clock, and
 * write *ret_usec only on success. They return -EINVAL for what does not parse and -ERANGE for
 * what parses but does not fit; a string with both faults is -EINVAL. */

/* A span: one or more "<number><unit>" groups, summed, with optional blanks (space, tab)
 * between groups and between a number and its unit, none before or after the whole:
 * "30m", "1h30m", "1h 30min", "2 weeks", "500ms". A number is decimal digits with an optional
 * fraction ("1.5h", "0.25s"), taken exactly and truncated to whole microseconds. Units:
 *   us usec | ms msec | s sec second seconds | m min minute minutes | h hr hour hours |
 *   d day days | w week weeks | M month months (30.4375 d) | y year years (365.25 d)
 * A number without a unit is refused ("5", "1h30"): the operator says what is meant. The
 * one exception is the string "0" exactly, which is 0. Signs, leading or trailing blanks and
 * an empty string are -EINVAL; a total above INT64_MAX microseconds (~292,000 years) is
 * -ERANGE, so that every result can be subtracted from a timestamp. */
int parse_duration(const char *s, uint64_t *ret_usec);

/* A point in time, as journalctl's --since/--until take one, in microseconds since the epoch:
 *   "30m", "1h 30min"          that long before now (capctl's shorthand)
 *   "-30m", "+2h", "30m ago"   that long before or after now
 *   "now"
 *   "today", "yesterday", "tomorrow"             midnight, local time
 *   "@1700000000", "@1700000000.25"              seconds since the epoch
 *   "2026-01-15"                                 midnight of that day
 *   "2026-01-15 10:00", "2026-01-15 10:00:30", "2026-01-15 10:00:30.123456"
 *   "2026-01-15T10:00:30"                        the same with a 'T'
 *   "10:00", "10:00:30", "10:00:30.5"            that time today
 * Durations inside a timestamp follow parse_duration but always need a unit ("0 ago" is
 * refused: say "now"). A date or time of day (and "today", "yesterday", "tomorrow") may end in
 * " UTC" to be read as UTC; a date or time of day may instead end in "Z" ("...T10:00Z").
 * Otherwise they are local time, as mktime() takes TZ: a local time that does not exist (in a
 * DST gap) is -EINVAL; one that exists twice is whichever mktime() picks. Date and time fields
 * are two digits each (the year four); out-of-range ones ("2026-02-30", "24:00", "10:60") are
 * -EINVAL. Fractions of a second are truncated to microseconds. The result may lie before the
 * epoch; one outside int64_t is -ERANGE. */
int parse_timestamp(const char *s, int64_t now, int64_t *ret_usec);

/* Room for any format_duration() result. */
#define FORMAT_DURATION_MAX 64

/* Writes usec as parse_duration() reads it back, largest unit a day: "0", "30d", "2h 5min",
 * "1s 500ms". Truncated (but terminated) if size is below FORMAT_DURATION_MAX and the text
 * does not fit. Returns buf, or NULL if size is 0. */
const char *format_duration(uint64_t usec, char *buf, size_t size);
