"""Griffe extension for the docs build: fence docstrings' doctest examples as ``pycon`` code blocks.

The package's docstrings hold plain doctests (``>>>`` lines, run by the test
suite); rendered as Markdown they would read as paragraphs. This wraps each run
of ``>>>``/``...`` lines and their expected output in a fenced block.
"""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """Return ``text`` with every doctest example fenced as ``pycon``."""
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
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
