/* http_input.c — the pure parts of wattled's HTTP input, apart from the
 * libevent shell in http.c so that a fuzzer and unit tests reach them: the
 * body of POST /v1/txs, and whether a peer address is loopback (admin paths
 * answer only loopback peers). */
#include "daemon.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static wt_err txs_fail(wt_http_txs *t, int status, wt_err err, const char *message,
                       const char *field)
{
    t->status = status;
    t->err = err;
    snprintf(t->message, sizeof t->message, "%s", message != NULL ? message : wt_strerror(err));
    snprintf(t->field, sizeof t->field, "%s", field != NULL ? field : "");
    return err;
}

wt_err wt_http_txs_parse(wt_http_txs *t, const char *body, size_t body_len, size_t txs_max)
{
    memset(t, 0, sizeof *t);
    json_error_t jerr;
    json_t *doc = json_loadb(body, body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        char msg[sizeof t->message];
        snprintf(msg, sizeof msg, "the body is not JSON: %s", jerr.text);
        return txs_fail(t, 400, WT_ERR_BAD_JSON, msg, NULL);
    }
    json_t *txs = json_is_object(doc) ? json_object_get(doc, "txs") : NULL;
    size_t count = json_is_array(txs) ? json_array_size(txs) : 0;
    wt_err err = WT_OK;
    if (count == 0) {
        err = txs_fail(t, 400, WT_ERR_BAD_REQUEST, "the body must be {\"txs\":[\"<hex>\",...]}",
                       "txs");
    } else if (count > txs_max) {
        char msg[64];
        snprintf(msg, sizeof msg, "at most %zu transactions per request", txs_max);
        err = txs_fail(t, 413, WT_ERR_TOO_LARGE, msg, "txs");
    }
    /* one buffer for all: each entry's hex length / 2 bytes (the body's
     * length bounds the total) */
    size_t total = 0;
    for (size_t i = 0; err == WT_OK && i < count; i++) {
        json_t *e = json_array_get(txs, i);
        if (json_is_string(e))
            total += json_string_length(e) / 2 + 1;
    }
    if (err == WT_OK) {
        t->mem = malloc(total + 1);
        t->raws = calloc(count, sizeof *t->raws);
        t->lens = calloc(count, sizeof *t->lens);
        if (t->mem == NULL || t->raws == NULL || t->lens == NULL)
            err = txs_fail(t, 503, WT_ERR_NO_MEMORY, NULL, NULL);
    }
    size_t used = 0;
    for (size_t i = 0; err == WT_OK && i < count; i++) {
        json_t *e = json_array_get(txs, i);
        char field[32];
        snprintf(field, sizeof field, "txs[%zu]", i);
        if (!json_is_string(e)) {
            err = txs_fail(t, 400, WT_ERR_BAD_REQUEST, "each entry of txs is a hex string", field);
            break;
        }
        const char *hex = json_string_value(e);
        size_t hex_len = json_string_length(e), cap = hex_len / 2 + 1;
        t->raws[i] = t->mem + used;
        wt_err e2 = strlen(hex) != hex_len
                        ? WT_ERR_BAD_HEX /* a NUL inside */
                        : wt_hex_decode_any(t->mem + used, &t->lens[i], cap, hex);
        used += cap;
        if (e2 == WT_OK && t->lens[i] == 0)
            e2 = WT_ERR_BAD_LENGTH;
        if (e2 != WT_OK)
            err = txs_fail(t, 400, e2, NULL, field);
    }
    json_decref(doc);
    if (err != WT_OK) {
        free(t->mem);
        free(t->raws);
        free(t->lens);
        t->mem = NULL;
        t->raws = NULL;
        t->lens = NULL;
        return err;
    }
    t->count = count;
    t->status = 200;
    return WT_OK;
}

void wt_http_txs_free(wt_http_txs *t)
{
    free(t->mem);
    free(t->raws);
    free(t->lens);
    memset(t, 0, sizeof *t);
}

bool wt_http_addr_is_loopback(const struct sockaddr *sa)
{
    if (sa == NULL)
        return false;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127; /* 127.0.0.0/8 */
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return true;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127; /* ::ffff:127.x.y.z */
    }
    return false; /* a Unix socket is not how wattled listens */
}

bool wt_http_path_is_admin(const char *path, bool reads_only)
{
    /* what tells about the node's operation rather than the public ledger,
     * and what makes the node work for the asker (an audit replays the
     * whole chain); reading the audit's status stays public */
    if (strcmp(path, "/metrics") == 0)
        return true;
    return !reads_only && strcmp(path, "/v1/audit") == 0;
}
