/* cmd_audit.c — `wattle audit --db FILE`: re-verify a ledger from its
 * genesis and print a summary, or name the first violation. */
#include "commands.h"
#include "engine.h"
#include "options.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char audit_usage[] =
    "usage: wattle audit --db FILE [--threads N] [--quiet]\n\n"
    "Re-verifies the ledger FILE (a wattled store) from its genesis: every\n"
    "transaction's txid, signature and nonce, every block's Merkle root, state hash,\n"
    "operator signature and link to the block before, the stored account state\n"
    "against the replayed one, and balances + holds = minted - burned. It opens the\n"
    "store read-only, so it may run while wattled is writing.\n\n"
    "  --threads N   signature-checking threads besides this one (default: all cores)\n"
    "  --quiet       no progress on stderr\n\n"
    "Exit status: 0 the ledger is sound; 1 a violation (printed with its block, its\n"
    "transaction and what is wrong); 2 usage or a store that cannot be read.\n";

static void progress(void *arg, uint64_t txs)
{
    (void)arg;
    fprintf(stderr, "\raudit: %" PRIu64 " transactions verified", txs);
}

static void print_u(const char *label, int64_t micro)
{
    char text[32];
    wt_decimal_format(text, sizeof text, micro, 6);
    printf("  %-10s %s U\n", label, text);
}

int wt_cli_audit(int argc, char **argv)
{
    if (wt_cli_wants_help(argc, argv)) {
        fputs(audit_usage, stdout);
        return 0;
    }
    wt_cli_option opts[] = {{"db", false, NULL}, {"threads", false, NULL}, {"quiet", true, NULL}};
    const size_t n_opts = sizeof opts / sizeof opts[0];
    const char *pos[1];
    size_t n_pos;
    if (!wt_cli_parse("audit", argc, argv, 1, opts, n_opts, pos, 0, &n_pos))
        return 2;
    const char *db = wt_cli_value(opts, n_opts, "db");
    if (db == NULL) {
        fprintf(stderr, "wattle audit: --db FILE is required\n\n%s", audit_usage);
        return 2;
    }
    if (access(db, R_OK) != 0) {
        fprintf(stderr, "wattle audit: cannot read %s\n", db);
        return 2;
    }
    wt_audit_opts aopts = {0};
    const char *threads = wt_cli_value(opts, n_opts, "threads");
    if (threads != NULL) {
        int64_t n;
        if (wt_decimal_parse(&n, threads, 0, false) != WT_OK || n < 1 || n > 256) {
            fprintf(stderr, "wattle audit: --threads '%s' must be 1..256\n", threads);
            return 2;
        }
        aopts.verify_threads = (unsigned)n;
    }
    bool quiet = wt_cli_value(opts, n_opts, "quiet") != NULL;
    if (!quiet && isatty(STDERR_FILENO))
        aopts.progress = progress;

    wt_ctx *ctx = NULL;
    if (wt_ctx_create(&ctx) != WT_OK) {
        fprintf(stderr, "wattle audit: cannot set up signature checks\n");
        return 2;
    }
    wt_audit_report r;
    wt_err err = wt_audit_run(ctx, &r, db, &aopts);
    wt_ctx_destroy(ctx);
    if (aopts.progress != NULL)
        fputc('\n', stderr);
    if (err != WT_OK) {
        printf("audit FAILED: %s\n", r.what);
        printf("  error      %s\n", wt_errname(r.err));
        printf("  verified   %" PRIu64 " blocks, %" PRIu64 " transactions before it\n", r.blocks,
               r.txs);
        bool unreadable = r.err == WT_ERR_NOT_FOUND || r.err == WT_ERR_STORAGE_UNAVAILABLE ||
                          r.err == WT_ERR_NOT_A_STORE || r.err == WT_ERR_STORE_VERSION;
        return unreadable && r.blocks == 0 ? 2 : 1;
    }
    double rate = r.seconds > 0 ? (double)r.txs / r.seconds : 0;
    printf("audit ok: %s\n", db);
    printf("  blocks     %" PRIu64 " (genesis included)\n", r.blocks);
    printf("  txs        %" PRIu64 " (%" PRIu64 " in the open block)\n", r.txs, r.open_txs);
    printf("  accounts   %" PRIu64 "\n", r.accounts);
    print_u("minted", r.minted_micro);
    print_u("burned", r.burned_micro);
    print_u("balances", r.balances_micro);
    print_u("holds", r.holds_micro);
    printf("  time       %.3f s (%.0f tx/s)\n", r.seconds, rate);
    return 0;
}

/* ------------------------------------------------------ wattle settlements */

static const char settlements_usage[] =
    "usage: wattle settlements --db FILE [--from N] [--to M] [--policy] [--quiet]\n\n"
    "Prints the settlement rows of every interval settled in the ledger FILE (a\n"
    "wattled store), or of intervals N..M, as one CSV on stdout: the same columns\n"
    "as GET /v1/settlements/{interval}?format=csv, one header line, the intervals in\n"
    "ledger order. The node keeps only the last 1,024 settlements for HTTP; this\n"
    "recomputes any of them from the ledger alone, through the auditor: every block\n"
    "and transaction up to M is verified on the way, and a SETTLE that differs from\n"
    "its recomputation stops it with the audit's error. Read-only, so it may run\n"
    "while wattled is writing.\n\n"
    "  --from N    the first interval (default: the first settled)\n"
    "  --to M      the last interval (default: the last settled)\n"
    "  --policy    three more columns: bid_cut_mwh, retail_unpaid_micro,\n"
    "              feed_in_unpaid_micro (the overdraft policy's figures)\n"
    "  --quiet     no progress on stderr\n\n"
    "Exit status: 0 done; 1 the ledger failed its audit on the way; 2 usage or a\n"
    "store that cannot be read.\n";

typedef struct {
    uint64_t from, to;
    bool policy, header_done, write_failed;
    uint64_t intervals, rows;
    _Atomic bool stop; /* set once past --to: the audit stops there */
    char *buf;
    size_t cap;
} settlements_out;

static void settlement_rows(void *arg, const wt_chain_params *params, const wt_settlement *s)
{
    settlements_out *o = arg;
    if (s->interval > o->to) {
        atomic_store(&o->stop, true);
        return;
    }
    if (s->interval < o->from || o->write_failed)
        return;
    bool header = !o->header_done;
    size_t need = wt_settle_rows_csv(NULL, 0, params, s->rows, s->rows_count, header, o->policy);
    if (need + 1 > o->cap) {
        char *bigger = realloc(o->buf, need + 1);
        if (bigger == NULL) {
            o->write_failed = true;
            atomic_store(&o->stop, true);
            return;
        }
        o->buf = bigger;
        o->cap = need + 1;
    }
    wt_settle_rows_csv(o->buf, o->cap, params, s->rows, s->rows_count, header, o->policy);
    if (fwrite(o->buf, 1, need, stdout) != need) {
        o->write_failed = true;
        atomic_store(&o->stop, true);
        return;
    }
    o->header_done = true;
    o->intervals++;
    o->rows += s->rows_count;
    if (s->interval == o->to)
        atomic_store(&o->stop, true);
}

static bool parse_interval(uint64_t *out, const char *name, const char *text)
{
    int64_t n;
    if (wt_decimal_parse(&n, text, 0, false) != WT_OK || n < 0) {
        fprintf(stderr, "wattle settlements: --%s '%s' must be an interval number (0 or more)\n",
                name, text);
        return false;
    }
    *out = (uint64_t)n;
    return true;
}

int wt_cli_settlements(int argc, char **argv)
{
    if (wt_cli_wants_help(argc, argv)) {
        fputs(settlements_usage, stdout);
        return 0;
    }
    wt_cli_option opts[] = {{"db", false, NULL},
                            {"from", false, NULL},
                            {"to", false, NULL},
                            {"policy", true, NULL},
                            {"quiet", true, NULL}};
    const size_t n_opts = sizeof opts / sizeof opts[0];
    const char *pos[1];
    size_t n_pos;
    if (!wt_cli_parse("settlements", argc, argv, 1, opts, n_opts, pos, 0, &n_pos))
        return 2;
    const char *db = wt_cli_value(opts, n_opts, "db");
    if (db == NULL) {
        fprintf(stderr, "wattle settlements: --db FILE is required\n\n%s", settlements_usage);
        return 2;
    }
    if (access(db, R_OK) != 0) {
        fprintf(stderr, "wattle settlements: cannot read %s\n", db);
        return 2;
    }
    static settlements_out o; /* static: the audit's threads see a stable address */
    memset(&o, 0, sizeof o);
    o.to = UINT64_MAX;
    const char *from = wt_cli_value(opts, n_opts, "from"), *to = wt_cli_value(opts, n_opts, "to");
    if ((from != NULL && !parse_interval(&o.from, "from", from)) ||
        (to != NULL && !parse_interval(&o.to, "to", to)))
        return 2;
    if (o.from > o.to) {
        fprintf(stderr, "wattle settlements: --from %s is after --to %s\n", from, to);
        return 2;
    }
    o.policy = wt_cli_value(opts, n_opts, "policy") != NULL;
    atomic_init(&o.stop, false);
    wt_audit_opts aopts = {0};
    aopts.on_settlement = settlement_rows;
    aopts.settlement_arg = &o;
    aopts.stop = &o.stop;
    bool quiet = wt_cli_value(opts, n_opts, "quiet") != NULL;
    if (!quiet && isatty(STDERR_FILENO))
        aopts.progress = progress;

    wt_ctx *ctx = NULL;
    if (wt_ctx_create(&ctx) != WT_OK) {
        fprintf(stderr, "wattle settlements: cannot set up signature checks\n");
        return 2;
    }
    wt_audit_report r;
    wt_err err = wt_audit_run(ctx, &r, db, &aopts);
    wt_ctx_destroy(ctx);
    free(o.buf);
    if (aopts.progress != NULL)
        fputc('\n', stderr);
    if (fflush(stdout) != 0 || o.write_failed) {
        fprintf(stderr, "wattle settlements: writing the CSV failed\n");
        return 2;
    }
    bool stopped_by_us = err == WT_ERR_UNAVAILABLE && atomic_load(&o.stop);
    if (err != WT_OK && !stopped_by_us) {
        fprintf(stderr, "wattle settlements: the ledger failed its audit: %s (%s)\n", r.what,
                wt_errname(r.err));
        bool unreadable = r.err == WT_ERR_NOT_FOUND || r.err == WT_ERR_STORAGE_UNAVAILABLE ||
                          r.err == WT_ERR_NOT_A_STORE || r.err == WT_ERR_STORE_VERSION;
        return unreadable && r.blocks == 0 ? 2 : 1;
    }
    if (!o.header_done) { /* nothing settled in range: the header alone */
        char header[512];
        wt_settle_rows_csv(header, sizeof header, NULL, NULL, 0, true, o.policy);
        fputs(header, stdout);
    }
    if (!quiet)
        fprintf(stderr, "wattle settlements: %" PRIu64 " intervals, %" PRIu64 " rows\n",
                o.intervals, o.rows);
    return 0;
}
