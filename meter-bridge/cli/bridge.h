/*
 * bridge.h — the configuration and inputs of `wattle-meter run` and
 * `wattle-meter probe` (private to the program).
 */
#ifndef WATTLE_METER_CLI_BRIDGE_H
#define WATTLE_METER_CLI_BRIDGE_H

#include "meter.h"

#include <stdbool.h>
#include <stdint.h>

#define BRIDGE_METERS_MAX 4096
#define BRIDGE_TEXT_BYTES 512

typedef enum {
    INPUT_FILE = 1,
    INPUT_PIPE,
    INPUT_SERIAL,
    INPUT_TCP,
    INPUT_MQTT,
    INPUT_MODBUS_TCP,
} bridge_input_kind;

/* Which SunSpec model supplies a meter's energy: id 0 = the first meter
 * model (201-204), else the first inverter (101-103); else the nth model
 * with that id. */
typedef struct {
    uint16_t id;
    uint32_t nth;
} bridge_sunspec_model;

/* "ID" or "ID:N" (ID 101-103 or 201-204, N >= 1), or "auto". */
bool bridge_sunspec_model_parse(bridge_sunspec_model *model, const char *text);

typedef struct {
    char name[64];                   /* the INI section */
    wt_meter_format protocol;        /* dsmr | sml | tasmota | sunspec */
    bridge_input_kind input;         /* file | pipe | serial | tcp | mqtt | modbus-tcp */
    char address[BRIDGE_TEXT_BYTES]; /* path, device or host:port */
    char meter_id[WT_METER_ID_BYTES_MAX + 1];
    uint32_t baud; /* serial: 115200 (8N1, DSMR 4+) or 9600 (7E1, DSMR 2.2/3) */
    /* modbus-tcp (SunSpec) */
    uint8_t unit_id;             /* the Modbus unit (slave) id; 1 */
    int64_t poll_interval_ms;    /* 5000 */
    int64_t response_timeout_ms; /* one Modbus request; 2000 */
    bridge_sunspec_model sunspec_model;
} bridge_meter;

typedef struct {
    char key_path[BRIDGE_TEXT_BYTES];
    char node[BRIDGE_TEXT_BYTES];
    char genesis[BRIDGE_TEXT_BYTES];
    char queue[BRIDGE_TEXT_BYTES];
    uint32_t chain_id; /* from genesis, or [gateway] chain_id */
    int64_t interval_ms;
    int64_t flush_delay_ms; /* how long after an interval ends it is closed */
    int64_t max_skew_ms;
    int64_t max_gap_ms;
    int64_t register_modulus_mwh;
    int64_t timeout_ms; /* one nng request */
    int64_t retry_ms;   /* wait after the engine did not answer */
    int64_t expiry_ms;  /* a transaction stays valid this long after signing */
    bool ignore_crc;
    bool has_nonce_base;
    uint64_t nonce_base; /* the gateway's nonce on the chain before this outbox */
    size_t meters_count;
    bridge_meter *meters; /* malloc'd */
} bridge_config;

/* Load and check FILE; on failure print why (naming file and line) to stderr
 * and return false. */
bool bridge_config_load(bridge_config *cfg, const char *path, const char *prog);
void bridge_config_free(bridge_config *cfg);

/* Open a meter's input: a file or pipe read-only, a serial device in raw
 * mode at its baud rate (8N1, or 7E1 at 9600), a TCP connection, an MQTT
 * subscription (libmosquitto, its own network thread) whose messages arrive
 * on a pipe as "TOPIC PAYLOAD" lines (Tasmota only), or a Modbus TCP poller
 * (modbus.c, its own thread) whose polls arrive on a pipe as SunSpec dumps.
 * Returns the fd (non-blocking) or -1 with errno-based text in err. */
int bridge_input_open(const bridge_meter *m, char *err, size_t err_cap);

/* Stop every MQTT client and Modbus poller bridge_input_open started
 * (before closing fds). */
void bridge_inputs_stop(void);

/* The Modbus TCP poller of a SunSpec device (modbus.c): a thread that finds
 * the 'SunS' marker (40000, 50000, 0), walks the model chain, then every
 * poll_interval_ms reads the common model and the energy model and writes
 * them to a pipe as one dump (wt_sunspec_dump_next's format, "end"-
 * terminated; the other models as headers only). A device that is down or
 * answers garbage is reported on stderr once per kind of failure and tried
 * again every poll; the connection is opened afresh after any error.
 * Returns the pipe's read end (non-blocking) or -1 with text in err. */
int bridge_modbus_open(const bridge_meter *m, char *err, size_t err_cap);
void bridge_modbus_stop_all(void);

/* Set a serial fd (termios) for the meter's line: 115200 8N1 or 9600 7E1. */
int bridge_serial_setup(int fd, uint32_t baud);

#endif /* WATTLE_METER_CLI_BRIDGE_H */
