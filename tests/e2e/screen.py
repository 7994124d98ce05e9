"""Pictures of the browsers' own toolbar, which page screenshots do not show: the X
display's pixels (Xlib through ctypes, no image library), cropped around the toolbar
button's badge (found by its colour) and enlarged, written as PNG with zlib."""

from __future__ import annotations

import ctypes
import ctypes.util
import struct
import zlib
from collections import Counter
from pathlib import Path

Rows = list[bytes]  # RGB rows, 3 bytes a pixel
ZPIXMAP = 2
ALL_PLANES = 0xFFFFFFFF


class _XImage(ctypes.Structure):
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("xoffset", ctypes.c_int),
                ("format", ctypes.c_int), ("data", ctypes.POINTER(ctypes.c_ubyte)),
                ("byte_order", ctypes.c_int), ("bitmap_unit", ctypes.c_int),
                ("bitmap_bit_order", ctypes.c_int), ("bitmap_pad", ctypes.c_int),
                ("depth", ctypes.c_int), ("bytes_per_line", ctypes.c_int),
                ("bits_per_pixel", ctypes.c_int)]


def _xlib() -> ctypes.CDLL:
    name = ctypes.util.find_library("X11")
    if name is None:
        raise OSError("libX11 is not installed")
    lib = ctypes.cdll.LoadLibrary(name)
    lib.XOpenDisplay.restype = ctypes.c_void_p
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XDefaultRootWindow.restype = ctypes.c_ulong
    lib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    lib.XGetImage.restype = ctypes.POINTER(_XImage)
    lib.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                              ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    return lib


def grab(x: int, y: int, width: int, height: int) -> Rows:
    """The display's pixels in this rectangle (a 24-bit display, as Xvfb's)."""
    lib = _xlib()
    display = lib.XOpenDisplay(None)
    if not display:
        raise OSError("no X display")
    try:
        image = lib.XGetImage(display, lib.XDefaultRootWindow(display), x, y, width, height,
                              ALL_PLANES, ZPIXMAP).contents
        stride = image.bytes_per_line
        raw = ctypes.string_at(image.data, stride * height)
    finally:
        lib.XCloseDisplay(display)
    rows = []
    for row in range(height):
        bgra = raw[row * stride:row * stride + width * 4]
        rgb = bytearray(width * 3)
        rgb[0::3], rgb[1::3], rgb[2::3] = bgra[2::4], bgra[1::4], bgra[0::4]
        rows.append(bytes(rgb))
    return rows


def find(rows: Rows, colour: str) -> tuple[int, int] | None:
    """The middle of the pixels of exactly this colour (``#rrggbb``), or None."""
    pixel = bytes.fromhex(colour.lstrip("#"))
    spots = [(index // 3, y) for y, row in enumerate(rows)
             for index in range(0, len(row), 3) if row[index:index + 3] == pixel]
    if len(spots) < 20:  # a badge is more than a few stray pixels
        return None
    xs, ys = [x for x, _ in spots], [y for _, y in spots]
    return (min(xs) + max(xs)) // 2, (min(ys) + max(ys)) // 2


def crop(rows: Rows, x: int, y: int, width: int, height: int) -> Rows:
    return [row[x * 3:(x + width) * 3] for row in rows[y:y + height]]


def trim(rows: Rows, pad: int) -> Rows:
    """The part that is not background (the commonest colour), with ``pad`` pixels around."""
    width = len(rows[0]) // 3
    pixels = Counter(row[x * 3:x * 3 + 3] for row in rows for x in range(width))
    back = pixels.most_common(1)[0][0]
    used = [(x, y) for y, row in enumerate(rows) for x in range(width)
            if row[x * 3:x * 3 + 3] != back]
    xs, ys = [x for x, _ in used], [y for _, y in used]
    left, top = max(min(xs) - pad, 0), max(min(ys) - pad, 0)
    return crop(rows, left, top, min(max(xs) + pad + 1, width) - left,
                min(max(ys) + pad + 1, len(rows)) - top)


def enlarge(rows: Rows, times: int) -> Rows:
    """Each pixel as a square of ``times`` pixels (sharp, as a person zooming in sees it)."""
    out = []
    for row in rows:
        wide = b"".join(row[i:i + 3] * times for i in range(0, len(row), 3))
        out.extend([wide] * times)
    return out


def png(rows: Rows) -> bytes:
    """The pixels as a PNG file's bytes (8-bit RGB)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    width, height = len(rows[0]) // 3, len(rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"".join(b"\0" + row for row in rows), 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
            + chunk(b"IEND", b""))


def write_png(rows: Rows, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png(rows))
    return path
