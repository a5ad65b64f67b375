/*
 * fuzz_orders_csv.c — libFuzzer target for the orders CSV and zones file
 * parsers, and for the clearing of whatever they accept. The input is an
 * orders CSV, or a zones file, a line "%%", then an orders CSV. The
 * mechanism and k follow from the input's length. A parsed book must clear,
 * and the clearing must keep its promises (fills add up, limits hold, no
 * self-trade, the amount rule, one price per zone under pay-as-clear, the
 * same trades for the orders reversed); any breach aborts.
 */
#include "matcher.h"

#include <stdlib.h>
#include <string.h>

#define CEILING INT64_C(1000000000000)

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void clear_and_check(const wt_orders_csv *book, size_t size)
{
    size_t n = book->orders_count;
    wt_market m;
    wt_market_default(&m);
    m.mechanism = size % 2 ? WT_MECHANISM_PAY_AS_BID : WT_MECHANISM_PAY_AS_CLEAR;
    m.k_ppm = (uint32_t)((size * 7919) % (WT_K_PPM_ONE + 1));
    m.price_ceiling_micro_per_kwh = CEILING;
    m.zones = book->zones;
    m.zones_count = book->zones_count;
    size_t len = wt_book_arena_size(n, book->zones_count);
    void *arena = malloc(len), *arena2 = malloc(len);
    wt_order *rev = malloc((n > 0 ? n : 1) * sizeof *rev);
    int64_t *filled = calloc(n > 0 ? n : 1, sizeof *filled);
    check(arena != NULL && arena2 != NULL && rev != NULL && filled != NULL);
    wt_clearing c, c2;
    wt_err err = wt_book_clear(arena, len, &c, &m, book->orders, n);
    if (err == WT_ERR_OVERFLOW) /* totals beyond int64: refused, fine */
        goto done;
    check(err == WT_OK);
    for (size_t t = 0; t < c.trades_count; t++) {
        const wt_trade *tr = &c.trades[t];
        const wt_order *b = &book->orders[tr->buy], *s = &book->orders[tr->sell];
        int64_t fee = book->zones[tr->zone].fee_micro_per_kwh, a, f;
        check(b->side == WT_SIDE_BUY && s->side == WT_SIDE_SELL && tr->energy_mwh > 0);
        check(tr->price_micro_per_kwh + fee <= b->price_micro_per_kwh);
        check(tr->price_micro_per_kwh >= s->price_micro_per_kwh);
        check(b->owner == WT_OWNER_UNKNOWN || b->owner != s->owner);
        check(wt_amount_micro(&a, tr->energy_mwh, tr->price_micro_per_kwh) == WT_OK &&
              a == tr->amount_micro);
        check(wt_amount_micro(&f, tr->energy_mwh, fee) == WT_OK && f == tr->fee_micro);
        if (m.mechanism == WT_MECHANISM_PAY_AS_CLEAR)
            check(tr->price_micro_per_kwh == c.zones[tr->zone].price_micro_per_kwh);
        filled[tr->buy] += tr->energy_mwh;
        filled[tr->sell] += tr->energy_mwh;
    }
    for (size_t i = 0; i < n; i++)
        check(filled[i] + c.unfilled_mwh[i] == book->orders[i].energy_mwh);
    for (size_t i = 0; i < n; i++)
        rev[i] = book->orders[n - 1 - i];
    check(wt_book_clear(arena2, len, &c2, &m, rev, n) == WT_OK);
    check(c2.trades_count == c.trades_count && c2.volume_mwh == c.volume_mwh);
    for (size_t t = 0; t < c.trades_count; t++) {
        const wt_trade *x = &c.trades[t], *y = &c2.trades[t];
        check(x->buy == n - 1 - y->buy && x->sell == n - 1 - y->sell);
        check(x->energy_mwh == y->energy_mwh && x->amount_micro == y->amount_micro &&
              x->price_micro_per_kwh == y->price_micro_per_kwh && x->zone == y->zone);
    }
done:
    free(filled);
    free(rev);
    free(arena2);
    free(arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *orders = text;
    size_t orders_len = size;
    wt_zones_csv zones;
    wt_csv_error err;
    void *zscratch = NULL;
    bool have_zones = false;
    const char *sep = size >= 3 ? memmem(text, size, "%%\n", 3) : NULL;
    if (sep != NULL) {
        size_t zlen = (size_t)(sep - text);
        size_t need = wt_zones_csv_scratch_size(text, zlen);
        zscratch = malloc(need);
        check(zscratch != NULL);
        have_zones = wt_zones_csv_parse(zscratch, need, &zones, &err, text, zlen, CEILING) == WT_OK;
        check(have_zones == (err.err == WT_OK));
        check(have_zones || err.message[0] != '\0');
        orders = sep + 3;
        orders_len = size - zlen - 3;
    }
    size_t need =
        wt_orders_csv_scratch_size(orders, orders_len, have_zones ? zones.zones_count : 0);
    void *scratch = malloc(need);
    check(scratch != NULL);
    wt_orders_csv book;
    if (wt_orders_csv_parse(scratch, need, &book, &err, orders, orders_len,
                            have_zones ? &zones : NULL, CEILING) == WT_OK)
        clear_and_check(&book, size);
    else
        check(err.err != WT_OK && err.message[0] != '\0' && book.orders == NULL);
    free(scratch);
    free(zscratch);
    return 0;
}
