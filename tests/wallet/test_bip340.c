/* test_bip340.c — the official BIP340 test vectors (../shared/testdata/
 * bip340/test-vectors.csv, from bitcoin/bips; suite 'realdata'), through the
 * library (public keys, signing with the given aux_rand, verification,
 * variable-length messages) and through the built `wattle key verify` and
 * `wattle key sign`. */
#include "run_cmd.h"
#include "testutil.h"
#include "wallet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *wattle; /* argv[1] */
static wt_ctx *ctx;

#define VECTORS_MAX 64

typedef struct {
    int index;
    bool has_secret;
    char secret[65], pubkey[65], aux[65], msg[256], sig[129];
    bool valid;
} vector;

static vector vectors[VECTORS_MAX];
static size_t vectors_count;

/* Split one CSV line (no quoting in this file) into 8 fields. */
static int split8(char *line, char *fields[8])
{
    int n = 0;
    fields[n++] = line;
    for (char *p = line; *p && n < 8; p++)
        if (*p == ',') {
            *p = '\0';
            fields[n++] = p + 1;
        }
    return n;
}

static void copy_field(char *out, size_t cap, const char *in)
{
    assert_true(strlen(in) < cap);
    strcpy(out, in);
}

static int setup(void **state)
{
    (void)state;
    const char *dir = wt_test_data_dir();
    if (dir == NULL) {
        fprintf(stderr, "WT_TESTDATA is not set\n");
        return -1;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/bip340/test-vectors.csv", dir);
    size_t len;
    char *text = wt_test_read_file(path, &len);
    if (text == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        return -1;
    }
    char *save = NULL;
    bool header = true;
    for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        if (header) {
            header = false;
            continue;
        }
        char *f[8];
        if (split8(line, f) != 8 || vectors_count == VECTORS_MAX)
            return -1;
        vector *v = &vectors[vectors_count++];
        v->index = atoi(f[0]);
        v->has_secret = f[1][0] != '\0';
        copy_field(v->secret, sizeof v->secret, f[1]);
        copy_field(v->pubkey, sizeof v->pubkey, f[2]);
        copy_field(v->aux, sizeof v->aux, f[3]);
        copy_field(v->msg, sizeof v->msg, f[4]);
        copy_field(v->sig, sizeof v->sig, f[5]);
        if (strcmp(f[6], "TRUE") == 0)
            v->valid = true;
        else if (strcmp(f[6], "FALSE") == 0)
            v->valid = false;
        else
            return -1;
    }
    free(text);
    return wt_ctx_create(&ctx) == WT_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    wt_ctx_destroy(ctx);
    return 0;
}

static void test_vectors_present(void **state)
{
    (void)state;
    assert_int_equal(vectors_count, 19); /* indexes 0..18 of the 2022-12 revision */
    size_t signing = 0, invalid = 0;
    for (size_t i = 0; i < vectors_count; i++) {
        assert_int_equal(vectors[i].index, (int)i);
        signing += vectors[i].has_secret;
        invalid += !vectors[i].valid;
    }
    assert_int_equal(signing, 8);
    assert_int_equal(invalid, 10);
}

static void test_library(void **state)
{
    (void)state;
    for (size_t i = 0; i < vectors_count; i++) {
        const vector *v = &vectors[i];
        uint8_t pubkey[32], sig[64], msg[128];
        size_t msg_len;
        assert_int_equal(wt_hex_decode(pubkey, 32, v->pubkey), WT_OK);
        assert_int_equal(wt_hex_decode(sig, 64, v->sig), WT_OK);
        assert_int_equal(wt_hex_decode_any(msg, &msg_len, sizeof msg, v->msg), WT_OK);
        bool ok = wt_verify(ctx, sig, msg_len ? msg : NULL, msg_len, pubkey);
        if (ok != v->valid)
            fail_msg("vector %d: verify gave %d, want %d", v->index, ok, v->valid);
        if (!v->has_secret)
            continue;
        uint8_t secret[32], aux[32], got[64];
        assert_int_equal(wt_hex_decode(secret, 32, v->secret), WT_OK);
        assert_int_equal(wt_hex_decode(aux, 32, v->aux), WT_OK);
        wt_seckey key;
        assert_int_equal(wt_seckey_from_bytes(ctx, &key, secret), WT_OK);
        if (memcmp(key.pubkey, pubkey, 32) != 0)
            fail_msg("vector %d: public key differs", v->index);
        assert_int_equal(wt_sign_aux(ctx, got, msg_len ? msg : NULL, msg_len, &key, aux), WT_OK);
        if (memcmp(got, sig, 64) != 0)
            fail_msg("vector %d: signature differs", v->index);
        wt_seckey_wipe(&key);
    }
}

static void test_cli_verify(void **state)
{
    (void)state;
    for (size_t i = 0; i < vectors_count; i++) {
        vector *v = &vectors[i];
        char *argv[] = {wattle,  "key",  "verify", "--pubkey", v->pubkey,
                        "--msg", v->msg, "--sig",  v->sig,     NULL};
        run_result r;
        run_cmd(&r, argv, NULL);
        if (r.status != (v->valid ? 0 : 1))
            fail_msg("vector %d: wattle key verify exited %d (%s%s), want %d", v->index, r.status,
                     r.out, r.err, v->valid ? 0 : 1);
        assert_string_equal(r.out, v->valid ? "valid\n" : "invalid\n");
        run_result_free(&r);
    }
}

/* The signing vectors' keys as key files: `wattle key sign` signs with fresh
 * aux randomness, so its signatures differ from the vectors' yet verify. */
static void test_cli_sign(void **state)
{
    (void)state;
    char dir[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/wattle-bip340-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    for (size_t i = 0; i < vectors_count; i++) {
        vector *v = &vectors[i];
        if (!v->has_secret)
            continue;
        uint8_t secret[32];
        assert_int_equal(wt_hex_decode(secret, 32, v->secret), WT_OK);
        wt_seckey key;
        assert_int_equal(wt_seckey_from_bytes(ctx, &key, secret), WT_OK);
        char path[512];
        snprintf(path, sizeof path, "%s/vector-%d.key", dir, v->index);
        assert_int_equal(wt_keyfile_save(ctx, path, &key, NULL, 0), WT_OK);

        char *sign_argv[] = {wattle, "key", "sign", "--key", path, "--msg", v->msg, NULL};
        run_result r;
        run_cmd(&r, sign_argv, NULL);
        assert_int_equal(r.status, 0);
        assert_int_equal(strlen(r.out), 129);
        char sig_hex[129];
        memcpy(sig_hex, r.out, 128);
        sig_hex[128] = '\0';
        run_result_free(&r);
        uint8_t sig[64], msg[128];
        size_t msg_len;
        assert_int_equal(wt_hex_decode(sig, 64, sig_hex), WT_OK);
        assert_int_equal(wt_hex_decode_any(msg, &msg_len, sizeof msg, v->msg), WT_OK);
        assert_true(wt_verify(ctx, sig, msg_len ? msg : NULL, msg_len, key.pubkey));
        char want_sig[129];
        snprintf(want_sig, sizeof want_sig, "%s", v->sig);
        for (char *p = want_sig; *p; p++)
            if (*p >= 'A' && *p <= 'F')
                *p = (char)(*p - 'A' + 'a');
        assert_string_not_equal(sig_hex, want_sig); /* fresh aux, not the vector's */

        char address[WT_ADDRESS_CHARS + 1];
        wt_address_encode(address, key.pubkey);
        char *verify_argv[] = {wattle,  "key",  "verify", "--pubkey", address,
                               "--msg", v->msg, "--sig",  sig_hex,    NULL};
        run_cmd(&r, verify_argv, NULL);
        assert_int_equal(r.status, 0);
        run_result_free(&r);
        unlink(path);
        wt_seckey_wipe(&key);
    }
    rmdir(dir);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH-TO-WATTLE\n", argv[0]);
        return 2;
    }
    wattle = argv[1];
    wt_test_route_asserts();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_present),
        cmocka_unit_test(test_library),
        cmocka_unit_test(test_cli_verify),
        cmocka_unit_test(test_cli_sign),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
