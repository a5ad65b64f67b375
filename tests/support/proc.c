/* proc.c — see proc.h. fork/exec, waitpid and a raw HTTP/1.0 probe; nothing
 * here may call cmocka. */
#include "proc.h"

#include "run_cmd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int wt_proc_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

void wt_proc_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int wt_proc_tmpdir(char *out, size_t out_cap, const char *prefix)
{
    const char *t = getenv("TMPDIR");
    int n = snprintf(out, out_cap, "%s/%s-XXXXXX", t != NULL && *t ? t : "/tmp", prefix);
    if (n < 0 || (size_t)n >= out_cap || mkdtemp(out) == NULL) {
        fprintf(stderr, "proc: cannot make a temporary folder for %s: %s\n", prefix,
                strerror(errno));
        return -1;
    }
    return 0;
}

int wt_proc_rmtree(const char *path)
{
    if (path == NULL || path[0] == '\0' || strchr(path, '\'') != NULL)
        return -1;
    char cmd[WT_PROC_PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    return system(cmd) == 0 ? 0 : -1;
}

pid_t wt_proc_spawn(const char *log_path, char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0) {
        perror("proc: fork");
        return -1;
    }
    if (pid == 0) {
        /* a test or benchmark that dies (an assertion, a sanitizer abort)
         * takes its children with it instead of leaving them running */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == 1)
            _exit(127); /* the parent was already gone */
        if (log_path != NULL) {
            int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
                close(fd);
            }
        }
        execv(argv[0], argv);
        fprintf(stderr, "proc: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

int wt_proc_stop(pid_t *pid, int sig)
{
    if (*pid <= 0)
        return -1;
    kill(*pid, sig);
    int status = -1;
    while (waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
    }
    *pid = 0;
    return status;
}

void wt_proc_print_file(const char *path)
{
    FILE *fp = fopen(path, "r");
    fprintf(stderr, "---- %s%s\n", path, fp == NULL ? " (cannot be read)" : "");
    if (fp == NULL)
        return;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        fwrite(buf, 1, n, stderr);
    fclose(fp);
    fprintf(stderr, "---- end of %s\n", path);
}

int wt_proc_http(wt_proc_reply *r, const char *host, int port, const char *method, const char *path,
                 const char *headers, const char *body, int timeout_ms)
{
    memset(r, 0, sizeof *r);
    r->status = -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    size_t body_len = body != NULL ? strlen(body) : 0;
    char req[2048];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.0\r\nHost: %s\r\nContent-Length: %zu\r\n%s\r\n",
                     method, path, host, body_len, headers != NULL ? headers : "");
    size_t cap = 1 << 16, got = 0;
    char *resp = malloc(cap);
    int rc = -1;
    if (resp == NULL || n < 0 || (size_t)n >= sizeof req ||
        inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || write(fd, req, (size_t)n) != n)
        goto out;
    for (size_t off = 0; off < body_len;) {
        ssize_t w = write(fd, body + off, body_len - off);
        if (w <= 0)
            break; /* the server may answer before it has read everything */
        off += (size_t)w;
    }
    for (;;) { /* HTTP/1.0: the server closes after the reply */
        if (got + 1 == cap) {
            char *bigger = realloc(resp, cap * 2);
            if (bigger == NULL)
                goto out;
            resp = bigger;
            cap *= 2;
        }
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) <= 0)
            break;
        ssize_t k = read(fd, resp + got, cap - 1 - got);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    resp[got] = '\0';
    char *sep = strstr(resp, "\r\n\r\n");
    int code;
    if (sep == NULL || sscanf(resp, "HTTP/1.%*d %d", &code) != 1)
        goto out;
    r->status = code;
    r->head = strndup(resp, (size_t)(sep + 2 - resp));
    r->body_len = got - (size_t)(sep + 4 - resp);
    r->body = malloc(r->body_len + 1);
    if (r->head == NULL || r->body == NULL) {
        wt_proc_reply_free(r);
        goto out;
    }
    memcpy(r->body, sep + 4, r->body_len + 1);
    rc = 0;
out:
    free(resp);
    close(fd);
    return rc;
}

int wt_proc_http_body(char **body_out, const char *host, int port, const char *method,
                      const char *path, const char *body, int timeout_ms)
{
    if (body_out != NULL)
        *body_out = NULL;
    wt_proc_reply r;
    if (wt_proc_http(&r, host, port, method, path, "Content-Type: application/json\r\n", body,
                     timeout_ms) != 0)
        return -1;
    if (body_out != NULL) {
        *body_out = r.body;
        r.body = NULL;
    }
    wt_proc_reply_free(&r);
    return r.status;
}

void wt_proc_reply_free(wt_proc_reply *r)
{
    free(r->head);
    free(r->body);
    r->head = r->body = NULL;
}

bool wt_proc_reply_header(char *out, size_t out_cap, const wt_proc_reply *r, const char *name)
{
    size_t n = strlen(name);
    for (const char *line = r->head != NULL ? strstr(r->head, "\r\n") : NULL; line != NULL;
         line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        if (strncasecmp(h, name, n) == 0 && h[n] == ':') {
            const char *v = h + n + 1;
            while (*v == ' ')
                v++;
            const char *end = strstr(v, "\r\n");
            size_t len = end != NULL ? (size_t)(end - v) : strlen(v);
            if (len >= out_cap)
                return false;
            memcpy(out, v, len);
            out[len] = '\0';
            return true;
        }
    }
    return false;
}

int wt_proc_http_status(int port, const char *path, int timeout_ms)
{
    return wt_proc_http_body(NULL, "127.0.0.1", port, "GET", path, NULL, timeout_ms);
}

int wt_wattled_init(wt_wattled *d, const char *exe, const char *data_dir)
{
    memset(d, 0, sizeof *d);
    if (exe == NULL)
        exe = getenv("WATTLED");
    if (exe != NULL) {
        snprintf(d->exe, sizeof d->exe, "%s", exe);
    } else {
        char self[WT_PROC_PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0) {
            fprintf(stderr, "proc: cannot find wattled: set WATTLED\n");
            return -1;
        }
        self[n] = '\0';
        snprintf(d->exe, sizeof d->exe, "%s/../engine/wattled", dirname(self));
    }
    snprintf(d->data_dir, sizeof d->data_dir, "%s", data_dir);
    snprintf(d->log_path, sizeof d->log_path, "%s/wattled.log", data_dir);
    int http = wt_proc_free_port(), nng = wt_proc_free_port(), pub = wt_proc_free_port();
    if (http < 0 || nng < 0 || pub < 0) {
        fprintf(stderr, "proc: no free loopback port\n");
        return -1;
    }
    d->http_port = http;
    snprintf(d->http_addr, sizeof d->http_addr, "127.0.0.1:%d", http);
    snprintf(d->http_url, sizeof d->http_url, "http://127.0.0.1:%d", http);
    snprintf(d->nng_url, sizeof d->nng_url, "tcp://127.0.0.1:%d", nng);
    snprintf(d->pub_url, sizeof d->pub_url, "tcp://127.0.0.1:%d", pub);
    d->log_level = "warn";
    d->start_timeout_ms = 15000;
    return 0;
}

int wt_wattled_start(wt_wattled *d, const char *const *extra_args)
{
    char *argv[64];
    size_t n = 0;
    argv[n++] = d->exe;
    argv[n++] = "--data";
    argv[n++] = d->data_dir;
    argv[n++] = "--http";
    argv[n++] = d->http_addr;
    argv[n++] = "--listen";
    argv[n++] = d->nng_url;
    argv[n++] = "--pub";
    argv[n++] = d->pub_url;
    argv[n++] = "--log-level";
    argv[n++] = (char *)(d->log_level != NULL ? d->log_level : "warn");
    for (size_t i = 0; extra_args != NULL && extra_args[i] != NULL; i++) {
        if (n == 63) {
            fprintf(stderr, "proc: too many wattled arguments\n");
            return -1;
        }
        argv[n++] = (char *)extra_args[i];
    }
    argv[n] = NULL;
    if (d->notify_socket != NULL)
        setenv("NOTIFY_SOCKET", d->notify_socket, 1);
    else
        unsetenv("NOTIFY_SOCKET");
    d->pid = wt_proc_spawn(d->log_path, argv);
    unsetenv("NOTIFY_SOCKET");
    if (d->pid < 0) {
        d->pid = 0;
        return -1;
    }
    for (int waited_ms = 0; waited_ms <= d->start_timeout_ms; waited_ms += 25) {
        if (wt_proc_http_status(d->http_port, "/healthz", 1000) == 200)
            return 0;
        int status;
        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            d->pid = 0;
            fprintf(stderr, "proc: wattled exited early (wait status %d)\n", status);
            wt_proc_print_file(d->log_path);
            return -1;
        }
        wt_proc_sleep_ms(25);
    }
    fprintf(stderr, "proc: wattled did not answer GET /healthz on %s within %d ms\n", d->http_url,
            d->start_timeout_ms);
    wt_proc_stop(&d->pid, SIGKILL);
    wt_proc_print_file(d->log_path);
    return -1;
}

int wt_wattled_stop(wt_wattled *d, int sig)
{
    return wt_proc_stop(&d->pid, sig);
}

bool wt_wattled_stop_clean(wt_wattled *d)
{
    int status = wt_wattled_stop(d, SIGTERM);
    if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    fprintf(stderr, "proc: wattled did not stop cleanly (wait status %d)\n", status);
    wt_proc_print_file(d->log_path);
    return false;
}

int wt_chain_init(const char *wattle_exe, const char *dir, const char *const *args)
{
    char *argv[64];
    size_t n = 0;
    argv[n++] = (char *)wattle_exe;
    argv[n++] = "chain";
    argv[n++] = "init";
    argv[n++] = "--out";
    argv[n++] = (char *)dir;
    for (size_t i = 0; args != NULL && args[i] != NULL; i++) {
        if (n == 63)
            return -1;
        argv[n++] = (char *)args[i];
    }
    argv[n] = NULL;
    run_result r;
    run_cmd(&r, argv, NULL);
    int ok = r.status == 0;
    if (!ok)
        fprintf(stderr, "proc: wattle chain init failed (status %d)\n%s%s", r.status, r.out, r.err);
    run_result_free(&r);
    return ok ? 0 : -1;
}

int wt_proc_append_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "a");
    if (fp == NULL)
        return -1;
    size_t len = strlen(text);
    int ok = fwrite(text, 1, len, fp) == len;
    return fclose(fp) == 0 && ok ? 0 : -1;
}
