/*
 * sunspec.c — SunSpec register maps, pure: the model chain walked one header
 * at a time, register images (what a poller read, or a text dump), the
 * points of the models in sunspec_models.c decoded with their scale factors
 * and "not implemented" sentinels, and the energy registers turned into a
 * wt_meter_reading in mWh with integer arithmetic.
 *
 * Facts used (SunSpec Information Model Specification, and the model
 * definitions named in sunspec_models.c): the marker 'SunS' = 0x5375 0x6E53;
 * the base addresses 40000, 50000 and 0; end of chain = ID 0xFFFF; "not
 * implemented" = 0xFFFF for uint16/enum16/bitfield16, 0x8000 for int16 and
 * sunssf, 0xFFFFFFFF for uint32/bitfield32, 0 for the accumulators
 * acc32/acc64, all ones for eui48; a sunssf is a power of ten in -10..10;
 * strings are NUL-padded, two bytes per register, high byte first.
 */
#include "meter_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const uint16_t wt_sunspec_bases[3] = {40000, 50000, 0};

static void set_detail(char detail[WT_METER_DETAIL_BYTES], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_detail(char detail[WT_METER_DETAIL_BYTES], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, WT_METER_DETAIL_BYTES, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ the chain */

bool wt_sunspec_is_energy_model(uint16_t id)
{
    return (id >= 101 && id <= 103) || (id >= 201 && id <= 204);
}

void wt_sunspec_chain_init(wt_sunspec_chain *chain, uint32_t base)
{
    WT_ASSERT(chain != NULL && base < WT_SUNSPEC_ADDRESSES);
    chain->base = base;
    chain->next = base + 2;
    chain->complete = false;
    chain->end_address = 0;
    chain->count = 0;
    chain->detail[0] = '\0';
}

/* The definition's length without its trailing pads (a common model of 65
 * registers is the older form, before the pad was added). */
static uint16_t length_without_pads(const wt_sunspec_model_def *def)
{
    uint32_t len = def->length;
    for (size_t i = def->points_count; i > 0 && def->points[i - 1].type == WT_SUNSPEC_PAD; i--)
        len -= def->points[i - 1].size;
    return (uint16_t)len;
}

wt_err wt_sunspec_chain_add(wt_sunspec_chain *chain, uint16_t id, uint16_t length)
{
    WT_ASSERT(chain != NULL);
    chain->detail[0] = '\0';
    uint32_t at = chain->next;
    if (chain->complete) {
        set_detail(chain->detail, "the chain already ended at %" PRIu32, chain->end_address);
        return WT_ERR_INVALID_ARGUMENT;
    }
    if (id == WT_SUNSPEC_END_ID) {
        if (chain->count == 0) {
            set_detail(chain->detail, "the chain ends at %" PRIu32 " before the common model", at);
            return WT_ERR_BAD_SUNSPEC;
        }
        chain->complete = true;
        chain->end_address = at;
        return WT_OK;
    }
    if (chain->count == 0 && id != 1) {
        set_detail(chain->detail, "the first model at %" PRIu32 " is %u, not the common model 1",
                   at, id);
        return WT_ERR_BAD_SUNSPEC;
    }
    if (chain->count == WT_SUNSPEC_MODELS_MAX) {
        set_detail(chain->detail, "more than %d models in the chain", WT_SUNSPEC_MODELS_MAX);
        return WT_ERR_TOO_MANY_VALUES;
    }
    const wt_sunspec_model_def *def = wt_sunspec_model_def_find(id);
    if (def != NULL && length != def->length && length != length_without_pads(def)) {
        set_detail(chain->detail, "model %u at %" PRIu32 " has length %u; its definition has %u",
                   id, at, length, def->length);
        return WT_ERR_BAD_SUNSPEC;
    }
    /* its registers, and then at least the next header, below 65536 */
    if ((uint64_t)at + 2 + length + 2 > WT_SUNSPEC_ADDRESSES) {
        set_detail(chain->detail, "model %u at %" PRIu32 " (length %u) runs past address 65535", id,
                   at, length);
        return WT_ERR_TELEGRAM_TRUNCATED;
    }
    chain->models[chain->count++] = (wt_sunspec_header){.id = id, .length = length, .address = at};
    chain->next = at + 2 + length;
    return WT_OK;
}

int wt_sunspec_chain_select(const wt_sunspec_chain *chain, uint16_t model_id, uint32_t nth)
{
    WT_ASSERT(chain != NULL);
    if (model_id == 0) {
        for (int pass = 0; pass < 2; pass++)
            for (uint32_t i = 0; i < chain->count; i++) {
                uint16_t id = chain->models[i].id;
                if (pass == 0 ? id >= 201 && id <= 204 : id >= 101 && id <= 103)
                    return (int)i;
            }
        return -1;
    }
    if (!wt_sunspec_is_energy_model(model_id) || nth == 0)
        return -1;
    uint32_t seen = 0;
    for (uint32_t i = 0; i < chain->count; i++)
        if (chain->models[i].id == model_id && ++seen == nth)
            return (int)i;
    return -1;
}

/* ------------------------------------------------------------ the image */

void wt_sunspec_image_clear(wt_sunspec_image *image, uint32_t base)
{
    WT_ASSERT(image != NULL && base < WT_SUNSPEC_ADDRESSES);
    image->base = base;
    memset(image->read, 0, sizeof image->read);
    image->detail[0] = '\0';
}

void wt_sunspec_image_set(wt_sunspec_image *image, uint32_t address, uint16_t value)
{
    WT_ASSERT(address < WT_SUNSPEC_ADDRESSES);
    image->regs[address] = value;
    image->read[address / 64] |= UINT64_C(1) << (address % 64);
}

bool wt_sunspec_image_has(const wt_sunspec_image *image, uint32_t address)
{
    return address < WT_SUNSPEC_ADDRESSES &&
           (image->read[address / 64] >> (address % 64) & 1u) != 0;
}

void wt_sunspec_image_load(wt_sunspec_image *image, uint32_t base, const uint16_t *regs,
                           size_t count)
{
    WT_ASSERT(base < WT_SUNSPEC_ADDRESSES && count <= WT_SUNSPEC_ADDRESSES - base);
    wt_sunspec_image_clear(image, base);
    for (size_t i = 0; i < count; i++)
        wt_sunspec_image_set(image, base + (uint32_t)i, regs[i]);
}

/* ------------------------------------------------------------- the dump */

static bool is_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* The content of a line without its comment and surrounding blanks. */
static void line_content(size_t *from, size_t *to, const uint8_t *buf, size_t start, size_t end)
{
    const uint8_t *hash = memchr(buf + start, '#', end - start);
    if (hash != NULL)
        end = (size_t)(hash - buf);
    while (start < end && is_blank(buf[start]))
        start++;
    while (end > start && is_blank(buf[end - 1]))
        end--;
    *from = start;
    *to = end;
}

static int hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parse the registers of one dump, buf[0..end). */
static wt_err dump_parse(wt_sunspec_image *image, const uint8_t *buf, size_t end)
{
    wt_sunspec_image_clear(image, wt_sunspec_bases[0]);
    uint32_t addr = wt_sunspec_bases[0], line_no = 0;
    bool have_base = false;
    size_t pos = 0;
    while (pos < end) {
        const uint8_t *nl = memchr(buf + pos, '\n', end - pos);
        size_t line_end = nl != NULL ? (size_t)(nl - buf) : end, from, to;
        line_no++;
        line_content(&from, &to, buf, pos, line_end);
        pos = nl != NULL ? line_end + 1 : end;
        while (from < to) {
            size_t t = from;
            while (t < to && !is_blank(buf[t]))
                t++;
            const uint8_t *tok = buf + from;
            size_t n = t - from;
            from = t;
            while (from < to && is_blank(buf[from]))
                from++;
            if (tok[0] == '@') {
                uint32_t v = 0;
                bool ok = n >= 2 && n <= 6;
                for (size_t i = 1; ok && i < n; i++) {
                    ok = tok[i] >= '0' && tok[i] <= '9';
                    v = v * 10 + (uint32_t)(tok[i] - '0');
                }
                if (!ok || v >= WT_SUNSPEC_ADDRESSES) {
                    set_detail(image->detail, "line %" PRIu32 ": '%.*s' is not an address 0..65535",
                               line_no, (int)(n < 16 ? n : 16), (const char *)tok);
                    return WT_ERR_BAD_TELEGRAM;
                }
                addr = v;
                continue;
            }
            bool unread = n == 4 && memcmp(tok, "----", 4) == 0;
            int d[4] = {-1, -1, -1, -1};
            for (size_t i = 0; n == 4 && i < 4; i++)
                d[i] = hex_digit(tok[i]);
            if (!unread && (n != 4 || d[0] < 0 || d[1] < 0 || d[2] < 0 || d[3] < 0)) {
                set_detail(image->detail,
                           "line %" PRIu32 ": '%.*s' is not a register (4 hex digits), ---- or "
                           "@ADDRESS",
                           line_no, (int)(n < 16 ? n : 16), (const char *)tok);
                return WT_ERR_BAD_TELEGRAM;
            }
            if (addr >= WT_SUNSPEC_ADDRESSES) {
                set_detail(image->detail, "line %" PRIu32 ": a register past address 65535",
                           line_no);
                return WT_ERR_BAD_TELEGRAM;
            }
            if (!have_base) {
                image->base = addr;
                have_base = true;
            }
            if (!unread) {
                if (wt_sunspec_image_has(image, addr)) {
                    set_detail(image->detail, "line %" PRIu32 ": register %" PRIu32 " given twice",
                               line_no, addr);
                    return WT_ERR_BAD_TELEGRAM;
                }
                wt_sunspec_image_set(image, addr,
                                     (uint16_t)(d[0] << 12 | d[1] << 8 | d[2] << 4 | d[3]));
            }
            addr++;
        }
    }
    return WT_OK;
}

wt_err wt_sunspec_dump_next(wt_sunspec_image *image, size_t *used, const uint8_t *buf,
                            size_t buf_len, bool at_end)
{
    WT_ASSERT(image != NULL && used != NULL && (buf != NULL || buf_len == 0));
    *used = 0;
    image->detail[0] = '\0';
    /* start: where this dump's text begins (after empty dumps); end: its
     * "end" line; after: past that line */
    size_t pos = 0, start = 0, end = 0, after = 0;
    bool found_end = false, any = false;
    while (pos < buf_len) {
        const uint8_t *nl = memchr(buf + pos, '\n', buf_len - pos);
        if (nl == NULL && !at_end)
            break; /* a line still arriving */
        size_t line_end = nl != NULL ? (size_t)(nl - buf) : buf_len, from, to;
        size_t next = nl != NULL ? line_end + 1 : buf_len;
        line_content(&from, &to, buf, pos, line_end);
        if (to - from == 3 && memcmp(buf + from, "end", 3) == 0) {
            if (any) {
                found_end = true;
                end = pos;
                after = next;
                break;
            }
            start = pos = next; /* an empty dump: nothing to report */
            continue;
        }
        any = any || to > from;
        pos = next;
    }
    if (!found_end) {
        if (at_end && pos == buf_len) {
            end = after = buf_len;
        } else if (buf_len - start > WT_SUNSPEC_DUMP_BYTES_MAX) {
            *used = buf_len;
            set_detail(image->detail, "no line 'end' within %d bytes", WT_SUNSPEC_DUMP_BYTES_MAX);
            return WT_ERR_TELEGRAM_TOO_LONG;
        } else {
            *used = any ? start : pos; /* blanks, comments, empty dumps can go */
            return WT_ERR_NOT_FOUND;
        }
    }
    *used = after;
    if (!any)
        return WT_ERR_NOT_FOUND; /* at the end: nothing but blanks and comments */
    if (end - start > WT_SUNSPEC_DUMP_BYTES_MAX) {
        set_detail(image->detail, "a dump of %zu bytes; at most %d", end - start,
                   WT_SUNSPEC_DUMP_BYTES_MAX);
        return WT_ERR_TELEGRAM_TOO_LONG;
    }
    return dump_parse(image, buf + start, end - start);
}

/* ----------------------------------------------------------- the points */

static bool all_read(const wt_sunspec_image *image, uint32_t address, uint32_t size)
{
    for (uint32_t i = 0; i < size; i++)
        if (!wt_sunspec_image_has(image, address + i))
            return false;
    return true;
}

static uint64_t regs_u64(const wt_sunspec_image *image, uint32_t address, uint32_t size)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < size; i++)
        v = v << 16 | image->regs[address + i];
    return v;
}

/* The raw value and state of one point (no scale factor yet). */
static wt_err decode_raw(wt_sunspec_device *device, const wt_sunspec_image *image,
                         wt_sunspec_value *v)
{
    const wt_sunspec_point_def *def = v->def;
    if (!all_read(image, v->address, def->size)) {
        v->state = WT_SUNSPEC_NOT_READ;
        return WT_OK;
    }
    uint64_t u = def->size <= 4 ? regs_u64(image, v->address, def->size) : 0;
    bool ni = false;
    v->state = WT_SUNSPEC_VALUE;
    switch ((wt_sunspec_type)def->type) {
    case WT_SUNSPEC_UINT16:
    case WT_SUNSPEC_ENUM16:
    case WT_SUNSPEC_BITFIELD16:
        v->raw = (int64_t)u;
        ni = u == 0xFFFF;
        break;
    case WT_SUNSPEC_INT16:
    case WT_SUNSPEC_SUNSSF:
        v->raw = (int16_t)(uint16_t)u;
        ni = u == 0x8000;
        break;
    case WT_SUNSPEC_UINT32:
    case WT_SUNSPEC_BITFIELD32:
        v->raw = (int64_t)u;
        ni = u == 0xFFFFFFFFu;
        break;
    case WT_SUNSPEC_ACC32:
        v->raw = (int64_t)u;
        ni = u == 0;
        break;
    case WT_SUNSPEC_ACC64:
        ni = u == 0;
        if (u > (uint64_t)INT64_MAX)
            v->state = WT_SUNSPEC_INVALID;
        else
            v->raw = (int64_t)u;
        break;
    case WT_SUNSPEC_EUI48:
        v->raw = (int64_t)(u & UINT64_C(0xFFFFFFFFFFFF));
        ni = v->raw == INT64_C(0xFFFFFFFFFFFF);
        break;
    case WT_SUNSPEC_PAD:
        v->raw = (int64_t)u;
        break;
    case WT_SUNSPEC_STRING: {
        char s[2 * 255];
        size_t n = 0;
        for (uint32_t i = 0; i < def->size; i++) {
            s[n++] = (char)(image->regs[v->address + i] >> 8);
            s[n++] = (char)(image->regs[v->address + i] & 0xFF);
        }
        const char *nul = memchr(s, '\0', n);
        if (nul != NULL)
            n = (size_t)(nul - s);
        while (n > 0 && s[n - 1] == ' ')
            n--;
        if (n > WT_SUNSPEC_TEXT_MAX - device->text_used) {
            set_detail(device->detail, "string points longer than %d bytes in all",
                       WT_SUNSPEC_TEXT_MAX);
            return WT_ERR_TOO_MANY_VALUES;
        }
        v->text_offset = (uint16_t)device->text_used;
        v->text_len = (uint16_t)n;
        memcpy(device->text + device->text_used, s, n);
        device->text_used += (uint32_t)n;
        break;
    }
    }
    if (ni)
        v->state = WT_SUNSPEC_NOT_IMPLEMENTED;
    return WT_OK;
}

static wt_err decode_model(wt_sunspec_device *device, const wt_sunspec_image *image, uint32_t m,
                           const wt_sunspec_model_def *def)
{
    const wt_sunspec_header *h = &device->chain.models[m];
    uint32_t first = device->values_count;
    if (def->points_count > WT_SUNSPEC_VALUES_MAX - first) {
        set_detail(device->detail, "more than %d points in the decoded models",
                   WT_SUNSPEC_VALUES_MAX);
        return WT_ERR_TOO_MANY_VALUES;
    }
    uint32_t off = 0;
    for (uint16_t p = 0; p < def->points_count; p++) {
        const wt_sunspec_point_def *pd = &def->points[p];
        if (off + pd->size > (uint32_t)h->length + 2)
            break; /* the trailing pad of a shorter common model */
        wt_sunspec_value *v = &device->values[device->values_count++];
        *v = (wt_sunspec_value){.def = pd, .address = h->address + off, .model = (uint16_t)m};
        wt_err err = decode_raw(device, image, v);
        if (err != WT_OK)
            return err;
        off += pd->size;
    }
    uint32_t end = device->values_count;
    device->first_value[m] = first;
    device->values_of[m] = end - first;
    for (uint32_t i = first; i < end; i++) {
        wt_sunspec_value *v = &device->values[i];
        if (v->def->sf < 0 || v->state != WT_SUNSPEC_VALUE)
            continue;
        const wt_sunspec_value *sf = first + (uint32_t)v->def->sf < end
                                         ? &device->values[first + (uint32_t)v->def->sf]
                                         : NULL;
        if (sf != NULL && sf->state == WT_SUNSPEC_NOT_READ)
            v->state = WT_SUNSPEC_NOT_READ;
        else if (sf == NULL || sf->state != WT_SUNSPEC_VALUE || sf->raw < WT_SUNSPEC_SF_MIN ||
                 sf->raw > WT_SUNSPEC_SF_MAX)
            v->state = WT_SUNSPEC_INVALID;
        else
            v->sf = (int8_t)sf->raw;
    }
    return WT_OK;
}

wt_err wt_sunspec_decode(wt_sunspec_device *device, const wt_sunspec_image *image)
{
    WT_ASSERT(device != NULL && image != NULL);
    uint32_t b = image->base;
    device->values_count = 0;
    device->text_used = 0;
    device->detail[0] = '\0';
    wt_sunspec_chain_init(&device->chain, b);
    if (!wt_sunspec_image_has(image, b) || !wt_sunspec_image_has(image, b + 1) ||
        image->regs[b] != WT_SUNSPEC_MARKER_HI || image->regs[b + 1] != WT_SUNSPEC_MARKER_LO) {
        if (wt_sunspec_image_has(image, b) && wt_sunspec_image_has(image, b + 1))
            set_detail(device->detail, "at %" PRIu32 ": %04X %04X, not 5375 6E53 ('SunS')", b,
                       image->regs[b], image->regs[b + 1]);
        else
            set_detail(device->detail, "the marker registers at %" PRIu32 " were not read", b);
        return WT_ERR_SUNSPEC_NO_MARKER;
    }
    wt_sunspec_chain *chain = &device->chain;
    for (;;) {
        uint32_t at = chain->next;
        if (!wt_sunspec_image_has(image, at) || !wt_sunspec_image_has(image, at + 1)) {
            if (chain->count == 0) {
                set_detail(device->detail, "no model header after the marker (at %" PRIu32 ")", at);
            } else {
                const wt_sunspec_header *h = &chain->models[chain->count - 1];
                set_detail(device->detail,
                           "model %u at %" PRIu32 " has length %u: no header at %" PRIu32
                           " (a length past the registers, or no end marker 0xFFFF)",
                           h->id, h->address, h->length, at);
            }
            return WT_ERR_TELEGRAM_TRUNCATED;
        }
        wt_err err = wt_sunspec_chain_add(chain, image->regs[at], image->regs[at + 1]);
        if (err != WT_OK) {
            memcpy(device->detail, chain->detail, sizeof device->detail);
            return err;
        }
        if (chain->complete)
            return WT_OK;
        uint32_t m = chain->count - 1;
        device->first_value[m] = device->values_count;
        device->values_of[m] = 0;
        const wt_sunspec_model_def *def = wt_sunspec_model_def_find(chain->models[m].id);
        if (def != NULL) {
            err = decode_model(device, image, m, def);
            if (err != WT_OK)
                return err;
        }
    }
}

const wt_sunspec_value *wt_sunspec_find(const wt_sunspec_device *device, uint32_t model,
                                        const char *name)
{
    if (model >= device->chain.count)
        return NULL;
    for (uint32_t i = 0; i < device->values_of[model]; i++) {
        const wt_sunspec_value *v = &device->values[device->first_value[model] + i];
        if (strcmp(v->def->name, name) == 0)
            return v;
    }
    return NULL;
}

const char *wt_sunspec_value_text(const wt_sunspec_device *device, const wt_sunspec_value *value)
{
    WT_ASSERT(value->def->type == WT_SUNSPEC_STRING);
    WT_ASSERT((size_t)value->text_offset + value->text_len <= device->text_used);
    return device->text + value->text_offset;
}

/* ----------------------------------------------------------- formatting */

typedef struct {
    char *out;
    size_t cap, len;
    bool overflow;
} text_buf;

static void put(text_buf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text_buf *t, const char *fmt, ...)
{
    if (t->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->out + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= t->cap - t->len) {
        t->overflow = true;
        t->out[t->len] = '\0';
        return;
    }
    t->len += (size_t)n;
}

/* raw × 10^sf, exactly, as a decimal. */
static void put_decimal(text_buf *t, int64_t raw, int sf)
{
    if (sf >= 0 || raw == 0) {
        put(t, "%" PRId64, raw);
        for (int i = 0; raw != 0 && i < sf; i++)
            put(t, "0");
        if (raw == 0 && sf < 0) {
            put(t, ".");
            for (int i = 0; i < -sf; i++)
                put(t, "0");
        }
        return;
    }
    char digits[24];
    uint64_t mag = raw < 0 ? (uint64_t)0 - (uint64_t)raw : (uint64_t)raw;
    int n = snprintf(digits, sizeof digits, "%" PRIu64, mag);
    int frac = -sf;
    put(t, "%s", raw < 0 ? "-" : "");
    if (n <= frac) {
        put(t, "0.");
        for (int i = n; i < frac; i++)
            put(t, "0");
        put(t, "%s", digits);
    } else {
        put(t, "%.*s.%s", n - frac, digits, digits + n - frac);
    }
}

static const char *symbol_name(const wt_sunspec_point_def *def, uint32_t value)
{
    for (uint8_t i = 0; i < def->symbols_count; i++)
        if (def->symbols[i].value == value)
            return def->symbols[i].name;
    return NULL;
}

static bool is_bitfield(const wt_sunspec_point_def *def)
{
    return def->type == WT_SUNSPEC_BITFIELD16 || def->type == WT_SUNSPEC_BITFIELD32;
}

/* A VALUE point's text; quote: as a JSON value (strings quoted, bitfields an
 * array) rather than plain text. */
static void put_value(text_buf *t, const wt_sunspec_device *device, const wt_sunspec_value *v,
                      bool json)
{
    const wt_sunspec_point_def *def = v->def;
    if (def->type == WT_SUNSPEC_STRING) {
        const char *s = wt_sunspec_value_text(device, v);
        if (!json) {
            put(t, "%.*s", (int)v->text_len, s);
            return;
        }
        char esc[2 * 255 * 6 + 3]; /* the longest string, every byte escaped */
        wt_json_buf b = {.out = esc, .cap = sizeof esc};
        wt_json_string(&b, s, v->text_len);
        if (b.overflow)
            t->overflow = true;
        else
            put(t, "%s", esc);
        return;
    }
    if (def->type == WT_SUNSPEC_ENUM16) {
        const char *name = symbol_name(def, (uint32_t)v->raw);
        if (name != NULL)
            put(t, "%s%s%s", json ? "\"" : "", name, json ? "\"" : "");
        else
            put(t, "%" PRId64, v->raw);
        return;
    }
    if (is_bitfield(def)) {
        put(t, "%s", json ? "[" : "");
        bool first = true;
        for (uint32_t bit = 0; bit < 32; bit++) {
            if ((v->raw >> bit & 1) == 0)
                continue;
            const char *name = symbol_name(def, bit);
            const char *q = json ? "\"" : "";
            const char *sep = first ? "" : json ? "," : "|";
            if (name != NULL)
                put(t, "%s%s%s%s", sep, q, name, q);
            else
                put(t, "%s%sbit%" PRIu32 "%s", sep, q, bit, q);
            first = false;
        }
        put(t, "%s", json ? "]" : "");
        return;
    }
    if (def->type == WT_SUNSPEC_EUI48) {
        uint64_t mac = (uint64_t)v->raw;
        put(t, "%s", json ? "\"" : "");
        for (int i = 5; i >= 0; i--)
            put(t, "%02X%s", (unsigned)(mac >> (8 * i) & 0xFF), i > 0 ? ":" : "");
        put(t, "%s", json ? "\"" : "");
        return;
    }
    if (def->sf >= 0)
        put_decimal(t, v->raw, v->sf);
    else
        put(t, "%" PRId64, v->raw);
}

bool wt_sunspec_value_format(char *out, size_t out_cap, const wt_sunspec_device *device,
                             const wt_sunspec_value *value)
{
    if (out_cap == 0)
        return false;
    out[0] = '\0';
    if (value->state != WT_SUNSPEC_VALUE)
        return true;
    text_buf t = {.out = out, .cap = out_cap};
    put_value(&t, device, value, false);
    if (t.overflow)
        out[0] = '\0';
    return !t.overflow;
}

/* -------------------------------------------------------------- energy */

static wt_err energy_mwh(int64_t *mwh, wt_meter_reading *reading, const wt_sunspec_device *device,
                         uint32_t m, const char *name)
{
    *mwh = 0;
    const wt_sunspec_header *h = &device->chain.models[m];
    const wt_sunspec_value *v = wt_sunspec_find(device, m, name);
    WT_ASSERT(v != NULL && v->def->sf >= 0); /* the energy models' tables have them */
    const wt_sunspec_value *sf = &device->values[device->first_value[m] + (uint32_t)v->def->sf];
    const wt_sunspec_value *missing = sf->state == WT_SUNSPEC_NOT_READ  ? sf
                                      : v->state == WT_SUNSPEC_NOT_READ ? v
                                                                        : NULL;
    if (missing != NULL) {
        wt_meter_detail(reading, "model %u at %" PRIu32 ": %s was not read", h->id, h->address,
                        missing->def->name);
        return WT_ERR_TELEGRAM_TRUNCATED;
    }
    if (sf->state != WT_SUNSPEC_VALUE) {
        wt_meter_detail(reading, "model %u at %" PRIu32 ": %s is not implemented", h->id,
                        h->address, sf->def->name);
        return WT_ERR_BAD_METER_VALUE;
    }
    if (sf->raw < WT_SUNSPEC_SF_MIN || sf->raw > WT_SUNSPEC_SF_MAX) {
        wt_meter_detail(reading, "model %u at %" PRIu32 ": %s is %" PRId64 ", outside -10..10",
                        h->id, h->address, sf->def->name, sf->raw);
        return WT_ERR_BAD_METER_VALUE;
    }
    /* an accumulator that is "not implemented" holds 0 */
    int64_t raw = v->state == WT_SUNSPEC_VALUE ? v->raw : 0;
    wt_err err = wt_meter_scale_i64(mwh, raw, (int)sf->raw + 3);
    if (err != WT_OK)
        wt_meter_detail(reading,
                        "model %u at %" PRIu32 ": %s %" PRId64 " x 10^%" PRId64
                        " Wh is beyond int64 mWh",
                        h->id, h->address, name, raw, sf->raw);
    return err;
}

wt_err wt_sunspec_reading(wt_meter_reading *reading, const wt_sunspec_device *device,
                          uint16_t model_id, uint32_t nth)
{
    WT_ASSERT(reading != NULL && device != NULL);
    wt_meter_reading_reset(reading, WT_METER_FORMAT_SUNSPEC);
    const wt_sunspec_chain *chain = &device->chain;
    const wt_sunspec_value *sn =
        chain->count > 0 && chain->models[0].id == 1 ? wt_sunspec_find(device, 0, "SN") : NULL;
    if (sn != NULL && sn->state == WT_SUNSPEC_VALUE && sn->text_len > 0) {
        const char *s = wt_sunspec_value_text(device, sn);
        bool printable = true;
        for (size_t i = 0; i < sn->text_len; i++)
            printable = printable && s[i] > ' ' && s[i] < 0x7f;
        reading->has_meter_id =
            printable &&
            wt_meter_copy_field(reading->meter_id, sizeof reading->meter_id, s, sn->text_len);
    }
    int k = wt_sunspec_chain_select(chain, model_id, nth);
    if (k < 0) {
        if (model_id == 0)
            wt_meter_detail(reading, "the chain has no meter (201-204) or inverter (101-103)");
        else if (!wt_sunspec_is_energy_model(model_id))
            wt_meter_detail(reading, "model %u carries no energy (101-103, 201-204 do)", model_id);
        else
            wt_meter_detail(reading, "the chain has no model %u number %" PRIu32, model_id, nth);
        return WT_ERR_NOT_FOUND;
    }
    uint32_t m = (uint32_t)k;
    uint16_t id = chain->models[m].id;
    int64_t imp = 0, exp = 0;
    wt_err err;
    if (id <= 103) {
        err = energy_mwh(&exp, reading, device, m, "WH");
    } else {
        err = energy_mwh(&imp, reading, device, m, "TotWhImp");
        if (err == WT_OK)
            err = energy_mwh(&exp, reading, device, m, "TotWhExp");
        if (err == WT_OK)
            err = wt_meter_reading_add_int(reading, wt_obis_make(1, 0, 1, 8, 0), imp, WT_UNIT_MWH);
    }
    if (err == WT_OK)
        err = wt_meter_reading_add_int(reading, wt_obis_make(1, 0, 2, 8, 0), exp, WT_UNIT_MWH);
    if (err != WT_OK)
        reading->values_count = 0;
    return err;
}

/* ---------------------------------------------------------------- JSON */

wt_err wt_sunspec_json(char *out, size_t out_cap, size_t *out_len, const wt_sunspec_device *device,
                       const wt_meter_reading *reading)
{
    WT_ASSERT(out_len != NULL && device != NULL && reading != NULL);
    size_t n = 0;
    wt_err err = wt_meter_reading_json(out, out_cap, &n, reading);
    if (err != WT_OK)
        return err;
    *out_len = 0;
    text_buf t = {.out = out, .cap = out_cap, .len = n - 1}; /* over the final '}' */
    out[t.len] = '\0';
    put(&t, ",\"models\":[");
    const wt_sunspec_chain *chain = &device->chain;
    for (uint32_t m = 0; m < chain->count; m++) {
        const wt_sunspec_header *h = &chain->models[m];
        put(&t, "%s{\"id\":%u,\"address\":%" PRIu32 ",\"length\":%u", m > 0 ? "," : "", h->id,
            h->address, h->length);
        const wt_sunspec_model_def *def = wt_sunspec_model_def_find(h->id);
        if (def != NULL) {
            put(&t, ",\"name\":\"%s\",\"points\":{", def->name);
            bool first = true;
            for (uint32_t i = 0; i < device->values_of[m]; i++) {
                const wt_sunspec_value *v = &device->values[device->first_value[m] + i];
                if (v->state == WT_SUNSPEC_NOT_READ)
                    continue;
                put(&t, "%s\"%s\":", first ? "" : ",", v->def->name);
                first = false;
                if (v->state == WT_SUNSPEC_VALUE)
                    put_value(&t, device, v, true);
                else
                    put(&t, "null");
            }
            put(&t, "}");
        }
        put(&t, "}");
    }
    put(&t, "]}");
    if (t.overflow) {
        out[0] = '\0';
        return WT_ERR_BUFFER_TOO_SMALL;
    }
    *out_len = t.len;
    return WT_OK;
}
