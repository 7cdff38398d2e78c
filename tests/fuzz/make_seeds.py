#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets in corpus/ (committed; run again after a format
change): the example graphs as JSON (graph_json) and as the protobuf encoding a client sends
(graph_validate), and DataChunk streams as workers send them (data_chunks, framed as
data_chunks_fuzz.cc reads them). The encodings are written by hand, field by field, as
proto/brisk/v1/*.proto define them, and as common/data_chunks.cc's EncodeChunk lays chunks out."""
import base64
import glob
import json
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(num, n):
    return varint(num << 3) + varint(n)


def field_bytes(num, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(num << 3 | 2) + varint(len(data)) + data


def field_double(num, x):
    return varint(num << 3 | 1) + struct.pack("<d", x)


def arg(a):  # brisk.v1.Arg
    (kind, v), = a.items()
    if kind == "ref":
        return field_bytes(1, v)
    if kind == "int":
        return field_varint(2, int(v))
    if kind == "float":
        return field_double(3, float(v))
    if kind == "str":
        return field_bytes(4, v)
    if kind == "bytes":
        return field_bytes(5, base64.b64decode(v))
    if kind == "bool":
        return field_varint(6, int(bool(v)))
    if kind == "list":
        return field_bytes(7, b"".join(field_bytes(1, arg(i)) for i in v.get("items", [])))
    raise ValueError(kind)


def task(t):  # brisk.v1.Task
    out = field_bytes(1, t["key"]) + field_bytes(2, t["op"])
    out += b"".join(field_bytes(3, arg(a)) for a in t.get("args", []))
    for name, a in t.get("kwargs", {}).items():
        out += field_bytes(4, field_bytes(1, name) + field_bytes(2, arg(a)))
    for name, amount in t.get("resources", {}).items():
        out += field_bytes(5, field_bytes(1, name) + field_double(2, amount))
    for num, name in ((6, "priority"), (7, "retries")):
        if name in t:
            out += field_varint(num, t[name])
    if "timeoutS" in t:
        out += field_double(8, t["timeoutS"])
    out += b"".join(field_bytes(9, w) for w in t.get("workers", []))
    out += b"".join(field_bytes(10, k) for k in t.get("after", []))
    return out


def graph(g):  # brisk.v1.Graph
    return b"".join(field_bytes(1, task(t)) for t in g["tasks"]) + b"".join(
        field_bytes(2, k) for k in g.get("outputs", []))


def chunk(key, total, offset=0, data=None, raw=False, header=None):  # EncodeChunk's layout
    out = field_bytes(1, key) if key else b""
    out += field_varint(2, total) if total else b""
    out += field_varint(3, offset) if offset else b""
    out += field_varint(6, 1) if raw else b""
    out += field_bytes(9, header) if header else b""
    if data:
        out += field_bytes(4, data)
    return out


def ndarray_header(dtype, shape):  # Value{ndarray: NDArray{dtype, shape}}, data left empty
    packed = b"".join(varint(d) for d in shape)
    body = (field_varint(1, dtype) if dtype else b"") + (field_bytes(2, packed) if shape else b"")
    return field_bytes(8, body)


def column(name, dtype, data, offsets=None, validity=None):  # Column; slices are (offset, length)
    def slice_(num, s):
        o, n = s
        return field_bytes(num, (field_varint(1, o) if o else b"") + (field_varint(2, n) if n else b""))
    out = field_bytes(1, name) + field_varint(2, dtype) + slice_(3, data)
    out += slice_(4, offsets) if offsets else b""
    out += slice_(5, validity) if validity else b""
    return out


def table_header(rows, columns):  # Value{table: Table{num_rows, columns}}, body left empty
    return field_bytes(9, field_varint(1, rows) + b"".join(field_bytes(2, c) for c in columns))


def record(message, cut=None):  # data_chunks_fuzz.cc's framing
    cut = len(message) // 2 if cut is None else cut
    return struct.pack("<HB", len(message), min(cut, 255)) + message


def value_int(i):
    return field_varint(2, i)


def value_list_of_str(items):
    return field_bytes(6, b"".join(field_bytes(1, field_bytes(4, s)) for s in items))


def main():
    graphs = sorted(glob.glob(os.path.join(ROOT, "examples", "graphs", "*.json")))
    graphs.append(os.path.join(ROOT, "examples", "build-c", "build.json"))
    for path in graphs:
        name = os.path.splitext(os.path.basename(path))[0]
        shutil.copyfile(path, os.path.join(HERE, "corpus", "graph_json", name + ".json"))
        with open(path) as f:
            encoded = graph(json.load(f))
        with open(os.path.join(HERE, "corpus", "graph_validate", name + ".pb"), "wb") as f:
            f.write(encoded)

    hello = b"hello, brisk"
    lst = value_list_of_str(["x", "yz"])
    seeds = {
        "raw_bytes": record(chunk("a", len(hello), data=hello, raw=True)),
        "int_value": record(chunk("inc-1", 2, data=value_int(42))),
        "empty_value": record(chunk("empty", 0, raw=True)),
        "missing": record(field_bytes(1, "gone") + field_varint(5, 1)),
        "bulk_offer": record(field_bytes(1, "big") + field_varint(2, 100) + field_varint(6, 1) +
                             field_varint(7, 40000) + field_bytes(8, b"t" * 16)),
        # One value in three chunks (in a real stream only values over 4 MiB are cut), and a
        # second value after it on the same stream.
        "three_chunks": b"".join(
            record(chunk("parts", 30, offset=i * 10, data=bytes([65 + i]) * 10, raw=True), cut)
            for i, cut in enumerate((3, 0, 200))) + record(chunk("list", len(lst), data=lst)),
    }
    # A 2x3 int32 array, and a table of 3 rows: int64 "x" with row 1 null, string "s".
    ints = struct.pack("<6i", 1, -2, 3, -4, 5, -6)
    seeds["raw_ndarray"] = record(chunk("arr", len(ints), data=ints, raw=True,
                                        header=ndarray_header(4, [2, 3])))
    body = (struct.pack("<3q", 7, 0, 9) + bytes([0b101]) + b"\0" * 7 + b"abcde" + b"\0" * 3 +
            struct.pack("<4i", 0, 2, 2, 5))
    header = table_header(3, [column("x", 5, (0, 24), validity=(24, 1)),
                              column("s", 12, (32, 5), offsets=(40, 16))])
    seeds["raw_table"] = record(chunk("tab", len(body), data=body, raw=True, header=header))
    seeds["bulk_offer_ndarray"] = record(
        field_bytes(1, "big") + field_varint(2, 48) + field_varint(6, 1) + field_varint(7, 40000) +
        field_bytes(8, b"t" * 16) + field_bytes(9, ndarray_header(11, [6])))
    for name, data in seeds.items():
        with open(os.path.join(HERE, "corpus", "data_chunks", name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
