/*
 * proc.h — child processes for integration tests and benchmarks: a real
 * `wattled` on free 127.0.0.1 ports (started, waited for until /healthz
 * answers, stopped or killed, restarted on the same ports), and the few
 * process helpers around it (free port, spawn with a log file, stop, temp
 * folder). No cmocka here: `wattle-bench` links it too. Functions that can
 * fail return 0 on success and -1 with a message on stderr; the caller
 * decides whether that fails a test or ends a benchmark.
 */
#ifndef WATTLE_TESTS_PROC_H
#define WATTLE_TESTS_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define WT_PROC_PATH_MAX 512

/* A TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read it
 * back, close), or -1. */
int wt_proc_free_port(void);

void wt_proc_sleep_ms(long ms);

/* mkdtemp of $TMPDIR (or /tmp) + "/" + prefix + "-XXXXXX" into out. */
int wt_proc_tmpdir(char *out, size_t out_cap, const char *prefix);

/* rm -rf path; 0 on success. */
int wt_proc_rmtree(const char *path);

/* Start argv[0] (a path) with argv, its stdout and stderr appended to
 * log_path (or inherited when NULL). Returns its pid, or -1. The child is
 * killed (SIGKILL) when the thread that started it ends, so a test that
 * dies never leaves a daemon behind. */
pid_t wt_proc_spawn(const char *log_path, char *const argv[]);

/* Send sig to *pid (when > 0), wait for it and set *pid to 0. Returns the
 * wait status, or -1 when there was nothing to stop. */
int wt_proc_stop(pid_t *pid, int sig);

/* Copy the file at path to stderr, framed by its name (for failures). */
void wt_proc_print_file(const char *path);

/* The status code of `GET path` on 127.0.0.1:port (HTTP/1.0), or -1 when
 * nothing answers within timeout_ms. */
int wt_proc_http_status(int port, const char *path, int timeout_ms);

/* A whole HTTP/1.0 exchange with host:port (an IPv4 address) over a fresh
 * connection: `method path`, extra
 * header lines (each "Name: value\r\n", or NULL) and a body (or NULL). 0
 * with *r filled (head: the status line and headers; body NUL-terminated;
 * both malloc'd, freed by wt_proc_reply_free), or -1 (r->status -1) when
 * nothing answers within timeout_ms or the reply is not HTTP. */
typedef struct {
    int status;
    char *head;
    char *body;
    size_t body_len;
} wt_proc_reply;
int wt_proc_http(wt_proc_reply *r, const char *host, int port, const char *method, const char *path,
                 const char *headers, const char *body, int timeout_ms);
void wt_proc_reply_free(wt_proc_reply *r);
/* The value of header `name` (case-insensitive) into out; false when absent
 * or longer than out_cap - 1. */
bool wt_proc_reply_header(char *out, size_t out_cap, const wt_proc_reply *r, const char *name);
/* The short form: a JSON body (NULL: none); returns the status code and, when
 * body_out is not NULL, the reply's body in *body_out (malloc'd,
 * NUL-terminated; the caller frees it); -1 when nothing answers within
 * timeout_ms (*body_out NULL then). */
int wt_proc_http_body(char **body_out, const char *host, int port, const char *method,
                      const char *path, const char *body, int timeout_ms);

/* A wattled child process. wt_wattled_init fills everything but pid; fields
 * may be changed before a start (log_level, notify_socket, start_timeout_ms).
 * Every start uses the same ports, so clients configured once keep working
 * across restarts. */
typedef struct {
    char exe[WT_PROC_PATH_MAX];      /* the wattled binary */
    char data_dir[WT_PROC_PATH_MAX]; /* a chain directory (wattle chain init) */
    char log_path[WT_PROC_PATH_MAX]; /* data_dir/wattled.log, appended */
    int http_port;
    char http_addr[32];        /* 127.0.0.1:PORT, for --http */
    char http_url[48];         /* http://127.0.0.1:PORT, for --node */
    char nng_url[48];          /* tcp://127.0.0.1:PORT, for --listen and --node */
    char pub_url[48];          /* tcp://127.0.0.1:PORT, for --pub */
    const char *log_level;     /* --log-level; "warn" by default */
    const char *notify_socket; /* NOTIFY_SOCKET for the daemon; unset when NULL */
    int start_timeout_ms;      /* how long start waits for /healthz; 15 s */
    pid_t pid;                 /* 0 when not running */
} wt_wattled;

/* exe NULL: $WATTLED, else "wattled" beside the running program's folder's
 * ../engine/ (the build tree's layout). */
int wt_wattled_init(wt_wattled *d, const char *exe, const char *data_dir);

/* Start it with `--data --http --listen --pub --log-level` plus extra_args
 * (NULL-terminated, or NULL), and wait until GET /healthz answers 200.
 * Fails (killing the child) when it exits early or does not answer in time;
 * the log is printed then. */
int wt_wattled_start(wt_wattled *d, const char *const *extra_args);

/* Stop with sig (SIGTERM: clean stop; SIGKILL: a crash) and wait. Returns
 * the wait status, or -1 when it was not running. */
int wt_wattled_stop(wt_wattled *d, int sig);

/* SIGTERM, and true when it then exited with status 0 (else prints the
 * log). */
bool wt_wattled_stop_clean(wt_wattled *d);

/* Run `WATTLE chain init --out DIR ARGS…` (args NULL-terminated, or NULL);
 * 0 when it exits 0, else -1 with its output printed. */
int wt_chain_init(const char *wattle_exe, const char *dir, const char *const *args);

/* Append text to the file at path (e.g. a [section] to wattled.ini). */
int wt_proc_append_file(const char *path, const char *text);

#endif /* WATTLE_TESTS_PROC_H */
