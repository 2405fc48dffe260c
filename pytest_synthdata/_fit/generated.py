"""Generated columns: the generator that replaces an id, pii, free-text or pattern column's values.

No value of these columns is stored. Ids continue from the observed first id
(or follow a learned pattern such as ``CUST-{:06d}``, or are UUIDs); personal
data comes from the Faker provider its name or values point to (numbers get
random digits of their usual length); free text gets sentences of its usual
length; other strings get their most common character shape (letters ``?``,
digits ``#``).
"""

from __future__ import annotations

import re
import string
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from numpy.typing import NDArray

from .. import _pii, _vocab
from .._columns import _PLUS_ADDRESSED, FakerColumn, IdColumn, ModelColumn
from .._schema import POOL_SIZE
from ..errors import InvalidArgument
from .infer import (
    PII_STRONG,
    PII_WEAK,
    all_uuids,
    dtype_name,
    id_pattern,
    magnitudes,
    pii_by_value,
    pii_provider,
    whitespace_runs,
)
from .private import coarse_rate

__all__ = ["fit_generated"]


def fit_generated(
    col: str,
    s: pd.Series,
    kind: str,
    *,
    min_count: int,
    locale: str,
    provider: str | None = None,
    provider_kwargs: dict[str, Any] | None = None,
) -> ModelColumn:
    """Return the generated column (IdColumn or FakerColumn) standing for column ``col`` of kind ``kind``.

    ``provider`` is the Faker provider inference found for a pii column (from its name or values), with its
    ``provider_kwargs`` (a public list's variant, see ``_vocab``); without it (kind given in ``columns=``) its
    values pick one (``_pii_detect``: e-mails, URLs, IP addresses, phone numbers, addresses, names ...), then
    its name, then random strings.
    """
    # (where a value is, as Series.notna says, read off the array: the Series machinery costs more than the test)
    present = pd.notna(s.to_numpy()) if isinstance(s.dtype, np.dtype) else s.notna().to_numpy()
    # (a count of 1 to min_count - 1 missing, or present, values is stored as min_count / 2 rows, as everywhere)
    null_rate = coarse_rate(len(present) - int(np.count_nonzero(present)), len(present), min_count)
    text = (s if present.all() else s[present]).astype(str)
    kwargs: dict[str, Any] = {}
    if kind == "id":
        if null_rate > 0:
            raise InvalidArgument(
                f"column {col!r}: ids are never missing but {null_rate:.1%} of these are; treat it as "
                f"columns={{{col!r}: 'pattern'}} or 'category' instead."
            )
        if pd.api.types.is_numeric_dtype(s.dtype):
            start = id_start(s.to_numpy(), min_count)
            column: ModelColumn = IdColumn(col, style="sequential", pattern=None, start=start)
            column.cast = str(s.dtype) if str(s.dtype) != "int64" else None
            return column
        if all_uuids(text):
            column = IdColumn(col, style="uuid", pattern=None, start=1)
        else:
            pattern = id_pattern(text) or "{:d}"
            column = IdColumn(col, style="pattern", pattern=pattern, start=1)
        column.cast = _string_cast(s)
        return column
    if kind == "pii" and pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        # numbers (phone, ssn, card numbers): random digits of the usual length, in the column's dtype
        magnitude = magnitudes(s[present])
        digits = int(np.median(np.floor(np.log10(np.maximum(magnitude, 1.0))) + 1)) if len(magnitude) else 1
        if pd.api.types.is_integer_dtype(s.dtype):  # the digits must fit the dtype (int8 holds 2)
            dtype_any: Any = s.dtype
            numpy_kind: Any = np.dtype(getattr(dtype_any, "numpy_dtype", dtype_any))
            widest = np.iinfo(numpy_kind).max
            digits = min(digits, len(str(widest)) - 1)
        digits = max(1, min(digits, 15))  # float64 holds 15 digits exactly
        provider, kwargs = "numerify", {"text": "%" + "#" * (digits - 1) if digits > 1 else "#"}
        cast: str | None = str(s.dtype)
    elif kind == "pii" and (pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype)):
        raise InvalidArgument(
            f"column {col!r}: kind 'pii' regenerates strings or numbers, not {s.dtype} values; give a "
            f"declaration such as columns={{{col!r}: sd.Faker('date_time')}} or leave it out with None."
        )
    elif kind == "pii":
        # (given in columns=: the values, when they clearly say, over the name, as inference does)
        if provider is None:
            distinct = pd.unique(text.to_numpy(dtype=object))
            provider = pii_by_value(distinct)
            if provider is None:  # (given in columns=: values of a public list are drawn from the whole list, too)
                listed = _vocab.detect_vocabulary(distinct, locale)
                if listed is not None:
                    provider, provider_kwargs = listed.provider, listed.kwargs
        if provider_kwargs:  # (only ever given with its provider)
            kwargs = dict(provider_kwargs)
        provider = provider or pii_provider(col, PII_STRONG) or pii_provider(col, PII_WEAK) or "pystr"
        if provider == "street_address" and text.str.contains("\n", regex=False).any():
            provider = "address"
    elif kind == "text":
        words = whitespace_runs(text) + 1
        provider, kwargs = "sentence", {"nb_words": max(1, round(float(np.median(words))))}
    else:  # pattern: the most common character shape, letters as '?' and digits as '#'
        provider, kwargs = _shape(text, min_count)
    _pii.check_provider(col, provider, locale, kwargs)
    # e-mail addresses that every real row holds its own of (a login, a UNIQUE key) stay distinct in samples of
    # any size: a unique pool, numbered by plus addressing past its end (FakerColumn.grows)
    unique = (
        kind == "pii"
        and provider in _PLUS_ADDRESSED
        and len(text) >= 2 * min_count
        and len(pd.unique(text.to_numpy(dtype=object))) == len(text)
    )
    column = FakerColumn(
        col,
        provider=provider,
        locale=locale,
        kwargs=kwargs,
        pool_size=POOL_SIZE,
        pool_seed=0,
        unique=unique,
        null_rate=null_rate,
    )
    column.cast = cast if kind == "pii" and provider == "numerify" else _string_cast(s)
    return column


#: A value's characters that are Faker's own template marks ('?', '#', braces) read as '-' ...
_CLEAN = str.maketrans(dict.fromkeys("?#{}", "-"))
#: ... while the other characters ``bothify`` replaces (``numerify``'s '%', '$', '!' and '@': digits or nothing)
#: are written as '?' drawn from ``letters`` holding only that character, when the template has no other letters.
_NUMERIFY = "%$!@"
_UNMARKED = str.maketrans(dict.fromkeys(_NUMERIFY, "-"))
#: ... then its ASCII letters as '?' and digits as '#': its shape.
_SHAPE = str.maketrans({**dict.fromkeys(string.ascii_letters, "?"), **dict.fromkeys(string.digits, "#")})


def _shape(text: pd.Series, min_count: int) -> tuple[str, dict[str, Any]]:
    """Return a Faker ``bothify`` template for the most common shape (letters '?', digits '#').

    The characters are mapped by ``str.translate`` and the shapes counted in Python (most common first, equal
    counts in order of first appearance, as pandas 3 sorts ``value_counts``): several times quicker than
    regular expressions and pandas on a column of strings.
    """
    values = text.tolist()
    joined = "\x00".join(values)  # (one translation of the whole column, split where no value has a NUL)
    if joined.count("\x00") == len(values) - 1:
        cleaned = joined.translate(_CLEAN).split("\x00")
        shapes = "\x00".join(cleaned).translate(_SHAPE).split("\x00")
    else:
        cleaned = [v.translate(_CLEAN) for v in values]
        shapes = [v.translate(_SHAPE) for v in cleaned]
    common = [shape for shape, count in Counter(shapes).most_common() if count >= min_count]
    if not common or not common[0].strip():
        lengths = text.str.len()
        lo, hi = max(1, int(lengths.quantile(0.1))), max(1, int(lengths.quantile(0.9)))
        return "pystr", {"min_chars": lo, "max_chars": max(lo, hi)}
    same = [v for v, shape in zip(cleaned, shapes, strict=True) if shape == common[0]]  # the winning shape's values
    template = _with_constants(common[0], same)
    letters = re.sub(r"[^A-Za-z]", "", "".join(same[:1000]))
    marks = {c for c in template if c in _NUMERIFY}
    if marks:  # (a '$' in "$1,549.34" is no digit: written as '?' of the letters '$' when that is the only '?')
        if len(marks) == 1 and "?" not in template:
            (mark,) = marks
            return "bothify", {"text": template.replace(mark, "?"), "letters": mark}
        template = template.translate(_UNMARKED)  # (no template keeps them: they read as '-', as '?' and '#' do)
    kwargs: dict[str, Any] = {"text": template}
    if letters and letters.isupper():
        kwargs["letters"] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    elif letters and letters.islower():
        kwargs["letters"] = "abcdefghijklmnopqrstuvwxyz"
    return "bothify", kwargs


def _with_constants(template: str, values: list[str]) -> str:
    """``template`` with each letter or digit that every one of ``values`` (the values of its shape, at least
    ``min_count`` of them) holds at the same place written as itself: ``US-AL``, ``US-AK``, ... give ``US-??``
    rather than ``??-??``, ``INV-2023-0042`` ... keep ``INV-2023-``. A character all of them share stands for
    every one of those rows, so it may be stored (the privacy rule of a category seen ``min_count`` times)."""
    if not values or not any(mark in template for mark in "?#"):
        return template
    # (every value of a shape has the shape's length: the values end to end, as code points, are the rows)
    grid = np.frombuffer("".join(values).encode("utf-32-le", "surrogatepass"), dtype="<u4").reshape(
        len(values), len(template)
    )
    same = (grid == grid[0]).all(axis=0).tolist()
    first = values[0]
    return "".join(first[i] if same[i] and mark in "?#" else mark for i, mark in enumerate(template))


def id_start(ids: NDArray[Any], min_count: int) -> int:
    """Where a numeric id column's samples start: 0 for ids numbered from 0 (or below), else the power of ten at
    or below its ``min_count``-th smallest id (ids from 2,738,498 up start at 1,000,000; ids 1..n at 1). A
    round number many rows share the digits of, never a real row's id (the bounds' privacy rule)."""
    values = np.asarray(ids)
    if not len(values) or values.min() <= 0:
        return 0
    at = min(max(min_count, 1), len(values)) - 1
    kth = int(np.partition(values, at)[at])
    return int(10 ** (len(str(kth)) - 1))


def _string_cast(s: pd.Series) -> str | None:
    name = dtype_name(s.dtype)
    return None if name in ("string", "category") else name
