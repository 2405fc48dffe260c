"""The one place for name / row-count / seed checks.

Every entry point calls these: ``Schema``, ``fit(name=)``, ``register()``,
model files, ``Model.sample``, the ``synth_*`` fixtures and their factory, the
``synthdata`` marker, the ini option ``synthdata_rows``, ``--synthdata-seed``
and the CLI's ``-n``, ``--seed`` and ``--name``. So a value gets the same
verdict wherever it is given, and the same kind of message::

    [where: ]<argument>=<value!r> (<type>) <what is wrong>; <how to fix it>.

The rules:

- a dataset name is a Python identifier and not a keyword (it becomes the
  fixture ``synth_<name>``);
- a row count is an int (numpy integers too, never a bool), 0 or more;
- a seed is an int (numpy integers too, never a bool) in ``[0, 2**63 - 1]``;
- a share of rows (``sample(edge_cases=)``, ``synthdata_edge_cases``) is a real
  number from 0 to 1 (never a bool or text);
- a privacy budget (``fit(epsilon=, delta=)``) is a real number (never a bool or
  text): epsilon finite and above 0, delta in ``(0, 1)``;
- an Id pattern holds plain format fields for the number only (``{}``,
  ``{0}``, ``{:06d}``, ``{:>8}``), no attribute or index walks, conversions
  or nested fields, a width up to :data:`MAX_ID_WIDTH`, and is at most
  :data:`MAX_ID_PATTERN` characters long.

Command-line and ini values arrive as text: ``rows_from_text`` and
``seed_from_text`` read a whole number (a row count may also be written
``1e6``), then apply the same rule.

A row count must also fit in memory: ``check_memory`` estimates the frame's
size from its dtypes (8 bytes a number or timestamp, 1 a bool or category
code, about 50 a string) and refuses a sample larger than the machine's
physical memory (or ``MEMORY_CAP`` where that is unknown), saying how much it
would need, instead of letting numpy fail mid-sample with a MemoryError.
``check_independent`` tells the marker and the CLI flag that ask for
``independent=True`` when a model's ``sample()`` does not take it. Kept free of
heavy imports: the pytest plugin uses it at start-up.
"""

from __future__ import annotations

import decimal
import inspect
import keyword
import math
import operator
import os
import re
import string
from collections.abc import Mapping
from typing import Any

from .errors import InvalidArgument

__all__ = [
    "MAX_ID_PATTERN",
    "MAX_ID_WIDTH",
    "MAX_SEED",
    "MEMORY_CAP",
    "check_dataset",
    "check_delta",
    "check_epsilon",
    "check_id_pattern",
    "check_independent",
    "check_memory",
    "check_name",
    "check_partition_rows",
    "check_row_range",
    "check_rows",
    "check_seed",
    "check_share",
    "may_exceed_memory",
    "row_bytes",
    "rows_from_text",
    "seed_from_text",
    "share_from_text",
    "suggest_name",
    "wrap_seed",
]

#: Seeds are non-negative integers below 2**63 (they print and cache well).
MAX_SEED = 2**63 - 1
#: The largest frame (bytes) a sample may need where the machine's physical memory is unknown: 64 GiB.
MEMORY_CAP = 64 * 2**30
#: Estimated bytes per value of a frame column, by dtype (text: a pointer plus a short Python str).
_VALUE_BYTES = {"bool": 1, "category": 1, "boolean": 2, "Int64": 9, "Float64": 9, "object": 50, "string": 50, "str": 50}

#: The longest Id pattern, and the widest field in one (every row's id is built from them).
MAX_ID_PATTERN = 256
MAX_ID_WIDTH = 64

# [[fill]align][sign][#][0][width][grouping][type]: what format() does with an int, without nested fields
_INT_SPEC = re.compile(r"(?:.?[<>=^])?[+\- ]?#?0?(?P<width>\d*)[,_]?[bdoxXn]?", re.DOTALL)


def _shown(argument: str, value: str) -> str:
    """``argument`` given ``value``: ``-n 5`` for a short command-line option, ``name=...`` otherwise."""
    return f"{argument} {value}" if re.fullmatch(r"-\w", argument) else f"{argument}={value}"


def _invalid(where: str, argument: str, value: object, problem: str, fix: str) -> InvalidArgument:
    prefix = f"{where}: " if where else ""
    return InvalidArgument(f"{prefix}{_shown(argument, repr(value))} ({type(value).__name__}) {problem}; {fix}.")


def suggest_name(name: object) -> str:
    """Return a dataset name close to ``name`` that passes :func:`check_name`.

    >>> suggest_name("my-customers"), suggest_name("1st"), suggest_name("class")
    ('my_customers', 'data_1st', 'class_')
    """
    text = re.sub(r"\W", "_", name) if isinstance(name, str) else ""
    if not text:
        return "customers"
    if text[0].isdigit():
        text = f"data_{text}"
    return f"{text}_" if keyword.iskeyword(text) else text


def check_name(name: object, *, argument: str = "name", where: str = "", fix: str | None = None) -> str:
    """Return ``name`` if it can name a dataset (a Python identifier, not a keyword); else raise InvalidArgument.

    ``fix`` replaces the default advice (a name made of letters, digits and
    underscores close to the one given).

    >>> check_name("customers")
    'customers'
    """
    if isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name):
        return name
    if fix is None:
        fix = f"use letters, digits and underscores, e.g. {_shown(argument, repr(suggest_name(name)))}"
    raise _invalid(
        where,
        argument,
        name,
        "is not a dataset name: it becomes the fixture synth_<name>, so it must be a Python identifier and not a "
        "keyword",
        fix,
    )


def check_id_pattern(pattern: object, *, argument: str = "pattern", where: str = "") -> str:
    """Return ``pattern`` if it can format an Id's sequence number safely; else raise InvalidArgument.

    Only plain fields for the one number are allowed, so a pattern (which a
    model file may carry) can never walk attributes (``{0.__class__}``), index
    (``{0[x]}``), convert (``{0!r}``), nest fields or ask for a huge width.

    >>> check_id_pattern("CUST-{:06d}")
    'CUST-{:06d}'
    """
    fix = "use a pattern such as 'CUST-{:06d}' (plain fields {}, {0} or {:<spec>} for the number)"
    if not isinstance(pattern, str):
        raise _invalid(where, argument, pattern, "is not a pattern", fix)
    if len(pattern) > MAX_ID_PATTERN:
        raise _invalid(where, argument, pattern[:40] + "...", f"is longer than {MAX_ID_PATTERN} characters", fix)
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(pattern) if name is not None]
    except ValueError as exc:
        raise _invalid(where, argument, pattern, f"is not a format pattern ({exc})", fix) from None
    if not fields:
        raise _invalid(where, argument, pattern, "has no {} field for the number, so every id would be the same", fix)
    for name, spec, conv in fields:
        if name not in ("", "0"):
            raise _invalid(
                where, argument, pattern, f"has the field {{{name}}}; only {{}} or {{0}} name the number", fix
            )
        if conv is not None:
            raise _invalid(where, argument, pattern, f"converts the number with !{conv}; leave conversions out", fix)
        m = _INT_SPEC.fullmatch(spec or "")
        if m is None:
            raise _invalid(where, argument, pattern, f"has the format spec {spec!r}, not one for a whole number", fix)
        if m["width"] and int(m["width"]) > MAX_ID_WIDTH:
            raise _invalid(where, argument, pattern, f"asks for a width above {MAX_ID_WIDTH}", fix)
    if len({name for name, _, _ in fields}) > 1:
        raise _invalid(where, argument, pattern, "mixes {} and {0}", fix)
    try:
        pattern.format(1)
    except (ValueError, IndexError, KeyError) as exc:
        raise _invalid(where, argument, pattern, f"does not format a number ({exc})", fix) from None
    return pattern


def check_dataset(model: object, *, where: str) -> str:
    """Return the name of ``model`` if it is a dataset (``.sample()`` and a valid ``.name``); else raise InvalidArgument."""
    if not callable(getattr(model, "sample", None)):
        raise InvalidArgument(
            f"{where}: got {model!r} ({type(model).__name__}), which is not a dataset; pass a Schema or Model "
            "(an object with .name and .sample())."
        )
    return check_name(getattr(model, "name", None), argument=f"{type(model).__name__}.name", where=where)


def _whole(value: object) -> int | None:
    """``value`` as an int if it is one (numpy integers included; bools are not numbers here), else None."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        return None


def _rows_fix(argument: str) -> str:
    return f"pass an int, 0 or more, such as {_shown(argument, '100')}"


def check_rows(n: object, *, argument: str = "n", where: str = "") -> int:
    """Return ``n`` as a row count (an int, 0 or more); else raise InvalidArgument.

    >>> check_rows(5)
    5
    """
    value = _whole(n)
    if value is None:
        raise _invalid(where, argument, n, "is not a row count", _rows_fix(argument))
    if value < 0:
        raise _invalid(where, argument, n, "is negative", _rows_fix(argument))
    return value


def check_row_range(rows: object, n: int, *, argument: str = "rows", where: str = "") -> tuple[int, int]:
    """Return ``rows`` as ``(start, stop)`` with ``0 <= start <= stop <= n`` (None: all ``n``); else raise InvalidArgument.

    >>> check_row_range((10, 20), 100), check_row_range(None, 5)
    ((10, 20), (0, 5))
    """
    if rows is None:
        return 0, n
    example = _shown(argument, repr((0, min(n, 100))))
    fix = f"pass two ints (start, stop) with 0 <= start <= stop <= n ({n}), such as {example}"
    pair = tuple(rows) if isinstance(rows, (tuple, list)) else ()
    start, stop = (_whole(v) for v in pair) if len(pair) == 2 else (None, None)
    if start is None or stop is None:
        raise _invalid(where, argument, rows, "is not a range of rows", fix)
    if not 0 <= start <= stop <= n:
        raise _invalid(where, argument, rows, f"is not a range of rows of a sample of {n}", fix)
    return start, stop


def check_partition_rows(value: object, *, argument: str = "partition_rows", where: str = "") -> int:
    """Return ``value`` as the rows of one partition (an int, 1 or more); else raise InvalidArgument.

    >>> check_partition_rows(1_000_000)
    1000000
    """
    number = _whole(value)
    fix = f"pass an int, 1 or more, such as {_shown(argument, '1_000_000')}"
    if number is None:
        raise _invalid(where, argument, value, "is not a row count", fix)
    if number < 1:
        raise _invalid(where, argument, value, "is not 1 or more", fix)
    return number


def _from_text(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _count_from_text(text: str) -> int | None:
    """``text`` as a whole number, also in exponent form (``1e6``, ``2.5E3``); None if it is not one."""
    value = _from_text(text)
    if value is not None or not re.fullmatch(r"\s*\d+(\.\d*)?[eE]\+?\d{1,3}\s*", text):
        return value
    number = decimal.Decimal(text.strip())
    return int(number) if number == number.to_integral_value() else None


def rows_from_text(text: object, *, argument: str, where: str = "") -> int:
    """Return a row count given as text (an ini or command-line value) or as a number; else raise InvalidArgument.

    >>> rows_from_text("1e3", argument="-n")
    1000
    """
    if isinstance(text, str):
        value = _count_from_text(text)
        if value is None:
            raise _invalid(where, argument, text, "is not a row count", _rows_fix(argument))
        text = value
    return check_rows(text, argument=argument, where=where)


def _seed_fix(argument: str, others: str) -> str:
    fix = f"pass an int from 0 to 2**63 - 1, such as {_shown(argument, '42')}"
    return f"{fix}, or {others}" if others else fix


def check_seed(seed: object, *, argument: str = "seed", where: str = "", others: str = "") -> int:
    """Return ``seed`` as a seed (an int in [0, 2**63 - 1]); else raise InvalidArgument.

    ``others`` names what else the argument accepts (e.g. "None for a fresh
    random seed"), for the advice.

    >>> check_seed(7)
    7
    """
    value = _whole(seed)
    if value is None:
        raise _invalid(where, argument, seed, "is not a seed", _seed_fix(argument, others))
    if not 0 <= value <= MAX_SEED:
        raise _invalid(where, argument, seed, "is out of range", _seed_fix(argument, others))
    return value


def wrap_seed(value: int) -> int:
    """Return ``value`` if it is a valid seed, else ``value % 2**63``: any int mapped to a seed ``check_seed`` accepts.

    For seeds another tool chose (pytest-randomly takes any int): the result is
    what the report header prints, so ``--synthdata-seed=<it>`` reproduces the run.

    >>> wrap_seed(42), wrap_seed(-1), wrap_seed(2**64 + 5)
    (42, 9223372036854775807, 5)
    """
    return value % (MAX_SEED + 1)


def seed_from_text(text: object, *, argument: str, where: str = "", others: str = "") -> int:
    """Return a seed given as text (a command-line value) or as a number; else raise InvalidArgument."""
    if isinstance(text, str):
        value = _from_text(text)
        if value is None:
            raise _invalid(where, argument, text, "is not a seed", _seed_fix(argument, others))
        text = value
    return check_seed(text, argument=argument, where=where, others=others)


def _real(value: object) -> float | None:
    """``value`` as a float if it is a real number (numpy numbers included; bools and text are not), else None."""
    if isinstance(value, bool) or isinstance(value, (str, bytes)):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def check_epsilon(epsilon: object, *, argument: str = "epsilon", where: str = "") -> float:
    """Return ``epsilon`` as a privacy budget (a finite number above 0); else raise InvalidArgument.

    >>> check_epsilon(1)
    1.0
    """
    value = _real(epsilon)
    fix = f"pass a number above 0, such as {_shown(argument, '1.0')} (smaller is more private)"
    if value is None:
        raise _invalid(where, argument, epsilon, "is not a number", fix)
    if not (math.isfinite(value) and value > 0):
        raise _invalid(where, argument, epsilon, "is not a finite number above 0", fix)
    return value


def check_share(value: object, *, argument: str, where: str = "") -> float:
    """Return ``value`` as a share of rows (a real number from 0 to 1, never a bool); else raise InvalidArgument.

    >>> check_share(0.2, argument="edge_cases")
    0.2
    """
    share = _real(value)
    fix = f"pass a share of rows from 0 to 1, such as {_shown(argument, '0.2')}"
    if share is None:
        raise _invalid(where, argument, value, "is not a number", fix)
    if not 0.0 <= share <= 1.0:  # (NaN fails too)
        raise _invalid(where, argument, value, "is not between 0 and 1", fix)
    return share


def share_from_text(text: object, *, argument: str, where: str = "") -> float:
    """Return a share of rows given as text (an ini value) or as a number; else raise InvalidArgument.

    >>> share_from_text("0.25", argument="synthdata_edge_cases")
    0.25
    """
    if isinstance(text, str):
        try:
            value = float(text)
        except ValueError:
            raise _invalid(
                where, argument, text, "is not a number", f"pass a share of rows from 0 to 1, such as {argument}=0.2"
            ) from None
        return check_share(value, argument=argument, where=where)
    return check_share(text, argument=argument, where=where)


def check_delta(delta: object, *, argument: str = "delta", where: str = "") -> float:
    """Return ``delta`` as a privacy budget's failure probability (a number in (0, 1)); else raise InvalidArgument.

    Not giving delta at all (``None``, checked by the caller) asks for pure epsilon-DP.

    >>> check_delta(1e-6)
    1e-06
    """
    value = _real(delta)
    fix = (
        f"pass a probability above 0 and below 1, well below 1/rows, such as {_shown(argument, '1e-6')} "
        "(or leave it out for pure epsilon-DP)"
    )
    if value is None:
        raise _invalid(where, argument, delta, "is not a number", fix)
    if not (math.isfinite(value) and 0 < value < 1):
        raise _invalid(where, argument, delta, "is not in (0, 1)", fix)
    return value


def check_independent(model: Any, *, argument: str, fix: str) -> None:
    """Raise InvalidArgument unless ``model.sample`` accepts ``independent=`` (a backend's model may not).

    ``argument`` names what asked for independent rows (a marker, a flag) and
    ``fix`` how to stop asking.
    """
    params = inspect.signature(model.sample).parameters
    if "independent" in params or any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    raise InvalidArgument(
        f"{argument}: {type(model).__name__}.sample() takes no independent= option (its rows may already be "
        f"independent); {fix}."
    )


def _brief(value: Any) -> str:
    """A value for a one-line message: a short repr; a container of frames or a long repr is described instead."""
    if isinstance(value, dict) and value:
        kinds = sorted({type(v).__name__ for v in value.values()})
        return f"{{{len(value)} entries: {', '.join(map(repr, list(value)[:4]))}{', ...' if len(value) > 4 else ''} -> {'/'.join(kinds)}}}"
    text = repr(value)
    return text if len(text) <= 80 and "\n" not in text else f"<{type(value).__name__}: {text.splitlines()[0][:60]}...>"


def check_frame(frame: object, *, argument: str, where: str = "", rows: bool = False) -> None:
    """Raise InvalidArgument unless ``frame`` is a pandas DataFrame whose columns have distinct names.

    A repeated name makes ``frame[name]`` a DataFrame, which no column check
    can read; ``rows=True`` also asks for at least one row.
    """
    import pandas as pd

    prefix = f"{where}: " if where else ""
    if not isinstance(frame, pd.DataFrame):
        raise InvalidArgument(
            f"{prefix}{argument}={_brief(frame)} ({type(frame).__name__}) is not a pandas DataFrame; pass one."
        )
    duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
    if duplicated:
        raise InvalidArgument(
            f"{prefix}{argument} has more than one column named {duplicated[0]!r}; give every column its own name."
        )
    if rows and not len(frame):
        raise InvalidArgument(f"{prefix}{argument} has no rows; pass at least one row.")


def memory_limit() -> int:
    """Return the bytes a sample's frame may take: the machine's physical memory, else :data:`MEMORY_CAP`."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows) or no such name
        return MEMORY_CAP


def _size(size: float) -> str:
    """``size`` bytes in decimal units: '7.3 TB'."""
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if size < 1000 or unit == "PB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.2g} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def may_exceed_memory(n: int, columns: int) -> bool:
    """Whether ``n`` rows of ``columns`` columns could need more than :func:`memory_limit` (cheap; no dtypes)."""
    return n * columns * max(_VALUE_BYTES.values()) > memory_limit()


def row_bytes(dtypes: Mapping[str, str]) -> int:
    """Return the estimated bytes of one row of a frame with ``dtypes`` (see :func:`check_memory`).

    >>> row_bytes({"age": "int64", "name": "str"})
    58
    """
    return sum(_VALUE_BYTES.get(str(d), 8) for d in dtypes.values())


def check_memory(n: int, dtypes: Mapping[str, str], *, dataset: str, argument: str = "n", where: str = "") -> int:
    """Return ``n`` if a frame of ``n`` rows with ``dtypes`` fits in memory; else raise InvalidArgument.

    The estimate counts the finished frame only (8 bytes a number or
    timestamp, 1 a bool or category code, about 50 a string), so sampling
    needs somewhat more; a frame larger than :func:`memory_limit` cannot be
    built, and saying so up front beats a MemoryError (or the swap) minutes in.

    >>> check_memory(1000, {"age": "int64"}, dataset="people")
    1000
    """
    row = row_bytes(dtypes)
    need, limit = n * row, memory_limit()
    if need <= limit:
        return n
    fits = limit // max(row, 1)
    raise _invalid(
        where,
        argument,
        n,
        f"is too many rows: sampling {n:,} rows of {dataset!r} ({len(dtypes)} columns, about {row} bytes a "
        f"row) needs about {_size(need)} of memory, more than the {_size(limit)} this machine has",
        f"sample fewer rows (at most about {fits:,} here, less with room for the rest of the process)",
    )
