"""Conformance checks for Model implementations (fitting backends, third-party models).

A backend passes when :func:`check_model` returns without raising::

    from pytest_synthdata.testing import check_model
    check_model(sd.fit(df, backend="my-backend"))

It checks the protocol every feature relies on: an identifier ``name``,
``columns`` and ``dtypes`` that match what ``sample`` returns, exactly ``n``
rows for any ``n`` (0 included), the same rows for the same seed, the seed
recorded in ``df.attrs["synthdata"]``, and a clear error for a bad ``n``.

Models with a latent space (declared, fitted and loaded native models) are
also checked stage by stage: a row is a pure function of the inputs its
latent source supplies (fed back from outside, a seeded sample's inputs give
its rows byte for byte), rows are stable (``sample(n)`` is a prefix of
``sample(m)``), ``independent=True`` works, and restricting a coordinate to
an interval keeps every row's coordinate there. Any other model must refuse
features that need a latent space with
:class:`~pytest_synthdata.errors.UnsupportedFeature`, not fail obscurely.
"""

from __future__ import annotations

from typing import Any

from ._validate import check_name
from .errors import InvalidArgument

__all__ = ["check_model"]


def check_model(model: Any, *, rows: int = 50, seed: int = 12345) -> None:
    """Raise AssertionError naming the first way ``model`` breaks the Model protocol.

    >>> import pytest_synthdata as sd
    >>> check_model(sd.Schema("people", {"age": sd.Integer(low=18, high=90)}))
    """
    import pandas as pd

    from ._latent import latent_model
    from .errors import UnsupportedFeature

    name = getattr(model, "name", None)
    try:
        check_name(name, argument=f"{type(model).__name__}.name")
    except InvalidArgument as exc:
        raise AssertionError(str(exc)) from None
    columns = list(model.columns)
    assert columns and all(isinstance(c, str) for c in columns), f"columns must be non-empty strings: {columns!r}"
    frame = model.sample(rows, seed=seed)
    assert isinstance(frame, pd.DataFrame), f"sample() returned {type(frame).__name__}, not a DataFrame"
    assert len(frame) == rows, f"sample({rows}) returned {len(frame)} rows"
    assert list(frame.columns) == columns, f"sample() columns {list(frame.columns)} differ from {columns}"
    assert isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0, "sample() must return a 0..n-1 index"
    dtypes = dict(model.dtypes)
    sampled = frame.dtypes.astype(str).to_dict()
    assert dtypes == sampled, f"dtypes {dtypes} differ from the sampled {sampled}"
    again = model.sample(rows, seed=seed)
    pd.testing.assert_frame_equal(frame, again, obj=f"{name}: the same seed must give the same rows")
    other = model.sample(rows, seed=(seed + 1) % 2**63)
    assert not frame.equals(other), "a different seed gave the same rows"
    assert frame.attrs.get("synthdata", {}).get("seed") == seed, "the seed must be recorded in df.attrs['synthdata']"
    empty = model.sample(0, seed=seed)
    assert len(empty) == 0 and list(empty.columns) == columns, "sample(0) must return no rows and every column"
    for bad in (-1, 1.5, "3"):
        try:
            model.sample(bad, seed=seed)
        except InvalidArgument:
            continue
        raise AssertionError(f"sample({bad!r}) must raise InvalidArgument")
    try:
        latent_model(model, "latent-source checks")
    except UnsupportedFeature:
        return  # another backend: features that need a latent space refuse it clearly (latent_model's message)
    _check_stages(model, frame, rows=rows, seed=seed)


def _check_stages(model: Any, frame: Any, *, rows: int, seed: int) -> None:
    """The staged sample path of a model with a latent space (see ``_model.Model.sample_from``)."""
    import numpy as np
    import pandas as pd

    from ._latent import IndependentRows, Restricted, SpreadRows, SuppliedRows

    space = model.latent_space
    for independent, source in ((False, SpreadRows(seed)), (True, IndependentRows(seed))):
        z, u = source.noise(space, 0, rows)
        expected = frame if not independent else model.sample(rows, seed=seed, independent=True)
        fed = model.sample_from(SuppliedRows(z.T, u, key=seed), rows)
        fed.attrs = expected.attrs
        pd.testing.assert_frame_equal(
            fed,
            expected,
            obj=f"{model.name}: rows made from a seeded source's inputs, supplied from outside (independent="
            f"{independent}); a stage that draws a random number of its own breaks this",
        )
        # only columns keyed by the sample (a unique column's permutation) may depend on the key
        other_key = model.sample_from(SuppliedRows(z.T, u, key=(seed + 1) % 2**63), rows)
        keyed = [c for c in model.columns if getattr(model.column(c), "keyed", False)]
        pd.testing.assert_frame_equal(
            other_key.drop(columns=keyed),
            fed.drop(columns=keyed),
            obj=f"{model.name}: rows made from the same inputs with another key; only unique columns ({keyed}) may "
            "differ, so a stage that draws a random number of its own breaks this",
        )
    longer = model.sample(rows + 4099, seed=seed)
    pd.testing.assert_frame_equal(
        longer.head(rows), frame, obj=f"{model.name}: sample(n) must be the first n rows of sample(m > n)"
    )
    for j in range(space.dims):
        bounded = Restricted(SpreadRows(seed), {j: (0.5, 1.5)})
        x = bounded.rows(space, 0, rows).x
        assert ((x[j] >= 0.5) & (x[j] <= 1.5)).all(), f"{model.name}: coordinate {space.labels[j]!r} left its interval"
        assert len(model.sample_from(bounded, rows)) == rows
        assert np.isfinite(x).all(), f"{model.name}: restricting {space.labels[j]!r} gave non-finite coordinates"
