/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libyaml's events to a YNode tree; see yaml-tree.h for what is refused. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "capguard/yaml-tree.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

void ynode_free(YNode *n) {
        if (!n)
                return;
        for (size_t i = 0; i < n->n_children; i++)
                ynode_free(n->children[i]);
        free(n->children);
        free(n->value);
        free(n);
}

bool ynode_is_null(const YNode *n) {
        return n->type == YNODE_SCALAR && n->plain &&
                (streq(n->value, "") || streq(n->value, "~") || streq(n->value, "null") ||
                 streq(n->value, "Null") || streq(n->value, "NULL"));
}

const YNode *ynode_map_get(const YNode *map, const char *key) {
        if (map->type != YNODE_MAPPING)
                return NULL;
        for (size_t c = 0; c + 1 < map->n_children; c += 2)
                if (streq(map->children[c]->value, key))
                        return map->children[c + 1];
        return NULL;
}

_printf_(4, 0)
static int vfail(YamlError *e, unsigned line, unsigned column, const char *fmt, va_list ap) {
        e->line = line;
        e->column = column;
        (void) vsnprintf(e->message, sizeof e->message, fmt, ap);
        return -EINVAL;
}

_printf_(3, 4)
static int fail(YamlError *e, const YNode *n, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vfail(e, n->line, n->column, fmt, ap);
        va_end(ap);
        return r;
}

_printf_(3, 4)
static int fail_mark(YamlError *e, const yaml_mark_t *m, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vfail(e, (unsigned) m->line + 1, (unsigned) m->column + 1, fmt, ap);
        va_end(ap);
        return r;
}

static int syntax_error(const yaml_parser_t *parser, const char *buf, size_t len, YamlError *e) {
        yaml_mark_t m = parser->problem_mark;
        const char *problem = parser->problem ?: "unknown error";

        if (parser->error == YAML_MEMORY_ERROR)
                return -ENOMEM;

        if (parser->error == YAML_READER_ERROR) {
                /* The reader knows only byte offsets: problem_offset may point at a bad trailing
                 * byte, offset at the start of the character it belongs to. */
                size_t end = MIN(MIN(parser->offset, parser->problem_offset), len);

                m = (yaml_mark_t) {};
                for (size_t i = 0; i < end; i++)
                        if (buf[i] == '\n') {
                                m.line++;
                                m.column = 0;
                        } else if (((unsigned char) buf[i] & 0xc0) != 0x80)
                                m.column++; /* columns count characters, as libyaml's marks do */
        }

        if (parser->context)
                return fail_mark(e, &m, "YAML syntax error: %s (%s at line %zu, column %zu)", problem,
                                 parser->context, parser->context_mark.line + 1,
                                 parser->context_mark.column + 1);
        return fail_mark(e, &m, "YAML syntax error: %s", problem);
}

typedef struct Reader {
        yaml_parser_t parser;
        const char *buf;
        size_t len;
        const YamlLimits *limits;
        YamlError *error;
} Reader;

static void reader_done(Reader *rd) {
        yaml_parser_delete(&rd->parser);
}

static int next_event(Reader *rd, yaml_event_t *ret) {
        if (!yaml_parser_parse(&rd->parser, ret))
                return syntax_error(&rd->parser, rd->buf, rd->len, rd->error);
        return 0;
}

static int ynode_new(const yaml_event_t *ev, YNodeType type, YNode **ret) {
        YNode *n = calloc(1, sizeof *n);

        if (!n)
                return -ENOMEM;
        n->type = type;
        n->line = (unsigned) ev->start_mark.line + 1;
        n->column = (unsigned) ev->start_mark.column + 1;
        *ret = n;
        return 0;
}

static int ynode_append(YNode *parent, YNode *child) {
        if (parent->n_children == parent->n_allocated) {
                size_t n = parent->n_allocated > 0 ? parent->n_allocated * 2 : 4;
                YNode **c = reallocarray(parent->children, n, sizeof *c);

                if (!c)
                        return -ENOMEM;
                parent->children = c;
                parent->n_allocated = n;
        }
        parent->children[parent->n_children++] = child;
        return 0;
}

/* What we refuse of YAML on any node, before looking at it. */
static int check_node_event(const yaml_event_t *ev, YamlError *e) {
        const yaml_char_t *anchor, *tag;

        switch (ev->type) {
        case YAML_ALIAS_EVENT:
                return fail_mark(e, &ev->start_mark, "aliases are not supported");
        case YAML_SCALAR_EVENT:
                anchor = ev->data.scalar.anchor;
                tag = ev->data.scalar.tag;
                break;
        case YAML_SEQUENCE_START_EVENT:
                anchor = ev->data.sequence_start.anchor;
                tag = ev->data.sequence_start.tag;
                break;
        case YAML_MAPPING_START_EVENT:
                anchor = ev->data.mapping_start.anchor;
                tag = ev->data.mapping_start.tag;
                break;
        default:
                /* libyaml hands out nothing else where a node belongs */
                return fail_mark(e, &ev->start_mark, "YAML syntax error: expected a value");
        }

        if (anchor)
                return fail_mark(e, &ev->start_mark, "anchors are not supported");
        if (tag)
                return fail_mark(e, &ev->start_mark, "tags are not supported");
        return 0;
}

static int scalar_new(const yaml_event_t *ev, size_t max, YNode **ret, YamlError *e) {
        _cleanup_(ynode_freep) YNode *n = NULL;
        const char *value = (const char *) ev->data.scalar.value;
        size_t len = ev->data.scalar.length;
        int r;

        if (len > max)
                return fail_mark(e, &ev->start_mark, "string is longer than the limit of %zu bytes", max);
        /* A "\0" escape would cut the string short of what the file says. */
        if (memchr(value, '\0', len))
                return fail_mark(e, &ev->start_mark, "strings must not contain NUL characters");

        r = ynode_new(ev, YNODE_SCALAR, &n);
        if (r < 0)
                return r;
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        n->value = strndup(value, len);
        if (!n->value)
                return -ENOMEM;

        *ret = TAKE_PTR(n);
        return 0;
}

static int read_node(Reader *rd, const yaml_event_t *ev, unsigned depth, YNode **ret);

static int read_collection(Reader *rd, YNode *n, yaml_event_type_t end, unsigned depth) {
        for (;;) {
                _cleanup_(yaml_event_delete) yaml_event_t ev = {};
                _cleanup_(ynode_freep) YNode *child = NULL;
                int r;

                r = next_event(rd, &ev);
                if (r < 0)
                        return r;
                if (ev.type == end)
                        return 0;

                r = read_node(rd, &ev, depth + 1, &child);
                if (r < 0)
                        return r;
                if (n->type == YNODE_MAPPING && n->n_children % 2 == 0 && child->type != YNODE_SCALAR)
                        return fail(rd->error, child, "keys must be strings");

                r = ynode_append(n, child);
                if (r < 0)
                        return r;
                TAKE_PTR(child);
        }
}

/* Turns the event that starts a node, and for a list or mapping all up to its end, into a tree.
 * depth counts the lists and mappings this node is in, itself included. */
static int read_node(Reader *rd, const yaml_event_t *ev, unsigned depth, YNode **ret) {
        _cleanup_(ynode_freep) YNode *n = NULL;
        YNodeType type;
        int r;

        r = check_node_event(ev, rd->error);
        if (r < 0)
                return r;
        if (ev->type == YAML_SCALAR_EVENT)
                return scalar_new(ev, rd->limits->string_max, ret, rd->error);

        if (depth > rd->limits->depth_max)
                return fail_mark(rd->error, &ev->start_mark, "nesting is deeper than the limit of %u levels",
                                 rd->limits->depth_max);

        type = ev->type == YAML_MAPPING_START_EVENT ? YNODE_MAPPING : YNODE_SEQUENCE;
        r = ynode_new(ev, type, &n);
        if (r < 0)
                return r;
        r = read_collection(rd, n, type == YNODE_MAPPING ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT,
                            depth);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(n);
        return 0;
}

/* Reads an event of the stream's structure, which must be of type a or b; returns its type. */
static int skip_event(Reader *rd, yaml_event_type_t a, yaml_event_type_t b) {
        _cleanup_(yaml_event_delete) yaml_event_t ev = {};
        int r;

        r = next_event(rd, &ev);
        if (r < 0)
                return r;
        if (ev.type == a || ev.type == b)
                return (int) ev.type;
        if (ev.type == YAML_DOCUMENT_START_EVENT)
                return fail_mark(rd->error, &ev.start_mark, "multiple documents are not supported");
        /* libyaml guarantees the stream's structure; this is only a safety net */
        return fail_mark(rd->error, &ev.start_mark, "YAML syntax error: unexpected event");
}

static int read_root(Reader *rd, YNode **ret) {
        _cleanup_(yaml_event_delete) yaml_event_t ev = {};
        int r;

        r = next_event(rd, &ev);
        if (r < 0)
                return r;
        return read_node(rd, &ev, 1, ret);
}

int yaml_tree_parse(const char *buf, size_t len, const YamlLimits *limits, YNode **ret, YamlError *e) {
        _cleanup_(reader_done) Reader rd = { .limits = limits, .error = e };
        _cleanup_(ynode_freep) YNode *root = NULL;
        int r;

        if ((!buf && len > 0) || !limits || !ret || !e)
                return -EINVAL;

        /* UTF-8 only. libyaml skips a byte order mark only where it detects the encoding itself,
         * and would take it for a character of the first line otherwise. */
        if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
                buf += 3;
                len -= 3;
        }
        rd.buf = buf;
        rd.len = len;

        if (!yaml_parser_initialize(&rd.parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&rd.parser, (const unsigned char *) buf, len);
        yaml_parser_set_encoding(&rd.parser, YAML_UTF8_ENCODING);

        r = skip_event(&rd, YAML_STREAM_START_EVENT, YAML_STREAM_START_EVENT);
        if (r < 0)
                return r;
        r = skip_event(&rd, YAML_DOCUMENT_START_EVENT, YAML_STREAM_END_EVENT);
        if (r < 0)
                return r;
        if (r == YAML_STREAM_END_EVENT) {
                *ret = NULL;
                return 0;
        }

        r = read_root(&rd, &root);
        if (r < 0)
                return r;

        r = skip_event(&rd, YAML_DOCUMENT_END_EVENT, YAML_DOCUMENT_END_EVENT);
        if (r < 0)
                return r;
        /* a second document is refused here */
        r = skip_event(&rd, YAML_STREAM_END_EVENT, YAML_STREAM_END_EVENT);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(root);
        return 0;
}
