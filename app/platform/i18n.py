"""The zh catalogue is kept as .po in the repository and compiled to .mo when the app starts."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def compile_catalogues(root: Path) -> list[Path]:
    """Compile every messages.po under ``root`` whose .mo is missing or older; return what was compiled."""
    compiled = []
    for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        # Several processes (gunicorn workers, test workers) may compile at once: each writes its own file
        # and the last rename wins, every one of them a whole catalogue.
        fd, tmp_name = tempfile.mkstemp(dir=mo_path.parent, prefix=mo_path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as mo_file:
            write_mo(mo_file, catalog)
        os.replace(tmp_name, mo_path)
        compiled.append(mo_path)
    return compiled
