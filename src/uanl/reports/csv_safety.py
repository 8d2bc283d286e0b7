"""Spreadsheet formula ("CSV") injection: the one rule every CSV writer of ours applies.

Excel, LibreOffice and Google Sheets take a cell whose text begins with `=`, `+`, `-`, `@`,
TAB or CR for a formula: a ticket titled `=HYPERLINK("http://evil…","x")` would turn into a
live link in a supervisor's spreadsheet. Following OWASP's CSV injection guidance, such text
gets a leading apostrophe (the spreadsheet then shows it as text) and every text cell is
quoted, while real numbers (int, float, Decimal, also negative ones) are written bare so they
stay numbers. Only text is touched; JSON and XLSX (typed string cells) are unaffected.

`neutralise` is the rule for Python writers; `neutralise_sql` is the same rule as a SQL
expression, for the PostgreSQL COPY export, which formats rows in the database.
"""

from __future__ import annotations

import csv
from typing import Any

from sqlalchemy import String, case, func, literal
from sqlalchemy.sql.elements import ColumnElement

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"


def neutralise(value: Any) -> Any:
    """`value` with an apostrophe in front if it is text starting with a trigger character."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return PREFIX + value
    return value


def neutralise_sql(text: ColumnElement[Any]) -> ColumnElement[Any]:
    """`neutralise` for a text SQL expression (NULL stays NULL)."""
    first = func.substr(text, 1, 1)
    return case((first.in_(TRIGGERS), literal(PREFIX, String) + text), else_=text)


def row_writer(out: Any, lineterminator: str) -> Any:
    """A csv writer for data rows: every text cell quoted, numbers bare.

    (Python 3.11's QUOTE_NONNUMERIC also quotes an empty cell, `""`; still an empty cell.)
    """
    return csv.writer(out, lineterminator=lineterminator, quoting=csv.QUOTE_NONNUMERIC)
