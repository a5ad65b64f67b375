/* hex.c — hexadecimal text, read in either case, written in lower case. */
#include "common.h"

#include <string.h>

void wt_hex_encode(char *out, const uint8_t *data, size_t data_len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < data_len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * data_len] = '\0';
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

static wt_err hex_decode_n(uint8_t *out, const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return WT_ERR_BAD_HEX;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return WT_OK;
}

wt_err wt_hex_decode(uint8_t *out, size_t out_len, const char *text)
{
    memset(out, 0, out_len);
    if (strlen(text) != 2 * out_len)
        return WT_ERR_BAD_LENGTH;
    wt_err err = hex_decode_n(out, text, out_len);
    if (err != WT_OK)
        memset(out, 0, out_len);
    return err;
}

wt_err wt_hex_decode_any(uint8_t *out, size_t *out_len, size_t out_cap, const char *text)
{
    *out_len = 0;
    size_t text_len = strlen(text);
    if (text_len % 2 != 0)
        return WT_ERR_BAD_LENGTH;
    if (text_len / 2 > out_cap)
        return WT_ERR_TOO_LARGE;
    wt_err err = hex_decode_n(out, text, text_len / 2);
    if (err != WT_OK) {
        memset(out, 0, text_len / 2);
        return err;
    }
    *out_len = text_len / 2;
    return WT_OK;
}
