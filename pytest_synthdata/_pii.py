"""Faker-backed columns: pools of provider values generated once, indexed with numpy.

Calling Faker once per row costs ~70 us; sampling a million rows that way
takes over a minute. Instead each (provider, kwargs, locale, pool size, pool
seed) gets a pool of values generated once per process with a seeded Faker, and
rows pick from the pool with vectorised integer indices. The values are
Faker's own output for that locale; only their number is bounded, which
``pool_size`` controls (at most :data:`MAX_POOL_SIZE`). A pool is built the
first time a column samples, never when a schema is declared or a model file
is loaded.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from ._seeding import derive_seed
from .errors import InvalidArgument, UnknownProvider

if TYPE_CHECKING:
    import faker

__all__ = ["MAX_POOL_SIZE", "check_kwargs", "check_pool_size", "check_provider", "faker_for", "pool"]

#: The largest ``pool_size`` (Faker calls building one pool): about a minute of Faker time and a few
#: hundred MB. More distinct values than this are a job for an ``Id`` column.
MAX_POOL_SIZE = 1_000_000

#: Limits on a model file's provider arguments, so that one Faker call stays small: a size-like
#: argument (``max_nb_chars``, ``length``, ``num_rows``, ``digits``, ``depth``, ``indent``, ...; the
#: names cover every size-like argument of Faker's providers) and each string and list.
MAX_PROVIDER_SIZE = 10_000
MAX_PROVIDER_TEXT = 1_000
_SIZE_LIKE = re.compile(
    r"nb|num|chars|length|size|digits|rows|elements|count|words|sentences|files|depth|deep|levels|width|height|indent|precision"
)


def check_pool_size(column: str, pool_size: object) -> str | None:
    """Return why ``pool_size`` cannot size a Faker pool (a positive int up to MAX_POOL_SIZE), or None."""
    if not isinstance(pool_size, int) or isinstance(pool_size, bool) or pool_size < 1:
        return f"column {column!r}: pool_size={pool_size!r} must be a positive int."
    if pool_size > MAX_POOL_SIZE:
        return (
            f"column {column!r}: pool_size={pool_size} is above the cap of {MAX_POOL_SIZE:,} Faker calls "
            f"(MAX_POOL_SIZE: building it would take minutes and gigabytes); use pool_size={MAX_POOL_SIZE} or less, "
            "or an Id column for more distinct values."
        )
    return None


def check_kwargs(kwargs: dict[str, Any]) -> tuple[str, str] | None:
    """Return (the argument, what is wrong) if provider ``kwargs`` from a model file are too big for one call.

    Numbers must be finite; size-like arguments (their names mention nb, num,
    chars, length, size, digits, rows, depth, width, ...) at most
    MAX_PROVIDER_SIZE; strings and lists at most MAX_PROVIDER_TEXT long.
    """

    def problem(value: Any, size_like: bool) -> str | None:
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, (int, float)):
            if isinstance(value, float) and not math.isfinite(value):
                return f"{value} is not a finite number"
            if size_like and abs(value) > MAX_PROVIDER_SIZE:
                return f"{value} is above the cap of {MAX_PROVIDER_SIZE} for a size-like provider argument"
            return None
        if isinstance(value, str):
            return (
                f"a string of {len(value)} characters is above the cap of {MAX_PROVIDER_TEXT}"
                if len(value) > MAX_PROVIDER_TEXT
                else None
            )
        if isinstance(value, (list, dict)):
            if len(value) > MAX_PROVIDER_TEXT:
                return f"{len(value)} items are above the cap of {MAX_PROVIDER_TEXT}"
            sizes = [abs(v) for v in value if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if size_like and len(sizes) > 1 and math.prod(sizes) > MAX_PROVIDER_SIZE**2 / 100:
                return f"{value} asks for {math.prod(sizes):g} items together, above the cap of 1e6"
            items = value.values() if isinstance(value, dict) else value
            return next((p for v in items if (p := problem(v, size_like)) is not None), None)
        return f"{type(value).__name__} is not a JSON value"

    for key, value in kwargs.items():
        found = problem(value, bool(_SIZE_LIKE.search(str(key))))
        if found is not None:
            return str(key), found
    return None


@cache
def faker_for(locale: str) -> faker.Faker:
    """Return a cached Faker instance for ``locale``."""
    import faker as faker_mod

    try:
        return faker_mod.Faker(locale)
    except AttributeError as exc:
        from faker.config import AVAILABLE_LOCALES

        close = difflib.get_close_matches(locale, AVAILABLE_LOCALES, n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise UnknownProvider(
            f"locale={locale!r} is not a Faker locale.{hint} See faker.config.AVAILABLE_LOCALES for the full list."
        ) from exc


def check_provider(column: str, provider: str, locale: str, kwargs: dict[str, Any]) -> None:
    """Raise a clear error unless ``provider(**kwargs)`` works for ``locale``."""
    fake = faker_for(locale)
    method = getattr(fake, provider, None) if not provider.startswith("_") and provider not in _NOT_PROVIDERS else None
    if not callable(method):
        names = [n for n in dir(fake) if not n.startswith("_") and n not in _NOT_PROVIDERS]
        close = difflib.get_close_matches(provider, names, n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise UnknownProvider(
            f"column {column!r}: Faker({locale!r}) has no provider {provider!r}.{hint} "
            "Use the name of a Faker method such as 'name', 'email' or 'address'."
        )
    try:
        fake.seed_instance(0)
        value = method(**kwargs)
    except (TypeError, ValueError, AttributeError) as exc:
        raise InvalidArgument(
            f"column {column!r}: Faker provider {provider!r} rejected kwargs {kwargs!r}: {exc}. "
            "Pass only keyword arguments that the provider accepts."
        ) from exc
    except Exception as exc:  # Faker's own (a provider needing Pillow raises faker's UnsupportedFeature)
        raise InvalidArgument(
            f"column {column!r}: Faker provider {provider!r} failed with kwargs {kwargs!r} "
            f"({type(exc).__name__}: {exc}); use another provider or install what it needs."
        ) from exc
    if value is None or isinstance(value, (list, tuple, set, dict)):
        raise InvalidArgument(
            f"column {column!r}: Faker provider {provider!r} returns {type(value).__name__} values, not one value "
            "per cell; use a provider that returns a scalar (e.g. 'sentence' instead of 'words')."
        )


def _key(provider: str, locale: str, kwargs: dict[str, Any]) -> str:
    return json.dumps([provider, locale, kwargs], sort_keys=True, default=repr)


_KWARGS: dict[str, dict[str, Any]] = {}

#: Faker attributes that are machinery, not data providers.
_NOT_PROVIDERS = frozenset(
    {
        "seed",
        "seed_instance",
        "seed_locale",
        "add_provider",
        "get_providers",
        "provider",
        "providers",
        "locales",
        "weights",
        "factories",
        "format",
        "parse",
        "set_formatter",
        "get_formatter",
        "set_arguments",
        "get_arguments",
        "del_arguments",
        "unique",
        "optional",
        "random",
        "items",
        "random_element",
        "random_elements",
        "random_choices",
        "random_sample",
    }
)


@lru_cache(maxsize=256)
def _pool_cached(provider: str, locale: str, kwargs_json: str, size: int, seed: int, unique: bool) -> Any:
    import numpy as np
    import pandas as pd

    kwargs = _KWARGS[kwargs_json]
    fake = faker_for(locale)
    fake.seed_instance(derive_seed(seed, "faker-pool", kwargs_json, size))
    method = getattr(fake, provider)
    values = [method(**kwargs) for _ in range(size)]
    if unique:
        values = list(dict.fromkeys(values))
    if all(isinstance(v, str) for v in values):
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
        return arr
    return pd.array(values)


def pool(provider: str, locale: str, kwargs: dict[str, Any], size: int, seed: int, *, unique: bool) -> Any:
    """Return the pool of Faker values (object ndarray of str, or a pandas array).

    Deterministic for a given Faker version; with ``unique=True`` duplicates are
    dropped (first occurrence kept), so the pool may be shorter than ``size``.
    """
    key = _key(provider, locale, kwargs)
    _KWARGS.setdefault(key, dict(kwargs))
    return _pool_cached(provider, locale, key, size, seed, unique)
