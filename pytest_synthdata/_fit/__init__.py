"""Fitting a Model to real data: ``fit()`` checks its arguments and hands the frame to a backend.

Every engine, the native one included, is a backend found by name through
the ``synthdata_backends`` hook (see ``_manager.py``), so a plugin's engine
is called exactly as the built-in ones. The native engine (``native.py``)
runs one module per step:

- ``infer.py``: column kinds from dtype, name and values; PII; overrides;
- ``dates.py``: text columns of ISO dates parsed as timestamps; other date formats named;
- ``generated.py``: generators for id, PII, free-text and pattern columns;
- ``numeric.py``: numeric and datetime marginals (quantile knots, tables, grids);
- ``categories.py``: categories, their latent order, lookups, withheld values;
- ``segments.py``: marginals within the groups of one telling category;
- ``private.py``: private bounds, pooled knots, coarse small counts, ``public=`` declarations;
- ``dp.py``: the differentially private fit (``epsilon=``), every release under one OpenDP account;
- ``dependence.py``: latent coordinates, Spearman correlations, the correlation matrix;
- ``context.py``: the frame and settings every step reads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._manager import NATIVE_BACKEND, fit_backend
from ..errors import InvalidArgument
from .context import DEFAULT_KNOTS, DEFAULT_MIN_COUNT
from .infer import KINDS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_KNOTS", "DEFAULT_MIN_COUNT", "KINDS", "fit"]


def fit(
    df: pd.DataFrame | Mapping[str, pd.DataFrame],
    *,
    name: str | None = None,
    columns: Mapping[str, Any] | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
    knots: int = DEFAULT_KNOTS,
    locale: str = "en_US",
    segments: bool = True,
    public: Mapping[str, Any] | None = None,
    constraints: Any = None,
    detect_constraints: bool = True,
    epsilon: float | None = None,
    delta: float | None = None,
    backend: str = NATIVE_BACKEND,
    progress: Callable[[str], None] | None = None,
    relations: Sequence[Any] | None = None,
    **options: Any,
) -> Any:
    """Fit a Model to a DataFrame of real data (how: see ``pytest_synthdata._fit.native``).

    ``columns`` overrides a column's kind (``"category"``, ``"pii"``, ...), gives
    a declaration (``sd.Faker("email", unique=True)``), or ``None`` to leave it
    out. ``min_count`` is the privacy threshold: no stored number stands for
    fewer rows (bounds, knots, rates: see ``docs/explanation/privacy.md``).
    ``public`` declares what is not secret, used as given: ``{"age": (0, 120)}``
    bounds of a numeric or datetime column, ``{"plan": ["free", "pro"]}`` a
    category column's full set of categories. ``constraints`` are order
    constraints every sampled row keeps (``"signup <= last_login"`` or
    ``sd.LessThan(...)``; the data must satisfy them); fit also keeps the order
    relations it finds in every real row, unless ``detect_constraints=False``
    (see ``docs/how-to/correlations-and-constraints.md``). ``epsilon`` (and ``delta``) fit under differential privacy
    with OpenDP (the ``dp`` extra): every number the model stores is released under one (epsilon, delta)
    account, recorded in ``info["privacy"]`` (see ``docs/explanation/privacy.md``). ``backend`` picks
    another engine (``"sdv-gaussian-copula"``, ...) provided through the ``synthdata_backends`` hook.

    Linked tables: ``df`` a dict of table name -> DataFrame and ``relations`` the foreign keys
    (``[("orders.customer_id", "customers.id")]``) return a :class:`~pytest_synthdata.Dataset`, whose tables
    are fitted parents first; ``columns``, ``constraints`` and ``public`` then map table names to that
    table's argument (see ``docs/how-to/linked-tables.md``).

    >>> import pandas as pd, pytest_synthdata as sd
    >>> df = pd.DataFrame({"age": [23, 35, 41, 52, 29, 33, 61, 45, 38, 27] * 3,
    ...                    "plan": ["free", "pro", "pro", "team", "free", "pro", "team", "pro", "free", "free"] * 3})
    >>> model = sd.fit(df, name="users")
    >>> {col: about["kind"] for col, about in model.info["columns"].items()}
    {'age': 'integer', 'plan': 'category'}
    >>> model.sample(5, seed=1).shape
    (5, 2)
    """
    if isinstance(df, Mapping) or relations is not None:  # linked tables -> Dataset
        from .relations import fit_dataset

        return fit_dataset(
            df,  # type: ignore[arg-type]
            name=name,
            relations=relations if relations is not None else [],
            columns=columns,
            constraints=constraints,
            public=public,
            detect_constraints=detect_constraints,
            min_count=min_count,
            fit_table=functools.partial(
                fit,
                min_count=min_count,
                knots=knots,
                locale=locale,
                segments=segments,
                detect_constraints=detect_constraints,
                epsilon=epsilon,
                delta=delta,
                backend=backend,
                progress=progress,
                **options,
            ),
        )
    engine = fit_backend(backend)  # an unknown backend is the first thing to say
    if backend == NATIVE_BACKEND:
        return engine(
            df,
            name=name,
            columns=columns,
            min_count=min_count,
            knots=knots,
            locale=locale,
            segments=segments,
            public=public,
            constraints=constraints,
            detect_constraints=detect_constraints,
            epsilon=epsilon,
            delta=delta,
            progress=progress,
            **options,
        )
    given = {
        key: value
        for key, value, default in (
            ("min_count", min_count, DEFAULT_MIN_COUNT),
            ("knots", knots, DEFAULT_KNOTS),
            ("locale", locale, "en_US"),
            ("segments", segments, True),
            ("public", public, None),
            ("constraints", constraints, None),
            ("detect_constraints", detect_constraints, True),
            ("epsilon", epsilon, None),
            ("delta", delta, None),
            ("progress", progress, None),
        )
        if value is not default and value != default
    }
    if given:
        raise InvalidArgument(
            f"fit(backend={backend!r}) got {', '.join(sorted(given))}, which only the native engine uses (it "
            "would be ignored, and min_count is what keeps rare values out of a native model). Drop them, or "
            "pass the backend's own options as keywords."
        )
    return engine(df, name=name, columns=columns, **options)
