/*
 * replay.c — `wattle-sim replay`: the scenario's run drives a live wattled
 * as real households and a real meter gateway would. The in-process run
 * (signed mode) computes every home's flows and hands each transaction it
 * applies to this tap, which re-signs it for the node's chain — the
 * operator's and the issuer's with the chain's own keys (files), the
 * gateway's and the homes' with the simulator's keys — and submits it when
 * its moment comes: scenario interval k is the node's interval n0 + k, so a
 * home's STANDING goes in as that interval opens and the gateway's READINGS
 * as soon as it is over. The node settles each interval itself, with its
 * own chain's rules; the simulator's SETTLEs and the utility's float are not
 * sent. The speed is the scenario's interval over the node's.
 */
#include "replay.h"

#include "node_client.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPLAY_TX_BYTES_MAX (WT_TX_HEADER_BYTES + 16 + WT_READINGS_MAX * WT_READING_BYTES_MAX + 64)
#define REPLAY_EXPIRY_MS    3600000
#define REPLAY_SENDERS_MAX  (WT_SIM_HOMES_MAX + 4)
#define REPLAY_LATE_MS      50 /* after an interval's end, before its readings go */

typedef struct {
    uint8_t key[32];
    uint64_t nonce; /* the last one used on the node */
    bool known;
} sender_nonce;

typedef struct {
    const wt_sim_scenario *sc;
    wt_ctx *ctx;
    wt_node_client node;
    wt_seckey operator_key, issuer_key;
    uint32_t chain_id;
    int64_t node_interval_ms;
    uint16_t zone_map[WT_CHAIN_ZONES_MAX]; /* scenario zone -> node zone */
    uint64_t scenario_first;               /* the scenario's first interval number */
    uint64_t node_first;                   /* the node's interval that plays it */
    uint64_t intervals_max;                /* 0: the whole scenario */
    uint64_t intervals_done;
    bool quiet, done;
    sender_nonce *nonces;
    size_t nonces_count;
    uint8_t *buf;
    /* what happened */
    uint64_t sent, committed, rejected, readings;
    char first_rejection[512];
    char failure[1024];
} replay;

static int64_t real_ms(void)
{
    return wt_now_ms();
}

static void sleep_until(int64_t t_ms)
{
    for (int64_t now = real_ms(); now < t_ms; now = real_ms()) {
        int64_t d = t_ms - now;
        struct timespec ts = {.tv_sec = (time_t)(d / 1000), .tv_nsec = (long)(d % 1000) * 1000000};
        nanosleep(&ts, NULL);
    }
}

static sender_nonce *nonce_of(replay *rp, const uint8_t key[32])
{
    for (size_t i = 0; i < rp->nonces_count; i++)
        if (memcmp(rp->nonces[i].key, key, 32) == 0)
            return &rp->nonces[i];
    if (rp->nonces_count == REPLAY_SENDERS_MAX)
        return NULL;
    sender_nonce *n = &rp->nonces[rp->nonces_count++];
    memcpy(n->key, key, 32);
    n->known = false;
    return n;
}

/* The account's nonce on the node (0 for an account it does not know). */
static bool fetch_nonce(replay *rp, sender_nonce *n)
{
    char addr[WT_ADDRESS_CHARS + 1], path[160];
    wt_address_encode(addr, n->key);
    snprintf(path, sizeof path, "/v1/accounts/%s", addr);
    wt_node_error ne;
    char *body = NULL;
    size_t len = 0;
    wt_err e = wt_node_get(&rp->node, &ne, &body, &len, path);
    if (e == WT_ERR_NOT_FOUND) {
        n->nonce = 0;
        n->known = true;
        return true;
    }
    if (e != WT_OK) {
        snprintf(rp->failure, sizeof rp->failure, "GET %s: %s: %.400s", path, ne.code, ne.message);
        return false;
    }
    json_t *doc = json_loadb(body, len, 0, NULL);
    free(body);
    json_t *v = json_object_get(doc, "nonce");
    bool ok = json_is_integer(v) && json_integer_value(v) >= 0;
    if (ok) {
        n->nonce = (uint64_t)json_integer_value(v);
        n->known = true;
    } else
        snprintf(rp->failure, sizeof rp->failure, "GET %s: no nonce in the answer", path);
    json_decref(doc);
    return ok;
}

/* Sign tx as key for the node's chain with the sender's next nonce, submit
 * it, and count what the node said. False only when the node cannot be
 * reached (rp->failure says why). */
static bool submit(replay *rp, wt_tx *tx, const wt_seckey *key, const char *what)
{
    sender_nonce *n = nonce_of(rp, key->pubkey);
    if (n == NULL) {
        snprintf(rp->failure, sizeof rp->failure, "more than %d senders", REPLAY_SENDERS_MAX);
        return false;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!n->known && !fetch_nonce(rp, n))
            return false;
        tx->chain_id = rp->chain_id;
        memcpy(tx->sender, key->pubkey, 32);
        tx->nonce = n->nonce + 1;
        tx->expiry_ms = real_ms() + REPLAY_EXPIRY_MS;
        uint8_t txid[32];
        size_t len = 0;
        const char *field = NULL;
        wt_err e = wt_tx_sign(rp->ctx, txid, tx, key);
        if (e == WT_OK)
            e = wt_tx_encode(rp->buf, REPLAY_TX_BYTES_MAX, &len, &field, tx);
        if (e != WT_OK) {
            snprintf(rp->failure, sizeof rp->failure, "cannot sign %s: %s (%s)", what,
                     wt_errname(e), field != NULL ? field : "-");
            return false;
        }
        const uint8_t *raws[1] = {rp->buf};
        size_t lens[1] = {len};
        wt_node_result res;
        wt_node_error ne;
        rp->sent++;
        if (wt_node_submit_txs(&rp->node, &ne, &res, raws, lens, 1) != WT_OK) {
            snprintf(rp->failure, sizeof rp->failure, "submitting %s: %s: %.400s", what, ne.code,
                     ne.message);
            return false;
        }
        if (res.committed) {
            n->nonce = tx->nonce;
            rp->committed++;
            return true;
        }
        if (strcmp(res.code, "bad_nonce") == 0 && attempt == 0) {
            n->known = false; /* someone else used the key meanwhile: ask again */
            continue;
        }
        if (rp->rejected++ == 0)
            snprintf(rp->first_rejection, sizeof rp->first_rejection, "%s: %s (%s) %.200s", what,
                     res.code, res.field, res.message);
        if (!rp->quiet)
            fprintf(stderr, "wattle-sim replay: %s refused: %s (%s)\n", what, res.code, res.field);
        return true;
    }
    return true;
}

/* The node's start of scenario time t_ms (the start of its interval). */
static int64_t node_time_of(const replay *rp, int64_t t_ms)
{
    int64_t dt = rp->sc->params.interval_ms;
    uint64_t k = (uint64_t)(t_ms / dt) - rp->scenario_first;
    int64_t into = t_ms % dt; /* where in the interval: scaled */
    return (int64_t)(rp->node_first + k) * rp->node_interval_ms + into * rp->node_interval_ms / dt;
}

static bool on_tx(void *arg, wt_sim_tx_kind kind, const wt_tx *tx_in, const wt_seckey *key,
                  int64_t now_ms)
{
    replay *rp = arg;
    wt_tx tx = *tx_in;
    switch (kind) {
    case WT_SIM_TX_GATEWAY:
        return submit(rp, &tx, &rp->operator_key, "the gateway's REGISTER");
    case WT_SIM_TX_METER:
        tx.body.reg.u.meter.zone = rp->zone_map[tx.body.reg.u.meter.zone];
        return submit(rp, &tx, &rp->operator_key, "a meter's REGISTER");
    case WT_SIM_TX_MINT:
        return submit(rp, &tx, &rp->issuer_key, "a home's MINT");
    case WT_SIM_TX_UTILITY_MINT:
    case WT_SIM_TX_SETTLE:
        return true; /* the node's utility and settlement are its own */
    case WT_SIM_TX_STANDING:
        tx.body.standing.zone = rp->zone_map[tx.body.standing.zone];
        if (rp->intervals_done > 0 || now_ms > rp->sc->start_ms)
            sleep_until(node_time_of(rp, now_ms));
        return submit(rp, &tx, key, "a STANDING");
    case WT_SIM_TX_READINGS: {
        uint64_t k = tx.body.readings.interval - rp->scenario_first;
        uint64_t n = rp->node_first + k;
        tx.body.readings.interval = n;
        sleep_until((int64_t)(n + 1) * rp->node_interval_ms + REPLAY_LATE_MS);
        if (!submit(rp, &tx, key, "a READINGS"))
            return false;
        rp->readings += tx.body.readings.count;
        rp->intervals_done++;
        if (!rp->quiet)
            fprintf(stderr, "wattle-sim replay: interval %llu (the node's %llu): %u readings\n",
                    (unsigned long long)k, (unsigned long long)n, tx.body.readings.count);
        if (rp->intervals_max > 0 && rp->intervals_done >= rp->intervals_max) {
            rp->done = true;
            return false;
        }
        return true;
    }
    }
    return true;
}

/* GET /v1/chain: the chain id, the interval and the zones by name. */
static bool read_chain(replay *rp)
{
    wt_node_error ne;
    char *body = NULL;
    size_t len = 0;
    if (wt_node_get(&rp->node, &ne, &body, &len, "/v1/chain") != WT_OK) {
        fprintf(stderr, "wattle-sim replay: GET /v1/chain from %s: %s: %s\n", rp->node.url, ne.code,
                ne.message);
        return false;
    }
    json_t *doc = json_loadb(body, len, 0, NULL);
    free(body);
    json_t *id = json_object_get(doc, "chain_id"), *iv = json_object_get(doc, "interval_ms"),
           *zones = json_object_get(doc, "zones");
    bool ok = json_is_integer(id) && json_is_integer(iv) && json_is_array(zones) &&
              json_integer_value(iv) > 0;
    if (!ok) {
        fprintf(stderr, "wattle-sim replay: %s/v1/chain is not a wattled chain\n", rp->node.url);
        json_decref(doc);
        return false;
    }
    rp->chain_id = (uint32_t)json_integer_value(id);
    rp->node_interval_ms = json_integer_value(iv);
    const wt_chain_params *p = &rp->sc->params;
    for (uint16_t z = 0; z < p->zones_count && ok; z++) {
        bool found = false;
        size_t i;
        json_t *zo;
        json_array_foreach(zones, i, zo)
        {
            const char *name = json_string_value(json_object_get(zo, "name"));
            if (name != NULL && strcmp(name, p->zones[z].name) == 0) {
                rp->zone_map[z] = (uint16_t)json_integer_value(json_object_get(zo, "index"));
                found = true;
            }
        }
        if (!found) {
            fprintf(stderr,
                    "wattle-sim replay: the node's chain has no zone '%s' (the scenario's homes "
                    "live there; make the chain with wattle chain init --zones)\n",
                    p->zones[z].name);
            ok = false;
        }
    }
    json_decref(doc);
    return ok;
}

int wt_sim_replay_main(int argc, char **argv, const char *usage)
{
    static const struct option longopts[] = {
        {"node", required_argument, NULL, 'n'},
        {"operator-key", required_argument, NULL, 'o'},
        {"issuer-key", required_argument, NULL, 'i'},
        {"speed", required_argument, NULL, 's'},
        {"intervals", required_argument, NULL, 'c'},
        {"profiles", required_argument, NULL, 'p'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *node_url = NULL, *op_path = NULL, *issuer_path = NULL, *profiles_path = NULL;
    int64_t speed = 0, intervals = 0;
    bool quiet = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:o:i:s:c:p:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            node_url = optarg;
            break;
        case 'o':
            op_path = optarg;
            break;
        case 'i':
            issuer_path = optarg;
            break;
        case 's':
            if (wt_decimal_parse(&speed, optarg, 0, false) != WT_OK || speed < 1) {
                fprintf(stderr, "wattle-sim replay: --speed '%s' is not a whole number >= 1\n",
                        optarg);
                return 2;
            }
            break;
        case 'c':
            if (wt_decimal_parse(&intervals, optarg, 0, false) != WT_OK || intervals < 1) {
                fprintf(stderr, "wattle-sim replay: --intervals '%s' is not a number >= 1\n",
                        optarg);
                return 2;
            }
            break;
        case 'p':
            profiles_path = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (optind + 1 != argc || node_url == NULL || op_path == NULL || issuer_path == NULL) {
        fprintf(stderr,
                "wattle-sim replay: give one SCENARIO, --node URL, --operator-key FILE and "
                "--issuer-key FILE\n%s",
                usage);
        return 2;
    }
    static replay rp;
    memset(&rp, 0, sizeof rp);
    rp.quiet = quiet;
    rp.intervals_max = (uint64_t)intervals;
    wt_node_error ne;
    if (wt_node_client_init(&rp.node, &ne, node_url, WT_NODE_TIMEOUT_MS_DEFAULT) != WT_OK ||
        rp.node.kind != WT_NODE_HTTP) {
        fprintf(stderr, "wattle-sim replay: --node must be http://HOST:PORT (%s)\n",
                rp.node.kind != WT_NODE_HTTP ? "reads need HTTP" : ne.message);
        return 2;
    }
    static wt_sim_scenario sc;
    wt_sim_error err;
    if (wt_sim_scenario_load(&sc, &err, argv[optind]) != WT_OK) {
        fprintf(stderr, "wattle-sim: %s\n", err.message);
        return 1;
    }
    rp.sc = &sc;
    int rc = 1;
    wt_sim_profiles profiles = {0};
    if (wt_ctx_create(&rp.ctx) != WT_OK) {
        fprintf(stderr, "wattle-sim replay: out of memory\n");
        return 1;
    }
    rp.nonces = calloc(REPLAY_SENDERS_MAX, sizeof *rp.nonces);
    rp.buf = malloc(REPLAY_TX_BYTES_MAX);
    if (rp.nonces == NULL || rp.buf == NULL) {
        fprintf(stderr, "wattle-sim replay: out of memory\n");
        goto out;
    }
    if (wt_keyfile_load(rp.ctx, &rp.operator_key, op_path, NULL, 0) != WT_OK ||
        wt_keyfile_load(rp.ctx, &rp.issuer_key, issuer_path, NULL, 0) != WT_OK) {
        fprintf(stderr,
                "wattle-sim replay: cannot load %s or %s (the chain's operator.key and "
                "issuer.key)\n",
                op_path, issuer_path);
        goto out;
    }
    if (!read_chain(&rp))
        goto out;
    int64_t dt = sc.params.interval_ms;
    if (dt % rp.node_interval_ms != 0 || (speed != 0 && dt != speed * rp.node_interval_ms)) {
        fprintf(stderr,
                "wattle-sim replay: the scenario's %lld ms intervals play as the node's %lld ms "
                "ones, so the speed is %lld / %lld%s; make the chain with --interval-ms %lld "
                "for --speed %lld\n",
                (long long)dt, (long long)rp.node_interval_ms, (long long)dt,
                (long long)rp.node_interval_ms,
                dt % rp.node_interval_ms != 0 ? ", not a whole number" : "",
                (long long)(speed != 0 ? dt / speed : rp.node_interval_ms),
                (long long)(speed != 0 ? speed : 1));
        goto out;
    }
    if (profiles_path != NULL) {
        if (wt_sim_profiles_load(&profiles, &err, profiles_path, sc.start_ms) != WT_OK) {
            fprintf(stderr, "wattle-sim: %s\n", err.message);
            goto out;
        }
    } else if (sc.needs_profiles) {
        fprintf(stderr, "wattle-sim: %s replays measured profiles: give them with --profiles\n",
                argv[optind]);
        goto out;
    }
    rp.scenario_first = (uint64_t)(sc.start_ms / dt);
    /* one whole node interval for the set-up, then the scenario's first */
    rp.node_first = (uint64_t)(real_ms() / rp.node_interval_ms) + 2;
    if (!quiet)
        fprintf(stderr,
                "wattle-sim replay: %s at %lld x onto %s (chain %u): its interval 0 plays as the "
                "node's %llu\n",
                sc.name, (long long)(dt / rp.node_interval_ms), rp.node.url, rp.chain_id,
                (unsigned long long)rp.node_first);
    wt_sim_opts opts = {
        .signed_mode = true, /* the homes' and the gateway's keys are needed */
        .profiles = profiles_path != NULL ? &profiles : NULL,
        .on_tx = on_tx,
        .tx_arg = &rp,
    };
    wt_sim_result *res = NULL;
    wt_err e = wt_sim_run(&res, &err, &sc, &opts);
    wt_sim_result_free(res);
    if (e != WT_OK && !(e == WT_ERR_CANCELLED && rp.done)) {
        fprintf(stderr, "wattle-sim replay: %s\n",
                rp.failure[0] != '\0' ? rp.failure : err.message);
        goto out;
    }
    printf("replayed %llu intervals of %s: %llu transactions sent, %llu committed, %llu refused; "
           "%llu meter readings\n",
           (unsigned long long)rp.intervals_done, sc.name, (unsigned long long)rp.sent,
           (unsigned long long)rp.committed, (unsigned long long)rp.rejected,
           (unsigned long long)rp.readings);
    if (rp.rejected > 0)
        printf("first refusal: %s\n", rp.first_rejection);
    printf("the node settles intervals %llu..%llu itself: GET /v1/settlements/N\n",
           (unsigned long long)rp.node_first,
           (unsigned long long)(rp.node_first + rp.intervals_done - 1));
    rc = rp.rejected > 0 ? 1 : 0;
out:
    wt_sim_profiles_free(&profiles);
    wt_seckey_wipe(&rp.operator_key);
    wt_seckey_wipe(&rp.issuer_key);
    free(rp.nonces);
    free(rp.buf);
    wt_ctx_destroy(rp.ctx);
    return rc;
}
