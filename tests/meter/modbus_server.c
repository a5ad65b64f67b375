/* modbus_server.c — see modbus_server.h. */
#include "modbus_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UNITS       256
#define CLIENTS_MAX 16

struct ss_server {
    modbus_t *ctx;
    int listen_fd;
    int clients[CLIENTS_MAX];
    pthread_t thread;
    pthread_mutex_t lock;
    volatile bool stopping;
    modbus_mapping_t *maps[UNITS];
    uint32_t bases[UNITS];
    uint64_t requests[UNITS];
};

static int port_of(int fd)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        return -1;
    return ntohs(a.sin_port);
}

static void serve_one(ss_server *s, int fd, size_t slot)
{
    uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
    modbus_set_socket(s->ctx, fd);
    int rc = modbus_receive(s->ctx, query);
    if (rc <= 0) {
        if (rc < 0) { /* the client went away, or sent garbage */
            close(fd);
            s->clients[slot] = -1;
        }
        return;
    }
    int unit = query[6]; /* MBAP header: transaction, protocol, length, unit */
    pthread_mutex_lock(&s->lock);
    s->requests[unit]++;
    if (s->maps[unit] != NULL)
        modbus_reply(s->ctx, query, rc, s->maps[unit]);
    else
        modbus_reply_exception(s->ctx, query, MODBUS_EXCEPTION_GATEWAY_TARGET);
    pthread_mutex_unlock(&s->lock);
}

static void *server_main(void *arg)
{
    ss_server *s = arg;
    while (!s->stopping) {
        struct pollfd fds[1 + CLIENTS_MAX];
        size_t slot_of[1 + CLIENTS_MAX], n = 0;
        fds[n++] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
        for (size_t i = 0; i < CLIENTS_MAX; i++)
            if (s->clients[i] >= 0) {
                slot_of[n] = i;
                fds[n++] = (struct pollfd){.fd = s->clients[i], .events = POLLIN};
            }
        if (poll(fds, n, 50) <= 0)
            continue;
        if (fds[0].revents & POLLIN) {
            int fd = accept(s->listen_fd, NULL, NULL);
            size_t i = 0;
            while (fd >= 0 && i < CLIENTS_MAX && s->clients[i] >= 0)
                i++;
            if (fd >= 0 && i < CLIENTS_MAX)
                s->clients[i] = fd;
            else if (fd >= 0)
                close(fd);
        }
        for (size_t k = 1; k < n; k++)
            if (fds[k].revents != 0)
                serve_one(s, fds[k].fd, slot_of[k]);
    }
    return NULL;
}

ss_server *ss_server_start(int *port)
{
    ss_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < CLIENTS_MAX; i++)
        s->clients[i] = -1;
    pthread_mutex_init(&s->lock, NULL);
    s->ctx = modbus_new_tcp("127.0.0.1", 0); /* port 0: the kernel picks a free one */
    s->listen_fd = s->ctx != NULL ? modbus_tcp_listen(s->ctx, 4) : -1;
    *port = s->listen_fd >= 0 ? port_of(s->listen_fd) : -1;
    if (*port <= 0 || pthread_create(&s->thread, NULL, server_main, s) != 0) {
        fprintf(stderr, "modbus server: %s\n", modbus_strerror(errno));
        if (s->ctx != NULL)
            modbus_free(s->ctx);
        free(s);
        return NULL;
    }
    return s;
}

void ss_server_set(ss_server *s, int unit, const ss_map *map)
{
    modbus_mapping_t *m = NULL;
    if (map != NULL) {
        m = modbus_mapping_new_start_address(0, 0, 0, 0, map->base, map->count, 0, 0);
        if (m == NULL)
            abort();
        memcpy(m->tab_registers, map->regs, map->count * sizeof map->regs[0]);
    }
    pthread_mutex_lock(&s->lock);
    modbus_mapping_t *old = s->maps[unit];
    s->maps[unit] = m;
    s->bases[unit] = map != NULL ? map->base : 0;
    pthread_mutex_unlock(&s->lock);
    if (old != NULL)
        modbus_mapping_free(old);
}

uint32_t ss_server_add32(ss_server *s, int unit, uint32_t offset, uint32_t delta)
{
    pthread_mutex_lock(&s->lock);
    uint16_t *r = s->maps[unit]->tab_registers + offset;
    uint32_t v = ((uint32_t)r[0] << 16 | r[1]) + delta;
    r[0] = (uint16_t)(v >> 16);
    r[1] = (uint16_t)(v & 0xFFFF);
    pthread_mutex_unlock(&s->lock);
    return v;
}

uint64_t ss_server_requests(ss_server *s, int unit)
{
    pthread_mutex_lock(&s->lock);
    uint64_t n = 0;
    for (int u = 0; u < UNITS; u++)
        if (unit < 0 || u == unit)
            n += s->requests[u];
    pthread_mutex_unlock(&s->lock);
    return n;
}

void ss_server_stop(ss_server *s)
{
    if (s == NULL)
        return;
    s->stopping = true;
    pthread_join(s->thread, NULL);
    for (size_t i = 0; i < CLIENTS_MAX; i++)
        if (s->clients[i] >= 0)
            close(s->clients[i]);
    close(s->listen_fd);
    modbus_set_socket(s->ctx, -1);
    modbus_free(s->ctx);
    for (int u = 0; u < UNITS; u++)
        if (s->maps[u] != NULL)
            modbus_mapping_free(s->maps[u]);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* ------------------------------------------------------------- garbage */

struct ss_garbage {
    int listen_fd;
    pthread_t thread;
    volatile bool stopping;
};

static void *garbage_main(void *arg)
{
    ss_garbage *g = arg;
    static const uint8_t junk[] = "HTTP/1.0 200 OK\r\n\r\nthis is not modbus\xff\xfe\x00\x01";
    while (!g->stopping) {
        struct pollfd p = {.fd = g->listen_fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(g->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        /* answer whatever comes with junk, until the client gives up */
        for (int i = 0; i < 100 && !g->stopping; i++) {
            uint8_t in[512];
            struct pollfd c = {.fd = fd, .events = POLLIN};
            if (poll(&c, 1, 50) <= 0)
                continue;
            ssize_t n = read(fd, in, sizeof in);
            if (n <= 0 || write(fd, junk, sizeof junk - 1) < 0)
                break;
        }
        close(fd);
    }
    return NULL;
}

ss_garbage *ss_garbage_start(int *port)
{
    ss_garbage *g = calloc(1, sizeof *g);
    if (g == NULL)
        return NULL;
    g->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (g->listen_fd < 0 || bind(g->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(g->listen_fd, 4) != 0 || (*port = port_of(g->listen_fd)) <= 0 ||
        pthread_create(&g->thread, NULL, garbage_main, g) != 0) {
        if (g->listen_fd >= 0)
            close(g->listen_fd);
        free(g);
        return NULL;
    }
    return g;
}

void ss_garbage_stop(ss_garbage *g)
{
    if (g == NULL)
        return;
    g->stopping = true;
    pthread_join(g->thread, NULL);
    close(g->listen_fd);
    free(g);
}
