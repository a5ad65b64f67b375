/* test_admin_netns.c — the admin paths refuse peers outside loopback, tried
 * for real: the test makes two network namespaces joined by a veth pair
 * (10.231.7.1 on the daemon's side, 10.231.7.2 on the client's), runs
 * wattled in the first listening on 0.0.0.0, and asks from the second. No
 * packet leaves the namespaces the test made. As root the namespaces are
 * plain ones; otherwise it tries an unprivileged user namespace, and fails
 * (never skips) when neither can be made.
 *
 * Processes: the test (cmocka) forks A, which moves into namespace A, sets up
 * the veth pair, forks B into namespace B and hands it the peer end, then
 * starts wattled; B asks over the veth, A over loopback. A and B report by
 * exit status (0: every answer as expected; the reason on stderr otherwise).
 * argv[1] = wattled, argv[2] = wattle. */
#include "proc.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERVER_ADDR "10.231.7.1"
#define CLIENT_ADDR "10.231.7.2"
#define TIMEOUT_MS  5000

static const char *wattled_path, *wattle_path;

static int sh(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "netns: '%s' failed (%d)\n", cmd, rc);
    return rc == 0 ? 0 : -1;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A new network namespace for this process: a plain one as root, else inside
 * a new user namespace where this user is root. */
static int enter_netns(bool first)
{
    if (unshare(CLONE_NEWNET) == 0)
        return 0;
    if (!first || errno != EPERM) {
        fprintf(stderr, "netns: unshare(CLONE_NEWNET): %s\n", strerror(errno));
        return -1;
    }
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
        fprintf(stderr, "netns: neither root nor an unprivileged user namespace: %s\n",
                strerror(errno));
        return -1;
    }
    char map[64];
    snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
    if (write_file("/proc/self/setgroups", "deny") != 0 ||
        write_file("/proc/self/uid_map", map) != 0)
        return -1;
    snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
    return write_file("/proc/self/gid_map", map);
}

/* `GET path` from the current namespace; the code in the JSON error, if any. */
static int ask(char *code, size_t code_cap, const char *host, int port, const char *method,
               const char *path)
{
    char *body = NULL;
    int status = wt_proc_http_body(&body, host, port, method, path, NULL, TIMEOUT_MS);
    code[0] = '\0';
    json_t *doc = body != NULL ? json_loads(body, 0, NULL) : NULL;
    const char *c = json_string_value(json_object_get(json_object_get(doc, "error"), "code"));
    if (c != NULL)
        snprintf(code, code_cap, "%s", c);
    json_decref(doc);
    free(body);
    return status;
}

static int expect_method(const char *who, const char *host, int port, const char *method,
                         const char *path, int status, const char *code)
{
    char got[64];
    int st = ask(got, sizeof got, host, port, method, path);
    if (st != status || strcmp(got, code) != 0) {
        fprintf(stderr, "netns: %s: %s http://%s:%d%s answered %d '%s', want %d '%s'\n", who,
                method, host, port, path, st, got, status, code);
        return -1;
    }
    return 0;
}

static int expect(const char *who, const char *host, int port, const char *path, int status,
                  const char *code)
{
    return expect_method(who, host, port, "GET", path, status, code);
}

/* B: the client namespace. Waits for the veth end, configures it, then asks
 * the daemon (its port comes through the pipe). */
static int client_main(int from_a, int to_a)
{
    if (enter_netns(false) != 0)
        return 1;
    char go = 1;
    if (write(to_a, &go, 1) != 1) /* in namespace B: hand me the peer end */
        return 1;
    int port;
    if (read(from_a, &port, sizeof port) != sizeof port)
        return 1;
    if (sh("ip link set lo up") != 0 || sh("ip addr add " CLIENT_ADDR "/24 dev wtrel1") != 0 ||
        sh("ip link set wtrel1 up") != 0)
        return 1;
    int rc = 0;
    /* the veth may need a moment after it comes up */
    for (int i = 0;
         i < 100 && wt_proc_http_body(NULL, SERVER_ADDR, port, "GET", "/healthz", NULL, 100) < 0;
         i++)
        wt_proc_sleep_ms(50);
    rc |= expect("client namespace", SERVER_ADDR, port, "/metrics", 403, "forbidden");
    rc |= expect("client namespace", SERVER_ADDR, port, "/healthz", 200, "");
    rc |= expect("client namespace", SERVER_ADDR, port, "/v1/chain", 200, "");
    rc |= expect("client namespace", SERVER_ADDR, port, "/nothing", 404, "not_found");
    /* asking for an audit is the operator's; its status is public */
    rc |=
        expect_method("client namespace", SERVER_ADDR, port, "POST", "/v1/audit", 403, "forbidden");
    rc |= expect("client namespace", SERVER_ADDR, port, "/v1/audit", 200, "");
    return rc == 0 ? 0 : 1;
}

/* A: the daemon's namespace. */
static int server_main(const char *chain_dir)
{
    if (enter_netns(true) != 0)
        return 1;
    if (sh("ip link set lo up") != 0 || sh("ip link add wtrel0 type veth peer name wtrel1") != 0 ||
        sh("ip addr add " SERVER_ADDR "/24 dev wtrel0") != 0 || sh("ip link set wtrel0 up") != 0)
        return 1;
    int a_to_b[2], b_to_a[2];
    if (pipe(a_to_b) != 0 || pipe(b_to_a) != 0)
        return 1;
    pid_t b = fork();
    if (b == 0) {
        close(a_to_b[1]);
        close(b_to_a[0]);
        _exit(client_main(a_to_b[0], b_to_a[1]));
    }
    close(a_to_b[0]);
    close(b_to_a[1]);
    char ready;
    int rc = 1;
    char cmd[96];
    snprintf(cmd, sizeof cmd, "ip link set wtrel1 netns %d", (int)b);
    wt_wattled d;
    d.pid = 0;
    if (b < 0 || read(b_to_a[0], &ready, 1) != 1 || sh(cmd) != 0)
        goto out;
    /* every port is free in a namespace of our own */
    if (wt_wattled_init(&d, wattled_path, chain_dir) != 0)
        goto out;
    snprintf(d.http_addr, sizeof d.http_addr, "0.0.0.0:%d", d.http_port);
    if (wt_wattled_start(&d, NULL) != 0)
        goto out;
    if (write(a_to_b[1], &d.http_port, sizeof d.http_port) != sizeof d.http_port)
        goto out;
    int status;
    if (waitpid(b, &status, 0) != b)
        goto out;
    b = 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "netns: the client namespace's checks failed\n");
        goto out;
    }
    /* the same daemon still answers /metrics and takes POST /v1/audit over loopback */
    if (expect("daemon namespace", "127.0.0.1", d.http_port, "/metrics", 200, "") != 0 ||
        expect_method("daemon namespace", "127.0.0.1", d.http_port, "POST", "/v1/audit", 202, "") !=
            0)
        goto out;
    rc = wt_wattled_stop_clean(&d) ? 0 : 1;
out:
    if (d.pid > 0) {
        wt_proc_print_file(d.log_path);
        wt_wattled_stop(&d, SIGKILL);
    }
    if (b > 0) {
        kill(b, SIGKILL);
        waitpid(b, NULL, 0);
    }
    return rc;
}

static void test_metrics_refused_beyond_loopback(void **state)
{
    (void)state;
    char tmp[WT_PROC_PATH_MAX], chain[WT_PROC_PATH_MAX + 8];
    assert_int_equal(wt_proc_tmpdir(tmp, sizeof tmp, "wattle-netns"), 0);
    snprintf(chain, sizeof chain, "%s/chain", tmp);
    const char *init[] = {"--chain-id", "4242", "--zones", "campus:10", NULL};
    assert_int_equal(wt_chain_init(wattle_path, chain, init), 0);
    fflush(NULL);
    pid_t a = fork();
    assert_true(a >= 0);
    if (a == 0)
        _exit(server_main(chain));
    int status;
    assert_int_equal(waitpid(a, &status, 0), a);
    assert_int_equal(wt_proc_rmtree(tmp), 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("the namespace checks failed (wait status %d): see above", status);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s WATTLED WATTLE\n", argv[0]);
        return 2;
    }
    wattled_path = argv[1];
    wattle_path = argv[2];
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_refused_beyond_loopback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
