#!/usr/bin/env python3
"""check_tx_vectors.py — a second, independent decoder of wattle
transactions, written from wallet/FORMAT.md alone, run over the frozen
examples in tx_vectors.txt: every byte must be consumed by the layout, every
rule must hold, the txid must be the tagged hash of all but the signature,
and a few known field values must come out. Exit 0 on success."""
import hashlib
import struct
import sys


def tagged_hash(tag, data):
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + data).digest()


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("truncated at %d" % self.pos)
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack(">H", self.take(2))[0]

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def u64(self):
        return struct.unpack(">Q", self.take(8))[0]

    def i64(self):
        return struct.unpack(">q", self.take(8))[0]

    def text(self, lo, hi):
        n = self.u8()
        assert lo <= n <= hi, "text length %d" % n
        s = self.take(n).decode("utf-8")  # strict: raises on bad UTF-8
        assert all(not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F) for c in s), "control"
        return s

    def meter_id(self):
        n = self.u8()
        assert 1 <= n <= 32
        b = self.take(n)
        assert all(0x21 <= c <= 0x7E for c in b)
        return b


def decode(data):
    r = Reader(data)
    tx = {"version": r.u8(), "type": r.u8()}
    assert tx["version"] == 1
    tx["chain_id"] = r.u32()
    tx["sender"] = r.take(32).hex()
    tx["nonce"] = r.u64()
    tx["expiry_ms"] = r.i64()
    assert tx["nonce"] >= 1 and tx["expiry_ms"] > 0
    t = tx["type"]
    if t in (1, 2):
        tx["to"] = r.take(32).hex()
        tx["amount_micro"] = r.i64()
        assert tx["amount_micro"] > 0
        tx["memo"] = r.text(0, 64)
        if t == 1:
            tx["ref_kind"] = r.u8()
            assert tx["ref_kind"] in (0, 1, 2)
            if tx["ref_kind"]:
                tx["ref"] = r.take(32).hex()
    elif t == 3:
        tx["amount_micro"] = r.i64()
        assert tx["amount_micro"] > 0
        tx["memo"] = r.text(0, 64)
    elif t == 4:
        tx["zone"], tx["side"], tx["interval"] = r.u16(), r.u8(), r.u64()
        tx["energy_mwh"], tx["price_micro_per_kwh"] = r.i64(), r.i64()
        assert tx["side"] in (1, 2) and tx["energy_mwh"] > 0 and tx["price_micro_per_kwh"] >= 0
    elif t == 5:
        tx["zone"], tx["flags"] = r.u16(), r.u8()
        tx["sell_min"], tx["buy_max"] = r.i64(), r.i64()
        f = tx["flags"]
        assert f in (1, 2, 3) and tx["sell_min"] >= 0 and tx["buy_max"] >= 0
        assert (f & 1) or tx["sell_min"] == 0
        assert (f & 2) or tx["buy_max"] == 0
    elif t == 6:
        tx["order_txid"] = r.take(32).hex()
    elif t == 7:
        k = tx["kind"] = r.u8()
        if k == 1:
            tx["meter_id"] = r.meter_id().decode()
            tx["owner"], tx["zone"], tx["gateway"] = r.take(32).hex(), r.u16(), r.take(32).hex()
        elif k == 2:
            tx["key"], tx["zone"] = r.take(32).hex(), r.u16()
        elif k == 3:
            tx["key"], tx["name"] = r.take(32).hex(), r.text(1, 32)
        elif k == 4:
            tx["role"], tx["key"] = r.u8(), r.take(32).hex()
            assert tx["role"] in (1, 2, 3)
        else:
            raise ValueError("register kind")
    elif t == 8:
        tx["interval"], n = r.u64(), r.u16()
        assert 1 <= n <= 4096
        entries, prev = [], None
        for _ in range(n):
            mid = r.meter_id()
            assert prev is None or prev < mid, "order"  # bytes compare like memcmp
            prev = mid
            imp, exp, flags = r.i64(), r.i64(), r.u8()
            assert imp >= 0 and exp >= 0 and flags in (0, 1)
            entries.append((mid.decode(), imp, exp, flags))
        tx["readings"] = entries
    elif t == 9:
        tx["interval"], tx["inputs_hash"], n = r.u64(), r.take(32).hex(), r.u32()
        assert n <= 1000000
        legs = []
        for _ in range(n):
            leg = (r.take(32).hex(), r.take(32).hex(), r.u8(), r.u16(), r.i64(), r.i64())
            assert 1 <= leg[2] <= 4 and leg[4] >= 0 and leg[5] >= 0
            legs.append(leg)
        tx["legs"] = legs
    else:
        raise ValueError("type %d" % t)
    tx["signature"] = r.take(64).hex()
    assert r.pos == len(data), "trailing bytes"
    tx["txid"] = tagged_hash("wattle/tx", data[:-64]).hex()
    return tx


def main():
    path = sys.argv[1]
    seen = {}
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        name, txid, hexdata = line.split()
        tx = decode(bytes.fromhex(hexdata))
        assert tx["txid"] == txid, name + ": txid"
        seen[name] = tx
    want_types = {"transfer": 1, "transfer_refund": 1, "transfer_request": 1, "mint": 2,
                  "burn": 3, "order_sell": 4, "standing": 5, "cancel": 6,
                  "register_meter": 7, "register_gateway": 7, "register_merchant": 7,
                  "register_role": 7, "readings": 8, "settle": 9}
    assert set(seen) == set(want_types), sorted(seen)
    for name, t in want_types.items():
        assert seen[name]["type"] == t, name
    tr = seen["transfer"]
    assert tr["amount_micro"] == 1250500000 and tr["memo"] == "coffee \u2615 at the caf\u00e9"
    assert tr["chain_id"] == 0x75630001 and tr["nonce"] == 7 and tr["expiry_ms"] == 1767225600000
    assert seen["transfer_request"]["amount_micro"] == 2**63 - 1
    assert seen["transfer_request"]["ref"] == bytes(range(32)).hex()
    assert seen["order_sell"]["side"] == 2 and seen["order_sell"]["energy_mwh"] == 2500000
    assert seen["register_meter"]["meter_id"] == "E0043007052870318"
    assert seen["register_merchant"]["name"] == "Caf\u00e9 \u00d8rsted"
    assert seen["readings"]["readings"][2] == ("ISK5MT174-0001234", 9007199254740993, 42, 0)
    assert seen["settle"]["legs"][1][2] == 2 and seen["settle"]["legs"][1][5] == 25000000
    print("%d frozen transactions decoded independently" % len(seen))


if __name__ == "__main__":
    main()
