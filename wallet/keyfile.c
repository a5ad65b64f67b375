/* keyfile.c — the I/O edge of the wallet: key files (text, mode 0600,
 * written atomically, optionally sealed with Argon2id + XChaCha20-Poly1305)
 * and the passphrase prompt. The format is specified in wallet/FORMAT.md. */
#include "wallet.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#define KEYFILE_BYTES_MAX 4096
#define KEYFILE_MAGIC     "wattle-key"
#define KEYFILE_VERSION   "1"
#define KDF_NAME          "argon2id13"
#define CIPHER_NAME       "xchacha20poly1305-ietf"
#define AD_PREFIX         "wattle-key/1"
/* Bounds on the KDF cost a file may ask for, so that a crafted file cannot
 * make a reader spend minutes or gigabytes. */
#define OPSLIMIT_MAX 64
#define MEMLIMIT_MIN 8192
#define MEMLIMIT_MAX (UINT64_C(1) << 30)
#define SEALED_BYTES (WT_SECKEY_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)

_Static_assert(crypto_pwhash_argon2id_SALTBYTES == 16, "salt is 16 bytes");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == 24, "nonce is 24 bytes");
_Static_assert(SEALED_BYTES == 48, "sealed secret is 48 bytes");

/* The parsed fields of a key file. */
typedef struct {
    uint8_t pubkey[32];
    bool sealed;
    uint8_t secret[32]; /* when !sealed */
    uint64_t opslimit, memlimit;
    uint8_t salt[16];
    uint8_t nonce[24];
    uint8_t sealed_secret[SEALED_BYTES];
} keyfile;

static void ad_make(uint8_t ad[sizeof AD_PREFIX - 1 + 32], const uint8_t pubkey[32])
{
    memcpy(ad, AD_PREFIX, sizeof AD_PREFIX - 1);
    memcpy(ad + sizeof AD_PREFIX - 1, pubkey, 32);
}

/* ------------------------------------------------------------ parsing */

static bool parse_u64(uint64_t *out, const char *text)
{
    *out = 0;
    if (text[0] < '0' || text[0] > '9' || (text[0] == '0' && text[1] != '\0'))
        return false;
    uint64_t v = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return true;
}

enum {
    F_MAGIC = 1 << 0,
    F_ADDRESS = 1 << 1,
    F_PUBKEY = 1 << 2,
    F_SECRET = 1 << 3,
    F_KDF = 1 << 4,
    F_OPS = 1 << 5,
    F_MEM = 1 << 6,
    F_SALT = 1 << 7,
    F_CIPHER = 1 << 8,
    F_NONCE = 1 << 9,
    F_SEALED = 1 << 10,
};
#define F_PLAIN_SET (F_MAGIC | F_ADDRESS | F_PUBKEY | F_SECRET)
#define F_SEALED_SET                                                                               \
    (F_MAGIC | F_ADDRESS | F_PUBKEY | F_KDF | F_OPS | F_MEM | F_SALT | F_CIPHER | F_NONCE |        \
     F_SEALED)

/* Parse the text of a key file (NUL-terminated, modified in place). */
static wt_err keyfile_parse(keyfile *kf, char *text)
{
    memset(kf, 0, sizeof *kf);
    unsigned seen = 0;
    char address[WT_ADDRESS_CHARS + 1] = "";
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        char *colon = strstr(line, ": ");
        if (colon == NULL)
            return WT_ERR_KEY_FILE_FORMAT;
        *colon = '\0';
        const char *name = line, *value = colon + 2;
        unsigned flag;
        wt_err err = WT_OK;
        if (strcmp(name, KEYFILE_MAGIC) == 0) {
            flag = F_MAGIC;
            if (strcmp(value, KEYFILE_VERSION) != 0)
                err = WT_ERR_KEY_FILE_FORMAT;
        } else if (strcmp(name, "address") == 0) {
            flag = F_ADDRESS;
            if (strlen(value) != WT_ADDRESS_CHARS)
                err = WT_ERR_KEY_FILE_FORMAT;
            else
                memcpy(address, value, WT_ADDRESS_CHARS + 1);
        } else if (strcmp(name, "pubkey") == 0) {
            flag = F_PUBKEY;
            err = wt_hex_decode(kf->pubkey, 32, value);
        } else if (strcmp(name, "secret") == 0) {
            flag = F_SECRET;
            err = wt_hex_decode(kf->secret, 32, value);
        } else if (strcmp(name, "kdf") == 0) {
            flag = F_KDF;
            if (strcmp(value, KDF_NAME) != 0)
                err = WT_ERR_KEY_FILE_FORMAT;
        } else if (strcmp(name, "opslimit") == 0) {
            flag = F_OPS;
            if (!parse_u64(&kf->opslimit, value) ||
                kf->opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN || kf->opslimit > OPSLIMIT_MAX)
                err = WT_ERR_KEY_FILE_FORMAT;
        } else if (strcmp(name, "memlimit") == 0) {
            flag = F_MEM;
            if (!parse_u64(&kf->memlimit, value) || kf->memlimit < MEMLIMIT_MIN ||
                kf->memlimit > MEMLIMIT_MAX)
                err = WT_ERR_KEY_FILE_FORMAT;
        } else if (strcmp(name, "salt") == 0) {
            flag = F_SALT;
            err = wt_hex_decode(kf->salt, sizeof kf->salt, value);
        } else if (strcmp(name, "cipher") == 0) {
            flag = F_CIPHER;
            if (strcmp(value, CIPHER_NAME) != 0)
                err = WT_ERR_KEY_FILE_FORMAT;
        } else if (strcmp(name, "nonce") == 0) {
            flag = F_NONCE;
            err = wt_hex_decode(kf->nonce, sizeof kf->nonce, value);
        } else if (strcmp(name, "sealed-secret") == 0) {
            flag = F_SEALED;
            err = wt_hex_decode(kf->sealed_secret, sizeof kf->sealed_secret, value);
        } else {
            err = WT_ERR_KEY_FILE_FORMAT;
            flag = 0;
        }
        if (err != WT_OK || (seen & flag) != 0) {
            wt_wipe(kf, sizeof *kf);
            return WT_ERR_KEY_FILE_FORMAT;
        }
        seen |= flag;
    }
    if (seen != F_PLAIN_SET && seen != F_SEALED_SET) {
        wt_wipe(kf, sizeof *kf);
        return WT_ERR_KEY_FILE_FORMAT;
    }
    kf->sealed = seen == F_SEALED_SET;
    uint8_t from_address[32];
    if (wt_address_decode(from_address, address) != WT_OK ||
        memcmp(from_address, kf->pubkey, 32) != 0) {
        wt_wipe(kf, sizeof *kf);
        return WT_ERR_KEY_FILE_FORMAT;
    }
    return WT_OK;
}

/* Read path after checking it is a regular file that only its owner may
 * access. text (KEYFILE_BYTES_MAX + 1 bytes) receives the NUL-terminated
 * contents. */
static wt_err keyfile_read_text(char *text, const char *path)
{
    text[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return WT_ERR_IO;
    struct stat st;
    wt_err err = WT_OK;
    if (fstat(fd, &st) != 0)
        err = WT_ERR_IO;
    else if (!S_ISREG(st.st_mode))
        err = WT_ERR_KEY_FILE_FORMAT;
    else if ((st.st_mode & 077) != 0)
        err = WT_ERR_KEY_FILE_PERMISSIONS;
    size_t n = 0;
    while (err == WT_OK) {
        ssize_t r = read(fd, text + n, KEYFILE_BYTES_MAX + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            err = WT_ERR_IO;
        else if (r == 0)
            break;
        else if ((n += (size_t)r) > KEYFILE_BYTES_MAX)
            err = WT_ERR_KEY_FILE_FORMAT;
    }
    int saved = errno;
    close(fd);
    errno = saved;
    if (err == WT_OK && memchr(text, '\0', n) != NULL)
        err = WT_ERR_KEY_FILE_FORMAT;
    if (err != WT_OK) {
        wt_wipe(text, KEYFILE_BYTES_MAX + 1);
        return err;
    }
    text[n] = '\0';
    return WT_OK;
}

static wt_err keyfile_load_parsed(keyfile *kf, const char *path)
{
    char *text = malloc(KEYFILE_BYTES_MAX + 1);
    if (text == NULL)
        return WT_ERR_NO_MEMORY;
    wt_err err = keyfile_read_text(text, path);
    if (err == WT_OK)
        err = keyfile_parse(kf, text);
    wt_wipe(text, KEYFILE_BYTES_MAX + 1);
    free(text);
    return err;
}

wt_err wt_keyfile_info(uint8_t pubkey32[32], bool *encrypted, const char *path)
{
    WT_ASSERT(pubkey32 != NULL && encrypted != NULL && path != NULL);
    memset(pubkey32, 0, 32);
    *encrypted = false;
    keyfile kf;
    wt_err err = keyfile_load_parsed(&kf, path);
    if (err == WT_OK) {
        memcpy(pubkey32, kf.pubkey, 32);
        *encrypted = kf.sealed;
    }
    wt_wipe(&kf, sizeof kf);
    return err;
}

wt_err wt_keyfile_load(const wt_ctx *ctx, wt_seckey *key, const char *path, const char *passphrase,
                       size_t passphrase_len)
{
    WT_ASSERT(ctx != NULL && key != NULL && path != NULL);
    WT_ASSERT(passphrase != NULL || passphrase_len == 0);
    memset(key, 0, sizeof *key);
    if (sodium_init() < 0)
        return WT_ERR_INTERNAL;
    keyfile kf;
    wt_err err = keyfile_load_parsed(&kf, path);
    uint8_t secret[32], kek[32];
    if (err == WT_OK && kf.sealed) {
        if (passphrase == NULL || passphrase_len == 0 || passphrase_len > WT_PASSPHRASE_BYTES_MAX) {
            err = WT_ERR_BAD_PASSPHRASE;
        } else if (crypto_pwhash(kek, sizeof kek, passphrase, passphrase_len, kf.salt, kf.opslimit,
                                 (size_t)kf.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
            err = WT_ERR_NO_MEMORY; /* the only way it fails within our bounds */
        } else {
            uint8_t ad[sizeof AD_PREFIX - 1 + 32];
            ad_make(ad, kf.pubkey);
            unsigned long long secret_len = 0;
            if (crypto_aead_xchacha20poly1305_ietf_decrypt(secret, &secret_len, NULL,
                                                           kf.sealed_secret, SEALED_BYTES, ad,
                                                           sizeof ad, kf.nonce, kek) != 0 ||
                secret_len != sizeof secret)
                err = WT_ERR_BAD_PASSPHRASE;
        }
    } else if (err == WT_OK) {
        memcpy(secret, kf.secret, sizeof secret);
    }
    if (err == WT_OK) {
        err = wt_seckey_from_bytes(ctx, key, secret);
        if (err == WT_OK && memcmp(key->pubkey, kf.pubkey, 32) != 0)
            err = WT_ERR_KEY_FILE_FORMAT; /* the secret is not the stored key's */
        else if (err == WT_ERR_BAD_KEY)
            err = WT_ERR_KEY_FILE_FORMAT;
        if (err != WT_OK)
            wt_seckey_wipe(key);
    }
    wt_wipe(secret, sizeof secret);
    wt_wipe(kek, sizeof kek);
    wt_wipe(&kf, sizeof kf);
    return err;
}

/* ------------------------------------------------------------- writing */

static wt_err write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return WT_ERR_IO;
        buf += w;
        len -= (size_t)w;
    }
    return WT_OK;
}

/* Make the rename durable: fsync the directory that holds path. */
static wt_err sync_parent_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else if ((size_t)(slash - path) < sizeof dir)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        return WT_ERR_IO;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return WT_ERR_IO;
    wt_err err = fsync(fd) == 0 ? WT_OK : WT_ERR_IO;
    close(fd);
    return err;
}

/* Write text to a new file at path, atomically and without replacing an
 * existing file: a temporary file (mode 0600) beside it, fsync, then a
 * rename that fails if path exists (link + unlink where renameat2 cannot). */
static wt_err write_new_file_atomic(const char *path, const char *text, size_t text_len)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path) >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return WT_ERR_IO;
    }
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return WT_ERR_IO;
    wt_err err = WT_OK;
    if (fchmod(fd, 0600) != 0 || write_all(fd, text, text_len) != WT_OK || fsync(fd) != 0)
        err = WT_ERR_IO;
    int saved = errno;
    if (close(fd) != 0 && err == WT_OK) {
        err = WT_ERR_IO;
        saved = errno;
    }
    if (err == WT_OK) {
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) != 0) {
            if (errno == EINVAL || errno == ENOSYS) {
                /* A file system without RENAME_NOREPLACE: link() also refuses
                 * to replace, then drop the temporary name. */
                if (link(tmp, path) != 0)
                    err = errno == EEXIST ? WT_ERR_FILE_EXISTS : WT_ERR_IO;
            } else {
                err = errno == EEXIST ? WT_ERR_FILE_EXISTS : WT_ERR_IO;
            }
            saved = errno;
            unlink(tmp);
        }
    } else {
        unlink(tmp);
    }
    if (err == WT_OK)
        err = sync_parent_dir(path);
    else
        errno = saved;
    return err;
}

wt_err wt_keyfile_save(const wt_ctx *ctx, const char *path, const wt_seckey *key,
                       const char *passphrase, size_t passphrase_len)
{
    WT_ASSERT(ctx != NULL && path != NULL && key != NULL);
    WT_ASSERT(passphrase != NULL || passphrase_len == 0);
    if (sodium_init() < 0)
        return WT_ERR_INTERNAL;
    struct stat st;
    if (lstat(path, &st) == 0)
        return WT_ERR_FILE_EXISTS; /* early, before the slow KDF; the rename rechecks */
    if (passphrase != NULL && (passphrase_len == 0 || passphrase_len > WT_PASSPHRASE_BYTES_MAX))
        return WT_ERR_BAD_PASSPHRASE;

    char address[WT_ADDRESS_CHARS + 1], pub_hex[65];
    wt_address_encode(address, key->pubkey);
    wt_hex_encode(pub_hex, key->pubkey, 32);
    char text[1024];
    int n;
    if (passphrase == NULL) {
        char secret_hex[65];
        wt_hex_encode(secret_hex, key->secret, 32);
        n = snprintf(text, sizeof text,
                     "# wattle secret key: keep it private (mode 0600). Format: "
                     "wallet/FORMAT.md\n" KEYFILE_MAGIC ": " KEYFILE_VERSION "\n"
                     "address: %s\npubkey: %s\nsecret: %s\n",
                     address, pub_hex, secret_hex);
        wt_wipe(secret_hex, sizeof secret_hex);
    } else {
        uint8_t salt[16], nonce[24], kek[32], sealed[SEALED_BYTES];
        wt_err err = wt_random_bytes(salt, sizeof salt);
        if (err == WT_OK)
            err = wt_random_bytes(nonce, sizeof nonce);
        if (err != WT_OK)
            return err;
        const uint64_t ops = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
        const uint64_t mem = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
        if (crypto_pwhash(kek, sizeof kek, passphrase, passphrase_len, salt, ops, (size_t)mem,
                          crypto_pwhash_ALG_ARGON2ID13) != 0)
            return WT_ERR_NO_MEMORY;
        uint8_t ad[sizeof AD_PREFIX - 1 + 32];
        ad_make(ad, key->pubkey);
        unsigned long long sealed_len = 0;
        crypto_aead_xchacha20poly1305_ietf_encrypt(sealed, &sealed_len, key->secret, 32, ad,
                                                   sizeof ad, NULL, nonce, kek);
        wt_wipe(kek, sizeof kek);
        WT_ASSERT(sealed_len == SEALED_BYTES);
        char salt_hex[33], nonce_hex[49], sealed_hex[2 * SEALED_BYTES + 1];
        wt_hex_encode(salt_hex, salt, sizeof salt);
        wt_hex_encode(nonce_hex, nonce, sizeof nonce);
        wt_hex_encode(sealed_hex, sealed, sizeof sealed);
        n = snprintf(text, sizeof text,
                     "# wattle secret key, sealed with a passphrase. Format: "
                     "wallet/FORMAT.md\n" KEYFILE_MAGIC ": " KEYFILE_VERSION "\n"
                     "address: %s\npubkey: %s\nkdf: " KDF_NAME "\nopslimit: %" PRIu64
                     "\nmemlimit: %" PRIu64 "\nsalt: %s\ncipher: " CIPHER_NAME
                     "\nnonce: %s\nsealed-secret: %s\n",
                     address, pub_hex, ops, mem, salt_hex, nonce_hex, sealed_hex);
    }
    WT_ASSERT(n > 0 && (size_t)n < sizeof text);
    wt_err err = write_new_file_atomic(path, text, (size_t)n);
    int saved = errno;
    wt_wipe(text, sizeof text);
    errno = saved;
    return err;
}

/* ---------------------------------------------------------- passphrase */

/* One line from the terminal with echo off; the newline is dropped. */
static wt_err tty_read_line(char *buf, size_t buf_cap, size_t *len, int fd, const char *prompt)
{
    *len = 0;
    buf[0] = '\0';
    if (write_all(fd, prompt, strlen(prompt)) != WT_OK)
        return WT_ERR_IO;
    struct termios old, quiet;
    bool restore = tcgetattr(fd, &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
            return WT_ERR_IO;
    }
    wt_err err = WT_OK;
    size_t n = 0;
    bool too_long = false;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err = WT_ERR_IO;
            break;
        }
        if (r == 0 || c == '\n' || c == '\r')
            break;
        if (n + 1 < buf_cap && n < WT_PASSPHRASE_BYTES_MAX)
            buf[n++] = c;
        else
            too_long = true;
        c = 0;
    }
    if (restore)
        tcsetattr(fd, TCSAFLUSH, &old);
    (void)write_all(fd, "\n", 1);
    buf[n] = '\0';
    if (err == WT_OK && too_long)
        err = WT_ERR_BAD_PASSPHRASE;
    if (err != WT_OK) {
        wt_wipe(buf, buf_cap);
        return err;
    }
    *len = n;
    return WT_OK;
}

wt_err wt_passphrase_read(char *buf, size_t buf_cap, size_t *len, const char *prompt, bool confirm)
{
    WT_ASSERT(buf != NULL && buf_cap > 0 && len != NULL && prompt != NULL);
    buf[0] = '\0';
    *len = 0;
    const char *env = getenv("WATTLE_PASSPHRASE");
    if (env != NULL) {
        size_t n = strlen(env);
        if (n == 0 || n > WT_PASSPHRASE_BYTES_MAX)
            return WT_ERR_BAD_PASSPHRASE;
        if (n + 1 > buf_cap)
            return WT_ERR_BUFFER_TOO_SMALL;
        memcpy(buf, env, n + 1);
        *len = n;
        return WT_OK;
    }
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return WT_ERR_IO;
    wt_err err = tty_read_line(buf, buf_cap, len, fd, prompt);
    if (err == WT_OK && *len == 0)
        err = WT_ERR_BAD_PASSPHRASE;
    if (err == WT_OK && confirm) {
        char *again = malloc(buf_cap);
        size_t again_len = 0;
        if (again == NULL)
            err = WT_ERR_NO_MEMORY;
        else
            err = tty_read_line(again, buf_cap, &again_len, fd, "Repeat the passphrase: ");
        if (err == WT_OK && (again_len != *len || sodium_memcmp(again, buf, *len) != 0))
            err = WT_ERR_BAD_PASSPHRASE;
        if (again != NULL) {
            wt_wipe(again, buf_cap);
            free(again);
        }
    }
    close(fd);
    if (err != WT_OK) {
        wt_wipe(buf, buf_cap);
        *len = 0;
    }
    return err;
}

void wt_keyfile_explain(char *out, size_t out_cap, const char *path, wt_err err, int errnum)
{
    WT_ASSERT(out != NULL && out_cap > 0 && path != NULL);
    struct stat st;
    switch (err) {
    case WT_ERR_KEY_FILE_PERMISSIONS:
        if (stat(path, &st) == 0)
            snprintf(out, out_cap,
                     "%s: key file has mode %04o, so group or others may read it; "
                     "refusing to use it (fix: chmod 600 %s)",
                     path, (unsigned)(st.st_mode & 07777), path);
        else
            snprintf(out, out_cap,
                     "%s: key file is readable by group or others; refusing to use it "
                     "(fix: chmod 600 %s)",
                     path, path);
        break;
    case WT_ERR_IO:
        snprintf(out, out_cap, "%s: %s", path, strerror(errnum));
        break;
    case WT_ERR_FILE_EXISTS:
        snprintf(out, out_cap, "%s: file exists; a key file is never overwritten", path);
        break;
    case WT_ERR_KEY_FILE_FORMAT:
        snprintf(out, out_cap, "%s: not a wattle key file (or damaged)", path);
        break;
    case WT_ERR_BAD_PASSPHRASE:
        snprintf(out, out_cap, "%s: the passphrase does not open this key file", path);
        break;
    default:
        snprintf(out, out_cap, "%s: %s", path, wt_strerror(err));
        break;
    }
}
