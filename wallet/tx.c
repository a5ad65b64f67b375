/* tx.c — the canonical transaction codec: checking, encoding, strict
 * decoding, txid, signing and verifying (layout in wallet/FORMAT.md).
 * Pure functions over caller memory; the decoder never allocates and never
 * reads outside data[0 .. data_len). */
#include "wallet.h"

#include <pthread.h>
#include <string.h>

#define FAIL(err_, name_)                                                                          \
    do {                                                                                           \
        if (field != NULL)                                                                         \
            *field = (name_);                                                                      \
        return (err_);                                                                             \
    } while (0)

/* ------------------------------------------------------------ names */

const char *wt_tx_type_name(int type)
{
    static const char *const names[] = {NULL,       "transfer", "mint",     "burn",     "order",
                                        "standing", "cancel",   "register", "readings", "settle"};
    return type >= 1 && type <= 9 ? names[type] : NULL;
}

/* ------------------------------------------------------- field rules */

/* UTF-8 (RFC 3629: shortest form, no surrogates, at most U+10FFFF) without
 * control characters (U+0000..U+001F, U+007F..U+009F). */
static bool text_is_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return false;
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if (c >= 0xc2 && c <= 0xdf)
            n = 1, cp = c & 0x1fu, min = 0x80;
        else if (c >= 0xe0 && c <= 0xef)
            n = 2, cp = c & 0x0fu, min = 0x800;
        else if (c >= 0xf0 && c <= 0xf4)
            n = 3, cp = c & 0x07u, min = 0x10000;
        else
            return false;
        if (len - i - 1 < n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
            (cp >= 0x80 && cp <= 0x9f))
            return false;
        i += n + 1;
    }
    return true;
}

static bool meter_id_is_valid(const uint8_t *s, size_t len)
{
    if (len < 1 || len > WT_METER_ID_BYTES_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    return true;
}

static bool memo_is_valid(const wt_memo *m)
{
    return m->len <= WT_MEMO_BYTES_MAX && text_is_valid(m->bytes, m->len);
}

static bool name_is_valid(const wt_merchant_name *n)
{
    return n->len >= 1 && n->len <= WT_MERCHANT_NAME_BYTES_MAX && text_is_valid(n->bytes, n->len);
}

/* Strict byte order of meter ids: memcmp, a proper prefix sorts first. */
static int meter_id_cmp(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    int c = memcmp(a, b, a_len < b_len ? a_len : b_len);
    if (c != 0)
        return c;
    return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}

static bool is_zero(const uint8_t *p, size_t len)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < len; i++)
        acc |= p[i];
    return acc == 0;
}

wt_err wt_memo_set(wt_memo *memo, const char *text)
{
    WT_ASSERT(memo != NULL && text != NULL);
    memset(memo, 0, sizeof *memo);
    size_t len = strlen(text);
    if (len > WT_MEMO_BYTES_MAX || !text_is_valid((const uint8_t *)text, len))
        return WT_ERR_TX_FIELD;
    memo->len = (uint8_t)len;
    memcpy(memo->bytes, text, len);
    return WT_OK;
}

wt_err wt_meter_id_set(wt_meter_id *id, const char *text)
{
    WT_ASSERT(id != NULL && text != NULL);
    memset(id, 0, sizeof *id);
    size_t len = strlen(text);
    if (!meter_id_is_valid((const uint8_t *)text, len))
        return WT_ERR_TX_FIELD;
    id->len = (uint8_t)len;
    memcpy(id->bytes, text, len);
    return WT_OK;
}

wt_err wt_merchant_name_set(wt_merchant_name *name, const char *text)
{
    WT_ASSERT(name != NULL && text != NULL);
    memset(name, 0, sizeof *name);
    size_t len = strlen(text);
    if (len < 1 || len > WT_MERCHANT_NAME_BYTES_MAX || !text_is_valid((const uint8_t *)text, len))
        return WT_ERR_TX_FIELD;
    name->len = (uint8_t)len;
    memcpy(name->bytes, text, len);
    return WT_OK;
}

void wt_tx_init(wt_tx *tx, wt_tx_type type)
{
    WT_ASSERT(tx != NULL);
    memset(tx, 0, sizeof *tx);
    tx->version = WT_TX_VERSION;
    tx->type = (uint8_t)type;
}

/* ------------------------------------------- encoded arrays (wire views) */

/*
 * Walk `count` encoded READINGS entries in p[0 .. avail), checking every
 * rule; *used receives the bytes they take. Truncation is reported as
 * WT_ERR_TX_TRUNCATED (the decoder's view of it).
 */
static wt_err readings_wire_check(const char **field, size_t *used, const uint8_t *p, size_t avail,
                                  uint32_t count)
{
    *used = 0;
    size_t off = 0;
    const uint8_t *prev = NULL;
    size_t prev_len = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (avail - off < 1)
            FAIL(WT_ERR_TX_TRUNCATED, "readings.meter_id");
        size_t id_len = p[off];
        if (id_len < 1 || id_len > WT_METER_ID_BYTES_MAX)
            FAIL(WT_ERR_TX_FIELD, "readings.meter_id");
        if (avail - off - 1 < id_len)
            FAIL(WT_ERR_TX_TRUNCATED, "readings.meter_id");
        const uint8_t *id = p + off + 1;
        if (!meter_id_is_valid(id, id_len))
            FAIL(WT_ERR_TX_FIELD, "readings.meter_id");
        if (prev != NULL && meter_id_cmp(prev, prev_len, id, id_len) >= 0)
            FAIL(WT_ERR_TX_FIELD, "readings.order");
        prev = id;
        prev_len = id_len;
        off += 1 + id_len;
        if (avail - off < 8)
            FAIL(WT_ERR_TX_TRUNCATED, "readings.import_mwh");
        if ((int64_t)wt_get_be64(p + off) < 0)
            FAIL(WT_ERR_TX_FIELD, "readings.import_mwh");
        off += 8;
        if (avail - off < 8)
            FAIL(WT_ERR_TX_TRUNCATED, "readings.export_mwh");
        if ((int64_t)wt_get_be64(p + off) < 0)
            FAIL(WT_ERR_TX_FIELD, "readings.export_mwh");
        off += 8;
        if (avail - off < 1)
            FAIL(WT_ERR_TX_TRUNCATED, "readings.flags");
        if ((p[off] & ~WT_READING_ESTIMATED) != 0)
            FAIL(WT_ERR_TX_FIELD, "readings.flags");
        off += 1;
    }
    *used = off;
    return WT_OK;
}

/* Check `count` encoded legs (count * WT_SETTLE_LEG_BYTES bytes at p). */
static wt_err legs_wire_check(const char **field, const uint8_t *p, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++, p += WT_SETTLE_LEG_BYTES) {
        uint8_t kind = p[64];
        if (kind < WT_LEG_P2P || kind > WT_LEG_FEED_IN)
            FAIL(WT_ERR_TX_FIELD, "legs.kind");
        if ((int64_t)wt_get_be64(p + 67) < 0)
            FAIL(WT_ERR_TX_FIELD, "legs.energy_mwh");
        if ((int64_t)wt_get_be64(p + 75) < 0)
            FAIL(WT_ERR_TX_FIELD, "legs.amount_micro");
    }
    return WT_OK;
}

bool wt_readings_next(wt_reading *entry, size_t *pos, const wt_tx_readings *readings)
{
    WT_ASSERT(entry != NULL && pos != NULL && readings != NULL);
    memset(entry, 0, sizeof *entry);
    if (readings->wire == NULL) {
        if (*pos >= readings->count)
            return false;
        WT_ASSERT(readings->entries != NULL);
        *entry = readings->entries[*pos];
        *pos += 1;
        return true;
    }
    WT_ASSERT(readings->entries == NULL);
    size_t off = *pos;
    if (off >= readings->wire_len)
        return false;
    const uint8_t *p = readings->wire + off;
    size_t id_len = p[0];
    /* A wire view comes from wt_tx_decode; a broken one is a contract error. */
    WT_ASSERT(id_len >= 1 && id_len <= WT_METER_ID_BYTES_MAX &&
              readings->wire_len - off >= 1 + id_len + 17);
    entry->meter_id.len = (uint8_t)id_len;
    memcpy(entry->meter_id.bytes, p + 1, id_len);
    entry->import_mwh = (int64_t)wt_get_be64(p + 1 + id_len);
    entry->export_mwh = (int64_t)wt_get_be64(p + 9 + id_len);
    entry->flags = p[17 + id_len];
    *pos = off + 18 + id_len;
    return true;
}

void wt_settle_leg_get(wt_settle_leg *leg, const wt_tx_settle *settle, uint32_t i)
{
    WT_ASSERT(leg != NULL && settle != NULL && i < settle->count);
    if (settle->wire == NULL) {
        WT_ASSERT(settle->legs != NULL);
        *leg = settle->legs[i];
        return;
    }
    WT_ASSERT(settle->legs == NULL &&
              settle->wire_len == (size_t)settle->count * WT_SETTLE_LEG_BYTES);
    const uint8_t *p = settle->wire + (size_t)i * WT_SETTLE_LEG_BYTES;
    memset(leg, 0, sizeof *leg);
    memcpy(leg->from, p, 32);
    memcpy(leg->to, p + 32, 32);
    leg->kind = p[64];
    leg->zone = wt_get_be16(p + 65);
    leg->energy_mwh = (int64_t)wt_get_be64(p + 67);
    leg->amount_micro = (int64_t)wt_get_be64(p + 75);
}

/* ----------------------------------------------------------- checking */

static wt_err check_readings(const char **field, const wt_tx_readings *r)
{
    if (r->count < 1 || r->count > WT_READINGS_MAX)
        FAIL(WT_ERR_TX_FIELD, "count");
    if (r->wire != NULL) {
        WT_ASSERT(r->entries == NULL);
        size_t used;
        wt_err err = readings_wire_check(field, &used, r->wire, r->wire_len, r->count);
        if (err != WT_OK)
            return WT_ERR_TX_FIELD;
        if (used != r->wire_len)
            FAIL(WT_ERR_TX_FIELD, "readings");
        return WT_OK;
    }
    WT_ASSERT(r->entries != NULL);
    for (uint32_t i = 0; i < r->count; i++) {
        const wt_reading *e = &r->entries[i];
        if (!meter_id_is_valid(e->meter_id.bytes, e->meter_id.len))
            FAIL(WT_ERR_TX_FIELD, "readings.meter_id");
        if (i > 0) {
            const wt_meter_id *prev = &r->entries[i - 1].meter_id;
            if (meter_id_cmp(prev->bytes, prev->len, e->meter_id.bytes, e->meter_id.len) >= 0)
                FAIL(WT_ERR_TX_FIELD, "readings.order");
        }
        if (e->import_mwh < 0)
            FAIL(WT_ERR_TX_FIELD, "readings.import_mwh");
        if (e->export_mwh < 0)
            FAIL(WT_ERR_TX_FIELD, "readings.export_mwh");
        if ((e->flags & ~WT_READING_ESTIMATED) != 0)
            FAIL(WT_ERR_TX_FIELD, "readings.flags");
    }
    return WT_OK;
}

static wt_err check_settle(const char **field, const wt_tx_settle *s)
{
    if (s->count > WT_SETTLE_LEGS_MAX)
        FAIL(WT_ERR_TX_FIELD, "count");
    if (s->wire != NULL) {
        WT_ASSERT(s->legs == NULL);
        if (s->wire_len != (size_t)s->count * WT_SETTLE_LEG_BYTES)
            FAIL(WT_ERR_TX_FIELD, "legs");
        return legs_wire_check(field, s->wire, s->count);
    }
    WT_ASSERT(s->legs != NULL || s->count == 0);
    for (uint32_t i = 0; i < s->count; i++) {
        const wt_settle_leg *l = &s->legs[i];
        if (l->kind < WT_LEG_P2P || l->kind > WT_LEG_FEED_IN)
            FAIL(WT_ERR_TX_FIELD, "legs.kind");
        if (l->energy_mwh < 0)
            FAIL(WT_ERR_TX_FIELD, "legs.energy_mwh");
        if (l->amount_micro < 0)
            FAIL(WT_ERR_TX_FIELD, "legs.amount_micro");
    }
    return WT_OK;
}

static wt_err check_register(const char **field, const wt_tx_register *r)
{
    switch (r->kind) {
    case WT_TX_REGISTER_METER:
        if (!meter_id_is_valid(r->u.meter.meter_id.bytes, r->u.meter.meter_id.len))
            FAIL(WT_ERR_TX_FIELD, "meter_id");
        return WT_OK;
    case WT_TX_REGISTER_GATEWAY:
        return WT_OK;
    case WT_TX_REGISTER_MERCHANT:
        if (!name_is_valid(&r->u.merchant.name))
            FAIL(WT_ERR_TX_FIELD, "name");
        return WT_OK;
    case WT_TX_REGISTER_ROLE:
        if (r->u.role.role < WT_TX_ROLE_ISSUER || r->u.role.role > WT_TX_ROLE_OPERATOR)
            FAIL(WT_ERR_TX_FIELD, "role");
        return WT_OK;
    default:
        FAIL(WT_ERR_TX_FIELD, "kind");
    }
}

wt_err wt_tx_check(const char **field, const wt_tx *tx)
{
    WT_ASSERT(tx != NULL);
    if (field != NULL)
        *field = NULL;
    if (tx->version != WT_TX_VERSION)
        FAIL(WT_ERR_TX_VERSION, "version");
    if (wt_tx_type_name(tx->type) == NULL)
        FAIL(WT_ERR_TX_TYPE, "type");
    if (tx->nonce < 1)
        FAIL(WT_ERR_TX_FIELD, "nonce");
    if (tx->expiry_ms <= 0)
        FAIL(WT_ERR_TX_FIELD, "expiry_ms");
    switch (tx->type) {
    case WT_TX_TRANSFER: {
        const wt_tx_transfer *b = &tx->body.transfer;
        if (b->amount_micro <= 0)
            FAIL(WT_ERR_TX_FIELD, "amount_micro");
        if (!memo_is_valid(&b->memo))
            FAIL(WT_ERR_TX_FIELD, "memo");
        if (b->ref_kind > WT_TX_REF_PAYMENT_REQUEST)
            FAIL(WT_ERR_TX_FIELD, "ref_kind");
        if (b->ref_kind == WT_TX_REF_NONE && !is_zero(b->ref, 32))
            FAIL(WT_ERR_TX_FIELD, "ref");
        return WT_OK;
    }
    case WT_TX_MINT:
        if (tx->body.mint.amount_micro <= 0)
            FAIL(WT_ERR_TX_FIELD, "amount_micro");
        if (!memo_is_valid(&tx->body.mint.memo))
            FAIL(WT_ERR_TX_FIELD, "memo");
        return WT_OK;
    case WT_TX_BURN:
        if (tx->body.burn.amount_micro <= 0)
            FAIL(WT_ERR_TX_FIELD, "amount_micro");
        if (!memo_is_valid(&tx->body.burn.memo))
            FAIL(WT_ERR_TX_FIELD, "memo");
        return WT_OK;
    case WT_TX_ORDER: {
        const wt_tx_order *b = &tx->body.order;
        if (b->side != WT_TX_SIDE_BUY && b->side != WT_TX_SIDE_SELL)
            FAIL(WT_ERR_TX_FIELD, "side");
        if (b->energy_mwh <= 0)
            FAIL(WT_ERR_TX_FIELD, "energy_mwh");
        if (b->price_micro_per_kwh < 0)
            FAIL(WT_ERR_TX_FIELD, "price_micro_per_kwh");
        return WT_OK;
    }
    case WT_TX_STANDING: {
        const wt_tx_standing *b = &tx->body.standing;
        const unsigned all = WT_STANDING_HAS_SELL_MIN | WT_STANDING_HAS_BUY_MAX;
        if (b->flags == 0 || (b->flags & ~all) != 0)
            FAIL(WT_ERR_TX_FIELD, "flags");
        if (b->sell_min_micro_per_kwh < 0 ||
            (!(b->flags & WT_STANDING_HAS_SELL_MIN) && b->sell_min_micro_per_kwh != 0))
            FAIL(WT_ERR_TX_FIELD, "sell_min_micro_per_kwh");
        if (b->buy_max_micro_per_kwh < 0 ||
            (!(b->flags & WT_STANDING_HAS_BUY_MAX) && b->buy_max_micro_per_kwh != 0))
            FAIL(WT_ERR_TX_FIELD, "buy_max_micro_per_kwh");
        return WT_OK;
    }
    case WT_TX_CANCEL:
        return WT_OK;
    case WT_TX_REGISTER:
        return check_register(field, &tx->body.reg);
    case WT_TX_READINGS:
        return check_readings(field, &tx->body.readings);
    case WT_TX_SETTLE:
        return check_settle(field, &tx->body.settle);
    default:
        FAIL(WT_ERR_TX_TYPE, "type"); /* unreachable: checked above */
    }
}

/* ----------------------------------------------------------- encoding */

static size_t readings_len(const wt_tx_readings *r)
{
    if (r->wire != NULL)
        return r->wire_len;
    size_t n = 0;
    for (uint32_t i = 0; i < r->count; i++)
        n += 18 + (size_t)r->entries[i].meter_id.len;
    return n;
}

static size_t body_len(const wt_tx *tx)
{
    switch (tx->type) {
    case WT_TX_TRANSFER:
        return 32 + 8 + 1 + (size_t)tx->body.transfer.memo.len + 1 +
               (tx->body.transfer.ref_kind != WT_TX_REF_NONE ? 32 : 0);
    case WT_TX_MINT:
        return 32 + 8 + 1 + (size_t)tx->body.mint.memo.len;
    case WT_TX_BURN:
        return 8 + 1 + (size_t)tx->body.burn.memo.len;
    case WT_TX_ORDER:
        return 2 + 1 + 8 + 8 + 8;
    case WT_TX_STANDING:
        return 2 + 1 + 8 + 8;
    case WT_TX_CANCEL:
        return 32;
    case WT_TX_REGISTER:
        switch (tx->body.reg.kind) {
        case WT_TX_REGISTER_METER:
            return 1 + 1 + (size_t)tx->body.reg.u.meter.meter_id.len + 32 + 2 + 32;
        case WT_TX_REGISTER_GATEWAY:
            return 1 + 32 + 2;
        case WT_TX_REGISTER_MERCHANT:
            return 1 + 32 + 1 + (size_t)tx->body.reg.u.merchant.name.len;
        case WT_TX_REGISTER_ROLE:
            return 1 + 1 + 32;
        default:
            WT_ASSERT(false); /* the kind was checked */
            return 0;
        }
    case WT_TX_READINGS:
        return 8 + 2 + readings_len(&tx->body.readings);
    case WT_TX_SETTLE:
        return 8 + 32 + 4 + (size_t)tx->body.settle.count * WT_SETTLE_LEG_BYTES;
    default:
        WT_ASSERT(false); /* the type was checked */
        return 0;
    }
}

size_t wt_tx_encoded_len(const wt_tx *tx)
{
    WT_ASSERT(tx != NULL);
    return WT_TX_HEADER_BYTES + body_len(tx) + WT_SIGNATURE_BYTES;
}

/*
 * The encoder writes through a `sink`: either straight into the caller's
 * buffer (sized beforehand, so it never overflows), or through a small
 * staging buffer into a tagged hasher (the txid of a struct, with no buffer
 * the size of the transaction).
 */
#define STAGE_BYTES 512
typedef struct {
    uint8_t *p, *end;
    wt_tagged_hasher *hash; /* NULL: buffer mode */
    uint8_t *stage;
} sink;

static void sink_flush(sink *s)
{
    WT_ASSERT(s->hash != NULL);
    wt_tagged_hash_update(s->hash, s->stage, (size_t)(s->p - s->stage));
    s->p = s->stage;
}

static void put(sink *s, const void *data, size_t n)
{
    if ((size_t)(s->end - s->p) < n) {
        sink_flush(s);
        if (n > STAGE_BYTES) {
            wt_tagged_hash_update(s->hash, data, n);
            return;
        }
    }
    memcpy(s->p, data, n);
    s->p += n;
}

static void put_u8(sink *s, uint8_t v)
{
    put(s, &v, 1);
}
static void put_u16(sink *s, uint16_t v)
{
    uint8_t b[2];
    wt_put_be16(b, v);
    put(s, b, 2);
}
static void put_u32(sink *s, uint32_t v)
{
    uint8_t b[4];
    wt_put_be32(b, v);
    put(s, b, 4);
}
static void put_u64(sink *s, uint64_t v)
{
    uint8_t b[8];
    wt_put_be64(b, v);
    put(s, b, 8);
}
static void put_i64(sink *s, int64_t v)
{
    put_u64(s, (uint64_t)v);
}
static void put_text(sink *s, uint8_t len, const uint8_t *bytes)
{
    put_u8(s, len);
    put(s, bytes, len);
}

/* Everything but the signature, for a tx that passed wt_tx_check. */
static void encode_unsigned(sink *s, const wt_tx *tx)
{
    put_u8(s, tx->version);
    put_u8(s, tx->type);
    put_u32(s, tx->chain_id);
    put(s, tx->sender, 32);
    put_u64(s, tx->nonce);
    put_i64(s, tx->expiry_ms);
    switch (tx->type) {
    case WT_TX_TRANSFER: {
        const wt_tx_transfer *b = &tx->body.transfer;
        put(s, b->to, 32);
        put_i64(s, b->amount_micro);
        put_text(s, b->memo.len, b->memo.bytes);
        put_u8(s, b->ref_kind);
        if (b->ref_kind != WT_TX_REF_NONE)
            put(s, b->ref, 32);
        break;
    }
    case WT_TX_MINT:
        put(s, tx->body.mint.to, 32);
        put_i64(s, tx->body.mint.amount_micro);
        put_text(s, tx->body.mint.memo.len, tx->body.mint.memo.bytes);
        break;
    case WT_TX_BURN:
        put_i64(s, tx->body.burn.amount_micro);
        put_text(s, tx->body.burn.memo.len, tx->body.burn.memo.bytes);
        break;
    case WT_TX_ORDER:
        put_u16(s, tx->body.order.zone);
        put_u8(s, tx->body.order.side);
        put_u64(s, tx->body.order.interval);
        put_i64(s, tx->body.order.energy_mwh);
        put_i64(s, tx->body.order.price_micro_per_kwh);
        break;
    case WT_TX_STANDING:
        put_u16(s, tx->body.standing.zone);
        put_u8(s, tx->body.standing.flags);
        put_i64(s, tx->body.standing.sell_min_micro_per_kwh);
        put_i64(s, tx->body.standing.buy_max_micro_per_kwh);
        break;
    case WT_TX_CANCEL:
        put(s, tx->body.cancel.order_txid, 32);
        break;
    case WT_TX_REGISTER: {
        const wt_tx_register *r = &tx->body.reg;
        put_u8(s, r->kind);
        switch (r->kind) {
        case WT_TX_REGISTER_METER:
            put_text(s, r->u.meter.meter_id.len, r->u.meter.meter_id.bytes);
            put(s, r->u.meter.owner, 32);
            put_u16(s, r->u.meter.zone);
            put(s, r->u.meter.gateway, 32);
            break;
        case WT_TX_REGISTER_GATEWAY:
            put(s, r->u.gateway.key, 32);
            put_u16(s, r->u.gateway.zone);
            break;
        case WT_TX_REGISTER_MERCHANT:
            put(s, r->u.merchant.key, 32);
            put_text(s, r->u.merchant.name.len, r->u.merchant.name.bytes);
            break;
        default:
            put_u8(s, r->u.role.role);
            put(s, r->u.role.key, 32);
            break;
        }
        break;
    }
    case WT_TX_READINGS: {
        const wt_tx_readings *r = &tx->body.readings;
        put_u64(s, r->interval);
        put_u16(s, r->count);
        if (r->wire != NULL) {
            put(s, r->wire, r->wire_len);
            break;
        }
        for (uint32_t i = 0; i < r->count; i++) {
            const wt_reading *e = &r->entries[i];
            put_text(s, e->meter_id.len, e->meter_id.bytes);
            put_i64(s, e->import_mwh);
            put_i64(s, e->export_mwh);
            put_u8(s, e->flags);
        }
        break;
    }
    case WT_TX_SETTLE: {
        const wt_tx_settle *st = &tx->body.settle;
        put_u64(s, st->interval);
        put(s, st->inputs_hash, 32);
        put_u32(s, st->count);
        if (st->wire != NULL) {
            put(s, st->wire, st->wire_len);
            break;
        }
        for (uint32_t i = 0; i < st->count; i++) {
            const wt_settle_leg *l = &st->legs[i];
            put(s, l->from, 32);
            put(s, l->to, 32);
            put_u8(s, l->kind);
            put_u16(s, l->zone);
            put_i64(s, l->energy_mwh);
            put_i64(s, l->amount_micro);
        }
        break;
    }
    default:
        WT_ASSERT(false); /* the type was checked */
    }
}

wt_err wt_tx_encode(uint8_t *out, size_t out_cap, size_t *out_len, const char **field,
                    const wt_tx *tx)
{
    WT_ASSERT(out_len != NULL && tx != NULL && (out != NULL || out_cap == 0));
    *out_len = 0;
    wt_err err = wt_tx_check(field, tx);
    if (err != WT_OK)
        return err;
    size_t len = wt_tx_encoded_len(tx);
    if (out_cap < len)
        return WT_ERR_BUFFER_TOO_SMALL;
    sink s = {out, out + len, NULL, NULL};
    encode_unsigned(&s, tx);
    put(&s, tx->signature, WT_SIGNATURE_BYTES);
    WT_ASSERT(s.p == out + len);
    *out_len = len;
    return WT_OK;
}

/* ------------------------------------------------------------- txid */

/* The "wattle/tx" tag's midstate, computed once (saves two SHA-256
 * compressions per txid). */
static wt_tagged_hasher tx_midstate;
static pthread_once_t tx_midstate_once = PTHREAD_ONCE_INIT;

static void tx_midstate_init(void)
{
    wt_tagged_hash_init(&tx_midstate, WT_TX_TAG);
}

static void tx_hasher(wt_tagged_hasher *h)
{
    int rc = pthread_once(&tx_midstate_once, tx_midstate_init);
    WT_ASSERT(rc == 0);
    *h = tx_midstate;
}

void wt_tx_id_encoded(uint8_t txid[32], const uint8_t *data, size_t data_len)
{
    WT_ASSERT(txid != NULL && data != NULL && data_len >= WT_TX_BYTES_MIN);
    wt_tagged_hasher h;
    tx_hasher(&h);
    wt_tagged_hash_update(&h, data, data_len - WT_SIGNATURE_BYTES);
    wt_tagged_hash_final(txid, &h);
}

wt_err wt_tx_id(uint8_t txid[32], const char **field, const wt_tx *tx)
{
    WT_ASSERT(txid != NULL && tx != NULL);
    memset(txid, 0, 32);
    wt_err err = wt_tx_check(field, tx);
    if (err != WT_OK)
        return err;
    wt_tagged_hasher h;
    tx_hasher(&h);
    uint8_t stage[STAGE_BYTES];
    sink s = {stage, stage + sizeof stage, &h, stage};
    encode_unsigned(&s, tx);
    sink_flush(&s);
    wt_tagged_hash_final(txid, &h);
    return WT_OK;
}

wt_err wt_tx_sign(const wt_ctx *ctx, uint8_t txid[32], wt_tx *tx, const wt_seckey *key)
{
    WT_ASSERT(ctx != NULL && tx != NULL && key != NULL);
    uint8_t id[32];
    if (txid != NULL)
        memset(txid, 0, 32);
    wt_err err = wt_tx_id(id, NULL, tx);
    if (err != WT_OK)
        return err;
    if (memcmp(tx->sender, key->pubkey, 32) != 0)
        return WT_ERR_BAD_KEY;
    uint8_t sig[64];
    err = wt_sign(ctx, sig, id, sizeof id, key);
    if (err != WT_OK)
        return err;
    memcpy(tx->signature, sig, sizeof sig);
    if (txid != NULL)
        memcpy(txid, id, 32);
    return WT_OK;
}

wt_err wt_tx_sign_encoded(const wt_ctx *ctx, uint8_t *data, size_t data_len, const wt_seckey *key)
{
    WT_ASSERT(ctx != NULL && data != NULL && key != NULL);
    wt_tx tx;
    wt_err err = wt_tx_decode(&tx, NULL, data, data_len);
    if (err != WT_OK)
        return err;
    if (memcmp(tx.sender, key->pubkey, 32) != 0)
        return WT_ERR_BAD_KEY;
    uint8_t id[32], sig[64];
    wt_tx_id_encoded(id, data, data_len);
    err = wt_sign(ctx, sig, id, sizeof id, key);
    if (err != WT_OK)
        return err;
    memcpy(data + data_len - WT_SIGNATURE_BYTES, sig, sizeof sig);
    return WT_OK;
}

bool wt_tx_verify(const wt_ctx *ctx, const wt_tx *tx, const uint8_t txid[32])
{
    WT_ASSERT(ctx != NULL && tx != NULL && txid != NULL);
    return wt_verify(ctx, tx->signature, txid, 32, tx->sender);
}

/* ----------------------------------------------------------- decoding */

typedef struct {
    const uint8_t *p, *end;
} reader;

/* Take n bytes or fail with WT_ERR_TX_TRUNCATED naming the field. */
#define TAKE(ptr_, n_, name_)                                                                      \
    do {                                                                                           \
        if ((size_t)(r.end - r.p) < (size_t)(n_))                                                  \
            FAIL(WT_ERR_TX_TRUNCATED, name_);                                                      \
        (ptr_) = r.p;                                                                              \
        r.p += (n_);                                                                               \
    } while (0)

static wt_err decode_text(const char **field, reader *rd, uint8_t *len_out, uint8_t *bytes,
                          size_t len_min, size_t len_max, const char *name, bool meter_id)
{
    reader r = *rd;
    const uint8_t *p;
    TAKE(p, 1, name);
    size_t len = p[0];
    if (len < len_min || len > len_max)
        FAIL(WT_ERR_TX_FIELD, name);
    TAKE(p, len, name);
    if (meter_id ? !meter_id_is_valid(p, len) : !text_is_valid(p, len))
        FAIL(WT_ERR_TX_FIELD, name);
    *len_out = (uint8_t)len;
    memcpy(bytes, p, len);
    *rd = r;
    return WT_OK;
}

#define TEXT(len_, bytes_, min_, max_, name_, meter_)                                              \
    do {                                                                                           \
        wt_err e_ = decode_text(field, &r, &(len_), (bytes_), (min_), (max_), (name_), (meter_));  \
        if (e_ != WT_OK)                                                                           \
            return e_;                                                                             \
    } while (0)

static int64_t get_i64(const uint8_t *p)
{
    return (int64_t)wt_get_be64(p);
}

static wt_err decode_inner(wt_tx *tx, const char **field, const uint8_t *data, size_t data_len)
{
    reader r = {data, data + data_len};
    const uint8_t *p;
    TAKE(p, 1, "version");
    tx->version = p[0];
    if (tx->version != WT_TX_VERSION)
        FAIL(WT_ERR_TX_VERSION, "version");
    TAKE(p, 1, "type");
    tx->type = p[0];
    if (wt_tx_type_name(tx->type) == NULL)
        FAIL(WT_ERR_TX_TYPE, "type");
    TAKE(p, 4, "chain_id");
    tx->chain_id = wt_get_be32(p);
    TAKE(p, 32, "sender");
    memcpy(tx->sender, p, 32);
    TAKE(p, 8, "nonce");
    tx->nonce = wt_get_be64(p);
    if (tx->nonce < 1)
        FAIL(WT_ERR_TX_FIELD, "nonce");
    TAKE(p, 8, "expiry_ms");
    tx->expiry_ms = get_i64(p);
    if (tx->expiry_ms <= 0)
        FAIL(WT_ERR_TX_FIELD, "expiry_ms");

    switch (tx->type) {
    case WT_TX_TRANSFER: {
        wt_tx_transfer *b = &tx->body.transfer;
        TAKE(p, 32, "to");
        memcpy(b->to, p, 32);
        TAKE(p, 8, "amount_micro");
        b->amount_micro = get_i64(p);
        if (b->amount_micro <= 0)
            FAIL(WT_ERR_TX_FIELD, "amount_micro");
        TEXT(b->memo.len, b->memo.bytes, 0, WT_MEMO_BYTES_MAX, "memo", false);
        TAKE(p, 1, "ref_kind");
        b->ref_kind = p[0];
        if (b->ref_kind > WT_TX_REF_PAYMENT_REQUEST)
            FAIL(WT_ERR_TX_FIELD, "ref_kind");
        if (b->ref_kind != WT_TX_REF_NONE) {
            TAKE(p, 32, "ref");
            memcpy(b->ref, p, 32);
        }
        break;
    }
    case WT_TX_MINT: {
        wt_tx_mint *b = &tx->body.mint;
        TAKE(p, 32, "to");
        memcpy(b->to, p, 32);
        TAKE(p, 8, "amount_micro");
        b->amount_micro = get_i64(p);
        if (b->amount_micro <= 0)
            FAIL(WT_ERR_TX_FIELD, "amount_micro");
        TEXT(b->memo.len, b->memo.bytes, 0, WT_MEMO_BYTES_MAX, "memo", false);
        break;
    }
    case WT_TX_BURN: {
        wt_tx_burn *b = &tx->body.burn;
        TAKE(p, 8, "amount_micro");
        b->amount_micro = get_i64(p);
        if (b->amount_micro <= 0)
            FAIL(WT_ERR_TX_FIELD, "amount_micro");
        TEXT(b->memo.len, b->memo.bytes, 0, WT_MEMO_BYTES_MAX, "memo", false);
        break;
    }
    case WT_TX_ORDER: {
        wt_tx_order *b = &tx->body.order;
        TAKE(p, 2, "zone");
        b->zone = wt_get_be16(p);
        TAKE(p, 1, "side");
        b->side = p[0];
        if (b->side != WT_TX_SIDE_BUY && b->side != WT_TX_SIDE_SELL)
            FAIL(WT_ERR_TX_FIELD, "side");
        TAKE(p, 8, "interval");
        b->interval = wt_get_be64(p);
        TAKE(p, 8, "energy_mwh");
        b->energy_mwh = get_i64(p);
        if (b->energy_mwh <= 0)
            FAIL(WT_ERR_TX_FIELD, "energy_mwh");
        TAKE(p, 8, "price_micro_per_kwh");
        b->price_micro_per_kwh = get_i64(p);
        if (b->price_micro_per_kwh < 0)
            FAIL(WT_ERR_TX_FIELD, "price_micro_per_kwh");
        break;
    }
    case WT_TX_STANDING: {
        wt_tx_standing *b = &tx->body.standing;
        TAKE(p, 2, "zone");
        b->zone = wt_get_be16(p);
        TAKE(p, 1, "flags");
        b->flags = p[0];
        const unsigned all = WT_STANDING_HAS_SELL_MIN | WT_STANDING_HAS_BUY_MAX;
        if (b->flags == 0 || (b->flags & ~all) != 0)
            FAIL(WT_ERR_TX_FIELD, "flags");
        TAKE(p, 8, "sell_min_micro_per_kwh");
        b->sell_min_micro_per_kwh = get_i64(p);
        if (b->sell_min_micro_per_kwh < 0 ||
            (!(b->flags & WT_STANDING_HAS_SELL_MIN) && b->sell_min_micro_per_kwh != 0))
            FAIL(WT_ERR_TX_FIELD, "sell_min_micro_per_kwh");
        TAKE(p, 8, "buy_max_micro_per_kwh");
        b->buy_max_micro_per_kwh = get_i64(p);
        if (b->buy_max_micro_per_kwh < 0 ||
            (!(b->flags & WT_STANDING_HAS_BUY_MAX) && b->buy_max_micro_per_kwh != 0))
            FAIL(WT_ERR_TX_FIELD, "buy_max_micro_per_kwh");
        break;
    }
    case WT_TX_CANCEL:
        TAKE(p, 32, "order_txid");
        memcpy(tx->body.cancel.order_txid, p, 32);
        break;
    case WT_TX_REGISTER: {
        wt_tx_register *b = &tx->body.reg;
        TAKE(p, 1, "kind");
        b->kind = p[0];
        switch (b->kind) {
        case WT_TX_REGISTER_METER:
            TEXT(b->u.meter.meter_id.len, b->u.meter.meter_id.bytes, 1, WT_METER_ID_BYTES_MAX,
                 "meter_id", true);
            TAKE(p, 32, "owner");
            memcpy(b->u.meter.owner, p, 32);
            TAKE(p, 2, "zone");
            b->u.meter.zone = wt_get_be16(p);
            TAKE(p, 32, "gateway");
            memcpy(b->u.meter.gateway, p, 32);
            break;
        case WT_TX_REGISTER_GATEWAY:
            TAKE(p, 32, "key");
            memcpy(b->u.gateway.key, p, 32);
            TAKE(p, 2, "zone");
            b->u.gateway.zone = wt_get_be16(p);
            break;
        case WT_TX_REGISTER_MERCHANT:
            TAKE(p, 32, "key");
            memcpy(b->u.merchant.key, p, 32);
            TEXT(b->u.merchant.name.len, b->u.merchant.name.bytes, 1, WT_MERCHANT_NAME_BYTES_MAX,
                 "name", false);
            break;
        case WT_TX_REGISTER_ROLE:
            TAKE(p, 1, "role");
            b->u.role.role = p[0];
            if (b->u.role.role < WT_TX_ROLE_ISSUER || b->u.role.role > WT_TX_ROLE_OPERATOR)
                FAIL(WT_ERR_TX_FIELD, "role");
            TAKE(p, 32, "key");
            memcpy(b->u.role.key, p, 32);
            break;
        default:
            FAIL(WT_ERR_TX_FIELD, "kind");
        }
        break;
    }
    case WT_TX_READINGS: {
        wt_tx_readings *b = &tx->body.readings;
        TAKE(p, 8, "interval");
        b->interval = wt_get_be64(p);
        TAKE(p, 2, "count");
        b->count = wt_get_be16(p);
        if (b->count < 1 || b->count > WT_READINGS_MAX)
            FAIL(WT_ERR_TX_FIELD, "count");
        size_t used;
        wt_err err = readings_wire_check(field, &used, r.p, (size_t)(r.end - r.p), b->count);
        if (err != WT_OK)
            return err;
        b->wire = r.p;
        b->wire_len = used;
        r.p += used;
        break;
    }
    case WT_TX_SETTLE: {
        wt_tx_settle *b = &tx->body.settle;
        TAKE(p, 8, "interval");
        b->interval = wt_get_be64(p);
        TAKE(p, 32, "inputs_hash");
        memcpy(b->inputs_hash, p, 32);
        TAKE(p, 4, "count");
        b->count = wt_get_be32(p);
        if (b->count > WT_SETTLE_LEGS_MAX)
            FAIL(WT_ERR_TX_FIELD, "count");
        size_t legs_len = (size_t)b->count * WT_SETTLE_LEG_BYTES;
        TAKE(p, legs_len, "legs");
        wt_err err = legs_wire_check(field, p, b->count);
        if (err != WT_OK)
            return err;
        b->wire = p;
        b->wire_len = legs_len;
        break;
    }
    default:
        FAIL(WT_ERR_TX_TYPE, "type"); /* unreachable: checked above */
    }

    size_t rest = (size_t)(r.end - r.p);
    if (rest < WT_SIGNATURE_BYTES)
        FAIL(WT_ERR_TX_TRUNCATED, "signature");
    if (rest > WT_SIGNATURE_BYTES)
        FAIL(WT_ERR_TX_TRAILING_BYTES, "trailing");
    memcpy(tx->signature, r.p, WT_SIGNATURE_BYTES);
    return WT_OK;
}

wt_err wt_tx_decode(wt_tx *tx, const char **field, const uint8_t *data, size_t data_len)
{
    WT_ASSERT(tx != NULL && (data != NULL || data_len == 0));
    memset(tx, 0, sizeof *tx);
    if (field != NULL)
        *field = NULL;
    static const uint8_t empty[1];
    wt_err err = decode_inner(tx, field, data != NULL ? data : empty, data_len);
    if (err != WT_OK)
        memset(tx, 0, sizeof *tx);
    return err;
}
