/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "store-internal.h"

typedef struct ContainerList {
        StoreContainer *items;
        size_t n, allocated;
} ContainerList;

static void container_list_done(ContainerList *l) {
        for (size_t i = 0; i < l->n; i++)
                store_container_done(&l->items[i]);
        free(l->items);
        *l = (ContainerList) {};
}

static int container_list_add_row(ContainerList *l, sqlite3_stmt *st) {
        int r;

        if (l->n >= l->allocated) {
                size_t m = l->allocated ? l->allocated * 2 : 64;
                StoreContainer *p = reallocarray(l->items, m, sizeof *p);

                if (!p)
                        return -ENOMEM;
                l->items = p;
                l->allocated = m;
        }

        r = store_container_from_row(st, 0, &l->items[l->n]);
        if (r < 0)
                return r;
        l->n++;
        return 0;
}

static int containers_live_read(Store *s, ContainerList *l) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s,
                          "SELECT " STORE_CONTAINER_COLUMNS " FROM containers c "
                          "WHERE c.exited IS NULL ORDER BY c.first_seen, c.id",
                          &st);
        if (r < 0)
                return r;

        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                r = container_list_add_row(l, st);
                if (r < 0)
                        return r;
        }
        return r == SQLITE_DONE ? 0 : store_errno(r) ?: -EIO;
}

int store_containers_count_live(Store *s, uint64_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (!s || !ret)
                return -EINVAL;
        /* containers_live, the partial index, answers it without reading a row */
        r = store_prepare(s, "SELECT count(*) FROM containers WHERE exited IS NULL", &st);
        if (r < 0)
                return r;
        r = sqlite3_step(st);
        if (r != SQLITE_ROW)
                return store_errno(r) ?: -EIO;
        *ret = (uint64_t) sqlite3_column_int64(st, 0);
        return 0;
}

int store_containers_live(Store *s, int (*func)(const StoreContainer *c, void *userdata), void *userdata) {
        _cleanup_(container_list_done) ContainerList l = {};
        int r;

        if (!s || !func)
                return -EINVAL;

        /* Read them all first: the statement is done (and its read transaction closed) before
         * func runs, so func can mark rows exited without reading under its own writes. */
        r = containers_live_read(s, &l);
        if (r < 0)
                return r;

        for (size_t i = 0; i < l.n; i++) {
                r = func(&l.items[i], userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}
