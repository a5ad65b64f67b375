/* wire.c — the nng submission format of wattled (wire.h): pure encoders and
 * strict decoders over caller memory. */
#include "wire.h"

#include <string.h>

size_t wt_wire_request_size(const size_t *tx_lens, size_t count)
{
    if (count == 0 || count > WT_WIRE_TXS_MAX)
        return 0;
    size_t size = WT_WIRE_MAGIC_BYTES + 4;
    for (size_t i = 0; i < count; i++) {
        if (tx_lens[i] > UINT32_MAX || tx_lens[i] > SIZE_MAX - size - 4)
            return 0;
        size += 4 + tx_lens[i];
    }
    return size;
}

wt_err wt_wire_request_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                              const uint8_t *const *txs, const size_t *tx_lens, size_t count)
{
    *out_len = 0;
    if (count > WT_WIRE_TXS_MAX)
        return WT_ERR_TOO_LARGE;
    size_t need = wt_wire_request_size(tx_lens, count);
    if (need == 0)
        return WT_ERR_INVALID_ARGUMENT;
    if (out_cap < need)
        return WT_ERR_BUFFER_TOO_SMALL;
    memcpy(out, WT_WIRE_REQUEST_MAGIC, WT_WIRE_MAGIC_BYTES);
    wt_put_be32(out + 4, (uint32_t)count);
    size_t at = 8;
    for (size_t i = 0; i < count; i++) {
        wt_put_be32(out + at, (uint32_t)tx_lens[i]);
        at += 4;
        if (tx_lens[i] > 0)
            memcpy(out + at, txs[i], tx_lens[i]);
        at += tx_lens[i];
    }
    WT_ASSERT(at == need);
    *out_len = at;
    return WT_OK;
}

/* The count after a magic, checked against the limit and the capacity. */
static wt_err read_header(size_t *count, const uint8_t *msg, size_t msg_len, const char *magic,
                          size_t cap)
{
    *count = 0;
    if (msg_len < WT_WIRE_MAGIC_BYTES + 4 || memcmp(msg, magic, WT_WIRE_MAGIC_BYTES) != 0)
        return WT_ERR_BAD_REQUEST;
    uint32_t n = wt_get_be32(msg + 4);
    if (n > WT_WIRE_TXS_MAX)
        return WT_ERR_TOO_LARGE;
    if (n > cap)
        return WT_ERR_BUFFER_TOO_SMALL;
    *count = n;
    return WT_OK;
}

wt_err wt_wire_request_decode(const uint8_t **txs, size_t *tx_lens, size_t txs_cap, size_t *count,
                              const uint8_t *msg, size_t msg_len)
{
    *count = 0;
    size_t n;
    wt_err err = read_header(&n, msg, msg_len, WT_WIRE_REQUEST_MAGIC, txs_cap);
    if (err != WT_OK)
        return err;
    if (n == 0)
        return WT_ERR_BAD_REQUEST;
    size_t at = 8;
    for (size_t i = 0; i < n; i++) {
        if (msg_len - at < 4)
            return WT_ERR_BAD_REQUEST;
        uint32_t len = wt_get_be32(msg + at);
        at += 4;
        if (len == 0 || msg_len - at < len)
            return WT_ERR_BAD_REQUEST;
        txs[i] = msg + at;
        tx_lens[i] = len;
        at += len;
    }
    if (at != msg_len)
        return WT_ERR_BAD_REQUEST;
    *count = n;
    return WT_OK;
}

size_t wt_wire_request_capacity(const uint8_t *msg, size_t msg_len)
{
    if (msg_len < WT_WIRE_MAGIC_BYTES + 4)
        return 0;
    size_t n = wt_get_be32(msg + 4);
    size_t fit = (msg_len - (WT_WIRE_MAGIC_BYTES + 4)) / 5;
    if (n > fit)
        n = fit;
    return n < WT_WIRE_TXS_MAX ? n : WT_WIRE_TXS_MAX;
}

size_t wt_wire_reply_size(const wt_wire_result *results, size_t count)
{
    size_t size = WT_WIRE_MAGIC_BYTES + 4;
    for (size_t i = 0; i < count; i++)
        size += WT_WIRE_RESULT_FIXED_BYTES + results[i].code_len + results[i].field_len;
    return size;
}

static uint8_t *put_text(uint8_t *p, const char *text, size_t len)
{
    *p++ = (uint8_t)len;
    if (len > 0)
        memcpy(p, text, len);
    return p + len;
}

wt_err wt_wire_reply_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                            const wt_wire_result *results, size_t count)
{
    *out_len = 0;
    if (count > WT_WIRE_TXS_MAX)
        return WT_ERR_TOO_LARGE;
    for (size_t i = 0; i < count; i++) {
        const wt_wire_result *r = &results[i];
        if (r->status > WT_WIRE_REJECTED || r->code_len > WT_WIRE_TEXT_MAX ||
            r->field_len > WT_WIRE_TEXT_MAX)
            return WT_ERR_INVALID_ARGUMENT;
    }
    size_t need = wt_wire_reply_size(results, count);
    if (out_cap < need)
        return WT_ERR_BUFFER_TOO_SMALL;
    memcpy(out, WT_WIRE_REPLY_MAGIC, WT_WIRE_MAGIC_BYTES);
    wt_put_be32(out + 4, (uint32_t)count);
    uint8_t *p = out + 8;
    for (size_t i = 0; i < count; i++) {
        const wt_wire_result *r = &results[i];
        memcpy(p, r->txid, 32);
        p[32] = r->status;
        wt_put_be64(p + 33, r->seq);
        wt_put_be64(p + 41, r->height);
        p = put_text(p + 49, r->code, r->code_len);
        p = put_text(p, r->field, r->field_len);
    }
    WT_ASSERT((size_t)(p - out) == need);
    *out_len = need;
    return WT_OK;
}

/* A u8-length text at msg[*at], bounded by msg_len. */
static bool get_text(const char **text, size_t *len, const uint8_t *msg, size_t msg_len, size_t *at)
{
    if (*at >= msg_len)
        return false;
    size_t n = msg[(*at)++];
    if (msg_len - *at < n)
        return false;
    *text = n > 0 ? (const char *)msg + *at : NULL;
    *len = n;
    *at += n;
    return true;
}

wt_err wt_wire_reply_decode(wt_wire_result *results, size_t results_cap, size_t *count,
                            const uint8_t *msg, size_t msg_len)
{
    *count = 0;
    size_t n;
    wt_err err = read_header(&n, msg, msg_len, WT_WIRE_REPLY_MAGIC, results_cap);
    if (err != WT_OK)
        return err;
    size_t at = 8;
    for (size_t i = 0; i < n; i++) {
        wt_wire_result *r = &results[i];
        memset(r, 0, sizeof *r);
        if (msg_len - at < 49)
            return WT_ERR_BAD_REQUEST;
        memcpy(r->txid, msg + at, 32);
        r->status = msg[at + 32];
        if (r->status > WT_WIRE_REJECTED)
            return WT_ERR_BAD_REQUEST;
        r->seq = wt_get_be64(msg + at + 33);
        r->height = wt_get_be64(msg + at + 41);
        at += 49;
        if (!get_text(&r->code, &r->code_len, msg, msg_len, &at) ||
            !get_text(&r->field, &r->field_len, msg, msg_len, &at))
            return WT_ERR_BAD_REQUEST;
    }
    if (at != msg_len)
        return WT_ERR_BAD_REQUEST;
    *count = n;
    return WT_OK;
}

wt_err wt_wire_error_encode(uint8_t *out, size_t out_cap, size_t *out_len, const char *message)
{
    *out_len = 0;
    size_t len = strlen(message);
    if (len > WT_WIRE_TEXT_MAX)
        len = WT_WIRE_TEXT_MAX;
    if (out_cap < WT_WIRE_MAGIC_BYTES + 1 + len)
        return WT_ERR_BUFFER_TOO_SMALL;
    memcpy(out, WT_WIRE_ERROR_MAGIC, WT_WIRE_MAGIC_BYTES);
    put_text(out + WT_WIRE_MAGIC_BYTES, message, len);
    *out_len = WT_WIRE_MAGIC_BYTES + 1 + len;
    return WT_OK;
}

wt_err wt_wire_error_decode(const char **message, size_t *message_len, const uint8_t *msg,
                            size_t msg_len)
{
    *message = NULL;
    *message_len = 0;
    if (msg_len < WT_WIRE_MAGIC_BYTES + 1 ||
        memcmp(msg, WT_WIRE_ERROR_MAGIC, WT_WIRE_MAGIC_BYTES) != 0)
        return WT_ERR_BAD_REQUEST;
    size_t at = WT_WIRE_MAGIC_BYTES;
    const char *text;
    size_t len;
    if (!get_text(&text, &len, msg, msg_len, &at) || at != msg_len)
        return WT_ERR_BAD_REQUEST;
    *message = text;
    *message_len = len;
    return WT_OK;
}
