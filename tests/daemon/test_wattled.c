/* test_wattled.c — wattled as a process (integration): each test makes a
 * chain with the built `wattle chain init`, starts its own daemon on free
 * loopback ports, talks to it over HTTP and nng, and stops it.
 * argv[1] = wattled, argv[2] = wattle. */
#include "proc.h"
#include "settle.h"
#include "testutil.h"
#include "wallet.h"
#include "wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <nng/nng.h>
#include <pthread.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHAIN_ID 4242u

static const char *wattled_path, *wattle_path;

typedef struct {
    char tmp[64]; /* mkdtemp's directory */
    char dir[96]; /* the chain directory in it */
    int http_port;
    char listen_url[64], pub_url[64];
    wt_wattled d;    /* the daemon; same ports on every start */
    char notify[96]; /* NOTIFY_SOCKET for the daemon, when set */
    wt_ctx *ctx;
    wt_seckey issuer, alice, bob;
    uint64_t issuer_nonce, alice_nonce, bob_nonce;
} fx;

static void run_or_fail(char *const argv[])
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Run argv with stdout into path; its exit status (-1 when it did not exit). */
static int run_to_file(char *const argv[], const char *path)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0)
            _exit(126);
        dup2(fd, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *read_all(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap * 2 + 8192;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t got = fread(buf + len, 1, 4096, fp);
        len += got;
        if (got == 0)
            break;
    }
    fclose(fp);
    buf[len] = '\0';
    return buf;
}

/* ------------------------------------------------------------------ HTTP */

typedef struct {
    int status;
    char *body;
    size_t body_len;
} http_reply;

/* One request over a fresh connection; false when nobody answers. */
static bool http_try(fx *f, http_reply *r, const char *method, const char *path, const char *body,
                     size_t body_len)
{
    memset(r, 0, sizeof *r);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)f->http_port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return false;
    }
    char head[512];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                     method, path, body_len);
    assert_true(n > 0 && (size_t)n < sizeof head);
    bool ok = write(fd, head, (size_t)n) == n;
    size_t off = 0;
    while (ok && off < body_len) {
        ssize_t w = write(fd, body + off, body_len - off);
        if (w <= 0)
            break; /* the server may refuse an oversized body early */
        off += (size_t)w;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        if (len + 1 == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        ssize_t got = read(fd, buf + len, cap - len - 1);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    buf[len] = '\0';
    if (sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1) {
        free(buf);
        return false;
    }
    char *sep = strstr(buf, "\r\n\r\n");
    assert_non_null(sep);
    r->body_len = len - (size_t)(sep + 4 - buf);
    r->body = malloc(r->body_len + 1);
    memcpy(r->body, sep + 4, r->body_len + 1);
    free(buf);
    return true;
}

/* GET/POST expecting `status`; returns the parsed JSON body. */
static json_t *http_json(fx *f, const char *method, const char *path, const char *body, int status)
{
    http_reply r;
    assert_true(http_try(f, &r, method, path, body, body != NULL ? strlen(body) : 0));
    if (r.status != status)
        fprintf(stderr, "%s %s -> %d %s\n", method, path, r.status, r.body);
    assert_int_equal(r.status, status);
    json_error_t e;
    json_t *doc = json_loads(r.body, 0, &e);
    if (doc == NULL)
        fprintf(stderr, "not JSON: %s\n", r.body);
    assert_non_null(doc);
    free(r.body);
    return doc;
}

static void expect_error(fx *f, const char *method, const char *path, const char *body, int status,
                         const char *code)
{
    json_t *doc = http_json(f, method, path, body, status);
    json_t *err = json_object_get(doc, "error");
    assert_true(json_is_object(err));
    assert_string_equal(json_string_value(json_object_get(err, "code")), code);
    assert_true(json_is_string(json_object_get(err, "message")));
    json_decref(doc);
}

static int64_t jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_integer(v));
    return (int64_t)json_integer_value(v);
}

/* -------------------------------------------------------------- daemon */

/* Add settings to the chain's wattled.ini (a later value of a key wins). */
static void ini_append(fx *f, const char *text)
{
    char path[160];
    snprintf(path, sizeof path, "%s/wattled.ini", f->dir);
    FILE *fp = fopen(path, "a");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void daemon_start(fx *f)
{
    if (f->d.exe[0] == '\0') {
        assert_int_equal(wt_wattled_init(&f->d, wattled_path, f->dir), 0);
        f->http_port = f->d.http_port;
        snprintf(f->listen_url, sizeof f->listen_url, "%s", f->d.nng_url);
        snprintf(f->pub_url, sizeof f->pub_url, "%s", f->d.pub_url);
    }
    f->d.log_level = "info";
    f->d.notify_socket = f->notify[0] != '\0' ? f->notify : NULL;
    assert_int_equal(wt_wattled_start(&f->d, NULL), 0);
}

/* Stop with sig; SIGTERM must end cleanly with status 0. */
static void daemon_stop(fx *f, int sig)
{
    if (sig == SIGTERM) {
        assert_true(wt_wattled_stop_clean(&f->d));
    } else {
        int status = wt_wattled_stop(&f->d, sig);
        assert_true(status != -1 && WIFSIGNALED(status));
    }
}

static void key_from_label(fx *f, wt_seckey *key, const char *label)
{
    uint8_t secret[32];
    wt_tagged_hash(secret, "wattle/test-key", (const uint8_t *)label, strlen(label));
    assert_int_equal(wt_seckey_from_bytes(f->ctx, key, secret), WT_OK);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->tmp, sizeof f->tmp, "/tmp/wattled-test-XXXXXX");
    assert_non_null(mkdtemp(f->tmp));
    char chain[96];
    snprintf(chain, sizeof chain, "%s/chain", f->tmp);
    const char *init[] = {"--chain-id",    "4242", "--zones", "campus:10",
                          "--interval-ms", "1000", NULL};
    assert_int_equal(wt_chain_init(wattle_path, chain, init), 0);
    snprintf(f->dir, sizeof f->dir, "%s", chain);
    /* a small body limit so the oversized-body test stays small; settlement
     * far behind (no SETTLE transactions interleave with the seqs these
     * tests expect) unless a test asks for it */
    ini_append(f, "\n[http]\nbody_max = 65536\n[nng]\nworkers = 8\n[market]\n"
                  "settle_delay_intervals = 1000\n");
    assert_int_equal(wt_ctx_create(&f->ctx), WT_OK);
    char path[160];
    snprintf(path, sizeof path, "%s/issuer.key", f->dir);
    assert_int_equal(wt_keyfile_load(f->ctx, &f->issuer, path, NULL, 0), WT_OK);
    key_from_label(f, &f->alice, "alice");
    key_from_label(f, &f->bob, "bob");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    wt_wattled_stop(&f->d, SIGKILL);
    assert_int_equal(wt_proc_rmtree(f->tmp), 0);
    wt_ctx_destroy(f->ctx);
    free(f);
    return 0;
}

/* ---------------------------------------------------------- transactions */

typedef struct {
    uint8_t raw[1024]; /* small transactions only */
    size_t len;
    uint8_t txid[32];
    char hex[2 * 1024 + 1];
} signed_tx;

static void sign(fx *f, signed_tx *out, wt_tx *tx, const wt_seckey *key)
{
    const char *field = NULL;
    memcpy(tx->sender, key->pubkey, 32);
    tx->expiry_ms = wt_now_ms() + 600000;
    assert_int_equal(wt_tx_sign(f->ctx, out->txid, tx, key), WT_OK);
    assert_int_equal(wt_tx_encode(out->raw, sizeof out->raw, &out->len, &field, tx), WT_OK);
    assert_true(out->len * 2 < sizeof out->hex);
    wt_hex_encode(out->hex, out->raw, out->len);
}

static void tx_mint(fx *f, signed_tx *out, const wt_seckey *to, int64_t amount)
{
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_MINT);
    tx.chain_id = CHAIN_ID;
    tx.nonce = ++f->issuer_nonce;
    memcpy(tx.body.mint.to, to->pubkey, 32);
    tx.body.mint.amount_micro = amount;
    sign(f, out, &tx, &f->issuer);
}

static void tx_transfer(fx *f, signed_tx *out, const wt_seckey *from, uint64_t *nonce,
                        const wt_seckey *to, int64_t amount, uint32_t chain_id)
{
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_TRANSFER);
    tx.chain_id = chain_id;
    tx.nonce = ++*nonce;
    memcpy(tx.body.transfer.to, to->pubkey, 32);
    tx.body.transfer.amount_micro = amount;
    assert_int_equal(wt_memo_set(&tx.body.transfer.memo, "coffee"), WT_OK);
    sign(f, out, &tx, from);
}

static void tx_burn(fx *f, signed_tx *out, int64_t amount)
{
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_BURN);
    tx.chain_id = CHAIN_ID;
    tx.nonce = ++f->issuer_nonce;
    tx.body.burn.amount_micro = amount;
    sign(f, out, &tx, &f->issuer);
}

/* POST /v1/txs with one transaction; returns its result object (owned). */
static json_t *http_submit(fx *f, const signed_tx *t)
{
    char *body = malloc(strlen(t->hex) + 32);
    sprintf(body, "{\"txs\":[\"%s\"]}", t->hex);
    json_t *doc = http_json(f, "POST", "/v1/txs", body, 200);
    free(body);
    json_t *results = json_object_get(doc, "results");
    assert_int_equal(json_array_size(results), 1);
    json_t *r = json_incref(json_array_get(results, 0));
    json_decref(doc);
    return r;
}

/* nng REQ round trip of raw request bytes; returns the reply (nng_free). */
static uint8_t *nng_roundtrip(fx *f, size_t *reply_len, const uint8_t *req, size_t req_len)
{
    nng_socket s;
    assert_int_equal(nng_req0_open(&s), 0);
    assert_int_equal(nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 10000), 0);
    assert_int_equal(nng_dial(s, f->listen_url, NULL, 0), 0);
    assert_int_equal(nng_send(s, (void *)req, req_len, 0), 0);
    uint8_t *buf = NULL;
    assert_int_equal(nng_recv(s, &buf, reply_len, NNG_FLAG_ALLOC), 0);
    nng_close(s);
    return buf;
}

static void nng_submit(fx *f, wt_wire_result *results, const signed_tx *const *txs, size_t n)
{
    const uint8_t *raws[8];
    size_t lens[8];
    assert_true(n <= 8);
    for (size_t i = 0; i < n; i++) {
        raws[i] = txs[i]->raw;
        lens[i] = txs[i]->len;
    }
    uint8_t req[8 * (1024 + 4) + 8];
    size_t req_len;
    assert_int_equal(wt_wire_request_encode(req, sizeof req, &req_len, raws, lens, n), WT_OK);
    size_t reply_len;
    uint8_t *reply = nng_roundtrip(f, &reply_len, req, req_len);
    size_t count;
    /* the texts point into the reply; keep it (a small leak per call would
     * trip LeakSanitizer, so copy the statuses out and free) */
    wt_wire_result tmp[8];
    assert_int_equal(wt_wire_reply_decode(tmp, 8, &count, reply, reply_len), WT_OK);
    assert_int_equal(count, n);
    static char codes[8][64];
    for (size_t i = 0; i < n; i++) {
        results[i] = tmp[i];
        snprintf(codes[i], sizeof codes[i], "%.*s", (int)tmp[i].code_len, tmp[i].code);
        results[i].code = codes[i];
        results[i].field = NULL;
        results[i].field_len = 0;
    }
    nng_free(reply, reply_len);
}

static json_t *get_account(fx *f, const wt_seckey *key)
{
    char addr[WT_ADDRESS_CHARS + 1], path[160];
    wt_address_encode(addr, key->pubkey);
    snprintf(path, sizeof path, "/v1/accounts/%s", addr);
    return http_json(f, "GET", path, NULL, 200);
}

static int64_t balance(fx *f, const wt_seckey *key)
{
    json_t *a = get_account(f, key);
    int64_t b = jint(a, "balance_micro");
    json_decref(a);
    return b;
}

static json_t *get_tx(fx *f, const uint8_t txid[32])
{
    char hex[65], path[128];
    wt_hex_encode(hex, txid, 32);
    snprintf(path, sizeof path, "/v1/txs/%s", hex);
    return http_json(f, "GET", path, NULL, 200);
}

/* ----------------------------------------------------------------- tests */

/* A mint over HTTP, a transfer and a burn over nng: each visible over HTTP
 * (accounts, tx status) and as acct/ events on the PUB socket. */
static void test_mint_transfer_burn(void **state)
{
    fx *f = *state;
    daemon_start(f);
    /* subscribe to bob's account events before anything happens */
    nng_socket sub;
    char bob_addr[WT_ADDRESS_CHARS + 1], topic[80];
    wt_address_encode(bob_addr, f->bob.pubkey);
    snprintf(topic, sizeof topic, "acct/%s", bob_addr);
    assert_int_equal(nng_sub0_open(&sub), 0);
    assert_int_equal(nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, topic, strlen(topic)), 0);
    assert_int_equal(nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 5000), 0);
    assert_int_equal(nng_dial(sub, f->pub_url, NULL, 0), 0);
    wt_proc_sleep_ms(200); /* let the subscription reach the publisher */

    signed_tx mint, transfer, burn;
    tx_mint(f, &mint, &f->alice, 5000000);
    json_t *r = http_submit(f, &mint);
    assert_string_equal(json_string_value(json_object_get(r, "status")), "committed");
    assert_false(json_is_true(json_object_get(r, "duplicate")));
    assert_int_equal(jint(r, "seq"), 1);
    json_decref(r);
    assert_int_equal(balance(f, &f->alice), 5000000);

    tx_transfer(f, &transfer, &f->alice, &f->alice_nonce, &f->bob, 1250000, CHAIN_ID);
    const signed_tx *one[] = {&transfer};
    wt_wire_result wr[1];
    nng_submit(f, wr, one, 1);
    assert_int_equal(wr[0].status, WT_WIRE_COMMITTED);
    assert_string_equal(wr[0].code, "ok");
    assert_int_equal(wr[0].seq, 2);
    assert_memory_equal(wr[0].txid, transfer.txid, 32);
    assert_int_equal(balance(f, &f->alice), 3750000);
    assert_int_equal(balance(f, &f->bob), 1250000);

    /* bob's terminal sees the payment */
    char *msg = NULL;
    size_t msg_len = 0;
    assert_int_equal(nng_recv(sub, &msg, &msg_len, NNG_FLAG_ALLOC), 0);
    assert_true(msg_len > strlen(topic) && memcmp(msg, topic, strlen(topic)) == 0);
    assert_int_equal(msg[strlen(topic)], '\n');
    json_t *ev = json_loadb(msg + strlen(topic) + 1, msg_len - strlen(topic) - 1, 0, NULL);
    assert_non_null(ev);
    assert_int_equal(jint(ev, "amount_micro"), 1250000);
    assert_string_equal(json_string_value(json_object_get(ev, "type")), "transfer");
    assert_string_equal(json_string_value(json_object_get(ev, "to")), bob_addr);
    assert_string_equal(json_string_value(json_object_get(ev, "memo")), "coffee");
    json_decref(ev);
    nng_free(msg, msg_len);
    nng_close(sub);

    /* the issuer mints to itself and burns part of it */
    signed_tx self_mint;
    tx_mint(f, &self_mint, &f->issuer, 700000);
    tx_burn(f, &burn, 200000);
    const signed_tx *two[] = {&self_mint, &burn};
    wt_wire_result wr2[2];
    nng_submit(f, wr2, two, 2);
    assert_int_equal(wr2[0].status, WT_WIRE_COMMITTED);
    assert_int_equal(wr2[1].status, WT_WIRE_COMMITTED);
    assert_int_equal(balance(f, &f->issuer), 500000);

    /* every one is "committed" by txid, with its seq */
    json_t *t = get_tx(f, burn.txid);
    assert_string_equal(json_string_value(json_object_get(t, "status")), "committed");
    assert_int_equal(jint(t, "seq"), 4);
    assert_string_equal(json_string_value(json_object_get(json_object_get(t, "tx"), "type")),
                        "burn");
    json_decref(t);
    json_t *a = get_account(f, &f->alice);
    assert_int_equal(jint(a, "nonce"), 1);
    json_t *txs = json_object_get(a, "txs");
    assert_int_equal(json_array_size(txs), 2); /* the mint and the transfer, newest first */
    assert_int_equal(jint(json_array_get(txs, 0), "seq"), 2);
    json_decref(a);
    json_t *chain = http_json(f, "GET", "/v1/chain", NULL, 200);
    assert_int_equal(jint(chain, "chain_id"), CHAIN_ID);
    assert_int_equal(jint(chain, "interval_ms"), 1000);
    json_t *market = json_object_get(chain, "market");
    assert_string_equal(json_string_value(json_object_get(market, "mechanism")), "pay-as-clear");
    assert_int_equal(jint(market, "k_ppm"), 500000);
    json_decref(chain);
    json_t *book = http_json(f, "GET", "/v1/markets/campus/book", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(book, "bids")), 0);
    json_decref(book);
    daemon_stop(f, SIGTERM);
}

/* An acknowledged transaction survives a SIGKILL right after the ack. */
static void test_ack_is_durable(void **state)
{
    fx *f = *state;
    daemon_start(f);
    signed_tx mint;
    tx_mint(f, &mint, &f->bob, 999);
    const signed_tx *one[] = {&mint};
    wt_wire_result wr[1];
    nng_submit(f, wr, one, 1);
    assert_int_equal(wr[0].status, WT_WIRE_COMMITTED);
    daemon_stop(f, SIGKILL);
    daemon_start(f);
    json_t *t = get_tx(f, mint.txid);
    assert_string_equal(json_string_value(json_object_get(t, "status")), "committed");
    assert_int_equal(jint(t, "seq"), (int64_t)wr[0].seq);
    json_decref(t);
    assert_int_equal(balance(f, &f->bob), 999);
    /* and the resubmission answers as a duplicate with the original seq */
    nng_submit(f, wr, one, 1);
    assert_int_equal(wr[0].status, WT_WIRE_DUPLICATE);
    assert_int_equal(wr[0].seq, 1);
    daemon_stop(f, SIGTERM);
}

/* Blocks 1.. close consecutive intervals, from the genesis interval on,
 * across a stop and a restart that missed intervals (caught up). */
static void check_intervals(fx *f, int64_t *last_interval, int64_t *txs_total)
{
    json_t *doc = http_json(f, "GET", "/v1/blocks?from=0&limit=1000", NULL, 200);
    json_t *blocks = json_object_get(doc, "blocks");
    size_t n = json_array_size(blocks);
    assert_true(n >= 2);
    int64_t prev = jint(json_array_get(blocks, 0), "interval"); /* genesis opens its interval */
    *txs_total = 0;
    for (size_t i = 1; i < n; i++) {
        json_t *b = json_array_get(blocks, i);
        assert_int_equal(jint(b, "height"), (int64_t)i);
        int64_t want = i == 1 ? prev : prev + 1;
        if (jint(b, "interval") != want)
            fprintf(stderr, "block %zu closes interval %lld, expected %lld\n", i,
                    (long long)jint(b, "interval"), (long long)want);
        assert_int_equal(jint(b, "interval"), want);
        *txs_total += jint(b, "tx_count");
        prev = want;
    }
    *last_interval = prev;
    json_decref(doc);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void test_restart_no_interval_lost(void **state)
{
    fx *f = *state;
    char ini[160];
    snprintf(ini, sizeof ini, "%s/wattled.ini", f->dir);
    FILE *fp = fopen(ini, "a");
    assert_non_null(fp);
    fputs("[market]\nsettle_delay_intervals = 1\n", fp); /* settle as in production */
    fclose(fp);
    daemon_start(f);
    signed_tx m1, m2;
    tx_mint(f, &m1, &f->alice, 10);
    json_t *r = http_submit(f, &m1);
    json_decref(r);
    wt_proc_sleep_ms(2300);
    daemon_stop(f, SIGTERM);
    wt_proc_sleep_ms(2200); /* at least two intervals end while it is down */
    daemon_start(f);
    tx_mint(f, &m2, &f->alice, 20);
    r = http_submit(f, &m2);
    json_decref(r);
    wt_proc_sleep_ms(1500);
    int64_t last, txs;
    check_intervals(f, &last, &txs);
    int64_t now_interval = wt_now_ms() / 1000;
    assert_true(last >= now_interval - 2); /* caught up to the clock */
    assert_true(txs >= 1);                 /* m1 is sealed; m2 may still be open */
    assert_int_equal(balance(f, &f->alice), 30);

    /* the operator's SETTLEs: one per interval from genesis's on, none
     * twice, none missing, up to the interval before the last closed one */
    json_t *chain = http_json(f, "GET", "/v1/chain", NULL, 200);
    char path[160];
    snprintf(path, sizeof path, "/v1/accounts/%s",
             json_string_value(json_object_get(chain, "operator")));
    json_decref(chain);
    json_t *blocks = http_json(f, "GET", "/v1/blocks/0", NULL, 200);
    int64_t genesis_interval = jint(blocks, "interval");
    json_decref(blocks);
    json_t *op = http_json(f, "GET", path, NULL, 200);
    json_t *list = json_object_get(op, "txs");
    int64_t settled[32];
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(list) && n < 32; i++) {
        json_t *t = json_array_get(list, i);
        if (strcmp(json_string_value(json_object_get(t, "type")), "settle") != 0)
            continue;
        uint8_t txid[32];
        assert_int_equal(wt_hex_decode(txid, 32, json_string_value(json_object_get(t, "txid"))),
                         WT_OK);
        json_t *full = get_tx(f, txid);
        settled[n++] = jint(json_object_get(full, "tx"), "interval");
        json_decref(full);
    }
    bool complete = json_array_size(list) < 20; /* the listing keeps the newest 20 */
    json_decref(op);
    assert_true(n >= 3);
    qsort(settled, n, sizeof settled[0], cmp_i64);
    if (complete)
        assert_int_equal(settled[0], genesis_interval);
    for (size_t i = 1; i < n; i++)
        assert_int_equal(settled[i], settled[i - 1] + 1);
    assert_true(settled[n - 1] >= last - 1);
    daemon_stop(f, SIGTERM);
}

/* Bad input on every path: the documented error, nothing changed, still
 * serving. */
static void test_bad_input(void **state)
{
    fx *f = *state;
    daemon_start(f);
    signed_tx mint;
    tx_mint(f, &mint, &f->alice, 1000);
    json_t *r = http_submit(f, &mint);
    json_decref(r);
    json_t *before = get_account(f, &f->alice);
    json_t *chain_before = http_json(f, "GET", "/healthz", NULL, 200);

    /* HTTP */
    expect_error(f, "POST", "/v1/txs", "{\"txs\": [", 400, "bad_json");
    expect_error(f, "POST", "/v1/txs", "[1,2]", 400, "bad_request");
    expect_error(f, "POST", "/v1/txs", "{\"txs\":[]}", 400, "bad_request");
    expect_error(f, "POST", "/v1/txs", "{\"txs\":[42]}", 400, "bad_request");
    expect_error(f, "POST", "/v1/txs", "{\"txs\":[\"zz\"]}", 400, "bad_hex");
    expect_error(f, "POST", "/v1/txs", "{\"txs\":[\"abc\"]}", 400, "bad_length");
    size_t big_len = 100000;
    char *big = malloc(big_len + 1);
    memset(big, ' ', big_len);
    memcpy(big, "{\"txs\":[\"", 9);
    big[big_len - 3] = '"';
    big[big_len - 2] = ']';
    big[big_len - 1] = '}';
    big[big_len] = '\0';
    expect_error(f, "POST", "/v1/txs", big, 413, "too_large");
    free(big);
    /* headers over [http] headers_max (8 KiB): libevent's own refusal (413
     * for a request whose header outgrows the limit) or, when the reset of
     * the connection (closed with the rest unread) beats the reply, no
     * answer at all; never a 200, and the daemon keeps serving */
    size_t pad_len = 16384;
    char *pad = malloc(pad_len + 16);
    memcpy(pad, "X-Pad: ", 7);
    memset(pad + 7, 'a', pad_len);
    memcpy(pad + 7 + pad_len, "\r\n", 3);
    wt_proc_reply big_head;
    int big_rc =
        wt_proc_http(&big_head, "127.0.0.1", f->http_port, "GET", "/healthz", pad, NULL, 5000);
    free(pad);
    if (big_rc == 0) {
        if (big_head.status != 413 && big_head.status != 400)
            fail_msg("a 16 KiB header got HTTP %d", big_head.status);
        wt_proc_reply_free(&big_head);
    }
    json_decref(http_json(f, "GET", "/healthz", NULL, 200));
    expect_error(f, "GET", "/v1/nothing", NULL, 404, "not_found");
    expect_error(f, "PUT", "/v1/txs", NULL, 405, "method_not_allowed"); /* GET lists */
    expect_error(f, "DELETE", "/v1/chain", NULL, 405, "method_not_allowed");
    expect_error(f, "POST", "/v1/accounts/x", "{}", 405, "method_not_allowed");
    expect_error(f, "GET", "/v1/accounts/uc1notanaddress", NULL, 400, "bad_character");
    expect_error(f, "GET", "/v1/txs/1234", NULL, 400, "bad_hex");
    expect_error(f, "GET", "/v1/blocks/12x", NULL, 400, "bad_number");
    expect_error(f, "GET", "/v1/blocks/999999", NULL, 404, "not_found");
    expect_error(f, "GET", "/v1/blocks?limit=0", NULL, 400, "bad_number");
    expect_error(f, "GET", "/v1/markets/nowhere/book", NULL, 404, "unknown_zone");

    /* transactions that decode but must be refused */
    signed_tx bad_sig, wrong_chain, overdraw;
    tx_transfer(f, &bad_sig, &f->alice, &f->alice_nonce, &f->bob, 10, CHAIN_ID);
    f->alice_nonce--;
    bad_sig.raw[bad_sig.len - 1] ^= 1;
    wt_hex_encode(bad_sig.hex, bad_sig.raw, bad_sig.len);
    r = http_submit(f, &bad_sig);
    assert_string_equal(json_string_value(json_object_get(r, "status")), "rejected");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "code")),
                        "bad_signature");
    json_decref(r);
    tx_transfer(f, &wrong_chain, &f->alice, &f->alice_nonce, &f->bob, 10, CHAIN_ID + 1);
    f->alice_nonce--;
    const signed_tx *one[] = {&wrong_chain};
    wt_wire_result wr[1];
    nng_submit(f, wr, one, 1);
    assert_int_equal(wr[0].status, WT_WIRE_REJECTED);
    assert_string_equal(wr[0].code, "wrong_chain");
    tx_transfer(f, &overdraw, &f->alice, &f->alice_nonce, &f->bob, 5000, CHAIN_ID);
    f->alice_nonce--;
    one[0] = &overdraw;
    nng_submit(f, wr, one, 1);
    assert_int_equal(wr[0].status, WT_WIRE_REJECTED);
    assert_string_equal(wr[0].code, "insufficient_funds");
    json_t *t = get_tx(f, overdraw.txid);
    assert_string_equal(json_string_value(json_object_get(t, "status")), "rejected");
    json_decref(t);
    /* a replay of the committed mint: its original result, nothing applied */
    r = http_submit(f, &mint);
    assert_string_equal(json_string_value(json_object_get(r, "status")), "committed");
    assert_true(json_is_true(json_object_get(r, "duplicate")));
    assert_int_equal(jint(r, "seq"), 1);
    json_decref(r);

    /* nng: malformed requests get WTE1 */
    static const uint8_t garbage[] = {'W', 'T', 'X', '1', 0, 0, 0, 2, 0, 0, 0, 1};
    size_t reply_len;
    uint8_t *reply = nng_roundtrip(f, &reply_len, garbage, sizeof garbage);
    const char *text;
    size_t text_len;
    assert_int_equal(wt_wire_error_decode(&text, &text_len, reply, reply_len), WT_OK);
    nng_free(reply, reply_len);
    reply = nng_roundtrip(f, &reply_len, (const uint8_t *)"hello", 5);
    assert_int_equal(wt_wire_error_decode(&text, &text_len, reply, reply_len), WT_OK);
    nng_free(reply, reply_len);

    /* nothing changed, still serving */
    json_t *after = get_account(f, &f->alice);
    assert_int_equal(jint(after, "balance_micro"), jint(before, "balance_micro"));
    assert_int_equal(jint(after, "nonce"), jint(before, "nonce"));
    assert_int_equal(balance(f, &f->bob), 0);
    json_decref(after);
    json_decref(before);
    json_decref(chain_before);
    json_t *t2 = get_tx(f, mint.txid);
    assert_int_equal(jint(t2, "seq"), 1);
    json_decref(t2);
    http_reply m;
    assert_true(http_try(f, &m, "GET", "/metrics", NULL, 0));
    assert_int_equal(m.status, 200);
    assert_non_null(strstr(m.body, "wattle_txs_accepted_total 1\n"));
    assert_non_null(strstr(m.body, "wattle_txs_rejected_total{reason=\"bad_signature\"} 1\n"));
    assert_non_null(strstr(m.body, "wattle_ledger_seq 1\n"));
    free(m.body);
    daemon_stop(f, SIGTERM);
}

/* ------------------------------------------------------------ settlement */

/* Submit an operator transaction built by `fill`, with the operator's
 * current nonce (the daemon's SETTLEs use the same key: retry on a race). */
static void submit_as(fx *f, wt_tx *tx, const wt_seckey *key)
{
    for (int attempt = 0; attempt < 10; attempt++) {
        json_t *a = get_account(f, key);
        tx->nonce = (uint64_t)jint(a, "nonce") + 1;
        json_decref(a);
        signed_tx st;
        sign(f, &st, tx, key);
        json_t *r = http_submit(f, &st);
        const char *status = json_string_value(json_object_get(r, "status"));
        bool ok = strcmp(status, "committed") == 0;
        const char *code =
            ok ? "ok" : json_string_value(json_object_get(json_object_get(r, "error"), "code"));
        bool retry = !ok && strcmp(code, "bad_nonce") == 0;
        if (!ok && !retry)
            fprintf(stderr, "rejected: %s\n", code);
        json_decref(r);
        if (ok)
            return;
        assert_true(retry);
    }
    fail_msg("the operator's nonce kept moving");
}

static json_t *find_row(json_t *rows, const wt_seckey *key)
{
    char addr[WT_ADDRESS_CHARS + 1];
    wt_address_encode(addr, key->pubkey);
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *r = json_array_get(rows, i);
        if (strcmp(json_string_value(json_object_get(r, "account")), addr) == 0)
            return r;
    }
    fail_msg("no settlement row for %s", addr);
    return NULL;
}

/* Two households with standing prices and metered energy: the daemon
 * settles the interval on its own (SETTLE by the operator), the payments
 * show in balances, in /v1/settlements (JSON and CSV), in clearings and as a
 * clear/ event, and the ledger audits clean afterwards. */
static void test_settlement_end_to_end(void **state)
{
    fx *f = *state;
    ini_append(f, "[market]\nsettle_delay_intervals = 2\n"); /* the later value wins */
    char path[160];
    wt_seckey op, gateway;
    snprintf(path, sizeof path, "%s/operator.key", f->dir);
    assert_int_equal(wt_keyfile_load(f->ctx, &op, path, NULL, 0), WT_OK);
    key_from_label(f, &gateway, "gateway");
    daemon_start(f);
    nng_socket sub;
    assert_int_equal(nng_sub0_open(&sub), 0);
    assert_int_equal(nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, "clear/campus", 12), 0);
    assert_int_equal(nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 8000), 0);
    assert_int_equal(nng_dial(sub, f->pub_url, NULL, 0), 0);

    wt_tx tx;
    wt_tx_init(&tx, WT_TX_REGISTER);
    tx.chain_id = CHAIN_ID;
    tx.body.reg.kind = WT_TX_REGISTER_GATEWAY;
    memcpy(tx.body.reg.u.gateway.key, gateway.pubkey, 32);
    submit_as(f, &tx, &op);
    const char *ids[2] = {"m-alice", "m-bob"};
    const wt_seckey *owners[2] = {&f->alice, &f->bob};
    for (int i = 0; i < 2; i++) {
        wt_tx_init(&tx, WT_TX_REGISTER);
        tx.chain_id = CHAIN_ID;
        tx.body.reg.kind = WT_TX_REGISTER_METER;
        assert_int_equal(wt_meter_id_set(&tx.body.reg.u.meter.meter_id, ids[i]), WT_OK);
        memcpy(tx.body.reg.u.meter.owner, owners[i]->pubkey, 32);
        memcpy(tx.body.reg.u.meter.gateway, gateway.pubkey, 32);
        submit_as(f, &tx, &op);
    }
    signed_tx mint;
    tx_mint(f, &mint, &f->bob, 1000000000); /* 1,000 U */
    json_decref(http_submit(f, &mint));
    /* alice sells at 80 U/kWh or more, bob buys at 120 U/kWh or less */
    wt_tx_init(&tx, WT_TX_STANDING);
    tx.chain_id = CHAIN_ID;
    tx.body.standing.flags = WT_STANDING_HAS_SELL_MIN;
    tx.body.standing.sell_min_micro_per_kwh = 80000000;
    submit_as(f, &tx, &f->alice);
    wt_tx_init(&tx, WT_TX_STANDING);
    tx.chain_id = CHAIN_ID;
    tx.body.standing.flags = WT_STANDING_HAS_BUY_MAX;
    tx.body.standing.buy_max_micro_per_kwh = 120000000;
    submit_as(f, &tx, &f->bob);

    /* the interval that starts next: wait for its end, then its readings */
    uint64_t n = (uint64_t)(wt_now_ms() / 1000) + 1;
    while (wt_now_ms() < ((int64_t)n + 1) * 1000 + 20)
        wt_proc_sleep_ms(10);
    wt_reading e[2];
    memset(e, 0, sizeof e);
    assert_int_equal(wt_meter_id_set(&e[0].meter_id, "m-alice"), WT_OK);
    e[0].export_mwh = 2000000; /* 2 kWh */
    assert_int_equal(wt_meter_id_set(&e[1].meter_id, "m-bob"), WT_OK);
    e[1].import_mwh = 3000000;
    wt_tx_init(&tx, WT_TX_READINGS);
    tx.chain_id = CHAIN_ID;
    tx.body.readings.interval = n;
    tx.body.readings.count = 2;
    tx.body.readings.entries = e;
    submit_as(f, &tx, &gateway);

    /* the daemon settles n when n + 2 closes */
    char spath[96];
    snprintf(spath, sizeof spath, "/v1/settlements/%llu", (unsigned long long)n);
    json_t *st = NULL;
    for (int i = 0; i < 100 && st == NULL; i++) {
        http_reply r;
        assert_true(http_try(f, &r, "GET", spath, NULL, 0));
        if (r.status == 200)
            st = json_loads(r.body, 0, NULL);
        else
            assert_int_equal(r.status, 404);
        free(r.body);
        if (st == NULL)
            wt_proc_sleep_ms(100);
    }
    assert_non_null(st);
    json_t *rows = json_object_get(st, "rows");
    json_t *ra = find_row(rows, &f->alice), *rb = find_row(rows, &f->bob);
    assert_int_equal(jint(ra, "export_mwh"), 2000000);
    assert_int_equal(jint(ra, "sold_p2p_mwh"), 2000000);
    assert_int_equal(jint(rb, "import_mwh"), 3000000);
    assert_int_equal(jint(rb, "bought_p2p_mwh"), 2000000);
    assert_int_equal(jint(rb, "retail_mwh"), 1000000);
    assert_int_equal(jint(rb, "retail_micro"), 150000000);  /* 1 kWh at 150 U */
    assert_int_equal(jint(rb, "grid_fee_micro"), 20000000); /* 2 kWh at 10 U */
    int64_t paid = jint(rb, "paid_p2p_micro");
    assert_int_equal(jint(ra, "received_p2p_micro"), paid);
    /* the price lies between alice's 80 and bob's 120 less the 10 U fee */
    assert_true(paid >= 160000000 && paid <= 220000000);
    assert_int_equal(jint(st, "volume_mwh"), 2000000);
    json_decref(st);
    assert_int_equal(balance(f, &f->alice), paid);
    assert_int_equal(balance(f, &f->bob), 1000000000 - paid - 20000000 - 150000000);

    /* clearings and the clear/ event of interval n */
    json_t *cl = http_json(f, "GET", "/v1/markets/campus/clearings?limit=50", NULL, 200);
    json_t *list = json_object_get(cl, "clearings");
    bool seen = false;
    for (size_t i = 0; i < json_array_size(list); i++)
        if (jint(json_array_get(list, i), "interval") == (int64_t)n) {
            assert_int_equal(jint(json_array_get(list, i), "volume_mwh"), 2000000);
            seen = true;
        }
    assert_true(seen);
    json_decref(cl);
    seen = false;
    for (int i = 0; i < 20 && !seen; i++) {
        char *msg = NULL;
        size_t len = 0;
        if (nng_recv(sub, &msg, &len, NNG_FLAG_ALLOC) != 0)
            break;
        json_t *ev = json_loadb(msg + 13, len - 13, 0, NULL);
        assert_non_null(ev);
        seen = jint(ev, "interval") == (int64_t)n && jint(ev, "volume_mwh") == 2000000;
        json_decref(ev);
        nng_free(msg, len);
    }
    assert_true(seen);
    nng_close(sub);
    /* CSV: DESIGN.md's header, one line per row */
    http_reply csv;
    char cpath[128];
    snprintf(cpath, sizeof cpath, "%s?format=csv", spath);
    assert_true(http_try(f, &csv, "GET", cpath, NULL, 0));
    assert_int_equal(csv.status, 200);
    assert_true(strncmp(csv.body, "interval,account,zone,import_mwh", 32) == 0);
    size_t lines = 0;
    for (const char *c = csv.body; *c; c++)
        lines += *c == '\n';
    assert_true(lines >= 3);
    http_reply js;
    assert_true(http_try(f, &js, "GET", spath, NULL, 0));
    assert_int_equal(js.status, 200);
    daemon_stop(f, SIGTERM);

    /* after a restart the settlement is rebuilt from the ledger: the same
     * JSON and CSV, byte for byte */
    daemon_start(f);
    http_reply js2, csv2;
    assert_true(http_try(f, &js2, "GET", spath, NULL, 0));
    assert_int_equal(js2.status, 200);
    assert_string_equal(js2.body, js.body);
    assert_true(http_try(f, &csv2, "GET", cpath, NULL, 0));
    assert_int_equal(csv2.status, 200);
    assert_string_equal(csv2.body, csv.body);
    free(js.body);
    free(js2.body);
    free(csv2.body);
    daemon_stop(f, SIGTERM);
    wt_seckey_wipe(&op);

    /* the whole ledger, SETTLEs included, audits clean */
    char db[160];
    snprintf(db, sizeof db, "%s/ledger.db", f->dir);
    char *audit[] = {(char *)wattle_path, "audit", "--db", db, "--quiet", (char *)NULL};
    run_or_fail(audit);

    /* wattle settlements: interval n from the ledger alone is what the node
     * served, byte for byte; every interval settled holds n's rows too; a
     * range with nothing settled is the header alone; bad ranges are refused */
    char nt[24], far[24], out[200];
    snprintf(nt, sizeof nt, "%llu", (unsigned long long)n);
    snprintf(far, sizeof far, "%llu", (unsigned long long)n + 1000000);
    snprintf(out, sizeof out, "%s/settlements.csv", f->dir);
    char *one[] = {(char *)wattle_path, "settlements", "--db", db, "--from", nt, "--to", nt,
                   "--quiet",           (char *)NULL};
    assert_int_equal(run_to_file(one, out), 0);
    char *text = read_all(out);
    assert_string_equal(text, csv.body);
    free(text);
    char *all[] = {(char *)wattle_path, "settlements", "--db", db, "--quiet", (char *)NULL};
    assert_int_equal(run_to_file(all, out), 0);
    text = read_all(out);
    const char *first_row = strchr(csv.body, '\n') + 1;
    assert_non_null(strstr(text, first_row));
    assert_true(strncmp(text, "interval,account,zone,import_mwh", 32) == 0);
    assert_null(strstr(text + 1, "interval,account")); /* one header */
    free(text);
    char *none[] = {(char *)wattle_path, "settlements", "--db", db, "--from", far,
                    "--quiet",           (char *)NULL};
    assert_int_equal(run_to_file(none, out), 0);
    text = read_all(out);
    assert_string_equal(text, WT_SETTLE_CSV_HEADER "\n");
    free(text);
    char *bad[] = {(char *)wattle_path, "settlements", "--db", db, "--from", far, "--to", nt,
                   (char *)NULL};
    assert_int_equal(run_to_file(bad, out), 2);
    char *worse[] = {(char *)wattle_path, "settlements", "--db", db, "--from", "-3", (char *)NULL};
    assert_int_equal(run_to_file(worse, out), 2);
    free(csv.body);
}

/* sd_notify: READY=1 once serving, STOPPING=1 on SIGTERM, as datagrams to
 * $NOTIFY_SOCKET; and an nng request announcing too many transactions. */
static void test_notify_and_nng_limits(void **state)
{
    fx *f = *state;
    snprintf(f->notify, sizeof f->notify, "%s/notify.sock", f->tmp);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", f->notify);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    daemon_start(f);
    char buf[64];
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, "READY=1");

    /* count 4097 > 4096: refused with an error reply, the daemon serves on */
    uint8_t req[8] = {'W', 'T', 'X', '1', 0, 0, 0x10, 0x01};
    size_t reply_len;
    uint8_t *reply = nng_roundtrip(f, &reply_len, req, sizeof req);
    const char *text;
    size_t text_len;
    assert_int_equal(wt_wire_error_decode(&text, &text_len, reply, reply_len), WT_OK);
    assert_true(text_len >= 9 && memcmp(text, "too_large", 9) == 0);
    nng_free(reply, reply_len);
    json_decref(http_json(f, "GET", "/healthz", NULL, 200));

    daemon_stop(f, SIGTERM);
    n = recv(fd, buf, sizeof buf - 1, 0);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, "STOPPING=1");
    close(fd);
}

/* More clients at once than REP contexts, and one worker thread: every
 * client is answered (a context takes the next request once its reply is
 * out), every transfer committed, and the daemon still stops cleanly. Half
 * the clients send one transfer (checked on nng's thread, answered by the
 * sequencer), half a batch of CROWD_BATCH (more than the daemon handles
 * inline: the worker takes it and answers it). */
#define CROWD       12
#define CROWD_BATCH 6

typedef struct {
    const char *url;
    const signed_tx *txs;
    size_t count;
    pthread_barrier_t *start;
    int sent, received; /* nng results, 0 when it worked */
    size_t answered;    /* results in the reply */
    wt_wire_status status[CROWD_BATCH];
    uint64_t seq[CROWD_BATCH];
} crowd_client;

static void *crowd_main(void *arg)
{
    crowd_client *c = arg;
    nng_socket s;
    uint8_t req[CROWD_BATCH * (1024 + 4) + 16];
    size_t req_len = 0;
    const uint8_t *raws[CROWD_BATCH];
    size_t lens[CROWD_BATCH];
    for (size_t i = 0; i < c->count; i++) {
        raws[i] = c->txs[i].raw;
        lens[i] = c->txs[i].len;
    }
    c->sent = c->received = -1;
    bool ok = nng_req0_open(&s) == 0;
    ok = ok && nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 20000) == 0;
    ok = ok && nng_dial(s, c->url, NULL, 0) == 0;
    ok = ok && wt_wire_request_encode(req, sizeof req, &req_len, raws, lens, c->count) == WT_OK;
    pthread_barrier_wait(c->start);
    if (!ok)
        return NULL;
    c->sent = nng_send(s, req, req_len, 0);
    uint8_t *reply = NULL;
    size_t reply_len = 0;
    if (c->sent == 0)
        c->received = nng_recv(s, &reply, &reply_len, NNG_FLAG_ALLOC);
    wt_wire_result r[CROWD_BATCH];
    if (c->received != 0 ||
        wt_wire_reply_decode(r, CROWD_BATCH, &c->answered, reply, reply_len) != WT_OK)
        c->answered = 0;
    for (size_t i = 0; i < c->answered; i++) {
        c->status[i] = (wt_wire_status)r[i].status;
        c->seq[i] = r[i].seq;
    }
    if (reply != NULL)
        nng_free(reply, reply_len);
    nng_close(s);
    return NULL;
}

static void test_more_clients_than_contexts(void **state)
{
    fx *f = *state;
    ini_append(f, "[nng]\nworkers = 1\ncontexts = 3\n");
    daemon_start(f);
    static wt_seckey payer[CROWD];
    static signed_tx mint[CROWD], pay[CROWD][CROWD_BATCH];
    uint64_t nonce[CROWD] = {0};
    int64_t expect = 0;
    size_t transfers = 0;
    for (int i = 0; i < CROWD; i++) {
        char label[32];
        snprintf(label, sizeof label, "payer-%d", i);
        key_from_label(f, &payer[i], label);
        tx_mint(f, &mint[i], &payer[i], 1000000);
        const signed_tx *one[] = {&mint[i]};
        wt_wire_result wr[1];
        nng_submit(f, wr, one, 1);
        assert_int_equal(wr[0].status, WT_WIRE_COMMITTED);
        size_t n = i % 2 == 0 ? 1 : CROWD_BATCH;
        for (size_t k = 0; k < n; k++) {
            tx_transfer(f, &pay[i][k], &payer[i], &nonce[i], &f->bob, 1000 + i, CHAIN_ID);
            expect += 1000 + i;
        }
        transfers += n;
    }
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, CROWD + 1);
    pthread_t th[CROWD];
    static crowd_client c[CROWD];
    for (int i = 0; i < CROWD; i++) {
        c[i] = (crowd_client){.url = f->listen_url,
                              .txs = pay[i],
                              .count = i % 2 == 0 ? 1 : CROWD_BATCH,
                              .start = &start};
        assert_int_equal(pthread_create(&th[i], NULL, crowd_main, &c[i]), 0);
    }
    pthread_barrier_wait(&start);
    bool seqs[CROWD * CROWD_BATCH + 1] = {false};
    for (int i = 0; i < CROWD; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(c[i].sent, 0);
        assert_int_equal(c[i].received, 0);
        assert_int_equal(c[i].answered, c[i].count);
        for (size_t k = 0; k < c[i].count; k++) {
            assert_int_equal(c[i].status[k], WT_WIRE_COMMITTED);
            /* after the CROWD mints, each at its own place; a batch in order */
            uint64_t seq = c[i].seq[k];
            assert_true(seq > CROWD && seq <= CROWD + transfers);
            assert_false(seqs[seq - CROWD]);
            seqs[seq - CROWD] = true;
            if (k > 0)
                assert_int_equal(seq, c[i].seq[k - 1] + 1);
        }
    }
    pthread_barrier_destroy(&start);
    assert_int_equal(balance(f, &f->bob), expect);
    daemon_stop(f, SIGTERM);
}

/* The operator role moves to another key: the daemon can neither settle nor
 * seal any more; it says so, retries about once a second (no busy loop),
 * keeps serving, and still stops cleanly. */
static void test_operator_moved(void **state)
{
    fx *f = *state;
    char path[160];
    ini_append(f, "[market]\nsettle_delay_intervals = 0\n");
    wt_seckey op;
    snprintf(path, sizeof path, "%s/operator.key", f->dir);
    assert_int_equal(wt_keyfile_load(f->ctx, &op, path, NULL, 0), WT_OK);
    daemon_start(f);
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_REGISTER);
    tx.chain_id = CHAIN_ID;
    tx.body.reg.kind = WT_TX_REGISTER_ROLE;
    tx.body.reg.u.role.role = WT_TX_ROLE_OPERATOR;
    memcpy(tx.body.reg.u.role.key, f->bob.pubkey, 32);
    submit_as(f, &tx, &op);
    wt_seckey_wipe(&op);
    json_t *h = http_json(f, "GET", "/healthz", NULL, 200);
    int64_t height = jint(h, "height");
    json_decref(h);
    wt_proc_sleep_ms(3000);
    h = http_json(f, "GET", "/healthz", NULL, 200);
    assert_true(jint(h, "height") <= height + 1); /* at most the block closed meanwhile */
    json_decref(h);
    http_reply m;
    assert_true(http_try(f, &m, "GET", "/metrics", NULL, 0));
    const char *line = strstr(m.body, "\nwattle_settlements_failed_total ");
    assert_non_null(line);
    long failed = strtol(line + strlen("\nwattle_settlements_failed_total "), NULL, 10);
    if (!(failed >= 1 && failed <= 6)) {
        fprintf(stderr, "settlements failed: %ld\n", failed);
        char cmd[160];
        snprintf(cmd, sizeof cmd, "cat '%s/wattled.log' >&2", f->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "(no log)\n");
    }
    assert_true(failed >= 1 && failed <= 6); /* about one a second, not a spin */
    free(m.body);
    signed_tx mint;
    tx_mint(f, &mint, &f->alice, 5);
    json_t *r = http_submit(f, &mint); /* transactions are still taken */
    assert_string_equal(json_string_value(json_object_get(r, "status")), "committed");
    json_decref(r);
    daemon_stop(f, SIGTERM);
}

/* --help, a bad flag, a bad ini value. */
static void test_command_line(void **state)
{
    fx *f = *state;
    char *help[] = {(char *)wattled_path, "--help", (char *)NULL};
    run_or_fail(help);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
        execl(wattled_path, wattled_path, "--data", f->dir, "--interval-ms", "5000", (char *)NULL);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 2); /* not the chain's interval */
    pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
        execl(wattled_path, wattled_path, "--data", f->dir, "--bogus", (char *)NULL);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 2);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s WATTLED WATTLE\n", argv[0]);
        return 2;
    }
    wattled_path = argv[1];
    wattle_path = argv[2];
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_command_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mint_transfer_burn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_is_durable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_no_interval_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settlement_end_to_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notify_and_nng_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_operator_moved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_more_clients_than_contexts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
