/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"

void store_policy_done(StorePolicy *p) {
        if (!p)
                return;
        free(p->source);
        free(p->yaml);
        *p = (StorePolicy) {};
}

static int active_digest(Store *s, unsigned *ret_version, char ret_digest[static SHA256_HEX_SIZE]) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, "SELECT version, digest FROM policy_versions WHERE active = 1", &st);
        if (r < 0)
                return r;

        r = sqlite3_step(st);
        if (r == SQLITE_DONE)
                return 0;
        if (r != SQLITE_ROW)
                return store_errno(r);

        *ret_version = (unsigned) sqlite3_column_int64(st, 0);
        (void) snprintf(ret_digest, SHA256_HEX_SIZE, "%s", (const char *) sqlite3_column_text(st, 1) ?: "");
        return 1;
}

int store_policy_add(Store *s, const char *yaml, size_t len, const char *source, int64_t now_usec,
                     unsigned *ret_version, bool *ret_created) {
        _cleanup_stmt_ sqlite3_stmt *ins = NULL;
        char digest[SHA256_HEX_SIZE], current[SHA256_HEX_SIZE];
        unsigned version = 0;
        int r;

        if (!s || !yaml || len > INT_MAX)
                return -EINVAL;
        if (s->mode != STORE_READ_WRITE)
                return -EROFS;

        sha256_hex(yaml, len, digest);

        r = store_begin(s);
        if (r < 0)
                return r;

        r = active_digest(s, &version, current);
        if (r < 0)
                goto fail;
        if (r > 0 && streq(current, digest)) {
                store_rollback(s);
                *ret_version = version;
                if (ret_created)
                        *ret_created = false;
                return 0;
        }

        r = store_exec(s, "UPDATE policy_versions SET active = 0 WHERE active = 1");
        if (r < 0)
                goto fail;

        r = store_prepare(s,
                          "INSERT INTO policy_versions (loaded_at, digest, source, yaml, active) "
                          "VALUES (?1, ?2, ?3, ?4, 1)",
                          &ins);
        if (r < 0)
                goto fail;
        if (sqlite3_bind_int64(ins, 1, now_usec) != SQLITE_OK ||
            sqlite3_bind_text(ins, 2, digest, -1, SQLITE_STATIC) != SQLITE_OK ||
            (source ? sqlite3_bind_text(ins, 3, source, -1, SQLITE_STATIC) : sqlite3_bind_null(ins, 3)) != SQLITE_OK ||
            sqlite3_bind_text(ins, 4, yaml, (int) len, SQLITE_STATIC) != SQLITE_OK) {
                r = -ENOMEM;
                goto fail;
        }
        r = sqlite3_step(ins);
        if (r != SQLITE_DONE) {
                r = store_errno(r) ?: -EIO;
                goto fail;
        }
        version = (unsigned) sqlite3_last_insert_rowid(s->db);

        r = store_commit(s);
        if (r < 0)
                goto fail;

        *ret_version = version;
        if (ret_created)
                *ret_created = true;
        return 0;

fail:
        store_rollback(s);
        return r;
}

static int read_row(sqlite3_stmt *st, bool with_yaml, StorePolicy *ret) {
        StorePolicy p = {
                .version = (unsigned) sqlite3_column_int64(st, 0),
                .loaded_at_usec = sqlite3_column_int64(st, 1),
                .active = sqlite3_column_int(st, 4) != 0,
        };
        int r;

        (void) snprintf(p.digest, sizeof p.digest, "%s", (const char *) sqlite3_column_text(st, 2) ?: "");
        r = store_column_strdup(st, 3, &p.source);
        if (r < 0)
                return r;
        if (with_yaml) {
                r = store_column_strdup(st, 5, &p.yaml);
                if (r < 0 || !p.yaml) {
                        store_policy_done(&p);
                        return r < 0 ? r : -EBADMSG;
                }
        }

        *ret = p;
        return 0;
}

int store_policy_get(Store *s, unsigned version, StorePolicy *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (!s || !ret)
                return -EINVAL;

        r = store_prepare(s,
                          "SELECT version, loaded_at, digest, source, active, yaml FROM policy_versions "
                          "WHERE (?1 = 0 AND active = 1) OR version = ?1",
                          &st);
        if (r < 0)
                return r;
        if (sqlite3_bind_int64(st, 1, version) != SQLITE_OK)
                return -ENOMEM;

        r = sqlite3_step(st);
        if (r == SQLITE_DONE)
                return -ENOENT;
        if (r != SQLITE_ROW)
                return store_errno(r) ?: -EIO;

        return read_row(st, true, ret);
}

int store_policy_list(Store *s, int (*func)(const StorePolicy *p, void *userdata), void *userdata) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (!s || !func)
                return -EINVAL;

        r = store_prepare(s,
                          "SELECT version, loaded_at, digest, source, active FROM policy_versions ORDER BY version",
                          &st);
        if (r < 0)
                return r;

        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                StorePolicy p;

                r = read_row(st, false, &p);
                if (r < 0)
                        return r;
                r = func(&p, userdata);
                store_policy_done(&p);
                if (r < 0)
                        return r;
        }

        return r == SQLITE_DONE ? 0 : store_errno(r) ?: -EIO;
}
