/* fuzz_tx_decode.c — libFuzzer target for the transaction decoder. Whatever
 * the bytes, wt_tx_decode must not crash or read outside them, and whatever
 * it accepts must be canonical: it passes wt_tx_check, encodes back to the
 * very same bytes, has the same txid from the struct as from the bytes, and
 * prints as JSON. */
#include "wallet.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so ASan catches a read one byte past the end. */
    uint8_t *copy = malloc(size > 0 ? size : 1);
    if (copy == NULL)
        return 0;
    if (size > 0)
        memcpy(copy, data, size);
    wt_tx tx;
    const char *field = NULL;
    wt_err err = wt_tx_decode(&tx, &field, copy, size);
    if (err != WT_OK) {
        if (field == NULL)
            abort(); /* every rejection names its field */
        free(copy);
        return 0;
    }
    if (wt_tx_check(NULL, &tx) != WT_OK || wt_tx_encoded_len(&tx) != size)
        abort();
    uint8_t *again = malloc(size);
    size_t len = 0;
    if (again == NULL || wt_tx_encode(again, size, &len, NULL, &tx) != WT_OK || len != size ||
        memcmp(again, copy, size) != 0)
        abort();
    uint8_t id1[32], id2[32];
    wt_tx_id_encoded(id1, copy, size);
    if (wt_tx_id(id2, NULL, &tx) != WT_OK || memcmp(id1, id2, 32) != 0)
        abort();
    static FILE *sink;
    if (sink == NULL)
        sink = fopen("/dev/null", "w");
    if (sink != NULL && wt_tx_print_json(sink, &tx, id1, -1) != WT_OK)
        abort();
    free(again);
    free(copy);
    return 0;
}
