/* uri.c — the payment request URI of pos.h: a strict, pure parser and its
 * formatter (exact decimals, no floating point, no clock). */
#include "pos.h"

#include <string.h>

enum { P_AMOUNT, P_REQ, P_EXP, P_MEMO, P_CHAIN, P_COUNT };
static const char *const param_names[P_COUNT] = {"amount", "req", "exp", "memo", "chain"};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit((char)c) || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Digits only, no leading zero before another digit, fits int64, > 0. */
static wt_err parse_positive_i64(int64_t *out, const char *v, size_t len)
{
    *out = 0;
    if (len == 0 || len > 19 || (v[0] == '0' && len > 1))
        return WT_ERR_URI_BAD_VALUE;
    int64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(v[i]))
            return WT_ERR_URI_BAD_VALUE;
        if (wt_mul_i64(&x, x, 10) != WT_OK || wt_add_i64(&x, x, v[i] - '0') != WT_OK)
            return WT_ERR_URI_BAD_VALUE;
    }
    if (x <= 0)
        return WT_ERR_URI_BAD_VALUE;
    *out = x;
    return WT_OK;
}

/* "1250.5" → 1250500000 micro, exactly; the grammar of pos.h. */
static wt_err parse_amount(int64_t *out, const char *v, size_t len)
{
    *out = 0;
    size_t int_len = 0;
    while (int_len < len && is_digit(v[int_len]))
        int_len++;
    if (int_len == 0 || (v[0] == '0' && int_len > 1))
        return WT_ERR_URI_BAD_VALUE;
    size_t frac_len = 0;
    if (int_len < len) {
        if (v[int_len] != '.')
            return WT_ERR_URI_BAD_VALUE;
        frac_len = len - int_len - 1;
        if (frac_len == 0 || frac_len > WT_POS_AMOUNT_DECIMALS)
            return WT_ERR_URI_BAD_VALUE;
        for (size_t i = int_len + 1; i < len; i++)
            if (!is_digit(v[i]))
                return WT_ERR_URI_BAD_VALUE;
    }
    int64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        if (v[i] == '.')
            continue;
        if (wt_mul_i64(&x, x, 10) != WT_OK || wt_add_i64(&x, x, v[i] - '0') != WT_OK)
            return WT_ERR_URI_BAD_VALUE;
    }
    for (size_t i = frac_len; i < WT_POS_AMOUNT_DECIMALS; i++)
        if (wt_mul_i64(&x, x, 10) != WT_OK)
            return WT_ERR_URI_BAD_VALUE;
    if (x <= 0)
        return WT_ERR_URI_BAD_VALUE;
    *out = x;
    return WT_OK;
}

static wt_err parse_memo(wt_memo *memo, const char *v, size_t len)
{
    memset(memo, 0, sizeof *memo);
    char text[WT_MEMO_BYTES_MAX + 1];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '%') {
            if (i + 2 >= len)
                return WT_ERR_URI_BAD_ENCODING;
            int hi = hex_value(v[i + 1]), lo = hex_value(v[i + 2]);
            if (hi < 0 || lo < 0)
                return WT_ERR_URI_BAD_ENCODING;
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        } else if (!is_unreserved(c)) {
            return WT_ERR_URI_BAD_ENCODING;
        }
        if (c == 0 || n == WT_MEMO_BYTES_MAX)
            return WT_ERR_URI_BAD_VALUE;
        text[n++] = (char)c;
    }
    text[n] = '\0';
    if (wt_memo_set(memo, text) != WT_OK) {
        memset(memo, 0, sizeof *memo);
        return WT_ERR_URI_BAD_VALUE;
    }
    return WT_OK;
}

static wt_err parse_value(wt_pos_request *req, int which, const char *v, size_t len)
{
    switch (which) {
    case P_AMOUNT:
        return parse_amount(&req->amount_micro, v, len);
    case P_REQ: {
        if (len != 2 * WT_POS_REQUEST_ID_BYTES)
            return WT_ERR_URI_BAD_VALUE;
        for (size_t i = 0; i < len; i++)
            if (!is_digit(v[i]) && !(v[i] >= 'a' && v[i] <= 'f'))
                return WT_ERR_URI_BAD_VALUE;
        for (size_t i = 0; i < WT_POS_REQUEST_ID_BYTES; i++)
            req->request_id[i] = (uint8_t)(hex_value(v[2 * i]) << 4 | hex_value(v[2 * i + 1]));
        return WT_OK;
    }
    case P_EXP:
        return parse_positive_i64(&req->expires_ms, v, len);
    case P_MEMO:
        return parse_memo(&req->memo, v, len);
    case P_CHAIN: {
        int64_t id;
        if (len == 1 && v[0] == '0') {
            req->chain_id = 0;
            req->has_chain_id = true;
            return WT_OK;
        }
        wt_err err = parse_positive_i64(&id, v, len);
        if (err != WT_OK || id > UINT32_MAX)
            return WT_ERR_URI_BAD_VALUE;
        req->chain_id = (uint32_t)id;
        req->has_chain_id = true;
        return WT_OK;
    }
    default:
        WT_UNREACHABLE("parameter index");
    }
}

static wt_err fail(wt_pos_request *req, const char **param, const char *name, wt_err err)
{
    memset(req, 0, sizeof *req);
    if (param != NULL)
        *param = name;
    return err;
}

wt_err wt_pos_uri_parse(wt_pos_request *req, const char **param, const char *text, size_t text_len)
{
    WT_ASSERT(req != NULL && (text != NULL || text_len == 0));
    memset(req, 0, sizeof *req);
    if (param != NULL)
        *param = NULL;
    const size_t scheme_len = sizeof WT_POS_URI_SCHEME - 1;
    if (text_len == 0 || text_len > WT_POS_URI_CHARS_MAX)
        return fail(req, param, "uri", WT_ERR_URI_MALFORMED);
    if (memchr(text, '\0', text_len) != NULL || memchr(text, '#', text_len) != NULL)
        return fail(req, param, "uri", WT_ERR_URI_MALFORMED);
    if (text_len <= scheme_len || text[scheme_len] != ':' ||
        strncasecmp(text, WT_POS_URI_SCHEME, scheme_len) != 0)
        return fail(req, param, "scheme", WT_ERR_URI_MALFORMED);
    const char *p = text + scheme_len + 1, *end = text + text_len;
    const char *q = memchr(p, '?', (size_t)(end - p));
    if (q == NULL)
        return fail(req, param, "uri", WT_ERR_URI_MALFORMED);
    size_t addr_len = (size_t)(q - p);
    if (addr_len != WT_ADDRESS_CHARS)
        return fail(req, param, "address", WT_ERR_BECH32_LENGTH);
    char addr[WT_ADDRESS_CHARS + 1];
    memcpy(addr, p, addr_len);
    addr[addr_len] = '\0';
    for (size_t i = 0; i < addr_len; i++)
        if (addr[i] >= 'A' && addr[i] <= 'Z')
            return fail(req, param, "address", WT_ERR_BECH32_MIXED_CASE);
    wt_err err = wt_address_decode(req->merchant, addr);
    if (err != WT_OK)
        return fail(req, param, "address", err);
    bool seen[P_COUNT] = {false};
    p = q + 1;
    if (p == end)
        return fail(req, param, "uri", WT_ERR_URI_MALFORMED);
    while (p <= end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp != NULL ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq == NULL || eq == p)
            return fail(req, param, "uri", WT_ERR_URI_MALFORMED);
        size_t name_len = (size_t)(eq - p);
        int which = -1;
        for (int i = 0; i < P_COUNT; i++)
            if (strlen(param_names[i]) == name_len && memcmp(param_names[i], p, name_len) == 0)
                which = i;
        if (which < 0)
            return fail(req, param, "uri", WT_ERR_URI_UNKNOWN_PARAM);
        if (seen[which])
            return fail(req, param, param_names[which], WT_ERR_URI_DUPLICATE_PARAM);
        seen[which] = true;
        const char *v = eq + 1;
        size_t v_len = (size_t)(stop - v);
        if (v_len == 0)
            return fail(req, param, param_names[which], WT_ERR_URI_BAD_VALUE);
        err = parse_value(req, which, v, v_len);
        if (err != WT_OK)
            return fail(req, param, param_names[which], err);
        if (amp == NULL)
            break;
        p = amp + 1;
        if (p == end)
            return fail(req, param, "uri", WT_ERR_URI_MALFORMED);
    }
    for (int i = P_AMOUNT; i <= P_EXP; i++)
        if (!seen[i])
            return fail(req, param, param_names[i], WT_ERR_URI_MISSING_PARAM);
    return WT_OK;
}

wt_err wt_pos_uri_format(char *out, size_t out_cap, const wt_pos_request *req)
{
    WT_ASSERT(out != NULL && out_cap > 0 && req != NULL);
    out[0] = '\0';
    if (req->amount_micro <= 0 || req->expires_ms <= 0 || req->memo.len > WT_MEMO_BYTES_MAX)
        return WT_ERR_URI_BAD_VALUE;
    char memo_text[WT_MEMO_BYTES_MAX + 1];
    memcpy(memo_text, req->memo.bytes, req->memo.len);
    memo_text[req->memo.len] = '\0';
    wt_memo check;
    if (req->memo.len > 0 && (memchr(req->memo.bytes, 0, req->memo.len) != NULL ||
                              wt_memo_set(&check, memo_text) != WT_OK))
        return WT_ERR_URI_BAD_VALUE;
    char buf[WT_POS_URI_CHARS_MAX + 64];
    char addr[WT_ADDRESS_CHARS + 1], amount[32], id[2 * WT_POS_REQUEST_ID_BYTES + 1];
    wt_address_encode(addr, req->merchant);
    wt_err err = wt_decimal_format(amount, sizeof amount, req->amount_micro, 6);
    WT_ASSERT(err == WT_OK);
    wt_hex_encode(id, req->request_id, WT_POS_REQUEST_ID_BYTES);
    int n = snprintf(buf, sizeof buf, WT_POS_URI_SCHEME ":%s?amount=%s&req=%s&exp=%lld", addr,
                     amount, id, (long long)req->expires_ms);
    WT_ASSERT(n > 0 && (size_t)n < sizeof buf);
    size_t len = (size_t)n;
    if (req->memo.len > 0) {
        static const char hex[] = "0123456789ABCDEF";
        memcpy(buf + len, "&memo=", 6);
        len += 6;
        for (size_t i = 0; i < req->memo.len; i++) {
            unsigned char c = req->memo.bytes[i];
            if (is_unreserved(c)) {
                buf[len++] = (char)c;
            } else {
                buf[len++] = '%';
                buf[len++] = hex[c >> 4];
                buf[len++] = hex[c & 15];
            }
        }
        buf[len] = '\0';
    }
    if (req->has_chain_id) {
        n = snprintf(buf + len, sizeof buf - len, "&chain=%u", (unsigned)req->chain_id);
        WT_ASSERT(n > 0 && (size_t)n < sizeof buf - len);
        len += (size_t)n;
    }
    WT_ASSERT(len <= WT_POS_URI_CHARS_MAX);
    if (len + 1 > out_cap)
        return WT_ERR_BUFFER_TOO_SMALL;
    memcpy(out, buf, len + 1);
    return WT_OK;
}

wt_err wt_pos_request_id_new(uint8_t id[WT_POS_REQUEST_ID_BYTES])
{
    return wt_random_bytes(id, WT_POS_REQUEST_ID_BYTES);
}
