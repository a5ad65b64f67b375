/* config.c — wattled's settings: defaults, then DIR/wattled.ini, then flags. */
#include "daemon.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char wt_daemon_usage[] =
    "usage: wattled --data DIR [options]\n\n"
    "Runs a wattle chain: takes signed transactions over nng and HTTP, closes a\n"
    "block at the end of every market interval, serves HTTP/JSON and metrics.\n"
    "Settings come from DIR/wattled.ini; flags override them.\n\n"
    "options:\n"
    "  --data DIR          the chain directory made by `wattle chain init` (required)\n"
    "  --http ADDR         HTTP/JSON server, HOST:PORT (default 127.0.0.1:8080)\n"
    "  --listen URL        nng REP submission socket (default tcp://127.0.0.1:5555)\n"
    "  --pub URL           nng PUB event socket (default tcp://127.0.0.1:5556)\n"
    "  --interval-ms N     the market interval; must equal the chain's (a check)\n"
    "  --log-level L       debug, info, warn or error (default info)\n"
    "  --rebuild           rewrite stored account rows that disagree with the replay\n"
    "  --help              this text\n\n"
    "wattled.ini keys: [chain] genesis, store, operator_key; [listen] http, nng, pub;\n"
    "[log] level; [market] interval_ms, settle_delay_intervals (grace for readings:\n"
    "interval n is settled when n + this closes; default 1); [http] body_max,\n"
    "headers_max, timeout_s, threads;\n"
    "[nng] contexts (requests in hand at once; default 64), workers (threads that\n"
    "check and answer requests of more than four transactions; default one per\n"
    "core), idle_timeout_s; [audit] every_s\n"
    "(background audit period, 0: on request only; default 3600), min_gap_s (least time between "
    "requested audits;\n"
    "default 60); [limits] inflight_per_sender (transactions one sender may have\n"
    "awaiting their answer; more are refused with rate_limited; 0: no limit;\n"
    "default 4096, one full batch).\n";

void wt_daemon_config_defaults(wt_daemon_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->genesis, sizeof cfg->genesis, "genesis.bin");
    snprintf(cfg->store, sizeof cfg->store, "ledger.db");
    snprintf(cfg->operator_key, sizeof cfg->operator_key, "operator.key");
    snprintf(cfg->http_addr, sizeof cfg->http_addr, "127.0.0.1:8080");
    snprintf(cfg->listen_url, sizeof cfg->listen_url, "tcp://127.0.0.1:5555");
    snprintf(cfg->pub_url, sizeof cfg->pub_url, "tcp://127.0.0.1:5556");
    cfg->log_level = WT_LOG_INFO;
    cfg->rep_contexts = 64;
    cfg->rep_workers = 0; /* one per core */
    cfg->http_body_max = 1024 * 1024;
    cfg->http_headers_max = 8192;
    cfg->http_timeout_s = 10;
    cfg->http_threads = 4;
    cfg->nng_idle_timeout_s = 120;
    cfg->catchup_per_tick = 64;
    cfg->settle_delay = 1;
    cfg->audit_every_s = 3600;
    cfg->audit_min_gap_s = 60;
    cfg->inflight_per_sender = 4096; /* one full nng batch (WT_WIRE_TXS_MAX) */
}

static bool set_text(char *out, size_t out_cap, const char *value)
{
    size_t n = strlen(value);
    if (n == 0 || n >= out_cap)
        return false;
    memcpy(out, value, n + 1);
    return true;
}

static bool parse_u32(uint32_t *out, const char *value, uint32_t min, uint32_t max)
{
    char *end;
    errno = 0;
    if (value[0] < '0' || value[0] > '9')
        return false;
    unsigned long long v = strtoull(value, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool parse_interval(int64_t *out, const char *value)
{
    uint32_t v;
    if (!parse_u32(&v, value, 1000, 900000))
        return false;
    *out = v;
    return true;
}

/* One setting by section and name; false with msg on a bad one. */
static bool apply(wt_daemon_config *cfg, char *msg, size_t msg_cap, const char *section,
                  const char *name, const char *value)
{
    bool ok;
    const char *why = "is not a valid value";
#define IS(s, n) (strcmp(section, s) == 0 && strcmp(name, n) == 0)
    if (IS("chain", "genesis"))
        ok = set_text(cfg->genesis, sizeof cfg->genesis, value);
    else if (IS("chain", "store"))
        ok = set_text(cfg->store, sizeof cfg->store, value);
    else if (IS("chain", "operator_key"))
        ok = set_text(cfg->operator_key, sizeof cfg->operator_key, value);
    else if (IS("listen", "http"))
        ok = set_text(cfg->http_addr, sizeof cfg->http_addr, value);
    else if (IS("listen", "nng"))
        ok = set_text(cfg->listen_url, sizeof cfg->listen_url, value);
    else if (IS("listen", "pub"))
        ok = set_text(cfg->pub_url, sizeof cfg->pub_url, value);
    else if (IS("log", "level"))
        ok = wt_log_level_parse(&cfg->log_level, value);
    else if (IS("market", "interval_ms"))
        ok = parse_interval(&cfg->interval_ms, value);
    else if (IS("market", "settle_delay_intervals"))
        ok = parse_u32(&cfg->settle_delay, value, 0, 1000);
    else if (IS("http", "body_max"))
        ok = parse_u32(&cfg->http_body_max, value, 1024, 64u * 1024 * 1024);
    else if (IS("http", "headers_max"))
        ok = parse_u32(&cfg->http_headers_max, value, 1024, 1024 * 1024);
    else if (IS("http", "timeout_s"))
        ok = parse_u32(&cfg->http_timeout_s, value, 1, 3600);
    else if (IS("http", "threads"))
        ok = parse_u32(&cfg->http_threads, value, 1, 256);
    else if (IS("nng", "workers"))
        ok = parse_u32(&cfg->rep_workers, value, 1, 1024);
    else if (IS("nng", "contexts"))
        ok = parse_u32(&cfg->rep_contexts, value, 1, 4096);
    else if (IS("audit", "every_s"))
        ok = parse_u32(&cfg->audit_every_s, value, 0, 7 * 86400);
    else if (IS("audit", "min_gap_s"))
        ok = parse_u32(&cfg->audit_min_gap_s, value, 0, 86400);
    else if (IS("nng", "idle_timeout_s"))
        ok = parse_u32(&cfg->nng_idle_timeout_s, value, 1, 86400);
    else if (IS("limits", "inflight_per_sender"))
        ok = parse_u32(&cfg->inflight_per_sender, value, 0, 1u << 20);
    else {
        ok = false;
        why = "is not a known setting";
    }
#undef IS
    if (!ok)
        snprintf(msg, msg_cap, "[%s] %s = '%s' %s", section, name, value, why);
    return ok;
}

typedef struct {
    wt_daemon_config *cfg;
    char *msg;
    size_t msg_cap;
} ini_ctx;

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    ini_ctx *ic = user;
    return apply(ic->cfg, ic->msg, ic->msg_cap, section, name, value) ? 1 : 0;
}

wt_err wt_daemon_config_load(wt_daemon_config *cfg, int *line, char *msg, size_t msg_cap,
                             const char *path)
{
    *line = 0;
    if (msg_cap > 0)
        msg[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return WT_ERR_NOT_FOUND;
    int long_line = wt_ini_file_long_line(f);
    if (long_line != 0) {
        fclose(f);
        *line = long_line;
        snprintf(msg, msg_cap, "the line is longer than %d characters", WT_INI_LINE_MAX);
        return WT_ERR_BAD_REQUEST;
    }
    ini_ctx ic = {.cfg = cfg, .msg = msg, .msg_cap = msg_cap};
    int rc = ini_parse_file(f, on_ini, &ic);
    fclose(f);
    if (rc != 0) {
        *line = rc;
        if (msg_cap > 0 && msg[0] == '\0')
            snprintf(msg, msg_cap, "syntax error");
        return WT_ERR_BAD_REQUEST;
    }
    return WT_OK;
}

const char *wt_daemon_args_data_dir(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--data") == 0)
            return argv[i + 1];
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--data=", 7) == 0)
            return argv[i] + 7;
    return NULL;
}

wt_err wt_daemon_config_args(wt_daemon_config *cfg, bool *help, char *msg, size_t msg_cap, int argc,
                             char **argv)
{
    *help = false;
    static const struct {
        const char *flag, *section, *name;
    } map[] = {
        {"--http", "listen", "http"},    {"--listen", "listen", "nng"},
        {"--pub", "listen", "pub"},      {"--interval-ms", "market", "interval_ms"},
        {"--log-level", "log", "level"},
    };
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            *help = true;
            return WT_OK;
        }
        if (strcmp(arg, "--rebuild") == 0) {
            cfg->rebuild = true;
            continue;
        }
        /* --flag VALUE or --flag=VALUE */
        char flag[64];
        const char *value = NULL;
        const char *eq = strchr(arg, '=');
        if (eq != NULL && (size_t)(eq - arg) < sizeof flag) {
            memcpy(flag, arg, (size_t)(eq - arg));
            flag[eq - arg] = '\0';
            value = eq + 1;
        } else {
            snprintf(flag, sizeof flag, "%s", arg);
        }
        bool known = strcmp(flag, "--data") == 0;
        size_t k = 0;
        for (; !known && k < sizeof map / sizeof map[0]; k++)
            known = strcmp(flag, map[k].flag) == 0;
        if (!known) {
            snprintf(msg, msg_cap, "unknown option '%s'", arg);
            return WT_ERR_INVALID_ARGUMENT;
        }
        if (value == NULL) {
            if (i + 1 >= argc) {
                snprintf(msg, msg_cap, "%s needs a value", flag);
                return WT_ERR_INVALID_ARGUMENT;
            }
            value = argv[++i];
        }
        if (strcmp(flag, "--data") == 0) {
            if (!set_text(cfg->data_dir, sizeof cfg->data_dir, value)) {
                snprintf(msg, msg_cap, "--data '%s' is not a usable path", value);
                return WT_ERR_INVALID_ARGUMENT;
            }
            continue;
        }
        k--;
        if (!apply(cfg, msg, msg_cap, map[k].section, map[k].name, value))
            return WT_ERR_INVALID_ARGUMENT;
    }
    if (cfg->data_dir[0] == '\0') {
        snprintf(msg, msg_cap, "--data DIR is required");
        return WT_ERR_INVALID_ARGUMENT;
    }
    return WT_OK;
}

void wt_daemon_path(char *out, size_t out_cap, const wt_daemon_config *cfg, const char *path)
{
    if (path[0] == '/')
        snprintf(out, out_cap, "%s", path);
    else
        snprintf(out, out_cap, "%s/%s", cfg->data_dir, path);
}

/* ------------------------------------------------------- interval clock */

uint64_t wt_interval_of(int64_t now_ms, int64_t interval_ms)
{
    WT_ASSERT(interval_ms > 0);
    return now_ms < 0 ? 0 : (uint64_t)(now_ms / interval_ms);
}

uint64_t wt_interval_due(int64_t now_ms, int64_t interval_ms, uint64_t next)
{
    uint64_t current = wt_interval_of(now_ms, interval_ms); /* still open */
    return current > next ? current - next : 0;
}

int64_t wt_interval_wait_ms(int64_t now_ms, int64_t interval_ms, uint64_t next)
{
    int64_t end_ms;
    if (next >= (uint64_t)INT64_MAX || wt_mul_i64(&end_ms, (int64_t)next + 1, interval_ms) != WT_OK)
        return INT64_MAX;
    return end_ms > now_ms ? end_ms - now_ms : 0;
}

uint64_t wt_interval_first(uint64_t tip_height, uint64_t tip_interval)
{
    return tip_height == 0 ? tip_interval : tip_interval + 1;
}
