/*
 * modbus.c — the Modbus TCP input of `wattle-meter run` and `probe`: one
 * thread per SunSpec device (libmodbus is synchronous), polling holding
 * registers and handing each poll to the main loop as a SunSpec dump on a
 * pipe, where it is decoded like a dump read from a file. All SunSpec rules
 * (marker, chain, lengths, which model carries the energy) are the pure
 * wt_sunspec_* functions; this file only reads registers.
 */
#include "bridge.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <modbus/modbus.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POLLERS_MAX 256
/* A poll as text: a comment, every header with its address line (~20 bytes
 * each), the bodies of the common and the energy model (at most 2 x 257
 * registers, 5 bytes each). */
#define DUMP_TEXT_BYTES WT_SUNSPEC_DUMP_BYTES_MAX
_Static_assert(128 + (WT_SUNSPEC_MODELS_MAX + 2) * 20 + 2 * 257 * 5 <= DUMP_TEXT_BYTES,
               "a poll fits one dump");

typedef struct {
    char name[64];
    char host[256], port[8];
    int unit;
    int64_t poll_ms, timeout_ms;
    bridge_sunspec_model model;
    int write_fd;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    /* the thread's own */
    modbus_t *ctx;
    bool discovered;
    wt_sunspec_chain chain;
    uint16_t end_length;
    int energy;        /* index into chain.models */
    char failing[256]; /* the last failure reported, "" when working */
    char text[DUMP_TEXT_BYTES];
} poller;

static poller *pollers[POLLERS_MAX];
static size_t pollers_count;

static void report(const poller *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(const poller *p, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "wattle-meter: [%s] %s\n", p->name, line);
}

static void fail(char *why, size_t why_cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(char *why, size_t why_cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_cap, fmt, ap);
    va_end(ap);
}

/* Read count registers at address into out, in reads of at most 125. */
static bool read_regs(poller *p, uint16_t *out, uint32_t address, uint32_t count, char *why,
                      size_t why_cap)
{
    for (uint32_t done = 0; done < count;) {
        uint32_t n = count - done < WT_SUNSPEC_READ_MAX ? count - done : WT_SUNSPEC_READ_MAX;
        int rc = modbus_read_registers(p->ctx, (int)(address + done), (int)n, out + done);
        if (rc != (int)n) {
            fail(why, why_cap, "reading %u registers at %" PRIu32 ": %s", n, address + done,
                 rc < 0 ? modbus_strerror(errno) : "a short answer");
            return false;
        }
        done += n;
    }
    return true;
}

/* An exception answer: the device is there but refuses that address. */
static bool is_exception(int e)
{
    return e > MODBUS_ENOBASE && e < MODBUS_ENOBASE + MODBUS_EXCEPTION_MAX;
}

/* The marker, the chain's headers and the energy model's place. */
static bool discover(poller *p, char *why, size_t why_cap)
{
    uint32_t base = 0;
    bool found = false;
    char tried[128] = "";
    for (size_t i = 0; i < sizeof wt_sunspec_bases / sizeof wt_sunspec_bases[0] && !found; i++) {
        uint16_t r[2];
        base = wt_sunspec_bases[i];
        int rc = modbus_read_registers(p->ctx, (int)base, 2, r);
        if (rc < 0 && !is_exception(errno)) {
            fail(why, why_cap, "reading the marker at %" PRIu32 ": %s", base,
                 modbus_strerror(errno));
            return false;
        }
        found = rc == 2 && r[0] == WT_SUNSPEC_MARKER_HI && r[1] == WT_SUNSPEC_MARKER_LO;
        size_t len = strlen(tried);
        snprintf(tried + len, sizeof tried - len, "%s%" PRIu32, len ? ", " : "", base);
    }
    if (!found) {
        fail(why, why_cap, "no SunSpec 'SunS' marker at %s (unit %d)", tried, p->unit);
        return false;
    }
    wt_sunspec_chain_init(&p->chain, base);
    while (!p->chain.complete) {
        uint16_t h[2];
        uint32_t at = p->chain.next;
        if (!read_regs(p, h, at, 2, why, why_cap))
            return false;
        wt_err err = wt_sunspec_chain_add(&p->chain, h[0], h[1]);
        if (err != WT_OK) {
            fail(why, why_cap, "model chain: %s: %s", wt_errname(err), p->chain.detail);
            return false;
        }
        if (p->chain.complete)
            p->end_length = h[1];
    }
    p->energy = wt_sunspec_chain_select(&p->chain, p->model.id, p->model.nth);
    if (p->energy < 0) {
        char ids[256] = "";
        for (uint32_t i = 0; i < p->chain.count; i++) {
            size_t len = strlen(ids);
            snprintf(ids + len, sizeof ids - len, "%s%u", i ? " " : "", p->chain.models[i].id);
        }
        if (p->model.id == 0)
            fail(why, why_cap, "no meter (201-204) or inverter (101-103) in the chain: %s", ids);
        else
            fail(why, why_cap, "no model %u number %" PRIu32 " in the chain: %s", p->model.id,
                 p->model.nth, ids);
        return false;
    }
    p->discovered = true;
    return true;
}

static void text_put(poller *p, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void text_put(poller *p, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(p->text + *len, sizeof p->text - *len, fmt, ap);
    va_end(ap);
    WT_ASSERT(n >= 0 && (size_t)n < sizeof p->text - *len); /* sized above */
    *len += (size_t)n;
}

/* Write all of it, waiting at most 2 s for room in the pipe (a reader
 * that stopped reading must not hang the poller's stop). */
static bool write_text(poller *p, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(p->write_fd, p->text + off, len - off);
        if (w > 0) {
            off += (size_t)w;
        } else if (w < 0 && errno == EAGAIN) {
            struct pollfd pf = {.fd = p->write_fd, .events = POLLOUT};
            if (poll(&pf, 1, 2000) <= 0)
                return false;
        } else if (!(w < 0 && errno == EINTR)) {
            return false;
        }
    }
    return true;
}

/* One poll: the common model and the energy model read afresh, every
 * header from discovery, as one dump. */
static bool poll_once(poller *p, char *why, size_t why_cap)
{
    if (p->ctx == NULL) {
        p->ctx = modbus_new_tcp_pi(p->host, p->port);
        if (p->ctx == NULL) {
            fail(why, why_cap, "modbus %s:%s: %s", p->host, p->port, strerror(errno));
            return false;
        }
        modbus_set_slave(p->ctx, p->unit);
        modbus_set_response_timeout(p->ctx, (uint32_t)(p->timeout_ms / 1000),
                                    (uint32_t)(p->timeout_ms % 1000 * 1000));
        if (modbus_connect(p->ctx) != 0) {
            fail(why, why_cap, "modbus %s:%s: %s", p->host, p->port, modbus_strerror(errno));
            return false;
        }
        p->discovered = false;
    }
    if (!p->discovered && !discover(p, why, why_cap))
        return false;
    static const uint32_t body_max = 2 + 255;
    uint16_t regs[2][2 + 255];
    uint32_t which[2] = {0, (uint32_t)p->energy};
    for (int k = 0; k < 2; k++) {
        const wt_sunspec_header *h = &p->chain.models[which[k]];
        /* decoded models have their definition's length (chain_add) */
        WT_ASSERT(h->length + 2u <= body_max);
        if (!read_regs(p, regs[k], h->address, h->length + 2u, why, why_cap))
            return false;
        if (regs[k][0] != h->id || regs[k][1] != h->length) {
            p->discovered = false;
            fail(why, why_cap, "the model chain changed (model %u at %" PRIu32 " now reads %u)",
                 h->id, h->address, regs[k][0]);
            return false;
        }
    }
    size_t len = 0;
    text_put(p, &len, "# %s unit %d\n@%" PRIu32 "\n%04X %04X\n", p->name, p->unit, p->chain.base,
             WT_SUNSPEC_MARKER_HI, WT_SUNSPEC_MARKER_LO);
    for (uint32_t i = 0; i < p->chain.count; i++) {
        const wt_sunspec_header *h = &p->chain.models[i];
        text_put(p, &len, "@%" PRIu32 "\n%04X %04X", h->address, h->id, h->length);
        int k = i == which[0] ? 0 : i == which[1] ? 1 : -1;
        for (uint32_t r = 0; k >= 0 && r < h->length; r++)
            text_put(p, &len, "%s%04X", r % 16 == 0 ? "\n" : " ", regs[k][2 + r]);
        text_put(p, &len, "\n");
    }
    text_put(p, &len, "@%" PRIu32 "\n%04X %04X\nend\n", p->chain.end_address, WT_SUNSPEC_END_ID,
             p->end_length);
    if (!write_text(p, len)) {
        fail(why, why_cap, "the bridge does not take the polls (pipe full)");
        return false;
    }
    return true;
}

static void drop_connection(poller *p)
{
    if (p->ctx != NULL) {
        modbus_close(p->ctx);
        modbus_free(p->ctx);
        p->ctx = NULL;
    }
    p->discovered = false;
}

static void *poller_main(void *arg)
{
    poller *p = arg;
    for (;;) {
        struct timespec started;
        clock_gettime(CLOCK_REALTIME, &started);
        char why[256] = "";
        if (poll_once(p, why, sizeof why)) {
            if (p->failing[0] != '\0')
                report(p, "reading again (after: %s)", p->failing);
            p->failing[0] = '\0';
        } else {
            /* once per kind of failure, not every poll */
            if (strcmp(why, p->failing) != 0)
                report(p, "%s; trying again every %" PRId64 " ms", why, p->poll_ms);
            snprintf(p->failing, sizeof p->failing, "%s", why);
            drop_connection(p); /* a late answer must not be read as the next one */
        }
        int64_t ns = started.tv_nsec + p->poll_ms % 1000 * 1000000;
        struct timespec until = {.tv_sec =
                                     started.tv_sec + (time_t)(p->poll_ms / 1000 + ns / 1000000000),
                                 .tv_nsec = (long)(ns % 1000000000)};
        pthread_mutex_lock(&p->lock);
        while (!p->stopping && pthread_cond_timedwait(&p->wake, &p->lock, &until) != ETIMEDOUT) {
        }
        bool stop = p->stopping;
        pthread_mutex_unlock(&p->lock);
        if (stop)
            break;
    }
    drop_connection(p);
    return NULL;
}

int bridge_modbus_open(const bridge_meter *m, char *err, size_t err_cap)
{
    const char *colon = strrchr(m->address, ':');
    char *end = NULL;
    long port = colon != NULL ? strtol(colon + 1, &end, 10) : 0;
    size_t host_len = colon != NULL ? (size_t)(colon - m->address) : 0;
    if (colon == NULL || host_len == 0 || end == colon + 1 || *end != '\0' || port <= 0 ||
        port > 65535 || host_len >= sizeof((poller *)0)->host) {
        snprintf(err, err_cap, "modbus-tcp address '%s' is not HOST:PORT", m->address);
        return -1;
    }
    if (pollers_count == POLLERS_MAX) {
        snprintf(err, err_cap, "more than %d Modbus inputs", POLLERS_MAX);
        return -1;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(err, err_cap, "pipe: %s", strerror(errno));
        return -1;
    }
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    poller *p = calloc(1, sizeof *p);
    if (p == NULL) {
        close(fds[0]);
        close(fds[1]);
        snprintf(err, err_cap, "out of memory");
        return -1;
    }
    snprintf(p->name, sizeof p->name, "%s", m->name);
    memcpy(p->host, m->address, host_len);
    p->host[host_len] = '\0';
    if (p->host[0] == '[' && host_len > 2 && p->host[host_len - 1] == ']') {
        memmove(p->host, p->host + 1, host_len - 2);
        p->host[host_len - 2] = '\0';
    }
    snprintf(p->port, sizeof p->port, "%ld", port);
    p->unit = m->unit_id;
    p->poll_ms = m->poll_interval_ms;
    p->timeout_ms = m->response_timeout_ms;
    p->model = m->sunspec_model;
    p->write_fd = fds[1];
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (pthread_create(&p->thread, NULL, poller_main, p) != 0) {
        snprintf(err, err_cap, "cannot start the Modbus thread");
        close(fds[0]);
        close(fds[1]);
        free(p);
        return -1;
    }
    pollers[pollers_count++] = p;
    return fds[0];
}

void bridge_modbus_stop_all(void)
{
    for (size_t i = 0; i < pollers_count; i++) {
        poller *p = pollers[i];
        pthread_mutex_lock(&p->lock);
        p->stopping = true;
        pthread_cond_signal(&p->wake);
        pthread_mutex_unlock(&p->lock);
    }
    for (size_t i = 0; i < pollers_count; i++) {
        poller *p = pollers[i];
        pthread_join(p->thread, NULL);
        close(p->write_fd);
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->wake);
        free(p);
    }
    pollers_count = 0;
}
