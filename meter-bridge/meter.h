/*
 * meter.h — what the meter bridge promises.
 *
 * Built so far (issue 7, parser part): strict, pure parsers for the three
 * text/binary protocols that German, Dutch, Belgian and Luxembourg meters and
 * Tasmota devices speak — DSMR P1 telegrams, SML transport frames and Tasmota
 * MQTT JSON — each turning one telegram/message into one wt_meter_reading of
 * OBIS-named integer values in wattle's units, and each reporting precisely
 * what was wrong (a wt_err plus a short detail text) without stopping: the
 * next telegram in the same byte stream still parses. `wattle-meter parse`
 * prints them as JSON lines.
 *
 * Then, for the bridge (`wattle-meter run`): per-interval import/export in
 * mWh from cumulative registers (wt_agg_*), one signed READINGS transaction
 * per interval per gateway (wt_readings_tx_build) and a store-and-forward
 * outbox in SQLite that loses nothing (wt_queue_*).
 *
 * SunSpec (inverters and meters over Modbus TCP): the model chain behind the
 * 'SunS' marker decoded from a block of holding registers (wt_sunspec_*),
 * pure — the Modbus polling lives in the program — and turned into a
 * reading whose energy registers feed the same aggregation.
 *
 * Conventions (those of common.h):
 *  - Argument order: outputs, then in/outs, then inputs; a length right
 *    after its buffer.
 *  - Functions return wt_err and zero their outputs before the first check.
 *  - DSMR and SML parsing is pure and allocation-free over caller memory
 *    (a wt_meter_reading is ~7.5 KiB: keep it static or on the heap in
 *    tight stacks). Tasmota parsing allocates inside jansson and frees
 *    before returning.
 *  - Values are int64 in the smallest unit of their quantity: energy mWh,
 *    power mW, reactive energy mvarh, reactive power mvar, apparent power
 *    mVA / energy mVAh, voltage mV, current mA, frequency mHz, gas or water
 *    volume dm³, time s; finer readings (7 decimals of kWh, SML scaler -4
 *    on Wh) are truncated toward zero. Identifiers and anything without a
 *    known unit stay text, exactly as the meter wrote it.
 *  - Input bytes are untrusted: every length is checked; no input can make
 *    these functions crash, loop forever or read outside the buffer.
 * May use: common, wallet.
 */
#ifndef WATTLE_METER_H
#define WATTLE_METER_H

#include "common.h"
#include "wallet.h"

/* ------------------------------------------------------------------ OBIS */

/* An OBIS code A-B:C.D.E*F (IEC 62056-61). F is 255 when not written. */
typedef struct {
    uint8_t a, b, c, d, e, f;
} wt_obis;

/* "255-255:255.255.255*254" plus NUL. */
#define WT_OBIS_TEXT_BYTES 24

/*
 * Parse an OBIS code at the start of text[0..text_len): "A-B:C.D.E" with an
 * optional "*F" or ".F", also accepting ':' in place of '.' between C, D and E
 * (a typo printed in the DSMR 4.0 specification and copied by meters).
 * *used receives the bytes consumed. WT_ERR_BAD_OBIS when no code starts
 * there or a group exceeds 255.
 */
wt_err wt_obis_parse(wt_obis *obis, size_t *used, const char *text, size_t text_len);
/* "A-B:C.D.E", with "*F" appended only when F != 255. */
void wt_obis_format(char out[WT_OBIS_TEXT_BYTES], wt_obis obis);
/* Build a code from its groups (F = 255). */
wt_obis wt_obis_make(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t e);
bool wt_obis_equal(wt_obis x, wt_obis y);

/* ---------------------------------------------------------- one reading */

typedef enum {
    WT_METER_FORMAT_DSMR = 1,
    WT_METER_FORMAT_SML,
    WT_METER_FORMAT_TASMOTA,
    WT_METER_FORMAT_SUNSPEC,
} wt_meter_format;
/* "dsmr", "sml", "tasmota", "sunspec". Never NULL. */
const char *wt_meter_format_name(wt_meter_format format);

/* The unit of an integer value: the smallest unit of its quantity. */
typedef enum {
    WT_UNIT_NONE = 0, /* a count or an enumeration */
    WT_UNIT_MWH,      /* energy, milliwatt-hour */
    WT_UNIT_MW,       /* active power, milliwatt */
    WT_UNIT_MVARH,    /* reactive energy, millivar-hour */
    WT_UNIT_MVAR,     /* reactive power, millivar */
    WT_UNIT_MVAH,     /* apparent energy, millivolt-ampere-hour */
    WT_UNIT_MVA,      /* apparent power, millivolt-ampere */
    WT_UNIT_MV,       /* voltage, millivolt */
    WT_UNIT_MA,       /* current, milliampere */
    WT_UNIT_MHZ,      /* frequency, millihertz */
    WT_UNIT_DM3,      /* volume (gas, water), cubic decimetre = litre */
    WT_UNIT_S,        /* duration, second */
    WT_UNIT_COUNT_
} wt_meter_unit;
/* "mWh", "mW", …; "" for WT_UNIT_NONE. Never NULL. */
const char *wt_meter_unit_name(wt_meter_unit unit);

typedef enum {
    WT_METER_VALUE_INT = 1, /* value_int in `unit` */
    WT_METER_VALUE_TEXT,    /* text: an identifier, or a value without a known unit */
} wt_meter_value_kind;

typedef struct {
    wt_obis obis;
    uint8_t kind; /* wt_meter_value_kind */
    uint8_t unit; /* wt_meter_unit, for WT_METER_VALUE_INT */
    uint16_t text_len;
    uint32_t text_offset; /* into the reading's text[] for WT_METER_VALUE_TEXT */
    int64_t value_int;
} wt_meter_value;

typedef enum {
    WT_METER_CRC_NONE = 0, /* the format carries no CRC (DSMR 2.2/3, Tasmota) */
    WT_METER_CRC_OK,
    WT_METER_CRC_MISMATCH, /* only with WT_METER_IGNORE_CRC */
} wt_meter_crc;
/* "none", "ok", "mismatch". Never NULL. */
const char *wt_meter_crc_name(wt_meter_crc crc);

#define WT_METER_VALUES_MAX     128
#define WT_METER_TEXT_BYTES_MAX 4096 /* all text values of one reading */
#define WT_METER_REPORTED_ID_BYTES_MAX                                                             \
    96 /* as the meter names itself; DSMR 96.1.1 allows 96 hex digits (wallet.h registers ids of   \
          up to WT_METER_ID_BYTES_MAX) */
#define WT_METER_VERSION_BYTES_MAX 16
#define WT_METER_DETAIL_BYTES      112
_Static_assert(WT_METER_TEXT_BYTES_MAX <= UINT16_MAX, "text lengths fit u16");

/*
 * One telegram (DSMR), one GetList response (SML) or one message (Tasmota).
 * Values keep the order of the input; each OBIS code appears at most once.
 */
typedef struct {
    uint8_t format; /* wt_meter_format */
    uint8_t crc;    /* wt_meter_crc */
    bool has_version, has_meter_id, has_time;
    bool has_sec_index;                                /* SML: seconds since meter start */
    char version[WT_METER_VERSION_BYTES_MAX + 1];      /* as the meter writes it ("50", "42") */
    char meter_id[WT_METER_REPORTED_ID_BYTES_MAX + 1]; /* see each parser for its source */
    int64_t t_ms;                                      /* Unix ms UTC, when has_time */
    uint32_t sec_index;                                /* when has_sec_index */
    uint32_t values_count;
    wt_meter_value values[WT_METER_VALUES_MAX];
    uint32_t text_used;
    char text[WT_METER_TEXT_BYTES_MAX];
    /* On an error: what was wrong and where, for people ("line 12: …"). */
    char detail[WT_METER_DETAIL_BYTES];
} wt_meter_reading;

/* The value with this code, or NULL. */
const wt_meter_value *wt_meter_reading_find(const wt_meter_reading *reading, wt_obis obis);
/* Pointer to a text value's bytes (not NUL-terminated; use value->text_len). */
const char *wt_meter_value_text(const wt_meter_reading *reading, const wt_meter_value *value);

/*
 * The JSON line of `wattle-meter parse` (no newline), NUL-terminated:
 *   {"format":"dsmr","version":"50"|null,"meter_id":"…"|null,"t_ms":…|null,
 *    "crc":"ok"|"none"|"mismatch","values":{"1-0:1.8.1":4426000,"0-0:96.14.0":"0002",…}}
 * WT_ERR_BUFFER_TOO_SMALL when out_cap is not enough (64 KiB always is).
 */
wt_err wt_meter_reading_json(char *out, size_t out_cap, size_t *out_len,
                             const wt_meter_reading *reading);
/* {"error":{"code":"crc_mismatch","message":"…: detail"}} for err. */
wt_err wt_meter_error_json(char *out, size_t out_cap, size_t *out_len, wt_err err,
                           const char *detail);

/*
 * Exact decimal scaling shared by the parsers: the number text[0..text_len)
 * (optional '-', digits, optional '.' and digits, optional exponent e±N as in
 * JSON) times 10^exp10, truncated toward zero to an integer.
 * WT_ERR_BAD_NUMBER on any other text, WT_ERR_OVERFLOW out of int64.
 */
wt_err wt_meter_decimal_scale(int64_t *out, const char *text, size_t text_len, int exp10);

/* ------------------------------------------------------------- parsers */

/* Parser flags. */
#define WT_METER_IGNORE_CRC 1u /* parse a telegram whose CRC does not match */

/*
 * The streaming contract shared by wt_dsmr_next and wt_sml_next: `buf` holds
 * bytes read so far from a stream (a serial port, a file); `at_end` says no
 * more will come. Each call looks for the first telegram in buf and sets
 * *used to the bytes the caller may drop afterwards (never more than
 * buf_len):
 *   WT_OK                 a telegram was parsed into *reading;
 *   WT_ERR_NOT_FOUND      no complete telegram yet: drop *used bytes (garbage
 *                         before a start), keep the rest, read more and call
 *                         again; with at_end, nothing more is in buf;
 *   any other error       a telegram (or a run of bytes that started like one)
 *                         was bad: drop *used bytes, report, call again.
 * *used > 0 on every return except WT_ERR_NOT_FOUND with nothing to drop
 * (and the SML case below), so a caller that loops while used > 0 always
 * terminates. A buffer of WT_DSMR_TELEGRAM_BYTES_MAX + WT_DSMR_LINE_BYTES_MAX
 * (DSMR) or WT_SML_FRAME_BYTES_MAX + 16 (SML) bytes always makes progress.
 */

/* DSMR P1: limits of one telegram. */
#define WT_DSMR_LINE_BYTES_MAX     2560 /* a 1024-character text message is 2048 hex digits */
#define WT_DSMR_TELEGRAM_BYTES_MAX 16384

/*
 * DSMR P1 (2.2, 3, 4.x, 5.0.2, Belgian e-MUCS, Luxembourg, and the
 * DSMR-like EasyMeter/Hungarian variants): a telegram runs from a header
 * line "/XXX…" (three letters) to the line "!" + CRC (1–4 hex digits, CRC-16/ARC over
 * '/' … '!' with every line ending counted as CR LF, so LF-only files check
 * too); "!" alone = no CRC (2.2/3). Bytes outside telegrams are skipped.
 * Version: 1-3:0.2.8, else 0-0:96.1.4, else none. meter_id: 0-0:96.1.1,
 * else 0-0:96.1.0, 0-0:42.0.0, 1-0:0.0.0, 0-0:96.1.255 — decoded from hex
 * when that gives printable ASCII, else as written. t_ms: 0-0:1.0.0
 * (YYMMDDhhmmss + S/W, Central European time; none when absent or not a
 * real date). Log objects (1-0:99.97.0, 0-0:98.1.0) are checked for
 * parentheses but not reported.
 */
wt_err wt_dsmr_next(wt_meter_reading *reading, size_t *used, const uint8_t *buf, size_t buf_len,
                    bool at_end, unsigned flags);

/* SML: limit of one transport frame (escaped, as on the wire). */
#define WT_SML_FRAME_BYTES_MAX 16384

/*
 * SML 1.04 over its transport protocol: 1b1b1b1b 01010101 … 1b1b1b1b 1a NN
 * CRC16 (CRC-16/X-25 over the whole frame up to NN, sent low byte first), with
 * 1b1b1b1b in the payload escaped as 1b1b1b1b 1b1b1b1b. One frame may hold
 * several GetList responses: each call returns the one numbered *list_index
 * (start with 0); when another follows, the call returns WT_OK with *used = 0
 * and *list_index advanced, so the next call with the same bytes reads it
 * (the frame is unescaped and its CRC checked again; frames are short);
 * otherwise *list_index is reset to 0. A frame without any GetList response
 * gives WT_ERR_NOT_FOUND with *used past it. meter_id: the
 * server id in lower-case hex. t_ms: the list's actSensorTime when it is a
 * UTC timestamp (most meters send only a seconds index: sec_index).
 * Values: each list entry; integers scaled by 10^scaler into the units
 * above, octet strings as text (printable ASCII as is, else hex).
 */
wt_err wt_sml_next(wt_meter_reading *reading, size_t *used, size_t *list_index, const uint8_t *buf,
                   size_t buf_len, bool at_end, unsigned flags);

/*
 * Tasmota MQTT JSON: one message, e.g. the payload of tele/<device>/SENSOR.
 * The ENERGY object: Total, TotalTariff[], ExportActive, ExportTariff[]
 * (kWh) → 1-0:1.8.0, 1-0:1.8.1…, 1-0:2.8.0, 1-0:2.8.1…; Power (W, signed:
 * negative is export) → 1-0:16.7.0, a per-phase array → 36/56/76.7.0;
 * Voltage → 32.7.0, Current → 31.7.0, Frequency → 14.7.0, ApparentPower →
 * 9.7.0, ReactivePower → 3.7.0, Factor → 13.7.0 (text), arrays → the L1/L2/
 * L3 codes; Today, Yesterday, TotalStartTime, Period have no OBIS code and
 * are not reported. Every other object (an SML script's "SML", "MT175", …)
 * is searched key by key: first `map` (may be NULL), then built-in names
 * (Total_in, Total_out, Power_curr, E_in, E_out, Power_L1…, Volt_L1…,
 * Current_L1…, Meter_Number → 1-0:96.1.0), then keys spelt like OBIS
 * ("1_8_0", "1.8.0", "1-0:1.8.0", units inferred from C and D); other keys
 * are ignored. Numbers are converted from their JSON text, never a double,
 * so 1234.567 kWh is exactly 1234567000 mWh. meter_id: the meter's own
 * number (1-0:96.1.0) when the message carries one, else the <device> part
 * of `topic` (may be NULL). t_ms: "Time" when it carries Z or a UTC offset,
 * else none (Tasmota's Time is local time; SetOption52 adds the offset).
 * WT_ERR_NO_METER_VALUES when nothing in the message is a meter value.
 */
typedef struct {
    const char *key;  /* JSON key, compared case-insensitively */
    wt_obis obis;     /* where its value goes */
    const char *unit; /* the unit the value is written in: "kWh", "W", "V", … */
} wt_tasmota_key;

#define WT_TASMOTA_PAYLOAD_BYTES_MAX 16384

wt_err wt_tasmota_parse(wt_meter_reading *reading, const char *payload, size_t payload_len,
                        const char *topic, const wt_tasmota_key *map, size_t map_len);

/*
 * Convert a value written in `unit` (as in telegrams: "kWh", "kW", "m3",
 * "V", "A", "GJ", …, any case) into wattle's smallest unit: *exp10 is the
 * power of ten to scale by, *out_unit the result's unit. GJ and MJ are heat
 * energy: they scale to J (exp10 9 / 6) and *joules is set, since mWh = J/3.6
 * needs a division. false for a unit not in the table.
 */
bool wt_meter_unit_lookup(wt_meter_unit *out_unit, int *exp10, bool *joules, const char *unit,
                          size_t unit_len);

/* -------------------------------------------------------------- SunSpec */

/*
 * SunSpec over Modbus (SunSpec Information Model Specification; the model
 * definitions of github.com/sunspec/models, json/model_N.json). A device's
 * holding registers start with the marker 'SunS' (0x5375 0x6E53) at a base
 * address — usually 40000, else 50000 or 0 — followed by a chain of models,
 * each a header (model ID, length L = registers after the header) and its
 * L registers, ending with ID 0xFFFF. All values are big-endian registers.
 *
 * Decoded here (C tables transcribed from those definitions, checked against
 * them by the realdata suite): the common model 1, the inverters 101-103
 * (integer + scale factor), the meters 201-204, and the flat inverter models
 * 11, 12, 120-124, 127, 128. Other models (the float variants, those with
 * repeating groups, vendor models) are walked past: their header is reported,
 * their points are not. Pure: registers in, points out; no I/O.
 */

/* Point types of the decoded models (the definitions' names). */
typedef enum {
    WT_SUNSPEC_UINT16 = 1,
    WT_SUNSPEC_INT16,
    WT_SUNSPEC_UINT32,
    WT_SUNSPEC_ACC32,
    WT_SUNSPEC_ACC64,
    WT_SUNSPEC_SUNSSF,
    WT_SUNSPEC_ENUM16,
    WT_SUNSPEC_BITFIELD16,
    WT_SUNSPEC_BITFIELD32,
    WT_SUNSPEC_STRING,
    WT_SUNSPEC_PAD,
    WT_SUNSPEC_EUI48,
} wt_sunspec_type;
/* "uint16", "acc32", "sunssf", … as the definitions spell them. Never NULL. */
const char *wt_sunspec_type_name(wt_sunspec_type type);

/* An enum value or a bit number, and its name. */
typedef struct {
    uint32_t value;
    const char *name;
} wt_sunspec_symbol;

typedef struct {
    const char *name;
    uint8_t type;                     /* wt_sunspec_type */
    uint8_t size;                     /* registers */
    int8_t sf;                        /* index of its scale-factor point in the model, or -1 */
    const char *units;                /* as in the definition, or NULL */
    uint8_t symbols_count;            /* enum values / bit names */
    const wt_sunspec_symbol *symbols; /* NULL when none */
} wt_sunspec_point_def;

typedef struct {
    uint16_t id;
    const char *name; /* the definition's group name ("inverter_three_phase") */
    uint16_t length;  /* L: registers after ID and L */
    uint16_t points_count;
    const wt_sunspec_point_def *points; /* in register order, from ID (offset 0) */
} wt_sunspec_model_def;

/* The model wattle decodes with this ID, or NULL. */
const wt_sunspec_model_def *wt_sunspec_model_def_find(uint16_t id);
/* The i-th of them (i from 0), or NULL past the last. */
const wt_sunspec_model_def *wt_sunspec_model_def_at(size_t i);

#define WT_SUNSPEC_MARKER_HI  0x5375 /* "Su" */
#define WT_SUNSPEC_MARKER_LO  0x6E53 /* "nS" */
#define WT_SUNSPEC_END_ID     0xFFFF
#define WT_SUNSPEC_MODELS_MAX 256
#define WT_SUNSPEC_VALUES_MAX 1024 /* decoded points of one device */
#define WT_SUNSPEC_TEXT_MAX   4096 /* its string points, in all */
#define WT_SUNSPEC_ADDRESSES  65536
#define WT_SUNSPEC_SF_MIN     (-10) /* the range of a sunssf */
#define WT_SUNSPEC_SF_MAX     10
#define WT_SUNSPEC_READ_MAX   125 /* registers of one Modbus read (function 3) */

/* The base addresses a SunSpec device may use, in the order to try them. */
extern const uint16_t wt_sunspec_bases[3]; /* 40000, 50000, 0 */

/*
 * The model chain: headers only. Built one header at a time, so that a
 * poller can walk a device register by register and the decoder can walk a
 * block with the same rules.
 */
typedef struct {
    uint16_t id, length;
    uint32_t address; /* of its ID register */
} wt_sunspec_header;

typedef struct {
    uint32_t base; /* the marker's address */
    uint32_t next; /* where the next header is */
    bool complete; /* the end marker was read (at end_address) */
    uint32_t end_address;
    uint32_t count;
    wt_sunspec_header models[WT_SUNSPEC_MODELS_MAX];
    char detail[WT_METER_DETAIL_BYTES];
} wt_sunspec_chain;

void wt_sunspec_chain_init(wt_sunspec_chain *chain, uint32_t base);
/*
 * The header (id, length) read at chain->next. WT_OK: appended and next
 * moved past its registers, or complete for ID 0xFFFF. Errors (detail set,
 * the chain unchanged): WT_ERR_INVALID_ARGUMENT after complete;
 * WT_ERR_TELEGRAM_TRUNCATED when the model runs past address 65535 (no end
 * marker can follow); WT_ERR_TOO_MANY_VALUES past WT_SUNSPEC_MODELS_MAX;
 * WT_ERR_BAD_SUNSPEC for a model wattle decodes whose length is not its
 * definition's (a common model of 65, without its trailing pad, is accepted)
 * and for a first model that is not the common model.
 */
wt_err wt_sunspec_chain_add(wt_sunspec_chain *chain, uint16_t id, uint16_t length);

/*
 * Which model supplies the energy: model_id 0 picks the first meter
 * (201-204), else the first inverter (101-103); otherwise the nth (from 1)
 * model with that ID, which must be one of those. The index into
 * chain->models, or -1 when there is none.
 */
int wt_sunspec_chain_select(const wt_sunspec_chain *chain, uint16_t model_id, uint32_t nth);
/* True for the models that carry energy: 101-103, 201-204. */
bool wt_sunspec_is_energy_model(uint16_t id);

/*
 * Registers as read from a device, by Modbus address (0-based, as on the
 * wire), each with a flag saying whether it was read (a poller reads only
 * some models; a dump writes "----" for a register it did not read).
 * ~136 KiB: keep it static or on the heap.
 */
typedef struct {
    uint32_t base; /* the address of the marker */
    uint16_t regs[WT_SUNSPEC_ADDRESSES];
    uint64_t read[WT_SUNSPEC_ADDRESSES / 64];
    char detail[WT_METER_DETAIL_BYTES];
} wt_sunspec_image;

/* Nothing read; the marker expected at base. */
void wt_sunspec_image_clear(wt_sunspec_image *image, uint32_t base);
/* Registers regs[0..count) read at base.. (count <= 65536 - base). */
void wt_sunspec_image_load(wt_sunspec_image *image, uint32_t base, const uint16_t *regs,
                           size_t count);
void wt_sunspec_image_set(wt_sunspec_image *image, uint32_t address, uint16_t value);
bool wt_sunspec_image_has(const wt_sunspec_image *image, uint32_t address);

/*
 * A register dump as text, the format of the real captures in the shared
 * test data and of what the bridge's Modbus poller hands on: registers as
 * groups of 4 hex digits separated by blanks and line breaks, in address
 * order; "----" for a register not read; "@N" (decimal) sets the address of
 * the next register (40000 until then); '#' starts a comment; a line "end"
 * ends one dump, as does the end of the input. The base is the address of
 * the first register. Streaming, as wt_dsmr_next: WT_OK with *image filled
 * and *used past the dump; WT_ERR_NOT_FOUND when no complete dump is in buf
 * yet (or only blanks and comments: *used past them); WT_ERR_BAD_TELEGRAM
 * (a token that is none of those, a register given twice, an address past
 * 65535; detail names the line) or WT_ERR_TELEGRAM_TOO_LONG (no "end" within
 * WT_SUNSPEC_DUMP_BYTES_MAX), *used past the bad dump.
 */
#define WT_SUNSPEC_DUMP_BYTES_MAX 16384
wt_err wt_sunspec_dump_next(wt_sunspec_image *image, size_t *used, const uint8_t *buf,
                            size_t buf_len, bool at_end);

/* What a decoded point holds. */
typedef enum {
    WT_SUNSPEC_VALUE = 1,       /* raw (and text) are the value */
    WT_SUNSPEC_NOT_IMPLEMENTED, /* its type's "not implemented" sentinel (0xFFFF, 0x8000, …) */
    WT_SUNSPEC_NOT_READ,        /* one of its registers (or of its scale factor) was not read */
    WT_SUNSPEC_INVALID,         /* implemented, but its scale factor is not implemented or
                                   outside -10..10, or an acc64 above 2^63 - 1 */
} wt_sunspec_state;

typedef struct {
    const wt_sunspec_point_def *def;
    uint32_t address;
    uint16_t model; /* index into device->chain.models */
    uint8_t state;  /* wt_sunspec_state */
    int8_t sf;      /* for a point with a scale factor and state VALUE: value = raw × 10^sf */
    uint16_t text_len;
    uint16_t text_offset; /* strings: into device->text (NULs and trailing blanks cut) */
    int64_t raw;          /* integers as read (signed types sign-extended), enums, bits,
                             pads; eui48: its 48 bits */
} wt_sunspec_value;

typedef struct {
    wt_sunspec_chain chain;
    uint32_t first_value[WT_SUNSPEC_MODELS_MAX]; /* per model: its points in values[] */
    uint32_t values_of[WT_SUNSPEC_MODELS_MAX];   /* how many (0: not decoded) */
    uint32_t values_count;
    wt_sunspec_value values[WT_SUNSPEC_VALUES_MAX];
    uint32_t text_used;
    char text[WT_SUNSPEC_TEXT_MAX];
    char detail[WT_METER_DETAIL_BYTES];
} wt_sunspec_device;

/*
 * Decode the chain of an image: the marker at image->base (else
 * WT_ERR_SUNSPEC_NO_MARKER), every header (unread →
 * WT_ERR_TELEGRAM_TRUNCATED: a length that runs past the registers read or
 * a chain without its end marker), the errors of wt_sunspec_chain_add, and
 * the points of every model wattle decodes. Points never fail: each gets its
 * state. ~40 KiB: keep it static or on the heap.
 */
wt_err wt_sunspec_decode(wt_sunspec_device *device, const wt_sunspec_image *image);

/* The point `name` of model index `model`, or NULL (also when the model was
 * not decoded). */
const wt_sunspec_value *wt_sunspec_find(const wt_sunspec_device *device, uint32_t model,
                                        const char *name);
/* Pointer to a string point's bytes (value->text_len of them). */
const char *wt_sunspec_value_text(const wt_sunspec_device *device, const wt_sunspec_value *value);

/*
 * A point as text, exactly: a scaled number as a decimal ("4.1", "-0.995",
 * "29708760"), an integer, an enum's symbol (else its number), a bitfield's
 * set bits' names joined by '|' ("" when none; "bitN" for an unnamed bit),
 * a string, a MAC as "00:40:AD:A9:95:76", a pad as its number. "" for a
 * point that is not a VALUE. false when out_cap is too small.
 */
bool wt_sunspec_value_format(char *out, size_t out_cap, const wt_sunspec_device *device,
                             const wt_sunspec_value *value);

/*
 * The reading the bridge aggregates, from the model wt_sunspec_chain_select
 * picks: an inverter's WH × 10^WH_SF → export 1-0:2.8.0; a meter's TotWhImp
 * / TotWhExp × 10^TotWh_SF → import 1-0:1.8.0 / export 1-0:2.8.0; in mWh,
 * exact (a scale factor below -3 truncates toward zero, as the other
 * parsers do). An accumulator's "not implemented" value is 0, which is also
 * what it holds before it counted anything: both read as 0 mWh. meter_id:
 * the common model's SN. Format sunspec, no time (SunSpec meters report
 * none: the bridge uses the receive time). The reading's header (format,
 * meter_id) is filled even on an error. WT_ERR_NOT_FOUND when the chain has
 * no such model; WT_ERR_TELEGRAM_TRUNCATED when an energy point or its scale
 * factor was not read; WT_ERR_BAD_METER_VALUE for a scale factor that is not
 * implemented or outside -10..10; WT_ERR_OVERFLOW. detail set.
 */
wt_err wt_sunspec_reading(wt_meter_reading *reading, const wt_sunspec_device *device,
                          uint16_t model_id, uint32_t nth);

/*
 * The JSON line of `wattle-meter parse --format sunspec`: the reading's
 * object (wt_meter_reading_json) with "models" added — for each model of
 * the chain {"id","address","length"} and, for the ones wattle decodes,
 * "name" and "points": {"W":970,"St":"MPPT","Evt1":[],"Mn":"SMA",…} (numbers
 * exact, null for "not implemented" or invalid, points not read left out).
 */
wt_err wt_sunspec_json(char *out, size_t out_cap, size_t *out_len, const wt_sunspec_device *device,
                       const wt_meter_reading *reading);

/* ------------------------------------------------ interval aggregation */

/*
 * Cumulative registers → per-interval import and export in mWh, aligned to
 * the engine's intervals (interval n = floor(t_ms / interval_ms), t_ms Unix
 * ms UTC). Pure: no clock, no I/O; the caller passes time in.
 *
 * The model, per meter. Each accepted sample (t_ms, import, export) closes
 * the span since the previous one; the register delta of that span is split
 * linearly over the time it covers (integer shares by cumulative floor, so
 * the shares add up exactly to the delta) and each share goes to the
 * interval it falls in. An interval is complete once a sample at or after
 * its end arrives, and is then emitted once, in interval order.
 * The emitted flags carry WT_READING_ESTIMATED when:
 *  - no sample fell inside the interval (a gap: its energy is the linear
 *    estimate), or part of its energy came from a span longer than
 *    max_gap_ms;
 *  - the meter was rebooted or replaced inside it (a register went
 *    backwards and was not a rollover: the baseline restarts at the new
 *    value and the energy between the two samples is unknown, counted 0);
 *  - it is the first interval of a meter (energy before the first sample
 *    is unknown);
 *  - it was closed by wt_agg_close before the meter spoke again (what came
 *    after its last sample is unknown at that point; that energy is not
 *    lost but spread over the intervals still open when the next sample
 *    arrives).
 * A register that drops from at least 90% of register_modulus_mwh to below
 * 10% of it is a rollover (delta = new + modulus − old), not a reboot.
 * A sample older than the previous one is out of order and dropped (the
 * registers are cumulative, so the next sample still counts its energy);
 * one at the same time with the same registers is a duplicate; with other
 * registers a conflict (also dropped). A span longer than
 * WT_AGG_FILL_INTERVALS_MAX intervals restarts the baseline (flagged).
 * Totals are conserved: every mWh between the first sample and the last
 * is emitted exactly once, except across a reboot.
 */
#define WT_AGG_FILL_INTERVALS_MAX 100000
#define WT_AGG_GAP_MS_DEFAULT     300000 /* spans longer than 5 minutes are estimates */

typedef struct {
    int64_t interval_ms;          /* > 0: the chain's interval */
    int64_t max_gap_ms;           /* > 0 */
    int64_t register_modulus_mwh; /* 0: no rollover (a drop is always a reboot) */
} wt_agg_config;

/* What wt_agg_sample did with a sample. */
typedef enum {
    WT_AGG_ACCEPTED = 0,
    WT_AGG_FIRST,        /* the first sample: the baseline */
    WT_AGG_DUPLICATE,    /* same time, same registers: ignored */
    WT_AGG_CONFLICT,     /* same time, other registers: ignored */
    WT_AGG_OUT_OF_ORDER, /* older than the previous sample: ignored */
    WT_AGG_TOO_LATE,     /* inside an interval already emitted: ignored */
    WT_AGG_REBOOT,       /* a register went backwards: baseline restarted */
    WT_AGG_ROLLOVER,     /* a register wrapped around its modulus */
    WT_AGG_RESTART,      /* a span too long to fill: baseline restarted */
} wt_agg_outcome;
/* "accepted", "first", … Never NULL. */
const char *wt_agg_outcome_name(wt_agg_outcome outcome);

/* One meter's state (plain data; zero-initialise, or wt_agg_meter_init). */
typedef struct {
    bool have_base;
    bool cur_has_sample; /* a sample fell inside cur_interval */
    uint8_t cur_flags;
    int64_t base_t_ms, base_import_mwh, base_export_mwh; /* the last accepted sample */
    uint64_t cur_interval;                               /* the first interval not emitted */
    int64_t cur_import_mwh, cur_export_mwh;              /* its energy so far */
    uint64_t duplicates, out_of_order, reboots, rollovers;
} wt_agg_meter;

/* Called for each finished interval, in interval order. */
typedef void (*wt_agg_emit_fn)(void *arg, uint64_t interval, int64_t import_mwh, int64_t export_mwh,
                               uint8_t flags);

void wt_agg_meter_init(wt_agg_meter *meter);
/* WT_ERR_INVALID_ARGUMENT for a config outside the rules above. */
wt_err wt_agg_config_check(const wt_agg_config *config);

/*
 * Feed one sample: registers in mWh (>= 0, else WT_ERR_INVALID_ARGUMENT),
 * t_ms > 0. Emits every interval the sample completes. *outcome says what
 * happened. Errors change nothing: WT_ERR_INVALID_ARGUMENT, WT_ERR_OVERFLOW.
 */
wt_err wt_agg_sample(wt_agg_meter *meter, wt_agg_outcome *outcome, const wt_agg_config *config,
                     int64_t t_ms, int64_t import_mwh, int64_t export_mwh, wt_agg_emit_fn emit,
                     void *arg);

/*
 * Emit every interval below `before` that is not emitted yet, with what is
 * known now (flagged estimated when its energy is incomplete, see above).
 * For a deadline: the engine settles interval n when n + 1 + grace closes.
 * A meter that never spoke emits nothing.
 */
void wt_agg_close(wt_agg_meter *meter, const wt_agg_config *config, uint64_t before,
                  wt_agg_emit_fn emit, void *arg);

/*
 * The sample's time: the meter's own clock (has_meter_time, meter_t_ms) when
 * within max_skew_ms of the bridge's receive time, else the receive time
 * (*skewed set). Meters without a clock (most SML) use receive time.
 */
int64_t wt_agg_sample_time(bool *skewed, bool has_meter_time, int64_t meter_t_ms,
                           int64_t received_t_ms, int64_t max_skew_ms);

/*
 * The cumulative registers of a parsed reading: import = 1-0:1.8.0 when
 * present, else the sum of 1-0:1.8.1 … 1-0:1.8.9 (tariffs); export likewise
 * from 1-0:2.8.x. A side without a register counts 0 (an inverter has only
 * export). Only mWh integer values count. WT_ERR_NOT_FOUND when there is
 * neither an import nor an export register; WT_ERR_OVERFLOW.
 */
wt_err wt_agg_registers(int64_t *import_mwh, int64_t *export_mwh, const wt_meter_reading *reading);

/* ------------------------------------------------ store-and-forward queue */

/*
 * The gateway's outbox: an SQLite file holding one signed READINGS
 * transaction per interval, written (and fsynced: WAL, synchronous=FULL)
 * before anything is sent. Rows leave the pending state in interval order:
 * committed (the engine's answer, duplicates included: a resend is
 * harmless because the engine answers a duplicate with the original
 * result) or rejected with the engine's error code (kept for people, never
 * resent). A rejected transaction does not use its nonce, so the pending
 * rows behind it are signed again with the nonces that follow the last
 * committed one (wt_queue_resign). Nothing in the file is lost by a crash
 * or a restart of the bridge. Not thread-safe: one owner.
 */
typedef struct wt_queue wt_queue;

typedef enum {
    WT_QUEUE_PENDING = 0,
    WT_QUEUE_COMMITTED = 1,
    WT_QUEUE_REJECTED = 2,
} wt_queue_state;

#define WT_QUEUE_ERROR_BYTES 64

typedef struct {
    uint64_t interval;
    uint64_t nonce;
    uint8_t txid[32];
    uint8_t state;                    /* wt_queue_state */
    uint64_t seq, height;             /* when committed */
    char error[WT_QUEUE_ERROR_BYTES]; /* the engine's code when rejected, else "" */
    uint8_t *tx;                      /* malloc'd encoding (free with wt_queue_item_free) */
    size_t tx_len;
} wt_queue_item;

/* Open (creating when absent) the queue file. WT_ERR_IO when SQLite cannot
 * open or write it, WT_ERR_STORE_VERSION for a file of another schema. */
wt_err wt_queue_open(wt_queue **queue, const char *path);
void wt_queue_close(wt_queue *queue);
void wt_queue_item_free(wt_queue_item *item);

/* Append the signed READINGS transaction of `interval` (tx decodes as one,
 * else WT_ERR_INVALID_ARGUMENT). WT_ERR_DUPLICATE_READING when that
 * interval is already in the queue; WT_ERR_IO. Durable on WT_OK. */
wt_err wt_queue_put(wt_queue *queue, uint64_t interval, const uint8_t *tx, size_t tx_len);
/* The oldest pending row; WT_ERR_NOT_FOUND when none. */
wt_err wt_queue_head(wt_queue *queue, wt_queue_item *item);
/* The row of `interval`; WT_ERR_NOT_FOUND. */
wt_err wt_queue_get(wt_queue *queue, wt_queue_item *item, uint64_t interval);
/* The engine's answer for a pending row. WT_ERR_NOT_FOUND when the row is
 * not pending. */
wt_err wt_queue_mark_committed(wt_queue *queue, uint64_t interval, uint64_t seq, uint64_t height);
wt_err wt_queue_mark_rejected(wt_queue *queue, uint64_t interval, const char *error_code);
/* Rows per state (counts[wt_queue_state]); *last_interval the newest row's
 * interval (*any false when the queue is empty). */
wt_err wt_queue_stats(wt_queue *queue, uint64_t counts[3], uint64_t *last_interval, bool *any);
/* The nonce the next transaction must carry: one above the highest nonce of
 * a pending or committed row and the stored base (the gateway's nonce on the
 * chain before this queue was used; 0 unless set). */
wt_err wt_queue_next_nonce(wt_queue *queue, uint64_t *nonce);
wt_err wt_queue_set_nonce_base(wt_queue *queue, uint64_t nonce_base);
/*
 * Re-sign every pending row, in interval order, with consecutive nonces
 * from one above the highest committed nonce (or the base), and expiry_ms
 * (when > 0) replaced; key must be the rows' sender. One SQLite
 * transaction. *resigned counts the rows that changed.
 */
wt_err wt_queue_resign(wt_queue *queue, size_t *resigned, const wt_ctx *ctx, const wt_seckey *key,
                       int64_t expiry_ms);

/*
 * The bridge's own state lives in the same file, so a restart continues
 * where it stopped (no interval is skipped, no energy forgotten): each
 * meter's aggregator and the interval readings already emitted but not yet
 * batched ("held"). Save them in the same SQLite transaction as the rows
 * they produced: wt_queue_begin, wt_queue_put…, wt_queue_meter_save…,
 * wt_queue_held_replace, wt_queue_commit (wt_queue_rollback on an error).
 * Another connection's wt_queue_resign waits for that transaction.
 */
wt_err wt_queue_begin(wt_queue *queue);
wt_err wt_queue_commit(wt_queue *queue);
void wt_queue_rollback(wt_queue *queue);
/* meter_id: the id the meter reports as (NUL-terminated). */
wt_err wt_queue_meter_save(wt_queue *queue, const char *meter_id, const wt_agg_meter *meter);
/* *found false (and *meter zeroed) when none was saved. */
wt_err wt_queue_meter_load(wt_queue *queue, wt_agg_meter *meter, bool *found, const char *meter_id);
typedef struct {
    uint64_t interval;
    wt_reading reading;
} wt_queue_held;
/* Replace every held reading by held[0..count). */
wt_err wt_queue_held_replace(wt_queue *queue, const wt_queue_held *held, size_t count);
/* The held readings: a malloc'd array (caller frees), by interval. */
wt_err wt_queue_held_load(wt_queue *queue, wt_queue_held **held, size_t *count);

/* ------------------------------------------------------- batch signing */

/*
 * One interval's READINGS transaction of a gateway: entries (count 1 ..
 * WT_READINGS_MAX) are sorted here by meter id bytes (the order the codec
 * requires; two entries of one meter are WT_ERR_INVALID_ARGUMENT), then the
 * transaction is signed by key (its sender) and encoded into a malloc'd
 * *out (caller frees). Errors of wt_tx_sign / wt_tx_encode otherwise.
 */
wt_err wt_readings_tx_build(uint8_t **out, size_t *out_len, const wt_ctx *ctx, const wt_seckey *key,
                            uint32_t chain_id, uint64_t nonce, int64_t expiry_ms, uint64_t interval,
                            wt_reading *entries, size_t count);

#endif /* WATTLE_METER_H */
