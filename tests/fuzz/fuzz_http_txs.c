/* fuzz_http_txs.c — libFuzzer target for the body of wattled's POST /v1/txs
 * (wt_http_txs_parse, engine/daemon/http_input.c). Whatever the bytes, the
 * parser must not crash or read outside them; a refusal carries an HTTP
 * status of 400/413/503, its error and a message, and owns no memory; an
 * acceptance agrees with an independent reading of the same JSON: as many
 * transactions as the array holds, each the exact bytes its hex string spells
 * (either case), none empty, at most the allowed count. */
#include "daemon.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TXS_MAX 16 /* small, so the fuzzer also reaches the too_large answer */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy, so ASan catches a read one byte past the end */
    char *body = malloc(size > 0 ? size : 1);
    if (body == NULL)
        return 0;
    if (size > 0)
        memcpy(body, data, size);
    wt_http_txs t;
    wt_err err = wt_http_txs_parse(&t, body, size, TXS_MAX);
    if (err != WT_OK) {
        if (t.err != err || t.message[0] == '\0' || t.count != 0 || t.raws != NULL ||
            t.mem != NULL || (t.status != 400 && t.status != 413 && t.status != 503))
            abort();
        free(body);
        return 0;
    }
    json_t *doc = json_loadb(body, size, JSON_REJECT_DUPLICATES, NULL);
    json_t *txs = json_object_get(doc, "txs");
    if (doc == NULL || t.status != 200 || t.count == 0 || t.count > TXS_MAX ||
        json_array_size(txs) != t.count)
        abort();
    size_t total = 0;
    for (size_t i = 0; i < t.count; i++) {
        json_t *e = json_array_get(txs, i);
        const char *hex = json_string_value(e);
        size_t hex_len = json_string_length(e);
        if (hex == NULL || t.lens[i] == 0 || hex_len != 2 * t.lens[i])
            abort();
        char *again = malloc(hex_len + 1);
        if (again == NULL)
            abort();
        wt_hex_encode(again, t.raws[i], t.lens[i]);
        if (strncasecmp(again, hex, hex_len) != 0)
            abort();
        free(again);
        total += t.lens[i];
    }
    if (total > size / 2)
        abort();
    json_decref(doc);
    wt_http_txs_free(&t);
    free(body);
    return 0;
}
