/* tx_json.c — a transaction as one JSON object (used by `wattle tx decode`):
 * keys as bech32m addresses, hashes and signatures as hex, amounts and
 * energies as JSON integers, texts as JSON strings. */
#include "wallet.h"

#include <inttypes.h>
#include <stdio.h>

static void json_string(FILE *out, const uint8_t *bytes, size_t len)
{
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = bytes[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\u%04x", c); /* the codec forbids these; kept safe anyway */
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void json_address(FILE *out, const char *name, const uint8_t key[32])
{
    char address[WT_ADDRESS_CHARS + 1];
    wt_address_encode(address, key);
    fprintf(out, ",\"%s\":\"%s\"", name, address);
}

static void json_hex(FILE *out, const char *name, const uint8_t *bytes, size_t len)
{
    char hex[2 * 64 + 1];
    WT_ASSERT(len <= 64);
    wt_hex_encode(hex, bytes, len);
    fprintf(out, ",\"%s\":\"%s\"", name, hex);
}

static void json_memo(FILE *out, const wt_memo *memo)
{
    fputs(",\"memo\":", out);
    json_string(out, memo->bytes, memo->len);
}

static const char *name_of(const char *const *names, size_t count, unsigned v)
{
    return v < count && names[v] != NULL ? names[v] : "unknown";
}

static void print_register(FILE *out, const wt_tx_register *r)
{
    static const char *const kinds[] = {NULL, "meter", "gateway", "merchant", "role"};
    static const char *const roles[] = {NULL, "issuer", "utility", "operator"};
    fprintf(out, ",\"kind\":\"%s\"", name_of(kinds, 5, r->kind));
    switch (r->kind) {
    case WT_TX_REGISTER_METER:
        fputs(",\"meter_id\":", out);
        json_string(out, r->u.meter.meter_id.bytes, r->u.meter.meter_id.len);
        json_address(out, "owner", r->u.meter.owner);
        fprintf(out, ",\"zone\":%u", (unsigned)r->u.meter.zone);
        json_address(out, "gateway", r->u.meter.gateway);
        break;
    case WT_TX_REGISTER_GATEWAY:
        json_address(out, "key", r->u.gateway.key);
        fprintf(out, ",\"zone\":%u", (unsigned)r->u.gateway.zone);
        break;
    case WT_TX_REGISTER_MERCHANT:
        json_address(out, "key", r->u.merchant.key);
        fputs(",\"name\":", out);
        json_string(out, r->u.merchant.name.bytes, r->u.merchant.name.len);
        break;
    case WT_TX_REGISTER_ROLE:
        fprintf(out, ",\"role\":\"%s\"", name_of(roles, 4, r->u.role.role));
        json_address(out, "key", r->u.role.key);
        break;
    default:
        break;
    }
}

wt_err wt_tx_print_json(FILE *out, const wt_tx *tx, const uint8_t txid[32], int signature_valid)
{
    WT_ASSERT(out != NULL && tx != NULL && txid != NULL);
    static const char *const refs[] = {"none", "refund_of", "payment_request"};
    static const char *const sides[] = {NULL, "buy", "sell"};
    static const char *const legs[] = {NULL, "p2p", "grid_fee", "retail", "feed_in"};
    const char *type = wt_tx_type_name(tx->type);

    fputc('{', out);
    char hex[65];
    wt_hex_encode(hex, txid, 32);
    fprintf(out, "\"txid\":\"%s\",\"type\":\"%s\",\"version\":%u,\"chain_id\":%" PRIu32, hex,
            type != NULL ? type : "unknown", (unsigned)tx->version, tx->chain_id);
    json_address(out, "sender", tx->sender);
    fprintf(out, ",\"nonce\":%" PRIu64 ",\"expiry_ms\":%" PRId64, tx->nonce, tx->expiry_ms);
    switch (tx->type) {
    case WT_TX_TRANSFER: {
        const wt_tx_transfer *b = &tx->body.transfer;
        json_address(out, "to", b->to);
        fprintf(out, ",\"amount_micro\":%" PRId64, b->amount_micro);
        json_memo(out, &b->memo);
        fprintf(out, ",\"ref_kind\":\"%s\"", name_of(refs, 3, b->ref_kind));
        if (b->ref_kind != WT_TX_REF_NONE)
            json_hex(out, "ref", b->ref, 32);
        break;
    }
    case WT_TX_MINT:
        json_address(out, "to", tx->body.mint.to);
        fprintf(out, ",\"amount_micro\":%" PRId64, tx->body.mint.amount_micro);
        json_memo(out, &tx->body.mint.memo);
        break;
    case WT_TX_BURN:
        fprintf(out, ",\"amount_micro\":%" PRId64, tx->body.burn.amount_micro);
        json_memo(out, &tx->body.burn.memo);
        break;
    case WT_TX_ORDER: {
        const wt_tx_order *b = &tx->body.order;
        fprintf(out,
                ",\"zone\":%u,\"side\":\"%s\",\"interval\":%" PRIu64 ",\"energy_mwh\":%" PRId64
                ",\"price_micro_per_kwh\":%" PRId64,
                (unsigned)b->zone, name_of(sides, 3, b->side), b->interval, b->energy_mwh,
                b->price_micro_per_kwh);
        break;
    }
    case WT_TX_STANDING: {
        const wt_tx_standing *b = &tx->body.standing;
        fprintf(out, ",\"zone\":%u", (unsigned)b->zone);
        if (b->flags & WT_STANDING_HAS_SELL_MIN)
            fprintf(out, ",\"sell_min_micro_per_kwh\":%" PRId64, b->sell_min_micro_per_kwh);
        else
            fputs(",\"sell_min_micro_per_kwh\":null", out);
        if (b->flags & WT_STANDING_HAS_BUY_MAX)
            fprintf(out, ",\"buy_max_micro_per_kwh\":%" PRId64, b->buy_max_micro_per_kwh);
        else
            fputs(",\"buy_max_micro_per_kwh\":null", out);
        break;
    }
    case WT_TX_CANCEL:
        json_hex(out, "order_txid", tx->body.cancel.order_txid, 32);
        break;
    case WT_TX_REGISTER:
        print_register(out, &tx->body.reg);
        break;
    case WT_TX_READINGS: {
        const wt_tx_readings *b = &tx->body.readings;
        fprintf(out, ",\"interval\":%" PRIu64 ",\"count\":%u,\"readings\":[", b->interval,
                (unsigned)b->count);
        wt_reading e;
        size_t pos = 0;
        for (bool first = true; wt_readings_next(&e, &pos, b); first = false) {
            fputs(first ? "{\"meter_id\":" : ",{\"meter_id\":", out);
            json_string(out, e.meter_id.bytes, e.meter_id.len);
            fprintf(out, ",\"import_mwh\":%" PRId64 ",\"export_mwh\":%" PRId64 ",\"estimated\":%s}",
                    e.import_mwh, e.export_mwh,
                    (e.flags & WT_READING_ESTIMATED) ? "true" : "false");
        }
        fputc(']', out);
        break;
    }
    case WT_TX_SETTLE: {
        const wt_tx_settle *b = &tx->body.settle;
        fprintf(out, ",\"interval\":%" PRIu64, b->interval);
        json_hex(out, "inputs_hash", b->inputs_hash, 32);
        fprintf(out, ",\"count\":%" PRIu32 ",\"legs\":[", b->count);
        for (uint32_t i = 0; i < b->count; i++) {
            wt_settle_leg l;
            wt_settle_leg_get(&l, b, i);
            fputs(i == 0 ? "{" : ",{", out);
            char from[WT_ADDRESS_CHARS + 1], to[WT_ADDRESS_CHARS + 1];
            wt_address_encode(from, l.from);
            wt_address_encode(to, l.to);
            fprintf(out,
                    "\"from\":\"%s\",\"to\":\"%s\",\"kind\":\"%s\",\"zone\":%u,"
                    "\"energy_mwh\":%" PRId64 ",\"amount_micro\":%" PRId64 "}",
                    from, to, name_of(legs, 5, l.kind), (unsigned)l.zone, l.energy_mwh,
                    l.amount_micro);
        }
        fputc(']', out);
        break;
    }
    default:
        break;
    }
    json_hex(out, "signature", tx->signature, 64);
    if (signature_valid == 0 || signature_valid == 1)
        fprintf(out, ",\"signature_valid\":%s", signature_valid ? "true" : "false");
    fputc('}', out);
    return ferror(out) ? WT_ERR_IO : WT_OK;
}
