/* main.c — `wattle-pos`, the merchant's terminal: `request` makes a payment
 * request (URI of pos.h + QR code) and waits for its payment, `refund` pays
 * a payment back (all or part), `report` sums a day's sales and refunds. It
 * talks to the node through the node-client library it shares with `wattle`
 * (wallet/cli/client_tx.h), and listens to the engine's acct/<address> PUB
 * events over nng. */
#include "client_parse.h"
#include "client_tx.h"
#include "pos.h"
#include "vend.h"

#include <errno.h>
#include <inttypes.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The node-client library prints "wattle CMD: ..."; these command names make
 * that "wattle pos request: ...". */
#define CMD_REQUEST "pos request"
#define CMD_REFUND  "pos refund"
#define CMD_REPORT  "pos report"

#define POLL_MS_DEFAULT    1000
#define EXPIRES_MS_DEFAULT (120 * 1000)
#define EVENTS_PORT        5556 /* wattled's default --pub port */
#define SEEN_MAX           256

/* ------------------------------------------------------------ helpers */

/* The merchant: --key FILE (only its public part is read, no passphrase) or
 * --merchant ADDR. */
static int merchant_key(uint8_t out[32], const char *cmd, const char *key_path,
                        const char *merchant)
{
    memset(out, 0, 32);
    if (merchant != NULL)
        return wt_cli_pubkey(cmd, out, "--merchant", merchant);
    if (key_path == NULL) {
        fprintf(stderr, "wattle %s: --key MERCHANT.key (or --merchant ADDR) is required\n", cmd);
        return 2;
    }
    bool encrypted;
    wt_err err = wt_keyfile_info(out, &encrypted, key_path);
    if (err != WT_OK) {
        char line[512];
        wt_keyfile_explain(line, sizeof line, key_path, err, errno);
        fprintf(stderr, "wattle %s: %s\n", cmd, line);
        return 2;
    }
    return 0;
}

static const char *jstr(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v != NULL ? v : "";
}

/* GET /v1/txs/{txid}: its "tx" object (borrowed from *doc) when committed. */
static int tx_get(wt_cli_session *s, json_t **doc, const json_t **tx, const char *txid_hex)
{
    *tx = NULL;
    char path[128];
    snprintf(path, sizeof path, "/v1/txs/%s", txid_hex);
    int status = wt_cli_get_json(s, doc, path);
    if (status != 0)
        return status;
    if (strcmp(jstr(*doc, "status"), "committed") == 0)
        *tx = json_object_get(*doc, "tx");
    return 0;
}

/* ------------------------------------------------------------ request */

typedef struct {
    wt_cli_session *s;
    wt_pos_request req;
    char merchant[WT_ADDRESS_CHARS + 1];
    char id_hex[65];
    int64_t since_ms; /* poll the node's history from here */
    char seen[SEEN_MAX][65];
    size_t seen_count;
} waiter;

static bool seen_add(waiter *w, const char *txid)
{
    for (size_t i = 0; i < w->seen_count; i++)
        if (strcmp(w->seen[i], txid) == 0)
            return false;
    size_t slot = w->seen_count < SEEN_MAX ? w->seen_count++ : (size_t)(txid[0] % SEEN_MAX);
    snprintf(w->seen[slot], sizeof w->seen[slot], "%s", txid);
    return true;
}

/* Look at one transaction: 0 the request is paid (receipt printed), 1 it is
 * paid with the wrong amount, -1 not this request's payment. */
static int check_tx(waiter *w, const char *txid)
{
    if (strlen(txid) != 64 || !seen_add(w, txid))
        return -1;
    json_t *doc = NULL;
    const json_t *tx;
    if (tx_get(w->s, &doc, &tx, txid) != 0 || tx == NULL) {
        json_decref(doc);
        /* not committed yet (or unreachable): forget it, look again later */
        w->seen_count--;
        return -1;
    }
    int result = -1;
    if (strcmp(jstr(tx, "type"), "transfer") == 0 && strcmp(jstr(tx, "to"), w->merchant) == 0 &&
        strcmp(jstr(tx, "ref_kind"), "payment_request") == 0 &&
        strcmp(jstr(tx, "ref"), w->id_hex) == 0) {
        json_int_t amount = json_integer_value(json_object_get(tx, "amount_micro"));
        char got[32], want[32];
        wt_decimal_format(got, sizeof got, amount, 6);
        wt_decimal_format(want, sizeof want, w->req.amount_micro, 6);
        if (amount != w->req.amount_micro) {
            fprintf(stderr,
                    "wattle pos request: wrong_amount: payment %s names this request but pays %s "
                    "U, not %s U: NOT accepted (refund it with 'wattle-pos refund %s')\n",
                    txid, got, want, txid);
            result = 1;
        } else {
            printf("receipt\n  merchant  %s\n  amount    %s U (%" PRId64 " micro)\n"
                   "  from      %s\n  memo      %s\n  request   %s\n  txid      %s\n"
                   "  block     %lld\n",
                   w->merchant, got, w->req.amount_micro, jstr(tx, "sender"), jstr(tx, "memo"),
                   w->id_hex, txid, (long long)json_integer_value(json_object_get(doc, "height")));
            fflush(stdout);
            result = 0;
        }
    }
    json_decref(doc);
    return result;
}

/* How far before the request's creation the terminal looks: the node's
 * clock may be this far behind the terminal's. */
#define POLL_CLOCK_SLACK_MS (5 * 60 * 1000)
#define POLL_PAGES_MAX      100

/* Ask the node: the merchant's transactions since the request was made
 * (GET /v1/accounts/{m}/txs, page by page), any transfer naming the request
 * and not seen yet. */
static int poll_node(waiter *w)
{
    json_int_t before = 0;
    int result = -1;
    for (int page = 0; page < POLL_PAGES_MAX && result < 0; page++) {
        char path[320];
        int n = snprintf(path, sizeof path, "/v1/accounts/%s/txs?from_ms=%" PRId64 "&limit=1000",
                         w->merchant, w->since_ms);
        if (before > 0)
            snprintf(path + n, sizeof path - (size_t)n, "&before=%lld", (long long)before);
        json_t *doc;
        if (wt_cli_get_json(w->s, &doc, path) != 0)
            return -1; /* printed; the node may come back before the expiry */
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(doc, "txs"), i, t)
        {
            if (strcmp(jstr(t, "type"), "transfer") == 0 && strcmp(jstr(t, "ref"), w->id_hex) == 0)
                result = check_tx(w, jstr(t, "txid"));
            if (result >= 0)
                break;
        }
        json_int_t next = json_integer_value(json_object_get(doc, "next_before"));
        json_decref(doc);
        if (next <= 0 || (before > 0 && next >= before))
            break; /* the last page (or a malformed cursor) */
        before = next;
    }
    return result;
}

static const char request_usage[] =
    "usage: wattle-pos request (--key MERCHANT.key | --merchant ADDR) --amount U\n"
    "                          [--memo TEXT] [--expires D] [--qr-out FILE] [options]\n\n"
    "Makes a payment request with a fresh random request id, prints its URI on a line\n"
    "of its own and its QR code (UTF-8 half blocks; with --qr-out a PNG or SVG file\n"
    "instead), then waits for the payment: the engine's acct/<merchant> events over\n"
    "nng, and the node's account history since the request (page by page) every\n"
    "--poll-ms and whenever the events are silent, so a dropped event never loses a\n"
    "payment (the history is read from 5 minutes before the request, for a node whose\n"
    "clock is behind the terminal's). The payment must be a transfer to the merchant\n"
    "naming the request, of EXACTLY the amount (one that pays another amount is\n"
    "reported and not accepted). Prints a receipt with the txid and exits 0, or exits\n"
    "1 when the request expires unpaid.\n\n"
    "options:\n"
    "  --amount U        the price in U-Coin (at most 6 decimals, read exactly)\n"
    "  --memo TEXT       what is sold (at most 64 bytes of UTF-8), carried by the payment\n"
    "  --expires D       seconds or 90s, 10m, 2h (default 120s)\n"
    "  --qr-out FILE     write the QR code to FILE instead of the terminal: FILE.png (8\n"
    "                    pixels a module, greyscale) or FILE.svg, by its extension\n"
    "  --no-qr           print no QR code\n"
    "  --events URL      the engine's PUB socket (default $WATTLE_EVENTS, else\n"
    "                    tcp://NODE-HOST:5556)\n"
    "  --poll-ms N       ask the node at least every N ms (default 1000)\n" WT_CLI_NODE_HELP
    "\nexit status: 0 paid, 1 expired unpaid, paid with the wrong amount, or node\n"
    "unreachable, 2 malformed input or usage.\n";

static int cmd_request(int argc, char **argv)
{
    wt_cli_option opts[] = {{"key", false, NULL},     {"merchant", false, NULL},
                            {"amount", false, NULL},  {"memo", false, NULL},
                            {"expires", false, NULL}, {"qr-out", false, NULL},
                            {"no-qr", true, NULL},    {"events", false, NULL},
                            {"poll-ms", false, NULL}, WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    wt_cli_session s;
    size_t npos;
    int status =
        wt_cli_begin(&s, CMD_REQUEST, request_usage, argc, argv, opts, n, NULL, 0, &npos, false);
    if (status >= 0)
        return status;
    static waiter w;
    memset(&w, 0, sizeof w);
    w.s = &s;
    nng_socket sub = NNG_SOCKET_INITIALIZER;
    bool sub_open = false;
    status = merchant_key(w.req.merchant, CMD_REQUEST, wt_cli_value(opts, n, "key"),
                          wt_cli_value(opts, n, "merchant"));
    if (status != 0)
        goto done;
    status = 2;
    const char *amount = wt_cli_value(opts, n, "amount"), *memo = wt_cli_value(opts, n, "memo");
    const char *expires = wt_cli_value(opts, n, "expires"), *v;
    int64_t expires_ms = EXPIRES_MS_DEFAULT;
    uint64_t poll_ms = POLL_MS_DEFAULT;
    if (amount == NULL || wt_cli_amount_parse(&w.req.amount_micro, amount) != WT_OK) {
        fprintf(stderr, "wattle pos request: --amount U is required: a positive U-Coin amount "
                        "with at most 6 decimals\n");
        goto done;
    }
    if (memo != NULL && wt_memo_set(&w.req.memo, memo) != WT_OK) {
        fprintf(stderr,
                "wattle pos request: --memo must be at most %d bytes of UTF-8 without "
                "control characters\n",
                WT_MEMO_BYTES_MAX);
        goto done;
    }
    if (expires != NULL && wt_cli_duration_parse(&expires_ms, expires) != WT_OK) {
        fprintf(stderr, "wattle pos request: --expires must be seconds or 90s, 10m, 2h, not '%s'\n",
                expires);
        goto done;
    }
    if ((v = wt_cli_value(opts, n, "poll-ms")) != NULL &&
        (wt_cli_u64_parse(&poll_ms, v) != WT_OK || poll_ms < 10 || poll_ms > 60000)) {
        fprintf(stderr, "wattle pos request: --poll-ms must be 10..60000\n");
        goto done;
    }
    const char *qr_out = wt_cli_value(opts, n, "qr-out");
    size_t qr_len = qr_out != NULL ? strlen(qr_out) : 0;
    const char *qr_ext = qr_len >= 4 ? qr_out + qr_len - 4 : "";
    bool qr_png = strcasecmp(qr_ext, ".png") == 0;
    if (qr_out != NULL && !qr_png && strcasecmp(qr_ext, ".svg") != 0) {
        fprintf(stderr,
                "wattle pos request: --qr-out writes PNG or SVG, by the file's "
                "extension: give a FILE.png or FILE.svg, not '%s'\n",
                qr_out);
        status = 2;
        goto done;
    }
    wt_address_encode(w.merchant, w.req.merchant);
    /* The chain, and whether the account can take requested payments. */
    const json_t *chain;
    status = wt_cli_chain_get(&s, &chain);
    if (status != 0)
        goto done;
    json_int_t chain_id = json_integer_value(json_object_get(chain, "chain_id"));
    if (chain_id >= 0 && chain_id <= UINT32_MAX) {
        w.req.has_chain_id = true;
        w.req.chain_id = (uint32_t)chain_id;
    }
    char path[128];
    snprintf(path, sizeof path, "/v1/accounts/%s", w.merchant);
    json_t *account;
    status = wt_cli_get_json(&s, &account, path);
    if (status != 0)
        goto done;
    bool is_merchant = false;
    size_t i;
    json_t *role;
    json_array_foreach(json_object_get(account, "roles"), i, role)
    {
        if (strcmp(json_string_value(role) != NULL ? json_string_value(role) : "", "merchant") == 0)
            is_merchant = true;
    }
    json_decref(account);
    if (!is_merchant) {
        fprintf(stderr,
                "wattle pos request: not_merchant: %s is not a registered merchant, so the "
                "ledger would refuse its payments (the operator registers it: wattle register "
                "merchant)\n",
                w.merchant);
        status = 1;
        goto done;
    }
    if (wt_pos_request_id_new(w.req.request_id) != WT_OK) {
        fprintf(stderr, "wattle pos request: cannot read random bytes for the request id\n");
        status = 2;
        goto done;
    }
    wt_hex_encode(w.id_hex, w.req.request_id, 32);
    w.since_ms = wt_now_ms() - POLL_CLOCK_SLACK_MS;
    w.req.expires_ms = w.since_ms + POLL_CLOCK_SLACK_MS + expires_ms;
    char uri[WT_POS_URI_CHARS_MAX + 1];
    wt_err err = wt_pos_uri_format(uri, sizeof uri, &w.req);
    WT_ASSERT(err == WT_OK);
    /* Subscribe before anything is shown, so no payment precedes it. */
    char events[300];
    if ((v = wt_cli_value(opts, n, "events")) == NULL)
        v = getenv("WATTLE_EVENTS");
    if (v != NULL && *v != '\0')
        snprintf(events, sizeof events, "%s", v);
    else
        snprintf(events, sizeof events, "tcp://%s:%d",
                 s.node.kind == WT_NODE_HTTP ? s.node.host : "127.0.0.1", EVENTS_PORT);
    char topic[8 + WT_ADDRESS_CHARS + 1];
    snprintf(topic, sizeof topic, "acct/%s", w.merchant);
    int rv = nng_sub0_open(&sub);
    if (rv == 0) {
        sub_open = true;
        rv = nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, topic, strlen(topic));
    }
    if (rv == 0)
        rv = nng_dial(sub, events, NULL, NNG_FLAG_NONBLOCK); /* redials by itself */
    if (rv != 0) {
        fprintf(stderr, "wattle pos request: cannot listen to %s: %s\n", events, nng_strerror(rv));
        status = 2;
        goto done;
    }
    printf("%s\n", uri);
    if (qr_out != NULL) {
        FILE *f = fopen(qr_out, qr_png ? "wb" : "w");
        err = f == NULL ? WT_ERR_IO
              : qr_png  ? wt_pos_qr_write_png(f, uri)
                        : wt_pos_qr_write_svg(f, uri);
        if (f != NULL && fclose(f) != 0)
            err = WT_ERR_IO;
        if (err != WT_OK) {
            fprintf(stderr, "wattle pos request: cannot write %s: %s\n", qr_out, wt_strerror(err));
            status = 2;
            goto done;
        }
    } else if (wt_cli_value(opts, n, "no-qr") == NULL) {
        wt_pos_qr_write_text(stdout, uri);
    }
    char amount_text[32], when[25];
    wt_decimal_format(amount_text, sizeof amount_text, w.req.amount_micro, 6);
    wt_time_format_utc(when, w.req.expires_ms);
    printf("waiting for %s U to %s (request %.16s…) until %s\n", amount_text, w.merchant, w.id_hex,
           when);
    fflush(stdout);
    /* Wait: events when they come, the node on every silence. */
    int result = poll_node(&w);
    while (result < 0) {
        int64_t left_ms = w.req.expires_ms - wt_now_ms();
        if (left_ms <= 0)
            break;
        nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO,
                          (nng_duration)(left_ms < (int64_t)poll_ms ? left_ms : (int64_t)poll_ms));
        char *msg = NULL;
        size_t msg_len = 0;
        rv = nng_recv(sub, &msg, &msg_len, NNG_FLAG_ALLOC);
        if (rv != 0) {
            result = poll_node(&w); /* a timeout or a fault: ask the node */
            continue;
        }
        const char *nl = memchr(msg, '\n', msg_len);
        json_t *ev =
            nl != NULL ? json_loadb(nl + 1, msg_len - (size_t)(nl + 1 - msg), 0, NULL) : NULL;
        nng_free(msg, msg_len);
        if (ev != NULL && strcmp(jstr(ev, "type"), "transfer") == 0 &&
            strcmp(jstr(ev, "to"), w.merchant) == 0)
            result = check_tx(&w, jstr(ev, "txid"));
        json_decref(ev);
    }
    if (result < 0) {
        /* A transfer expires with its request, so one last look settles it. */
        result = poll_node(&w);
    }
    if (result < 0)
        fprintf(stderr, "wattle pos request: request_expired: no payment of request %s by %s\n",
                w.id_hex, when);
    status = result == 0 ? 0 : 1;
done:
    if (sub_open)
        wt_nng_close_within(sub, 2000); /* the answer is known: do not wait on nng */
    wt_cli_session_close(&s);
    return status;
}

/* ------------------------------------------------------------- refund */

static const char refund_usage[] =
    "usage: wattle-pos refund --key MERCHANT.key [--amount U] [options] TXID\n\n"
    "Pays back the payment TXID (a transfer to the merchant) to the account that made\n"
    "it: all of it, or --amount U of it. The refund names the payment (ref_kind\n"
    "refund_of) and carries the memo 'refund of TXID-PREFIX'; the ledger refuses\n"
    "refunds that together exceed the payment (refund_exceeds_payment). Prints the\n"
    "refund's txid once committed.\n\n"
    "options:\n" WT_CLI_SIGN_HELP WT_CLI_NODE_HELP
    "\nexit status: 0 refunded, 1 refused by the node or node unreachable, 2 malformed\n"
    "input or usage.\n";

static int cmd_refund(int argc, char **argv)
{
    wt_cli_option opts[] = {{"amount", false, NULL}, WT_CLI_SIGN_OPTIONS, WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    wt_cli_session s;
    const char *pos[1];
    size_t npos;
    int status =
        wt_cli_begin(&s, CMD_REFUND, refund_usage, argc, argv, opts, n, pos, 1, &npos, true);
    if (status >= 0)
        return status;
    status = 2;
    json_t *doc = NULL;
    uint8_t txid[32];
    if (npos != 1 || wt_hex_decode(txid, 32, pos[0]) != WT_OK) {
        fprintf(stderr, "wattle pos refund: give the payment's txid (64 hex characters)\n");
        goto done;
    }
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_TRANSFER);
    const char *amount = wt_cli_value(opts, n, "amount");
    if (amount != NULL && wt_cli_amount_parse(&tx.body.transfer.amount_micro, amount) != WT_OK) {
        fprintf(stderr,
                "wattle pos refund: --amount must be a positive U-Coin amount with at "
                "most 6 decimals, not '%s'\n",
                amount);
        goto done;
    }
    char hex[65], merchant[WT_ADDRESS_CHARS + 1];
    wt_hex_encode(hex, txid, 32);
    wt_address_encode(merchant, s.key.pubkey);
    const json_t *paid;
    status = tx_get(&s, &doc, &paid, hex);
    if (status != 0)
        goto done;
    status = 1;
    if (paid == NULL || strcmp(jstr(paid, "type"), "transfer") != 0 ||
        strcmp(jstr(paid, "to"), merchant) != 0) {
        fprintf(stderr, "wattle pos refund: unknown_payment: %s is not a committed payment to %s\n",
                hex, merchant);
        goto done;
    }
    status = wt_cli_pubkey(CMD_REFUND, tx.body.transfer.to, "the payer", jstr(paid, "sender"));
    if (status != 0)
        goto done;
    if (amount == NULL)
        tx.body.transfer.amount_micro = json_integer_value(json_object_get(paid, "amount_micro"));
    char memo[WT_MEMO_BYTES_MAX + 1];
    snprintf(memo, sizeof memo, "refund of %.16s", hex);
    wt_err err = wt_memo_set(&tx.body.transfer.memo, memo);
    WT_ASSERT(err == WT_OK);
    tx.body.transfer.ref_kind = WT_TX_REF_REFUND_OF;
    memcpy(tx.body.transfer.ref, txid, 32);
    status = wt_cli_tx_finish(&s, &tx);
done:
    json_decref(doc);
    wt_cli_session_close(&s);
    return status;
}

/* ------------------------------------------------------------- report */

static const char report_usage[] =
    "usage: wattle-pos report --day YYYY-MM-DD (--key MERCHANT.key | --merchant ADDR)\n"
    "                         [--utc-offset ±HH:MM] [--csv] [options]\n\n"
    "The merchant's sales (transfers received), refunds (refund_of transfers sent) and\n"
    "net for one calendar day, from the node's account history\n"
    "(GET /v1/accounts/ADDR/txs, read page by page, so every transaction of the day is\n"
    "counted however many there are). A transaction's time is when the node committed\n"
    "it. The day is a UTC day unless --utc-offset says otherwise: with +09:00 it runs\n"
    "from 15:00 UTC of the day before for 24 hours. A table (times at that offset), or\n"
    "with --csv one line per transaction, oldest first, under the header\n"
    "  time_utc,txid,kind,amount_micro,counterparty,memo\n"
    "and then the totals as lines of kind total_sales, total_refunds and net.\n\n"
    "options:\n"
    "  --day YYYY-MM-DD    the calendar day\n"
    "  --utc-offset OFF    the day's offset from UTC: +HH:MM, -HH:MM, +HH:MM:SS or Z\n"
    "                      (default Z, UTC; a fixed offset: no daylight saving)\n"
    "  --csv               CSV instead of a table\n" WT_CLI_NODE_HELP
    "\nexit status: 0 printed, 1 node unreachable or a malformed answer, 2 usage.\n";

#define REPORT_PAGE  1000    /* the node's largest page */
#define REPORT_PAGES 1000000 /* a bound on the loop: a billion transactions */

static void csv_text(const char *t)
{
    putchar('"');
    for (; *t; t++) {
        if (*t == '"')
            putchar('"');
        putchar(*t);
    }
    putchar('"');
}

/* Every transaction of merchant in [from_ms, to_ms), oldest first, into
 * *all (a JSON array, the caller's). */
static int history_read(wt_cli_session *s, json_t **all, const char *merchant, int64_t from_ms,
                        int64_t to_ms)
{
    *all = json_array();
    json_t *newest_first = json_array();
    json_int_t before = 0;
    int status = 0;
    for (size_t page = 0; page < REPORT_PAGES; page++) {
        char path[320];
        int n = snprintf(path, sizeof path,
                         "/v1/accounts/%s/txs?from_ms=%" PRId64 "&to_ms=%" PRId64 "&limit=%d",
                         merchant, from_ms, to_ms, REPORT_PAGE);
        if (before > 0)
            snprintf(path + n, sizeof path - (size_t)n, "&before=%lld", (long long)before);
        json_t *doc;
        status = wt_cli_get_json(s, &doc, path);
        if (status != 0)
            break;
        json_t *txs = json_object_get(doc, "txs"), *next = json_object_get(doc, "next_before");
        json_array_extend(newest_first, txs);
        json_int_t next_before = json_integer_value(next);
        bool last = json_is_null(next);
        bool malformed =
            !json_is_array(txs) || (!last && (!json_is_integer(next) || next_before <= 0 ||
                                              (before > 0 && next_before >= before)));
        json_decref(doc);
        if (malformed) {
            fprintf(stderr,
                    "wattle pos report: bad_json: the node's history page %zu of %s is "
                    "malformed (txs, next_before)\n",
                    page, merchant);
            status = 1;
            break;
        }
        if (last)
            break;
        before = next_before;
    }
    for (size_t i = json_array_size(newest_first); i-- > 0;)
        json_array_append(*all, json_array_get(newest_first, i));
    json_decref(newest_first);
    return status;
}

static int cmd_report(int argc, char **argv)
{
    wt_cli_option opts[] = {{"key", false, NULL}, {"merchant", false, NULL},
                            {"day", false, NULL}, {"utc-offset", false, NULL},
                            {"csv", true, NULL},  WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    wt_cli_session s;
    size_t npos;
    int status =
        wt_cli_begin(&s, CMD_REPORT, report_usage, argc, argv, opts, n, NULL, 0, &npos, false);
    if (status >= 0)
        return status;
    json_t *txs = NULL;
    uint8_t key[32];
    status = merchant_key(key, CMD_REPORT, wt_cli_value(opts, n, "key"),
                          wt_cli_value(opts, n, "merchant"));
    if (status != 0)
        goto done;
    status = 2;
    int32_t offset_s = 0;
    const char *offset = wt_cli_value(opts, n, "utc-offset");
    if (offset != NULL && wt_utc_offset_parse(&offset_s, offset) != WT_OK) {
        fprintf(stderr,
                "wattle pos report: --utc-offset must be +HH:MM, -HH:MM, +HH:MM:SS or Z, at most "
                "18 hours, not '%s'\n",
                offset);
        goto done;
    }
    int64_t from_ms, to_ms;
    const char *day = wt_cli_value(opts, n, "day");
    if (day == NULL || wt_pos_day_range(&from_ms, &to_ms, day, offset_s) != WT_OK) {
        fprintf(stderr, "wattle pos report: --day YYYY-MM-DD (a calendar day) is required\n");
        goto done;
    }
    bool csv = wt_cli_value(opts, n, "csv") != NULL;
    char merchant[WT_ADDRESS_CHARS + 1], zone[WT_POS_TIME_CHARS + 1];
    wt_address_encode(merchant, key);
    status = history_read(&s, &txs, merchant, from_ms, to_ms);
    if (status != 0)
        goto done;
    int64_t sales = 0, refunds = 0, sales_n = 0, refunds_n = 0;
    wt_pos_time_format(zone, from_ms, offset_s);
    if (csv)
        printf("time_utc,txid,kind,amount_micro,counterparty,memo\n");
    else
        printf("report of %s for %s (from %s)\n%-29s  %-16s  %-6s  %16s  %s\n", merchant, day, zone,
               "time", "txid", "kind", "U", "counterparty / memo");
    size_t i;
    json_t *t;
    json_array_foreach(txs, i, t)
    {
        if (strcmp(jstr(t, "type"), "transfer") != 0)
            continue;
        json_int_t effect = json_integer_value(json_object_get(t, "amount_micro"));
        bool sale = effect > 0 && strcmp(jstr(t, "to"), merchant) == 0;
        bool refund = effect < 0 && strcmp(jstr(t, "ref_kind"), "refund_of") == 0;
        if (!sale && !refund)
            continue; /* the merchant paying a supplier: neither */
        int64_t amount = sale ? effect : -effect, time_ms;
        time_ms = json_integer_value(json_object_get(t, "time_ms"));
        if (wt_add_i64(sale ? &sales : &refunds, sale ? sales : refunds, amount) != WT_OK) {
            fprintf(stderr, "wattle pos report: overflow summing the day\n");
            status = 1;
            goto done;
        }
        *(sale ? &sales_n : &refunds_n) += 1;
        const char *kind = sale ? "sale" : "refund", *txid = jstr(t, "txid");
        const char *other = jstr(t, "counterparty");
        if (csv) {
            char when[25];
            wt_time_format_utc(when, time_ms);
            printf("%s,%s,%s,%" PRId64 ",%s,", when, txid, kind, amount, other);
            csv_text(jstr(t, "memo"));
            putchar('\n');
        } else {
            char when[WT_POS_TIME_CHARS + 1], u[32];
            wt_pos_time_format(when, time_ms, offset_s);
            wt_decimal_format(u, sizeof u, amount, 6);
            printf("%-29s  %.16s  %-6s  %16s  %s %s\n", when, txid, kind, u, other,
                   jstr(t, "memo"));
        }
    }
    int64_t net = 0;
    if (wt_sub_i64(&net, sales, refunds) != WT_OK) {
        fprintf(stderr, "wattle pos report: overflow computing the net\n");
        status = 1;
        goto done;
    }
    if (csv) {
        printf(",,total_sales,%" PRId64 ",,\n,,total_refunds,%" PRId64 ",,\n,,net,%" PRId64 ",,\n",
               sales, refunds, net);
    } else {
        char a[32], b[32], c[32];
        wt_decimal_format(a, sizeof a, sales, 6);
        wt_decimal_format(b, sizeof b, refunds, 6);
        wt_decimal_format(c, sizeof c, net, 6);
        printf("\nsales     %16s U  (%" PRId64 ")\nrefunds   %16s U  (%" PRId64 ")\n"
               "net       %16s U\n",
               a, sales_n, b, refunds_n, c);
    }
    status = fflush(stdout) == 0 ? 0 : 1;
done:
    json_decref(txs);
    wt_cli_session_close(&s);
    return status;
}

/* --------------------------------------------------------------- main */

static void usage(FILE *out)
{
    fprintf(out, "usage: wattle-pos COMMAND [ARGS...]\n\n"
                 "The point of sale of U-Coin: a shop's or a machine's terminal.\n\n"
                 "commands:\n"
                 "  request   make a payment request (URI and QR code) and wait for its payment\n"
                 "  refund    pay a payment back, all or part\n"
                 "  report    a day's sales, refunds and net (table or --csv)\n"
                 "  vend      an MDB cashless reader for a vending machine on a serial device\n\n"
                 "Run 'wattle-pos COMMAND --help' for a command's options. The node is --node URL\n"
                 "or $WATTLE_NODE (as for wattle).\n");
}

int main(int argc, char **argv)
{
    wt_log_set_level(WT_LOG_WARN);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "request") == 0)
        return cmd_request(argc - 1, argv + 1);
    if (strcmp(argv[1], "refund") == 0)
        return cmd_refund(argc - 1, argv + 1);
    if (strcmp(argv[1], "report") == 0)
        return cmd_report(argc - 1, argv + 1);
    if (strcmp(argv[1], "vend") == 0)
        return wt_pos_vend(argc - 1, argv + 1);
    fprintf(stderr, "wattle-pos: unknown command '%s' (see 'wattle-pos --help')\n", argv[1]);
    return 2;
}
