/* fuzz_pos_uri.c — libFuzzer target for the payment request URI parser.
 * Whatever the bytes, wt_pos_uri_parse must not crash or read outside them;
 * a rejection names its part and leaves the request zeroed; whatever it
 * accepts formats back, and that text parses to the very same request and
 * formats to the same text again (one canonical form per request). */
#include "pos.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so ASan catches a read one byte past the end. */
    char *copy = malloc(size > 0 ? size : 1);
    if (copy == NULL)
        return 0;
    if (size > 0)
        memcpy(copy, data, size);
    wt_pos_request req, back, zero;
    memset(&zero, 0, sizeof zero);
    const char *param = NULL;
    wt_err err = wt_pos_uri_parse(&req, &param, copy, size);
    free(copy);
    if (err != WT_OK) {
        if (param == NULL || memcmp(&req, &zero, sizeof req) != 0)
            abort();
        return 0;
    }
    char uri[WT_POS_URI_CHARS_MAX + 1], again[WT_POS_URI_CHARS_MAX + 1];
    if (wt_pos_uri_format(uri, sizeof uri, &req) != WT_OK)
        abort();
    if (wt_pos_uri_parse(&back, &param, uri, strlen(uri)) != WT_OK ||
        memcmp(&req, &back, sizeof req) != 0)
        abort();
    if (wt_pos_uri_format(again, sizeof again, &back) != WT_OK || strcmp(uri, again) != 0)
        abort();
    return 0;
}
