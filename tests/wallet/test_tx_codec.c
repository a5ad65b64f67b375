/* test_tx_codec.c — the canonical transaction codec: frozen encodings of
 * every type (tests/wallet/tx_vectors.txt: the format cannot drift
 * silently), seeded random round trips of every type, one test per decoder
 * rejection (built byte by byte from FORMAT.md, a second writer of the
 * layout), the encoder's checks, every truncation, txid/sign/verify, both
 * sources of READINGS/SETTLE arrays and the JSON printer. */
#include "testutil.h"
#include "wallet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WT_WALLET_TEST_DIR
#error "meson defines WT_WALLET_TEST_DIR"
#endif

static wt_ctx *ctx;
static wt_seckey key_a, key_b, key_c, key_d;

static int setup(void **state)
{
    (void)state;
    if (wt_ctx_create(&ctx) != WT_OK)
        return -1;
    uint8_t s[32];
    wt_seckey *keys[] = {&key_a, &key_b, &key_c, &key_d};
    for (int i = 0; i < 4; i++) {
        memset(s, 0x11 * (i + 1), sizeof s);
        if (wt_seckey_from_bytes(ctx, keys[i], s) != WT_OK)
            return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wt_ctx_destroy(ctx);
    return 0;
}

/* ------------------------------------------------------------ samples */

#define SAMPLES 14

static const wt_reading sample_readings[3] = {
    {{5, "E0001"}, 1250, 0, 0},
    {{5, "E0002"}, 0, 3400, WT_READING_ESTIMATED},
    {{17, "ISK5MT174-0001234"}, 9007199254740993, 42, 0},
};

static wt_settle_leg sample_legs[3];

static const char *sample_name(int i)
{
    static const char *const names[SAMPLES] = {"transfer",
                                               "transfer_refund",
                                               "transfer_request",
                                               "mint",
                                               "burn",
                                               "order_sell",
                                               "standing",
                                               "cancel",
                                               "register_meter",
                                               "register_gateway",
                                               "register_merchant",
                                               "register_role",
                                               "readings",
                                               "settle"};
    return names[i];
}

static void set_memo(wt_memo *m, const char *text)
{
    assert_int_equal(wt_memo_set(m, text), WT_OK);
}

/* Sample i, unsigned; sender and field values fixed forever. */
static void sample_tx(wt_tx *tx, int i)
{
    static const wt_tx_type types[SAMPLES] = {
        WT_TX_TRANSFER, WT_TX_TRANSFER, WT_TX_TRANSFER, WT_TX_MINT,     WT_TX_BURN,
        WT_TX_ORDER,    WT_TX_STANDING, WT_TX_CANCEL,   WT_TX_REGISTER, WT_TX_REGISTER,
        WT_TX_REGISTER, WT_TX_REGISTER, WT_TX_READINGS, WT_TX_SETTLE};
    wt_tx_init(tx, types[i]);
    tx->chain_id = 0x75630001; /* "uc" 1 */
    memcpy(tx->sender, key_a.pubkey, 32);
    tx->nonce = 7;
    tx->expiry_ms = 1767225600000; /* 2026-01-01T00:00:00Z */
    switch (i) {
    case 0:
        memcpy(tx->body.transfer.to, key_b.pubkey, 32);
        tx->body.transfer.amount_micro = 1250500000; /* 1,250.5 U */
        set_memo(&tx->body.transfer.memo, "coffee \xe2\x98\x95 at the caf\xc3\xa9");
        break;
    case 1:
        memcpy(tx->body.transfer.to, key_b.pubkey, 32);
        tx->body.transfer.amount_micro = 1;
        tx->body.transfer.ref_kind = WT_TX_REF_REFUND_OF;
        memset(tx->body.transfer.ref, 0xab, 32);
        break;
    case 2:
        memcpy(tx->body.transfer.to, key_c.pubkey, 32);
        tx->body.transfer.amount_micro = INT64_MAX;
        set_memo(&tx->body.transfer.memo, "vending machine 3F, slot B4");
        tx->body.transfer.ref_kind = WT_TX_REF_PAYMENT_REQUEST;
        for (int k = 0; k < 32; k++)
            tx->body.transfer.ref[k] = (uint8_t)k;
        break;
    case 3:
        memcpy(tx->body.mint.to, key_b.pubkey, 32);
        tx->body.mint.amount_micro = 10000000000; /* 10,000 U */
        set_memo(&tx->body.mint.memo, "deposit #42");
        break;
    case 4:
        tx->body.burn.amount_micro = 5000000;
        break;
    case 5:
        tx->body.order.zone = 3;
        tx->body.order.side = WT_TX_SIDE_SELL;
        tx->body.order.interval = 353260800; /* 2026-01-01 in 5 s intervals */
        tx->body.order.energy_mwh = 2500000;
        tx->body.order.price_micro_per_kwh = 150000000;
        break;
    case 6:
        tx->body.standing.zone = 0;
        tx->body.standing.flags = WT_STANDING_HAS_SELL_MIN | WT_STANDING_HAS_BUY_MAX;
        tx->body.standing.sell_min_micro_per_kwh = 120000000;
        tx->body.standing.buy_max_micro_per_kwh = 0;
        break;
    case 7:
        memset(tx->body.cancel.order_txid, 0x5c, 32);
        break;
    case 8:
        tx->body.reg.kind = WT_TX_REGISTER_METER;
        assert_int_equal(wt_meter_id_set(&tx->body.reg.u.meter.meter_id, "E0043007052870318"),
                         WT_OK);
        memcpy(tx->body.reg.u.meter.owner, key_b.pubkey, 32);
        tx->body.reg.u.meter.zone = 3;
        memcpy(tx->body.reg.u.meter.gateway, key_c.pubkey, 32);
        break;
    case 9:
        tx->body.reg.kind = WT_TX_REGISTER_GATEWAY;
        memcpy(tx->body.reg.u.gateway.key, key_c.pubkey, 32);
        tx->body.reg.u.gateway.zone = 65535;
        break;
    case 10:
        tx->body.reg.kind = WT_TX_REGISTER_MERCHANT;
        memcpy(tx->body.reg.u.merchant.key, key_d.pubkey, 32);
        assert_int_equal(
            wt_merchant_name_set(&tx->body.reg.u.merchant.name, "Caf\xc3\xa9 \xc3\x98rsted"),
            WT_OK);
        break;
    case 11:
        tx->body.reg.kind = WT_TX_REGISTER_ROLE;
        tx->body.reg.u.role.role = WT_TX_ROLE_ISSUER;
        memcpy(tx->body.reg.u.role.key, key_b.pubkey, 32);
        break;
    case 12:
        tx->body.readings.interval = 353260800;
        tx->body.readings.count = 3;
        tx->body.readings.entries = sample_readings;
        break;
    case 13:
        memcpy(sample_legs[0].from, key_b.pubkey, 32);
        memcpy(sample_legs[0].to, key_c.pubkey, 32);
        sample_legs[0].kind = WT_LEG_P2P;
        sample_legs[0].zone = 3;
        sample_legs[0].energy_mwh = 2500000;
        sample_legs[0].amount_micro = 337500000;
        memcpy(sample_legs[1].from, key_b.pubkey, 32);
        memcpy(sample_legs[1].to, key_d.pubkey, 32);
        sample_legs[1].kind = WT_LEG_GRID_FEE;
        sample_legs[1].zone = 3;
        sample_legs[1].energy_mwh = 2500000;
        sample_legs[1].amount_micro = 25000000;
        memcpy(sample_legs[2].from, key_d.pubkey, 32);
        memcpy(sample_legs[2].to, key_c.pubkey, 32);
        sample_legs[2].kind = WT_LEG_FEED_IN;
        sample_legs[2].zone = 0;
        sample_legs[2].energy_mwh = 0;
        sample_legs[2].amount_micro = 0;
        tx->body.settle.interval = 353260800;
        memset(tx->body.settle.inputs_hash, 0x1d, 32);
        tx->body.settle.count = 3;
        tx->body.settle.legs = sample_legs;
        break;
    default:
        fail();
    }
}

/* Sample i, signed deterministically (aux = 32 zero bytes). */
static void sample_signed(wt_tx *tx, uint8_t txid[32], int i)
{
    sample_tx(tx, i);
    assert_int_equal(wt_tx_id(txid, NULL, tx), WT_OK);
    static const uint8_t aux[32];
    assert_int_equal(wt_sign_aux(ctx, tx->signature, txid, 32, &key_a, aux), WT_OK);
}

static uint8_t *encode_alloc(const wt_tx *tx, size_t *len)
{
    size_t cap = wt_tx_encoded_len(tx);
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    const char *field = "x";
    wt_err err = wt_tx_encode(buf, cap, len, &field, tx);
    if (err != WT_OK)
        fail_msg("encode: %s at %s", wt_errname(err), field ? field : "?");
    assert_int_equal(*len, cap);
    return buf;
}

/* --------------------------------------------------- frozen encodings */

/*
 * tests/wallet/tx_vectors.txt: "name txid hex" per line. Generated once by
 * this codec (WT_TX_VECTORS_WRITE=path), cross-checked by an independent
 * Python decoder written from FORMAT.md (tests/wallet/check_tx_vectors.py),
 * then frozen: any change to the encoding fails here.
 */
static void test_frozen_vectors(void **state)
{
    (void)state;
    const char *write_path = getenv("WT_TX_VECTORS_WRITE");
    if (write_path != NULL) {
        FILE *f = fopen(write_path, "w");
        assert_non_null(f);
        fprintf(f, "# wattle transaction encodings, frozen (see FORMAT.md): name txid hex\n");
        for (int i = 0; i < SAMPLES; i++) {
            wt_tx tx;
            uint8_t txid[32];
            sample_signed(&tx, txid, i);
            size_t len;
            uint8_t *bytes = encode_alloc(&tx, &len);
            char id_hex[65];
            wt_hex_encode(id_hex, txid, 32);
            char *hex = malloc(2 * len + 1);
            wt_hex_encode(hex, bytes, len);
            fprintf(f, "%s %s %s\n", sample_name(i), id_hex, hex);
            free(hex);
            free(bytes);
        }
        fclose(f);
        skip();
    }

    size_t text_len;
    char *text = wt_test_read_file(WT_WALLET_TEST_DIR "/tx_vectors.txt", &text_len);
    assert_non_null(text);
    int seen = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        char name[64], id_hex[65], hex[4096];
        assert_int_equal(sscanf(line, "%63s %64s %4095s", name, id_hex, hex), 3);
        assert_true(seen < SAMPLES);
        assert_string_equal(name, sample_name(seen));

        wt_tx tx;
        uint8_t txid[32];
        sample_signed(&tx, txid, seen);
        size_t len;
        uint8_t *bytes = encode_alloc(&tx, &len);
        char *got_hex = malloc(2 * len + 1);
        wt_hex_encode(got_hex, bytes, len);
        if (strcmp(got_hex, hex) != 0)
            fail_msg("%s: the encoding changed\n got  %s\n want %s", name, got_hex, hex);
        char got_id[65];
        wt_hex_encode(got_id, txid, 32);
        assert_string_equal(got_id, id_hex);

        /* and back: the frozen bytes decode, verify, and give the same txid */
        wt_tx back;
        const char *field = NULL;
        assert_int_equal(wt_tx_decode(&back, &field, bytes, len), WT_OK);
        uint8_t id2[32];
        wt_tx_id_encoded(id2, bytes, len);
        assert_memory_equal(id2, txid, 32);
        assert_true(wt_tx_verify(ctx, &back, id2));
        free(got_hex);
        free(bytes);
        seen++;
    }
    assert_int_equal(seen, SAMPLES);
    free(text);
}

/* ------------------------------------------------------- round trips */

typedef struct {
    wt_reading readings[64];
    wt_settle_leg legs[64];
} storage;

static int64_t rand_pos(wt_test_rng *rng)
{
    switch (wt_test_rng_next(rng) % 5) {
    case 0:
        return 1;
    case 1:
        return INT64_MAX;
    case 2:
        return wt_test_rng_range(rng, 1, 1000000);
    default:
        return wt_test_rng_range(rng, 1, INT64_MAX);
    }
}

static int64_t rand_nonneg(wt_test_rng *rng)
{
    return wt_test_rng_next(rng) % 4 == 0 ? 0 : rand_pos(rng);
}

/* Valid UTF-8 without controls, of up to max bytes. */
static uint8_t rand_text(wt_test_rng *rng, uint8_t *out, size_t min, size_t max)
{
    static const char *const pieces[] = {"a",
                                         "Z",
                                         " ",
                                         "~",
                                         "\xc3\xa9",
                                         "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80",
                                         "\xc2\xa0",
                                         "\xef\xbf\xbd",
                                         "7"};
    size_t want = (size_t)wt_test_rng_range(rng, (int64_t)min, (int64_t)max), n = 0;
    while (n < want) {
        const char *p = pieces[wt_test_rng_next(rng) % 10];
        size_t len = strlen(p);
        if (n + len > max)
            p = "x", len = 1;
        memcpy(out + n, p, len);
        n += len;
    }
    return (uint8_t)n;
}

static void rand_meter_id(wt_test_rng *rng, wt_meter_id *id)
{
    memset(id, 0, sizeof *id);
    id->len = (uint8_t)wt_test_rng_range(rng, 1, WT_METER_ID_BYTES_MAX);
    for (size_t i = 0; i < id->len; i++)
        id->bytes[i] = (uint8_t)wt_test_rng_range(rng, 0x21, 0x7e);
}

static int reading_cmp(const void *a, const void *b)
{
    const wt_meter_id *x = &((const wt_reading *)a)->meter_id;
    const wt_meter_id *y = &((const wt_reading *)b)->meter_id;
    int c = memcmp(x->bytes, y->bytes, x->len < y->len ? x->len : y->len);
    return c != 0 ? c : (int)x->len - (int)y->len;
}

static void rand_tx(wt_tx *tx, storage *st, wt_test_rng *rng, int type)
{
    wt_tx_init(tx, (wt_tx_type)type);
    tx->chain_id = (uint32_t)wt_test_rng_next(rng);
    wt_test_rng_bytes(rng, tx->sender, 32);
    tx->nonce = wt_test_rng_next(rng) % 3 == 0 ? UINT64_MAX - (wt_test_rng_next(rng) % 2)
                                               : (uint64_t)rand_pos(rng);
    tx->expiry_ms = rand_pos(rng);
    switch (type) {
    case WT_TX_TRANSFER: {
        wt_tx_transfer *b = &tx->body.transfer;
        wt_test_rng_bytes(rng, b->to, 32);
        b->amount_micro = rand_pos(rng);
        b->memo.len = rand_text(rng, b->memo.bytes, 0, WT_MEMO_BYTES_MAX);
        b->ref_kind = (uint8_t)(wt_test_rng_next(rng) % 3);
        if (b->ref_kind != WT_TX_REF_NONE)
            wt_test_rng_bytes(rng, b->ref, 32);
        break;
    }
    case WT_TX_MINT:
        wt_test_rng_bytes(rng, tx->body.mint.to, 32);
        tx->body.mint.amount_micro = rand_pos(rng);
        tx->body.mint.memo.len = rand_text(rng, tx->body.mint.memo.bytes, 0, WT_MEMO_BYTES_MAX);
        break;
    case WT_TX_BURN:
        tx->body.burn.amount_micro = rand_pos(rng);
        tx->body.burn.memo.len = rand_text(rng, tx->body.burn.memo.bytes, 0, WT_MEMO_BYTES_MAX);
        break;
    case WT_TX_ORDER:
        tx->body.order.zone = (uint16_t)wt_test_rng_next(rng);
        tx->body.order.side = (uint8_t)wt_test_rng_range(rng, 1, 2);
        tx->body.order.interval = wt_test_rng_next(rng);
        tx->body.order.energy_mwh = rand_pos(rng);
        tx->body.order.price_micro_per_kwh = rand_nonneg(rng);
        break;
    case WT_TX_STANDING: {
        wt_tx_standing *b = &tx->body.standing;
        b->zone = (uint16_t)wt_test_rng_next(rng);
        b->flags = (uint8_t)wt_test_rng_range(rng, 1, 3);
        if (b->flags & WT_STANDING_HAS_SELL_MIN)
            b->sell_min_micro_per_kwh = rand_nonneg(rng);
        if (b->flags & WT_STANDING_HAS_BUY_MAX)
            b->buy_max_micro_per_kwh = rand_nonneg(rng);
        break;
    }
    case WT_TX_CANCEL:
        wt_test_rng_bytes(rng, tx->body.cancel.order_txid, 32);
        break;
    case WT_TX_REGISTER: {
        wt_tx_register *b = &tx->body.reg;
        b->kind = (uint8_t)wt_test_rng_range(rng, 1, 4);
        switch (b->kind) {
        case WT_TX_REGISTER_METER:
            rand_meter_id(rng, &b->u.meter.meter_id);
            wt_test_rng_bytes(rng, b->u.meter.owner, 32);
            b->u.meter.zone = (uint16_t)wt_test_rng_next(rng);
            wt_test_rng_bytes(rng, b->u.meter.gateway, 32);
            break;
        case WT_TX_REGISTER_GATEWAY:
            wt_test_rng_bytes(rng, b->u.gateway.key, 32);
            b->u.gateway.zone = (uint16_t)wt_test_rng_next(rng);
            break;
        case WT_TX_REGISTER_MERCHANT:
            wt_test_rng_bytes(rng, b->u.merchant.key, 32);
            b->u.merchant.name.len =
                rand_text(rng, b->u.merchant.name.bytes, 1, WT_MERCHANT_NAME_BYTES_MAX);
            break;
        default:
            b->u.role.role = (uint8_t)wt_test_rng_range(rng, 1, 3);
            wt_test_rng_bytes(rng, b->u.role.key, 32);
            break;
        }
        break;
    }
    case WT_TX_READINGS: {
        size_t n = (size_t)wt_test_rng_range(rng, 1, 64);
        for (size_t i = 0; i < n; i++) {
            wt_reading *e = &st->readings[i];
            memset(e, 0, sizeof *e);
            rand_meter_id(rng, &e->meter_id);
            if (i > 0 && wt_test_rng_next(rng) % 4 == 0) { /* a prefix of another id */
                e->meter_id = st->readings[i - 1].meter_id;
                if (e->meter_id.len > 1)
                    e->meter_id.bytes[--e->meter_id.len] = 0;
            }
            e->import_mwh = rand_nonneg(rng);
            e->export_mwh = rand_nonneg(rng);
            e->flags = (uint8_t)(wt_test_rng_next(rng) & 1);
        }
        qsort(st->readings, n, sizeof st->readings[0], reading_cmp);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (k == 0 || reading_cmp(&st->readings[k - 1], &st->readings[i]) != 0)
                st->readings[k++] = st->readings[i];
        tx->body.readings.interval = wt_test_rng_next(rng);
        tx->body.readings.count = (uint16_t)k;
        tx->body.readings.entries = st->readings;
        break;
    }
    case WT_TX_SETTLE: {
        uint32_t n = (uint32_t)wt_test_rng_range(rng, 0, 64);
        for (uint32_t i = 0; i < n; i++) {
            wt_settle_leg *l = &st->legs[i];
            memset(l, 0, sizeof *l);
            wt_test_rng_bytes(rng, l->from, 32);
            wt_test_rng_bytes(rng, l->to, 32);
            l->kind = (uint8_t)wt_test_rng_range(rng, 1, 4);
            l->zone = (uint16_t)wt_test_rng_next(rng);
            l->energy_mwh = rand_nonneg(rng);
            l->amount_micro = rand_nonneg(rng);
        }
        tx->body.settle.interval = wt_test_rng_next(rng);
        wt_test_rng_bytes(rng, tx->body.settle.inputs_hash, 32);
        tx->body.settle.count = n;
        tx->body.settle.legs = n > 0 ? st->legs : NULL;
        break;
    }
    default:
        fail();
    }
    wt_test_rng_bytes(rng, tx->signature, 64);
}

/* Field-by-field equality of a struct-built tx and its decoding. */
static void assert_same_tx(const wt_tx *a, const wt_tx *b)
{
    assert_int_equal(a->version, b->version);
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->chain_id, b->chain_id);
    assert_memory_equal(a->sender, b->sender, 32);
    assert_true(a->nonce == b->nonce);
    assert_true(a->expiry_ms == b->expiry_ms);
    assert_memory_equal(a->signature, b->signature, 64);
    switch (a->type) {
    case WT_TX_READINGS: {
        const wt_tx_readings *x = &a->body.readings, *y = &b->body.readings;
        assert_true(x->interval == y->interval);
        assert_int_equal(x->count, y->count);
        wt_reading ex, ey;
        size_t px = 0, py = 0, n = 0;
        while (wt_readings_next(&ex, &px, x)) {
            assert_true(wt_readings_next(&ey, &py, y));
            assert_memory_equal(&ex, &ey, sizeof ex);
            n++;
        }
        assert_false(wt_readings_next(&ey, &py, y));
        assert_int_equal(n, x->count);
        break;
    }
    case WT_TX_SETTLE: {
        const wt_tx_settle *x = &a->body.settle, *y = &b->body.settle;
        assert_true(x->interval == y->interval);
        assert_memory_equal(x->inputs_hash, y->inputs_hash, 32);
        assert_int_equal(x->count, y->count);
        for (uint32_t i = 0; i < x->count; i++) {
            wt_settle_leg lx, ly;
            memset(&lx, 0, sizeof lx);
            memset(&ly, 0, sizeof ly);
            wt_settle_leg_get(&lx, x, i);
            wt_settle_leg_get(&ly, y, i);
            assert_memory_equal(lx.from, ly.from, 32);
            assert_memory_equal(lx.to, ly.to, 32);
            assert_int_equal(lx.kind, ly.kind);
            assert_int_equal(lx.zone, ly.zone);
            assert_true(lx.energy_mwh == ly.energy_mwh && lx.amount_micro == ly.amount_micro);
        }
        break;
    }
    default:
        /* fixed bodies: the decoder zero-fills, rand_tx/sample start from
         * wt_tx_init, so the whole union compares */
        assert_memory_equal(&a->body, &b->body, sizeof a->body);
    }
}

static void test_random_round_trips(void **state)
{
    (void)state;
    uint64_t seed = wt_test_seed(20260101);
    wt_test_rng rng;
    wt_test_rng_init(&rng, seed);
    static storage st;
    for (int i = 0; i < 4500; i++) {
        int type = 1 + i % 9;
        wt_tx tx;
        rand_tx(&tx, &st, &rng, type);
        const char *field = NULL;
        wt_err err = wt_tx_check(&field, &tx);
        if (err != WT_OK)
            fail_msg("seed %llu tx %d (%s): check %s at %s", (unsigned long long)seed, i,
                     wt_tx_type_name(type), wt_errname(err), field);
        size_t len;
        uint8_t *bytes = encode_alloc(&tx, &len);
        wt_tx back;
        err = wt_tx_decode(&back, &field, bytes, len);
        if (err != WT_OK)
            fail_msg("seed %llu tx %d (%s): decode %s at %s", (unsigned long long)seed, i,
                     wt_tx_type_name(type), wt_errname(err), field);
        assert_same_tx(&tx, &back);
        assert_int_equal(wt_tx_check(NULL, &back), WT_OK);
        /* the decoded (wire) form encodes to the very same bytes */
        size_t len2;
        uint8_t *again = encode_alloc(&back, &len2);
        assert_int_equal(len2, len);
        assert_memory_equal(again, bytes, len);
        /* both txids agree */
        uint8_t id1[32], id2[32], id3[32];
        assert_int_equal(wt_tx_id(id1, NULL, &tx), WT_OK);
        assert_int_equal(wt_tx_id(id2, NULL, &back), WT_OK);
        wt_tx_id_encoded(id3, bytes, len);
        assert_memory_equal(id1, id3, 32);
        assert_memory_equal(id2, id3, 32);
        free(again);
        free(bytes);
    }
}

/* The largest READINGS, and a SETTLE of many legs, round trip. */
static void test_large_arrays(void **state)
{
    (void)state;
    static wt_reading readings[WT_READINGS_MAX];
    for (int i = 0; i < WT_READINGS_MAX; i++) {
        char id[33];
        snprintf(id, sizeof id, "M-%05d-%024d", i, i);
        assert_int_equal(wt_meter_id_set(&readings[i].meter_id, id), WT_OK);
        readings[i].import_mwh = i;
        readings[i].export_mwh = INT64_MAX - i;
        readings[i].flags = (uint8_t)(i & 1);
    }
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_READINGS);
    tx.nonce = 1;
    tx.expiry_ms = 1;
    tx.body.readings.count = WT_READINGS_MAX;
    tx.body.readings.entries = readings;
    size_t len;
    uint8_t *bytes = encode_alloc(&tx, &len);
    assert_int_equal(len, WT_TX_HEADER_BYTES + 10 + WT_READINGS_MAX * WT_READING_BYTES_MAX + 64);
    wt_tx back;
    assert_int_equal(wt_tx_decode(&back, NULL, bytes, len), WT_OK);
    assert_same_tx(&tx, &back);
    free(bytes);

    enum { LEGS = 20000 };
    wt_settle_leg *legs = calloc(LEGS, sizeof *legs);
    assert_non_null(legs);
    for (uint32_t i = 0; i < LEGS; i++) {
        legs[i].kind = (uint8_t)(1 + i % 4);
        legs[i].from[0] = (uint8_t)i;
        legs[i].to[1] = (uint8_t)(i >> 8);
        legs[i].energy_mwh = i;
        legs[i].amount_micro = 2 * (int64_t)i;
    }
    wt_tx_init(&tx, WT_TX_SETTLE);
    tx.nonce = 1;
    tx.expiry_ms = 1;
    tx.body.settle.count = LEGS;
    tx.body.settle.legs = legs;
    bytes = encode_alloc(&tx, &len);
    assert_int_equal(len, WT_TX_HEADER_BYTES + 44 + (size_t)LEGS * WT_SETTLE_LEG_BYTES + 64);
    assert_int_equal(wt_tx_decode(&back, NULL, bytes, len), WT_OK);
    assert_same_tx(&tx, &back);
    uint8_t id1[32], id2[32];
    assert_int_equal(wt_tx_id(id1, NULL, &tx), WT_OK); /* streams through a small buffer */
    wt_tx_id_encoded(id2, bytes, len);
    assert_memory_equal(id1, id2, 32);
    free(bytes);
    free(legs);
}

/* ------------------------------------------- rejections, byte by byte */

/* A second writer of the layout, straight from FORMAT.md. */
typedef struct {
    uint8_t b[1024];
    size_t n;
} bb;

static void b_u8(bb *b, unsigned v)
{
    b->b[b->n++] = (uint8_t)v;
}
static void b_u16(bb *b, unsigned v)
{
    b_u8(b, (v >> 8) & 0xff);
    b_u8(b, v & 0xff);
}
static void b_u32(bb *b, uint32_t v)
{
    for (int i = 3; i >= 0; i--)
        b_u8(b, (v >> (8 * i)) & 0xff);
}
static void b_u64(bb *b, uint64_t v)
{
    for (int i = 7; i >= 0; i--)
        b_u8(b, (unsigned)((v >> (8 * i)) & 0xff));
}
static void b_i64(bb *b, int64_t v)
{
    b_u64(b, (uint64_t)v);
}
static void b_fill(bb *b, unsigned v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b_u8(b, v);
}
static void b_text(bb *b, const char *s)
{
    b_u8(b, (unsigned)strlen(s));
    for (; *s; s++)
        b_u8(b, (uint8_t)*s);
}
static void b_header(bb *b, unsigned type)
{
    b->n = 0;
    b_u8(b, 1);
    b_u8(b, type);
    b_u32(b, 42);
    b_fill(b, 0xaa, 32);
    b_u64(b, 1);
    b_i64(b, 1000);
}
static void b_sig(bb *b)
{
    b_fill(b, 0x00, 64);
}
static void b_reading(bb *b, const char *id, int64_t imp, int64_t exp, unsigned flags)
{
    b_text(b, id);
    b_i64(b, imp);
    b_i64(b, exp);
    b_u8(b, flags);
}
static void b_leg(bb *b, unsigned kind, int64_t energy, int64_t amount)
{
    b_fill(b, 0x01, 32);
    b_fill(b, 0x02, 32);
    b_u8(b, kind);
    b_u16(b, 9);
    b_i64(b, energy);
    b_i64(b, amount);
}

/* The rejection cases: each builds one input that breaks one rule. */
typedef enum {
    R_OK_TRANSFER, /* control: the builder itself is right */
    R_OK_READINGS,
    R_OK_SETTLE,
    R_EMPTY,
    R_VERSION0,
    R_VERSION2,
    R_TYPE0,
    R_TYPE10,
    R_TYPE255,
    R_NONCE0,
    R_EXPIRY0,
    R_EXPIRY_NEG,
    R_AMOUNT0,
    R_AMOUNT_NEG,
    R_MEMO_LONG,
    R_MEMO_BAD_UTF8,
    R_MEMO_CONTROL,
    R_MEMO_DEL,
    R_MEMO_C1,
    R_MEMO_OVERLONG,
    R_MEMO_SURROGATE,
    R_MEMO_TOO_HIGH,
    R_MEMO_CUT_UTF8,
    R_REF_KIND,
    R_REF_TRUNCATED,
    R_MINT_AMOUNT0,
    R_BURN_AMOUNT_NEG,
    R_SIDE0,
    R_SIDE3,
    R_ENERGY0,
    R_PRICE_NEG,
    R_FLAGS0,
    R_FLAGS4,
    R_SELL_MIN_UNFLAGGED,
    R_BUY_MAX_NEG,
    R_BUY_MAX_UNFLAGGED,
    R_CANCEL_TRUNCATED,
    R_REG_KIND0,
    R_REG_KIND5,
    R_METER_ID_EMPTY,
    R_METER_ID_LONG,
    R_METER_ID_SPACE,
    R_METER_ID_HIGH,
    R_NAME_EMPTY,
    R_NAME_LONG,
    R_NAME_CONTROL,
    R_ROLE0,
    R_ROLE4,
    R_READINGS_COUNT0,
    R_READINGS_COUNT_MAX,
    R_READINGS_UNSORTED,
    R_READINGS_DUPLICATE,
    R_READINGS_PREFIX_AFTER,
    R_READINGS_ID_EMPTY,
    R_READINGS_ID_BAD,
    R_READINGS_IMPORT_NEG,
    R_READINGS_EXPORT_NEG,
    R_READINGS_FLAGS,
    R_READINGS_SHORT,
    R_SETTLE_COUNT_MAX,
    R_SETTLE_LEGS_SHORT,
    R_LEG_KIND0,
    R_LEG_KIND5,
    R_LEG_ENERGY_NEG,
    R_LEG_AMOUNT_NEG,
    R_SIG_SHORT,
    R_TRAILING,
    R_COUNT_
} rcase;

static const struct {
    wt_err err;
    const char *field;
} rwant[R_COUNT_] = {
    [R_OK_TRANSFER] = {WT_OK, NULL},
    [R_OK_READINGS] = {WT_OK, NULL},
    [R_OK_SETTLE] = {WT_OK, NULL},
    [R_EMPTY] = {WT_ERR_TX_TRUNCATED, "version"},
    [R_VERSION0] = {WT_ERR_TX_VERSION, "version"},
    [R_VERSION2] = {WT_ERR_TX_VERSION, "version"},
    [R_TYPE0] = {WT_ERR_TX_TYPE, "type"},
    [R_TYPE10] = {WT_ERR_TX_TYPE, "type"},
    [R_TYPE255] = {WT_ERR_TX_TYPE, "type"},
    [R_NONCE0] = {WT_ERR_TX_FIELD, "nonce"},
    [R_EXPIRY0] = {WT_ERR_TX_FIELD, "expiry_ms"},
    [R_EXPIRY_NEG] = {WT_ERR_TX_FIELD, "expiry_ms"},
    [R_AMOUNT0] = {WT_ERR_TX_FIELD, "amount_micro"},
    [R_AMOUNT_NEG] = {WT_ERR_TX_FIELD, "amount_micro"},
    [R_MEMO_LONG] = {WT_ERR_TX_FIELD, "memo"},
    [R_MEMO_BAD_UTF8] = {WT_ERR_TX_FIELD, "memo"},
    [R_MEMO_CONTROL] = {WT_ERR_TX_FIELD, "memo"},
    [R_MEMO_DEL] = {WT_ERR_TX_FIELD, "memo"},
    [R_MEMO_C1] = {WT_ERR_TX_FIELD, "memo"},
    [R_MEMO_OVERLONG] = {WT_ERR_TX_FIELD, "memo"},
    [R_MEMO_SURROGATE] = {WT_ERR_TX_FIELD, "memo"},
    [R_MEMO_TOO_HIGH] = {WT_ERR_TX_FIELD, "memo"},
    [R_MEMO_CUT_UTF8] = {WT_ERR_TX_FIELD, "memo"},
    [R_REF_KIND] = {WT_ERR_TX_FIELD, "ref_kind"},
    [R_REF_TRUNCATED] = {WT_ERR_TX_TRUNCATED, "ref"},
    [R_MINT_AMOUNT0] = {WT_ERR_TX_FIELD, "amount_micro"},
    [R_BURN_AMOUNT_NEG] = {WT_ERR_TX_FIELD, "amount_micro"},
    [R_SIDE0] = {WT_ERR_TX_FIELD, "side"},
    [R_SIDE3] = {WT_ERR_TX_FIELD, "side"},
    [R_ENERGY0] = {WT_ERR_TX_FIELD, "energy_mwh"},
    [R_PRICE_NEG] = {WT_ERR_TX_FIELD, "price_micro_per_kwh"},
    [R_FLAGS0] = {WT_ERR_TX_FIELD, "flags"},
    [R_FLAGS4] = {WT_ERR_TX_FIELD, "flags"},
    [R_SELL_MIN_UNFLAGGED] = {WT_ERR_TX_FIELD, "sell_min_micro_per_kwh"},
    [R_BUY_MAX_NEG] = {WT_ERR_TX_FIELD, "buy_max_micro_per_kwh"},
    [R_BUY_MAX_UNFLAGGED] = {WT_ERR_TX_FIELD, "buy_max_micro_per_kwh"},
    [R_CANCEL_TRUNCATED] = {WT_ERR_TX_TRUNCATED, "order_txid"},
    [R_REG_KIND0] = {WT_ERR_TX_FIELD, "kind"},
    [R_REG_KIND5] = {WT_ERR_TX_FIELD, "kind"},
    [R_METER_ID_EMPTY] = {WT_ERR_TX_FIELD, "meter_id"},
    [R_METER_ID_LONG] = {WT_ERR_TX_FIELD, "meter_id"},
    [R_METER_ID_SPACE] = {WT_ERR_TX_FIELD, "meter_id"},
    [R_METER_ID_HIGH] = {WT_ERR_TX_FIELD, "meter_id"},
    [R_NAME_EMPTY] = {WT_ERR_TX_FIELD, "name"},
    [R_NAME_LONG] = {WT_ERR_TX_FIELD, "name"},
    [R_NAME_CONTROL] = {WT_ERR_TX_FIELD, "name"},
    [R_ROLE0] = {WT_ERR_TX_FIELD, "role"},
    [R_ROLE4] = {WT_ERR_TX_FIELD, "role"},
    [R_READINGS_COUNT0] = {WT_ERR_TX_FIELD, "count"},
    [R_READINGS_COUNT_MAX] = {WT_ERR_TX_FIELD, "count"},
    [R_READINGS_UNSORTED] = {WT_ERR_TX_FIELD, "readings.order"},
    [R_READINGS_DUPLICATE] = {WT_ERR_TX_FIELD, "readings.order"},
    [R_READINGS_PREFIX_AFTER] = {WT_ERR_TX_FIELD, "readings.order"},
    [R_READINGS_ID_EMPTY] = {WT_ERR_TX_FIELD, "readings.meter_id"},
    [R_READINGS_ID_BAD] = {WT_ERR_TX_FIELD, "readings.meter_id"},
    [R_READINGS_IMPORT_NEG] = {WT_ERR_TX_FIELD, "readings.import_mwh"},
    [R_READINGS_EXPORT_NEG] = {WT_ERR_TX_FIELD, "readings.export_mwh"},
    [R_READINGS_FLAGS] = {WT_ERR_TX_FIELD, "readings.flags"},
    [R_READINGS_SHORT] = {WT_ERR_TX_TRUNCATED, "readings.meter_id"},
    [R_SETTLE_COUNT_MAX] = {WT_ERR_TX_FIELD, "count"},
    [R_SETTLE_LEGS_SHORT] = {WT_ERR_TX_TRUNCATED, "legs"},
    [R_LEG_KIND0] = {WT_ERR_TX_FIELD, "legs.kind"},
    [R_LEG_KIND5] = {WT_ERR_TX_FIELD, "legs.kind"},
    [R_LEG_ENERGY_NEG] = {WT_ERR_TX_FIELD, "legs.energy_mwh"},
    [R_LEG_AMOUNT_NEG] = {WT_ERR_TX_FIELD, "legs.amount_micro"},
    [R_SIG_SHORT] = {WT_ERR_TX_TRUNCATED, "signature"},
    [R_TRAILING] = {WT_ERR_TX_TRAILING_BYTES, "trailing"},
};

static void b_transfer(bb *b, int64_t amount, const char *memo, unsigned ref_kind)
{
    b_header(b, WT_TX_TRANSFER);
    b_fill(b, 0xbb, 32);
    b_i64(b, amount);
    b_text(b, memo);
    b_u8(b, ref_kind);
    if (ref_kind != 0)
        b_fill(b, 0xcc, 32);
}

static void b_order(bb *b, unsigned side, int64_t energy, int64_t price)
{
    b_header(b, WT_TX_ORDER);
    b_u16(b, 1);
    b_u8(b, side);
    b_u64(b, 99);
    b_i64(b, energy);
    b_i64(b, price);
}

static void b_standing(bb *b, unsigned flags, int64_t sell_min, int64_t buy_max)
{
    b_header(b, WT_TX_STANDING);
    b_u16(b, 1);
    b_u8(b, flags);
    b_i64(b, sell_min);
    b_i64(b, buy_max);
}

static void b_meter(bb *b, const char *id)
{
    b_header(b, WT_TX_REGISTER);
    b_u8(b, WT_TX_REGISTER_METER);
    b_text(b, id);
    b_fill(b, 0x01, 32);
    b_u16(b, 2);
    b_fill(b, 0x02, 32);
}

static void b_merchant(bb *b, const char *name)
{
    b_header(b, WT_TX_REGISTER);
    b_u8(b, WT_TX_REGISTER_MERCHANT);
    b_fill(b, 0x01, 32);
    b_text(b, name);
}

static void b_readings_head(bb *b, unsigned count)
{
    b_header(b, WT_TX_READINGS);
    b_u64(b, 5);
    b_u16(b, count);
}

static void b_settle_head(bb *b, uint32_t count)
{
    b_header(b, WT_TX_SETTLE);
    b_u64(b, 5);
    b_fill(b, 0x33, 32);
    b_u32(b, count);
}

static void build_case(bb *b, rcase c)
{
    b->n = 0;
    bool sig = true;
    switch (c) {
    case R_OK_TRANSFER:
        b_transfer(b, 5, "ok \xe2\x82\xac", 1);
        break;
    case R_OK_READINGS:
        b_readings_head(b, 3);
        b_reading(b, "A", 0, 0, 0);
        b_reading(b, "AB", 1, 2, 1);
        b_reading(b, "B", INT64_MAX, 0, 0);
        break;
    case R_OK_SETTLE:
        b_settle_head(b, 2);
        b_leg(b, 1, 0, 0);
        b_leg(b, 4, 10, 20);
        break;
    case R_EMPTY:
        sig = false;
        break;
    case R_VERSION0:
    case R_VERSION2:
        b_transfer(b, 5, "", 0);
        b->b[0] = c == R_VERSION0 ? 0 : 2;
        break;
    case R_TYPE0:
    case R_TYPE10:
    case R_TYPE255:
        b_transfer(b, 5, "", 0);
        b->b[1] = c == R_TYPE0 ? 0 : c == R_TYPE10 ? 10 : 255;
        break;
    case R_NONCE0:
        b_transfer(b, 5, "", 0);
        memset(b->b + 38, 0, 8);
        break;
    case R_EXPIRY0:
    case R_EXPIRY_NEG:
        b_transfer(b, 5, "", 0);
        memset(b->b + 46, c == R_EXPIRY0 ? 0x00 : 0xff, 8);
        break;
    case R_AMOUNT0:
        b_transfer(b, 0, "", 0);
        break;
    case R_AMOUNT_NEG:
        b_transfer(b, INT64_MIN, "", 0);
        break;
    case R_MEMO_LONG:
        b_transfer(b, 5, "12345678901234567890123456789012345678901234567890123456789012345", 0);
        break;
    case R_MEMO_BAD_UTF8:
        b_transfer(b, 5, "ab\xff", 0);
        break;
    case R_MEMO_CONTROL:
        b_transfer(b, 5, "line\nbreak", 0);
        break;
    case R_MEMO_DEL:
        b_transfer(b, 5, "del\x7f", 0);
        break;
    case R_MEMO_C1:
        b_transfer(b, 5, "nel\xc2\x85", 0); /* U+0085, a C1 control */
        break;
    case R_MEMO_OVERLONG:
        b_transfer(b, 5, "\xc0\xaf", 0); /* '/' in two bytes */
        break;
    case R_MEMO_SURROGATE:
        b_transfer(b, 5, "\xed\xa0\x80", 0); /* U+D800 */
        break;
    case R_MEMO_TOO_HIGH:
        b_transfer(b, 5, "\xf4\x90\x80\x80", 0); /* U+110000 */
        break;
    case R_MEMO_CUT_UTF8:
        b_transfer(b, 5, "euro \xe2\x82", 0); /* a sequence cut by the length */
        break;
    case R_REF_KIND:
        b_transfer(b, 5, "", 3);
        break;
    case R_REF_TRUNCATED:
        b_transfer(b, 5, "", 1);
        b->n -= 10;
        sig = false;
        break;
    case R_MINT_AMOUNT0:
        b_header(b, WT_TX_MINT);
        b_fill(b, 0xbb, 32);
        b_i64(b, 0);
        b_text(b, "");
        break;
    case R_BURN_AMOUNT_NEG:
        b_header(b, WT_TX_BURN);
        b_i64(b, -1);
        b_text(b, "");
        break;
    case R_SIDE0:
        b_order(b, 0, 1, 1);
        break;
    case R_SIDE3:
        b_order(b, 3, 1, 1);
        break;
    case R_ENERGY0:
        b_order(b, 1, 0, 1);
        break;
    case R_PRICE_NEG:
        b_order(b, 2, 1, -1);
        break;
    case R_FLAGS0:
        b_standing(b, 0, 0, 0);
        break;
    case R_FLAGS4:
        b_standing(b, 5, 1, 0);
        break;
    case R_SELL_MIN_UNFLAGGED:
        b_standing(b, WT_STANDING_HAS_BUY_MAX, 7, 8);
        break;
    case R_BUY_MAX_NEG:
        b_standing(b, 3, 7, -8);
        break;
    case R_BUY_MAX_UNFLAGGED:
        b_standing(b, WT_STANDING_HAS_SELL_MIN, 7, 8);
        break;
    case R_CANCEL_TRUNCATED:
        b_header(b, WT_TX_CANCEL);
        b_fill(b, 0x11, 31);
        sig = false;
        break;
    case R_REG_KIND0:
    case R_REG_KIND5:
        b_header(b, WT_TX_REGISTER);
        b_u8(b, c == R_REG_KIND0 ? 0 : 5);
        b_fill(b, 0x01, 33);
        break;
    case R_METER_ID_EMPTY:
        b_meter(b, "");
        break;
    case R_METER_ID_LONG:
        b_meter(b, "123456789012345678901234567890123");
        break;
    case R_METER_ID_SPACE:
        b_meter(b, "E00 1");
        break;
    case R_METER_ID_HIGH:
        b_meter(b, "E\xc3\xa9");
        break;
    case R_NAME_EMPTY:
        b_merchant(b, "");
        break;
    case R_NAME_LONG:
        b_merchant(b, "123456789012345678901234567890123");
        break;
    case R_NAME_CONTROL:
        b_merchant(b, "tab\there");
        break;
    case R_ROLE0:
    case R_ROLE4:
        b_header(b, WT_TX_REGISTER);
        b_u8(b, WT_TX_REGISTER_ROLE);
        b_u8(b, c == R_ROLE0 ? 0 : 4);
        b_fill(b, 0x01, 32);
        break;
    case R_READINGS_COUNT0:
        b_readings_head(b, 0);
        break;
    case R_READINGS_COUNT_MAX:
        b_readings_head(b, WT_READINGS_MAX + 1);
        b_reading(b, "A", 0, 0, 0);
        break;
    case R_READINGS_UNSORTED:
        b_readings_head(b, 2);
        b_reading(b, "B", 0, 0, 0);
        b_reading(b, "A", 0, 0, 0);
        break;
    case R_READINGS_DUPLICATE:
        b_readings_head(b, 2);
        b_reading(b, "A", 0, 0, 0);
        b_reading(b, "A", 1, 1, 0);
        break;
    case R_READINGS_PREFIX_AFTER:
        b_readings_head(b, 2);
        b_reading(b, "AB", 0, 0, 0);
        b_reading(b, "A", 0, 0, 0);
        break;
    case R_READINGS_ID_EMPTY:
        b_readings_head(b, 1);
        b_reading(b, "", 0, 0, 0);
        break;
    case R_READINGS_ID_BAD:
        b_readings_head(b, 1);
        b_reading(b, "A B", 0, 0, 0);
        break;
    case R_READINGS_IMPORT_NEG:
        b_readings_head(b, 1);
        b_reading(b, "A", -1, 0, 0);
        break;
    case R_READINGS_EXPORT_NEG:
        b_readings_head(b, 1);
        b_reading(b, "A", 0, INT64_MIN, 0);
        break;
    case R_READINGS_FLAGS:
        b_readings_head(b, 1);
        b_reading(b, "A", 0, 0, 2);
        break;
    case R_READINGS_SHORT: /* count says 3, two entries, then no signature */
        b_readings_head(b, 3);
        b_reading(b, "A", 0, 0, 0);
        b_reading(b, "B", 0, 0, 0);
        sig = false;
        break;
    case R_SETTLE_COUNT_MAX:
        b_settle_head(b, WT_SETTLE_LEGS_MAX + 1);
        break;
    case R_SETTLE_LEGS_SHORT:
        b_settle_head(b, WT_SETTLE_LEGS_MAX);
        b_leg(b, 1, 0, 0);
        break;
    case R_LEG_KIND0:
    case R_LEG_KIND5:
        b_settle_head(b, 2);
        b_leg(b, 1, 0, 0);
        b_leg(b, c == R_LEG_KIND0 ? 0 : 5, 0, 0);
        break;
    case R_LEG_ENERGY_NEG:
        b_settle_head(b, 1);
        b_leg(b, 2, -5, 0);
        break;
    case R_LEG_AMOUNT_NEG:
        b_settle_head(b, 1);
        b_leg(b, 3, 5, -5);
        break;
    case R_SIG_SHORT:
        b_transfer(b, 5, "", 0);
        b_fill(b, 0, 63);
        sig = false;
        break;
    case R_TRAILING:
        b_transfer(b, 5, "", 0);
        b_sig(b);
        b_u8(b, 0);
        sig = false;
        break;
    default:
        fail();
    }
    if (sig)
        b_sig(b);
}

static void test_decoder_rejections(void **state)
{
    (void)state;
    static bb b;
    for (int c = 0; c < R_COUNT_; c++) {
        build_case(&b, (rcase)c);
        wt_tx tx;
        memset(&tx, 0x5a, sizeof tx);
        const char *field = "unset";
        wt_err err = wt_tx_decode(&tx, &field, b.b, b.n);
        if (err != rwant[c].err)
            fail_msg("case %d: got %s (%s), want %s", c, wt_errname(err), field ? field : "-",
                     wt_errname(rwant[c].err));
        if (rwant[c].field == NULL) {
            assert_null(field);
            continue;
        }
        if (field == NULL || strcmp(field, rwant[c].field) != 0)
            fail_msg("case %d (%s): field %s, want %s", c, wt_errname(err), field ? field : "NULL",
                     rwant[c].field);
        static const uint8_t zero[sizeof(wt_tx)];
        assert_memory_equal(&tx, zero, sizeof tx); /* nothing half-written */
    }
}

/* Every proper prefix of every sample is truncated, never accepted. */
static void test_every_truncation(void **state)
{
    (void)state;
    for (int i = 0; i < SAMPLES; i++) {
        wt_tx tx;
        uint8_t txid[32];
        sample_signed(&tx, txid, i);
        size_t len;
        uint8_t *bytes = encode_alloc(&tx, &len);
        for (size_t n = 0; n < len; n++) {
            uint8_t *copy = malloc(n + 1); /* exact size: ASan sees any over-read */
            memcpy(copy, bytes, n);
            wt_tx back;
            const char *field = NULL;
            wt_err err = wt_tx_decode(&back, &field, copy, n);
            if (err != WT_ERR_TX_TRUNCATED)
                fail_msg("%s cut to %zu of %zu bytes: %s at %s", sample_name(i), n, len,
                         wt_errname(err), field ? field : "-");
            free(copy);
        }
        free(bytes);
    }
}

/* -------------------------------------------------- encoder's checks */

typedef struct {
    int sample;
    const char *field;
    wt_err err;
} enc_case;

static void break_tx(wt_tx *tx, int k, wt_reading *rd, wt_settle_leg *lg)
{
    switch (k) {
    case 0:
        tx->version = 2;
        break;
    case 1:
        tx->type = 0;
        break;
    case 2:
        tx->type = 10;
        break;
    case 3:
        tx->nonce = 0;
        break;
    case 4:
        tx->expiry_ms = -5;
        break;
    case 5:
        tx->body.transfer.amount_micro = 0;
        break;
    case 6:
        tx->body.transfer.memo.len = WT_MEMO_BYTES_MAX + 1;
        break;
    case 7:
        tx->body.transfer.memo.bytes[0] = 0x07;
        break;
    case 8:
        tx->body.transfer.ref_kind = 3;
        break;
    case 9:
        tx->body.transfer.ref[31] = 1;
        break; /* a ref with kind none */
    case 10:
        tx->body.mint.amount_micro = -1;
        break;
    case 11:
        tx->body.burn.memo.bytes[0] = 0x80, tx->body.burn.memo.len = 1;
        break;
    case 12:
        tx->body.order.side = 0;
        break;
    case 13:
        tx->body.order.energy_mwh = 0;
        break;
    case 14:
        tx->body.order.price_micro_per_kwh = -1;
        break;
    case 15:
        tx->body.standing.flags = 0;
        break;
    case 16:
        tx->body.standing.flags = WT_STANDING_HAS_BUY_MAX;
        break; /* sell_min set */
    case 17:
        tx->body.reg.kind = 9;
        break;
    case 18:
        tx->body.reg.u.meter.meter_id.bytes[3] = ' ';
        break;
    case 19:
        tx->body.reg.u.merchant.name.len = 0;
        break;
    case 20:
        tx->body.reg.u.role.role = 4;
        break;
    case 21:
        tx->body.readings.count = 0;
        break;
    case 22:
        memcpy(rd, sample_readings, sizeof sample_readings);
        rd[1] = rd[0]; /* duplicate */
        tx->body.readings.entries = rd;
        break;
    case 23:
        memcpy(rd, sample_readings, sizeof sample_readings);
        rd[2].flags = 0x80;
        tx->body.readings.entries = rd;
        break;
    case 24:
        memcpy(rd, sample_readings, sizeof sample_readings);
        rd[0].import_mwh = -1;
        tx->body.readings.entries = rd;
        break;
    case 25:
        memcpy(lg, sample_legs, sizeof sample_legs);
        lg[1].kind = 0;
        tx->body.settle.legs = lg;
        break;
    case 26:
        memcpy(lg, sample_legs, sizeof sample_legs);
        lg[2].amount_micro = -1;
        tx->body.settle.legs = lg;
        break;
    case 27:
        tx->body.settle.count = WT_SETTLE_LEGS_MAX + 1;
        break;
    case 28:
        tx->body.reg.u.meter.meter_id.len = 0;
        break;
    default:
        fail();
    }
}

static void test_encoder_checks(void **state)
{
    (void)state;
    static const enc_case cases[] = {
        {0, "version", WT_ERR_TX_VERSION},
        {0, "type", WT_ERR_TX_TYPE},
        {0, "type", WT_ERR_TX_TYPE},
        {0, "nonce", WT_ERR_TX_FIELD},
        {0, "expiry_ms", WT_ERR_TX_FIELD},
        {0, "amount_micro", WT_ERR_TX_FIELD},
        {0, "memo", WT_ERR_TX_FIELD},
        {0, "memo", WT_ERR_TX_FIELD},
        {0, "ref_kind", WT_ERR_TX_FIELD},
        {0, "ref", WT_ERR_TX_FIELD},
        {3, "amount_micro", WT_ERR_TX_FIELD},
        {4, "memo", WT_ERR_TX_FIELD},
        {5, "side", WT_ERR_TX_FIELD},
        {5, "energy_mwh", WT_ERR_TX_FIELD},
        {5, "price_micro_per_kwh", WT_ERR_TX_FIELD},
        {6, "flags", WT_ERR_TX_FIELD},
        {6, "sell_min_micro_per_kwh", WT_ERR_TX_FIELD},
        {8, "kind", WT_ERR_TX_FIELD},
        {8, "meter_id", WT_ERR_TX_FIELD},
        {10, "name", WT_ERR_TX_FIELD},
        {11, "role", WT_ERR_TX_FIELD},
        {12, "count", WT_ERR_TX_FIELD},
        {12, "readings.order", WT_ERR_TX_FIELD},
        {12, "readings.flags", WT_ERR_TX_FIELD},
        {12, "readings.import_mwh", WT_ERR_TX_FIELD},
        {13, "legs.kind", WT_ERR_TX_FIELD},
        {13, "legs.amount_micro", WT_ERR_TX_FIELD},
        {13, "count", WT_ERR_TX_FIELD},
        {8, "meter_id", WT_ERR_TX_FIELD},
    };
    for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
        wt_tx tx;
        wt_reading rd[3];
        wt_settle_leg lg[3];
        sample_tx(&tx, cases[k].sample);
        break_tx(&tx, k, rd, lg);
        const char *field = NULL;
        wt_err err = wt_tx_check(&field, &tx);
        if (err != cases[k].err || field == NULL || strcmp(field, cases[k].field) != 0)
            fail_msg("case %d: got %s at %s, want %s at %s", k, wt_errname(err),
                     field ? field : "NULL", wt_errname(cases[k].err), cases[k].field);
        uint8_t buf[512];
        size_t len = 77;
        field = NULL;
        assert_int_equal(wt_tx_encode(buf, sizeof buf, &len, &field, &tx), cases[k].err);
        assert_int_equal(len, 0);
        assert_string_equal(field, cases[k].field);
        uint8_t txid[32];
        memset(txid, 0xee, sizeof txid);
        assert_int_equal(wt_tx_id(txid, NULL, &tx), cases[k].err);
        static const uint8_t zero[32];
        assert_memory_equal(txid, zero, 32);
        assert_int_equal(wt_tx_sign(ctx, NULL, &tx, &key_a), cases[k].err);
    }
}

static void test_encode_buffer(void **state)
{
    (void)state;
    wt_tx tx;
    sample_tx(&tx, 0);
    size_t need = wt_tx_encoded_len(&tx), len = 5;
    uint8_t buf[512];
    assert_int_equal(wt_tx_encode(buf, need - 1, &len, NULL, &tx), WT_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 0);
    assert_int_equal(wt_tx_encode(buf, need, &len, NULL, &tx), WT_OK);
    assert_int_equal(len, need);
}

/* ------------------------------------------------------- signatures */

static void test_sign_verify(void **state)
{
    (void)state;
    for (int i = 0; i < SAMPLES; i++) {
        wt_tx tx;
        sample_tx(&tx, i);
        uint8_t txid[32], id2[32];
        assert_int_equal(wt_tx_sign(ctx, txid, &tx, &key_a), WT_OK);
        assert_int_equal(wt_tx_id(id2, NULL, &tx), WT_OK);
        assert_memory_equal(txid, id2, 32); /* the signature is not part of the txid */
        assert_true(wt_tx_verify(ctx, &tx, txid));

        size_t len;
        uint8_t *bytes = encode_alloc(&tx, &len);
        wt_tx back;
        assert_int_equal(wt_tx_decode(&back, NULL, bytes, len), WT_OK);
        wt_tx_id_encoded(id2, bytes, len);
        assert_true(wt_tx_verify(ctx, &back, id2));

        /* any change to a signed byte breaks it */
        bytes[len - 65] ^= 1; /* last body byte */
        wt_tx_id_encoded(id2, bytes, len);
        if (wt_tx_decode(&back, NULL, bytes, len) == WT_OK)
            assert_false(wt_tx_verify(ctx, &back, id2));
        bytes[len - 65] ^= 1;
        bytes[10] ^= 0x80; /* a sender byte: another account */
        assert_int_equal(wt_tx_decode(&back, NULL, bytes, len), WT_OK);
        wt_tx_id_encoded(id2, bytes, len);
        assert_false(wt_tx_verify(ctx, &back, id2));
        bytes[10] ^= 0x80;
        bytes[len - 1] ^= 1; /* the signature */
        assert_int_equal(wt_tx_decode(&back, NULL, bytes, len), WT_OK);
        wt_tx_id_encoded(id2, bytes, len);
        assert_false(wt_tx_verify(ctx, &back, id2));
        bytes[len - 1] ^= 1;

        /* signing the encoding in place gives a valid signature too */
        assert_int_equal(wt_tx_sign_encoded(ctx, bytes, len, &key_a), WT_OK);
        assert_int_equal(wt_tx_decode(&back, NULL, bytes, len), WT_OK);
        assert_true(wt_tx_verify(ctx, &back, id2));
        assert_int_equal(wt_tx_sign_encoded(ctx, bytes, len, &key_b), WT_ERR_BAD_KEY);
        assert_int_equal(wt_tx_sign_encoded(ctx, bytes, len - 1, &key_a), WT_ERR_TX_TRUNCATED);
        free(bytes);

        /* only the sender's key signs */
        uint8_t before[64];
        memcpy(before, tx.signature, 64);
        assert_int_equal(wt_tx_sign(ctx, txid, &tx, &key_b), WT_ERR_BAD_KEY);
        assert_memory_equal(tx.signature, before, 64);
    }
}

/* ------------------------------------------------------------- JSON */

static char *json_of(const wt_tx *tx, const uint8_t txid[32], int valid)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(wt_tx_print_json(f, tx, txid, valid), WT_OK);
    fclose(f);
    return buf;
}

static void test_json(void **state)
{
    (void)state;
    wt_tx tx;
    uint8_t txid[32];
    sample_signed(&tx, txid, 0);
    char *j = json_of(&tx, txid, 1);
    char id_hex[65], addr_a[WT_ADDRESS_CHARS + 1], addr_b[WT_ADDRESS_CHARS + 1], want[256];
    wt_hex_encode(id_hex, txid, 32);
    wt_address_encode(addr_a, key_a.pubkey);
    wt_address_encode(addr_b, key_b.pubkey);
    snprintf(want, sizeof want, "{\"txid\":\"%s\",\"type\":\"transfer\",\"version\":1,", id_hex);
    assert_memory_equal(j, want, strlen(want));
    snprintf(want, sizeof want, "\"sender\":\"%s\"", addr_a);
    assert_non_null(strstr(j, want));
    snprintf(want, sizeof want, "\"to\":\"%s\"", addr_b);
    assert_non_null(strstr(j, want));
    assert_non_null(strstr(j, "\"chain_id\":1969422337,"));
    assert_non_null(strstr(j, "\"nonce\":7,\"expiry_ms\":1767225600000"));
    assert_non_null(strstr(j, "\"amount_micro\":1250500000,"));
    assert_non_null(strstr(j, "\"memo\":\"coffee \xe2\x98\x95 at the caf\xc3\xa9\""));
    assert_non_null(strstr(j, "\"ref_kind\":\"none\""));
    assert_non_null(strstr(j, "\"signature_valid\":true}"));
    free(j);
    j = json_of(&tx, txid, 0);
    assert_non_null(strstr(j, "\"signature_valid\":false}"));
    free(j);
    j = json_of(&tx, txid, -1);
    assert_null(strstr(j, "signature_valid"));
    free(j);

    /* quotes and backslashes in texts are escaped */
    assert_int_equal(wt_memo_set(&tx.body.transfer.memo, "say \"hi\" \\o/"), WT_OK);
    j = json_of(&tx, txid, -1);
    assert_non_null(strstr(j, "\"memo\":\"say \\\"hi\\\" \\\\o/\""));
    free(j);

    sample_signed(&tx, txid, 6); /* standing */
    tx.body.standing.flags = WT_STANDING_HAS_SELL_MIN;
    j = json_of(&tx, txid, -1);
    assert_non_null(strstr(j, "\"sell_min_micro_per_kwh\":120000000,"));
    assert_non_null(strstr(j, "\"buy_max_micro_per_kwh\":null"));
    free(j);

    sample_signed(&tx, txid, 12); /* readings */
    j = json_of(&tx, txid, -1);
    assert_non_null(strstr(j, "\"readings\":[{\"meter_id\":\"E0001\",\"import_mwh\":1250,"
                              "\"export_mwh\":0,\"estimated\":false},"));
    assert_non_null(strstr(j, "\"import_mwh\":9007199254740993,"));
    free(j);

    sample_signed(&tx, txid, 13); /* settle */
    j = json_of(&tx, txid, -1);
    assert_non_null(strstr(j, "\"kind\":\"grid_fee\",\"zone\":3,\"energy_mwh\":2500000,"
                              "\"amount_micro\":25000000}"));
    assert_non_null(strstr(j, "\"count\":3,\"legs\":[{\"from\":\"uc1"));
    free(j);
}

/* ---------------------------------------------------------- texts */

static void test_text_setters(void **state)
{
    (void)state;
    wt_memo memo;
    assert_int_equal(wt_memo_set(&memo, ""), WT_OK);
    assert_int_equal(memo.len, 0);
    assert_int_equal(
        wt_memo_set(&memo, "1234567890123456789012345678901234567890123456789012345678901234"),
        WT_OK);
    assert_int_equal(memo.len, 64);
    assert_int_equal(
        wt_memo_set(&memo, "12345678901234567890123456789012345678901234567890123456789012345"),
        WT_ERR_TX_FIELD);
    assert_int_equal(memo.len, 0);
    assert_int_equal(wt_memo_set(&memo, "\xf0\x9f\x98\x80 emoji ok"), WT_OK);
    assert_int_equal(wt_memo_set(&memo, "bell\a"), WT_ERR_TX_FIELD);

    wt_meter_id id;
    assert_int_equal(wt_meter_id_set(&id, "E0043007052870318"), WT_OK);
    assert_int_equal(wt_meter_id_set(&id, "!~"), WT_OK);
    assert_int_equal(wt_meter_id_set(&id, ""), WT_ERR_TX_FIELD);
    assert_int_equal(wt_meter_id_set(&id, "has space"), WT_ERR_TX_FIELD);
    assert_int_equal(wt_meter_id_set(&id, "123456789012345678901234567890123"), WT_ERR_TX_FIELD);

    wt_merchant_name name;
    assert_int_equal(wt_merchant_name_set(&name, "GS25 \xed\x8f\xac\xec\x8a\xa4\xed\x85\x8d"),
                     WT_OK); /* Korean shop name */
    assert_int_equal(wt_merchant_name_set(&name, ""), WT_ERR_TX_FIELD);
}

static void test_type_names(void **state)
{
    (void)state;
    assert_string_equal(wt_tx_type_name(WT_TX_TRANSFER), "transfer");
    assert_string_equal(wt_tx_type_name(WT_TX_SETTLE), "settle");
    assert_null(wt_tx_type_name(0));
    assert_null(wt_tx_type_name(10));
    assert_null(wt_tx_type_name(-1));
}

static void test_contracts(void **state)
{
    (void)state;
    uint8_t txid[32], small[10] = {0};
    expect_assert_failure(wt_tx_id_encoded(txid, small, sizeof small));
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_READINGS);
    static const uint8_t broken[3] = {40, 'x', 'y'}; /* not from the decoder */
    tx.body.readings.count = 1;
    tx.body.readings.wire = broken;
    tx.body.readings.wire_len = sizeof broken;
    wt_reading e;
    size_t pos = 0;
    expect_assert_failure(wt_readings_next(&e, &pos, &tx.body.readings));
    wt_settle_leg leg;
    wt_tx_init(&tx, WT_TX_SETTLE);
    expect_assert_failure(wt_settle_leg_get(&leg, &tx.body.settle, 0));
}

int main(void)
{
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frozen_vectors),
        cmocka_unit_test(test_random_round_trips),
        cmocka_unit_test(test_large_arrays),
        cmocka_unit_test(test_decoder_rejections),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_encoder_checks),
        cmocka_unit_test(test_encode_buffer),
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_text_setters),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_contracts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
