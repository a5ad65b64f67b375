/* history.c — GET /v1/accounts/{address}/txs (daemon.h): one page of an
 * account's committed transactions, newest first, from the account history
 * index (acctidx.c) with each transaction's details read from the store:
 * what it pays into or out of the account, with whom, its memo and
 * reference. Amounts are exact JSON integers (jansson's json_int_t). */
#include "daemon.h"

#include <stdlib.h>
#include <string.h>

#define RAW_INLINE 1024 /* most transactions fit; a SETTLE may need more */

static json_t *key_json(const uint8_t key[32])
{
    char addr[WT_ADDRESS_CHARS + 1];
    wt_address_encode(addr, key);
    return json_string(addr);
}

static json_t *memo_json(const wt_memo *memo)
{
    return json_stringn((const char *)memo->bytes, memo->len);
}

/* What tx pays into (+) or out of (-) account's balance, and the one other
 * account it is with (NULL when there is none, or several). False when the
 * sum overflows (a SETTLE's legs). */
static bool effect(int64_t *amount, const uint8_t **other, const wt_tx *tx,
                   const uint8_t account[32])
{
    *amount = 0;
    *other = NULL;
    bool sent = memcmp(tx->sender, account, 32) == 0;
    switch (tx->type) {
    case WT_TX_TRANSFER: {
        const wt_tx_transfer *t = &tx->body.transfer;
        bool received = memcmp(t->to, account, 32) == 0;
        *other = received ? tx->sender : t->to;
        if (received != sent)
            *amount = received ? t->amount_micro : -t->amount_micro;
        return true;
    }
    case WT_TX_MINT:
        /* new money: the receiver gains, the issuer pays nothing */
        if (memcmp(tx->body.mint.to, account, 32) == 0) {
            *amount = tx->body.mint.amount_micro;
            *other = tx->sender;
        } else {
            *other = tx->body.mint.to;
        }
        return true;
    case WT_TX_BURN:
        *amount = -tx->body.burn.amount_micro;
        return true;
    case WT_TX_SETTLE:
        for (uint32_t l = 0; l < tx->body.settle.count; l++) {
            wt_settle_leg leg;
            wt_settle_leg_get(&leg, &tx->body.settle, l);
            if (memcmp(leg.to, account, 32) == 0 &&
                wt_add_i64(amount, *amount, leg.amount_micro) != WT_OK)
                return false;
            if (memcmp(leg.from, account, 32) == 0 &&
                wt_sub_i64(amount, *amount, leg.amount_micro) != WT_OK)
                return false;
        }
        return true;
    case WT_TX_REGISTER: {
        const wt_tx_register *r = &tx->body.reg;
        const uint8_t *target = r->kind == WT_TX_REGISTER_GATEWAY    ? r->u.gateway.key
                                : r->kind == WT_TX_REGISTER_MERCHANT ? r->u.merchant.key
                                : r->kind == WT_TX_REGISTER_ROLE     ? r->u.role.key
                                                                     : NULL;
        if (target != NULL)
            *other = sent ? target : tx->sender;
        return true;
    }
    default:
        return true; /* orders, standing orders, cancels, readings: no payment */
    }
}

static const char *ref_kind_name(uint8_t kind)
{
    return kind == WT_TX_REF_REFUND_OF         ? "refund_of"
           : kind == WT_TX_REF_PAYMENT_REQUEST ? "payment_request"
                                               : "none";
}

/* One listed transaction; NULL with *err on a store fault. */
static json_t *item_json(wt_store *store, wt_err *err, const uint8_t account[32],
                         const wt_acct_tx *entry)
{
    uint8_t inline_raw[RAW_INLINE], *raw = inline_raw;
    wt_store_tx_info info;
    *err = wt_store_tx_by_seq(store, &info, raw, sizeof inline_raw, entry->seq);
    if (*err == WT_ERR_BUFFER_TOO_SMALL) {
        raw = malloc(info.raw_len);
        *err = raw == NULL ? WT_ERR_NO_MEMORY
                           : wt_store_tx_by_seq(store, &info, raw, info.raw_len, entry->seq);
    }
    wt_tx tx;
    const char *field;
    if (*err == WT_OK && wt_tx_decode(&tx, &field, raw, info.raw_len) != WT_OK)
        *err = WT_ERR_STORE_CORRUPT;
    int64_t amount = 0;
    const uint8_t *other = NULL;
    bool amount_ok = *err == WT_OK && effect(&amount, &other, &tx, account);
    json_t *o = NULL;
    if (*err == WT_OK) {
        char txid[65];
        wt_hex_encode(txid, info.txid, 32);
        const char *type = wt_tx_type_name(tx.type);
        o = json_object();
        json_object_set_new(o, "txid", json_string(txid));
        json_object_set_new(o, "seq", json_integer((json_int_t)info.seq));
        json_object_set_new(o, "height", json_integer((json_int_t)info.height));
        json_object_set_new(o, "time_ms", json_integer(info.t_ms));
        json_object_set_new(o, "type", json_string(type != NULL ? type : "?"));
        json_object_set_new(o, "from", key_json(tx.sender));
        const uint8_t *to = tx.type == WT_TX_TRANSFER ? tx.body.transfer.to
                            : tx.type == WT_TX_MINT   ? tx.body.mint.to
                                                      : NULL;
        json_object_set_new(o, "to", to != NULL ? key_json(to) : json_null());
        json_object_set_new(o, "counterparty", other != NULL ? key_json(other) : json_null());
        json_object_set_new(o, "amount_micro", amount_ok ? json_integer(amount) : json_null());
        const wt_memo *memo = tx.type == WT_TX_TRANSFER ? &tx.body.transfer.memo
                              : tx.type == WT_TX_MINT   ? &tx.body.mint.memo
                              : tx.type == WT_TX_BURN   ? &tx.body.burn.memo
                                                        : NULL;
        json_object_set_new(o, "memo", memo != NULL ? memo_json(memo) : json_null());
        if (tx.type == WT_TX_TRANSFER) {
            const wt_tx_transfer *t = &tx.body.transfer;
            json_object_set_new(o, "ref_kind", json_string(ref_kind_name(t->ref_kind)));
            char ref[65];
            wt_hex_encode(ref, t->ref, 32);
            json_object_set_new(o, "ref",
                                t->ref_kind != WT_TX_REF_NONE ? json_string(ref) : json_null());
        }
    } else if (*err == WT_ERR_NOT_FOUND) {
        *err = WT_ERR_STORE_CORRUPT; /* indexed, so it was committed */
    }
    if (raw != inline_raw)
        free(raw);
    return o;
}

json_t *wt_acct_history_json(wt_acct_index *index, wt_store *store, wt_err *err,
                             const uint8_t key[32], const wt_acct_query *q, size_t limit)
{
    WT_ASSERT(limit >= 1 && limit <= WT_ACCT_HISTORY_LIMIT);
    wt_acct_tx *entries = malloc(limit * sizeof *entries);
    if (entries == NULL) {
        *err = WT_ERR_NO_MEMORY;
        return NULL;
    }
    size_t n;
    bool more;
    *err = wt_acct_index_query(index, entries, limit, &n, &more, key, q);
    json_t *list = *err == WT_OK ? json_array() : NULL;
    /* one read transaction for the page, not one per row */
    bool snapshot = *err == WT_OK && n > 1 && wt_store_snapshot_begin(store) == WT_OK;
    for (size_t i = 0; *err == WT_OK && i < n; i++) {
        json_t *item = item_json(store, err, key, &entries[i]);
        if (item != NULL)
            json_array_append_new(list, item);
    }
    if (snapshot)
        wt_store_snapshot_end(store);
    json_t *body = NULL;
    if (*err == WT_OK) {
        body = json_object();
        json_object_set_new(body, "address", key_json(key));
        json_object_set_new(body, "txs", list);
        /* the cursor of the next (older) page: ?before=<this> */
        json_object_set_new(body, "next_before",
                            more ? json_integer((json_int_t)entries[n - 1].seq) : json_null());
    } else {
        json_decref(list);
    }
    free(entries);
    return body;
}
