"""A reader of W&B's `.wandb` run files that depends on no vitals code and on no wandb reader.

wandb 0.31 (the current release) reads `.wandb` files only in its Go core and no longer ships a
Python reader (`wandb.sdk.internal.datastore.DataStore` is gone), so the tests read the framing
here, checking every checksum themselves, and decode each record with the installed wandb's own
protobuf classes (`wandb.proto.wandb_internal_pb2.Record`).

The format (a LevelDB log; see docs/wandb.md and DESIGN.md):
  - a 7-byte file header: ":W&B", magic 0xBEE1 little-endian, version 0 (3A 57 26 42 E1 BE 00);
  - 32 KiB blocks counted from file offset 0 (the header sits inside block 0);
  - chunks: u32 checksum LE, u16 length LE, u8 type (1 FULL, 2 FIRST, 3 MIDDLE, 4 LAST), payload;
    checksum = plain CRC-32 (zlib) over the type byte followed by the payload, not masked;
  - fewer than 7 bytes left in a block: zero padding, the next chunk starts the next block;
  - each record = one serialized wandb_internal.Record.

API
  read_records(path)                      every Record; raises WandbLogError on any damage
  read_log(path, stop_at_damage=False)    a WandbLog: records, payloads, offsets, end of the last
                                          whole record, and (with stop_at_damage) the damaged tail
  read_payloads(data)                     the same on bytes, without protobuf decoding
  frame(payloads)                         a reference writer: the file bytes for these payloads

CLI
  python3 wandb_reader.py run.wandb [--json] [--tolerant] [--raw]
    prints one line per record (offset, type, text) or one JSON object per record; --tolerant
    stops at the last whole record and reports the tail on stderr. Exit status 1 on damage.
"""
import dataclasses
import json
import struct
import sys
import zlib

HEADER = b":W&B" + struct.pack("<HB", 0xBEE1, 0)
BLOCK = 32768
CHUNK_HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
_TYPE_NAMES = {FULL: "FULL", FIRST: "FIRST", MIDDLE: "MIDDLE", LAST: "LAST"}


class WandbLogError(ValueError):
    """A damaged or torn `.wandb` file. `offset` is the file offset of the offending chunk (or
    header); `record_start` the offset where the record being assembled began."""

    def __init__(self, message, offset, record_start=None, path=None):
        self.offset = offset
        self.record_start = record_start
        self.path = path
        self.reason = message
        where = f"{path}: " if path else ""
        super().__init__(f"{where}{message} (at offset {offset}, block {offset // BLOCK}, "
                         f"{offset % BLOCK} bytes into it)")


@dataclasses.dataclass
class WandbLog:
    payloads: list  # bytes of each whole record, in order
    offsets: list  # file offset of the first chunk of each record
    end: int  # offset just after the last whole record (and its block padding, if any)
    size: int  # file size
    error: "WandbLogError | None" = None  # the damage that ended reading (stop_at_damage only)
    records: list = dataclasses.field(default_factory=list)  # decoded wandb_internal_pb2.Record
    unpadded_end: bool = False  # the file ends 1..6 bytes before a block boundary, unpadded

    @property
    def tail(self):
        """Bytes after the last whole record (0 for an intact file)."""
        return self.size - self.end


def read_payloads(data, stop_at_damage=False, path=None):
    """Split the bytes of a `.wandb` file into record payloads, checking the header, every
    checksum, chunk length and chunk order. Returns a WandbLog (records not decoded)."""
    n = len(data)
    if n < len(HEADER) or data[: len(HEADER)] != HEADER:
        err = WandbLogError(f"bad file header {data[:len(HEADER)].hex(' ')}, want {HEADER.hex(' ')}", 0, path=path)
        if stop_at_damage:
            return WandbLog([], [], 0, n, err)
        raise err
    pos = len(HEADER)
    payloads, offsets = [], []
    end = pos  # after the last whole record
    frag, frag_start = None, None
    unpadded = False

    def fail(msg, at):
        if frag_start is not None and "begun" not in msg:
            msg += f" in a record begun at offset {frag_start}"
        err = WandbLogError(msg, at, frag_start, path)
        if stop_at_damage:
            return WandbLog(payloads, offsets, end, n, err, unpadded_end=False)
        raise err

    while pos < n:
        left = BLOCK - pos % BLOCK
        if left < CHUNK_HEADER:
            pad = data[pos:pos + left]
            if pad.strip(b"\0"):
                return fail(f"block trailer of {left} bytes is not zero padding: {pad.hex(' ')}", pos)
            pos += len(pad)
            if frag is None:
                end = pos
            continue
        if n - pos < CHUNK_HEADER:
            return fail(f"torn chunk header: {n - pos} of 7 bytes at end of file", pos)
        crc, length, typ = struct.unpack_from("<IHB", data, pos)
        if typ not in _TYPE_NAMES:
            return fail(f"bad chunk type {typ} (checksum {crc:#010x}, length {length})", pos)
        if CHUNK_HEADER + length > left:
            return fail(f"chunk of {length} bytes overruns its block ({left - CHUNK_HEADER} bytes left in it)", pos)
        if pos + CHUNK_HEADER + length > n:
            return fail(f"torn chunk: {_TYPE_NAMES[typ]} of {length} bytes, only {n - pos - CHUNK_HEADER} in the file", pos)
        body = data[pos + CHUNK_HEADER:pos + CHUNK_HEADER + length]
        want = zlib.crc32(bytes([typ]) + body) & 0xFFFFFFFF
        if crc != want:
            return fail(f"bad checksum: stored {crc:#010x}, CRC-32 of type+payload is {want:#010x} "
                        f"({_TYPE_NAMES[typ]} chunk of {length} bytes)", pos)
        if typ in (FULL, FIRST):
            if frag is not None:
                return fail(f"{_TYPE_NAMES[typ]} chunk inside a record begun at offset {frag_start}", pos)
            if typ == FULL:
                payloads.append(bytes(body))
                offsets.append(pos)
            else:
                frag, frag_start = bytearray(body), pos
        else:
            if frag is None:
                return fail(f"{_TYPE_NAMES[typ]} chunk without a FIRST chunk before it", pos)
            frag += body
            if typ == LAST:
                payloads.append(bytes(frag))
                offsets.append(frag_start)
                frag, frag_start = None, None
        pos += CHUNK_HEADER + length
        if frag is None:
            end = pos
    if frag is not None:
        return fail(f"torn record: file ends inside a record begun at offset {frag_start}", n)
    if n % BLOCK and BLOCK - n % BLOCK < CHUNK_HEADER:
        unpadded = True
    return WandbLog(payloads, offsets, end, n, None, unpadded_end=unpadded)


def frame(payloads, pad_block_tail=True):
    """The bytes of a `.wandb` file holding these record payloads: a reference writer of the format
    above, written from the spec (tests compare it with files wandb 0.31 writes, byte for byte).
    pad_block_tail: when the last record leaves 1..6 bytes in its block, write them as zeros (as
    vitals does eagerly; wandb's writer pads only when the next record comes)."""
    out = bytearray(HEADER)
    for p in payloads:
        p = bytes(p)
        first = True
        while True:
            left = BLOCK - len(out) % BLOCK
            if left < CHUNK_HEADER:
                out += b"\0" * left
                left = BLOCK
            n = min(len(p), left - CHUNK_HEADER)
            last = n == len(p)
            typ = FULL if first and last else FIRST if first else LAST if last else MIDDLE
            out += struct.pack("<IHB", zlib.crc32(bytes([typ]) + p[:n]) & 0xFFFFFFFF, n, typ) + p[:n]
            p, first = p[n:], False
            if last:
                break
    left = BLOCK - len(out) % BLOCK
    if pad_block_tail and left < CHUNK_HEADER:
        out += b"\0" * left
    return bytes(out)


def chunk_map(data):
    """[(offset, type, length)] of every chunk in intact file bytes (for tests that damage one)."""
    pos, out = len(HEADER), []
    while pos < len(data):
        left = BLOCK - pos % BLOCK
        if left < CHUNK_HEADER:
            pos += left
            continue
        _, length, typ = struct.unpack_from("<IHB", data, pos)
        out.append((pos, typ, length))
        pos += CHUNK_HEADER + length
    return out


def _decode(log, path, stop_at_damage):
    from wandb.proto import wandb_internal_pb2 as pb

    for i, (p, off) in enumerate(zip(log.payloads, log.offsets)):
        r = pb.Record()
        try:
            r.ParseFromString(p)
        except Exception as e:  # google.protobuf.message.DecodeError
            err = WandbLogError(f"record {i} ({len(p)} bytes) is not a wandb_internal.Record: {e}", off, off, path)
            if not stop_at_damage:
                raise err from e
            log.payloads, log.offsets, log.end, log.error = log.payloads[:i], log.offsets[:i], off, err
            break
        log.records.append(r)
    return log


def read_log(path, stop_at_damage=False):
    """Read a `.wandb` file. Strict by default (any damage raises WandbLogError naming the offset);
    with stop_at_damage=True, returns everything up to the last whole record, with `error` and
    `tail` describing what follows it."""
    with open(path, "rb") as f:
        data = f.read()
    return _decode(read_payloads(data, stop_at_damage, path), path, stop_at_damage)


def read_records(path, stop_at_damage=False):
    """Every wandb_internal_pb2.Record in the file, in order (see read_log)."""
    return read_log(path, stop_at_damage).records


def kind(record):
    """The record's type: "run", "history", "summary", "exit", ..."""
    return record.WhichOneof("record_type")


def record_to_dict(record):
    from google.protobuf.json_format import MessageToDict

    return MessageToDict(record, preserving_proto_field_name=True)


def main(argv=None):
    import argparse

    ap = argparse.ArgumentParser(description="Print the records of a W&B .wandb file.")
    ap.add_argument("file")
    ap.add_argument("--json", action="store_true", help="one JSON object per record")
    ap.add_argument("--tolerant", action="store_true", help="stop at the last whole record, report the tail")
    ap.add_argument("--raw", action="store_true", help="framing only: print each payload's offset and size")
    a = ap.parse_args(argv)
    try:
        if a.raw:
            with open(a.file, "rb") as f:
                log = read_payloads(f.read(), a.tolerant, a.file)
            for off, p in zip(log.offsets, log.payloads):
                print(f"{off:>10}  {len(p)} bytes")
        else:
            log = read_log(a.file, stop_at_damage=a.tolerant)
    except WandbLogError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    from google.protobuf import text_format

    for off, r in zip(log.offsets, log.records if not a.raw else []):
        if a.json:
            print(json.dumps({"offset": off, "type": kind(r), "record": record_to_dict(r)}, sort_keys=False))
        else:
            text = text_format.MessageToString(r, as_one_line=True)
            print(f"{off:>10}  {kind(r) or '?':<12} {text}")
    print(f"{len(log.payloads)} records, {log.end} of {log.size} bytes whole"
          + (", ends unpadded 1-6 bytes before a block boundary" if log.unpadded_end else ""), file=sys.stderr)
    if log.error:
        print(f"damaged tail of {log.tail} bytes: {log.error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
