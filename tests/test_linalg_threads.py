"""``_linalg.one_thread``: BLAS runs on the calling thread inside it, and each library's setting comes back after."""

from __future__ import annotations

import numpy as np
import pytest

threadpoolctl = pytest.importorskip("threadpoolctl")

from pytest_synthdata import _linalg  # noqa: E402


def _blas_threads() -> list[int]:
    return [lib.num_threads for lib in threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers]


def test_one_thread_limits_blas_and_restores_the_setting() -> None:
    np.ones((2, 2)) @ np.ones((2, 2))  # (numpy's BLAS is loaded)
    if not _blas_threads():
        pytest.skip("no BLAS library that threadpoolctl can see")
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        with _linalg.one_thread():
            assert _blas_threads() == [1] * len(before)
            with _linalg.one_thread():  # (nested: still one, and the outer setting survives the inner exit)
                assert _blas_threads() == [1] * len(before)
            assert _blas_threads() == [1] * len(before)
        assert _blas_threads() == before


def test_one_thread_restores_the_setting_after_an_error() -> None:
    np.ones((2, 2)) @ np.ones((2, 2))
    if not _blas_threads():
        pytest.skip("no BLAS library that threadpoolctl can see")
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        with pytest.raises(RuntimeError), _linalg.one_thread():
            raise RuntimeError("boom")
        assert _blas_threads() == before
