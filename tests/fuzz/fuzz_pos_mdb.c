/* fuzz_pos_mdb.c — libFuzzer target for the MDB cashless device: the input
 * is a script of frames in the adapter framing (a length byte, then 2 bytes
 * per word) interleaved with application actions (begin/cancel a session,
 * approve/deny a vend, the clock). Whatever comes, the device must not crash,
 * stay in a valid state, and every answer must be a well-formed reader
 * frame: a lone ACK, or data words then a CHK with the mode bit that sums
 * them. */
#include "pos.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_answer(const wt_mdb *dev, const uint16_t *out, size_t n)
{
    if (dev->state > WT_MDB_VEND || dev->queue_count > 4 || n > WT_MDB_FRAME_WORDS_MAX)
        abort();
    if (n == 0 || (n == 1 && out[0] == (WT_MDB_MODE | WT_MDB_ACK)))
        return;
    uint8_t sum = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (out[i] > 0xFF)
            abort();
        sum = (uint8_t)(sum + out[i]);
    }
    if (out[n - 1] != (WT_MDB_MODE | sum))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wt_mdb dev;
    wt_mdb_init(&dev, WT_MDB_ADDR_CASHLESS2);
    int64_t now_ms = 0;
    size_t i = 0;
    while (i < size) {
        uint8_t op = data[i++];
        if (op >= 0xF0) { /* an application action */
            switch (op & 7) {
            case 0:
                wt_mdb_begin_session(&dev, (uint16_t)(op * 7));
                break;
            case 1:
                wt_mdb_cancel_session(&dev);
                break;
            case 2:
                wt_mdb_vend_result(&dev, true);
                break;
            case 3:
                wt_mdb_vend_result(&dev, false);
                break;
            default:
                now_ms += 1000 * (op & 7);
                wt_mdb_tick(&dev, now_ms);
                break;
            }
            continue;
        }
        size_t words_n = op % (WT_MDB_FRAME_WORDS_MAX + 1), bytes_n = 2 * words_n;
        if (bytes_n > size - i)
            bytes_n = size - i;
        /* an exact-size copy, so ASan catches a read past the end */
        uint8_t *copy = malloc(bytes_n > 0 ? bytes_n : 1);
        if (copy == NULL)
            return 0;
        memcpy(copy, data + i, bytes_n);
        i += bytes_n;
        uint16_t words[WT_MDB_FRAME_WORDS_MAX], out[WT_MDB_FRAME_WORDS_MAX];
        size_t n, out_n = 99;
        wt_mdb_event ev;
        wt_err err = wt_mdb_adapter_decode(words, WT_MDB_FRAME_WORDS_MAX, &n, copy, bytes_n);
        free(copy);
        if (err != WT_OK)
            continue;
        err = wt_mdb_handle(&dev, out, &out_n, &ev, words, n, now_ms);
        if (err != WT_OK && out_n != 0)
            abort(); /* an error never answers */
        check_answer(&dev, out, out_n);
    }
    return 0;
}
