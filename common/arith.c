/* arith.c — checked int64 arithmetic, the amount rule, and exact decimal text. */
#include "common.h"

#include <string.h>

wt_err wt_add_i64(int64_t *out, int64_t a, int64_t b)
{
    *out = 0;
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return WT_ERR_OVERFLOW;
    *out = r;
    return WT_OK;
}

wt_err wt_sub_i64(int64_t *out, int64_t a, int64_t b)
{
    *out = 0;
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return WT_ERR_OVERFLOW;
    *out = r;
    return WT_OK;
}

wt_err wt_mul_i64(int64_t *out, int64_t a, int64_t b)
{
    *out = 0;
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return WT_ERR_OVERFLOW;
    *out = r;
    return WT_OK;
}

wt_err wt_muldiv_i64(int64_t *out, int64_t a, int64_t b, int64_t d)
{
    *out = 0;
    if (d == 0)
        return WT_ERR_INVALID_ARGUMENT;
    /* |a * b| < 2^126, so the product always fits in __int128; C division
     * truncates toward zero. The only quotient overflow left is the range check. */
    __int128 q = ((__int128)a * (__int128)b) / (__int128)d;
    if (q > (__int128)INT64_MAX || q < (__int128)INT64_MIN)
        return WT_ERR_OVERFLOW;
    *out = (int64_t)q;
    return WT_OK;
}

wt_err wt_amount_micro(int64_t *amount_micro, int64_t energy_mwh, int64_t price_micro_per_kwh)
{
    return wt_muldiv_i64(amount_micro, energy_mwh, price_micro_per_kwh, WT_MWH_PER_KWH);
}

wt_err wt_decimal_parse(int64_t *out, const char *text, unsigned scale_digits, bool allow_negative)
{
    *out = 0;
    if (text == NULL || scale_digits > 18)
        return WT_ERR_BAD_NUMBER;
    const char *p = text;
    bool negative = false;
    if (*p == '-') {
        if (!allow_negative)
            return WT_ERR_BAD_NUMBER;
        negative = true;
        p++;
    }
    /* Accumulate as a negative number so INT64_MIN is reachable. */
    int64_t acc = 0;
    unsigned frac_digits = 0;
    bool seen_dot = false, seen_digit = false, prev_digit = false;
    for (; *p != '\0'; p++) {
        char c = *p;
        if (c >= '0' && c <= '9') {
            if (seen_dot && frac_digits == scale_digits)
                return WT_ERR_BAD_NUMBER; /* more decimals than the unit holds */
            if (__builtin_mul_overflow(acc, 10, &acc) ||
                __builtin_sub_overflow(acc, (int64_t)(c - '0'), &acc))
                return WT_ERR_OVERFLOW;
            if (seen_dot)
                frac_digits++;
            seen_digit = prev_digit = true;
        } else if (c == '.' && !seen_dot && prev_digit) {
            seen_dot = true;
            prev_digit = false;
        } else if ((c == '_' || c == ',') && !seen_dot && prev_digit && p[1] >= '0' &&
                   p[1] <= '9') {
            prev_digit = false; /* thousands separator between digits */
        } else {
            return WT_ERR_BAD_NUMBER;
        }
    }
    if (!seen_digit || !prev_digit)
        return WT_ERR_BAD_NUMBER; /* empty, or ends in '.' */
    for (; frac_digits < scale_digits; frac_digits++)
        if (__builtin_mul_overflow(acc, 10, &acc))
            return WT_ERR_OVERFLOW;
    if (!negative) {
        if (acc == INT64_MIN)
            return WT_ERR_OVERFLOW;
        acc = -acc;
    }
    *out = acc;
    return WT_OK;
}

wt_err wt_decimal_format(char *out, size_t out_len, int64_t value, unsigned scale_digits)
{
    if (out_len > 0)
        out[0] = '\0';
    if (scale_digits > 18)
        return WT_ERR_INVALID_ARGUMENT;
    char digits[48];
    size_t n = 0;
    /* Work on the magnitude as unsigned so INT64_MIN is fine. */
    uint64_t mag = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    do {
        digits[n++] = (char)('0' + (mag % 10));
        mag /= 10;
    } while (mag != 0);
    while (n <= scale_digits)
        digits[n++] = '0';
    /* digits holds the number reversed; the first scale_digits are decimals. */
    size_t first_kept = 0;
    while (first_kept < scale_digits && digits[first_kept] == '0')
        first_kept++;
    char buf[64];
    size_t len = 0;
    if (value < 0)
        buf[len++] = '-';
    for (size_t i = n; i-- > scale_digits;)
        buf[len++] = digits[i];
    if (first_kept < scale_digits) {
        buf[len++] = '.';
        for (size_t i = scale_digits; i-- > first_kept;)
            buf[len++] = digits[i];
    }
    buf[len] = '\0';
    if (len + 1 > out_len)
        return WT_ERR_BUFFER_TOO_SMALL;
    memcpy(out, buf, len + 1);
    return WT_OK;
}
