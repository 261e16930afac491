"""导入: rows of an Excel (.xlsx) or CSV file create or update the records of a model that declares
``imports=Import(...)`` on its ``__admin__`` (app/declare/admin.py).

The sheet's header row names the columns by the model's Chinese labels. Each row is read into typed values
(numbers, dates — Excel dates or text like 2026-09-01 and 2026/9/1 —, 是/否, the Chinese words of an
enum) and relations are found by what a person types: a code (unique column), a name, or the record's
display name, always within the user's data scope (app.rules.read). Then each row is matched to an
existing record by the declared ``match`` column(s), filled, and checked by the model's own before_save()
and validate(); relations named in ``parents`` (a 床位's 房间) are found by their own match columns or
created. Every problem is named by row and column, in Chinese.

One function, :func:`run`, does all of it for the preview and for the import alike: in one transaction,
written and flushed (so that the data scope of new records and the database's own constraints are checked
too), then rolled back for the preview, or committed only if no row has any error — all or nothing. The
preview therefore says exactly what the import will do: 新增 N 行 / 更新 M 行 / 无变化 K 行.

Speed: lookups never run one query per row. Related records and existing records are read in chunks of
``IN (…)`` queries before any row is built; rows are written in one flush (or, for models whose rules read
earlier records, ``one_by_one``, one flush per row or parent group). Audit log rows are written by the
session events of app/rules/audit.py, like any other save.

The file between preview and import stays in the database (app/platform/file_store.py) under a random token
with who uploaded it for which model, so any host may take the confirm; the form carries only the token. Files go
after the import, on cancel, and when older than ``IMPORT_KEEP_MINUTES``.

The modules, in the order a file goes through them:

- ``reading``: the uploaded .xlsx/.csv opened safely into a header and rows (size, row and column limits).
- ``columns``: which columns a model imports (its :class:`Plan`), the header row mapped onto them, the template.
- ``cells``: one cell into a Python value, or a Chinese error.
- ``relations``: related records found by the text typed in a cell, within the data scope, in chunks.
- ``outcome``: what the import found and did (counts, sample rows, problems).
- ``rows``: :func:`run`, the import itself — every row matched and checked, written all or nothing.
- ``writing``: one group of rows filled, checked by the model's rules, added and flushed.
- ``staging``: where a previewed file is kept until it is confirmed or cancelled.
- ``views``: the 导入 pages and the list page's 导入 button (:func:`register`).
"""
from app.features.imports.columns import Plan, importable, plan_for
from app.features.imports.outcome import Outcome
from app.features.imports.reading import Refused, Sheet, read
from app.features.imports.rows import run
from app.features.imports.views import ImportView, import_url, register

__all__ = ["ImportView", "Outcome", "Plan", "Refused", "Sheet", "import_url", "importable", "plan_for", "read",
           "register", "run"]
