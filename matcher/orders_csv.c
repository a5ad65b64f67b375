/*
 * orders_csv.c — order ids as text, and the pure parsers of the orders CSV
 * and the zones file that `wattle market clear` reads (format in matcher.h).
 * Everything lives in caller scratch sized from the text; every error names
 * its line, its column and the offending value.
 */
#include "matcher.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define FIELDS_MAX    8
#define SHOWN_MAX     40 /* characters of a bad value echoed in a message */
#define SCRATCH_ALIGN 16

/* ------------------------------------------------------------ ids */

static bool id_char_ok(char c)
{
    return c >= 0x21 && c <= 0x7e && c != ',' && c != '"';
}

/* A canonical decimal (no sign, no leading zero) that fits uint64. */
static bool canonical_u64(uint64_t *value, const char *text, size_t len)
{
    *value = 0;
    if (len == 0 || len > 20 || (len > 1 && text[0] == '0'))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(text[i] - '0'), &v))
            return false;
    }
    *value = v;
    return true;
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

wt_err wt_order_id_from_text(wt_order_id *id, const char *text, size_t text_len)
{
    WT_ASSERT(id != NULL);
    memset(id, 0, sizeof *id);
    WT_ASSERT(text != NULL || text_len == 0);
    uint64_t v;
    if (canonical_u64(&v, text, text_len)) {
        for (int i = 0; i < 8; i++)
            id->bytes[31 - i] = (uint8_t)(v >> (8 * i));
        return WT_OK;
    }
    if (text_len == 2 * WT_ORDER_ID_BYTES) {
        wt_order_id raw;
        for (size_t i = 0; i < WT_ORDER_ID_BYTES; i++) {
            int hi = hex_val(text[2 * i]), lo = hex_val(text[2 * i + 1]);
            if (hi < 0 || lo < 0)
                return WT_ERR_BAD_LENGTH;
            raw.bytes[i] = (uint8_t)(hi << 4 | lo);
        }
        *id = raw;
        return WT_OK;
    }
    if (text_len == 0 || text_len > WT_ORDER_ID_BYTES)
        return WT_ERR_BAD_LENGTH;
    for (size_t i = 0; i < text_len; i++)
        if (!id_char_ok(text[i]))
            return WT_ERR_INVALID_ARGUMENT;
    memcpy(id->bytes, text, text_len);
    return WT_OK;
}

size_t wt_order_id_format(char out[WT_ORDER_ID_TEXT_MAX + 1], const wt_order_id *id)
{
    WT_ASSERT(out != NULL && id != NULL);
    const uint8_t *b = id->bytes;
    bool zero_prefix = true;
    for (int i = 0; i < 24; i++)
        zero_prefix = zero_prefix && b[i] == 0;
    if (zero_prefix) {
        uint64_t v = 0;
        for (int i = 24; i < 32; i++)
            v = v << 8 | b[i];
        char digits[24];
        size_t n = 0;
        do {
            digits[n++] = (char)('0' + v % 10);
            v /= 10;
        } while (v != 0);
        for (size_t i = 0; i < n; i++)
            out[i] = digits[n - 1 - i];
        out[n] = '\0';
        return n;
    }
    size_t len = 0;
    while (len < WT_ORDER_ID_BYTES && b[len] != 0)
        len++;
    bool text = len > 0;
    for (size_t i = 0; i < len && text; i++)
        text = id_char_ok((char)b[i]);
    for (size_t i = len; i < WT_ORDER_ID_BYTES && text; i++)
        text = b[i] == 0;
    uint64_t ignored;
    if (text && !canonical_u64(&ignored, (const char *)b, len)) {
        memcpy(out, b, len);
        out[len] = '\0';
        return len;
    }
    wt_hex_encode(out, b, WT_ORDER_ID_BYTES);
    return 2 * WT_ORDER_ID_BYTES;
}

/* ------------------------------------------------------------ errors */

__attribute__((format(printf, 5, 6))) static wt_err
fail(wt_csv_error *err, wt_err code, size_t line, size_t column, const char *fmt, ...)
{
    err->err = code;
    err->line = line;
    err->column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

/* A value as it may appear in a message: printable, at most SHOWN_MAX chars. */
static const char *shown(char buf[SHOWN_MAX + 4], const char *s, size_t len)
{
    size_t n = len < SHOWN_MAX ? len : SHOWN_MAX;
    for (size_t i = 0; i < n; i++)
        buf[i] = s[i] >= 0x20 && s[i] <= 0x7e ? s[i] : '?';
    if (len > SHOWN_MAX) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

/* ------------------------------------------------------------ lines and fields */

typedef struct {
    const char *s;
    size_t len;
} field;

typedef struct {
    const char *text;
    size_t len, pos, line; /* line: 1-based number of the line last returned */
} reader;

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void reader_init(reader *r, const char *text, size_t len)
{
    r->text = text;
    r->len = len;
    r->pos = 0;
    r->line = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3; /* UTF-8 byte-order mark */
}

/* The next non-blank line without its end (LF or CRLF). */
static bool reader_next(reader *r, field *line)
{
    while (r->pos < r->len) {
        const char *start = r->text + r->pos;
        const char *nl = memchr(start, '\n', r->len - r->pos);
        size_t n = nl != NULL ? (size_t)(nl - start) : r->len - r->pos;
        r->pos += n + (nl != NULL ? 1 : 0);
        r->line++;
        if (n > 0 && start[n - 1] == '\r')
            n--;
        bool blank = true;
        for (size_t i = 0; i < n && blank; i++)
            blank = is_blank(start[i]);
        if (!blank) {
            line->s = start;
            line->len = n;
            return true;
        }
    }
    return false;
}

/* Non-blank lines of text: an upper bound on the rows, header included. */
static size_t count_rows(const char *text, size_t len)
{
    reader r;
    field line;
    size_t rows = 0;
    reader_init(&r, text, len);
    while (reader_next(&r, &line))
        rows++;
    return rows;
}

/* Split a line at commas and trim spaces and tabs; *count gets the real
 * number of fields even when more than FIELDS_MAX (only those are stored). */
static void split(const field *line, field f[FIELDS_MAX], size_t *count)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= line->len; i++) {
        if (i < line->len && line->s[i] != ',')
            continue;
        if (n < FIELDS_MAX) {
            const char *s = line->s + start;
            size_t len = i - start;
            while (len > 0 && is_blank(s[0]))
                s++, len--;
            while (len > 0 && is_blank(s[len - 1]))
                len--;
            f[n].s = s;
            f[n].len = len;
        }
        n++;
        start = i + 1;
    }
    *count = n;
}

/* ------------------------------------------------------------ headers */

typedef struct {
    const char *name;
    bool required;
} column_def;

/* Map the header's fields to column kinds (index into defs). */
static wt_err header_parse(wt_csv_error *err, size_t *kinds, size_t *fields_count, reader *r,
                           const column_def *defs, size_t defs_count, const char *known)
{
    field line, f[FIELDS_MAX];
    char buf[SHOWN_MAX + 4];
    if (!reader_next(r, &line))
        return fail(err, WT_ERR_BAD_CSV, 1, 0, "the file is empty: expected the header %s", known);
    size_t n;
    split(&line, f, &n);
    /* More fields than kinds: one is unknown or repeated, so the loop fails
     * before it reaches a field that split did not store. */
    WT_ASSERT(defs_count < FIELDS_MAX);
    bool seen[FIELDS_MAX] = {false};
    for (size_t c = 0; c < n; c++) {
        size_t k = 0;
        while (k < defs_count &&
               !(strlen(defs[k].name) == f[c].len && memcmp(defs[k].name, f[c].s, f[c].len) == 0))
            k++;
        if (k == defs_count)
            return fail(err, WT_ERR_BAD_CSV, r->line, c + 1,
                        "column %zu: unknown column '%s' (expected %s)", c + 1,
                        shown(buf, f[c].s, f[c].len), known);
        if (seen[k])
            return fail(err, WT_ERR_BAD_CSV, r->line, c + 1,
                        "column %zu: column '%s' appears twice", c + 1, defs[k].name);
        seen[k] = true;
        kinds[c] = k;
    }
    for (size_t k = 0; k < defs_count; k++)
        if (defs[k].required && !seen[k])
            return fail(err, WT_ERR_BAD_CSV, r->line, 0, "the header lacks the column '%s'",
                        defs[k].name);
    *fields_count = n;
    return WT_OK;
}

/* Checks every field of a data row has: the count, no quotes, no control bytes. */
static wt_err row_split(wt_csv_error *err, field f[FIELDS_MAX], const reader *r, const field *line,
                        size_t expected, const size_t *kinds, const column_def *defs)
{
    size_t n;
    split(line, f, &n);
    if (n != expected)
        return fail(err, WT_ERR_BAD_CSV, r->line, 0, "expected %zu fields, found %zu", expected, n);
    for (size_t c = 0; c < n; c++)
        for (size_t i = 0; i < f[c].len; i++) {
            unsigned char ch = (unsigned char)f[c].s[i];
            if (ch == '"')
                return fail(err, WT_ERR_BAD_CSV, r->line, c + 1,
                            "column %zu (%s): quoted fields are not supported", c + 1,
                            defs[kinds[c]].name);
            if (ch < 0x20 || ch == 0x7f)
                return fail(err, WT_ERR_BAD_CSV, r->line, c + 1,
                            "column %zu (%s): contains the control byte 0x%02x", c + 1,
                            defs[kinds[c]].name, ch);
        }
    return WT_OK;
}

/* A whole number in [lo, hi]; what and unit name it in messages. */
static wt_err int_parse(wt_csv_error *err, int64_t *out, const field *f, size_t line, size_t column,
                        const char *name, int64_t lo, int64_t hi, wt_err range_err)
{
    char buf[WT_ORDERS_CSV_FIELD_MAX + 1], shownbuf[SHOWN_MAX + 4];
    *out = 0;
    if (f->len == 0)
        return fail(err, WT_ERR_BAD_NUMBER, line, column, "column %zu (%s): empty value", column,
                    name);
    if (f->len > WT_ORDERS_CSV_FIELD_MAX)
        return fail(err, WT_ERR_BAD_NUMBER, line, column, "column %zu (%s): '%s' is too long",
                    column, name, shown(shownbuf, f->s, f->len));
    memcpy(buf, f->s, f->len);
    buf[f->len] = '\0';
    int64_t v;
    wt_err e = wt_decimal_parse(&v, buf, 0, true);
    if (e == WT_ERR_OVERFLOW || (e == WT_OK && (v < lo || v > hi)))
        return fail(err, range_err, line, column, "column %zu (%s): %s is outside [%lld, %lld]",
                    column, name, shown(shownbuf, f->s, f->len), (long long)lo, (long long)hi);
    if (e != WT_OK)
        return fail(err, WT_ERR_BAD_NUMBER, line, column,
                    "column %zu (%s): '%s' is not a whole number", column, name,
                    shown(shownbuf, f->s, f->len));
    *out = v;
    return WT_OK;
}

/* ------------------------------------------------------------ name tables */

static uint64_t text_hash(const char *s, size_t len)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * UINT64_C(0x100000001b3);
    return h ^ (h >> 32);
}

/* Open-addressing table of indices (UINT32_MAX empty) into an array of
 * names; cap a power of two at least twice the entries. */
typedef struct {
    uint32_t *slots;
    size_t cap;
} name_table;

static size_t table_cap_for(size_t entries)
{
    size_t cap = 16;
    while (cap < 2 * entries)
        cap *= 2;
    return cap;
}

/* Find name; return its slot (empty or holding the equal name). */
static size_t table_find(const name_table *t, const wt_zone_name *names, const char *s, size_t len)
{
    size_t slot = (size_t)text_hash(s, len) & (t->cap - 1);
    for (;;) {
        uint32_t v = t->slots[slot];
        if (v == UINT32_MAX || (names[v].name_len == len && memcmp(names[v].name, s, len) == 0))
            return slot;
        slot = (slot + 1) & (t->cap - 1);
    }
}

/* ------------------------------------------------------------ scratch */

typedef struct {
    size_t at, total;
} carve;

static size_t carve_take(carve *c, size_t bytes)
{
    size_t at = c->at;
    c->at = (at + bytes + SCRATCH_ALIGN - 1) & ~(size_t)(SCRATCH_ALIGN - 1);
    return at;
}

/* ------------------------------------------------------------ zones file */

static const column_def zone_cols[] = {
    {"zone", true}, {"parent", true}, {"fee_micro_per_kwh", true}};
#define ZONES_KNOWN "zone,parent,fee_micro_per_kwh"

typedef struct {
    size_t zones, names, table, depths;
    size_t rows, cap;
    size_t total;
} zones_layout;

static void zones_layout_make(zones_layout *l, size_t rows)
{
    carve c = {0, 0};
    l->rows = rows;
    l->cap = table_cap_for(rows);
    l->zones = carve_take(&c, rows * sizeof(wt_zone));
    l->names = carve_take(&c, rows * sizeof(wt_zone_name));
    l->table = carve_take(&c, l->cap * sizeof(uint32_t));
    l->depths = carve_take(&c, rows * sizeof(uint8_t));
    l->total = c.at + SCRATCH_ALIGN;
}

static size_t zone_rows(const char *text, size_t text_len)
{
    size_t rows = count_rows(text, text_len);
    if (rows > WT_ZONES_MAX + 1)
        rows = WT_ZONES_MAX + 1;
    return rows;
}

size_t wt_zones_csv_scratch_size(const char *text, size_t text_len)
{
    WT_ASSERT(text != NULL || text_len == 0);
    zones_layout l;
    zones_layout_make(&l, zone_rows(text, text_len));
    return l.total;
}

static void *aligned(void *scratch)
{
    return (void *)(((uintptr_t)scratch + SCRATCH_ALIGN - 1) & ~(uintptr_t)(SCRATCH_ALIGN - 1));
}

wt_err wt_zones_csv_parse(void *scratch, size_t scratch_len, wt_zones_csv *out, wt_csv_error *err,
                          const char *text, size_t text_len, int64_t price_ceiling_micro_per_kwh)
{
    WT_ASSERT(out != NULL && err != NULL);
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    WT_ASSERT(text != NULL || text_len == 0);
    WT_ASSERT(scratch != NULL || scratch_len == 0);
    zones_layout l;
    zones_layout_make(&l, zone_rows(text, text_len));
    if (scratch_len < l.total)
        return fail(err, WT_ERR_BUFFER_TOO_SMALL, 0, 0, "the scratch buffer is too small");
    uint8_t *base = aligned(scratch);
    wt_zone *zones = (wt_zone *)(void *)(base + l.zones);
    wt_zone_name *names = (wt_zone_name *)(void *)(base + l.names);
    name_table t = {(uint32_t *)(void *)(base + l.table), l.cap};
    memset(t.slots, 0xff, t.cap * sizeof *t.slots);
    uint8_t *depths = base + l.depths;

    reader r;
    reader_init(&r, text, text_len);
    size_t kinds[FIELDS_MAX], ncols;
    wt_err e = header_parse(err, kinds, &ncols, &r, zone_cols, 3, ZONES_KNOWN);
    if (e != WT_OK)
        return e;
    field line, f[FIELDS_MAX];
    char buf[SHOWN_MAX + 4];
    size_t count = 0;
    while (reader_next(&r, &line)) {
        if ((e = row_split(err, f, &r, &line, ncols, kinds, zone_cols)) != WT_OK)
            goto failed;
        if (count == WT_ZONES_MAX) {
            e = fail(err, WT_ERR_CAPACITY, r.line, 0, "more than %u zones", (unsigned)WT_ZONES_MAX);
            goto failed;
        }
        const field *name = NULL, *parent = NULL, *fee = NULL;
        size_t name_col = 0, parent_col = 0, fee_col = 0;
        for (size_t c = 0; c < ncols; c++) {
            if (kinds[c] == 0)
                name = &f[c], name_col = c + 1;
            else if (kinds[c] == 1)
                parent = &f[c], parent_col = c + 1;
            else
                fee = &f[c], fee_col = c + 1;
        }
        if (name->len == 0) {
            e = fail(err, WT_ERR_BAD_CSV, r.line, name_col, "column %zu (zone): empty zone name",
                     name_col);
            goto failed;
        }
        if (name->len > WT_ORDERS_CSV_FIELD_MAX) {
            e = fail(err, WT_ERR_BAD_CSV, r.line, name_col,
                     "column %zu (zone): zone name '%s' is longer than %d characters", name_col,
                     shown(buf, name->s, name->len), WT_ORDERS_CSV_FIELD_MAX);
            goto failed;
        }
        size_t slot = table_find(&t, names, name->s, name->len);
        if (t.slots[slot] != UINT32_MAX) {
            e = fail(err, WT_ERR_BAD_ZONE_TREE, r.line, name_col,
                     "column %zu (zone): zone '%s' is defined twice", name_col,
                     shown(buf, name->s, name->len));
            goto failed;
        }
        uint32_t parent_idx = WT_ZONE_NONE;
        if (count == 0 && parent->len != 0) {
            e = fail(err, WT_ERR_BAD_ZONE_TREE, r.line, parent_col,
                     "column %zu (parent): the first zone is the root: its parent must be empty",
                     parent_col);
            goto failed;
        }
        if (count > 0) {
            if (parent->len == 0) {
                e = fail(err, WT_ERR_BAD_ZONE_TREE, r.line, parent_col,
                         "column %zu (parent): only the first zone (the root) has no parent",
                         parent_col);
                goto failed;
            }
            size_t ps = table_find(&t, names, parent->s, parent->len);
            if (t.slots[ps] == UINT32_MAX) {
                e = fail(err, WT_ERR_BAD_ZONE_TREE, r.line, parent_col,
                         "column %zu (parent): unknown parent '%s' (a parent must come before "
                         "its children)",
                         parent_col, shown(buf, parent->s, parent->len));
                goto failed;
            }
            parent_idx = t.slots[ps];
            if (depths[parent_idx] == WT_ZONE_DEPTH_MAX) {
                e = fail(err, WT_ERR_BAD_ZONE_TREE, r.line, parent_col,
                         "column %zu (parent): the tree is deeper than %d levels below the root",
                         parent_col, WT_ZONE_DEPTH_MAX);
                goto failed;
            }
        }
        int64_t fee_v;
        if ((e = int_parse(err, &fee_v, fee, r.line, fee_col, "fee_micro_per_kwh", 0,
                           price_ceiling_micro_per_kwh, WT_ERR_BAD_FEE)) != WT_OK)
            goto failed;
        names[count].name = name->s;
        names[count].name_len = name->len;
        zones[count].parent = parent_idx;
        zones[count].fee_micro_per_kwh = fee_v;
        depths[count] = count == 0 ? 0 : (uint8_t)(depths[parent_idx] + 1);
        t.slots[slot] = (uint32_t)count;
        count++;
    }
    if (count == 0)
        return fail(err, WT_ERR_BAD_ZONE_TREE, r.line + 1, 0,
                    "no zones: the file has only a header");
    out->zones = zones;
    out->names = names;
    out->zones_count = count;
    return WT_OK;
failed:
    return e;
}

/* ------------------------------------------------------------ orders file */

enum { COL_ID, COL_SIDE, COL_ENERGY, COL_PRICE, COL_ZONE, COL_OWNER, COL_SEQ, COLS };
static const column_def order_cols[COLS] = {
    {"id", true},    {"side", true},   {"energy_mwh", true}, {"price_micro_per_kwh", true},
    {"zone", false}, {"owner", false}, {"seq", false}};
#define ORDERS_KNOWN "id,side,energy_mwh,price_micro_per_kwh[,zone][,owner][,seq]"

typedef struct {
    size_t orders, lines, ids, owners, owner_tab, zones, znames, zone_tab;
    size_t rows, id_cap, owner_cap, zones_max, zone_cap;
    size_t total;
} orders_layout;

static void orders_layout_make(orders_layout *l, size_t rows, size_t zones_given)
{
    carve c = {0, 0};
    l->rows = rows;
    l->id_cap = table_cap_for(rows);
    l->owner_cap = table_cap_for(rows);
    /* Implicit zones: a root plus at most one per row. */
    l->zones_max = zones_given > 0 ? zones_given : rows + 1;
    l->zone_cap = table_cap_for(l->zones_max);
    l->orders = carve_take(&c, rows * sizeof(wt_order));
    l->lines = carve_take(&c, rows * sizeof(uint32_t));
    l->ids = carve_take(&c, l->id_cap * sizeof(uint32_t));
    l->owners = carve_take(&c, rows * sizeof(wt_zone_name)); /* owner texts */
    l->owner_tab = carve_take(&c, l->owner_cap * sizeof(uint32_t));
    l->zones = carve_take(&c, l->zones_max * sizeof(wt_zone));
    l->znames = carve_take(&c, l->zones_max * sizeof(wt_zone_name));
    l->zone_tab = carve_take(&c, l->zone_cap * sizeof(uint32_t));
    l->total = c.at + SCRATCH_ALIGN;
}

static size_t order_rows(const char *text, size_t text_len)
{
    size_t rows = count_rows(text, text_len);
    if (rows > (size_t)WT_BOOK_ORDERS_MAX + 1)
        rows = (size_t)WT_BOOK_ORDERS_MAX + 1;
    return rows;
}

size_t wt_orders_csv_scratch_size(const char *text, size_t text_len, size_t zones_count)
{
    WT_ASSERT(text != NULL || text_len == 0);
    if (zones_count > WT_ZONES_MAX)
        return SIZE_MAX;
    orders_layout l;
    orders_layout_make(&l, order_rows(text, text_len), zones_count);
    return l.total;
}

static uint64_t id_bytes_hash(const wt_order_id *id)
{
    return text_hash((const char *)id->bytes, WT_ORDER_ID_BYTES);
}

wt_err wt_orders_csv_parse(void *scratch, size_t scratch_len, wt_orders_csv *out, wt_csv_error *err,
                           const char *text, size_t text_len, const wt_zones_csv *zones_given,
                           int64_t price_ceiling_micro_per_kwh)
{
    WT_ASSERT(out != NULL && err != NULL);
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    WT_ASSERT(text != NULL || text_len == 0);
    WT_ASSERT(scratch != NULL || scratch_len == 0);
    size_t zg = zones_given != NULL ? zones_given->zones_count : 0;
    WT_ASSERT(zg <= WT_ZONES_MAX && (zones_given == NULL || zg > 0));
    orders_layout l;
    orders_layout_make(&l, order_rows(text, text_len), zg);
    if (scratch_len < l.total)
        return fail(err, WT_ERR_BUFFER_TOO_SMALL, 0, 0, "the scratch buffer is too small");
    uint8_t *base = aligned(scratch);
    wt_order *orders = (wt_order *)(void *)(base + l.orders);
    uint32_t *lines = (uint32_t *)(void *)(base + l.lines);
    uint32_t *ids = (uint32_t *)(void *)(base + l.ids);
    wt_zone_name *owners = (wt_zone_name *)(void *)(base + l.owners);
    name_table owner_t = {(uint32_t *)(void *)(base + l.owner_tab), l.owner_cap};
    wt_zone *zones = (wt_zone *)(void *)(base + l.zones);
    wt_zone_name *znames = (wt_zone_name *)(void *)(base + l.znames);
    name_table zone_t = {(uint32_t *)(void *)(base + l.zone_tab), l.zone_cap};
    memset(ids, 0xff, l.id_cap * sizeof *ids);
    memset(owner_t.slots, 0xff, owner_t.cap * sizeof *owner_t.slots);
    memset(zone_t.slots, 0xff, zone_t.cap * sizeof *zone_t.slots);
    size_t zones_count;
    if (zones_given != NULL) {
        memcpy(zones, zones_given->zones, zg * sizeof *zones);
        memcpy(znames, zones_given->names, zg * sizeof *znames);
        zones_count = zg;
    } else {
        zones[0].parent = WT_ZONE_NONE;
        zones[0].fee_micro_per_kwh = 0;
        znames[0].name = "root";
        znames[0].name_len = 4;
        zones_count = 1;
    }
    for (size_t z = 0; z < zones_count; z++)
        zone_t.slots[table_find(&zone_t, znames, znames[z].name, znames[z].name_len)] = (uint32_t)z;

    reader r;
    reader_init(&r, text, text_len);
    size_t kinds[FIELDS_MAX], ncols;
    wt_err e = header_parse(err, kinds, &ncols, &r, order_cols, COLS, ORDERS_KNOWN);
    if (e != WT_OK)
        return e;
    bool has[COLS] = {false};
    for (size_t c = 0; c < ncols; c++)
        has[kinds[c]] = true;

    field line, f[FIELDS_MAX];
    char buf[SHOWN_MAX + 4];
    size_t count = 0, owners_count = 0;
    while (reader_next(&r, &line)) {
        if ((e = row_split(err, f, &r, &line, ncols, kinds, order_cols)) != WT_OK)
            return e;
        if (count == WT_BOOK_ORDERS_MAX)
            return fail(err, WT_ERR_CAPACITY, r.line, 0, "more than %u orders",
                        (unsigned)WT_BOOK_ORDERS_MAX);
        wt_order *o = &orders[count];
        memset(o, 0, sizeof *o);
        o->seq = (uint64_t)r.line;
        for (size_t c = 0; c < ncols; c++) {
            const field *v = &f[c];
            size_t col = c + 1;
            switch (kinds[c]) {
            case COL_ID: {
                if (v->len == 0)
                    return fail(err, WT_ERR_BAD_CSV, r.line, col, "column %zu (id): empty id", col);
                wt_err ie = wt_order_id_from_text(&o->id, v->s, v->len);
                if (ie == WT_ERR_BAD_LENGTH)
                    return fail(err, WT_ERR_BAD_CSV, r.line, col,
                                "column %zu (id): id '%s' is longer than %d characters (and not "
                                "%d hex digits)",
                                col, shown(buf, v->s, v->len), WT_ORDER_ID_BYTES,
                                2 * WT_ORDER_ID_BYTES);
                if (ie != WT_OK)
                    return fail(err, WT_ERR_BAD_CSV, r.line, col,
                                "column %zu (id): id '%s' may hold only printable ASCII other "
                                "than space, comma and quote",
                                col, shown(buf, v->s, v->len));
                break;
            }
            case COL_SIDE:
                if (v->len == 3 && memcmp(v->s, "buy", 3) == 0)
                    o->side = WT_SIDE_BUY;
                else if (v->len == 4 && memcmp(v->s, "sell", 4) == 0)
                    o->side = WT_SIDE_SELL;
                else
                    return fail(err, WT_ERR_BAD_SIDE, r.line, col,
                                "column %zu (side): side must be buy or sell, not '%s'", col,
                                shown(buf, v->s, v->len));
                break;
            case COL_ENERGY:
                if ((e = int_parse(err, &o->energy_mwh, v, r.line, col, "energy_mwh", 1,
                                   WT_ENERGY_MWH_MAX, WT_ERR_BAD_ENERGY)) != WT_OK)
                    return e;
                break;
            case COL_PRICE:
                if ((e = int_parse(err, &o->price_micro_per_kwh, v, r.line, col,
                                   "price_micro_per_kwh", 0, price_ceiling_micro_per_kwh,
                                   WT_ERR_BAD_PRICE)) != WT_OK)
                    return e;
                break;
            case COL_SEQ: {
                uint64_t s;
                if (!canonical_u64(&s, v->s, v->len)) {
                    /* Leading zeros are fine for a sequence number. */
                    size_t i = 0;
                    while (i + 1 < v->len && v->s[i] == '0')
                        i++;
                    if (!canonical_u64(&s, v->s + i, v->len - i))
                        return fail(err, WT_ERR_BAD_NUMBER, r.line, col,
                                    "column %zu (seq): '%s' is not a whole number in [0, "
                                    "18446744073709551615]",
                                    col, shown(buf, v->s, v->len));
                }
                o->seq = s;
                break;
            }
            case COL_OWNER: {
                if (v->len == 0)
                    break; /* unknown owner */
                if (v->len > WT_ORDERS_CSV_FIELD_MAX)
                    return fail(err, WT_ERR_BAD_CSV, r.line, col,
                                "column %zu (owner): owner '%s' is longer than %d characters", col,
                                shown(buf, v->s, v->len), WT_ORDERS_CSV_FIELD_MAX);
                size_t slot = table_find(&owner_t, owners, v->s, v->len);
                if (owner_t.slots[slot] == UINT32_MAX) {
                    owners[owners_count].name = v->s;
                    owners[owners_count].name_len = v->len;
                    owner_t.slots[slot] = (uint32_t)owners_count++;
                }
                o->owner = owner_t.slots[slot] + 1; /* 0 is unknown */
                break;
            }
            default: { /* COL_ZONE */
                if (v->len == 0)
                    return fail(err, WT_ERR_UNKNOWN_ZONE, r.line, col,
                                "column %zu (zone): empty zone", col);
                if (v->len > WT_ORDERS_CSV_FIELD_MAX)
                    return fail(err, WT_ERR_UNKNOWN_ZONE, r.line, col,
                                "column %zu (zone): zone name '%s' is longer than %d characters",
                                col, shown(buf, v->s, v->len), WT_ORDERS_CSV_FIELD_MAX);
                size_t slot = table_find(&zone_t, znames, v->s, v->len);
                if (zone_t.slots[slot] == UINT32_MAX) {
                    if (zones_given != NULL)
                        return fail(err, WT_ERR_UNKNOWN_ZONE, r.line, col,
                                    "column %zu (zone): unknown zone '%s'", col,
                                    shown(buf, v->s, v->len));
                    if (zones_count == WT_ZONES_MAX)
                        return fail(err, WT_ERR_CAPACITY, r.line, col,
                                    "column %zu (zone): more than %u zones", col,
                                    (unsigned)WT_ZONES_MAX);
                    zones[zones_count].parent = 0;
                    zones[zones_count].fee_micro_per_kwh = 0;
                    znames[zones_count].name = v->s;
                    znames[zones_count].name_len = v->len;
                    zone_t.slots[slot] = (uint32_t)zones_count++;
                }
                o->zone = zone_t.slots[slot];
                break;
            }
            }
        }
        /* Unique ids, checked last so the row is otherwise valid. */
        size_t id_col = 0;
        while (kinds[id_col] != COL_ID)
            id_col++;
        size_t slot = (size_t)id_bytes_hash(&o->id) & (l.id_cap - 1);
        for (;;) {
            uint32_t v = ids[slot];
            if (v == UINT32_MAX) {
                ids[slot] = (uint32_t)count;
                break;
            }
            if (memcmp(orders[v].id.bytes, o->id.bytes, WT_ORDER_ID_BYTES) == 0)
                return fail(err, WT_ERR_DUPLICATE_ID, r.line, id_col + 1,
                            "column %zu (id): duplicate id '%s' (first on line %u)", id_col + 1,
                            shown(buf, f[id_col].s, f[id_col].len), (unsigned)lines[v]);
            slot = (slot + 1) & (l.id_cap - 1);
        }
        lines[count] = (uint32_t)(r.line > UINT32_MAX ? UINT32_MAX : r.line);
        count++;
    }
    out->orders = orders;
    out->orders_count = count;
    out->lines = lines;
    out->zones = zones;
    out->zone_names = znames;
    out->zones_count = zones_count;
    out->has_zone = has[COL_ZONE];
    out->has_owner = has[COL_OWNER];
    out->has_seq = has[COL_SEQ];
    return WT_OK;
}
