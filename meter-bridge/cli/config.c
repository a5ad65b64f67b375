/*
 * config.c — `wattle-meter run --config FILE` settings (libinih), and opening
 * the inputs they name: files, pipes, serial devices (termios), TCP streams,
 * MQTT subscriptions, Modbus TCP pollers (modbus.c).
 */
#include "bridge.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <mosquitto.h>
#include <pthread.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

typedef struct {
    bridge_config *cfg;
    char error[256];
    bool has_chain_id;
} ini_ctx;

static bool parse_i64(int64_t *out, const char *text, int64_t lo, int64_t hi)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi)
        return false;
    *out = (int64_t)v;
    return true;
}

bool bridge_sunspec_model_parse(bridge_sunspec_model *model, const char *text)
{
    if (strcmp(text, "auto") == 0) {
        *model = (bridge_sunspec_model){0, 1};
        return true;
    }
    char id_text[8];
    const char *colon = strchr(text, ':');
    size_t n = colon != NULL ? (size_t)(colon - text) : strlen(text);
    int64_t id = 0, nth = 1;
    if (n == 0 || n >= sizeof id_text)
        return false;
    memcpy(id_text, text, n);
    id_text[n] = '\0';
    if (!parse_i64(&id, id_text, 1, 65534) || !wt_sunspec_is_energy_model((uint16_t)id) ||
        (colon != NULL && !parse_i64(&nth, colon + 1, 1, WT_SUNSPEC_MODELS_MAX)))
        return false;
    *model = (bridge_sunspec_model){(uint16_t)id, (uint32_t)nth};
    return true;
}

static bool copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n == 0 || n >= cap)
        return false;
    memcpy(dst, src, n + 1);
    return true;
}

static bridge_meter *meter_of(bridge_config *cfg, const char *section)
{
    for (size_t i = 0; i < cfg->meters_count; i++)
        if (strcmp(cfg->meters[i].name, section) == 0)
            return &cfg->meters[i];
    if (cfg->meters_count >= BRIDGE_METERS_MAX || strlen(section) >= sizeof cfg->meters[0].name)
        return NULL;
    bridge_meter *grown = realloc(cfg->meters, (cfg->meters_count + 1) * sizeof *grown);
    if (grown == NULL)
        return NULL;
    cfg->meters = grown;
    bridge_meter *m = &cfg->meters[cfg->meters_count++];
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", section);
    m->unit_id = 1;
    m->poll_interval_ms = 5000;
    m->response_timeout_ms = 2000;
    m->sunspec_model = (bridge_sunspec_model){0, 1};
    return m;
}

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    ini_ctx *ic = user;
    bridge_config *c = ic->cfg;
    bool ok = true;
    int64_t v = 0;
    if (strcmp(section, "gateway") == 0) {
        if (strcmp(name, "key") == 0)
            ok = copy(c->key_path, sizeof c->key_path, value);
        else if (strcmp(name, "node") == 0)
            ok = copy(c->node, sizeof c->node, value);
        else if (strcmp(name, "genesis") == 0)
            ok = copy(c->genesis, sizeof c->genesis, value);
        else if (strcmp(name, "queue") == 0)
            ok = copy(c->queue, sizeof c->queue, value);
        else if (strcmp(name, "chain_id") == 0) {
            ok = parse_i64(&v, value, 0, UINT32_MAX);
            c->chain_id = (uint32_t)v;
            ic->has_chain_id = ok;
        } else if (strcmp(name, "interval_ms") == 0)
            ok = parse_i64(&c->interval_ms, value, 1000, 86400000);
        else if (strcmp(name, "flush_delay_ms") == 0)
            ok = parse_i64(&c->flush_delay_ms, value, 0, 86400000);
        else if (strcmp(name, "max_skew_ms") == 0)
            ok = parse_i64(&c->max_skew_ms, value, 0, 86400000);
        else if (strcmp(name, "max_gap_ms") == 0)
            ok = parse_i64(&c->max_gap_ms, value, 1, 86400000);
        else if (strcmp(name, "register_modulus_mwh") == 0)
            ok = parse_i64(&c->register_modulus_mwh, value, 0, INT64_C(100000000000000000));
        else if (strcmp(name, "timeout_ms") == 0)
            ok = parse_i64(&c->timeout_ms, value, 10, 600000);
        else if (strcmp(name, "retry_ms") == 0)
            ok = parse_i64(&c->retry_ms, value, 10, 3600000);
        else if (strcmp(name, "expiry_ms") == 0)
            ok = parse_i64(&c->expiry_ms, value, 1000, INT64_C(31536000000));
        else if (strcmp(name, "nonce_base") == 0) {
            ok = parse_i64(&v, value, 0, INT64_MAX);
            c->nonce_base = (uint64_t)v;
            c->has_nonce_base = ok;
        } else if (strcmp(name, "ignore_crc") == 0)
            c->ignore_crc = strcmp(value, "true") == 0 || strcmp(value, "1") == 0;
        else {
            snprintf(ic->error, sizeof ic->error, "unknown key [gateway] %s", name);
            return 0;
        }
    } else {
        bridge_meter *m = meter_of(c, section);
        if (m == NULL) {
            snprintf(ic->error, sizeof ic->error, "too many meters or section name too long");
            return 0;
        }
        if (strcmp(name, "protocol") == 0) {
            m->protocol = strcmp(value, "dsmr") == 0      ? WT_METER_FORMAT_DSMR
                          : strcmp(value, "sml") == 0     ? WT_METER_FORMAT_SML
                          : strcmp(value, "tasmota") == 0 ? WT_METER_FORMAT_TASMOTA
                          : strcmp(value, "sunspec") == 0 ? WT_METER_FORMAT_SUNSPEC
                                                          : 0;
            ok = m->protocol != 0;
        } else if (strcmp(name, "input") == 0) {
            m->input = strcmp(value, "file") == 0         ? INPUT_FILE
                       : strcmp(value, "pipe") == 0       ? INPUT_PIPE
                       : strcmp(value, "serial") == 0     ? INPUT_SERIAL
                       : strcmp(value, "tcp") == 0        ? INPUT_TCP
                       : strcmp(value, "mqtt") == 0       ? INPUT_MQTT
                       : strcmp(value, "modbus-tcp") == 0 ? INPUT_MODBUS_TCP
                                                          : 0;
            ok = m->input != 0;
        } else if (strcmp(name, "address") == 0) {
            ok = copy(m->address, sizeof m->address, value);
        } else if (strcmp(name, "meter_id") == 0 || strcmp(name, "meter") == 0) {
            wt_meter_id id;
            ok = wt_meter_id_set(&id, value) == WT_OK;
            if (ok)
                snprintf(m->meter_id, sizeof m->meter_id, "%s", value);
        } else if (strcmp(name, "baud") == 0) {
            ok = parse_i64(&v, value, 0, 4000000) && (v == 9600 || v == 115200);
            m->baud = (uint32_t)v;
        } else if (strcmp(name, "unit_id") == 0) {
            ok = parse_i64(&v, value, 0, 255);
            m->unit_id = (uint8_t)v;
        } else if (strcmp(name, "poll_interval_ms") == 0) {
            ok = parse_i64(&m->poll_interval_ms, value, 100, 3600000);
        } else if (strcmp(name, "response_timeout_ms") == 0) {
            ok = parse_i64(&m->response_timeout_ms, value, 10, 60000);
        } else if (strcmp(name, "sunspec_model") == 0) {
            ok = bridge_sunspec_model_parse(&m->sunspec_model, value);
        } else {
            snprintf(ic->error, sizeof ic->error, "unknown key [%s] %s", section, name);
            return 0;
        }
    }
    if (!ok) {
        snprintf(ic->error, sizeof ic->error, "bad value for [%s] %s: '%s'", section, name, value);
        return 0;
    }
    return 1;
}

static bool load_genesis(bridge_config *cfg, const char *prog)
{
    static uint8_t bytes[1 << 16];
    FILE *f = fopen(cfg->genesis, "rb");
    size_t len = f != NULL ? fread(bytes, 1, sizeof bytes, f) : 0;
    bool ok = f != NULL && !ferror(f) && len < sizeof bytes;
    if (f != NULL)
        fclose(f);
    static wt_chain_params p;
    if (!ok || wt_chain_params_decode(&p, bytes, len) != WT_OK) {
        fprintf(stderr, "%s: %s is not a readable chain genesis.bin\n", prog, cfg->genesis);
        return false;
    }
    cfg->chain_id = p.chain_id;
    if (cfg->interval_ms == 0)
        cfg->interval_ms = p.interval_ms;
    return true;
}

bool bridge_config_load(bridge_config *cfg, const char *path, const char *prog)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->flush_delay_ms = 5000;
    cfg->max_skew_ms = 30000;
    cfg->max_gap_ms = WT_AGG_GAP_MS_DEFAULT;
    cfg->timeout_ms = 5000;
    cfg->retry_ms = 5000;
    cfg->expiry_ms = INT64_C(7) * 86400000;
    ini_ctx ic = {.cfg = cfg};
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "%s: cannot read %s: %s\n", prog, path, strerror(errno));
        return false;
    }
    int line = wt_ini_file_long_line(f);
    if (line != 0)
        snprintf(ic.error, sizeof ic.error, "the line is longer than %d characters",
                 WT_INI_LINE_MAX);
    else
        line = ini_parse_file(f, on_ini, &ic);
    fclose(f);
    if (line != 0) {
        fprintf(stderr, "%s: %s line %d: %s\n", prog, path, line,
                ic.error[0] ? ic.error : "not INI syntax");
        return false;
    }
    const char *missing = cfg->key_path[0] == '\0' ? "[gateway] key"
                          : cfg->node[0] == '\0'   ? "[gateway] node"
                          : cfg->queue[0] == '\0'  ? "[gateway] queue"
                          : cfg->genesis[0] == '\0' && !ic.has_chain_id
                              ? "[gateway] genesis (or chain_id and interval_ms)"
                              : NULL;
    if (missing == NULL && cfg->genesis[0] != '\0' && !load_genesis(cfg, prog))
        return false;
    if (missing == NULL && cfg->interval_ms == 0)
        missing = "[gateway] interval_ms";
    if (missing == NULL && cfg->meters_count == 0)
        missing = "a meter section";
    for (size_t i = 0; missing == NULL && i < cfg->meters_count; i++) {
        bridge_meter *m = &cfg->meters[i];
        if (m->protocol == 0 || m->input == 0 || m->address[0] == '\0' || m->meter_id[0] == '\0') {
            fprintf(stderr, "%s: %s: [%s] needs protocol, input, address and meter_id\n", prog,
                    path, m->name);
            return false;
        }
        if (m->baud == 0)
            m->baud = 115200;
        if (m->input == INPUT_MQTT && m->protocol != WT_METER_FORMAT_TASMOTA) {
            fprintf(stderr, "%s: %s: [%s] input mqtt carries Tasmota messages only\n", prog, path,
                    m->name);
            return false;
        }
        bool dumps = m->input == INPUT_FILE || m->input == INPUT_PIPE;
        if ((m->input == INPUT_MODBUS_TCP && m->protocol != WT_METER_FORMAT_SUNSPEC) ||
            (m->protocol == WT_METER_FORMAT_SUNSPEC && m->input != INPUT_MODBUS_TCP && !dumps)) {
            fprintf(stderr,
                    "%s: %s: [%s] protocol sunspec reads input modbus-tcp (or dumps from a file "
                    "or pipe), and modbus-tcp carries sunspec only\n",
                    prog, path, m->name);
            return false;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(cfg->meters[j].meter_id, m->meter_id) == 0) {
                fprintf(stderr, "%s: %s: meter_id %s appears twice\n", prog, path, m->meter_id);
                return false;
            }
    }
    if (missing != NULL) {
        fprintf(stderr, "%s: %s: missing %s\n", prog, path, missing);
        return false;
    }
    return true;
}

void bridge_config_free(bridge_config *cfg)
{
    free(cfg->meters);
    memset(cfg, 0, sizeof *cfg);
}

int bridge_serial_setup(int fd, uint32_t baud)
{
    struct termios t;
    if (tcgetattr(fd, &t) != 0)
        return -1;
    cfmakeraw(&t);
    speed_t speed = baud == 9600 ? B9600 : B115200;
    cfsetispeed(&t, speed);
    cfsetospeed(&t, speed);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | PARODD | CSTOPB);
    if (baud == 9600) { /* DSMR 2.2 / 3: 7 data bits, even parity, 1 stop bit */
        t.c_cflag |= CS7 | PARENB;
        t.c_iflag |= ISTRIP;
    } else { /* DSMR 4 / 5: 8N1 */
        t.c_cflag |= CS8;
    }
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    return tcsetattr(fd, TCSANOW, &t);
}

static int tcp_connect(const char *address, char *err, size_t err_cap)
{
    char host[256];
    const char *colon = strrchr(address, ':');
    if (colon == NULL || (size_t)(colon - address) >= sizeof host || colon == address) {
        snprintf(err, err_cap, "tcp address '%s' is not HOST:PORT", address);
        return -1;
    }
    memcpy(host, address, (size_t)(colon - address));
    host[colon - address] = '\0';
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0) {
        snprintf(err, err_cap, "%s: %s", address, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            snprintf(err, err_cap, "%s: %s", address, strerror(errno));
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

/* ------------------------------------------------------------------ MQTT */

#define MQTT_CLIENTS_MAX 64

typedef struct {
    struct mosquitto *mosq;
    int write_fd;
    char topic[BRIDGE_TEXT_BYTES];
} mqtt_client;

static mqtt_client *mqtt_clients[MQTT_CLIENTS_MAX];
static size_t mqtt_count;

static void mqtt_on_connect(struct mosquitto *mosq, void *arg, int rc)
{
    mqtt_client *c = arg;
    if (rc == 0)
        mosquitto_subscribe(mosq, NULL, c->topic, 1);
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* One line per message: "TOPIC PAYLOAD\n", line breaks inside the payload
 * turned into spaces (JSON allows them anywhere a space goes). */
static void mqtt_on_message(struct mosquitto *mosq, void *arg, const struct mosquitto_message *msg)
{
    (void)mosq;
    mqtt_client *c = arg;
    if (msg->payloadlen <= 0 || msg->payloadlen > WT_TASMOTA_PAYLOAD_BYTES_MAX)
        return;
    size_t tlen = strlen(msg->topic), plen = (size_t)msg->payloadlen;
    char *line = malloc(tlen + plen + 2);
    if (line == NULL)
        return;
    memcpy(line, msg->topic, tlen);
    line[tlen] = ' ';
    memcpy(line + tlen + 1, msg->payload, plen);
    for (size_t i = tlen + 1; i < tlen + 1 + plen; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[tlen + 1 + plen] = '\n';
    write_all(c->write_fd, line, tlen + plen + 2);
    free(line);
}

static int mqtt_open(const char *address, char *err, size_t err_cap)
{
    char host[256];
    const char *colon = strchr(address, ':');
    const char *slash = colon != NULL ? strchr(colon, '/') : NULL;
    char *end = NULL;
    long port = colon != NULL ? strtol(colon + 1, &end, 10) : 0;
    if (colon == NULL || slash == NULL || end != slash || port <= 0 || port > 65535 ||
        (size_t)(colon - address) >= sizeof host || slash[1] == '\0') {
        snprintf(err, err_cap, "mqtt address '%s' is not HOST:PORT/TOPIC", address);
        return -1;
    }
    if (mqtt_count == MQTT_CLIENTS_MAX) {
        snprintf(err, err_cap, "more than %d MQTT inputs", MQTT_CLIENTS_MAX);
        return -1;
    }
    memcpy(host, address, (size_t)(colon - address));
    host[colon - address] = '\0';
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(err, err_cap, "pipe: %s", strerror(errno));
        return -1;
    }
    mqtt_client *c = calloc(1, sizeof *c);
    if (c == NULL) {
        close(fds[0]);
        close(fds[1]);
        snprintf(err, err_cap, "out of memory");
        return -1;
    }
    snprintf(c->topic, sizeof c->topic, "%s", slash + 1);
    c->write_fd = fds[1];
    mosquitto_lib_init();
    c->mosq = mosquitto_new(NULL, true, c);
    int rc = c->mosq != NULL ? MOSQ_ERR_SUCCESS : MOSQ_ERR_NOMEM;
    if (rc == MOSQ_ERR_SUCCESS) {
        mosquitto_connect_callback_set(c->mosq, mqtt_on_connect);
        mosquitto_message_callback_set(c->mosq, mqtt_on_message);
        mosquitto_reconnect_delay_set(c->mosq, 1, 30, true);
        rc = mosquitto_connect_async(c->mosq, host, (int)port, 30);
    }
    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_loop_start(c->mosq);
    if (rc != MOSQ_ERR_SUCCESS) {
        snprintf(err, err_cap, "%s: %s", address,
                 rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
        if (c->mosq != NULL)
            mosquitto_destroy(c->mosq);
        close(fds[0]);
        close(fds[1]);
        free(c);
        return -1;
    }
    mqtt_clients[mqtt_count++] = c;
    return fds[0];
}

void bridge_inputs_stop(void)
{
    bridge_modbus_stop_all();
    for (size_t i = 0; i < mqtt_count; i++) {
        mqtt_client *c = mqtt_clients[i];
        /* the loop thread ends by itself once disconnected (loop_stop also
         * wakes it from a reconnect wait); a forced stop would cancel it
         * with pthread_cancel, whose forced unwinding can abort the process
         * ("exception not rethrown", written to the tty, status 134) */
        mosquitto_disconnect(c->mosq);
        mosquitto_loop_stop(c->mosq, false);
        mosquitto_destroy(c->mosq);
        close(c->write_fd);
        free(c);
    }
    if (mqtt_count > 0)
        mosquitto_lib_cleanup();
    mqtt_count = 0;
}

int bridge_input_open(const bridge_meter *m, char *err, size_t err_cap)
{
    int fd = -1;
    switch (m->input) {
    case INPUT_FILE:
    case INPUT_PIPE:
        /* a FIFO opened read-write never sees EOF when its writer goes away */
        fd = open(m->address, (m->input == INPUT_PIPE ? O_RDWR : O_RDONLY) | O_CLOEXEC);
        break;
    case INPUT_SERIAL:
        fd = open(m->address, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd >= 0 && bridge_serial_setup(fd, m->baud) != 0) {
            snprintf(err, err_cap, "%s: not a serial line: %s", m->address, strerror(errno));
            close(fd);
            return -1;
        }
        break;
    case INPUT_TCP:
        fd = tcp_connect(m->address, err, err_cap);
        if (fd < 0)
            return -1;
        break;
    case INPUT_MQTT:
        fd = mqtt_open(m->address, err, err_cap);
        if (fd < 0)
            return -1;
        break;
    case INPUT_MODBUS_TCP:
        fd = bridge_modbus_open(m, err, err_cap);
        if (fd < 0)
            return -1;
        break;
    }
    if (fd < 0) {
        snprintf(err, err_cap, "%s: %s", m->address, strerror(errno));
        return -1;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    return fd;
}
