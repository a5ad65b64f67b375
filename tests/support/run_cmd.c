/* run_cmd.c — see run_cmd.h. fork + execv with three pipes; output is read
 * with poll so that neither pipe can fill up and block the child. */
#include "run_cmd.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
    perror(what);
    abort();
}

typedef struct {
    char *buf;
    size_t len, cap;
} growbuf;

static void append(growbuf *g, const char *data, size_t n)
{
    if (g->len + n + 1 > g->cap) {
        g->cap = (g->len + n + 1) * 2;
        g->buf = realloc(g->buf, g->cap);
        if (g->buf == NULL)
            die("realloc");
    }
    memcpy(g->buf + g->len, data, n);
    g->len += n;
    g->buf[g->len] = '\0';
}

void run_cmd(run_result *r, char *const argv[], const char *stdin_text)
{
    int in[2], out[2], err[2];
    if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0)
        die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]), close(err[0]), close(err[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    signal(SIGPIPE, SIG_IGN);
    if (stdin_text != NULL) {
        size_t n = strlen(stdin_text), done = 0;
        while (done < n) {
            ssize_t w = write(in[1], stdin_text + done, n - done);
            if (w <= 0)
                break; /* the child may not read it all */
            done += (size_t)w;
        }
    }
    close(in[1]);
    growbuf go = {NULL, 0, 0}, ge = {NULL, 0, 0};
    append(&go, "", 0);
    append(&ge, "", 0);
    struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            char chunk[4096];
            ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
            if (n > 0) {
                append(i == 0 ? &go : &ge, chunk, (size_t)n);
            } else {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    int st;
    if (waitpid(pid, &st, 0) != pid)
        die("waitpid");
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r->out = go.buf;
    r->err = ge.buf;
}

void run_cmdl(run_result *r, const char *exe, ...)
{
    char *argv[64];
    size_t n = 0;
    argv[n++] = (char *)exe;
    va_list ap;
    va_start(ap, exe);
    for (const char *a = va_arg(ap, const char *); a != NULL; a = va_arg(ap, const char *)) {
        if (n == 63) {
            fprintf(stderr, "run_cmdl: more than 63 arguments\n");
            abort();
        }
        argv[n++] = (char *)a;
    }
    va_end(ap);
    argv[n] = NULL;
    run_cmd(r, argv, NULL);
}

void run_result_free(run_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}
