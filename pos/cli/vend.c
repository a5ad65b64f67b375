/* vend.c — `wattle-pos vend`: a vending machine's MDB cashless reader (the
 * pure state machine of pos.h) on a serial device in the adapter framing
 * (2 bytes per 9-bit word), with customers' payments "tapped" as signed
 * TRANSFER hex lines on standard input (or --taps FILE): a tap begins a
 * session with its amount as funds; VEND REQUEST submits it to the node and
 * VEND APPROVED follows only once it is committed (VEND DENIED when the node
 * refuses it, e.g. insufficient_funds, or is unreachable); VEND FAILURE
 * refunds the payment in full, VEND SUCCESS refunds what exceeded the price;
 * a line "cancel" cancels the session. With --offline-queue FILE, a payment
 * the node cannot be reached for is approved within the offline limits
 * (pos.h), kept in FILE (one hex line each, fsync'd) and submitted when the
 * node is back; one the ledger then refuses is reported as a double spend
 * with the customer's address. */
#include "client_parse.h"
#include "client_tx.h"
#include "pos.h"
#include "vend.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define CMD           "pos vend"
#define FRAME_GAP_MS  3 /* MDB's inter-byte limit is 1 ms: a pause ends a frame */
#define TAP_BYTES_MAX 4096
#define QUEUE_MAX     256
#define DRAIN_MS      1000 /* how often a queue is offered to the node */

static const char vend_usage[] =
    "usage: wattle-pos vend --device TTY --key MACHINE.key [--config FILE] [--taps FILE]\n"
    "                       [--address 0x60|0x10] [options]\n\n"
    "Runs an MDB cashless reader (level 1, by default at the second cashless address\n"
    "0x60) on TTY, spoken through an MDB-to-serial adapter that carries each 9-bit word\n"
    "as two bytes (the mode bit 0/1, then the data byte). A customer presents a payment\n"
    "as a signed transfer to the machine in hex (e.g. from 'wattle send --sign-only'),\n"
    "one per line on standard input or --taps FILE; 'cancel' cancels the session.\n"
    "VEND APPROVED is sent only after the node committed the payment; VEND FAILURE\n"
    "refunds it; a price below the payment is refunded the difference.\n"
    "Offline: with --offline-queue FILE, when the node cannot be reached a payment of\n"
    "exactly the price is approved if the customer's queued payments stay within\n"
    "--offline-wallet-limit U and all queued payments within --offline-total-limit U\n"
    "(both default 0: nothing offline); it is kept in FILE and submitted once the node\n"
    "answers; one the ledger refuses then is reported as a double spend. The most the\n"
    "machine can lose is --offline-total-limit U.\n"
    "--config FILE holds 'name = value' lines for device, key, taps, address, node,\n"
    "offline-queue, offline-wallet-limit, offline-total-limit.\n\n"
    "options:\n" WT_CLI_SIGN_HELP WT_CLI_NODE_HELP;

typedef struct {
    wt_cli_session *s;
    wt_mdb dev;
    uint8_t machine[32];
    /* the session's payment */
    bool have_payment, submitted;
    uint8_t raw[1024];
    size_t raw_len;
    uint8_t txid[32];
    wt_tx tx;
    bool offline; /* the session's payment was approved offline */
    /* the offline queue, mirrored in queue_path */
    const char *queue_path;
    int64_t wallet_limit_micro, total_limit_micro;
    wt_pos_offline_entry entries[QUEUE_MAX];
    char *hex[QUEUE_MAX];
    size_t queued;
} vend_state;

static int64_t now_ms(void)
{
    return wt_monotonic_ns() / 1000000;
}

/* A config file of "name = value" lines ('#' comments). */
static int config_read(char values[8][512], const char *path)
{
    static const char *const names[8] = {"device",
                                         "key",
                                         "taps",
                                         "address",
                                         "node",
                                         "offline-queue",
                                         "offline-wallet-limit",
                                         "offline-total-limit"};
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "wattle %s: cannot read %s: %s\n", CMD, path, strerror(errno));
        return 2;
    }
    char line[600];
    int status = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\0')
            continue;
        char *eq = strchr(p, '=');
        if (eq == NULL) {
            fprintf(stderr, "wattle %s: %s: not 'name = value': %s", CMD, path, line);
            status = 2;
            break;
        }
        char *end = eq;
        while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        *end = '\0';
        char *v = eq + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        v[strcspn(v, "\r\n")] = '\0';
        int which = -1;
        for (int i = 0; i < 8; i++)
            if (strcmp(p, names[i]) == 0)
                which = i;
        if (which < 0) {
            fprintf(stderr, "wattle %s: %s: unknown setting '%s'\n", CMD, path, p);
            status = 2;
            break;
        }
        snprintf(values[which], sizeof values[which], "%s", v);
    }
    fclose(f);
    return status;
}

static int serial_open(const char *path)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -1;
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        cfsetispeed(&t, B9600); /* MDB's 9600 baud (the adapter's side) */
        cfsetospeed(&t, B9600);
        tcsetattr(fd, TCSANOW, &t);
    }
    return fd;
}

static void write_words(int fd, const uint16_t *words, size_t n)
{
    uint8_t bytes[2 * WT_MDB_FRAME_WORDS_MAX];
    size_t len = wt_mdb_adapter_encode(bytes, sizeof bytes, words, n);
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, bytes + off, len - off);
        if (w < 0 && errno == EAGAIN) {
            struct pollfd p = {fd, POLLOUT, 0};
            poll(&p, 1, 10);
            continue;
        }
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

/* Refund amount_micro of the session's payment to its payer. */
static void refund(vend_state *v, int64_t amount_micro, const char *why)
{
    wt_tx r;
    wt_tx_init(&r, WT_TX_TRANSFER);
    memcpy(r.body.transfer.to, v->tx.sender, 32);
    r.body.transfer.amount_micro = amount_micro;
    r.body.transfer.ref_kind = WT_TX_REF_REFUND_OF;
    memcpy(r.body.transfer.ref, v->txid, 32);
    wt_memo_set(&r.body.transfer.memo, why);
    v->s->have_nonce = false; /* the machine's next nonce, from the node */
    printf("refund %s: ", why);
    fflush(stdout);
    if (wt_cli_tx_finish(v->s, &r) != 0)
        fprintf(stderr, "wattle %s: the refund failed: pay it back with 'wattle-pos refund'\n",
                CMD);
}

/* ------------------------------------------------------ offline queue */

/* Rewrite the queue file from memory: temporary file, fsync, rename. */
static bool queue_save(vend_state *v)
{
    char tmp_path[600];
    snprintf(tmp_path, sizeof tmp_path, "%s.tmp", v->queue_path);
    FILE *f = fopen(tmp_path, "w");
    bool ok = f != NULL;
    for (size_t i = 0; ok && i < v->queued; i++)
        ok = fprintf(f, "%s\n", v->hex[i]) > 0;
    ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f != NULL && fclose(f) != 0)
        ok = false;
    ok = ok && rename(tmp_path, v->queue_path) == 0;
    if (!ok)
        fprintf(stderr, "wattle %s: cannot write the offline queue %s: %s\n", CMD, v->queue_path,
                strerror(errno));
    return ok;
}

/* Add a payment (hex of its encoding) to the queue, durably. */
static bool queue_add(vend_state *v, const char *hex, const wt_tx *tx)
{
    if (v->queued == QUEUE_MAX)
        return false;
    char *copy = strdup(hex);
    if (copy == NULL)
        return false;
    memcpy(v->entries[v->queued].payer, tx->sender, 32);
    v->entries[v->queued].amount_micro = tx->body.transfer.amount_micro;
    v->hex[v->queued++] = copy;
    if (!queue_save(v)) {
        free(v->hex[--v->queued]);
        return false;
    }
    return true;
}

static void queue_remove(vend_state *v, size_t i)
{
    free(v->hex[i]);
    memmove(v->hex + i, v->hex + i + 1, (v->queued - i - 1) * sizeof v->hex[0]);
    memmove(v->entries + i, v->entries + i + 1, (v->queued - i - 1) * sizeof v->entries[0]);
    v->queued--;
}

static bool queue_load(vend_state *v)
{
    FILE *f = fopen(v->queue_path, "r");
    if (f == NULL)
        return errno == ENOENT;
    char line[TAP_BYTES_MAX];
    uint8_t raw[1024];
    bool ok = true;
    while (ok && fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        size_t len;
        const char *field;
        wt_tx tx;
        ok = v->queued < QUEUE_MAX && wt_hex_decode_any(raw, &len, sizeof raw, line) == WT_OK &&
             wt_tx_decode(&tx, &field, raw, len) == WT_OK && tx.type == WT_TX_TRANSFER;
        if (ok) {
            memcpy(v->entries[v->queued].payer, tx.sender, 32);
            v->entries[v->queued].amount_micro = tx.body.transfer.amount_micro;
            v->hex[v->queued] = strdup(line);
            ok = v->hex[v->queued++] != NULL;
        }
    }
    fclose(f);
    return ok;
}

/* Offer the queue to the node: committed ones leave it; refused ones are
 * double spends, reported with the customer's address, and leave it too. */
static void queue_drain(vend_state *v)
{
    if (v->queued == 0)
        return;
    static uint8_t raws[QUEUE_MAX][1024];
    const uint8_t *txs[QUEUE_MAX];
    size_t lens[QUEUE_MAX];
    static wt_node_result results[QUEUE_MAX];
    for (size_t i = 0; i < v->queued; i++) {
        wt_err err = wt_hex_decode_any(raws[i], &lens[i], sizeof raws[i], v->hex[i]);
        WT_ASSERT(err == WT_OK);
        txs[i] = raws[i];
    }
    wt_node_error nerr;
    if (wt_node_submit_txs(&v->s->node, &nerr, results, txs, lens, v->queued) != WT_OK)
        return; /* still offline */
    size_t n = v->queued;
    for (size_t i = n; i-- > 0;) {
        const wt_node_result *r = &results[i];
        char txid[65], payer[WT_ADDRESS_CHARS + 1], amount[32];
        wt_hex_encode(txid, r->txid, 32);
        wt_address_encode(payer, v->entries[i].payer);
        wt_decimal_format(amount, sizeof amount, v->entries[i].amount_micro, 6);
        if (r->committed)
            printf("offline payment committed: %s\n", txid);
        else
            printf("DOUBLE SPEND: customer %s did not pay %s U (offline payment %s): %s: %s\n",
                   payer, amount, txid, r->code, r->message);
        queue_remove(v, i);
    }
    fflush(stdout);
    queue_save(v);
}

static void on_tap(vend_state *v, char *line)
{
    line[strcspn(line, "\r\n")] = '\0';
    if (strcmp(line, "cancel") == 0) {
        if (wt_mdb_cancel_session(&v->dev) != WT_OK)
            fprintf(stderr, "wattle %s: no session to cancel\n", CMD);
        else
            printf("session cancelled by the customer\n");
        return;
    }
    size_t len;
    const char *field;
    wt_tx tx;
    if (wt_hex_decode_any(v->raw, &len, sizeof v->raw, line) != WT_OK ||
        wt_tx_decode(&tx, &field, v->raw, len) != WT_OK || tx.type != WT_TX_TRANSFER ||
        memcmp(tx.body.transfer.to, v->machine, 32) != 0 ||
        tx.body.transfer.ref_kind != WT_TX_REF_NONE) {
        fprintf(stderr, "wattle %s: the tap is not a signed transfer to this machine\n", CMD);
        return;
    }
    wt_tx_id_encoded(v->txid, v->raw, len);
    if (!wt_tx_verify(v->s->ctx, &tx, v->txid)) {
        fprintf(stderr, "wattle %s: bad_signature: the tapped payment is not signed\n", CMD);
        return;
    }
    int64_t funds_u = tx.body.transfer.amount_micro / WT_MICRO_PER_UNIT;
    if (funds_u > UINT16_MAX)
        funds_u = UINT16_MAX;
    if (wt_mdb_begin_session(&v->dev, (uint16_t)funds_u) != WT_OK) {
        fprintf(stderr, "wattle %s: the reader is not enabled or a session is open\n", CMD);
        return;
    }
    v->tx = tx;
    v->raw_len = len;
    v->offline = false;
    v->have_payment = true;
    v->submitted = false;
    printf("session: %lld U\n", (long long)funds_u);
    fflush(stdout);
}

static void on_event(vend_state *v, wt_mdb_event ev)
{
    switch (ev) {
    case WT_MDB_EV_VEND_REQUEST: {
        int64_t price_micro = (int64_t)v->dev.vend_price_u * WT_MICRO_PER_UNIT;
        bool ok = v->have_payment && price_micro <= v->tx.body.transfer.amount_micro;
        const char *how = "";
        if (ok) {
            const uint8_t *txs[1] = {v->raw};
            wt_node_result result;
            wt_node_error nerr;
            wt_err err = wt_node_submit_txs(&v->s->node, &nerr, &result, txs, &v->raw_len, 1);
            if (err == WT_OK) {
                ok = result.committed;
                if (!ok)
                    fprintf(stderr, "wattle %s: %s: %s\n", CMD, result.code, result.message);
                v->submitted = ok;
            } else if (v->queue_path != NULL) {
                /* the node cannot be reached: offline acceptance */
                char hex[2 * sizeof v->raw + 1];
                wt_hex_encode(hex, v->raw, v->raw_len);
                ok = price_micro == v->tx.body.transfer.amount_micro &&
                     wt_pos_offline_admit(v->entries, v->queued, v->tx.sender,
                                          v->tx.body.transfer.amount_micro, v->wallet_limit_micro,
                                          v->total_limit_micro) == WT_OK &&
                     queue_add(v, hex, &v->tx);
                v->offline = ok;
                how = ok ? " offline (queued)" : " (node unreachable, offline limits)";
            } else {
                wt_cli_node_error_print(CMD, &nerr);
                ok = false;
            }
        }
        wt_mdb_vend_result(&v->dev, ok);
        printf("vend %u U item %u: %s%s\n", (unsigned)v->dev.vend_price_u,
               (unsigned)v->dev.vend_item, ok ? "approved" : "denied", how);
        break;
    }
    case WT_MDB_EV_VEND_SUCCESS: {
        int64_t price_micro = (int64_t)v->dev.vend_price_u * WT_MICRO_PER_UNIT;
        printf("vend success\n");
        if (v->submitted && v->tx.body.transfer.amount_micro > price_micro)
            refund(v, v->tx.body.transfer.amount_micro - price_micro, "change");
        v->have_payment = false;
        break;
    }
    case WT_MDB_EV_VEND_FAILURE:
        printf("vend failure\n");
        if (v->offline && v->queued > 0) {
            queue_remove(v, v->queued - 1); /* never submitted: nothing to refund */
            queue_save(v);
        }
        if (v->submitted)
            refund(v, v->tx.body.transfer.amount_micro, "vend failed");
        v->have_payment = false;
        break;
    case WT_MDB_EV_SESSION_END:
        printf("session end\n");
        v->have_payment = false;
        break;
    default:
        break;
    }
    fflush(stdout);
}

/* One frame from the VMC (adapter bytes): answer it, act on its event. */
static void handle_frame(vend_state *v, int fd, const uint8_t *bytes, size_t len)
{
    uint16_t words[WT_MDB_FRAME_WORDS_MAX], out[WT_MDB_FRAME_WORDS_MAX];
    size_t wn, on;
    wt_mdb_event ev;
    wt_err err = wt_mdb_adapter_decode(words, WT_MDB_FRAME_WORDS_MAX, &wn, bytes, len);
    if (err == WT_OK)
        err = wt_mdb_handle(&v->dev, out, &on, &ev, words, wn, now_ms());
    if (err == WT_OK) {
        if (on > 0)
            write_words(fd, out, on);
        on_event(v, ev);
    } else if (err != WT_ERR_NOT_FOUND) {
        fprintf(stderr, "wattle %s: %s: frame ignored\n", CMD, wt_errname(err));
    }
}

int wt_pos_vend(int argc, char **argv)
{
    wt_cli_option opts[] = {{"device", false, NULL},
                            {"config", false, NULL},
                            {"taps", false, NULL},
                            {"address", false, NULL},
                            {"offline-queue", false, NULL},
                            {"offline-wallet-limit", false, NULL},
                            {"offline-total-limit", false, NULL},
                            WT_CLI_SIGN_OPTIONS,
                            WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    if (wt_cli_wants_help(argc, argv)) {
        fputs(vend_usage, stdout);
        return 0;
    }
    const char *pos[1];
    size_t npos;
    if (!wt_cli_parse(CMD, argc, argv, 1, opts, n, pos, 0, &npos))
        return 2;
    static char cfg[8][512];
    const char *config = wt_cli_value(opts, n, "config");
    if (config != NULL) {
        int st = config_read(cfg, config);
        if (st != 0)
            return st;
        const char *names[8] = {"device",
                                "key",
                                "taps",
                                "address",
                                "node",
                                "offline-queue",
                                "offline-wallet-limit",
                                "offline-total-limit"};
        for (int i = 0; i < 8; i++)
            for (size_t k = 0; k < n; k++)
                if (strcmp(opts[k].name, names[i]) == 0 && opts[k].value == NULL &&
                    cfg[i][0] != '\0')
                    opts[k].value = cfg[i];
    }
    static wt_cli_session s;
    int status = wt_cli_session_open(&s, CMD, opts, n, true);
    if (status != 0) {
        wt_cli_session_close(&s);
        return status;
    }
    static vend_state v;
    memset(&v, 0, sizeof v);
    v.s = &s;
    memcpy(v.machine, s.key.pubkey, 32);
    const char *address = wt_cli_value(opts, n, "address");
    uint8_t addr = WT_MDB_ADDR_CASHLESS2;
    if (address != NULL && strcmp(address, "0x10") == 0)
        addr = WT_MDB_ADDR_CASHLESS1;
    else if (address != NULL && strcmp(address, "0x60") != 0) {
        fprintf(stderr, "wattle %s: --address is 0x60 (cashless #2) or 0x10 (cashless #1)\n", CMD);
        wt_cli_session_close(&s);
        return 2;
    }
    wt_mdb_init(&v.dev, addr);
    v.queue_path = wt_cli_value(opts, n, "offline-queue");
    const char *lim[2] = {wt_cli_value(opts, n, "offline-wallet-limit"),
                          wt_cli_value(opts, n, "offline-total-limit")};
    int64_t *lim_out[2] = {&v.wallet_limit_micro, &v.total_limit_micro};
    for (int i = 0; i < 2; i++)
        if (lim[i] != NULL && wt_decimal_parse(lim_out[i], lim[i], 6, false) != WT_OK) {
            fprintf(stderr, "wattle %s: the offline limits are U-Coin amounts, not '%s'\n", CMD,
                    lim[i]);
            wt_cli_session_close(&s);
            return 2;
        }
    if (v.queue_path != NULL && !queue_load(&v)) {
        fprintf(stderr, "wattle %s: cannot read the offline queue %s\n", CMD, v.queue_path);
        wt_cli_session_close(&s);
        return 2;
    }
    /* a vend waits on the node: answer well within MDB's response time */
    if (wt_cli_value(opts, n, "timeout-ms") == NULL)
        s.node.timeout_ms = 2000;
    const char *device = wt_cli_value(opts, n, "device");
    int fd = device != NULL ? serial_open(device) : -1;
    if (fd < 0) {
        fprintf(stderr, "wattle %s: --device TTY is required and must open: %s\n", CMD,
                device != NULL ? strerror(errno) : "not given");
        wt_cli_session_close(&s);
        return 2;
    }
    const char *taps = wt_cli_value(opts, n, "taps");
    FILE *tap_file = taps != NULL ? fopen(taps, "r") : stdin;
    if (tap_file == NULL) {
        fprintf(stderr, "wattle %s: cannot open %s: %s\n", CMD, taps, strerror(errno));
        close(fd);
        wt_cli_session_close(&s);
        return 2;
    }
    printf("MDB cashless reader at 0x%02x on %s\n", addr, device);
    fflush(stdout);
    uint8_t buf[1024]; /* frames that arrived back to back while we were busy */
    size_t have = 0;
    int64_t last_byte_ms = 0, last_drain_ms = 0;
    bool taps_open = true;
    char line[TAP_BYTES_MAX];
    size_t line_len = 0;
    for (;;) {
        struct pollfd p[2] = {{fd, POLLIN, 0}, {taps_open ? fileno(tap_file) : -1, POLLIN, 0}};
        int timeout = have > 0 ? FRAME_GAP_MS : 100;
        int rv = poll(p, 2, timeout);
        if (rv < 0 && errno != EINTR)
            break;
        if (p[1].revents & (POLLIN | POLLHUP)) {
            /* read(), not stdio: every complete line is handled now, none
             * waits in a buffer that poll() cannot see */
            ssize_t r = read(fileno(tap_file), line + line_len, sizeof line - 1 - line_len);
            if (r <= 0) {
                taps_open = false;
            } else {
                line_len += (size_t)r;
                char *nl;
                while ((nl = memchr(line, '\n', line_len)) != NULL) {
                    *nl = '\0';
                    on_tap(&v, line);
                    size_t used = (size_t)(nl + 1 - line);
                    memmove(line, nl + 1, line_len - used);
                    line_len -= used;
                }
                if (line_len == sizeof line - 1) {
                    fprintf(stderr, "wattle %s: a tap line is too long: ignored\n", CMD);
                    line_len = 0;
                }
            }
        }
        if (p[0].revents & POLLIN) {
            ssize_t r = read(fd, buf + have, sizeof buf - have);
            if (r > 0) {
                have += (size_t)r;
                last_byte_ms = now_ms();
            }
            if (have == sizeof buf) /* garbage longer than any backlog: drop it */
                have = 0;
        }
        if (p[0].revents & (POLLHUP | POLLERR))
            break;
        wt_mdb_tick(&v.dev, now_ms());
        if (v.queued > 0 && v.dev.state != WT_MDB_VEND && now_ms() - last_drain_ms >= DRAIN_MS) {
            last_drain_ms = now_ms();
            queue_drain(&v);
        }
        /* Frames: split by their structure as soon as they are complete
         * (frames that arrived back to back while we were busy), and the
         * rest after a pause on the line. */
        uint16_t words[sizeof buf / 2];
        size_t wn = have / 2;
        for (size_t i = 0; i < wn; i++)
            words[i] = (uint16_t)(buf[2 * i] << 8 | buf[2 * i + 1]);
        size_t used = 0;
        bool gap = have > 0 && now_ms() - last_byte_ms >= FRAME_GAP_MS;
        while (used < wn) {
            bool bad = false;
            for (size_t i = used; i < wn; i++)
                bad = bad || buf[2 * i] > 1;
            size_t k = bad ? 0 : wt_mdb_frame_split(&v.dev, words + used, wn - used);
            if (k == 0 && !gap)
                break;
            if (k == 0)
                k = wn - used;
            handle_frame(&v, fd, buf + 2 * used, 2 * k);
            used += k;
        }
        if (gap && used == wn && have % 2 == 1) {
            fprintf(stderr, "wattle %s: mdb_frame: a half word ignored\n", CMD);
            have = 2 * wn;
        }
        memmove(buf, buf + 2 * used, have - 2 * used);
        have -= 2 * used;
    }
    if (taps != NULL)
        fclose(tap_file);
    close(fd);
    wt_cli_session_close(&s);
    return 0;
}
