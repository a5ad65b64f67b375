/* cmd_audit.c — `wattle audit --db FILE`: re-verify a ledger from its
 * genesis and print a summary, or name the first violation. */
#include "commands.h"
#include "engine.h"
#include "options.h"

#include <inttypes.h>
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
