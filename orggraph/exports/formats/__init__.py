"""The format writers: a registry of small classes over the neutral ``Book``.

Each writer is a class with a ``key`` (``xlsx``, ``csv``, ``html``, ``pdf``, ``docx``), a
file ``extension``, a ``media_type`` and ``render(book, lang) -> bytes``. Writers are
registered by dotted path and imported on first use, so ``import orggraph.exports`` does
not load openpyxl or fpdf2; a writer whose library is missing raises
``ConfigError`` with the install hint.
"""

from __future__ import annotations

import importlib
from typing import ClassVar, Protocol

from orggraph.errors import ConfigError
from orggraph.exports.table import Book

__all__ = ["Format", "format_keys", "get_format", "register"]


class Format(Protocol):
    """What every writer offers."""

    key: ClassVar[str]
    extension: ClassVar[str]
    media_type: ClassVar[str]

    def render(self, book: Book, lang: str = "zh") -> bytes:
        """The whole document as bytes, headers and labels in ``lang`` (``zh`` or ``en``)."""
        ...


#: key → ("module:Class", pip requirement when the module's library is missing)
_REGISTRY: dict[str, tuple[str, str]] = {}
_LOADED: dict[str, Format] = {}


def register(key: str, target: str, requirement: str = "") -> None:
    """Register the writer class at ``target`` (``package.module:Class``) under ``key``."""
    _REGISTRY[key] = (target, requirement)
    _LOADED.pop(key, None)


def get_format(key: str) -> Format:
    """The writer registered as ``key``; an unknown key is a ``ConfigError`` naming the known."""
    if key in _LOADED:
        return _LOADED[key]
    try:
        target, requirement = _REGISTRY[key]
    except KeyError:
        raise ConfigError(
            f"export format {key!r} is not known; expected one of {', '.join(format_keys())}"
        ) from None
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        hint = f" (pip install {requirement})" if requirement else ""
        raise ConfigError(
            f"export format {key!r} needs the missing module {exc.name!r}{hint}"
        ) from exc
    writer: Format = getattr(module, class_name)()
    _LOADED[key] = writer
    return writer


def format_keys() -> tuple[str, ...]:
    """The registered format keys, in registration order."""
    return tuple(_REGISTRY)


register("xlsx", "orggraph.exports.formats.xlsx:XlsxFormat", "openpyxl")
register("csv", "orggraph.exports.formats.csv:CsvFormat")
register("html", "orggraph.exports.formats.html:HtmlFormat")
register("pdf", "orggraph.exports.formats.pdf:PdfFormat", "fpdf2")
register("docx", "orggraph.exports.formats.docx:DocxFormat")
