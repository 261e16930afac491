"""Small real images for the journeys' uploads."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path


def png_bytes(width: int = 24, height: int = 16, rgb: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def photo_file(path: Path, **kwargs) -> Path:
    path.write_bytes(png_bytes(**kwargs))
    return path
