"""Opening a vitals report in headless Chromium: DOM dump, console errors, screenshot, PNG checks.

Used by report_test.py and bench/report/bench_report.py. Python standard library only.
"""
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import time
import zlib

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium():
    env = os.environ.get("VITALS_CHROMIUM")
    if env:
        return env
    for n in CHROMIUM_NAMES:
        p = shutil.which(n)
        if p:
            return p
    return None


def _flags(chromium, user_dir):
    return [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
            "--disable-extensions", "--disable-background-networking", f"--user-data-dir={user_dir}",
            "--enable-logging=stderr", "--v=0"]


def dump_dom(chromium, html_path, user_dir, timeout=120):
    """(dom text, stderr text, seconds) of `chromium --dump-dom` on the file."""
    t0 = time.monotonic()
    r = subprocess.run(_flags(chromium, user_dir) + ["--dump-dom", "file://" + os.path.abspath(html_path)],
                       capture_output=True, text=True, timeout=timeout)
    return r.stdout, r.stderr, time.monotonic() - t0


def screenshot(chromium, html_path, png_path, user_dir, size=(1280, 2400), timeout=120):
    t0 = time.monotonic()
    r = subprocess.run(_flags(chromium, user_dir) + [f"--window-size={size[0]},{size[1]}", f"--screenshot={png_path}",
                                                     "file://" + os.path.abspath(html_path)],
                       capture_output=True, text=True, timeout=timeout)
    return r, time.monotonic() - t0


def console_errors(stderr):
    """Console messages and uncaught errors from the page (the report itself logs nothing)."""
    out = []
    for line in stderr.splitlines():
        if ":CONSOLE" in line or "Uncaught" in line:
            out.append(line.strip())
    return out


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    __slots__ = ("tag", "attrs", "parent", "children", "text")

    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, dict(attrs), parent, [], ""

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def iter(self):
        yield self
        for c in self.children:
            yield from c.iter()

    def find_all(self, pred):
        return [n for n in self.iter() if pred(n)]

    def get_text(self):
        return self.text + "".join(c.get_text() for c in self.children)


class _Builder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.text += data


def parse_dom(text):
    b = _Builder()
    b.feed(text)
    return b.root


def report_data(html_text):
    """The JSON data block of a report file."""
    m = re.search(r'<script type="application/json" id="vitals-data">(.*?)</script>', html_text, re.S)
    if not m:
        raise ValueError("no vitals-data block")
    return json.loads(m.group(1))


def read_png(path):
    """(width, height, rows of (r, g, b) tuples) for 8-bit RGB/RGBA non-interlaced PNGs."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, w = 8, b"", None
    while pos < len(data):
        ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + ln]
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError(f"unsupported PNG (depth {depth}, colour type {ctype}, interlace {interlace})")
            bpp = 3 if ctype == 2 else 4
        elif typ == b"IDAT":
            idat += chunk
        pos += 12 + ln
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return w, h, rows


def png_stats(path, step=4):
    """(width, height, distinct colours, share of pixels unlike the most common colour), sampled.
    Uses Pillow when installed, else the standard-library decoder above."""
    try:
        from PIL import Image
        im = Image.open(path).convert("RGB")
        w, h = im.size
        px = im.load()
        rows = [[px[x, y] for x in range(w)] if y % step == 0 else None for y in range(h)]
    except ImportError:
        w, h, rows = read_png(path)
    counts = {}
    for y in range(0, h, step):
        for px in rows[y][::step]:
            counts[px] = counts.get(px, 0) + 1
    total = sum(counts.values())
    top = max(counts.values()) if counts else 0
    return w, h, len(counts), 1 - top / total if total else 0
