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
- a seed is an int (numpy integers too, never a bool) in ``[0, 2**63 - 1]``.

Command-line and ini values arrive as text: ``rows_from_text`` and
``seed_from_text`` read a whole number, then apply the same rule.
``check_independent`` tells the marker and the CLI flag that ask for
``independent=True`` when a model's ``sample()`` does not take it. Kept free of
heavy imports: the pytest plugin uses it at start-up.
"""

from __future__ import annotations

import inspect
import keyword
import operator
import re
from typing import Any

from .errors import InvalidArgument

__all__ = [
    "MAX_SEED",
    "check_dataset",
    "check_independent",
    "check_name",
    "check_rows",
    "check_seed",
    "rows_from_text",
    "seed_from_text",
    "suggest_name",
]

#: Seeds are non-negative integers below 2**63 (they print and cache well).
MAX_SEED = 2**63 - 1


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


def _from_text(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def rows_from_text(text: object, *, argument: str, where: str = "") -> int:
    """Return a row count given as text (an ini or command-line value) or as a number; else raise InvalidArgument."""
    if isinstance(text, str):
        value = _from_text(text)
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


def seed_from_text(text: object, *, argument: str, where: str = "", others: str = "") -> int:
    """Return a seed given as text (a command-line value) or as a number; else raise InvalidArgument."""
    if isinstance(text, str):
        value = _from_text(text)
        if value is None:
            raise _invalid(where, argument, text, "is not a seed", _seed_fix(argument, others))
        text = value
    return check_seed(text, argument=argument, where=where, others=others)


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
