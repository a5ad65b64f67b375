/* main.c — wattled: configuration, the node, the interval clock on libevent,
 * signals and sd_notify; the servers are in nng.c and http.c. */
#include "daemon.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- metrics */

const double wt_metrics_latency_bounds_s[WT_METRICS_LATENCY_BUCKETS] = {
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};

void wt_metrics_observe(_Atomic uint64_t *buckets, _Atomic uint64_t *count,
                        _Atomic uint64_t *sum_us, int64_t elapsed_us)
{
    if (elapsed_us < 0)
        elapsed_us = 0;
    size_t b = 0;
    /* bounds in µs, integers: compare without floating point */
    static const int64_t bounds_us[WT_METRICS_LATENCY_BUCKETS] = {
        500, 1000, 2000, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000};
    while (b < WT_METRICS_LATENCY_BUCKETS && elapsed_us > bounds_us[b])
        b++;
    atomic_fetch_add(&buckets[b], 1);
    atomic_fetch_add(count, 1);
    atomic_fetch_add(sum_us, (uint64_t)elapsed_us);
}

void wt_metrics_results(wt_metrics *m, const wt_submit_result *results, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (results[i].err == WT_OK) {
            if (results[i].duplicate)
                atomic_fetch_add(&m->duplicates, 1);
            else
                atomic_fetch_add(&m->accepted, 1);
        } else if ((unsigned)results[i].err < WT_ERR_COUNT_) {
            atomic_fetch_add(&m->rejected[results[i].err], 1);
        }
    }
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ------------------------------------------------------------- submitting */

static void remember_rejected(wt_daemon *d, const wt_submit_result *r)
{
    static const uint8_t zero[32];
    if (memcmp(r->txid, zero, 32) == 0)
        return; /* did not decode: no txid to look up */
    pthread_mutex_lock(&d->rejected_lock);
    wt_rejected_entry *e = &d->rejected[d->rejected_next];
    d->rejected_next = (d->rejected_next + 1) % WT_REJECTED_RING;
    memcpy(e->txid, r->txid, 32);
    e->err = r->err;
    e->field = r->field;
    e->used = true;
    pthread_mutex_unlock(&d->rejected_lock);
}

bool wt_daemon_rejected_find(wt_daemon *d, wt_rejected_entry *entry, const uint8_t txid[32])
{
    bool found = false;
    pthread_mutex_lock(&d->rejected_lock);
    for (size_t i = 0; i < WT_REJECTED_RING && !found; i++)
        if (d->rejected[i].used && memcmp(d->rejected[i].txid, txid, 32) == 0) {
            *entry = d->rejected[i];
            found = true;
        }
    pthread_mutex_unlock(&d->rejected_lock);
    return found;
}

static json_t *address_json(const uint8_t key[32])
{
    char addr[WT_ADDRESS_CHARS + 1];
    wt_address_encode(addr, key);
    return json_string(addr);
}

static json_t *hex_json(const uint8_t *data, size_t len)
{
    char hex[2 * 64 + 1];
    WT_ASSERT(len <= 64);
    wt_hex_encode(hex, data, len);
    return json_string(hex);
}

/* Index a committed tx under its accounts, then (when anyone subscribes)
 * publish acct/<address> for its sender and its receiver. */
static void publish_accounts(wt_daemon *d, const uint8_t *raw, size_t raw_len,
                             const wt_submit_result *r)
{
    wt_tx tx;
    const char *field;
    if (wt_tx_decode(&tx, &field, raw, raw_len) != WT_OK)
        return;
    const uint8_t *to = NULL;
    int64_t amount = 0;
    wt_acct_index_add_tx(d->accounts, &tx, r->seq, r->t_ms);
    if (!wt_nng_has_subscribers(d))
        return;
    const wt_memo *memo = NULL;
    if (tx.type == WT_TX_TRANSFER) {
        to = tx.body.transfer.to;
        amount = tx.body.transfer.amount_micro;
        memo = &tx.body.transfer.memo;
    } else if (tx.type == WT_TX_MINT) {
        to = tx.body.mint.to;
        amount = tx.body.mint.amount_micro;
        memo = &tx.body.mint.memo;
    } else if (tx.type == WT_TX_BURN) {
        amount = tx.body.burn.amount_micro;
        memo = &tx.body.burn.memo;
    }
    json_t *body = json_object();
    json_object_set_new(body, "txid", hex_json(r->txid, 32));
    json_object_set_new(body, "seq", json_integer((json_int_t)r->seq));
    json_object_set_new(body, "height", json_integer((json_int_t)r->height));
    json_object_set_new(body, "type", json_string(wt_tx_type_name(tx.type)));
    json_object_set_new(body, "amount_micro", json_integer(amount));
    json_object_set_new(body, "from", address_json(tx.sender));
    json_object_set_new(body, "to", to != NULL ? address_json(to) : json_null());
    json_object_set_new(body, "memo",
                        memo != NULL ? json_stringn((const char *)memo->bytes, memo->len)
                                     : json_null());
    char topic[8 + WT_ADDRESS_CHARS + 1];
    char addr[WT_ADDRESS_CHARS + 1];
    wt_address_encode(addr, tx.sender);
    snprintf(topic, sizeof topic, "acct/%s", addr);
    wt_nng_publish(d, topic, body);
    if (to != NULL && memcmp(to, tx.sender, 32) != 0) {
        wt_address_encode(addr, to);
        snprintf(topic, sizeof topic, "acct/%s", addr);
        wt_nng_publish(d, topic, body);
    }
    json_decref(body);
}

wt_err wt_daemon_submit(wt_daemon *d, wt_submit_result *results, const uint8_t *const *raws,
                        const size_t *raw_lens, size_t count)
{
    int64_t started_us = mono_us();
    wt_err err = wt_node_submit(d->node, results, raws, raw_lens, count);
    if (err == WT_OK)
        wt_daemon_submit_finish(d, started_us, results, raws, raw_lens, count);
    return err;
}

wt_err wt_daemon_submit_start(wt_daemon *d, int64_t *started_us, wt_submit_result *results,
                              const uint8_t *const *raws, const size_t *raw_lens, size_t count,
                              wt_node_done_fn done, void *done_arg)
{
    *started_us = mono_us();
    return wt_node_submit_async(d->node, results, raws, raw_lens, count, done, done_arg);
}

void wt_daemon_submit_finish(wt_daemon *d, int64_t started_us, const wt_submit_result *results,
                             const uint8_t *const *raws, const size_t *raw_lens, size_t count)
{
    wt_metrics_observe(d->metrics.commit_buckets, &d->metrics.commit_count,
                       &d->metrics.commit_sum_us, mono_us() - started_us);
    wt_metrics_results(&d->metrics, results, count);
    for (size_t i = 0; i < count; i++) {
        if (results[i].err == WT_ERR_RATE_LIMITED)
            continue; /* not a verdict on the transaction: it may come again */
        if (results[i].err != WT_OK)
            remember_rejected(d, &results[i]);
        else if (!results[i].duplicate)
            publish_accounts(d, raws[i], raw_lens[i], &results[i]);
    }
}

json_t *wt_json_block(const wt_block_header *h)
{
    uint8_t hash[32];
    wt_block_hash(hash, h);
    json_t *o = json_object();
    json_object_set_new(o, "height", json_integer((json_int_t)h->height));
    json_object_set_new(o, "hash", hex_json(hash, 32));
    json_object_set_new(o, "prev_hash", hex_json(h->prev_hash, 32));
    json_object_set_new(o, "time_ms", json_integer(h->time_ms));
    json_object_set_new(o, "interval", json_integer((json_int_t)h->interval));
    json_object_set_new(o, "tx_count", json_integer(h->tx_count));
    json_object_set_new(o, "merkle_root", hex_json(h->merkle_root, 32));
    json_object_set_new(o, "state_hash", hex_json(h->state_hash, 32));
    json_object_set_new(o, "operator", address_json(h->operator_key));
    json_object_set_new(o, "signature", hex_json(h->signature, 64));
    return o;
}

/* ---------------------------------------------------------------- notify */

/* sd_notify without libsystemd: one datagram to $NOTIFY_SOCKET. */
static void sd_notify_send(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (path == NULL || path[0] == '\0')
        return;
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    size_t n = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || n >= sizeof sa.sun_path)
        return;
    memcpy(sa.sun_path, path, n);
    if (path[0] == '@')
        sa.sun_path[0] = '\0'; /* abstract namespace */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
        wt_log(WT_LOG_WARN, "wattled", "sd_notify: %s", strerror(errno));
    close(fd);
}

/* ---------------------------------------------------------- the interval clock */

typedef struct {
    wt_daemon *d;
    struct event_base *base;
    struct event *tick;
} loop_ctx;

/* Keep st (ownership passes) for HTTP, replacing the one it displaces. */
static void keep_settlement(wt_daemon *d, wt_settlement *st)
{
    size_t slot = (size_t)(st->interval % WT_SETTLEMENTS_KEPT);
    pthread_mutex_lock(&d->settlements_lock);
    wt_settlement *old = d->settlements[slot];
    d->settlements[slot] = st;
    pthread_mutex_unlock(&d->settlements_lock);
    wt_settlement_free(old);
}

/* The node's replay at start hands back the recent settlements it rebuilt
 * from the ledger: kept as if just made, so a restart loses none of them. */
static void keep_replayed_settlement(void *arg, wt_settlement *st)
{
    wt_daemon *d = arg;
    d->settlements_replayed++;
    keep_settlement(d, st);
}

/* Settle every interval up to `upto` not yet settled: false when one fails
 * (it is retried at the next tick; the interval clock waits for it, so no
 * interval is skipped). */
static bool settle_upto(wt_daemon *d, uint64_t upto)
{
    while (d->next_settle <= upto) {
        uint64_t n = d->next_settle;
        wt_settlement *st = NULL;
        wt_submit_result res;
        int64_t t0 = mono_us();
        wt_err err = wt_node_settle(d->node, &st, &res, n);
        if (err != WT_OK) {
            atomic_fetch_add(&d->metrics.settlements_failed, 1);
            wt_log(WT_LOG_ERROR, "wattled", "settling interval %llu failed: %s (%s)",
                   (unsigned long long)n, wt_errname(err), res.field ? res.field : "-");
            return false;
        }
        wt_metrics_observe(d->metrics.settle_buckets, &d->metrics.settle_count,
                           &d->metrics.settle_sum_us, mono_us() - t0);
        wt_metrics_results(&d->metrics, &res, 1);
        const wt_chain_params *p = &d->params;
        for (size_t z = 0; z < st->zones_count && z < p->zones_count; z++) {
            json_t *ev = json_object();
            json_object_set_new(ev, "zone", json_string(p->zones[z].name));
            json_object_set_new(ev, "interval", json_integer((json_int_t)n));
            json_object_set_new(ev, "price_micro_per_kwh",
                                json_integer(st->zones[z].price_micro_per_kwh));
            json_object_set_new(ev, "volume_mwh", json_integer(st->zones[z].volume_mwh));
            json_object_set_new(ev, "trades", json_integer((json_int_t)st->zones[z].trades_count));
            char topic[16 + WT_ZONE_NAME_BYTES_MAX];
            snprintf(topic, sizeof topic, "clear/%s", p->zones[z].name);
            wt_nng_publish(d, topic, ev);
            json_decref(ev);
        }
        wt_log(st->legs_count > 0 ? WT_LOG_INFO : WT_LOG_DEBUG, "wattled",
               "settled interval %llu: %lld mWh at %lld µU/kWh, %u legs (seq %llu)",
               (unsigned long long)n, (long long)st->volume_mwh, (long long)st->price_micro_per_kwh,
               st->legs_count, (unsigned long long)res.seq);
        /* the operator (sender) and every account a leg touches */
        wt_tx stx;
        memset(&stx, 0, sizeof stx);
        stx.type = WT_TX_SETTLE;
        memcpy(stx.sender, d->params.operator_key, 32);
        stx.body.settle.count = st->legs_count;
        stx.body.settle.legs = st->legs;
        wt_acct_index_add_tx(d->accounts, &stx, res.seq, res.t_ms);
        keep_settlement(d, st);
        d->next_settle = n + 1;
    }
    return true;
}

/* Close every interval that has ended, at most `limit`; returns how many are
 * still due. Closing interval m settles interval m - settle_delay (and any
 * earlier one not yet settled), then seals m's block. */
static uint64_t close_due(wt_daemon *d, bool *failed, uint64_t limit)
{
    *failed = false;
    int64_t now_ms = d->clock(d->clock_arg);
    uint64_t due = wt_interval_due(now_ms, d->params.interval_ms, d->next_interval);
    if (due > 1)
        wt_log(WT_LOG_WARN, "wattled",
               "behind the clock: %llu intervals have ended unclosed; closing them one by one "
               "from interval %llu",
               (unsigned long long)due, (unsigned long long)d->next_interval);
    uint64_t done = 0;
    while (done < due && done < limit) {
        uint64_t m = d->next_interval;
        if (m >= d->cfg.settle_delay && !settle_upto(d, m - d->cfg.settle_delay)) {
            *failed = true;
            break;
        }
        wt_block_header h;
        int64_t t0 = mono_us();
        wt_err err = wt_node_seal_interval(d->node, &h, d->next_interval);
        if (err != WT_OK) {
            wt_log(WT_LOG_ERROR, "wattled", "closing interval %llu failed: %s (retrying)",
                   (unsigned long long)d->next_interval, wt_errname(err));
            *failed = true;
            break;
        }
        wt_metrics_observe(d->metrics.seal_buckets, &d->metrics.seal_count, &d->metrics.seal_sum_us,
                           mono_us() - t0);
        atomic_fetch_add(&d->metrics.intervals_closed, 1);
        if (due > 1)
            atomic_fetch_add(&d->metrics.intervals_caught_up, 1);
        wt_log(due > 1 ? WT_LOG_INFO : WT_LOG_DEBUG, "wattled",
               "closed interval %llu: block %llu with %u transactions%s",
               (unsigned long long)d->next_interval, (unsigned long long)h.height, h.tx_count,
               due > 1 ? " (late)" : "");
        json_t *ev = json_object();
        uint8_t hash[32];
        wt_block_hash(hash, &h);
        json_object_set_new(ev, "height", json_integer((json_int_t)h.height));
        json_object_set_new(ev, "hash", hex_json(hash, 32));
        json_object_set_new(ev, "tx_count", json_integer(h.tx_count));
        json_object_set_new(ev, "time_ms", json_integer(h.time_ms));
        json_object_set_new(ev, "interval", json_integer((json_int_t)d->next_interval));
        wt_nng_publish(d, "block", ev);
        json_decref(ev);
        d->next_interval++;
        atomic_store(&d->next_interval_seen, d->next_interval);
        done++;
    }
    return due - done;
}

#define RETRY_MS 1000 /* after a failed close */

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    loop_ctx *lc = arg;
    wt_daemon *d = lc->d;
    bool failed;
    uint64_t left = close_due(d, &failed, d->cfg.catchup_per_tick);
    struct timeval tv = {0, 0};
    if (failed) {
        tv.tv_sec = RETRY_MS / 1000; /* the store or the settlement failed: retry, not spin */
        tv.tv_usec = (RETRY_MS % 1000) * 1000;
    } else if (left == 0) {
        int64_t wait_ms =
            wt_interval_wait_ms(d->clock(d->clock_arg), d->params.interval_ms, d->next_interval);
        if (wait_ms > 3600000)
            wait_ms = 3600000;
        wait_ms += 1; /* land just past the boundary */
        tv.tv_sec = (time_t)(wait_ms / 1000);
        tv.tv_usec = (suseconds_t)((wait_ms % 1000) * 1000);
    }
    evtimer_add(lc->tick, &tv);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    loop_ctx *lc = arg;
    wt_log(WT_LOG_INFO, "wattled", "signal %d: stopping", (int)sig);
    event_base_loopexit(lc->base, NULL);
}

/* ------------------------------------------------------------------- main */

static int64_t real_clock(void *arg)
{
    (void)arg;
    return wt_now_ms();
}

static bool read_file(uint8_t *out, size_t out_cap, size_t *out_len, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    *out_len = fread(out, 1, out_cap, f);
    bool ok = !ferror(f) && *out_len < out_cap;
    fclose(f);
    return ok;
}

static int run(wt_daemon *d)
{
    char path[2 * WT_DAEMON_TEXT_MAX];
    /* the chain: genesis.bin */
    uint8_t genesis[8192];
    size_t genesis_len = 0;
    wt_daemon_path(path, sizeof path, &d->cfg, d->cfg.genesis);
    if (!read_file(genesis, sizeof genesis, &genesis_len, path)) {
        wt_log(WT_LOG_ERROR, "wattled", "cannot read the chain parameters %s", path);
        return 1;
    }
    wt_err err = wt_chain_params_decode(&d->params, genesis, genesis_len);
    if (err != WT_OK) {
        wt_log(WT_LOG_ERROR, "wattled", "%s: %s", path, wt_strerror(err));
        return 1;
    }
    if (d->cfg.interval_ms != 0 && d->cfg.interval_ms != d->params.interval_ms) {
        wt_log(WT_LOG_ERROR, "wattled",
               "--interval-ms %lld differs from the chain's %lld ms (fixed at genesis)",
               (long long)d->cfg.interval_ms, (long long)d->params.interval_ms);
        return 2;
    }
    wt_seckey op;
    wt_daemon_path(path, sizeof path, &d->cfg, d->cfg.operator_key);
    err = wt_keyfile_load(d->ctx, &op, path, NULL, 0);
    if (err != WT_OK) {
        char why[512];
        wt_keyfile_explain(why, sizeof why, path, err, errno);
        wt_log(WT_LOG_ERROR, "wattled", "%s", why);
        return 1;
    }
    wt_daemon_path(d->store_path, sizeof d->store_path, &d->cfg, d->cfg.store);
    wt_node_opts nopts = {.db_path = d->store_path,
                          .params = &d->params,
                          .operator_key = &op,
                          .rebuild = d->cfg.rebuild,
                          .clock = d->clock,
                          .clock_arg = d->clock_arg,
                          .inflight_per_sender = d->cfg.inflight_per_sender,
                          .replay_settlements = WT_SETTLEMENTS_KEPT,
                          .on_settlement = keep_replayed_settlement,
                          .settlement_arg = d};
    err = wt_node_open(&d->node, d->ctx, &nopts);
    wt_seckey_wipe(&op);
    if (err != WT_OK) {
        wt_log(WT_LOG_ERROR, "wattled", "cannot open the ledger %s: %s", d->store_path,
               wt_strerror(err));
        return 1;
    }
    uint64_t tip_height, tip_interval, last_seq;
    wt_node_tip(d->node, &tip_height, &tip_interval, &last_seq);
    d->next_interval = wt_interval_first(tip_height, tip_interval);
    wt_state_totals totals;
    wt_node_totals(d->node, &totals, NULL, NULL);
    d->next_settle = totals.any_settled
                         ? totals.last_settled_interval + 1
                         : wt_interval_of(d->params.genesis_time_ms, d->params.interval_ms);
    atomic_store(&d->next_interval_seen, d->next_interval);
    wt_log(WT_LOG_INFO, "wattled",
           "chain %u: height %llu, %llu transactions, next interval to close %llu (%lld ms); "
           "%llu recent settlements rebuilt from the ledger",
           d->params.chain_id, (unsigned long long)tip_height, (unsigned long long)last_seq,
           (unsigned long long)d->next_interval, (long long)d->params.interval_ms,
           (unsigned long long)d->settlements_replayed);

    int rc = 0;
    err = wt_acct_index_create(&d->accounts);
    if (err == WT_OK)
        err = wt_acct_index_fill(d->accounts, d->store_path);
    if (err == WT_OK)
        err = wt_nng_start(d);
    if (err == WT_OK)
        err = wt_dash_start(d);
    if (err == WT_OK)
        err = wt_http_start(d);
    struct event_base *base = err == WT_OK ? event_base_new() : NULL;
    if (err == WT_OK && base == NULL)
        err = WT_ERR_NO_MEMORY;
    if (err == WT_OK) {
        loop_ctx lc = {.d = d, .base = base};
        lc.tick = evtimer_new(base, on_tick, &lc);
        struct event *sterm = evsignal_new(base, SIGTERM, on_signal, &lc);
        struct event *sint = evsignal_new(base, SIGINT, on_signal, &lc);
        if (lc.tick == NULL || sterm == NULL || sint == NULL) {
            err = WT_ERR_NO_MEMORY;
        } else {
            evsignal_add(sterm, NULL);
            evsignal_add(sint, NULL);
            /* blocked since main(), so every other thread inherited the
             * block: a SIGTERM that came early is delivered now, here */
            sigset_t stop_signals;
            sigemptyset(&stop_signals);
            sigaddset(&stop_signals, SIGTERM);
            sigaddset(&stop_signals, SIGINT);
            pthread_sigmask(SIG_UNBLOCK, &stop_signals, NULL);
            struct timeval now = {0, 0};
            evtimer_add(lc.tick, &now);
            sd_notify_send("READY=1");
            wt_log(WT_LOG_INFO, "wattled", "serving: http %s, nng %s, pub %s", d->cfg.http_addr,
                   d->cfg.listen_url, d->cfg.pub_url);
            event_base_dispatch(base);
            sd_notify_send("STOPPING=1");
        }
        /* stop taking work; what is in flight finishes (each call waits for
         * its durable result) */
        wt_nng_stop_rep(d);
        wt_http_stop(d);
        wt_dash_stop(d);
        /* close the intervals that have ended; the running interval's
         * transactions are durable and stay in the open block, which the
         * replay restores on the next start */
        bool failed = false;
        while (!failed && close_due(d, &failed, UINT64_MAX) > 0) {
        }
        if (lc.tick != NULL)
            event_free(lc.tick);
        if (sterm != NULL)
            event_free(sterm);
        if (sint != NULL)
            event_free(sint);
    }
    if (err != WT_OK) {
        wt_log(WT_LOG_ERROR, "wattled", "cannot start: %s", wt_strerror(err));
        wt_http_stop(d);
        wt_dash_stop(d);
        rc = 1;
    }
    wt_nng_close(d);
    if (base != NULL)
        event_base_free(base);
    wt_node_close(d->node);
    d->node = NULL;
    wt_acct_index_destroy(d->accounts);
    d->accounts = NULL;
    wt_log(WT_LOG_INFO, "wattled", "stopped");
    return rc;
}

int main(int argc, char **argv)
{
    wt_heap_keep();
    static wt_daemon d; /* large (the rejected ring): not on the stack */
    wt_daemon_config_defaults(&d.cfg);
    char msg[512];
    const char *dir = wt_daemon_args_data_dir(argc, argv);
    bool help = false;
    if (dir != NULL) {
        snprintf(d.cfg.data_dir, sizeof d.cfg.data_dir, "%s", dir);
        char ini[2 * WT_DAEMON_TEXT_MAX];
        wt_daemon_path(ini, sizeof ini, &d.cfg, "wattled.ini");
        int line;
        wt_err err = wt_daemon_config_load(&d.cfg, &line, msg, sizeof msg, ini);
        if (err != WT_OK && err != WT_ERR_NOT_FOUND) {
            fprintf(stderr, "wattled: %s:%d: %s\n", ini, line, msg);
            return 2;
        }
    }
    if (wt_daemon_config_args(&d.cfg, &help, msg, sizeof msg, argc, argv) != WT_OK) {
        fprintf(stderr, "wattled: %s\n\n%s", msg, wt_daemon_usage);
        return 2;
    }
    if (help) {
        fputs(wt_daemon_usage, stdout);
        return 0;
    }
    wt_log_set_level(d.cfg.log_level);
    signal(SIGPIPE, SIG_IGN);
    /* past a file-size limit (RLIMIT_FSIZE, systemd's LimitFSIZE=) a write
     * fails with EFBIG, the store answers storage_unavailable and recovers
     * once the limit is raised; the default action would kill the daemon */
    signal(SIGXFSZ, SIG_IGN);
    /* SIGTERM/SIGINT wait (blocked) until the event loop's handlers are in
     * place; threads started meanwhile inherit the block, so the signals
     * reach only the main thread */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    if (wt_ctx_create(&d.ctx) != WT_OK) {
        fprintf(stderr, "wattled: out of memory\n");
        return 1;
    }
    pthread_mutex_init(&d.rejected_lock, NULL);
    pthread_mutex_init(&d.settlements_lock, NULL);
    d.clock = real_clock;
    int rc = run(&d);
    for (size_t i = 0; i < WT_SETTLEMENTS_KEPT; i++)
        wt_settlement_free(d.settlements[i]);
    pthread_mutex_destroy(&d.settlements_lock);
    pthread_mutex_destroy(&d.rejected_lock);
    wt_ctx_destroy(d.ctx);
    return rc;
}
