/*
 * test_cli.c — `wattle-meter` as a user runs it: `parse` over the hand-made
 * data files (from a path and from standard input) must print exactly the
 * committed JSON lines (the .jsonl files in data/) and exit 0 when all input decoded, 1
 * when something was rejected, 2 on usage or I/O errors; the help texts say
 * what the command does.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char *exe;
static const char *data_dir;

/* Run a shell command line; capture stdout and the exit status. */
static char *run(int *status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *run(int *status, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    size_t got;
    while ((got = fread(out + n, 1, cap - 1 - n, p)) > 0) {
        n += got;
        if (n + 1 == cap) {
            cap *= 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
    }
    out[n] = '\0';
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

static void expect_output(const char *args, const char *input, bool via_stdin, const char *expected,
                          int want_status)
{
    int status;
    char *out =
        via_stdin
            ? run(&status, "'%s' parse %s - < '%s/%s' 2>/dev/null", exe, args, data_dir, input)
            : run(&status, "'%s' parse %s '%s/%s' 2>/dev/null", exe, args, data_dir, input);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", data_dir, expected);
    size_t len;
    char *want = wt_test_read_file(path, &len);
    assert_non_null(want);
    if (strcmp(out, want) != 0)
        fail_msg("parse %s %s: output differs from %s:\n%s", args, input, expected, out);
    if (status != want_status)
        fail_msg("parse %s %s: exit %d, want %d", args, input, status, want_status);
    free(out);
    free(want);
}

static void dsmr_outputs(void **state)
{
    (void)state;
    expect_output("--format dsmr", "dsmr-2.2.txt", false, "dsmr-2.2.jsonl", 0);
    expect_output("--format dsmr", "dsmr-5.0.2-lf.txt", true, "dsmr-5.0.2.jsonl", 0);
    expect_output("--format dsmr", "dsmr-5.0.2.txt", false, "dsmr-5.0.2.jsonl", 0);
    expect_output("--format dsmr", "dsmr-stream.txt", false, "dsmr-stream.jsonl", 1);
}

static void sml_outputs(void **state)
{
    (void)state;
    expect_output("--format sml", "sml-stream.bin", false, "sml-stream.jsonl", 1);
    expect_output("--format sml --ignore-crc", "sml-stream.bin", true,
                  "sml-stream-ignore-crc.jsonl", 1);
    expect_output("--format sml", "sml-two-lists.bin", false, "sml-two-lists.jsonl", 0);
}

static void tasmota_outputs(void **state)
{
    (void)state;
    expect_output("--format tasmota", "tasmota-mqtt.txt", false, "tasmota-mqtt.jsonl", 1);
}

static void help_and_usage(void **state)
{
    (void)state;
    int status;
    char *out = run(&status, "'%s' --help", exe);
    assert_int_equal(status, 0);
    assert_non_null(strstr(out, "usage: wattle-meter COMMAND"));
    assert_non_null(strstr(out, "parse"));
    free(out);
    out = run(&status, "'%s' parse --help", exe);
    assert_int_equal(status, 0);
    assert_non_null(strstr(out, "--format dsmr|sml|tasmota"));
    assert_non_null(strstr(out, "--ignore-crc"));
    assert_non_null(strstr(out, "crc_mismatch"));
    assert_non_null(strstr(out, "mWh"));
    free(out);

    static const char *const bad[] = {
        "",
        "frobnicate",
        "parse",
        "parse --format dsmr",
        "parse --format xml /dev/null",
        "parse --format dsmr /nonexistent/file",
        "parse --format dsmr --bogus /dev/null",
        "parse --format dsmr /dev/null /dev/null",
        "parse --format tasmota --map nokey /dev/null",
        "parse --format tasmota --map K=1-0:1.8.0/furlong /dev/null",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        out = run(&status, "'%s' %s 2>/dev/null", exe, bad[i]);
        if (status != 2)
            fail_msg("'%s': exit %d, want 2", bad[i], status);
        free(out);
    }
    /* An empty input decodes to nothing, successfully. */
    out = run(&status, "'%s' parse --format sml /dev/null", exe);
    assert_int_equal(status, 0);
    assert_string_equal(out, "");
    free(out);
    out = run(&status,
              "echo 'tele/x/SENSOR {\"S\":{\"E\":1.5}}' | '%s' parse --format tasmota "
              "--map E=1-0:2.8.0/kWh -",
              exe);
    assert_int_equal(status, 0);
    assert_non_null(strstr(out, "\"1-0:2.8.0\":1500000"));
    free(out);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s WATTLE_METER DATA_DIR\n", argv[0]);
        return 2;
    }
    exe = argv[1];
    data_dir = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dsmr_outputs),
        cmocka_unit_test(sml_outputs),
        cmocka_unit_test(tasmota_outputs),
        cmocka_unit_test(help_and_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
