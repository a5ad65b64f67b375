/*
 * modbus_server.h — a real Modbus TCP server for the integration tests
 * (libmodbus: modbus_tcp_listen, modbus_receive, modbus_reply) on a free
 * 127.0.0.1 port, in a thread of the test process, serving one SunSpec
 * register map per unit id (a unit without a map answers the exception
 * "gateway target device failed to respond", as a Modbus gateway does).
 * Maps can be replaced and registers changed while clients poll.
 */
#ifndef WATTLE_TESTS_MODBUS_SERVER_H
#define WATTLE_TESTS_MODBUS_SERVER_H

#include "sunspec_map.h"

#include <stdint.h>

typedef struct ss_server ss_server;

/* Start serving; *port receives the port. NULL on failure (printed). */
ss_server *ss_server_start(int *port);
/* Serve map (copied) to unit, or nothing when map is NULL. */
void ss_server_set(ss_server *s, int unit, const ss_map *map);
/* Add delta to the 32-bit register pair at offset (from the map's base) of
 * unit's map; returns the new value. */
uint32_t ss_server_add32(ss_server *s, int unit, uint32_t offset, uint32_t delta);
/* Requests answered so far (to unit, or to all with unit -1). */
uint64_t ss_server_requests(ss_server *s, int unit);
void ss_server_stop(ss_server *s);

/* A TCP server on a free port that answers every connection with bytes that
 * are not Modbus; *port receives the port. Returns a thread handle to pass
 * to ss_garbage_stop, or NULL. */
typedef struct ss_garbage ss_garbage;
ss_garbage *ss_garbage_start(int *port);
void ss_garbage_stop(ss_garbage *g);

#endif /* WATTLE_TESTS_MODBUS_SERVER_H */
