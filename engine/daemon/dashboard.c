/* dashboard.c — the web dashboard at / and the JSON it reads that the other
 * endpoints do not give: the page's files (engine/daemon/web/, compiled into
 * the binary by web/embed.py) with their content type, a Content-Security-
 * Policy and ETag revalidation; GET /v1/stats (the operator's counters as
 * JSON, with transaction rates from a once-a-second sampler); GET and POST
 * /v1/audit (engine.h's auditor, run over one snapshot of the store in a
 * background thread at low priority, periodically and on request); GET
 * /v1/txs (the latest committed transactions); and GET
 * /v1/accounts/{address}/settlements (an account's settlement rows and what
 * they add up to). Nothing here is on the path of a submission: the sampler
 * reads atomic counters, the auditor has its own store handle. */
#include "daemon.h"

#include <errno.h>
#include <stdio.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES_KEPT        64 /* seconds of counters, for the rates */
#define AUDIT_FIRST_DELAY_S 10 /* the first periodic audit, after the start */
#define AUDIT_NICE          10 /* the auditor's threads yield to the node's */
#define TXS_LIMIT_MAX       100
#define ACCOUNT_ROWS_MAX    100
#define TX_BUF_BYTES        4096 /* most transactions fit; larger ones are allocated */

typedef struct {
    int64_t mono_ms;
    uint64_t accepted;
} sample;

struct wt_dash {
    wt_daemon *d;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC; broadcast on stop and on a request */
    _Atomic bool stop;
    pthread_t sampler, auditor;
    bool sampler_started, auditor_started;
    /* under lock */
    sample samples[SAMPLES_KEPT];
    size_t samples_count, samples_next;
    bool audit_requested, audit_running;
    int64_t audit_running_since_ms; /* wall clock */
    int64_t audit_next_mono_ms;     /* the next periodic run; INT64_MAX: none */
    int64_t audit_last_end_mono_ms; /* 0: none yet */
    uint64_t audit_runs;            /* finished (not stopped) */
    bool have_last;
    wt_audit_report last;
    int64_t last_started_ms, last_finished_ms; /* wall clock */
};

static int64_t mono_ms(void)
{
    return wt_monotonic_ns() / 1000000;
}

/* A CLOCK_MONOTONIC deadline at monotonic millisecond `at_ms`. */
static struct timespec deadline_at(int64_t at_ms)
{
    struct timespec ts = {.tv_sec = (time_t)(at_ms / 1000),
                          .tv_nsec = (long)((at_ms % 1000) * 1000000)};
    return ts;
}

/* ------------------------------------------------------------ threads */

static void *sampler_main(void *arg)
{
    struct wt_dash *x = arg;
    pthread_mutex_lock(&x->lock);
    while (!atomic_load(&x->stop)) {
        int64_t now = mono_ms();
        x->samples[x->samples_next] =
            (sample){.mono_ms = now, .accepted = atomic_load(&x->d->metrics.accepted)};
        x->samples_next = (x->samples_next + 1) % SAMPLES_KEPT;
        if (x->samples_count < SAMPLES_KEPT)
            x->samples_count++;
        struct timespec until = deadline_at(now + 1000);
        while (!atomic_load(&x->stop) &&
               pthread_cond_timedwait(&x->wake, &x->lock, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&x->lock);
    return NULL;
}

static void audit_log(const wt_audit_report *r)
{
    if (r->err == WT_OK)
        wt_log(WT_LOG_INFO, "audit", "ok: %llu blocks, %llu transactions, %llu accounts in %.1f s",
               (unsigned long long)r->blocks, (unsigned long long)r->txs,
               (unsigned long long)r->accounts, r->seconds);
    else
        wt_log(WT_LOG_ERROR, "audit", "FAILED: %s", r->what);
}

static void *auditor_main(void *arg)
{
    struct wt_dash *x = arg;
    /* Linux: nice is per thread and the audit's verify workers inherit it */
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), AUDIT_NICE) != 0)
        wt_log(WT_LOG_DEBUG, "audit", "cannot lower the auditor's priority: %s", strerror(errno));
    pthread_mutex_lock(&x->lock);
    while (!atomic_load(&x->stop)) {
        if (!x->audit_requested && mono_ms() < x->audit_next_mono_ms) {
            if (x->audit_next_mono_ms == INT64_MAX) {
                pthread_cond_wait(&x->wake, &x->lock);
            } else {
                struct timespec until = deadline_at(x->audit_next_mono_ms);
                pthread_cond_timedwait(&x->wake, &x->lock, &until);
            }
            continue;
        }
        x->audit_requested = false;
        x->audit_running = true;
        int64_t started_ms = wt_now_ms();
        x->audit_running_since_ms = started_ms;
        pthread_mutex_unlock(&x->lock);

        wt_audit_report *r = malloc(sizeof *r);
        wt_audit_opts opts = {.verify_threads = 1, .stop = &x->stop};
        if (r != NULL) {
            wt_audit_run(x->d->ctx, r, x->d->store_path, &opts);
            if (!atomic_load(&x->stop))
                audit_log(r);
        }

        pthread_mutex_lock(&x->lock);
        x->audit_running = false;
        x->audit_last_end_mono_ms = mono_ms();
        x->audit_next_mono_ms =
            x->d->cfg.audit_every_s > 0
                ? x->audit_last_end_mono_ms + (int64_t)x->d->cfg.audit_every_s * 1000
                : INT64_MAX;
        if (r != NULL && !atomic_load(&x->stop)) { /* a stopped audit says nothing */
            x->last = *r;
            x->have_last = true;
            x->last_started_ms = started_ms;
            x->last_finished_ms = wt_now_ms();
            x->audit_runs++;
        }
        free(r);
    }
    pthread_mutex_unlock(&x->lock);
    return NULL;
}

wt_err wt_dash_start(wt_daemon *d)
{
    struct wt_dash *x = calloc(1, sizeof *x);
    if (x == NULL)
        return WT_ERR_NO_MEMORY;
    x->d = d;
    x->audit_next_mono_ms =
        d->cfg.audit_every_s > 0 ? mono_ms() + AUDIT_FIRST_DELAY_S * 1000 : INT64_MAX;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&x->lock, NULL);
    pthread_cond_init(&x->wake, &ca);
    pthread_condattr_destroy(&ca);
    d->dash = x;
    x->sampler_started = pthread_create(&x->sampler, NULL, sampler_main, x) == 0;
    x->auditor_started =
        x->sampler_started && pthread_create(&x->auditor, NULL, auditor_main, x) == 0;
    return x->auditor_started ? WT_OK : WT_ERR_NO_MEMORY;
}

void wt_dash_stop(wt_daemon *d)
{
    struct wt_dash *x = d->dash;
    if (x == NULL)
        return;
    pthread_mutex_lock(&x->lock);
    atomic_store(&x->stop, true);
    pthread_cond_broadcast(&x->wake);
    pthread_mutex_unlock(&x->lock);
    if (x->sampler_started)
        pthread_join(x->sampler, NULL);
    if (x->auditor_started)
        pthread_join(x->auditor, NULL);
    pthread_cond_destroy(&x->wake);
    pthread_mutex_destroy(&x->lock);
    free(x);
    d->dash = NULL;
}

/* --------------------------------------------------------- the page */

/* Every file: scripts and styles from this origin only, no inline code, no
 * frames, no requests elsewhere. The page polls the JSON API (same origin). */
static const char csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

static bool etag_matches(const char *if_none_match, const char *etag)
{
    if (if_none_match == NULL)
        return false;
    if (strcmp(if_none_match, "*") == 0)
        return true;
    return strstr(if_none_match, etag) != NULL; /* one tag or a list of them */
}

static void send_asset(struct evhttp_request *req, const wt_web_asset *a)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", a->content_type);
    evhttp_add_header(h, "Content-Security-Policy", csp);
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    /* revalidate every time: the ETag (the content's hash) changes with the
     * binary, and an unchanged file costs a 304 */
    evhttp_add_header(h, "Cache-Control", "no-cache");
    evhttp_add_header(h, "ETag", a->etag);
    const char *inm = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
    if (etag_matches(inm, a->etag)) {
        evhttp_send_reply(req, 304, "Not Modified", NULL);
        return;
    }
    if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
        /* libevent would send a body after HEAD's headers: give the length alone */
        char len[24];
        snprintf(len, sizeof len, "%zu", a->len);
        evhttp_add_header(h, "Content-Length", len);
        evhttp_send_reply(req, 200, "OK", NULL);
        return;
    }
    struct evbuffer *out = evbuffer_new();
    if (out == NULL) {
        evhttp_send_reply(req, 503, "Service Unavailable", NULL);
        return;
    }
    evbuffer_add_reference(out, a->data, a->len, NULL, NULL);
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
}

/* ---------------------------------------------------------- /v1/stats */

/* The transactions committed over about window_ms up to now, from the
 * sample closest to that age (under lock), as exact integers: {"txs": N,
 * "ms": M}, a rate of N * 1000 / M per second; null when there is no sample
 * old enough yet (the first half second). */
static json_t *rate_json(const struct wt_dash *x, int64_t now_ms, uint64_t accepted_now,
                         int64_t window_ms)
{
    const sample *best = NULL;
    for (size_t k = 0; k < x->samples_count; k++) {
        const sample *sm = &x->samples[(x->samples_next + SAMPLES_KEPT - 1 - k) % SAMPLES_KEPT];
        if (now_ms - sm->mono_ms > window_ms)
            break;
        best = sm;
    }
    if (best == NULL || now_ms - best->mono_ms < 500)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "txs", json_integer((json_int_t)(accepted_now - best->accepted)));
    json_object_set_new(o, "ms", json_integer(now_ms - best->mono_ms));
    return o;
}

static json_t *audit_json(struct wt_dash *x); /* under lock */

static void get_stats(wt_daemon *d, struct evhttp_request *req)
{
    const wt_chain_params *p = wt_node_params(d->node);
    wt_metrics *m = &d->metrics;
    uint64_t height, interval, seq;
    wt_node_tip(d->node, &height, &interval, &seq);
    uint64_t next = atomic_load(&d->next_interval_seen);
    int64_t now_wall = d->clock(d->clock_arg);
    json_t *o = json_object();
    json_object_set_new(o, "time_ms", json_integer(now_wall));
    json_object_set_new(o, "height", json_integer((json_int_t)height));
    json_object_set_new(o, "ledger_seq", json_integer((json_int_t)seq));
    json_object_set_new(o, "interval_ms", json_integer(p->interval_ms));
    json_object_set_new(o, "next_interval", json_integer((json_int_t)next));
    json_object_set_new(o, "interval_lag",
                        json_integer((json_int_t)wt_interval_due(now_wall, p->interval_ms, next)));
    uint64_t accepted = atomic_load(&m->accepted), rejected_total = 0;
    json_t *by_reason = json_object();
    for (int e = 0; e < WT_ERR_COUNT_; e++) {
        uint64_t n = atomic_load(&m->rejected[e]);
        if (n > 0)
            json_object_set_new(by_reason, wt_errname((wt_err)e), json_integer((json_int_t)n));
        rejected_total += n;
    }
    json_t *t = json_object();
    json_object_set_new(t, "accepted_total", json_integer((json_int_t)accepted));
    json_object_set_new(t, "duplicate_total",
                        json_integer((json_int_t)atomic_load(&m->duplicates)));
    json_object_set_new(t, "rejected_total", json_integer((json_int_t)rejected_total));
    json_object_set_new(t, "rejected_by_reason", by_reason);
    struct wt_dash *x = d->dash;
    int64_t now = mono_ms();
    pthread_mutex_lock(&x->lock);
    json_object_set_new(t, "rate_10s", rate_json(x, now, accepted, 10000));
    json_object_set_new(t, "rate_60s", rate_json(x, now, accepted, 60000));
    json_t *audit = audit_json(x);
    pthread_mutex_unlock(&x->lock);
    json_object_set_new(o, "txs", t);
#define COUNTER(name, field)                                                                       \
    json_object_set_new(o, name, json_integer((json_int_t)atomic_load(&m->field)))
    COUNTER("intervals_closed_total", intervals_closed);
    COUNTER("intervals_late_total", intervals_caught_up);
    COUNTER("settlements_failed_total", settlements_failed);
    COUNTER("http_requests_total", http_requests);
    COUNTER("http_errors_total", http_errors);
    COUNTER("nng_requests_total", nng_requests);
    COUNTER("nng_bad_requests_total", nng_bad_requests);
#undef COUNTER
    json_object_set_new(o, "audit", audit);
    wt_http_send_json(req, 200, o);
}

/* ---------------------------------------------------------- /v1/audit */

static json_t *audit_json(struct wt_dash *x)
{
    const wt_daemon_config *cfg = &x->d->cfg;
    json_t *o = json_object();
    json_object_set_new(o, "state", json_string(x->audit_running ? "running" : "idle"));
    json_object_set_new(o, "running_since_ms",
                        x->audit_running ? json_integer(x->audit_running_since_ms) : json_null());
    json_object_set_new(o, "every_s", json_integer(cfg->audit_every_s));
    json_object_set_new(o, "min_gap_s", json_integer(cfg->audit_min_gap_s));
    json_object_set_new(o, "runs", json_integer((json_int_t)x->audit_runs));
    json_t *next = json_null();
    if (!x->audit_running && x->audit_next_mono_ms != INT64_MAX) {
        int64_t in_ms = x->audit_next_mono_ms - mono_ms();
        next = json_integer(x->d->clock(x->d->clock_arg) + (in_ms > 0 ? in_ms : 0));
    }
    json_object_set_new(o, "next_ms", next);
    if (!x->have_last) {
        json_object_set_new(o, "last", json_null());
        return o;
    }
    const wt_audit_report *r = &x->last;
    json_t *l = json_object();
    json_object_set_new(l, "result", json_string(r->err == WT_OK ? "ok" : "failed"));
    json_object_set_new(l, "code", json_string(wt_errname(r->err)));
    json_object_set_new(l, "message", json_string(r->err == WT_OK ? "every check holds" : r->what));
    json_object_set_new(l, "started_ms", json_integer(x->last_started_ms));
    json_object_set_new(l, "finished_ms", json_integer(x->last_finished_ms));
    json_object_set_new(l, "seconds", json_real(r->seconds));
    /* the blocks verified count the genesis: the last height is one less */
    json_object_set_new(l, "height",
                        r->blocks > 0 ? json_integer((json_int_t)(r->blocks - 1)) : json_null());
    json_object_set_new(l, "blocks", json_integer((json_int_t)r->blocks));
    json_object_set_new(l, "txs", json_integer((json_int_t)r->txs));
    json_object_set_new(l, "open_txs", json_integer((json_int_t)r->open_txs));
    json_object_set_new(l, "accounts", json_integer((json_int_t)r->accounts));
    json_object_set_new(l, "minted_micro", json_integer(r->minted_micro));
    json_object_set_new(l, "burned_micro", json_integer(r->burned_micro));
    json_object_set_new(l, "balances_micro", json_integer(r->balances_micro));
    json_object_set_new(l, "holds_micro", json_integer(r->holds_micro));
    if (r->err != WT_OK) {
        json_object_set_new(l, "bad_height", json_integer((json_int_t)r->bad_height));
        json_object_set_new(l, "bad_seq",
                            r->bad_seq > 0 ? json_integer((json_int_t)r->bad_seq) : json_null());
        json_object_set_new(l, "bad_txid",
                            r->has_bad_txid ? wt_json_hex(r->bad_txid, 32) : json_null());
    }
    json_object_set_new(o, "last", l);
    return o;
}

static void audit_reply(wt_daemon *d, struct evhttp_request *req, bool post)
{
    struct wt_dash *x = d->dash;
    pthread_mutex_lock(&x->lock);
    int status = 200;
    if (post) {
        int64_t since_s = (mono_ms() - x->audit_last_end_mono_ms) / 1000;
        if (!x->audit_running && !x->audit_requested && x->audit_last_end_mono_ms != 0 &&
            since_s < (int64_t)d->cfg.audit_min_gap_s) {
            pthread_mutex_unlock(&x->lock);
            char msg[160];
            snprintf(msg, sizeof msg,
                     "the last audit ended %lld s ago; another may be asked for %u s after it "
                     "([audit] min_gap_s)",
                     (long long)since_s, d->cfg.audit_min_gap_s);
            wt_http_send_error(d, req, 429, WT_ERR_CAPACITY, msg, NULL);
            return;
        }
        if (!x->audit_running) {
            x->audit_requested = true;
            pthread_cond_broadcast(&x->wake);
        }
        status = 202;
    }
    json_t *o = audit_json(x);
    if (post && !x->audit_running) /* asked for: it starts in a moment */
        json_object_set_new(o, "state", json_string("requested"));
    pthread_mutex_unlock(&x->lock);
    wt_http_send_json(req, status, o);
}

/* ------------------------------------------------------------ /v1/txs */

/* One committed transaction as GET /v1/txs/{txid} shows it, except that a
 * READINGS or SETTLE leaves out its array (its "count" says how long it is):
 * a list of the latest must stay small. */
static json_t *tx_summary(const wt_store_tx_info *info, const uint8_t *raw)
{
    json_t *o = json_object();
    json_object_set_new(o, "seq", json_integer((json_int_t)info->seq));
    json_object_set_new(o, "height", json_integer((json_int_t)info->height));
    json_object_set_new(o, "t_ms", json_integer(info->t_ms));
    wt_tx tx;
    const char *field;
    if (wt_tx_decode(&tx, &field, raw, info->raw_len) != WT_OK) {
        json_object_set_new(o, "tx", json_null());
        return o;
    }
    if (tx.type != WT_TX_READINGS && tx.type != WT_TX_SETTLE) {
        json_object_set_new(o, "tx", wt_json_tx(raw, info->raw_len, info->txid));
        return o;
    }
    json_t *t = json_object();
    json_object_set_new(t, "txid", wt_json_hex(info->txid, 32));
    json_object_set_new(t, "type", json_string(wt_tx_type_name(tx.type)));
    json_object_set_new(t, "sender", wt_json_address(tx.sender));
    json_object_set_new(t, "nonce", json_integer((json_int_t)tx.nonce));
    if (tx.type == WT_TX_READINGS) {
        json_object_set_new(t, "interval", json_integer((json_int_t)tx.body.readings.interval));
        json_object_set_new(t, "count", json_integer(tx.body.readings.count));
    } else {
        json_object_set_new(t, "interval", json_integer((json_int_t)tx.body.settle.interval));
        json_object_set_new(t, "count", json_integer(tx.body.settle.count));
    }
    json_object_set_new(o, "tx", t);
    return o;
}

void wt_dash_get_txs(wt_daemon *d, wt_store *store, struct evhttp_request *req,
                     const struct evkeyvalq *q)
{
    uint64_t limit, before;
    if (!wt_http_query_u64(&limit, q, "limit", 20) || limit == 0 || limit > TXS_LIMIT_MAX) {
        wt_http_send_error(d, req, 400, WT_ERR_BAD_NUMBER, "limit is 1..100", "limit");
        return;
    }
    if (!wt_http_query_u64(&before, q, "before_seq", UINT64_MAX)) {
        wt_http_send_error(d, req, 400, WT_ERR_BAD_NUMBER, "before_seq is a decimal seq",
                           "before_seq");
        return;
    }
    uint64_t height, interval, last;
    wt_node_tip(d->node, &height, &interval, &last);
    uint64_t seq = before <= last ? before - 1 : last;
    uint8_t buf[TX_BUF_BYTES];
    json_t *list = json_array();
    bool snapshot = seq > 1 && limit > 1 && wt_store_snapshot_begin(store) == WT_OK;
    for (; seq >= 1 && json_array_size(list) < limit; seq--) {
        wt_store_tx_info info;
        uint8_t *raw = buf, *big = NULL;
        wt_err err = wt_store_tx_by_seq(store, &info, buf, sizeof buf, seq);
        if (err == WT_ERR_BUFFER_TOO_SMALL) {
            raw = big = malloc(info.raw_len);
            err = big == NULL ? WT_ERR_NO_MEMORY
                              : wt_store_tx_by_seq(store, &info, big, info.raw_len, seq);
        }
        if (err == WT_OK)
            json_array_append_new(list, tx_summary(&info, raw));
        free(big);
        if (err != WT_OK && err != WT_ERR_NOT_FOUND) {
            if (snapshot)
                wt_store_snapshot_end(store);
            json_decref(list);
            wt_http_send_error(d, req, err == WT_ERR_NO_MEMORY ? 503 : 500, err, NULL, NULL);
            return;
        }
    }
    if (snapshot)
        wt_store_snapshot_end(store);
    json_t *o = json_object();
    json_object_set_new(o, "last_seq", json_integer((json_int_t)last));
    json_object_set_new(o, "txs", list);
    /* where the next page starts: the oldest listed seq */
    json_object_set_new(o, "next_before_seq",
                        seq >= 1 ? json_integer((json_int_t)(seq + 1)) : json_null());
    wt_http_send_json(req, 200, o);
}

/* ----------------------------------------- /v1/accounts/{a}/settlements */

/* The first row of account key in rows (sorted by account, then zone). */
static size_t rows_lower_bound(const wt_settle_row *rows, size_t count, const uint8_t key[32])
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(rows[mid].account, key, 32) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool row_add(wt_settle_row *sum, const wt_settle_row *r)
{
    bool ok = true;
#define ADD(f) ok = ok && wt_add_i64(&sum->f, sum->f, r->f) == WT_OK
    ADD(import_mwh);
    ADD(export_mwh);
    ADD(bought_p2p_mwh);
    ADD(sold_p2p_mwh);
    ADD(paid_p2p_micro);
    ADD(received_p2p_micro);
    ADD(grid_fee_micro);
    ADD(retail_mwh);
    ADD(retail_micro);
    ADD(feed_in_mwh);
    ADD(feed_in_micro);
    ADD(net_micro);
    ADD(bid_cut_mwh);
    ADD(retail_unpaid_micro);
    ADD(feed_in_unpaid_micro);
#undef ADD
    return ok;
}

static void get_account_settlements(wt_daemon *d, struct evhttp_request *req, const char *text,
                                    const struct evkeyvalq *q)
{
    uint8_t key[32];
    wt_err err = wt_pubkey_parse_text(key, text);
    if (err != WT_OK) {
        wt_http_send_error(d, req, 400, err, "the account is not an address or 64 hex digits",
                           "address");
        return;
    }
    uint64_t limit;
    if (!wt_http_query_u64(&limit, q, "limit", 20) || limit > ACCOUNT_ROWS_MAX) {
        wt_http_send_error(d, req, 400, WT_ERR_BAD_NUMBER, "limit is 0..100", "limit");
        return;
    }
    const wt_chain_params *p = wt_node_params(d->node);
    wt_settle_row sum;
    memset(&sum, 0, sizeof sum);
    memcpy(sum.account, key, 32);
    json_t *rows = json_array();
    uint64_t kept_count = 0, with_rows = 0, oldest = 0, newest = 0;
    bool ok = true;
    pthread_mutex_lock(&d->settlements_lock);
    uint64_t n = wt_daemon_settlement_newest(d);
    for (size_t k = 0; k < WT_SETTLEMENTS_KEPT && ok; k++, n--) {
        const wt_settlement *st = wt_daemon_settlement_kept(d, n);
        if (st != NULL) {
            if (kept_count++ == 0)
                newest = n;
            oldest = n;
            size_t i = rows_lower_bound(st->rows, st->rows_count, key);
            bool any = false;
            for (; i < st->rows_count && memcmp(st->rows[i].account, key, 32) == 0; i++) {
                any = true;
                ok = row_add(&sum, &st->rows[i]);
                if (json_array_size(rows) < limit) {
                    json_t *ro = wt_json_settle_row(p, &st->rows[i]);
                    json_object_set_new(ro, "interval", json_integer((json_int_t)n));
                    json_object_del(ro, "account");
                    json_array_append_new(rows, ro);
                }
            }
            with_rows += any;
        }
        if (n == 0)
            break;
    }
    pthread_mutex_unlock(&d->settlements_lock);
    if (!ok) {
        json_decref(rows);
        wt_http_send_error(d, req, 500, WT_ERR_OVERFLOW, "the totals do not fit in int64", NULL);
        return;
    }
    json_t *totals = wt_json_settle_row(p, &sum);
    json_object_del(totals, "account");
    json_object_del(totals, "zone");
    json_t *o = json_object();
    json_object_set_new(o, "address", wt_json_address(key));
    json_object_set_new(o, "intervals_kept", json_integer((json_int_t)kept_count));
    json_object_set_new(o, "from_interval",
                        kept_count > 0 ? json_integer((json_int_t)oldest) : json_null());
    json_object_set_new(o, "to_interval",
                        kept_count > 0 ? json_integer((json_int_t)newest) : json_null());
    json_object_set_new(o, "intervals_with_rows", json_integer((json_int_t)with_rows));
    json_object_set_new(o, "totals", totals);
    json_object_set_new(o, "rows", rows);
    wt_http_send_json(req, 200, o);
}

/* ------------------------------------------------------------- router */

static void method_not_allowed(wt_daemon *d, struct evhttp_request *req, const char *allow)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
    wt_http_send_error(d, req, 405, WT_ERR_METHOD_NOT_ALLOWED, NULL, NULL);
}

bool wt_dash_route(wt_daemon *d, struct evhttp_request *req, const char *path,
                   const struct evkeyvalq *q)
{
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    bool get = cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD;
    for (size_t i = 0; i < wt_web_assets_count; i++)
        if (strcmp(path, wt_web_assets[i].path) == 0) {
            if (get)
                send_asset(req, &wt_web_assets[i]);
            else
                method_not_allowed(d, req, "GET, HEAD");
            return true;
        }
    if (strcmp(path, "/v1/stats") == 0) {
        if (get)
            get_stats(d, req);
        else
            method_not_allowed(d, req, "GET, HEAD");
        return true;
    }
    if (strcmp(path, "/v1/audit") == 0) {
        if (get || cmd == EVHTTP_REQ_POST)
            audit_reply(d, req, cmd == EVHTTP_REQ_POST);
        else
            method_not_allowed(d, req, "GET, HEAD, POST");
        return true;
    }
    static const char accounts[] = "/v1/accounts/", suffix[] = "/settlements";
    size_t n = strlen(path), a = sizeof accounts - 1, s = sizeof suffix - 1;
    if (n > a + s && strncmp(path, accounts, a) == 0 && strcmp(path + n - s, suffix) == 0) {
        char text[128];
        size_t len = n - a - s;
        if (len >= sizeof text || memchr(path + a, '/', len) != NULL)
            return false;
        memcpy(text, path + a, len);
        text[len] = '\0';
        if (get)
            get_account_settlements(d, req, text, q);
        else
            method_not_allowed(d, req, "GET, HEAD");
        return true;
    }
    return false;
}
