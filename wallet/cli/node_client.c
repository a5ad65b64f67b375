/* node_client.c — `wattle`'s connection to a node (node_client.h): HTTP/JSON
 * over libevent's evhttp client, or nng REQ with the wallet/wire.h format.
 * One request per call, each with its own event base and a timeout. */
#include "node_client.h"
#include "wire.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long a finished exchange waits for nng_close (wt_nng_close_within). */
#define NNG_CLOSE_WAIT_MS 2000

static void set_error(wt_node_error *error, wt_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(wt_node_error *error, wt_err code, const char *fmt, ...)
{
    snprintf(error->code, sizeof error->code, "%s", wt_errname(code));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error->message, sizeof error->message, fmt, ap);
    va_end(ap);
}

wt_err wt_node_client_init(wt_node_client *client, wt_node_error *error, const char *url,
                           int64_t timeout_ms)
{
    memset(client, 0, sizeof *client);
    memset(error, 0, sizeof *error);
    if (url == NULL || *url == '\0')
        url = getenv("WATTLE_NODE");
    if (url == NULL || *url == '\0')
        url = WT_NODE_URL_DEFAULT;
    if (strlen(url) >= sizeof client->url) {
        set_error(error, WT_ERR_INVALID_ARGUMENT, "node URL is too long");
        return WT_ERR_INVALID_ARGUMENT;
    }
    strcpy(client->url, url);
    client->timeout_ms = timeout_ms > 0 ? timeout_ms : WT_NODE_TIMEOUT_MS_DEFAULT;
    if (strncmp(url, "tcp://", 6) == 0 || strncmp(url, "ipc://", 6) == 0) {
        if (url[6] == '\0') {
            set_error(error, WT_ERR_INVALID_ARGUMENT, "node URL '%s' has no address", url);
            return WT_ERR_INVALID_ARGUMENT;
        }
        client->kind = WT_NODE_NNG;
        return WT_OK;
    }
    if (strncmp(url, "http://", 7) != 0) {
        set_error(error, WT_ERR_INVALID_ARGUMENT,
                  "node URL '%s' must start with http://, tcp:// or ipc://", url);
        return WT_ERR_INVALID_ARGUMENT;
    }
    const char *h = url + 7, *end = h + strcspn(h, "/"), *colon;
    if (end[0] == '/' && end[1] != '\0') {
        set_error(error, WT_ERR_INVALID_ARGUMENT, "node URL '%s' must not have a path", url);
        return WT_ERR_INVALID_ARGUMENT;
    }
    const char *host_start = h, *host_end;
    if (*h == '[') { /* [IPv6]:port */
        host_start = h + 1;
        host_end = memchr(h, ']', (size_t)(end - h));
        if (host_end == NULL) {
            set_error(error, WT_ERR_INVALID_ARGUMENT, "node URL '%s': unclosed '['", url);
            return WT_ERR_INVALID_ARGUMENT;
        }
        colon = host_end + 1 < end && host_end[1] == ':' ? host_end + 1 : NULL;
    } else {
        colon = memchr(h, ':', (size_t)(end - h));
        host_end = colon != NULL ? colon : end;
    }
    size_t host_len = (size_t)(host_end - host_start);
    if (host_len == 0 || host_len >= sizeof client->host) {
        set_error(error, WT_ERR_INVALID_ARGUMENT, "node URL '%s' has no host", url);
        return WT_ERR_INVALID_ARGUMENT;
    }
    memcpy(client->host, host_start, host_len);
    client->port = 80;
    if (colon != NULL) {
        unsigned port = 0;
        const char *p = colon + 1;
        if (p == end)
            port = 0;
        for (; p < end && port <= 65535; p++)
            port = *p >= '0' && *p <= '9' ? port * 10 + (unsigned)(*p - '0') : 70000;
        if (port == 0 || port > 65535) {
            set_error(error, WT_ERR_INVALID_ARGUMENT, "node URL '%s' has a bad port", url);
            return WT_ERR_INVALID_ARGUMENT;
        }
        client->port = (uint16_t)port;
    }
    client->kind = WT_NODE_HTTP;
    return WT_OK;
}

/* ---------------------------------------------------------------- HTTP */

typedef struct {
    bool done;
    bool failed;
    enum evhttp_request_error reason;
    int status;
    char *body;
    size_t body_len;
} http_call;

static void http_on_error(enum evhttp_request_error reason, void *arg)
{
    http_call *c = arg;
    c->failed = true;
    c->reason = reason;
}

static void http_on_done(struct evhttp_request *req, void *arg)
{
    http_call *c = arg;
    c->done = true;
    if (req == NULL || evhttp_request_get_response_code(req) == 0) {
        c->failed = true;
        return;
    }
    c->status = evhttp_request_get_response_code(req);
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    c->body = malloc(len + 1);
    if (c->body == NULL)
        return;
    if (evbuffer_remove(in, c->body, len) != (int)len) {
        free(c->body);
        c->body = NULL;
        return;
    }
    c->body[len] = '\0';
    c->body_len = len;
}

/* The node's error JSON {"error":{"code","message","field"}} into *error. */
static void http_error_from_body(wt_node_error *error, int status, const char *body, size_t len)
{
    error->http_status = status;
    snprintf(error->code, sizeof error->code, "http_%d", status);
    snprintf(error->message, sizeof error->message, "the node answered HTTP %d", status);
    json_t *root = body != NULL ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *e = json_object_get(root, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *message = json_string_value(json_object_get(e, "message"));
    const char *field = json_string_value(json_object_get(e, "field"));
    if (code != NULL)
        snprintf(error->code, sizeof error->code, "%s", code);
    if (message != NULL && field != NULL)
        snprintf(error->message, sizeof error->message, "%s (field %s)", message, field);
    else if (message != NULL)
        snprintf(error->message, sizeof error->message, "%s", message);
    json_decref(root);
}

/* One HTTP request; on WT_OK *status and *body are the answer (any status). */
static wt_err http_request(const wt_node_client *client, wt_node_error *error, int *status,
                           char **body, size_t *body_len, enum evhttp_cmd_type method,
                           const char *path, const char *payload)
{
    *status = 0;
    *body = NULL;
    *body_len = 0;
    wt_err result = WT_ERR_UNAVAILABLE;
    http_call call;
    memset(&call, 0, sizeof call);
    struct event_base *base = event_base_new();
    struct evhttp_connection *conn =
        base != NULL ? evhttp_connection_base_new(base, NULL, client->host, client->port) : NULL;
    struct evhttp_request *req = conn != NULL ? evhttp_request_new(http_on_done, &call) : NULL;
    if (req == NULL) {
        set_error(error, WT_ERR_NO_MEMORY, "cannot set up an HTTP request to %s", client->url);
        result = WT_ERR_NO_MEMORY;
        goto done;
    }
    struct timeval tv = {.tv_sec = (time_t)(client->timeout_ms / 1000),
                         .tv_usec = (suseconds_t)(client->timeout_ms % 1000 * 1000)};
    evhttp_connection_set_timeout_tv(conn, &tv);
    evhttp_connection_set_retries(conn, 0);
    evhttp_connection_set_max_body_size(conn, WT_NODE_BODY_BYTES_MAX);
    evhttp_request_set_error_cb(req, http_on_error);
    struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
    char host_header[300];
    bool ipv6 = strchr(client->host, ':') != NULL;
    snprintf(host_header, sizeof host_header, "%s%s%s:%u", ipv6 ? "[" : "", client->host,
             ipv6 ? "]" : "", (unsigned)client->port);
    evhttp_add_header(headers, "Host", host_header);
    evhttp_add_header(headers, "Connection", "close");
    evhttp_add_header(headers, "Accept", "application/json");
    if (payload != NULL) {
        evhttp_add_header(headers, "Content-Type", "application/json");
        evbuffer_add(evhttp_request_get_output_buffer(req), payload, strlen(payload));
    }
    int64_t start_ns = wt_monotonic_ns();
    if (evhttp_make_request(conn, req, method, path) != 0) {
        /* libevent frees req on failure */
        set_error(error, WT_ERR_UNAVAILABLE, "cannot send a request to the node at %s",
                  client->url);
        goto done;
    }
    /* The connection's timeout covers connect, write and read; the loop's
     * own limit is a backstop against a node that trickles bytes. */
    struct timeval backstop = {.tv_sec = tv.tv_sec * 2 + 1, .tv_usec = 0};
    event_base_loopexit(base, &backstop);
    while (!call.done && event_base_loop(base, EVLOOP_ONCE) == 0 && !event_base_got_exit(base))
        ;
    /* libevent 2.1 reports a refused connect as EVREQ_HTTP_TIMEOUT too: a
     * "timeout" well before the deadline is a node that cannot be reached. A
     * real timeout can fire a little before our own clock says the deadline
     * has passed (libevent schedules from its cached time, taken before
     * start_ns), so half the deadline tells the two apart: a refusal comes
     * back at once. */
    int64_t elapsed_ms = (wt_monotonic_ns() - start_ns) / 1000000;
    if (!call.done || (call.failed && call.reason == EVREQ_HTTP_TIMEOUT &&
                       elapsed_ms * 2 >= client->timeout_ms)) {
        set_error(error, WT_ERR_TIMEOUT, "the node at %s did not answer within %" PRId64 " ms",
                  client->url, client->timeout_ms);
        result = WT_ERR_TIMEOUT;
        goto done;
    }
    if (call.failed) {
        const char *why = call.reason == EVREQ_HTTP_DATA_TOO_LONG ? "its answer is too long"
                          : call.reason == EVREQ_HTTP_INVALID_HEADER
                              ? "its answer is not valid HTTP"
                              : "connection refused or closed";
        set_error(error, WT_ERR_UNAVAILABLE, "cannot reach the node at %s (%s)", client->url, why);
        goto done;
    }
    if (call.body == NULL) {
        set_error(error, WT_ERR_NO_MEMORY, "out of memory reading the answer of %s", client->url);
        result = WT_ERR_NO_MEMORY;
        goto done;
    }
    *status = call.status;
    *body = call.body;
    *body_len = call.body_len;
    call.body = NULL;
    result = WT_OK;
done:
    free(call.body);
    if (conn != NULL)
        evhttp_connection_free(conn);
    if (base != NULL)
        event_base_free(base);
    return result;
}

wt_err wt_node_get(const wt_node_client *client, wt_node_error *error, char **body,
                   size_t *body_len, const char *path)
{
    *body = NULL;
    *body_len = 0;
    memset(error, 0, sizeof *error);
    if (client->kind != WT_NODE_HTTP) {
        set_error(error, WT_ERR_UNAVAILABLE,
                  "reading from the node needs an http:// node (--node http://HOST:PORT); "
                  "%s takes submissions only",
                  client->url);
        return WT_ERR_UNAVAILABLE;
    }
    int status;
    char *text;
    size_t len;
    wt_err err = http_request(client, error, &status, &text, &len, EVHTTP_REQ_GET, path, NULL);
    if (err != WT_OK)
        return err;
    if (status < 200 || status > 299) {
        http_error_from_body(error, status, text, len);
        free(text);
        return status == 404 ? WT_ERR_NOT_FOUND : WT_ERR_BAD_REQUEST;
    }
    *body = text;
    *body_len = len;
    return WT_OK;
}

static void copy_text(char *out, size_t out_cap, const char *text, size_t len)
{
    if (len >= out_cap)
        len = out_cap - 1;
    if (len > 0)
        memcpy(out, text, len);
    out[len] = '\0';
}

/* The message of a known error name, else the name itself. */
static void message_of(char *out, size_t out_cap, const char *code)
{
    wt_err e = wt_err_from_name(code);
    snprintf(out, out_cap, "%s", e != WT_ERR_COUNT_ ? wt_strerror(e) : code);
}

static wt_err http_submit(const wt_node_client *client, wt_node_error *error,
                          wt_node_result *results, const uint8_t *const *txs, const size_t *tx_lens,
                          size_t count)
{
    size_t cap = 16;
    for (size_t i = 0; i < count; i++)
        cap += tx_lens[i] * 2 + 3;
    char *payload = malloc(cap);
    if (payload == NULL) {
        set_error(error, WT_ERR_NO_MEMORY, "out of memory");
        return WT_ERR_NO_MEMORY;
    }
    size_t at = 0;
    memcpy(payload, "{\"txs\":[", 8);
    at = 8;
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            payload[at++] = ',';
        payload[at++] = '"';
        wt_hex_encode(payload + at, txs[i], tx_lens[i]);
        at += tx_lens[i] * 2;
        payload[at++] = '"';
    }
    memcpy(payload + at, "]}", 3);
    int status;
    char *body;
    size_t len;
    wt_err err =
        http_request(client, error, &status, &body, &len, EVHTTP_REQ_POST, "/v1/txs", payload);
    free(payload);
    if (err != WT_OK)
        return err;
    if (status != 200) {
        http_error_from_body(error, status, body, len);
        free(body);
        return WT_ERR_BAD_REQUEST;
    }
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    json_t *list = json_object_get(root, "results");
    err = WT_ERR_BAD_REQUEST;
    if (!json_is_array(list) || json_array_size(list) != count) {
        set_error(error, WT_ERR_BAD_REQUEST,
                  "the node at %s answered without one result per transaction", client->url);
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        json_t *r = json_array_get(list, i);
        wt_node_result *out = &results[i];
        const char *txid = json_string_value(json_object_get(r, "txid"));
        const char *st = json_string_value(json_object_get(r, "status"));
        if (txid == NULL || st == NULL || wt_hex_decode(out->txid, 32, txid) != WT_OK ||
            (strcmp(st, "committed") != 0 && strcmp(st, "rejected") != 0)) {
            set_error(error, WT_ERR_BAD_REQUEST, "the node at %s answered a malformed result",
                      client->url);
            goto done;
        }
        out->committed = strcmp(st, "committed") == 0;
        out->duplicate = json_is_true(json_object_get(r, "duplicate"));
        json_int_t seq = json_integer_value(json_object_get(r, "seq"));
        json_int_t height = json_integer_value(json_object_get(r, "height"));
        out->seq = seq > 0 ? (uint64_t)seq : 0;
        out->height = height > 0 ? (uint64_t)height : 0;
        json_t *e = json_object_get(r, "error");
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *message = json_string_value(json_object_get(e, "message"));
        const char *field = json_string_value(json_object_get(e, "field"));
        snprintf(out->code, sizeof out->code, "%s",
                 out->committed ? "ok"
                 : code != NULL ? code
                                : "rejected");
        if (message != NULL)
            snprintf(out->message, sizeof out->message, "%s", message);
        else
            message_of(out->message, sizeof out->message, out->code);
        snprintf(out->field, sizeof out->field, "%s", field != NULL ? field : "");
    }
    err = WT_OK;
done:
    json_decref(root);
    free(body);
    return err;
}

/* ----------------------------------------------------------------- nng */

static wt_err nng_submit(const wt_node_client *client, wt_node_error *error,
                         wt_node_result *results, const uint8_t *const *txs, const size_t *tx_lens,
                         size_t count)
{
    size_t need = wt_wire_request_size(tx_lens, count);
    uint8_t *request = need > 0 ? malloc(need) : NULL;
    if (request == NULL) {
        set_error(error, WT_ERR_NO_MEMORY, "out of memory");
        return WT_ERR_NO_MEMORY;
    }
    size_t request_len;
    wt_err err = wt_wire_request_encode(request, need, &request_len, txs, tx_lens, count);
    WT_ASSERT(err == WT_OK);
    nng_socket sock = NNG_SOCKET_INITIALIZER;
    uint8_t *reply = NULL;
    size_t reply_len = 0;
    wt_wire_result *decoded = NULL;
    int rv = nng_req0_open(&sock);
    nng_duration t = client->timeout_ms > INT32_MAX ? INT32_MAX : (nng_duration)client->timeout_ms;
    if (rv == 0)
        rv = nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, t);
    if (rv == 0)
        rv = nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, t);
    /* Never resend within the timeout: a resent batch would only come back
     * as duplicates, but it doubles the node's work. */
    if (rv == 0)
        rv = nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, t < INT32_MAX - 1000 ? t + 1000 : t);
    if (rv != 0) {
        set_error(error, WT_ERR_INTERNAL, "cannot open an nng socket: %s", nng_strerror(rv));
        err = WT_ERR_INTERNAL;
        goto done;
    }
    rv = nng_dial(sock, client->url, NULL, 0);
    if (rv != 0) {
        set_error(error, WT_ERR_UNAVAILABLE, "cannot reach the node at %s (%s)", client->url,
                  nng_strerror(rv));
        err = WT_ERR_UNAVAILABLE;
        goto done;
    }
    rv = nng_send(sock, request, request_len, 0);
    if (rv == 0)
        rv = nng_recv(sock, &reply, &reply_len, NNG_FLAG_ALLOC);
    if (rv == NNG_ETIMEDOUT) {
        set_error(error, WT_ERR_TIMEOUT, "the node at %s did not answer within %" PRId64 " ms",
                  client->url, client->timeout_ms);
        err = WT_ERR_TIMEOUT;
        goto done;
    }
    if (rv != 0) {
        set_error(error, WT_ERR_UNAVAILABLE, "lost the node at %s (%s)", client->url,
                  nng_strerror(rv));
        err = WT_ERR_UNAVAILABLE;
        goto done;
    }
    const char *text;
    size_t text_len;
    if (wt_wire_error_decode(&text, &text_len, reply, reply_len) == WT_OK) {
        snprintf(error->code, sizeof error->code, "%s", wt_errname(WT_ERR_BAD_REQUEST));
        copy_text(error->message, sizeof error->message, text, text_len);
        err = WT_ERR_BAD_REQUEST;
        goto done;
    }
    decoded = calloc(count, sizeof *decoded);
    size_t n = 0;
    err = decoded == NULL ? WT_ERR_NO_MEMORY
                          : wt_wire_reply_decode(decoded, count, &n, reply, reply_len);
    if (err != WT_OK || n != count) {
        set_error(error, WT_ERR_BAD_REQUEST,
                  "the node at %s answered a malformed reply (%s, %zu results for %zu)",
                  client->url, wt_errname(err), n, count);
        err = WT_ERR_BAD_REQUEST;
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        const wt_wire_result *r = &decoded[i];
        wt_node_result *out = &results[i];
        memcpy(out->txid, r->txid, 32);
        out->committed = r->status != WT_WIRE_REJECTED;
        out->duplicate = r->status == WT_WIRE_DUPLICATE;
        out->seq = r->seq;
        out->height = r->height;
        copy_text(out->code, sizeof out->code, r->code, r->code_len);
        copy_text(out->field, sizeof out->field, r->field, r->field_len);
        if (out->code[0] == '\0')
            strcpy(out->code, out->committed ? "ok" : "rejected");
        message_of(out->message, sizeof out->message, out->code);
    }
    err = WT_OK;
done:
    free(decoded);
    if (reply != NULL)
        nng_free(reply, reply_len);
    wt_nng_close_within(sock, NNG_CLOSE_WAIT_MS);
    free(request);
    return err;
}

wt_err wt_node_submit_txs(const wt_node_client *client, wt_node_error *error,
                          wt_node_result *results, const uint8_t *const *txs, const size_t *tx_lens,
                          size_t count)
{
    memset(error, 0, sizeof *error);
    WT_ASSERT(count >= 1 && count <= WT_WIRE_TXS_MAX);
    memset(results, 0, count * sizeof *results);
    if (client->kind == WT_NODE_NNG)
        return nng_submit(client, error, results, txs, tx_lens, count);
    return http_submit(client, error, results, txs, tx_lens, count);
}

/* ------------------------------------------------------- bounded calls */

typedef struct {
    void (*fn)(void *arg);
    _Alignas(max_align_t) unsigned char arg[]; /* the caller's bytes */
} run_job;

static void *run_main(void *p)
{
    run_job *job = p;
    job->fn(job->arg);
    free(job);
    return NULL;
}

bool wt_run_within(void (*fn)(void *arg), const void *arg, size_t arg_len, int64_t timeout_ms)
{
    WT_ASSERT(fn != NULL && (arg != NULL || arg_len == 0) && timeout_ms >= 0);
    run_job *job = arg_len <= SIZE_MAX - sizeof(run_job) ? malloc(sizeof(run_job) + arg_len) : NULL;
    pthread_t th;
    if (job != NULL) {
        job->fn = fn;
        if (arg_len > 0)
            memcpy(job->arg, arg, arg_len);
    }
    if (job == NULL || pthread_create(&th, NULL, run_main, job) != 0) {
        free(job);
        fn((void *)(uintptr_t)arg); /* no thread to spare: here, however long */
        return true;
    }
    struct timespec deadline; /* pthread_timedjoin_np counts on CLOCK_REALTIME */
    clock_gettime(CLOCK_REALTIME, &deadline);
    int64_t ns = deadline.tv_nsec + timeout_ms % 1000 * 1000000;
    deadline.tv_sec += (time_t)(timeout_ms / 1000 + ns / 1000000000);
    deadline.tv_nsec = (long)(ns % 1000000000);
    if (pthread_timedjoin_np(th, NULL, &deadline) == 0)
        return true;
    pthread_detach(th);
    return false;
}

static void close_socket(void *arg)
{
    nng_socket s;
    memcpy(&s, arg, sizeof s);
    nng_close(s);
}

bool wt_nng_close_within(nng_socket s, int64_t timeout_ms)
{
    return wt_run_within(close_socket, &s, sizeof s, timeout_ms);
}
