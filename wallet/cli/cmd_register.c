/* cmd_register.c — `wattle register meter|gateway|merchant`: the operator
 * binds a meter to its owner, zone and gateway, admits a gateway key, or
 * names a merchant (a shop or vending machine). */
#include "client_tx.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const char register_usage[] =
    "usage: wattle register meter --key OPERATOR.key --meter ID --owner ADDR --zone Z\n"
    "                             --gateway ADDR [options]\n"
    "       wattle register gateway --key OPERATOR.key --gateway ADDR [--zone Z] [options]\n"
    "       wattle register merchant --key OPERATOR.key --merchant ADDR --name NAME [options]\n\n"
    "Signed by the chain's operator.\n"
    "  meter     binds meter ID (its equipment identifier: 1..32 printable characters,\n"
    "            no spaces) to the owner's account, a zone (by name) and the gateway key\n"
    "            allowed to report its readings\n"
    "  gateway   admits a gateway key (optionally in a zone, by name; default the root)\n"
    "  merchant  names a merchant account (a shop, a vending machine): NAME up to 32 bytes\n"
    "Prints the txid once the node acknowledges it as durable.\n\n"
    "options:\n" WT_CLI_SIGN_HELP WT_CLI_NODE_HELP
    "\nexit status: 0 committed (or printed), 1 rejected or node unreachable, 2 malformed\n"
    "input or usage.\n";

int wt_cli_register(int argc, char **argv)
{
    if (argc < 2 || (argv[1][0] == '-' && !wt_cli_wants_help(argc, argv))) {
        fputs(register_usage, stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(register_usage, stdout);
        return 0;
    }
    const char *kind = argv[1];
    uint8_t reg_kind;
    const char *cmd;
    if (strcmp(kind, "meter") == 0) {
        reg_kind = WT_TX_REGISTER_METER;
        cmd = "register meter";
    } else if (strcmp(kind, "gateway") == 0) {
        reg_kind = WT_TX_REGISTER_GATEWAY;
        cmd = "register gateway";
    } else if (strcmp(kind, "merchant") == 0) {
        reg_kind = WT_TX_REGISTER_MERCHANT;
        cmd = "register merchant";
    } else {
        fprintf(stderr, "wattle register: unknown kind '%s' (meter, gateway or merchant)\n", kind);
        return 2;
    }
    wt_cli_option opts[] = {{"meter", false, NULL},    {"owner", false, NULL},
                            {"zone", false, NULL},     {"gateway", false, NULL},
                            {"merchant", false, NULL}, {"name", false, NULL},
                            WT_CLI_SIGN_OPTIONS,       WT_CLI_NODE_OPTIONS};
    const size_t n = sizeof opts / sizeof opts[0];
    wt_cli_session s;
    size_t npos;
    int status =
        wt_cli_begin(&s, cmd, register_usage, argc - 1, argv + 1, opts, n, NULL, 0, &npos, true);
    if (status >= 0)
        return status;
    const char *meter = wt_cli_value(opts, n, "meter"), *owner = wt_cli_value(opts, n, "owner");
    const char *zone = wt_cli_value(opts, n, "zone"), *gateway = wt_cli_value(opts, n, "gateway");
    const char *merchant = wt_cli_value(opts, n, "merchant"), *name = wt_cli_value(opts, n, "name");
    wt_tx tx;
    wt_tx_init(&tx, WT_TX_REGISTER);
    wt_tx_register *r = &tx.body.reg;
    r->kind = reg_kind;
    status = 2;
    /* Options that do not belong to this kind are a mistake, not noise. */
    bool stray = reg_kind == WT_TX_REGISTER_METER ? merchant != NULL || name != NULL
                 : reg_kind == WT_TX_REGISTER_GATEWAY
                     ? meter != NULL || owner != NULL || merchant != NULL || name != NULL
                     : meter != NULL || owner != NULL || zone != NULL || gateway != NULL;
    if (stray) {
        fprintf(stderr, "wattle %s: an option of another kind was given (see --help)\n", cmd);
        goto done;
    }
    if (reg_kind == WT_TX_REGISTER_METER) {
        if (meter == NULL || owner == NULL || zone == NULL || gateway == NULL) {
            fprintf(stderr,
                    "wattle %s: --meter, --owner, --zone and --gateway are required (see --help)\n",
                    cmd);
            goto done;
        }
        if (wt_meter_id_set(&r->u.meter.meter_id, meter) != WT_OK) {
            fprintf(stderr,
                    "wattle %s: --meter must be 1..%d printable ASCII characters without spaces\n",
                    cmd, WT_METER_ID_BYTES_MAX);
            goto done;
        }
        if (wt_cli_pubkey(cmd, r->u.meter.owner, "--owner", owner) != 0 ||
            wt_cli_pubkey(cmd, r->u.meter.gateway, "--gateway", gateway) != 0)
            goto done;
        status = wt_cli_zone_index(&s, &r->u.meter.zone, zone);
    } else if (reg_kind == WT_TX_REGISTER_GATEWAY) {
        if (gateway == NULL) {
            fprintf(stderr, "wattle %s: --gateway ADDR is required (see --help)\n", cmd);
            goto done;
        }
        if (wt_cli_pubkey(cmd, r->u.gateway.key, "--gateway", gateway) != 0)
            goto done;
        status = zone != NULL ? wt_cli_zone_index(&s, &r->u.gateway.zone, zone) : 0;
    } else {
        if (merchant == NULL || name == NULL) {
            fprintf(stderr, "wattle %s: --merchant ADDR and --name NAME are required\n", cmd);
            goto done;
        }
        if (wt_cli_pubkey(cmd, r->u.merchant.key, "--merchant", merchant) != 0)
            goto done;
        if (wt_merchant_name_set(&r->u.merchant.name, name) != WT_OK) {
            fprintf(stderr,
                    "wattle %s: --name must be 1..%d bytes of UTF-8 without control characters\n",
                    cmd, WT_MERCHANT_NAME_BYTES_MAX);
            goto done;
        }
        status = 0;
    }
    if (status == 0)
        status = wt_cli_tx_finish(&s, &tx);
done:
    wt_cli_session_close(&s);
    return status;
}
