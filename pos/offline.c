/* offline.c — the offline acceptance limits of pos.h (pure). */
#include "pos.h"

#include <string.h>

wt_err wt_pos_offline_admit(const wt_pos_offline_entry *queued, size_t n,
                            const uint8_t payer[WT_PUBKEY_BYTES], int64_t amount_micro,
                            int64_t wallet_limit_micro, int64_t total_limit_micro)
{
    WT_ASSERT((queued != NULL || n == 0) && payer != NULL);
    if (amount_micro <= 0 || wallet_limit_micro < 0 || total_limit_micro < 0)
        return WT_ERR_INVALID_ARGUMENT;
    int64_t wallet = amount_micro, total = amount_micro;
    for (size_t i = 0; i < n; i++) {
        if (wt_add_i64(&total, total, queued[i].amount_micro) != WT_OK)
            return WT_ERR_OVERFLOW;
        if (memcmp(queued[i].payer, payer, WT_PUBKEY_BYTES) == 0 &&
            wt_add_i64(&wallet, wallet, queued[i].amount_micro) != WT_OK)
            return WT_ERR_OVERFLOW;
    }
    if (wallet > wallet_limit_micro || total > total_limit_micro)
        return WT_ERR_CAPACITY;
    return WT_OK;
}
