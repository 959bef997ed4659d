"""Formula-injection neutralisation (CSV/公式注入) and control-character cleaning.

A spreadsheet treats a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (and, in
some programs, a tab or a carriage return) as a formula, so a name typed as
``=HYPERLINK(…)`` in an imported file would run when the export is opened. As OWASP's
"CSV Injection" page recommends, such text is prefixed with an apostrophe, which makes it
plain text. The full-width forms (``＝ ＋ － ＠``) are treated the same, since an input
method can turn them into their ASCII forms. Text that is just a number (``-3``, ``+1.5``)
is left alone: it is data, and no formula can hide in it. Numbers written as numbers are
never touched.

>>> neutralise("=1+2"), neutralise("－1"), neutralise("-3.5"), neutralise("张三")
("'=1+2", "'－1", '-3.5', '张三')
"""

from __future__ import annotations

import re

__all__ = ["DANGEROUS_LEADS", "clean_control", "is_dangerous", "neutralise"]

#: First characters that make a spreadsheet read a cell as a formula.
DANGEROUS_LEADS = frozenset("=+-@\t\r＝＋－＠")

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# Characters XML 1.0 (so XLSX and HTML) cannot hold: C0 controls but tab, LF and CR.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def is_dangerous(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula.

    Leading spaces or line breaks do not hide a formula character behind them.
    """
    if not text:
        return False
    if text[0] in DANGEROUS_LEADS:
        return not _PLAIN_NUMBER.fullmatch(text)
    stripped = text.lstrip(" \n\u3000")
    return bool(stripped) and stripped[0] in DANGEROUS_LEADS


def neutralise(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: a leading apostrophe when dangerous."""
    return "'" + text if is_dangerous(text) else text


def clean_control(text: str) -> str:
    """``text`` without the control characters XML cannot carry (they show as nothing)."""
    return _CONTROL.sub("", text)
