"""Validated imports (数据导入) from CSV, XLSX and JSON; the template workbook; JSON Schemas.

::

    readers   files → grids of cells / JSON objects, named by table (sheet, file stem, key)
    tables    the tables and their columns, generated from orggraph.model.fields
    values    cell values → typed values (dates as 2019-06-30 or 2019/6/30, 是/否, enums)
    convert   rows → records, each with its place (file, sheet, row)
    validate  checks across rows and against the store
    locate    the model's rules (as GraphStore.write runs them), their problems put on rows
    importer  read, convert, check, and write once (one transaction) — or refuse it all
    schema    JSON Schemas per table (schema/import/*.json)
    template  the empty workbook, one sheet per table

Every error names file, sheet, row, column, value and rule; an import with any error
writes nothing. ``docs/IMPORT.md`` is the format reference.
"""

from orggraph.imports.convert import Placed, RowRecords, Where, records_from_rows
from orggraph.imports.importer import (
    ImportReport,
    import_files,
    import_records,
    import_rows,
    read_records,
)
from orggraph.imports.tables import TABLES, Column, TableSpec, find_table
from orggraph.imports.validate import Checked, check_records

__all__ = [
    "TABLES",
    "Checked",
    "Column",
    "ImportReport",
    "Placed",
    "RowRecords",
    "TableSpec",
    "Where",
    "check_records",
    "find_table",
    "import_files",
    "import_records",
    "import_rows",
    "read_records",
    "records_from_rows",
]
