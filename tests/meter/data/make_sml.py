#!/usr/bin/env python3
"""make_sml.py — writes the hand-made SML dumps of the meter tests.

Frames are built here from the SML 1.04 structure (TL fields, messages,
transport escape/padding/CRC-16/X-25); the meter ids and readings are
invented for wattle. Run it from this folder to regenerate the .bin files.
"""
import struct


def crc_x25(data: bytes) -> int:
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def tl(type_bits, length):
    # one TL byte is enough for everything built here (length < 16)
    assert length < 16
    return bytes([(type_bits << 4) | length])


def octets(b: bytes) -> bytes:
    assert len(b) + 1 < 16
    return tl(0, len(b) + 1) + b


def uint(v, size):
    return tl(6, size + 1) + v.to_bytes(size, "big")


def sint(v, size):
    return tl(5, size + 1) + v.to_bytes(size, "big", signed=True)


def lst(*items):
    return tl(7, len(items)) + b"".join(items)


ABSENT = b"\x01"


def message(txid: bytes, tag: int, body: bytes) -> bytes:
    inner = octets(txid) + uint(0, 1) + uint(0, 1) + lst(uint(tag, 2), body)
    raw = tl(7, 6) + inner
    crc = crc_x25(raw)
    return raw + uint(crc, 2) + b"\x00"


def open_response(txid, server):
    return message(txid, 0x0101, lst(ABSENT, ABSENT, octets(b"\x00\x01\x02"), octets(server),
                                     ABSENT, ABSENT))


def close_response(txid):
    return message(txid, 0x0201, lst(ABSENT))


def entry(obis, unit=None, scaler=None, value=b"", time=ABSENT):
    return lst(octets(bytes(obis)), ABSENT, time,
               ABSENT if unit is None else uint(unit, 1),
               ABSENT if scaler is None else sint(scaler, 1),
               value, ABSENT)


def get_list(txid, server, act_time, entries):
    return message(txid, 0x0701, lst(ABSENT, octets(server), ABSENT, act_time,
                                     lst(*entries), ABSENT, ABSENT))


def escape(payload: bytes) -> bytes:
    out = b""
    i = 0
    while i < len(payload):
        if payload[i:i + 4] == b"\x1b\x1b\x1b\x1b":
            out += b"\x1b\x1b\x1b\x1b" * 2
            i += 4
        else:
            out += payload[i:i + 1]
            i += 1
    return out


def frame(payload: bytes, corrupt_crc=False) -> bytes:
    pad = (-len(payload)) % 4
    body = b"\x1b\x1b\x1b\x1b\x01\x01\x01\x01" + escape(payload + b"\x00" * pad)
    body += b"\x1b\x1b\x1b\x1b\x1a" + bytes([pad])
    crc = crc_x25(body) ^ (1 if corrupt_crc else 0)
    return body + struct.pack("<H", crc)


SERVER = bytes.fromhex("0a015754540000012345")   # "WTT" manufacturer, invented serial
SERVER2 = bytes.fromhex("0a015754540000067890")


def reading(sec, energy_in, energy_out, power, server=SERVER, utc=None):
    act = lst(uint(1, 1), uint(sec, 4)) if utc is None else lst(uint(2, 1), uint(utc, 4))
    entries = [
        entry([1, 0, 96, 50, 1, 1], value=octets(b"WTT")),
        entry([1, 0, 96, 1, 0, 255], value=octets(server)),
        entry([1, 0, 1, 8, 0, 255], unit=30, scaler=-1, value=uint(energy_in, 5)),
        entry([1, 0, 2, 8, 0, 255], unit=30, scaler=-1, value=uint(energy_out, 5)),
        entry([1, 0, 16, 7, 0, 255], unit=27, scaler=-2,
              value=sint(power, 2 if -32768 <= power < 32768 else 3)),
    ]
    return (open_response(b"\x01", server) + get_list(b"\x02", server, act, entries) +
            close_response(b"\x03"))


def main():
    good1 = frame(reading(1000, 123456789, 42, -29912))   # -299.12 W, feed-in
    good2 = frame(reading(1001, 123456790, 42, 35624))    # +356.24 W
    # A value whose bytes contain 1b1b1b1b: escaped on the wire.
    esc = frame(open_response(b"\x01", SERVER) + get_list(
        b"\x02", SERVER, lst(uint(1, 1), uint(1002, 4)),
        [entry([1, 0, 1, 8, 0, 255], unit=30, scaler=0, value=uint(0x1b1b1b1b, 4)),
         entry([1, 0, 16, 7, 0, 255], unit=27, scaler=0, value=sint(-1, 3)),
         entry([1, 0, 32, 7, 0, 255], unit=35, scaler=-1, value=uint(2301, 2)),
         entry([1, 0, 31, 7, 0, 255], unit=33, scaler=-2, value=uint(153, 2)),
         entry([1, 0, 14, 7, 0, 255], unit=44, scaler=-1, value=uint(500, 2)),
         entry([1, 0, 0, 0, 9, 255], value=octets(SERVER))]) + close_response(b"\x03"))
    # UTC time stamp instead of a seconds index, and two meters in one frame.
    two = frame(open_response(b"\x01", SERVER) +
                get_list(b"\x02", SERVER, lst(uint(2, 1), uint(1700000000, 4)),
                         [entry([1, 0, 1, 8, 0, 255], unit=30, scaler=1, value=uint(5, 1))]) +
                get_list(b"\x03", SERVER2, lst(uint(2, 1), uint(1700000001, 4)),
                         [entry([1, 0, 2, 8, 0, 255], unit=30, scaler=-4, value=uint(123456789, 4))]) +
                close_response(b"\x04"))
    bad = frame(reading(1003, 123456791, 42, 100), corrupt_crc=True)
    files = {
        "sml-basic.bin": good1 + good2,
        "sml-escape.bin": esc,
        "sml-two-lists.bin": two,
        # leading partial frame, a good one, a CRC failure, a good one, a cut one
        "sml-stream.bin": good1[40:] + good1 + bad + good2 + good2[:60],
    }
    for name, data in files.items():
        with open(name, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
