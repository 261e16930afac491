"""A real workbook made into a "zip bomb": its xl/sharedStrings.xml unpacks to many MB of one string while the
file stays a few hundred KB; declared in the package as Excel declares it, so a reader without the checks of
app/features/imports/reading.py would parse it. Shared by tests/test_faults.py and bench/import_memory.py."""
from __future__ import annotations

import io
import zipfile

MB = 1024 * 1024
SHARED_STRINGS_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SHARED_STRINGS_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _declaring_shared_strings(name: str, content: bytes) -> bytes:
    """The package's content types and the workbook's relations name xl/sharedStrings.xml, as Excel's do (openpyxl
    writes inline strings)."""
    if name == "[Content_Types].xml" and SHARED_STRINGS_TYPE not in content:
        return content.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                               + SHARED_STRINGS_TYPE + b'"/></Types>')
    if name == "xl/_rels/workbook.xml.rels" and SHARED_STRINGS_REL not in content:
        return content.replace(b"</Relationships>", b'<Relationship Id="rIdStrings" Type="' + SHARED_STRINGS_REL
                               + b'" Target="sharedStrings.xml"/></Relationships>')
    return content


def bomb(workbook: bytes, shared_strings_mb: int = 120) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            if member.filename != "xl/sharedStrings.xml":
                archive.writestr(member, _declaring_shared_strings(member.filename, source.read(member)))
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                       b'spreadsheetml/2006/main">')
            chunk = b"<si><t>A</t></si>" * (MB // 17)
            for _ in range(shared_strings_mb):
                part.write(chunk)
            part.write(b"</sst>")
    return out.getvalue()
