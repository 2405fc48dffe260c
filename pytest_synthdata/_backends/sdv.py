"""Optional SDV engines behind the Model protocol (``pip install "pytest-synthdata[sdv]"``).

SDV is BUSL-1.1 licensed and never imported unless one of these backends is
used; no SDV code is copied here, only its public API is called. Its models
are pickles (loading one runs code), so :func:`pytest_synthdata.load` opens
them only with ``trust=True``. SDV has no seed argument: sampling here seeds
numpy's, Python's and torch's global generators from the given seed for the
duration of the call and restores them afterwards, so the same seed gives the
same rows and the caller's global random state is left as it was.

Written against SDV 2 (multi-table style calls: metadata detected from
``{name: df}``, ``fit({name: df})``, ``sample(n)`` returning ``{name: df}``).
SDV seeds each synthesizer's own generators at its first sample after
``reset_sampling()``, so a seed is applied through the synthesizer's random
state (``_set_random_state``), the one way SDV offers to pick the rows.
"""

from __future__ import annotations

import contextlib
import pathlib
import pickle
import random
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .._seeding import normalize_seed
from .._validate import check_name, check_rows
from ..errors import InvalidArgument, SynthdataError, UnsupportedFeature

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SYNTHESIZERS", "SDVModel", "fitter", "load_pickle"]

#: backend name -> SDV single-table synthesizer class name
SYNTHESIZERS = {
    "sdv-gaussian-copula": "GaussianCopulaSynthesizer",
    "sdv-ctgan": "CTGANSynthesizer",
    "sdv-tvae": "TVAESynthesizer",
}
INSTALL_HINT = (
    'the SDV backends need the optional extra: pip install "pytest-synthdata[sdv]" '
    "(it pulls torch; install torch's CPU build first to avoid a multi-GB CUDA download)."
)
MAGIC = b"pytest-synthdata/sdv-model\n"


def _sdv() -> Any:
    try:
        import sdv.single_table as single_table
    except ImportError as exc:
        raise InvalidArgument(f"{INSTALL_HINT} ({exc})") from None
    return single_table


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Seed the global generators SDV draws from, and restore them afterwards."""
    import numpy as np

    np_state = np.random.get_state()
    py_state = random.getstate()
    try:
        import torch
    except ImportError:
        torch = None  # type: ignore[assignment]  # (torch is optional)
    torch_state = torch.random.get_rng_state() if torch is not None else None
    try:
        np.random.seed(seed % 2**32)
        random.seed(seed)
        if torch is not None:
            torch.manual_seed(seed % 2**63)
        yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
        if torch is not None:
            torch.random.set_rng_state(torch_state)


class SDVModel:
    """An SDV synthesizer with the Model protocol: ``name``, ``columns``, ``dtypes``, ``sample``, ``save``."""

    def __init__(self, name: str, backend: str, synthesizer: Any, columns: list[str], dtypes: dict[str, str]) -> None:
        self.name = name
        self.backend = backend
        self.synthesizer = synthesizer
        self._columns = columns
        self._dtypes = dtypes
        self.info: dict[str, Any] = {"backend": backend}

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    @property
    def dtypes(self) -> dict[str, str]:
        return dict(self._dtypes)

    @property
    def withheld(self) -> list[str]:
        return []

    def __repr__(self) -> str:
        return f"SDVModel({self.name!r}, backend={self.backend!r}, columns={self._columns!r})"

    def sample(
        self,
        n: int,
        *,
        seed: int | None = None,
        independent: bool = True,
        conditions: Any = None,
        rows: tuple[int, int] | None = None,
        edge_cases: float = 0.0,
        edge_kinds: Any = None,
        edge_columns: Any = None,
        balance: Any = None,
    ) -> pd.DataFrame:
        """Return ``n`` rows; SDV engines always draw rows independently (``independent`` is accepted for the CLI).

        The native engine's other options (``conditions``, ``rows``, ``edge_cases``, ``edge_kinds``,
        ``edge_columns``, ``balance``) raise UnsupportedFeature naming the option: SDV conditions by
        rejection, which can return fewer rows, and has no latent space to draw a range of rows or edge
        cases from; the native engine does all of them exactly.
        """
        import numpy as np

        if not isinstance(independent, (bool, np.bool_)):
            raise InvalidArgument(f"independent={independent!r}: pass True or False (SDV rows are always independent).")
        asked = [  # (option, value, whether it was given, what SDV cannot do)
            ("conditions", conditions, conditions is not None, "sample exactly under conditions"),
            ("rows", rows, rows is not None, "draw a range of rows on its own"),
            ("edge_cases", edge_cases, bool(edge_cases), "place edge cases"),
            ("edge_kinds", edge_kinds, edge_kinds is not None, "place edge cases"),
            ("edge_columns", edge_columns, edge_columns is not None, "place edge cases"),
            ("balance", balance, balance is not None, "balance the classes of a column"),
        ]
        for option, value, given, what in asked:
            if given:
                also = ", or set values after sampling (the factory's set={...})" if option == "conditions" else ""
                raise UnsupportedFeature(
                    f"dataset {self.name!r} uses the {self.backend} backend, which cannot {what} "
                    f"({option}={value!r}); fit it with the native engine (sd.fit(df, backend='native')) "
                    f"for {option}={also}."
                )
        n = check_rows(n)
        seed = normalize_seed(seed)
        with _seeded(seed):
            self.synthesizer.reset_sampling()
            if hasattr(self.synthesizer, "_set_random_state"):
                self.synthesizer._set_random_state(seed % 2**32)
            frame = self._table(self.synthesizer.sample(max(n, 1)))
        frame = frame.iloc[:n]
        if len(frame) != n:
            raise SynthdataError(
                f"dataset {self.name!r}: the {self.backend} backend returned {len(frame)} rows, not {n}."
            )
        frame = frame.reset_index(drop=True)[self._columns]
        frame.attrs["synthdata"] = {"dataset": self.name, "seed": seed}
        return frame

    def _table(self, result: Any) -> pd.DataFrame:
        return result[self.name] if isinstance(result, dict) else result

    def save(self, path: str | pathlib.Path) -> pathlib.Path:
        """Write the model as a pickle (``*.synth.pkl``); loading it needs ``trust=True``."""
        target = pathlib.Path(path)
        if not target.name.endswith(".synth.pkl"):
            raise InvalidArgument(
                f"{target}: SDV models are pickles; save them as '<name>.synth.pkl' (the .synth.json format "
                "holds native models only)."
            )
        import cloudpickle

        target.write_bytes(MAGIC + cloudpickle.dumps(self))
        return target


def fitter(backend: str) -> Callable[..., SDVModel]:
    """Return the fit function for ``backend`` (sdv is imported when it is called)."""

    def fit_sdv(df: pd.DataFrame, *, name: str | None = None, columns: Any = None, **options: Any) -> SDVModel:
        single_table = _sdv()
        from sdv.metadata import Metadata

        if columns:
            raise InvalidArgument(f"backend={backend!r} does not take columns= overrides; edit SDV's metadata instead.")
        name = check_name(name if name is not None else df.attrs.get("name", "data"))
        with warnings.catch_warnings():
            # SDV asks to save the metadata it detected; here it is detected anew for every fit, by us
            warnings.filterwarnings("ignore", message="We strongly recommend saving the metadata", category=UserWarning)
            return _fit(df, name, Metadata, single_table, options)

    def _fit(df: pd.DataFrame, name: str, Metadata: Any, single_table: Any, options: dict[str, Any]) -> SDVModel:
        if hasattr(Metadata, "detect_from_dataframes"):
            metadata = Metadata.detect_from_dataframes({name: df})
            data: Any = {name: df}
        else:  # SDV 1.x
            metadata = Metadata.detect_from_dataframe(data=df, table_name=name)
            data = df
        cls = getattr(single_table, SYNTHESIZERS[backend])
        try:
            synthesizer = cls(metadata, **options)
        except TypeError as exc:
            raise InvalidArgument(f"backend={backend!r}: {exc}") from None
        with _seeded(0):  # CTGAN and TVAE train from the global generators: same data, same model
            synthesizer.fit(data)
        return SDVModel(
            name, backend, synthesizer, [str(c) for c in df.columns], {str(c): str(t) for c, t in df.dtypes.items()}
        )

    fit_sdv.__name__ = f"fit_{backend.replace('-', '_')}"
    return fit_sdv


def load_pickle(path: pathlib.Path, *, trust: bool) -> SDVModel:
    """Load an SDV model written by :meth:`SDVModel.save`, only when the caller trusts the file."""
    if not trust:
        raise InvalidArgument(
            f"{path} is a pickle (an SDV model): loading it runs code stored in the file. Pass trust=True "
            "(CLI: --trust) only for files you made yourself or fully trust."
        )
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        raise InvalidArgument(f"{path} is not an SDV model saved by pytest-synthdata.")
    _sdv()
    model = pickle.loads(data[len(MAGIC) :])
    if not isinstance(model, SDVModel):
        raise InvalidArgument(f"{path} does not hold an SDV model.")
    return model
