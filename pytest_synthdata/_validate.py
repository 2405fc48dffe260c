"""Checks of arguments shared by the fitting engines (native and plugin backends alike)."""

from __future__ import annotations

import keyword
from typing import Any

from .errors import InvalidArgument

__all__ = ["check_name"]


def check_name(name: Any) -> str:
    """Return ``name`` if it can name a dataset (and its fixture ``synth_<name>``); raise InvalidArgument if not.

    >>> check_name("customers")
    'customers'
    """
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise InvalidArgument(
            f"name={name!r} must be a Python identifier (it becomes the fixture synth_<name>), e.g. 'customers'."
        )
    return name
