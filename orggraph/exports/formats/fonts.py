"""The Chinese font a PDF embeds: found on the machine, never downloaded.

The PDF writer embeds a subset of one TrueType font (only the glyphs used), so the file
reads the same on any machine. The font must have TrueType outlines: fpdf2 writes the
widths of a CFF-outline font (Noto Sans CJK's ``.otf`` / ``.ttc``) under the wrong glyph
numbers, and text extracted from such a PDF (copy, search, screen readers) comes apart.
WenQuanYi Micro Hei (文泉驿微米黑, Debian's ``fonts-wqy-microhei``) is the default; the
others below are TrueType Chinese fonts of common systems, tried in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from orggraph.errors import ConfigError

__all__ = ["CANDIDATES", "INSTALL_HINT", "find_cjk_font"]

#: TrueType Chinese fonts, in order of preference (path, index in a collection).
CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # Debian, Ubuntu
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),  # Fedora, RHEL
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("C:/Windows/Fonts/simhei.ttf", 0),
    ("C:/Windows/Fonts/simsun.ttc", 0),
    ("/System/Library/Fonts/STHeiti Medium.ttc", 0),
)

INSTALL_HINT = (
    "install the TrueType font WenQuanYi Micro Hei: "
    "apt-get install fonts-wqy-microhei (Debian/Ubuntu) or dnf install wqy-microhei-fonts"
)


def find_cjk_font(candidates: Iterable[tuple[str | Path, int]] = CANDIDATES) -> tuple[Path, int]:
    """The first of ``candidates`` present on this machine: ``(path, index)``.

    Raises ``ConfigError`` naming every path tried and the package to install.
    """
    tried = []
    for path, index in candidates:
        file = Path(path)
        if file.is_file():
            return file, index
        tried.append(str(file))
    raise ConfigError(
        f"the PDF export needs a Chinese TrueType font and found none of {', '.join(tried)}; "
        + INSTALL_HINT
    )
