"""Griffe extension for the docs build: doctests fenced as ``pycon`` blocks, Sphinx roles as code.

The package's docstrings hold plain doctests (``>>>`` lines, run by the test
suite); rendered as Markdown they would read as paragraphs. This wraps each run
of ``>>>``/``...`` lines and their expected output in a fenced block.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|data|mod|exc|obj):`~?([^`]+)`")


def fence_doctests(text: str) -> str:
    """Return ``text`` with every doctest example fenced as ``pycon`` and Sphinx roles as code."""
    text = _ROLE.sub(lambda m: f"``{m[1].rsplit('.', 1)[-1] if m[0].count('~') else m[1]}``", text)
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(">>>"):
            if not inside:
                out.append("```pycon")
                inside = True
            out.append(stripped)
        elif inside and stripped:
            out.append(stripped)
        else:
            if inside:
                out.append("```")
                inside = False
            out.append(line)
    if inside:
        out.append("```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence doctests in every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
