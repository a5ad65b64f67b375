/*
 * cmd_run.c — `wattle-meter run --config FILE`, the bridge daemon, and
 * `wattle-meter probe`. One thread, one poll() loop (MQTT and Modbus inputs
 * have their own threads that write to a pipe): meter inputs are read
 * and parsed as bytes arrive, each reading's registers feed the meter's
 * interval aggregator, and once an interval is over (plus flush_delay_ms)
 * the gateway's one READINGS transaction for it is signed and written to the
 * SQLite outbox before it is sent to the engine over nng REQ, oldest first.
 * While the engine does not answer the outbox keeps everything; the loop
 * tries again every retry_ms.
 */
#include "bridge.h"
#include "commands.h"
#include "wire.h"

#include <errno.h>
#include <inttypes.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK_BYTES  4096
#define STREAM_BYTES (WT_DSMR_TELEGRAM_BYTES_MAX + WT_DSMR_LINE_BYTES_MAX + CHUNK_BYTES)
_Static_assert(STREAM_BYTES >= WT_SML_FRAME_BYTES_MAX + 16 + CHUNK_BYTES, "room for an SML frame");
_Static_assert(STREAM_BYTES >= WT_SUNSPEC_DUMP_BYTES_MAX + CHUNK_BYTES, "room for a SunSpec dump");

typedef struct {
    const bridge_meter *cfg;
    int fd;
    bool eof;
    uint8_t *buf; /* STREAM_BYTES */
    size_t len;
    size_t sml_list;
    wt_agg_meter agg;
    uint64_t telegrams, errors;
} meter_rt;

typedef wt_queue_held pending_entry;

typedef struct {
    const bridge_config *cfg;
    wt_agg_config agg;
    meter_rt *meters;
    pending_entry *pending;
    size_t pending_count, pending_cap;
    size_t emitting; /* the meter whose aggregator is emitting */
    bool out_of_memory;
} bridge;

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "wattle-meter: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void on_emit(void *arg, uint64_t interval, int64_t import_mwh, int64_t export_mwh,
                    uint8_t flags)
{
    bridge *b = arg;
    if (b->pending_count == b->pending_cap) {
        size_t cap = b->pending_cap ? b->pending_cap * 2 : 256;
        pending_entry *grown = realloc(b->pending, cap * sizeof *grown);
        if (grown == NULL) {
            b->out_of_memory = true;
            return;
        }
        b->pending = grown;
        b->pending_cap = cap;
    }
    pending_entry *e = &b->pending[b->pending_count++];
    memset(e, 0, sizeof *e);
    e->interval = interval;
    wt_meter_id_set(&e->reading.meter_id, b->meters[b->emitting].cfg->meter_id);
    e->reading.import_mwh = import_mwh;
    e->reading.export_mwh = export_mwh;
    e->reading.flags = flags;
}

static void on_reading(bridge *b, size_t i, const wt_meter_reading *reading, int64_t received_ms)
{
    meter_rt *m = &b->meters[i];
    int64_t imp = 0, exp = 0;
    wt_err err = wt_agg_registers(&imp, &exp, reading);
    if (err != WT_OK) {
        m->errors++;
        logf_("[%s] reading without usable energy registers: %s", m->cfg->name, wt_errname(err));
        return;
    }
    bool skewed = false;
    int64_t t = wt_agg_sample_time(&skewed, reading->has_time, reading->t_ms, received_ms,
                                   b->cfg->max_skew_ms);
    if (skewed && m->telegrams == 0)
        logf_("[%s] meter clock is off by more than %" PRId64 " ms: using receive time",
              m->cfg->name, b->cfg->max_skew_ms);
    wt_agg_outcome outcome;
    b->emitting = i;
    err = wt_agg_sample(&m->agg, &outcome, &b->agg, t, imp, exp, on_emit, b);
    m->telegrams++;
    if (err != WT_OK)
        logf_("[%s] sample refused: %s", m->cfg->name, wt_errname(err));
    else if (outcome != WT_AGG_ACCEPTED && outcome != WT_AGG_FIRST)
        logf_("[%s] %s telegram", m->cfg->name, wt_agg_outcome_name(outcome));
}

/* Parse what is buffered; each complete reading goes to `sink`. */
typedef void (*reading_sink)(bridge *b, size_t i, const wt_meter_reading *r, int64_t t_ms);

/* The last SunSpec device decoded (probe prints its points). */
static wt_sunspec_device sunspec_device;

/* One SunSpec dump (a poll of the Modbus thread, or a replayed file) into a
 * reading of its energy registers. */
static wt_err sunspec_next(wt_meter_reading *reading, size_t *used, const meter_rt *m)
{
    static wt_sunspec_image image;
    wt_err err = wt_sunspec_dump_next(&image, used, m->buf, m->len, m->eof);
    const char *detail = image.detail;
    if (err == WT_OK) {
        err = wt_sunspec_decode(&sunspec_device, &image);
        detail = sunspec_device.detail;
    }
    if (err == WT_OK)
        return wt_sunspec_reading(reading, &sunspec_device, m->cfg->sunspec_model.id,
                                  m->cfg->sunspec_model.nth);
    if (err != WT_ERR_NOT_FOUND)
        snprintf(reading->detail, sizeof reading->detail, "%s", detail);
    return err;
}

static void parse_buffer(bridge *b, size_t i, reading_sink sink)
{
    static wt_meter_reading reading;
    meter_rt *m = &b->meters[i];
    unsigned flags = b->cfg->ignore_crc ? WT_METER_IGNORE_CRC : 0;
    int64_t received = now_ms();
    for (;;) {
        size_t used = 0;
        wt_err err;
        if (m->cfg->protocol == WT_METER_FORMAT_TASMOTA) {
            uint8_t *nl = memchr(m->buf, '\n', m->len);
            if (nl == NULL && !(m->eof && m->len > 0))
                break;
            size_t line = nl != NULL ? (size_t)(nl - m->buf) : m->len;
            used = nl != NULL ? line + 1 : m->len;
            const char *text = (const char *)m->buf;
            const char *brace = memchr(text, '{', line);
            if (brace == NULL) {
                err = line == 0 ? WT_ERR_NOT_FOUND : WT_ERR_BAD_JSON;
            } else {
                char topic[256] = "";
                const char *sp = memchr(text, ' ', (size_t)(brace - text));
                if (sp != NULL && (size_t)(sp - text) < sizeof topic)
                    memcpy(topic, text, (size_t)(sp - text));
                err = wt_tasmota_parse(&reading, brace, line - (size_t)(brace - text),
                                       topic[0] ? topic : NULL, NULL, 0);
            }
        } else if (m->cfg->protocol == WT_METER_FORMAT_DSMR) {
            err = wt_dsmr_next(&reading, &used, m->buf, m->len, m->eof, flags);
        } else if (m->cfg->protocol == WT_METER_FORMAT_SUNSPEC) {
            err = sunspec_next(&reading, &used, m);
        } else {
            err = wt_sml_next(&reading, &used, &m->sml_list, m->buf, m->len, m->eof, flags);
        }
        if (used > m->len)
            used = m->len;
        if (err == WT_OK)
            sink(b, i, &reading, received);
        else if (err != WT_ERR_NOT_FOUND) {
            m->errors++;
            logf_("[%s] %s: %s", m->cfg->name, wt_errname(err), reading.detail);
        }
        memmove(m->buf, m->buf + used, m->len - used);
        m->len -= used;
        if (used == 0 && !(err == WT_OK && m->cfg->protocol == WT_METER_FORMAT_SML))
            break;
    }
}

/* Read what the input has; false when it ended or failed. */
static bool read_input(bridge *b, size_t i, reading_sink sink)
{
    meter_rt *m = &b->meters[i];
    for (;;) {
        if (m->len == STREAM_BYTES) /* the parsers always make progress at this size */
            parse_buffer(b, i, sink);
        ssize_t n = read(m->fd, m->buf + m->len, STREAM_BYTES - m->len);
        if (n > 0) {
            m->len += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            parse_buffer(b, i, sink);
            return true;
        }
        if (n < 0 && errno == EINTR)
            continue;
        m->eof = true;
        parse_buffer(b, i, sink);
        return false;
    }
}

/* ------------------------------------------------------------ the outbox */

typedef struct {
    wt_ctx *ctx;
    wt_seckey key;
    wt_queue *queue;      /* the main thread's connection */
    wt_queue *send_queue; /* the sender thread's connection */
    nng_socket sock;
    bool sock_open;
    int64_t retry_at_ms;
    uint64_t committed, rejected;
    const bridge_config *cfg;
    pthread_t sender;
    bool sender_started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool kicked, stopping;
} outbox;

static int entry_cmp(const void *a, const void *b)
{
    const pending_entry *x = a, *y = b;
    return x->interval < y->interval ? -1 : x->interval > y->interval ? 1 : 0;
}

/* Inside the outbox's transaction: each meter's aggregator and the readings
 * emitted but not batched yet (pending[skip..]). */
static wt_err save_state(bridge *b, outbox *o, size_t skip)
{
    wt_err err = WT_OK;
    for (size_t i = 0; err == WT_OK && i < b->cfg->meters_count; i++)
        err = wt_queue_meter_save(o->queue, b->cfg->meters[i].meter_id, &b->meters[i].agg);
    if (err == WT_OK)
        err = wt_queue_held_replace(o->queue, b->pending + skip, b->pending_count - skip);
    return err;
}

static void kick(outbox *o)
{
    pthread_mutex_lock(&o->lock);
    o->kicked = true;
    pthread_cond_signal(&o->wake);
    pthread_mutex_unlock(&o->lock);
}

/* Close every interval below `before` and write its transaction. */
static wt_err close_intervals(bridge *b, outbox *o, uint64_t before)
{
    for (size_t i = 0; i < b->cfg->meters_count; i++) {
        b->emitting = i;
        wt_agg_close(&b->meters[i].agg, &b->agg, before, on_emit, b);
    }
    if (b->out_of_memory)
        return WT_ERR_NO_MEMORY;
    qsort(b->pending, b->pending_count, sizeof *b->pending, entry_cmp);
    wt_err txn = wt_queue_begin(o->queue);
    if (txn != WT_OK)
        return txn;
    size_t done = 0;
    while (done < b->pending_count && b->pending[done].interval < before) {
        size_t end = done;
        while (end < b->pending_count && b->pending[end].interval == b->pending[done].interval)
            end++;
        uint64_t interval = b->pending[done].interval;
        wt_reading *entries = malloc((end - done) * sizeof *entries);
        if (entries == NULL) {
            wt_queue_rollback(o->queue);
            return WT_ERR_NO_MEMORY;
        }
        for (size_t k = done; k < end; k++)
            entries[k - done] = b->pending[k].reading;
        uint64_t nonce = 0;
        uint8_t *tx = NULL;
        size_t tx_len = 0;
        wt_err err = wt_queue_next_nonce(o->queue, &nonce);
        for (size_t off = 0; err == WT_OK && off < end - done; off += WT_READINGS_MAX) {
            /* more meters than one transaction holds: the rest would need a
             * second transaction of the same interval, which the outbox
             * (one row per interval) cannot hold; refused at config time */
            size_t n = end - done - off;
            err = wt_readings_tx_build(&tx, &tx_len, o->ctx, &o->key, b->cfg->chain_id, nonce,
                                       now_ms() + b->cfg->expiry_ms, interval, entries + off, n);
            if (err == WT_OK)
                err = wt_queue_put(o->queue, interval, tx, tx_len);
            free(tx);
            tx = NULL;
        }
        free(entries);
        if (err == WT_ERR_DUPLICATE_READING)
            logf_("interval %" PRIu64 " is already in the outbox (restart): kept the first",
                  interval);
        else if (err != WT_OK) {
            wt_queue_rollback(o->queue);
            return err;
        } else
            logf_("interval %" PRIu64 ": %zu readings queued (nonce %" PRIu64 ")", interval,
                  end - done, nonce);
        done = end;
    }
    wt_err err = save_state(b, o, done);
    if (err != WT_OK) {
        wt_queue_rollback(o->queue);
        return err;
    }
    err = wt_queue_commit(o->queue);
    if (err != WT_OK) {
        wt_queue_rollback(o->queue);
        return err;
    }
    memmove(b->pending, b->pending + done, (b->pending_count - done) * sizeof *b->pending);
    b->pending_count -= done;
    kick(o);
    return WT_OK;
}

static bool text_is(const char *text, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(text, want, len) == 0;
}

/* Send the outbox's pending rows in order until it is empty or the engine
 * does not answer. */
static void forward(const bridge_config *cfg, outbox *o)
{
    if (now_ms() < o->retry_at_ms)
        return;
    for (;;) {
        wt_queue_item item;
        wt_err err = wt_queue_head(o->send_queue, &item);
        if (err != WT_OK) {
            if (err != WT_ERR_NOT_FOUND)
                logf_("outbox: %s", wt_errname(err));
            return;
        }
        const uint8_t *txs[1] = {item.tx};
        size_t lens[1] = {item.tx_len};
        size_t req_len = wt_wire_request_size(lens, 1);
        uint8_t *req = malloc(req_len);
        size_t used = 0;
        int rv = -1;
        void *reply = NULL;
        size_t reply_len = 0;
        if (req != NULL && wt_wire_request_encode(req, req_len, &used, txs, lens, 1) == WT_OK) {
            rv = nng_send(o->sock, req, used, 0);
            if (rv == 0)
                rv = nng_recv(o->sock, &reply, &reply_len, NNG_FLAG_ALLOC);
        }
        free(req);
        wt_wire_result res;
        size_t count = 0;
        if (rv != 0 || wt_wire_reply_decode(&res, 1, &count, reply, reply_len) != WT_OK ||
            count != 1) {
            if (rv != 0)
                logf_("engine at %s: %s; %" PRIu64 " kept in the outbox, retry in %" PRId64 " ms",
                      cfg->node, nng_strerror(rv), item.interval, cfg->retry_ms);
            else
                logf_("engine at %s: unreadable answer; retry in %" PRId64 " ms", cfg->node,
                      cfg->retry_ms);
            if (reply != NULL)
                nng_free(reply, reply_len);
            wt_queue_item_free(&item);
            o->retry_at_ms = now_ms() + cfg->retry_ms;
            return;
        }
        bool stop = false;
        if (res.status == WT_WIRE_COMMITTED || res.status == WT_WIRE_DUPLICATE) {
            err = wt_queue_mark_committed(o->send_queue, item.interval, res.seq, res.height);
            o->committed++;
        } else if (text_is(res.code, res.code_len, "expired")) {
            size_t n = 0;
            err = wt_queue_resign(o->send_queue, &n, o->ctx, &o->key, now_ms() + cfg->expiry_ms);
        } else if (text_is(res.code, res.code_len, "bad_nonce") ||
                   (text_is(res.code, res.code_len, "invalid_argument") &&
                    text_is(res.field, res.field_len, "interval"))) {
            /* the engine's clock is behind ours, or the gateway's nonce moved
             * on the chain without us (set nonce_base): keep it, try later */
            logf_("interval %" PRIu64 ": engine says %.*s (%.*s); retry in %" PRId64 " ms",
                  item.interval, (int)res.code_len, res.code, (int)res.field_len, res.field,
                  cfg->retry_ms);
            o->retry_at_ms = now_ms() + cfg->retry_ms;
            stop = true;
        } else {
            char code[WT_QUEUE_ERROR_BYTES];
            snprintf(code, sizeof code, "%.*s", (int)res.code_len, res.code);
            logf_("interval %" PRIu64 " rejected by the engine: %s (field %.*s); not resent",
                  item.interval, code, (int)res.field_len, res.field);
            err = wt_queue_mark_rejected(o->send_queue, item.interval, code);
            size_t n = 0;
            if (err == WT_OK)
                err = wt_queue_resign(o->send_queue, &n, o->ctx, &o->key, 0);
            o->rejected++;
        }
        nng_free(reply, reply_len);
        wt_queue_item_free(&item);
        if (err != WT_OK) {
            logf_("outbox: %s", wt_errname(err));
            o->retry_at_ms = now_ms() + cfg->retry_ms;
            return;
        }
        if (stop)
            return;
    }
}

/* The sender thread: forwards whenever kicked, and every retry_ms. */
static void *sender_main(void *arg)
{
    outbox *o = arg;
    for (;;) {
        pthread_mutex_lock(&o->lock);
        if (!o->kicked && !o->stopping) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t ns = ts.tv_nsec + (o->cfg->retry_ms % 1000) * 1000000;
            ts.tv_sec += (time_t)(o->cfg->retry_ms / 1000 + ns / 1000000000);
            ts.tv_nsec = (long)(ns % 1000000000);
            pthread_cond_timedwait(&o->wake, &o->lock, &ts);
        }
        bool stopping = o->stopping;
        o->kicked = false;
        pthread_mutex_unlock(&o->lock);
        if (stopping)
            return NULL;
        forward(o->cfg, o);
    }
}

static int open_outbox(outbox *o, const bridge_config *cfg)
{
    memset(o, 0, sizeof *o);
    if (wt_ctx_create(&o->ctx) != WT_OK)
        return 2;
    const char *pass = getenv("WATTLE_PASSPHRASE");
    wt_err err = wt_keyfile_load(o->ctx, &o->key, cfg->key_path, pass, pass ? strlen(pass) : 0);
    if (err != WT_OK) {
        char why[512];
        wt_keyfile_explain(why, sizeof why, cfg->key_path, err, errno);
        logf_("%s", why);
        return 2;
    }
    o->cfg = cfg;
    pthread_mutex_init(&o->lock, NULL);
    pthread_cond_init(&o->wake, NULL);
    err = wt_queue_open(&o->queue, cfg->queue);
    if (err == WT_OK)
        err = wt_queue_open(&o->send_queue, cfg->queue);
    if (err != WT_OK) {
        logf_("cannot open the outbox %s: %s", cfg->queue, wt_strerror(err));
        return 2;
    }
    if (cfg->has_nonce_base) {
        /* the gateway signed elsewhere before: its next nonce follows that */
        size_t resigned = 0;
        err = wt_queue_set_nonce_base(o->queue, cfg->nonce_base);
        if (err == WT_OK)
            err = wt_queue_resign(o->queue, &resigned, o->ctx, &o->key, 0);
        if (err != WT_OK) {
            logf_("cannot apply nonce_base: %s", wt_strerror(err));
            return 2;
        }
    }
    int rv = nng_req0_open(&o->sock);
    nng_duration t = (nng_duration)cfg->timeout_ms;
    if (rv == 0)
        rv = nng_socket_set_ms(o->sock, NNG_OPT_SENDTIMEO, t);
    if (rv == 0)
        rv = nng_socket_set_ms(o->sock, NNG_OPT_RECVTIMEO, t);
    if (rv == 0)
        rv = nng_socket_set_ms(o->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
    if (rv == 0)
        rv = nng_socket_set_ms(o->sock, NNG_OPT_RECONNMAXT, 1000);
    if (rv == 0) {
        o->sock_open = true;
        /* non-blocking: nng keeps redialling in the background */
        rv = nng_dial(o->sock, cfg->node, NULL, NNG_FLAG_NONBLOCK);
    }
    if (rv != 0) {
        logf_("cannot use the node URL %s: %s", cfg->node, nng_strerror(rv));
        return 2;
    }
    return 0;
}

static int start_sender(outbox *o)
{
    if (pthread_create(&o->sender, NULL, sender_main, o) != 0) {
        logf_("cannot start the sender thread");
        return 2;
    }
    o->sender_started = true;
    return 0;
}

static void close_outbox(outbox *o)
{
    if (o->sender_started) {
        pthread_mutex_lock(&o->lock);
        o->stopping = true;
        pthread_cond_signal(&o->wake);
        pthread_mutex_unlock(&o->lock);
        pthread_join(o->sender, NULL);
    }
    wt_queue_close(o->send_queue);
    if (o->sock_open)
        nng_close(o->sock);
    wt_queue_close(o->queue);
    wt_seckey_wipe(&o->key);
    wt_ctx_destroy(o->ctx);
}

/* A restart continues where the last run stopped. */
static int restore_state(bridge *b, outbox *o)
{
    for (size_t i = 0; i < b->cfg->meters_count; i++) {
        bool found = false;
        wt_agg_meter saved;
        wt_err err = wt_queue_meter_load(o->queue, &saved, &found, b->cfg->meters[i].meter_id);
        if (err != WT_OK) {
            logf_("outbox: cannot read the state of [%s]: %s", b->cfg->meters[i].name,
                  wt_strerror(err));
            return 2;
        }
        if (found)
            b->meters[i].agg = saved;
    }
    wt_err err = wt_queue_held_load(o->queue, &b->pending, &b->pending_count);
    if (err != WT_OK) {
        logf_("outbox: cannot read the held readings: %s", wt_strerror(err));
        return 2;
    }
    b->pending_cap = b->pending_count;
    return 0;
}

static int open_meters(bridge *b)
{
    b->meters = calloc(b->cfg->meters_count, sizeof *b->meters);
    if (b->meters == NULL)
        return 2;
    for (size_t i = 0; i < b->cfg->meters_count; i++) {
        meter_rt *m = &b->meters[i];
        m->cfg = &b->cfg->meters[i];
        m->buf = malloc(STREAM_BYTES);
        char err[600];
        m->fd = m->buf != NULL ? bridge_input_open(m->cfg, err, sizeof err) : -1;
        if (m->fd < 0) {
            logf_("[%s] cannot open its input: %s", m->cfg->name, err);
            return 2;
        }
        wt_agg_meter_init(&m->agg);
    }
    return 0;
}

static void close_meters(bridge *b)
{
    bridge_inputs_stop();
    for (size_t i = 0; b->meters != NULL && i < b->cfg->meters_count; i++) {
        if (b->meters[i].fd >= 0)
            close(b->meters[i].fd);
        free(b->meters[i].buf);
    }
    free(b->meters);
    free(b->pending);
}

static void run_usage(FILE *out)
{
    fprintf(out,
            "usage: wattle-meter run --config FILE\n\n"
            "Reads the meters FILE lists, sums each meter's registers into the chain's\n"
            "intervals and, once an interval is over (plus flush_delay_ms), signs one\n"
            "READINGS transaction for all meters with the gateway key, writes it to the\n"
            "SQLite outbox and sends it to the engine (nng), oldest first. Stops on\n"
            "SIGTERM/SIGINT, or when every input is a file that has ended and the outbox\n"
            "is empty.\n\n"
            "FILE (INI):\n"
            "  [gateway]\n"
            "  key = gateway.key        (sealed keys read $WATTLE_PASSPHRASE)\n"
            "  node = tcp://127.0.0.1:5555\n"
            "  genesis = chain/genesis.bin  (chain id and interval; or chain_id, interval_ms)\n"
            "  queue = outbox.db\n"
            "  flush_delay_ms = 5000    max_skew_ms = 30000    max_gap_ms = 300000\n"
            "  register_modulus_mwh = 0 timeout_ms = 5000      retry_ms = 5000\n"
            "  expiry_ms = 604800000    ignore_crc = false\n"
            "  nonce_base = N           (the gateway's nonce on the chain when it signed\n"
            "                            elsewhere before this outbox; else 0)\n"
            "  [any-name]               (one section per meter)\n"
            "  protocol = dsmr|sml|tasmota|sunspec\n"
            "  input = file|pipe|serial|tcp|mqtt|modbus-tcp\n"
            "  address = PATH | /dev/ttyUSB0 | HOST:PORT | HOST:PORT/TOPIC (mqtt, tasmota)\n"
            "  meter_id = ID            (as registered on the chain)\n"
            "  baud = 115200|9600       (serial: 8N1, or 7E1 at 9600 for DSMR 2.2/3)\n"
            "  unit_id = 1              (modbus-tcp: the Modbus unit id, 0-255)\n"
            "  poll_interval_ms = 5000  response_timeout_ms = 2000   (modbus-tcp)\n"
            "  sunspec_model = auto|ID[:N]  (the model whose energy counts: auto = the\n"
            "                            first meter 201-204, else the first inverter\n"
            "                            101-103; ID:N = the Nth model ID)\n");
}

int wt_meter_cmd_run(int argc, char **argv)
{
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            run_usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config = argv[++i];
        else {
            run_usage(stderr);
            return 2;
        }
    }
    if (config == NULL) {
        run_usage(stderr);
        return 2;
    }
    static bridge_config cfg;
    if (!bridge_config_load(&cfg, config, "wattle-meter run"))
        return 2;
    bridge b = {.cfg = &cfg,
                .agg = {.interval_ms = cfg.interval_ms,
                        .max_gap_ms = cfg.max_gap_ms,
                        .register_modulus_mwh = cfg.register_modulus_mwh}};
    outbox o;
    int status = wt_agg_config_check(&b.agg) == WT_OK ? open_outbox(&o, &cfg) : 2;
    if (status == 0)
        status = open_meters(&b);
    if (status == 0)
        status = restore_state(&b, &o);
    if (status == 0)
        status = start_sender(&o);
    if (status != 0) {
        close_outbox(&o);
        close_meters(&b);
        bridge_config_free(&cfg);
        return status;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* intervals before the one running at start are closed only by samples */
    uint64_t closed_before = (uint64_t)(now_ms() / cfg.interval_ms);
    struct pollfd *fds = calloc(cfg.meters_count, sizeof *fds);
    logf_("running: %zu meters, interval %" PRId64 " ms, engine %s", cfg.meters_count,
          cfg.interval_ms, cfg.node);
    while (!stop_flag && fds != NULL) {
        int64_t now = now_ms();
        uint64_t due = (uint64_t)((now - cfg.flush_delay_ms) / cfg.interval_ms);
        if (due > closed_before) {
            wt_err err = close_intervals(&b, &o, due);
            if (err != WT_OK) {
                logf_("cannot queue readings: %s", wt_strerror(err));
                status = 2;
                break;
            }
            closed_before = due;
        }
        bool all_ended = true;
        for (size_t i = 0; i < cfg.meters_count; i++) {
            fds[i].fd = b.meters[i].eof ? -1 : b.meters[i].fd;
            fds[i].events = POLLIN;
            fds[i].revents = 0;
            all_ended = all_ended && b.meters[i].eof;
        }
        if (all_ended) {
            /* replayed files: close what they covered, send, and stop */
            uint64_t end = closed_before;
            for (size_t i = 0; i < cfg.meters_count; i++)
                if (b.meters[i].agg.have_base && b.meters[i].agg.cur_interval + 1 > end)
                    end = b.meters[i].agg.cur_interval + 1;
            wt_err err = close_intervals(&b, &o, end);
            closed_before = end;
            uint64_t counts[3], last;
            bool any;
            if (err != WT_OK || wt_queue_stats(o.queue, counts, &last, &any) != WT_OK ||
                counts[WT_QUEUE_PENDING] == 0)
                break;
        }
        int64_t next_close = ((int64_t)closed_before + 1) * cfg.interval_ms + cfg.flush_delay_ms;
        int64_t wait = next_close - now_ms();
        if (wait < 10)
            wait = 10;
        if (wait > 1000)
            wait = 1000;
        int n = poll(fds, cfg.meters_count, (int)wait);
        if (n < 0 && errno != EINTR)
            break;
        for (size_t i = 0; n > 0 && i < cfg.meters_count; i++)
            if (fds[i].revents != 0 && !read_input(&b, i, on_reading)) {
                if (cfg.meters[i].input != INPUT_FILE)
                    logf_("[%s] input ended", cfg.meters[i].name);
            }
    }
    free(fds);
    /* keep what the meters said since the last close */
    if (wt_queue_begin(o.queue) == WT_OK) {
        if (save_state(&b, &o, 0) == WT_OK && wt_queue_commit(o.queue) == WT_OK) {
        } else {
            wt_queue_rollback(o.queue);
            logf_("could not save the meters' state");
        }
    }
    uint64_t counts[3] = {0, 0, 0}, last = 0;
    bool any = false;
    wt_queue_stats(o.queue, counts, &last, &any);
    logf_("stopped: %" PRIu64 " intervals committed, %" PRIu64 " rejected, %" PRIu64
          " pending in the outbox",
          counts[1], counts[2], counts[0]);
    close_meters(&b);
    close_outbox(&o);
    bridge_config_free(&cfg);
    return status;
}

/* ------------------------------------------------------------------ probe */

typedef struct {
    bool got;
    char json[65536];
    int64_t import_mwh, export_mwh;
    wt_err registers;
} probe_result;

static probe_result probe_out;

static void probe_sink(bridge *b, size_t i, const wt_meter_reading *r, int64_t t_ms)
{
    (void)b;
    (void)i;
    (void)t_ms;
    if (probe_out.got)
        return;
    size_t len = 0;
    wt_err err =
        r->format == WT_METER_FORMAT_SUNSPEC
            ? wt_sunspec_json(probe_out.json, sizeof probe_out.json, &len, &sunspec_device, r)
            : wt_meter_reading_json(probe_out.json, sizeof probe_out.json, &len, r);
    if (err != WT_OK)
        return;
    probe_out.registers = wt_agg_registers(&probe_out.import_mwh, &probe_out.export_mwh, r);
    probe_out.got = true;
}

int wt_meter_cmd_probe(int argc, char **argv)
{
    const char *config = NULL, *name = NULL;
    int64_t timeout_ms = 30000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config = argv[++i];
        else if (strcmp(argv[i], "--meter") == 0 && i + 1 < argc)
            name = argv[++i];
        else if (strcmp(argv[i], "--timeout-ms") == 0 && i + 1 < argc)
            timeout_ms = strtoll(argv[++i], NULL, 10);
        else {
            fprintf(argc > 1 && strcmp(argv[i], "--help") == 0 ? stdout : stderr,
                    "usage: wattle-meter probe --config FILE [--meter SECTION] [--timeout-ms N]\n\n"
                    "Reads one telegram from a configured meter (the first, or SECTION) and\n"
                    "prints it as the JSON line of 'wattle-meter parse', then the registers the\n"
                    "bridge would use: import_mwh=N export_mwh=N meter_id=ID.\n"
                    "exit status: 0 read, 1 nothing readable in time, 2 usage or I/O error.\n");
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    static bridge_config cfg;
    if (config == NULL) {
        fprintf(stderr, "wattle-meter probe: --config FILE is required\n");
        return 2;
    }
    if (!bridge_config_load(&cfg, config, "wattle-meter probe"))
        return 2;
    size_t which = 0;
    if (name != NULL) {
        while (which < cfg.meters_count && strcmp(cfg.meters[which].name, name) != 0)
            which++;
        if (which == cfg.meters_count) {
            fprintf(stderr, "wattle-meter probe: no meter section [%s]\n", name);
            bridge_config_free(&cfg);
            return 2;
        }
    }
    bridge_config one = cfg;
    one.meters = &cfg.meters[which];
    one.meters_count = 1;
    bridge b = {.cfg = &one};
    int status = open_meters(&b);
    int64_t deadline = now_ms() + timeout_ms;
    while (status == 0 && !probe_out.got && !b.meters[0].eof && now_ms() < deadline) {
        struct pollfd p = {.fd = b.meters[0].fd, .events = POLLIN};
        if (poll(&p, 1, 100) > 0)
            read_input(&b, 0, probe_sink);
    }
    if (status == 0 && probe_out.got) {
        printf("%s\n", probe_out.json);
        if (probe_out.registers == WT_OK)
            printf("import_mwh=%" PRId64 " export_mwh=%" PRId64 " meter_id=%s\n",
                   probe_out.import_mwh, probe_out.export_mwh, one.meters[0].meter_id);
        else
            printf("no energy registers: %s\n", wt_errname(probe_out.registers));
    } else if (status == 0) {
        fprintf(stderr, "wattle-meter probe: [%s]: no readable telegram within %" PRId64 " ms\n",
                one.meters[0].name, timeout_ms);
        status = 1;
    }
    close_meters(&b);
    bridge_config_free(&cfg);
    return status;
}
