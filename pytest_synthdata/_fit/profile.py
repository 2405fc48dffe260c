"""The fit step that profiles the real frame for fidelity checks without it (``_fidelity/profile.py``).

Runs last, on the columns the model models (never generated PII, id or text
columns), with the fit's ``min_count``: quantiles of winsorized values pooled
over at least ``2 * min_count`` rows, rare categories unnamed, small counts
read as ``min_count / 2`` rows. A differentially private fit stores none: its
releases are the model, whose own distribution then serves as the profile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

    from .._fidelity.profile import Factorization, Profile
    from .._model import Model

__all__ = ["fit_profile"]


def fit_profile(
    frame: pd.DataFrame,
    model: Model,
    min_count: int,
    factorized: Mapping[str, Factorization] | None = None,
    dates: Mapping[str, pd.Series] | None = None,
) -> Profile:
    """Return the fidelity profile of ``frame`` for ``model`` (stored in its file).

    ``factorized``: the string columns' ``pandas.factorize`` and counts that inference made
    (``FitContext.factorized``), reused rather than hashing and counting the values again. ``dates``: the text
    columns the fit read as dates (``FitContext.dates``), profiled as those dates.
    """
    from .._fidelity.profile import fit_profile as profile

    return profile(frame, model, min_count, factorized, dates)
