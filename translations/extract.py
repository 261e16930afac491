"""Extract Flask-AppBuilder's translatable strings and merge them into our zh catalogue.

Run from the project root (after upgrading Flask-AppBuilder, for instance)::

    .venv/bin/python translations/extract.py            # write messages.pot, update zh/.../messages.po
    .venv/bin/python translations/extract.py --check    # also fail if any entry is untranslated/fuzzy

1. Every msgid marked for translation in the *installed* flask_appbuilder package (Python files and
   Jinja2 templates, mapped by translations/babel.cfg) is written to translations/messages.pot.
2. translations/zh/LC_MESSAGES/messages.po is updated from that template with babel's
   ``Catalog.update``: existing translations are kept, new msgids come in empty (never as fuzzy
   guesses, so the catalogue test shows exactly what still needs a translator).
3. Entries we added by hand (msgids FAB shows through gettext without marking them, or our own) are
   never made obsolete: an entry whose locations do not point into flask_appbuilder/ is kept live.
   Only entries that used to come from FAB and no longer exist there become obsolete (``#~``).

The .po is the source of truth; app/platform/i18n.py compiles it to .mo when the app starts.
"""
from __future__ import annotations

import argparse
import io
import sys
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
MAPPING = HERE / "babel.cfg"
POT_PATH = HERE / "messages.pot"
PO_PATH = HERE / "zh" / "LC_MESSAGES" / "messages.po"
LOCALE = "zh"
FAB_PREFIX = "flask_appbuilder/"

# FAB marks strings with flask_babel's gettext / lazy_gettext, often imported as ``_`` or ``__``,
# and with its own lazy_formatter_gettext (utils/base.py).
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
    "__": None,
    "lazy_formatter_gettext": None,
}
HEADER_COMMENT = """\
# 学校后勤管理系统的简体中文界面文字（覆盖 Flask-AppBuilder 自带的 zh 目录）。
# 由 translations/extract.py 从 Flask-AppBuilder 提取并合并；每条都须有译文，不留 fuzzy。
# 手工添加的条目（没有 flask_appbuilder/ 出处）不会被标为过时。
#"""
SKIP_DIRS = {"__pycache__", "static", "translations", "node_modules"}


def fab_dir() -> Path:
    import flask_appbuilder

    return Path(flask_appbuilder.__file__).resolve().parent


def fab_version() -> str:
    from importlib.metadata import version

    return version("flask-appbuilder")


def _mapping() -> tuple[list, dict]:
    with MAPPING.open(encoding="utf-8") as cfg:
        return parse_mapping_cfg(cfg, filename=str(MAPPING))


def extract_fab(package_dir: Path | None = None) -> Catalog:
    """A template catalogue of every translatable msgid in the installed flask_appbuilder package."""
    package_dir = package_dir or fab_dir()
    method_map, options_map = _mapping()
    template = Catalog(
        project="Flask-AppBuilder",
        version=fab_version(),
        charset="utf-8",
        fuzzy=False,
    )

    def keep_dir(path: str) -> bool:
        return not (set(Path(path).parts) & SKIP_DIRS)

    for filename, lineno, message, comments, context in extract_from_dir(
        str(package_dir),
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=("NOTE:", "TRANSLATORS:"),
        strip_comment_tags=True,
        directory_filter=keep_dir,
    ):
        if not message or (isinstance(message, tuple) and not message[0]):
            continue
        location = (FAB_PREFIX + Path(filename).as_posix(), lineno)
        template.add(message, None, [location], auto_comments=comments, context=context)
    return template


def _render(catalog: Catalog, **kwargs) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_previous=False, **kwargs)
    return buffer.getvalue()


def _same_but_dates(old: bytes, new: bytes) -> bool:
    def strip(text: bytes) -> list[bytes]:
        return [line for line in text.splitlines() if not line.startswith((b'"POT-Creation-Date:', b'"PO-Revision-Date:'))]

    return strip(old) == strip(new)


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless only the date headers would change; return whether written."""
    if path.exists() and _same_but_dates(path.read_bytes(), data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def write_pot(template: Catalog, pot_path: Path = POT_PATH) -> bool:
    return _write_if_changed(pot_path, _render(template))


def _is_hand_added(message) -> bool:
    """Entries with no location inside flask_appbuilder/ were added by us, not extracted from FAB."""
    return not any(filename.startswith(FAB_PREFIX) for filename, _ in message.locations)


def load_po(po_path: Path = PO_PATH) -> Catalog:
    if po_path.exists():
        with po_path.open("rb") as po_file:
            return read_po(po_file, locale=LOCALE)
    catalog = Catalog(
        locale=LOCALE,
        project="学校后勤管理系统",
        version="1.0",
        charset="utf-8",
        fuzzy=False,
        header_comment=HEADER_COMMENT,
        last_translator="学校后勤管理系统",
        language_team="简体中文",
    )
    return catalog


def update_catalog(catalog: Catalog, template: Catalog) -> dict[str, list]:
    """Merge ``template`` into ``catalog`` in place, keeping translations and our hand-added entries."""
    before = {message.id for message in catalog if message.id}
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False, update_creation_date=False)
    kept = []
    for key, message in list(catalog.obsolete.items()):
        if _is_hand_added(message):
            del catalog.obsolete[key]
            catalog[message.id] = message
            kept.append(message.id)
    # zh has a single plural form, whatever the header said before.
    catalog.mime_headers = [("Plural-Forms", "nplurals=1; plural=0;")]
    catalog.fuzzy = False
    after = {message.id for message in catalog if message.id}
    return {
        "added": sorted(map(str, after - before)),
        "obsolete": sorted(map(str, (m.id for m in catalog.obsolete.values()))),
        "kept_hand_added": sorted(map(str, kept)),
    }


def untranslated(catalog: Catalog) -> list:
    """Entries whose translation is missing (any plural form empty) or marked fuzzy."""
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        if message.fuzzy or not all(s and s.strip() for s in strings):
            missing.append(message.id)
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pot", type=Path, default=POT_PATH)
    parser.add_argument("--po", type=Path, default=PO_PATH)
    parser.add_argument("--check", action="store_true", help="exit 1 if any entry is untranslated or fuzzy")
    args = parser.parse_args(argv)

    template = extract_fab()
    pot_written = write_pot(template, args.pot)
    catalog = load_po(args.po)
    changes = update_catalog(catalog, template)
    catalog.revision_date = datetime.now(timezone.utc)
    po_written = _write_if_changed(args.po, _render(catalog, ignore_obsolete=False))

    print(f"{len(template)} msgids extracted from Flask-AppBuilder {fab_version()} "
          f"({'written' if pot_written else 'unchanged'}: {args.pot})")
    print(f"{len(catalog)} entries in {args.po} ({'updated' if po_written else 'unchanged'})")
    for label, ids in changes.items():
        if ids:
            print(f"  {label}: {len(ids)}")
            for msgid in ids:
                print(f"    {msgid!r}")
    missing = untranslated(catalog)
    print(f"  untranslated or fuzzy: {len(missing)}")
    for msgid in missing:
        print(f"    {msgid!r}")
    return 1 if (args.check and missing) else 0


if __name__ == "__main__":
    sys.exit(main())
