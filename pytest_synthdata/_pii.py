"""Faker-backed columns: pools of provider values generated once, indexed with numpy.

Calling Faker once per row costs ~70 us; sampling a million rows that way
takes over a minute. Instead each (provider, kwargs, locale, pool size, pool
seed) gets a pool of values generated once per process with a seeded Faker, and
rows pick from the pool with vectorised integer indices. The values are
Faker's own output for that locale; only their number is bounded, which
``pool_size`` controls.
"""

from __future__ import annotations

import difflib
import json
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from ._seeding import derive_seed
from .errors import InvalidArgument, UnknownProvider

if TYPE_CHECKING:
    import faker

__all__ = ["check_provider", "faker_for", "pool"]


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
