"""synthdata report MODEL [REAL] -o report.html."""

from __future__ import annotations

import contextlib
import io

import pytest

import pytest_synthdata as sd
from pytest_synthdata.cli import main
from tests.tables_for_tests import customers


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    real = customers(1500)
    model = folder / "customers.synth.json"
    sd.fit(real, name="customers").save(model)
    real.to_csv(folder / "real.csv", index=False)
    return folder, str(model), str(folder / "real.csv")


def test_report_against_the_stored_profile(files):
    code, out, _ = run("report", files[1])
    assert code == 0
    assert out.startswith("fidelity 0.") and "against the profile stored in model 'customers' (1500 real rows)" in out
    assert "KSComplement" in out and "2000 synthetic rows" in out


def test_report_against_real_rows_parses_their_dates(files):
    code, out, _ = run("report", files[1], files[2], "--seed", "4")
    assert code == 0 and "1500 synthetic rows against the real data (1500 rows)" in out
    assert "signup" in out  # (a CSV's ISO dates compared as timestamps)


def test_report_writes_the_html_page(files):
    pytest.importorskip("matplotlib")
    page = files[0] / "out.html"
    code, out, _ = run("report", files[1], "-o", str(page), "-n", "500")
    assert code == 0 and page.is_file() and f"wrote {page}" in out


def test_report_errors_are_one_line(files):
    code, _, err = run("report", files[1], str(files[0] / "missing.csv"))
    assert code == 2 and "does not exist" in err
