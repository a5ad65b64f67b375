/* test_keyfile.c — key files on a real file system: mode 0600, atomic
 * creation that never overwrites, refusal of files group/others may read,
 * passphrase sealing (round trip, wrong passphrase, tampering) and every
 * malformed-file rejection. */
#include "testutil.h"
#include "wallet.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static wt_ctx *ctx;
static char dir[256];

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/wattle-keyfile-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        return -1;
    return wt_ctx_create(&ctx) == WT_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    wt_ctx_destroy(ctx);
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char p[512];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
    return 0;
}

static void path_of(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static char *read_text(const char *path)
{
    size_t len;
    char *text = wt_test_read_file(path, &len);
    assert_non_null(text);
    return text;
}

static size_t files_in_dir(void)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void test_plain_round_trip(void **state)
{
    (void)state;
    char path[512];
    path_of(path, sizeof path, "plain.key");
    wt_seckey key, back;
    assert_int_equal(wt_seckey_generate(ctx, &key), WT_OK);
    size_t before = files_in_dir();
    assert_int_equal(wt_keyfile_save(ctx, path, &key, NULL, 0), WT_OK);
    assert_int_equal(files_in_dir(), before + 1); /* no temporary file left behind */

    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    char *text = read_text(path);
    char address[WT_ADDRESS_CHARS + 1], secret_hex[65];
    wt_address_encode(address, key.pubkey);
    wt_hex_encode(secret_hex, key.secret, 32);
    assert_non_null(strstr(text, "wattle-key: 1\n"));
    assert_non_null(strstr(text, address));
    assert_non_null(strstr(text, secret_hex));
    free(text);

    uint8_t pub[32];
    bool encrypted = true;
    assert_int_equal(wt_keyfile_info(pub, &encrypted, path), WT_OK);
    assert_false(encrypted);
    assert_memory_equal(pub, key.pubkey, 32);
    assert_int_equal(wt_keyfile_load(ctx, &back, path, NULL, 0), WT_OK);
    assert_memory_equal(&back, &key, sizeof key);
    /* a passphrase given for a plain file is simply not needed */
    assert_int_equal(wt_keyfile_load(ctx, &back, path, "x", 1), WT_OK);
    assert_memory_equal(&back, &key, sizeof key);
}

static void test_never_overwrites(void **state)
{
    (void)state;
    char path[512];
    path_of(path, sizeof path, "once.key");
    wt_seckey a, b, back;
    assert_int_equal(wt_seckey_generate(ctx, &a), WT_OK);
    assert_int_equal(wt_seckey_generate(ctx, &b), WT_OK);
    assert_int_equal(wt_keyfile_save(ctx, path, &a, NULL, 0), WT_OK);
    size_t before = files_in_dir();
    assert_int_equal(wt_keyfile_save(ctx, path, &b, NULL, 0), WT_ERR_FILE_EXISTS);
    assert_int_equal(files_in_dir(), before);
    assert_int_equal(wt_keyfile_load(ctx, &back, path, NULL, 0), WT_OK);
    assert_memory_equal(back.secret, a.secret, 32); /* untouched */

    /* Not even a dangling symlink is replaced. */
    char link_path[512];
    path_of(link_path, sizeof link_path, "dangling.key");
    assert_int_equal(symlink("/nonexistent/target", link_path), 0);
    assert_int_equal(wt_keyfile_save(ctx, link_path, &b, NULL, 0), WT_ERR_FILE_EXISTS);
    unlink(link_path);

    /* A folder that does not exist: an I/O error, nothing created. */
    char missing[512];
    path_of(missing, sizeof missing, "no/such/dir.key");
    before = files_in_dir();
    errno = 0;
    assert_int_equal(wt_keyfile_save(ctx, missing, &b, NULL, 0), WT_ERR_IO);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(files_in_dir(), before);
}

static void test_permissions_refused(void **state)
{
    (void)state;
    char path[512];
    path_of(path, sizeof path, "perm.key");
    wt_seckey key, back;
    assert_int_equal(wt_seckey_generate(ctx, &key), WT_OK);
    assert_int_equal(wt_keyfile_save(ctx, path, &key, NULL, 0), WT_OK);
    static const mode_t bad_modes[] = {0644, 0640, 0604, 0660, 0606,
                                       0620, 0602, 0610, 0601, 0700 | 044};
    for (size_t i = 0; i < sizeof bad_modes / sizeof bad_modes[0]; i++) {
        assert_int_equal(chmod(path, bad_modes[i]), 0);
        uint8_t pub[32] = {1};
        bool enc = true;
        assert_int_equal(wt_keyfile_info(pub, &enc, path), WT_ERR_KEY_FILE_PERMISSIONS);
        assert_int_equal(pub[0], 0);
        assert_false(enc);
        assert_int_equal(wt_keyfile_load(ctx, &back, path, NULL, 0), WT_ERR_KEY_FILE_PERMISSIONS);
    }
    assert_int_equal(chmod(path, 0644), 0);
    char line[512], want[600];
    wt_keyfile_explain(line, sizeof line, path, WT_ERR_KEY_FILE_PERMISSIONS, 0);
    snprintf(want, sizeof want, "chmod 600 %s", path);
    assert_non_null(strstr(line, want));
    assert_non_null(strstr(line, "0644"));
    assert_non_null(strstr(line, "group or others"));

    assert_int_equal(chmod(path, 0400), 0); /* owner-only read is fine */
    assert_int_equal(wt_keyfile_load(ctx, &back, path, NULL, 0), WT_OK);
    assert_int_equal(chmod(path, 0600), 0);
}

static void test_encrypted_round_trip(void **state)
{
    (void)state;
    char path[512];
    path_of(path, sizeof path, "sealed.key");
    wt_seckey key, back;
    assert_int_equal(wt_seckey_generate(ctx, &key), WT_OK);
    const char *pass = "correct horse battery staple";
    assert_int_equal(wt_keyfile_save(ctx, path, &key, pass, strlen(pass)), WT_OK);

    char *text = read_text(path);
    char secret_hex[65];
    wt_hex_encode(secret_hex, key.secret, 32);
    assert_null(strstr(text, secret_hex)); /* the secret is not in the clear */
    assert_non_null(strstr(text, "kdf: argon2id13\n"));
    assert_non_null(strstr(text, "cipher: xchacha20poly1305-ietf\n"));
    free(text);

    uint8_t pub[32];
    bool encrypted = false;
    assert_int_equal(wt_keyfile_info(pub, &encrypted, path), WT_OK); /* no passphrase needed */
    assert_true(encrypted);
    assert_memory_equal(pub, key.pubkey, 32);

    assert_int_equal(wt_keyfile_load(ctx, &back, path, pass, strlen(pass)), WT_OK);
    assert_memory_equal(&back, &key, sizeof key);

    uint8_t zero[sizeof back] = {0};
    assert_int_equal(
        wt_keyfile_load(ctx, &back, path, "Correct horse battery staple", strlen(pass)),
        WT_ERR_BAD_PASSPHRASE);
    assert_memory_equal(&back, zero, sizeof back);
    assert_int_equal(wt_keyfile_load(ctx, &back, path, pass, strlen(pass) - 1),
                     WT_ERR_BAD_PASSPHRASE);
    assert_int_equal(wt_keyfile_load(ctx, &back, path, NULL, 0), WT_ERR_BAD_PASSPHRASE);

    /* An empty passphrase is refused when writing. */
    char other[512];
    path_of(other, sizeof other, "empty-pass.key");
    assert_int_equal(wt_keyfile_save(ctx, other, &key, "", 0), WT_ERR_BAD_PASSPHRASE);
    assert_int_equal(access(other, F_OK), -1);
}

/* Replace the value of line `name` in a key file's text. */
static char *with_line(const char *text, const char *name, const char *value)
{
    char *out = malloc(strlen(text) + strlen(value) + 64);
    assert_non_null(out);
    char key[64];
    snprintf(key, sizeof key, "%s: ", name);
    const char *at = strstr(text, key);
    assert_non_null(at);
    const char *end = strchr(at, '\n');
    sprintf(out, "%.*s%s%s%s", (int)(at - text), text, key, value, end);
    return out;
}

static void expect_load(const char *name, const char *text, wt_err want, const char *pass)
{
    char path[512];
    path_of(path, sizeof path, name);
    write_file(path, text, 0600);
    wt_seckey back;
    wt_err got = wt_keyfile_load(ctx, &back, path, pass, pass ? strlen(pass) : 0);
    if (got != want)
        fail_msg("%s: got %s, want %s", name, wt_errname(got), wt_errname(want));
    unlink(path);
}

static void test_malformed_files(void **state)
{
    (void)state;
    char path[512];
    path_of(path, sizeof path, "good.key");
    wt_seckey key, other;
    assert_int_equal(wt_seckey_generate(ctx, &key), WT_OK);
    assert_int_equal(wt_seckey_generate(ctx, &other), WT_OK);
    assert_int_equal(wt_keyfile_save(ctx, path, &key, NULL, 0), WT_OK);
    char *good = read_text(path);
    char other_hex[65], other_addr[WT_ADDRESS_CHARS + 1], other_secret[65];
    wt_hex_encode(other_hex, other.pubkey, 32);
    wt_address_encode(other_addr, other.pubkey);
    wt_hex_encode(other_secret, other.secret, 32);

    expect_load("ok", good, WT_OK, NULL);
    expect_load("empty", "", WT_ERR_KEY_FILE_FORMAT, NULL);
    expect_load("junk", "hello world\n", WT_ERR_KEY_FILE_FORMAT, NULL);

    char *t = with_line(good, "wattle-key", "2");
    expect_load("version", t, WT_ERR_KEY_FILE_FORMAT, NULL);
    free(t);
    t = with_line(good, "pubkey", other_hex); /* address disagrees */
    expect_load("pubkey", t, WT_ERR_KEY_FILE_FORMAT, NULL);
    char *t2 = with_line(t, "address", other_addr); /* secret disagrees */
    expect_load("pubkey+address", t2, WT_ERR_KEY_FILE_FORMAT, NULL);
    free(t);
    free(t2);
    t = with_line(good, "secret", other_secret);
    expect_load("secret", t, WT_ERR_KEY_FILE_FORMAT, NULL);
    free(t);
    t = with_line(good, "secret",
                  "0000000000000000000000000000000000000000000000000000000000000000");
    expect_load("zero secret", t, WT_ERR_KEY_FILE_FORMAT, NULL);
    free(t);
    t = with_line(good, "secret", "zz");
    expect_load("bad hex", t, WT_ERR_KEY_FILE_FORMAT, NULL);
    free(t);

    size_t n = strlen(good);
    char *dup = malloc(2 * n + 1);
    memcpy(dup, good, n);
    memcpy(dup + n, good, n + 1);
    expect_load("duplicate lines", dup, WT_ERR_KEY_FILE_FORMAT, NULL);
    free(dup);
    char *extra = malloc(n + 32);
    sprintf(extra, "%scolour: blue\n", good);
    expect_load("unknown line", extra, WT_ERR_KEY_FILE_FORMAT, NULL);
    free(extra);
    char *missing = strdup(good);
    *strstr(missing, "secret: ") = '\0';
    expect_load("missing secret", missing, WT_ERR_KEY_FILE_FORMAT, NULL);
    free(missing);
    char *big = malloc(8192);
    memset(big, '#', 8191);
    big[8191] = '\0';
    expect_load("too big", big, WT_ERR_KEY_FILE_FORMAT, NULL);
    free(big);
    free(good);

    /* Sealed files: a cost beyond the bounds is refused before any work;
     * swapping in another public key breaks the AEAD's associated data. */
    path_of(path, sizeof path, "sealed-good.key");
    assert_int_equal(wt_keyfile_save(ctx, path, &key, "pw", 2), WT_OK);
    good = read_text(path);
    t = with_line(good, "opslimit", "1000");
    expect_load("opslimit", t, WT_ERR_KEY_FILE_FORMAT, "pw");
    free(t);
    t = with_line(good, "memlimit", "99999999999");
    expect_load("memlimit", t, WT_ERR_KEY_FILE_FORMAT, "pw");
    free(t);
    t = with_line(good, "kdf", "scrypt");
    expect_load("kdf", t, WT_ERR_KEY_FILE_FORMAT, "pw");
    free(t);
    t = with_line(good, "pubkey", other_hex);
    t2 = with_line(t, "address", other_addr);
    expect_load("sealed other key", t2, WT_ERR_BAD_PASSPHRASE, "pw");
    free(t);
    free(t2);
    free(good);

    /* Not a regular file; not there at all. */
    wt_seckey back;
    assert_int_equal(wt_keyfile_load(ctx, &back, dir, NULL, 0), WT_ERR_KEY_FILE_FORMAT);
    path_of(path, sizeof path, "absent.key");
    errno = 0;
    assert_int_equal(wt_keyfile_load(ctx, &back, path, NULL, 0), WT_ERR_IO);
    assert_int_equal(errno, ENOENT);
}

static void test_passphrase_env(void **state)
{
    (void)state;
    char buf[64];
    size_t len = 99;
    assert_int_equal(setenv("WATTLE_PASSPHRASE", "s3cret words", 1), 0);
    assert_int_equal(wt_passphrase_read(buf, sizeof buf, &len, "? ", true), WT_OK);
    assert_string_equal(buf, "s3cret words");
    assert_int_equal(len, 12);
    assert_int_equal(setenv("WATTLE_PASSPHRASE", "", 1), 0);
    assert_int_equal(wt_passphrase_read(buf, sizeof buf, &len, "? ", false), WT_ERR_BAD_PASSPHRASE);
    assert_int_equal(len, 0);
    assert_int_equal(setenv("WATTLE_PASSPHRASE", "0123456789", 1), 0);
    assert_int_equal(wt_passphrase_read(buf, 8, &len, "? ", false), WT_ERR_BUFFER_TOO_SMALL);
    unsetenv("WATTLE_PASSPHRASE");
    int tty = open("/dev/tty", O_RDWR | O_NOCTTY);
    if (tty < 0) /* no terminal: an error, never a silent empty passphrase */
        assert_int_equal(wt_passphrase_read(buf, sizeof buf, &len, "? ", false), WT_ERR_IO);
    else
        close(tty);
}

int main(void)
{
    wt_test_route_asserts();
    umask(022); /* a typical umask: the key file must still come out 0600 */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_round_trip),    cmocka_unit_test(test_never_overwrites),
        cmocka_unit_test(test_permissions_refused), cmocka_unit_test(test_encrypted_round_trip),
        cmocka_unit_test(test_malformed_files),     cmocka_unit_test(test_passphrase_env),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
