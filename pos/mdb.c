/* mdb.c — the MDB cashless device of pos.h: a pure level-1 reader state
 * machine over 9-bit words, and the two-bytes-per-word adapter framing. */
#include "pos.h"

#include <string.h>

/* Commands: the low 3 bits of the address byte. */
enum { CMD_RESET = 0, CMD_SETUP, CMD_POLL, CMD_VEND, CMD_READER, CMD_REVALUE, CMD_7 = 7 };

/* Responses. */
enum {
    R_JUST_RESET = 0x00,
    R_CONFIG = 0x01,
    R_BEGIN_SESSION = 0x03,
    R_SESSION_CANCEL = 0x04,
    R_VEND_APPROVED = 0x05,
    R_VEND_DENIED = 0x06,
    R_END_SESSION = 0x07,
    R_CANCELLED = 0x08,
    R_PERIPHERAL_ID = 0x09,
    R_REVALUE_DENIED = 0x0E,
};

#define COUNTRY_HI     0x14 /* 1410: KRW, ISO 4217 numeric 410 */
#define COUNTRY_LO     0x10
#define MAX_RESPONSE_S 10
#define QUEUE_MAX      4

void wt_mdb_init(wt_mdb *dev, uint8_t address)
{
    WT_ASSERT(dev != NULL);
    WT_ASSERT(address == WT_MDB_ADDR_CASHLESS1 || address == WT_MDB_ADDR_CASHLESS2);
    memset(dev, 0, sizeof *dev);
    dev->address = address;
    dev->max_response_s = MAX_RESPONSE_S;
    dev->state = WT_MDB_INACTIVE;
    dev->queue[0][0] = R_JUST_RESET;
    dev->queue_len[0] = 1;
    dev->queue_count = 1;
}

static void enqueue(wt_mdb *dev, const uint8_t *data, uint8_t len)
{
    WT_ASSERT(len <= sizeof dev->queue[0]);
    if (dev->queue_count == QUEUE_MAX) { /* drop the oldest: never happens in a sane session */
        memmove(dev->queue[0], dev->queue[1], sizeof dev->queue[0] * (QUEUE_MAX - 1));
        memmove(dev->queue_len, dev->queue_len + 1, QUEUE_MAX - 1);
        dev->queue_count--;
    }
    memcpy(dev->queue[dev->queue_count], data, len);
    dev->queue_len[dev->queue_count++] = len;
}

static void dequeue(wt_mdb *dev)
{
    WT_ASSERT(dev->queue_count > 0);
    memmove(dev->queue[0], dev->queue[1], sizeof dev->queue[0] * (QUEUE_MAX - 1));
    memmove(dev->queue_len, dev->queue_len + 1, QUEUE_MAX - 1);
    dev->queue_count--;
}

/* A data response: the bytes, then CHK with the mode bit; kept until ACKed. */
static void respond(wt_mdb *dev, uint16_t *out, size_t *out_count, const uint8_t *data, size_t len)
{
    WT_ASSERT(len + 1 <= WT_MDB_FRAME_WORDS_MAX);
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        out[i] = data[i];
        sum = (uint8_t)(sum + data[i]);
    }
    out[len] = (uint16_t)(WT_MDB_MODE | sum);
    *out_count = len + 1;
    memcpy(dev->last, out, *out_count * sizeof *out);
    dev->last_count = *out_count;
}

static void ack(uint16_t *out, size_t *out_count)
{
    out[0] = WT_MDB_MODE | WT_MDB_ACK;
    *out_count = 1;
}

static uint16_t be16(const uint16_t *w)
{
    return (uint16_t)((w[0] & 0xFF) << 8 | (w[1] & 0xFF));
}

/* The data length (without address and CHK) each command takes; -1 when
 * the subcommand is unknown. */
static int data_len(int cmd, int sub, size_t have)
{
    switch (cmd) {
    case CMD_RESET:
    case CMD_POLL:
        return 0;
    case CMD_SETUP:
        return sub == 0 ? 5 : sub == 1 ? 5 : -1;
    case CMD_VEND:
        switch (sub) {
        case 0:
        case 5:
            return 5;
        case 1:
        case 4:
            return 1;
        case 2:
            return 3;
        case 3:
            return 1;
        default:
            return -1;
        }
    case CMD_READER:
        return sub <= 2 ? 1 : -1;
    case CMD_REVALUE:
        return sub == 0 ? 3 : sub == 1 ? 1 : -1;
    case CMD_7:
        /* EXPANSION: REQUEST ID carries 29 bytes; other subcommands of
         * levels 2/3 are taken at whatever length they come */
        return sub == 0 ? 30 : (int)have;
    default:
        return -1;
    }
}

wt_err wt_mdb_handle(wt_mdb *dev, uint16_t *out, size_t *out_count, wt_mdb_event *event,
                     const uint16_t *words, size_t n, int64_t now_ms)
{
    WT_ASSERT(dev != NULL && out != NULL && out_count != NULL && event != NULL);
    WT_ASSERT(words != NULL || n == 0);
    *out_count = 0;
    *event = WT_MDB_EV_NONE;
    if (n == 0 || n > WT_MDB_FRAME_WORDS_MAX)
        return WT_ERR_MDB_FRAME;
    for (size_t i = 0; i < n; i++)
        if (words[i] > 0x1FF)
            return WT_ERR_MDB_FRAME;
    /* the VMC's answer to our last data response */
    if (n == 1 && !(words[0] & WT_MDB_MODE)) {
        if (words[0] == WT_MDB_RET && dev->last_count > 0) {
            memcpy(out, dev->last, dev->last_count * sizeof *out);
            *out_count = dev->last_count;
        } else if (words[0] == WT_MDB_ACK) {
            dev->last_count = 0;
        } else if (words[0] != WT_MDB_NAK) {
            return WT_ERR_MDB_FRAME;
        }
        return WT_OK;
    }
    if (!(words[0] & WT_MDB_MODE))
        return WT_ERR_MDB_FRAME;
    uint8_t addr = (uint8_t)(words[0] & 0xF8);
    if (addr != dev->address)
        return WT_ERR_NOT_FOUND;
    for (size_t i = 1; i < n; i++)
        if (words[i] & WT_MDB_MODE)
            return WT_ERR_MDB_FRAME;
    if (n < 2)
        return WT_ERR_MDB_FRAME;
    uint8_t sum = 0;
    for (size_t i = 0; i + 1 < n; i++)
        sum = (uint8_t)(sum + (words[i] & 0xFF));
    if (sum != (words[n - 1] & 0xFF))
        return WT_ERR_MDB_CHECKSUM;
    int cmd = words[0] & 0x07;
    const uint16_t *d = words + 1; /* data, without CHK */
    size_t dn = n - 2;
    int sub = dn > 0 ? d[0] : -1;
    int want = data_len(cmd, sub, dn);
    if (want < 0 || (size_t)want != dn)
        return WT_ERR_MDB_FRAME;
    /* an unACKed response is superseded by any new command */
    dev->last_count = 0;
    switch (cmd) {
    case CMD_RESET:
        wt_mdb_init(dev, dev->address);
        *event = WT_MDB_EV_RESET;
        ack(out, out_count);
        return WT_OK;
    case CMD_SETUP:
        if (sub == 0) {
            dev->vmc_level = (uint8_t)d[1];
            if (dev->state == WT_MDB_INACTIVE)
                dev->state = WT_MDB_DISABLED;
            const uint8_t config[8] = {R_CONFIG, 0x01, COUNTRY_HI,          COUNTRY_LO,
                                       0x01,     0x00, dev->max_response_s, 0x00};
            respond(dev, out, out_count, config, sizeof config);
        } else {
            dev->max_price_u = be16(d + 1);
            dev->min_price_u = be16(d + 3);
            ack(out, out_count);
        }
        return WT_OK;
    case CMD_POLL:
        wt_mdb_tick(dev, now_ms);
        if (dev->queue_count == 0) {
            ack(out, out_count);
            return WT_OK;
        }
        respond(dev, out, out_count, dev->queue[0], dev->queue_len[0]);
        if (dev->queue[0][0] == R_END_SESSION)
            *event = WT_MDB_EV_SESSION_END;
        dequeue(dev);
        return WT_OK;
    case CMD_VEND:
        switch (sub) {
        case 0: /* VEND REQUEST: price, item */
            if (dev->state != WT_MDB_SESSION_IDLE) {
                const uint8_t denied[1] = {R_VEND_DENIED};
                respond(dev, out, out_count, denied, 1);
                return WT_OK;
            }
            dev->vend_price_u = be16(d + 1);
            dev->vend_item = be16(d + 3);
            dev->vend_since_ms = now_ms;
            dev->state = WT_MDB_VEND;
            *event = WT_MDB_EV_VEND_REQUEST;
            ack(out, out_count);
            return WT_OK;
        case 1: { /* VEND CANCEL */
            const uint8_t denied[1] = {R_VEND_DENIED};
            if (dev->state == WT_MDB_VEND) {
                dev->state = WT_MDB_SESSION_IDLE;
                *event = WT_MDB_EV_VEND_CANCEL;
            }
            respond(dev, out, out_count, denied, 1);
            return WT_OK;
        }
        case 2: /* VEND SUCCESS (only an approved vend has a sale) */
            if (dev->state == WT_MDB_VEND) {
                dev->state = WT_MDB_SESSION_IDLE;
                *event = WT_MDB_EV_VEND_SUCCESS;
            }
            ack(out, out_count);
            return WT_OK;
        case 3: /* VEND FAILURE: the app refunds (an approved vend only) */
            if (dev->state == WT_MDB_VEND) {
                dev->state = WT_MDB_SESSION_IDLE;
                *event = WT_MDB_EV_VEND_FAILURE;
            }
            ack(out, out_count);
            return WT_OK;
        case 4: { /* SESSION COMPLETE */
            const uint8_t end[1] = {R_END_SESSION};
            dev->queue_count = 0;
            if (dev->state >= WT_MDB_SESSION_IDLE)
                dev->state = WT_MDB_ENABLED;
            *event = WT_MDB_EV_SESSION_END;
            respond(dev, out, out_count, end, 1);
            return WT_OK;
        }
        default: /* 5: CASH SALE, for the audit: noted, nothing to do */
            ack(out, out_count);
            return WT_OK;
        }
    case CMD_READER:
        if (sub == 0 && dev->state == WT_MDB_ENABLED)
            dev->state = WT_MDB_DISABLED;
        else if (sub == 1 && dev->state == WT_MDB_DISABLED)
            dev->state = WT_MDB_ENABLED;
        if (sub == 2) {
            const uint8_t cancelled[1] = {R_CANCELLED};
            respond(dev, out, out_count, cancelled, 1);
        } else {
            ack(out, out_count);
        }
        return WT_OK;
    case CMD_REVALUE: {
        /* a level-1 reader does not revalue */
        const uint8_t denied[1] = {R_REVALUE_DENIED};
        respond(dev, out, out_count, denied, 1);
        return WT_OK;
    }
    default: /* EXPANSION */
        if (sub == 0) {
            uint8_t id[30] = {R_PERIPHERAL_ID, 'W', 'T', 'L'};
            memcpy(id + 4, "000000000001", 12);
            memcpy(id + 16, "wattle-pos  ", 12);
            id[28] = 0x01;
            id[29] = 0x00;
            respond(dev, out, out_count, id, sizeof id);
        } else {
            ack(out, out_count);
        }
        return WT_OK;
    }
}

size_t wt_mdb_frame_split(const wt_mdb *dev, const uint16_t *words, size_t n)
{
    WT_ASSERT(dev != NULL && (words != NULL || n == 0));
    if (n == 0)
        return 0;
    if (!(words[0] & WT_MDB_MODE))
        return 1;
    if ((words[0] & 0xF8) == dev->address) {
        int cmd = words[0] & 0x07;
        bool has_sub = cmd != CMD_RESET && cmd != CMD_POLL;
        if (has_sub && n < 2)
            return 0;
        int want = data_len(cmd, has_sub ? words[1] & 0xFF : -1, 0);
        /* EXPANSION subcommands of unknown length: the next address */
        if (want >= 0 && !(cmd == CMD_7 && (words[1] & 0xFF) != 0))
            return n >= (size_t)want + 2 ? (size_t)want + 2 : 0;
    }
    for (size_t i = 1; i < n; i++)
        if (words[i] & WT_MDB_MODE)
            return i;
    return 0;
}

wt_err wt_mdb_begin_session(wt_mdb *dev, uint16_t funds_u)
{
    if (dev->state != WT_MDB_ENABLED)
        return WT_ERR_INVALID_ARGUMENT;
    const uint8_t begin[3] = {R_BEGIN_SESSION, (uint8_t)(funds_u >> 8), (uint8_t)funds_u};
    enqueue(dev, begin, sizeof begin);
    dev->state = WT_MDB_SESSION_IDLE;
    return WT_OK;
}

wt_err wt_mdb_cancel_session(wt_mdb *dev)
{
    if (dev->state != WT_MDB_SESSION_IDLE)
        return WT_ERR_INVALID_ARGUMENT;
    const uint8_t cancel[1] = {R_SESSION_CANCEL};
    enqueue(dev, cancel, sizeof cancel);
    return WT_OK;
}

wt_err wt_mdb_vend_result(wt_mdb *dev, bool approved)
{
    if (dev->state != WT_MDB_VEND)
        return WT_ERR_INVALID_ARGUMENT;
    if (approved) {
        const uint8_t ok[3] = {R_VEND_APPROVED, (uint8_t)(dev->vend_price_u >> 8),
                               (uint8_t)dev->vend_price_u};
        enqueue(dev, ok, sizeof ok);
    } else {
        const uint8_t denied[1] = {R_VEND_DENIED};
        enqueue(dev, denied, sizeof denied);
        dev->state = WT_MDB_SESSION_IDLE;
    }
    /* approved: stays in VEND until VEND SUCCESS / FAILURE */
    dev->vend_since_ms = 0;
    return WT_OK;
}

void wt_mdb_tick(wt_mdb *dev, int64_t now_ms)
{
    if (dev->state == WT_MDB_VEND && dev->vend_since_ms > 0 &&
        now_ms - dev->vend_since_ms >= (int64_t)(dev->max_response_s - 1) * 1000) {
        const uint8_t denied[1] = {R_VEND_DENIED};
        enqueue(dev, denied, sizeof denied);
        dev->state = WT_MDB_SESSION_IDLE;
        dev->vend_since_ms = 0;
    }
}

size_t wt_mdb_adapter_encode(uint8_t *out, size_t out_cap, const uint16_t *words, size_t n)
{
    WT_ASSERT(out_cap >= 2 * n);
    for (size_t i = 0; i < n; i++) {
        WT_ASSERT(words[i] <= 0x1FF);
        out[2 * i] = (uint8_t)(words[i] >> 8);
        out[2 * i + 1] = (uint8_t)words[i];
    }
    return 2 * n;
}

wt_err wt_mdb_adapter_decode(uint16_t *words, size_t words_cap, size_t *n, const uint8_t *bytes,
                             size_t bytes_len)
{
    *n = 0;
    if (bytes_len % 2 != 0 || bytes_len / 2 > words_cap)
        return WT_ERR_MDB_FRAME;
    for (size_t i = 0; i < bytes_len / 2; i++)
        if (bytes[2 * i] > 1)
            return WT_ERR_MDB_FRAME;
    for (size_t i = 0; i < bytes_len / 2; i++)
        words[i] = (uint16_t)(bytes[2 * i] << 8 | bytes[2 * i + 1]);
    *n = bytes_len / 2;
    return WT_OK;
}
