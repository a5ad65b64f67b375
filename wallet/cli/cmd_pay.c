/* cmd_pay.c — `wattle pay URI`: the customer's side of a payment request
 * (pos.h): shows what is paid and to whom, refuses a malformed, expired or
 * other-chain request, then signs a TRANSFER that names the request
 * (ref_kind payment_request) and submits it; the node acknowledges it once
 * it is committed, and refuses a request that is already paid. */
#include "client_tx.h"
#include "commands.h"
#include "pos.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char pay_usage[] =
    "usage: wattle pay --key FILE [options] URI\n\n"
    "Pays a payment request URI (ucoin:ADDRESS?amount=U&req=ID&exp=MS[&memo=TEXT][&chain=N],\n"
    "as shown by 'wattle-pos request' and its QR code): prints the amount, the merchant\n"
    "(the name the operator registered for its address on the ledger, and the address),\n"
    "the memo and the request, then signs and submits a transfer of exactly that amount\n"
    "that names the request, and prints its txid once committed. The transfer expires\n"
    "with the request, so it can never be committed after the request has expired.\n"
    "Refused: a malformed URI (uri_*), an expired request (request_expired), a request\n"
    "for another chain (wrong_chain), an address that is not a registered merchant\n"
    "(not_merchant), and one already paid (request_already_paid, from the ledger).\n\n"
    "options:\n" WT_CLI_SIGN_HELP WT_CLI_NODE_HELP
    "\nexit status: 0 paid, 1 refused (expired, already paid, rejected) or node\n"
    "unreachable, 2 malformed input or usage.\n";

/* The merchant's registered name (GET /v1/accounts/{addr} "merchant_name")
 * into out, as shown on the "to" line; refuses an address that is not a
 * registered merchant (the ledger would refuse the payment: to). */
static int merchant_name(wt_cli_session *s, char *out, size_t out_cap, const char *addr)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/accounts/%s", addr);
    json_t *account;
    int status = wt_cli_get_json(s, &account, path);
    if (status != 0)
        return status;
    const char *name = json_string_value(json_object_get(account, "merchant_name"));
    if (name == NULL) {
        fprintf(stderr,
                "wattle pay: not_merchant: %s is not a registered merchant (no REGISTER merchant "
                "names it), so the ledger would refuse the payment; nothing was paid\n",
                addr);
        status = 1;
    } else {
        snprintf(out, out_cap, "%s (registered merchant)", name);
    }
    json_decref(account);
    return status;
}

int wt_cli_pay(int argc, char **argv)
{
    wt_cli_option opts[] = {WT_CLI_SIGN_OPTIONS, WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    wt_cli_session s;
    const char *pos[1];
    size_t npos;
    int status = wt_cli_begin(&s, "pay", pay_usage, argc, argv, opts, n, pos, 1, &npos, true);
    if (status >= 0)
        return status;
    status = 2;
    wt_pos_request req;
    if (npos != 1) {
        fprintf(stderr, "wattle pay: give the request URI (see --help)\n");
        goto done;
    }
    const char *param = NULL;
    wt_err err = wt_pos_uri_parse(&req, &param, pos[0], strlen(pos[0]));
    if (err != WT_OK) {
        fprintf(stderr, "wattle pay: %s: malformed payment request (%s): %s\n", wt_errname(err),
                param != NULL ? param : "uri", wt_strerror(err));
        goto done;
    }
    int64_t now_ms = wt_now_ms();
    char when[25];
    wt_time_format_utc(when, req.expires_ms);
    if (req.expires_ms <= now_ms) {
        fprintf(stderr, "wattle pay: request_expired: the payment request expired at %s\n", when);
        status = 1;
        goto done;
    }
    if (req.has_chain_id && !s.sign_only) {
        const json_t *chain;
        status = wt_cli_chain_get(&s, &chain);
        if (status != 0)
            goto done;
        json_int_t id = json_integer_value(json_object_get(chain, "chain_id"));
        if (id != (json_int_t)req.chain_id) {
            fprintf(stderr,
                    "wattle pay: wrong_chain: the request is for chain %u, the node runs chain "
                    "%lld\n",
                    (unsigned)req.chain_id, (long long)id);
            status = 2;
            goto done;
        }
    }
    char addr[WT_ADDRESS_CHARS + 1], amount[32], id_hex[65];
    wt_address_encode(addr, req.merchant);
    /* To whom: the name the operator registered on the ledger for this
     * address (never a name the request itself could claim). */
    char to[WT_MERCHANT_NAME_BYTES_MAX + 64] = "(not looked up: --sign-only)";
    if (!s.sign_only) {
        status = merchant_name(&s, to, sizeof to, addr);
        if (status != 0)
            goto done;
    }
    err = wt_decimal_format(amount, sizeof amount, req.amount_micro, 6);
    WT_ASSERT(err == WT_OK);
    wt_hex_encode(id_hex, req.request_id, 32);
    printf("pay       %s U (%" PRId64 " micro)\nto        %s\naddress   %s\nmemo      %.*s\n"
           "request   %s\nexpires   %s\n",
           amount, req.amount_micro, to, addr, (int)req.memo.len, (const char *)req.memo.bytes,
           id_hex, when);
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_TRANSFER);
    memcpy(tx.body.transfer.to, req.merchant, 32);
    tx.body.transfer.amount_micro = req.amount_micro;
    tx.body.transfer.memo = req.memo;
    tx.body.transfer.ref_kind = WT_TX_REF_PAYMENT_REQUEST;
    memcpy(tx.body.transfer.ref, req.request_id, 32);
    /* the transfer lives no longer than the request */
    if (req.expires_ms - now_ms < s.expires_in_ms)
        s.expires_in_ms = req.expires_ms - now_ms;
    status = wt_cli_tx_finish(&s, &tx);
done:
    wt_cli_session_close(&s);
    return status;
}
