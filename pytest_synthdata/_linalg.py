"""Small dense matrices (correlations of a few dozen columns) on the calling thread.

OpenBLAS runs some routines on all its threads whatever the size: on a busy
machine, waking them for a 30 x 30 matrix costs milliseconds where the work
takes microseconds (measured with 4 busy processes on 2 cores: numpy's
``eigh`` of a 30 x 30 matrix took 24 ms against 62 us on one thread, a
100 x 100 product 24 ms against 32 us; ``dpotri`` and ``dposv`` spiked to
milliseconds). Two defences:

* the routines here (SciPy's ``dsyevd``, ``dpotrf``, ``dtrtri``, and a
  product below OpenBLAS's threshold for threads at these sizes) ran as
  fast with any thread setting for matrices up to 64 x 64;
* :func:`one_thread` limits BLAS to the calling thread for the duration of
  a fit's or a schema's linear algebra (threadpoolctl, as scikit-learn
  does), and restores the setting afterwards.

``benchmarks/bench_fit.py --loaded`` checks both: fits with the default
threads on a loaded machine against fits on one thread.
"""

from __future__ import annotations

import contextlib
import functools
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.linalg import lapack

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "above_diagonal",
    "cholesky",
    "eigh",
    "eigvalsh",
    "inverse",
    "inverse_from_cholesky",
    "logdet",
    "one_thread",
    "sampling_factor",
]

_CONTROLLER: Any = None
#: The BLAS libraries' threadpoolctl controllers, found once (False: not yet; None: use the controller's own
#: ``limit``; (): threadpoolctl is missing)
_BLAS: Any = False


class _OneThread:
    """Run BLAS on the calling thread inside the ``with``; restore each library's own setting after.

    What ``ThreadpoolController.limit(limits=1, user_api="blas")`` does, without listing every library's
    details again at each entry (that took about 60 us a fit): the BLAS libraries are found once, and a
    library already on one thread is left alone.
    """

    __slots__ = ("_restore",)

    def __enter__(self) -> None:
        restore = []
        for lib in _BLAS:
            threads = lib.num_threads
            if threads != 1:
                lib.set_num_threads(1)
                restore.append((lib, threads))
        self._restore = restore

    def __exit__(self, *exc: object) -> None:
        for lib, threads in reversed(self._restore):
            lib.set_num_threads(threads)


def one_thread() -> contextlib.AbstractContextManager[Any]:
    """Return a context in which BLAS and LAPACK run on the calling thread only; the setting is restored after.

    >>> with one_thread():
    ...     pass
    """
    global _CONTROLLER, _BLAS
    if _BLAS is False:
        try:
            import threadpoolctl
        except ImportError:  # pragma: no cover - a core dependency; without it the routines above still hold
            _BLAS = ()
        else:
            _CONTROLLER = threadpoolctl.ThreadpoolController()  # (scans the loaded libraries once: a few ms)
            found = _CONTROLLER.select(user_api="blas").lib_controllers
            usable = all(hasattr(lib, "num_threads") and hasattr(lib, "set_num_threads") for lib in found)
            _BLAS = tuple(found) if usable else None
    if _BLAS is None:  # pragma: no cover - a threadpoolctl without these controllers: its own limiter
        return _CONTROLLER.limit(limits=1, user_api="blas")  # type: ignore[no-any-return]
    if not _BLAS:  # pragma: no cover
        return contextlib.nullcontext()
    return _OneThread()


def eigh(a: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return (ascending eigenvalues, eigenvectors as columns) of the symmetric matrix ``a`` (its lower triangle)."""
    if not len(a):
        return np.zeros(0), np.zeros((0, 0))
    w, v, info = lapack.dsyevd(a, compute_v=1, lower=1)
    if info != 0:  # pragma: no cover - dsyevd converges on symmetric input
        raise np.linalg.LinAlgError(f"the eigenvalue solver did not converge (dsyevd info={info})")
    return w, v


def eigvalsh(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the ascending eigenvalues of the symmetric matrix ``a``."""
    if not len(a):
        return np.zeros(0)
    w, _v, info = lapack.dsyevd(a, compute_v=0, lower=1)
    if info != 0:  # pragma: no cover
        raise np.linalg.LinAlgError(f"the eigenvalue solver did not converge (dsyevd info={info})")
    return w  # type: ignore[no-any-return]


def cholesky(a: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """Return the lower Cholesky factor of ``a``, or None when ``a`` is not positive definite."""
    if not len(a):
        return np.zeros((0, 0))
    c, info = lapack.dpotrf(a, lower=1, clean=1)
    return None if info != 0 else c


def sampling_factor(corr: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the lower Cholesky factor that sampling multiplies by, or raise ``LinAlgError``.

    numpy's ``cholesky`` (its bits are part of what a seed reproduces); above
    64 dimensions, on one thread.
    """
    if not len(corr):
        return np.zeros((0, 0))
    if not np.isfinite(corr).all():
        raise np.linalg.LinAlgError("the matrix holds NaN or infinity")
    if len(corr) <= 64:
        return np.linalg.cholesky(corr)  # type: ignore[return-value]
    with one_thread():
        return np.linalg.cholesky(corr)  # type: ignore[return-value]


def logdet(chol: NDArray[np.float64]) -> float:
    """Return log det of the matrix whose lower Cholesky factor is ``chol``."""
    return 2.0 * float(np.log(chol.diagonal()).sum())


@functools.lru_cache(maxsize=16)
def above_diagonal(d: int) -> NDArray[np.bool_]:
    """Return the (read-only) mask of a ``d x d`` matrix's entries above its diagonal.

    ``m & above_diagonal(d)`` is ``np.triu(m, 1)`` of a boolean ``m``, and ``np.nonzero`` of it gives the
    entries in the same (row-major) order, without np.triu's mask built anew on every call.
    """
    mask = np.zeros((d, d), dtype=bool)
    mask[np.triu_indices(d, 1)] = True
    mask.flags.writeable = False
    return mask


def inverse_from_cholesky(chol: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the inverse of ``L L^T`` from its lower factor ``L``: ``L^-T L^-1`` (symmetric).

    ``chol`` holds zeros above its diagonal, as :func:`cholesky` gives it.
    """
    if not len(chol):
        return np.zeros((0, 0))
    linv, info = lapack.dtrtri(chol, lower=1)
    if info != 0:  # pragma: no cover - a factor with a zero on its diagonal
        raise np.linalg.LinAlgError("the Cholesky factor is singular")
    # dtrtri writes the lower triangle only, so the zeros above stay: in C order, what np.tril gave (the same
    # product, for a fraction of np.tril's cost)
    linv = np.ascontiguousarray(linv)
    return linv.T @ linv  # type: ignore[no-any-return]


def inverse(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the inverse of the positive definite matrix ``a``, or raise ``LinAlgError``."""
    chol = cholesky(a)
    if chol is None:
        raise np.linalg.LinAlgError("the matrix is not positive definite")
    return inverse_from_cholesky(chol)
