/* cmd_key.c — `wattle key …`: make key files, show their address, sign and
 * verify messages with BIP340. Secrets never appear on the command line or
 * in output; passphrases come from WATTLE_PASSPHRASE or a no-echo prompt. */
#include "commands.h"
#include "options.h"
#include "common.h"
#include "wallet.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char key_usage[] =
    "usage: wattle key SUBCOMMAND [OPTIONS]\n\n"
    "Keys are BIP340 (secp256k1 Schnorr) keys; an account is its 32-byte public key,\n"
    "written as a bech32m address (uc1...) or 64 hex characters.\n\n"
    "subcommands:\n"
    "  new --out FILE [--encrypt]   make a new key file (mode 0600; never overwrites)\n"
    "  address FILE                 print the key's address\n"
    "  show FILE                    print address, hex public key, whether encrypted\n"
    "  sign --key FILE --msg HEX    print a BIP340 signature (128 hex characters)\n"
    "  verify --pubkey KEY --msg HEX --sig HEX\n"
    "                               exit 0 valid, 1 invalid, 2 malformed input\n\n"
    "Run 'wattle key SUBCOMMAND --help' for details.\n";

static const char new_usage[] =
    "usage: wattle key new --out FILE [--encrypt]\n\n"
    "Makes a new secret key from getrandom() and writes it to FILE, created with mode\n"
    "0600, atomically; an existing FILE is never overwritten. Prints the address and\n"
    "hex public key.\n\n"
    "  --out FILE   the key file to create\n"
    "  --encrypt    seal the secret with a passphrase (Argon2id + XChaCha20-Poly1305):\n"
    "               taken from $WATTLE_PASSPHRASE, else asked twice on the terminal\n";

static const char address_usage[] = "usage: wattle key address FILE\n\n"
                                    "Prints the bech32m address (uc1...) of the key in FILE. No "
                                    "passphrase is needed.\n";

static const char show_usage[] =
    "usage: wattle key show FILE\n\n"
    "Prints the key's address, its public key in hex and whether the secret is\n"
    "encrypted, one 'name: value' per line. Never prints the secret.\n";

static const char sign_usage[] =
    "usage: wattle key sign --key FILE --msg HEX\n\n"
    "Signs the message (hex, any length, empty allowed) with BIP340 and fresh auxiliary\n"
    "randomness; prints the 64-byte signature as 128 hex characters. An encrypted key\n"
    "asks for its passphrase ($WATTLE_PASSPHRASE, else the terminal).\n";

static const char verify_usage[] =
    "usage: wattle key verify --pubkey KEY --msg HEX --sig HEX\n\n"
    "Checks a BIP340 signature. KEY is an address (uc1...) or 64 hex characters;\n"
    "the message is hex of any length; the signature 128 hex characters.\n"
    "Prints 'valid' (exit 0) or 'invalid' (exit 1); malformed input exits 2 with a\n"
    "message saying what is wrong.\n";

static bool is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static int key_error(const char *cmd, const char *path, wt_err err, int errnum)
{
    char line[512];
    wt_keyfile_explain(line, sizeof line, path, err, errnum);
    fprintf(stderr, "wattle key %s: %s\n", cmd, line);
    return 2;
}

static int ctx_error(const char *cmd, wt_err err)
{
    fprintf(stderr, "wattle key %s: cannot set up signing: %s\n", cmd, wt_strerror(err));
    return 2;
}

static int key_new(int argc, char **argv)
{
    if (wt_cli_wants_help(argc, argv)) {
        fputs(new_usage, stdout);
        return 0;
    }
    wt_cli_option opts[] = {{"out", false, NULL}, {"encrypt", true, NULL}};
    size_t npos;
    const char *pos[1];
    if (!wt_cli_parse("key new", argc, argv, 1, opts, 2, pos, 0, &npos))
        return 2;
    if (opts[0].value == NULL || opts[0].value[0] == '\0') {
        fputs("wattle key new: --out FILE is required\n", stderr);
        return 2;
    }
    const char *path = opts[0].value;
    wt_ctx *ctx;
    wt_err err = wt_ctx_create(&ctx);
    if (err != WT_OK)
        return ctx_error("new", err);
    char pass[WT_PASSPHRASE_BYTES_MAX + 1];
    size_t pass_len = 0;
    bool encrypt = opts[1].value != NULL;
    int status = 0;
    if (encrypt) {
        err =
            wt_passphrase_read(pass, sizeof pass, &pass_len, "Passphrase for the new key: ", true);
        if (err != WT_OK) {
            fprintf(stderr, "wattle key new: no passphrase: %s\n",
                    err == WT_ERR_IO ? "no terminal to ask on and $WATTLE_PASSPHRASE is not set"
                                     : "empty, too long, or the two entries differ");
            wt_ctx_destroy(ctx);
            return 2;
        }
    }
    wt_seckey key;
    err = wt_seckey_generate(ctx, &key);
    if (err == WT_OK)
        err = wt_keyfile_save(ctx, path, &key, encrypt ? pass : NULL, pass_len);
    int errnum = errno;
    if (err != WT_OK) {
        status = key_error("new", path, err, errnum);
    } else {
        char address[WT_ADDRESS_CHARS + 1], hex[65];
        wt_address_encode(address, key.pubkey);
        wt_hex_encode(hex, key.pubkey, 32);
        printf("address: %s\npubkey: %s\n", address, hex);
    }
    wt_seckey_wipe(&key);
    wt_wipe(pass, sizeof pass);
    wt_ctx_destroy(ctx);
    return status;
}

static int key_public(int argc, char **argv, bool show)
{
    const char *cmd = show ? "show" : "address";
    if (wt_cli_wants_help(argc, argv)) {
        fputs(show ? show_usage : address_usage, stdout);
        return 0;
    }
    const char *pos[1];
    size_t npos;
    if (!wt_cli_parse(show ? "key show" : "key address", argc, argv, 1, NULL, 0, pos, 1, &npos))
        return 2;
    if (npos != 1) {
        fprintf(stderr, "wattle key %s: FILE is required\n", cmd);
        return 2;
    }
    uint8_t pubkey[32];
    bool encrypted;
    wt_err err = wt_keyfile_info(pubkey, &encrypted, pos[0]);
    if (err != WT_OK)
        return key_error(cmd, pos[0], err, errno);
    char address[WT_ADDRESS_CHARS + 1], hex[65];
    wt_address_encode(address, pubkey);
    wt_hex_encode(hex, pubkey, 32);
    if (show)
        printf("address: %s\npubkey: %s\nencrypted: %s\n", address, hex, encrypted ? "yes" : "no");
    else
        printf("%s\n", address);
    return 0;
}

/* Decode hex of any even length into a malloc'd buffer (never NULL on
 * success, even for an empty message). */
static wt_err hex_alloc(uint8_t **out, size_t *out_len, const char *text)
{
    *out = NULL;
    *out_len = 0;
    size_t cap = strlen(text) / 2 + 1;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return WT_ERR_NO_MEMORY;
    wt_err err = wt_hex_decode_any(buf, out_len, cap, text);
    if (err != WT_OK) {
        free(buf);
        return err;
    }
    *out = buf;
    return WT_OK;
}

static int key_sign(int argc, char **argv)
{
    if (wt_cli_wants_help(argc, argv)) {
        fputs(sign_usage, stdout);
        return 0;
    }
    wt_cli_option opts[] = {{"key", false, NULL}, {"msg", false, NULL}};
    const char *pos[1];
    size_t npos;
    if (!wt_cli_parse("key sign", argc, argv, 1, opts, 2, pos, 0, &npos))
        return 2;
    if (opts[0].value == NULL || opts[1].value == NULL) {
        fputs("wattle key sign: --key FILE and --msg HEX are required\n", stderr);
        return 2;
    }
    const char *path = opts[0].value;
    uint8_t *msg;
    size_t msg_len;
    wt_err err = hex_alloc(&msg, &msg_len, opts[1].value);
    if (err != WT_OK) {
        fprintf(stderr, "wattle key sign: --msg is not hex of whole bytes: %s\n", wt_strerror(err));
        return 2;
    }
    uint8_t pubkey[32];
    bool encrypted;
    err = wt_keyfile_info(pubkey, &encrypted, path);
    if (err != WT_OK) {
        free(msg);
        return key_error("sign", path, err, errno);
    }
    char pass[WT_PASSPHRASE_BYTES_MAX + 1];
    size_t pass_len = 0;
    if (encrypted) {
        char prompt[256];
        snprintf(prompt, sizeof prompt, "Passphrase for %s: ", path);
        err = wt_passphrase_read(pass, sizeof pass, &pass_len, prompt, false);
        if (err != WT_OK) {
            fprintf(stderr, "wattle key sign: %s is encrypted and no passphrase was given: %s\n",
                    path,
                    err == WT_ERR_IO ? "no terminal to ask on and $WATTLE_PASSPHRASE is not set"
                                     : "empty or too long");
            free(msg);
            return 2;
        }
    }
    wt_ctx *ctx;
    err = wt_ctx_create(&ctx);
    if (err != WT_OK) {
        wt_wipe(pass, sizeof pass);
        free(msg);
        return ctx_error("sign", err);
    }
    wt_seckey key;
    int status = 0;
    err = wt_keyfile_load(ctx, &key, path, encrypted ? pass : NULL, pass_len);
    wt_wipe(pass, sizeof pass);
    if (err != WT_OK) {
        status = key_error("sign", path, err, errno);
    } else {
        uint8_t sig[64];
        err = wt_sign(ctx, sig, msg, msg_len, &key);
        if (err != WT_OK) {
            fprintf(stderr, "wattle key sign: %s\n", wt_strerror(err));
            status = 2;
        } else {
            char hex[129];
            wt_hex_encode(hex, sig, 64);
            printf("%s\n", hex);
        }
    }
    wt_seckey_wipe(&key);
    wt_ctx_destroy(ctx);
    free(msg);
    return status;
}

static int key_verify(int argc, char **argv)
{
    if (wt_cli_wants_help(argc, argv)) {
        fputs(verify_usage, stdout);
        return 0;
    }
    wt_cli_option opts[] = {{"pubkey", false, NULL}, {"msg", false, NULL}, {"sig", false, NULL}};
    const char *pos[1];
    size_t npos;
    if (!wt_cli_parse("key verify", argc, argv, 1, opts, 3, pos, 0, &npos))
        return 2;
    if (opts[0].value == NULL || opts[1].value == NULL || opts[2].value == NULL) {
        fputs("wattle key verify: --pubkey, --msg and --sig are all required\n", stderr);
        return 2;
    }
    uint8_t pubkey[32], sig[64];
    wt_err err = wt_pubkey_parse_text(pubkey, opts[0].value);
    if (err != WT_OK) {
        fprintf(stderr,
                "wattle key verify: --pubkey is neither an address nor 64 hex characters: %s\n",
                wt_strerror(err));
        return 2;
    }
    err = wt_hex_decode(sig, sizeof sig, opts[2].value);
    if (err != WT_OK) {
        fprintf(stderr, "wattle key verify: --sig must be 128 hex characters: %s\n",
                wt_strerror(err));
        return 2;
    }
    uint8_t *msg;
    size_t msg_len;
    err = hex_alloc(&msg, &msg_len, opts[1].value);
    if (err != WT_OK) {
        fprintf(stderr, "wattle key verify: --msg is not hex of whole bytes: %s\n",
                wt_strerror(err));
        return 2;
    }
    wt_ctx *ctx;
    err = wt_ctx_create(&ctx);
    if (err != WT_OK) {
        free(msg);
        return ctx_error("verify", err);
    }
    bool valid = wt_verify(ctx, sig, msg, msg_len, pubkey);
    wt_ctx_destroy(ctx);
    free(msg);
    puts(valid ? "valid" : "invalid");
    return valid ? 0 : 1;
}

int wt_cli_key(int argc, char **argv)
{
    if (argc < 2) {
        fputs(key_usage, stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (is_help(sub) || strcmp(sub, "help") == 0) {
        fputs(key_usage, stdout);
        return 0;
    }
    if (strcmp(sub, "new") == 0)
        return key_new(argc - 1, argv + 1);
    if (strcmp(sub, "address") == 0)
        return key_public(argc - 1, argv + 1, false);
    if (strcmp(sub, "show") == 0)
        return key_public(argc - 1, argv + 1, true);
    if (strcmp(sub, "sign") == 0)
        return key_sign(argc - 1, argv + 1);
    if (strcmp(sub, "verify") == 0)
        return key_verify(argc - 1, argv + 1);
    fprintf(stderr, "wattle key: unknown subcommand '%s' (see 'wattle key --help')\n", sub);
    return 2;
}
