"""Plugin behaviour, exercised the way users meet it: through pytester runs."""

from __future__ import annotations

import importlib.util
import re

import pytest

#: pytest-randomly is an optional test extra: tests that load it skip without it.
needs_randomly = pytest.mark.skipif(
    importlib.util.find_spec("pytest_randomly") is None, reason="needs the optional pytest-randomly plugin"
)

CONFTEST = """
import pytest_synthdata as sd

customers = sd.register(sd.Schema(
    "customers",
    {
        "id": sd.Id("CUST-{:06d}"),
        "age": sd.Integer(mean=41, std=12, low=18, high=90),
        "income": sd.Float(median=52_000, sigma=0.5, decimals=2),
        "plan": sd.Category({"free": 0.7, "pro": 0.3}),
        "name": sd.Faker("name"),
    },
    correlations={("age", "income"): 0.5},
))
"""

DIGEST_TESTS = """
import hashlib
import pathlib
import pandas as pd

OUT = pathlib.Path(__file__).parent / "digests"

def record(name, df):
    OUT.mkdir(exist_ok=True)
    value = hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()).hexdigest()[:16]
    (OUT / name).write_text(value)

def test_alpha(synth_customers):
    record("alpha", synth_customers)

def test_beta(synth_customers):
    record("beta", synth_customers)

def test_gamma(synth_customers_factory):
    record("gamma", synth_customers_factory(7))

def test_delta(synth_customers):
    record("delta", synth_customers)
"""


class Digests:
    """Runs the digest suite and returns {test: digest of the data it saw}."""

    def __init__(self, pytester):
        self.pytester = pytester

    def __call__(self, *args, subprocess=False):
        out = self.pytester.path / "digests"
        if out.exists():
            for f in out.iterdir():
                f.unlink()
        run = self.pytester.runpytest_subprocess if subprocess else self.pytester.runpytest
        self.result = run(*args)
        return {f.name: f.read_text() for f in out.iterdir()} if out.exists() else {}


@pytest.fixture
def project(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_digests=DIGEST_TESTS)
    return pytester


@pytest.fixture
def run(project):
    return Digests(project)


def test_fixture_gives_a_frame_with_the_default_row_count(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pandas as pd

        def test_rows(synth_customers):
            assert isinstance(synth_customers, pd.DataFrame)
            assert len(synth_customers) == 100
            assert list(synth_customers.columns) == ["id", "age", "income", "plan", "name"]
            assert synth_customers["age"].between(18, 90).all()
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_ini_synthdata_rows_sets_the_fixture_size(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\nsynthdata_rows = 25\n")
    pytester.makepyfile("def test_rows(synth_customers):\n    assert len(synth_customers) == 25\n")
    pytester.runpytest().assert_outcomes(passed=1)


def test_bad_ini_rows_is_a_usage_error(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\nsynthdata_rows = lots\n")
    pytester.makepyfile("def test_rows(synth_customers):\n    pass\n")
    result = pytester.runpytest()
    result.stderr.fnmatch_lines(
        ["*: synthdata_rows='lots' (str) is not a row count; pass an int, 0 or more, such as synthdata_rows=100."]
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_the_same_seed_gives_the_same_data(run):
    first = run("--synthdata-seed=123")
    second = run("--synthdata-seed=123")
    assert sorted(first) == ["alpha", "beta", "delta", "gamma"]
    assert first == second


def test_a_different_seed_gives_different_data(run):
    first = run("--synthdata-seed=123")
    second = run("--synthdata-seed=124")
    assert all(first[k] != second[k] for k in first)


def test_different_tests_get_different_data(run):
    found = run("--synthdata-seed=5")
    assert len(set(found.values())) == 4


@needs_randomly
def test_data_does_not_depend_on_selection_or_order(run):
    everything = run("--synthdata-seed=9", "-p", "no:randomly")
    only_delta = run("--synthdata-seed=9", "-k", "delta", "-p", "no:randomly")
    shuffled = run("--synthdata-seed=9", "-p", "randomly", "--randomly-seed=3")
    assert only_delta == {"delta": everything["delta"]}
    assert shuffled == everything


@pytest.mark.slow
def test_xdist_workers_produce_identical_data(run):
    serial = run("--synthdata-seed=77", "-p", "no:randomly", subprocess=True)
    parallel = run("--synthdata-seed=77", "-p", "xdist", "-n", "2", "-p", "no:randomly", subprocess=True)
    run.result.assert_outcomes(passed=4)
    assert len(serial) == 4
    assert parallel == serial


@pytest.mark.slow
def test_xdist_workers_share_the_controllers_random_seed(run):
    parallel = run("-p", "xdist", "-n", "2", "-p", "no:randomly", subprocess=True)
    run.result.assert_outcomes(passed=4)
    seed = re.search(r"synthdata: base seed (\d+)", run.result.stdout.str())[1]
    serial = run(f"--synthdata-seed={seed}", "-p", "no:randomly", subprocess=True)
    assert parallel == serial


def test_header_prints_the_seed_and_how_to_reproduce(project):
    result = project.runpytest("--synthdata-seed=4242", "-p", "no:randomly")
    result.stdout.fnmatch_lines(["synthdata: base seed 4242 (--synthdata-seed); reproduce with --synthdata-seed=4242"])


def test_default_seed_is_random_and_printed(run):
    a = run("-p", "no:randomly")
    seed_a = re.search(r"base seed (\d+) \(random\)", run.result.stdout.str())[1]
    b = run("-p", "no:randomly")
    seed_b = re.search(r"base seed (\d+) \(random\)", run.result.stdout.str())[1]
    assert seed_a != seed_b
    assert a != b


def test_last_reuses_the_previous_runs_seed(run):
    first = run("-p", "no:randomly")
    seed = re.search(r"base seed (\d+)", run.result.stdout.str())[1]
    again = run("-p", "no:randomly", "--synthdata-seed=last")
    run.result.stdout.fnmatch_lines([f"synthdata: base seed {seed} (last run)*"])
    assert again == first


def test_last_without_a_cached_seed_is_a_usage_error(project):
    result = project.runpytest("--synthdata-seed=last", "-p", "no:cacheprovider")
    result.stderr.fnmatch_lines(["*--synthdata-seed=last: no previous seed is cached*"])
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_invalid_seed_option_is_rejected(project):
    result = project.runpytest("--synthdata-seed=banana")
    result.stderr.fnmatch_lines(
        ["*--synthdata-seed='banana' (str) is not a seed; pass an int from 0 to 2[*][*]63 - 1, *'random' or 'last'."]
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR


@needs_randomly
def test_pytest_randomly_seed_is_used_when_active(run):
    first = run("-p", "randomly", "--randomly-seed=31337")
    run.result.stdout.fnmatch_lines(["synthdata: base seed 31337 (pytest-randomly)*"])
    explicit = run("-p", "no:randomly", "--synthdata-seed=31337")
    assert first == explicit


@needs_randomly
def test_explicit_seed_wins_over_pytest_randomly(project):
    result = project.runpytest("-p", "randomly", "--randomly-seed=1", "--synthdata-seed=2")
    result.stdout.fnmatch_lines(["synthdata: base seed 2 (--synthdata-seed)*"])


def test_failing_test_reports_dataset_seed_and_command(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_fails="""
        def test_boom(synth_customers):
            assert synth_customers["age"].max() > 1000
        def test_fine(synth_customers):
            pass
        """
    )
    result = pytester.runpytest("--synthdata-seed=55", "-p", "no:randomly")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*- synthdata: reproduce -*",
            "synth_customers: dataset 'customers', 100 rows, seed *",
            "reproduce: pytest test_fails.py::test_boom --synthdata-seed=55  (from the rootdir)",
            "same rows in Python: import runpy; runpy.run_path('conftest.py')[[]'customers'].sample(100, seed=*)",
        ]
    )


def test_printed_seed_reproduces_the_rows(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_fails="""
        def test_boom(synth_customers):
            synth_customers.to_pickle("seen.pkl")
            assert False
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    seed = int(re.search(r"dataset 'customers', 100 rows, seed (\d+)", result.stdout.str())[1])
    import pandas as pd

    seen = pd.read_pickle(pytester.path / "seen.pkl")
    module = pytester.path / "conftest.py"
    namespace: dict = {"__file__": str(module), "__name__": "conftest"}  # register() then stays local
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    pd.testing.assert_frame_equal(seen, namespace["customers"].sample(100, seed=seed))


def test_fixtures_are_listed_with_docstrings(pytester):
    pytester.makeconftest(CONFTEST)
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(
        [
            "synth_customers -- *",
            "*DataFrame of synthetic 'customers' rows (id, age, income, plan, name)*",
            "synth_customers_factory -- *",
            "*Callable `(n=None, *, seed=None, conditions=None, set=None, **column_conditions)`*",
        ]
    )


def test_factory_sizes_seeds_and_overrides(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest
        from pytest_synthdata.errors import InvalidArgument

        def test_factory(synth_customers_factory):
            a = synth_customers_factory(10)
            b = synth_customers_factory(10)
            assert len(a) == 10 and not a.equals(b)
            assert synth_customers_factory(5, seed=1).equals(synth_customers_factory(5, seed=1))
            c = synth_customers_factory(4, plan="pro", set={"age": [1, 2, 3, 4]})
            assert c["plan"].tolist() == ["pro"] * 4
            assert str(c["plan"].dtype) == "category"
            assert c["age"].tolist() == [1, 2, 3, 4]
            assert len(synth_customers_factory()) == 100
            with pytest.raises(InvalidArgument, match="has no such column"):
                synth_customers_factory(3, nope=1)
            with pytest.raises(InvalidArgument, match="has no column 'nope'"):
                synth_customers_factory(3, set={"nope": 1})
            with pytest.raises(InvalidArgument, match="2 values for 3 rows"):
                synth_customers_factory(3, age=[1, 2])
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_marker_sets_rows_and_exact_seed(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest
        from conftest import customers

        @pytest.mark.synthdata(rows=12, seed=99)
        def test_marked(synth_customers):
            assert len(synth_customers) == 12
            assert synth_customers.equals(customers.sample(12, seed=99))
        """
    )
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)


def test_marker_independent_gives_iid_rows_to_both_fixtures_and_the_report(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest
        from conftest import customers

        @pytest.mark.synthdata(rows=30, seed=4, independent=True)
        def test_iid(synth_customers, synth_customers_factory):
            assert synth_customers.equals(customers.sample(30, seed=4, independent=True))
            assert not synth_customers.equals(customers.sample(30, seed=4))
            assert synth_customers_factory(5, seed=2).equals(customers.sample(5, seed=2, independent=True))
            assert False, "show the report"

        @pytest.mark.synthdata(rows=30, seed=4)
        def test_spread(synth_customers):
            assert synth_customers.equals(customers.sample(30, seed=4))

        @pytest.mark.synthdata(independent="yes")
        def test_not_a_bool(synth_customers):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1, passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.synthdata(independent='yes') must be True or False*",
            "*AssertionError: show the report*",
            "same rows in Python: import runpy; runpy.run_path('conftest.py')[[]'customers'].sample(30, seed=4, independent=True)",
        ]
    )


def test_marker_independent_on_a_model_without_the_option_fails_clearly(pytester):
    pytester.makeconftest(
        """
        import pandas as pd
        import pytest_synthdata as sd

        class Plain:
            name = "plain"
            columns = ["a"]
            dtypes = {"a": "int64"}
            def sample(self, n, *, seed=None):
                frame = pd.DataFrame({"a": range(n)})
                frame.attrs["synthdata"] = {"dataset": "plain", "seed": seed}
                return frame

        sd.register(Plain())
        """
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.synthdata(independent=True)
        def test_plain(synth_plain):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*independent=True): Plain.sample() takes no independent= option*"])


def test_two_datasets_with_the_same_name_in_one_conftest_fail_loudly(pytester):
    pytester.makeconftest(
        """
        import pytest_synthdata as sd
        sd.register(sd.Schema("users", {"a": sd.Integer()}))
        sd.register(sd.Schema("users", {"b": sd.Boolean()}))
        """
    )
    pytester.makepyfile("def test_x(synth_users):\n    pass\n")
    result = pytester.runpytest()
    assert result.ret != 0
    output = result.stdout.str() + result.stderr.str()
    assert "conftest.py registers two different datasets as 'synth_users'" in output


def test_two_plugins_providing_the_same_dataset_name_fail_loudly(pytester):
    pytester.makeconftest(
        """
        import pytest_synthdata as sd
        def synthdata_datasets(config):
            return [sd.Schema("users", {"a": sd.Integer()})]
        """
    )
    pytester.makepyfile(helper="import pytest_synthdata as sd\nsd.register(sd.Schema('users', {'b': sd.Boolean()}))\n")
    pytester.makepyfile("def test_x(synth_users):\n    pass\n")
    pytester.syspathinsert()
    result = pytester.runpytest("-p", "helper")
    assert result.ret != 0
    output = result.stdout.str() + result.stderr.str()
    assert "want the global fixture 'synth_users'" in output and "rename one of them" in output
    assert "INTERNALERROR" not in output


def test_a_deeper_conftest_may_override_a_dataset_like_any_fixture(pytester):
    pytester.makeconftest(
        "import pytest_synthdata as sd\nsd.register(sd.Schema('users', {'a': sd.Integer(low=0, high=3)}))\n"
    )
    sub = pytester.mkdir("sub")
    (sub / "conftest.py").write_text(
        "import pytest_synthdata as sd\nsd.register(sd.Schema('users', {'flag': sd.Boolean()}))\n"
    )
    (sub / "test_sub.py").write_text("def test_sub(synth_users):\n    assert list(synth_users.columns) == ['flag']\n")
    pytester.makepyfile(test_top="def test_top(synth_users):\n    assert list(synth_users.columns) == ['a']\n")
    pytester.runpytest().assert_outcomes(passed=2)


def test_the_same_model_registered_in_two_conftests_works_from_any_command_line(pytester):
    pytester.makepyfile(models="import pytest_synthdata as sd\nusers = sd.Schema('users', {'a': sd.Integer()})\n")
    pytester.syspathinsert()
    for d in ("a", "b"):
        sub = pytester.mkdir(d)
        (sub / "conftest.py").write_text(
            "import pytest_synthdata as sd\nfrom models import users\nsd.register(users)\n"
        )
        (sub / f"test_{d}.py").write_text(f"def test_{d}(synth_users):\n    assert len(synth_users) == 100\n")
    pytester.runpytest("a", "b", "--rootdir", str(pytester.path)).assert_outcomes(passed=2)


@pytest.mark.slow
def test_starting_pytest_without_synth_fixtures_imports_no_pandas_or_scipy(pytester):
    pytester.makepyfile(
        """
        import sys

        def test_light():
            heavy = [m for m in ("pandas", "scipy", "dask", "distributed") if m in sys.modules]
            assert heavy == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["synthdata: base seed *"])  # our plugin was active


def test_collect_only_does_not_replace_the_last_seed(run):
    run("--synthdata-seed=777", "-p", "no:randomly")
    run("--collect-only", "-p", "no:randomly")
    run("--synthdata-seed=last", "-p", "no:randomly")
    run.result.stdout.fnmatch_lines(["synthdata: base seed 777 (last run)*"])


def test_reproduce_section_survives_show_capture_no(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile("def test_boom(synth_customers):\n    assert False\n")
    result = pytester.runpytest("--show-capture=no", "--synthdata-seed=3", "-p", "no:randomly")
    result.stdout.fnmatch_lines(
        [
            "*synthdata: reproduce*",
            "reproduce: pytest test_reproduce_section_survives_show_capture_no.py::test_boom --synthdata-seed=3*",
        ]
    )


def test_datasets_registered_in_a_subdirectory_conftest_are_scoped_to_it(pytester):
    inner = pytester.mkdir("inner")
    (inner / "conftest.py").write_text(
        "import pytest_synthdata as sd\nsd.register(sd.Schema('local', {'a': sd.Integer(low=0, high=3)}))\n"
    )
    (inner / "test_inside.py").write_text("def test_inside(synth_local):\n    assert len(synth_local) == 100\n")
    outer = pytester.mkdir("outer")
    (outer / "test_outside.py").write_text("def test_outside(synth_local):\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*fixture 'synth_local' not found*"])


def test_markers_merge_from_class_and_function_and_reject_typos(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest
        from conftest import customers

        @pytest.mark.synthdata(rows=7)
        class TestMerged:
            @pytest.mark.synthdata(seed=1)
            def test_both(self, synth_customers):
                assert synth_customers.equals(customers.sample(7, seed=1))

        @pytest.mark.synthdata(row=10)
        def test_typo(synth_customers):
            pass

        @pytest.mark.synthdata(rows="10")
        def test_string_rows(synth_customers):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.synthdata got row=; it takes only rows=, seed=, independent=, conditions=, edge_cases=, edge_kinds=, edge_columns= and balance=*",
            "*::test_string_rows: @pytest.mark.synthdata: rows='10' (str) is not a row count; pass an int, 0 or more*",
        ]
    )


def test_factory_overrides_keep_dtypes_or_fail_clearly(pytester):
    pytester.makeconftest(
        """
        import pytest_synthdata as sd
        sd.register(sd.Schema("t", {"n": sd.Integer(low=0, high=9), "flag": sd.Boolean()}))
        """
    )
    pytester.makepyfile(
        """
        import pytest
        from pytest_synthdata.errors import InvalidArgument

        def test_overrides(synth_t_factory):
            df = synth_t_factory(3, set={"flag": None, "n": [1, None, 3]})
            assert str(df["flag"].dtype) == "boolean" and df["flag"].isna().all()
            assert str(df["n"].dtype) == "Int64" and df["n"].isna().sum() == 1
            with pytest.raises(InvalidArgument, match="override for column 'n': 'old' \\(string\\) does not fit its dtype int64"):
                synth_t_factory(3, set={"n": "old"})
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_failure_section_names_overrides(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        "def test_boom(synth_customers_factory):\n    synth_customers_factory(5, plan='pro')\n    assert False\n"
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.stdout.fnmatch_lines(["synth_customers_factory: dataset 'customers', 5 rows, seed *, conditions plan='pro'"])


@pytest.mark.parametrize(
    ("hook", "message"),
    [
        ("def synthdata_datasets():\n    return sd.Schema('solo', {'a': sd.Integer()})\n", None),
        ("def synthdata_datasets(config):\n    return 42\n", "returned 42 (int), not a dataset; return a list of"),
        (
            "def synthdata_datasets(config):\n    return [sd.Schema('bad', {'a': sd.Integer(low=5, high=1)})]\n",
            "raised InvalidArgument: column 'a': low=5 is not below high=1",
        ),
        (
            "def synthdata_dataset(config):\n    return []\n",
            "synthdata_dataset() looks like the hook synthdata_datasets()",
        ),
    ],
)
def test_dataset_hooks_in_conftests_are_forgiving_or_clear(pytester, hook, message):
    pytester.makeconftest("import pytest_synthdata as sd\n" + hook)
    pytester.makepyfile("def test_solo(synth_solo):\n    assert len(synth_solo) == 100\n")
    result = pytester.runpytest("-p", "no:randomly")
    if message is None:
        result.assert_outcomes(passed=1)
    else:
        assert message in result.stdout.str() + result.stderr.str()
        assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_an_unregistered_dataset_gets_a_hint(pytester):
    pytester.makepyfile("def test_x(synth_orders):\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*'synth_orders' is not a registered dataset here*sd.register(sd.Schema('orders', ...))*"]
    )


def test_register_in_a_test_module_fails_its_collection_with_advice(pytester):
    pytester.makepyfile(
        test_late="""
        import pytest_synthdata as sd
        sd.register(sd.Schema("late", {"a": sd.Integer()}))

        def test_x(synth_late):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*test_late.py (or a module it imports) called pytest_synthdata.register() for synth_late*"]
    )


def test_users_own_synthdata_named_fixtures_and_helpers_are_left_alone(pytester):
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def synthdata_dir(tmp_path):
            return tmp_path

        def synthdata_helper():
            return 1
        """
    )
    pytester.makepyfile("def test_k(synthdata_dir):\n    assert synthdata_dir.exists()\n")
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_disabled_plugin_gives_a_one_line_failure(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile("def test_x(synth_customers):\n    pass\n")
    result = pytester.runpytest("-p", "no:synthdata", "-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*pytest-synthdata's plugin is disabled (-p no:synthdata?)*"])


def test_overrides_that_do_not_fit_the_dtype_are_rejected(pytester):
    pytester.makeconftest(
        """
        import pytest_synthdata as sd
        sd.register(sd.Schema("t", {"age": sd.Integer(low=0, high=9), "active": sd.Boolean(), "joined": sd.Date()}))
        """
    )
    pytester.makepyfile(
        """
        import pandas as pd
        import pytest
        from pytest_synthdata.errors import InvalidArgument

        @pytest.mark.parametrize("column, value", [("age", 1.5), ("age", "5"), ("age", True), ("active", "no"),
                                                   ("active", 2), ("joined", 5), ("age", {"a": 1}),
                                                   ("joined", "next tuesday"), ("joined", "2030-01-01T00:00+02:00")])
        def test_rejected(synth_t_factory, column, value):
            with pytest.raises(InvalidArgument, match=f"override for column '{column}'"):
                synth_t_factory(2, set={column: value})

        def test_accepted(synth_t_factory):
            df = synth_t_factory(2, set={"age": 2.0, "joined": pd.Timestamp("2030-01-01")})
            assert df["age"].tolist() == [2, 2] and str(df["age"].dtype) == "int64"
            # dates as text, as conditions take them; None among them is a missing date
            dated = synth_t_factory(3, set={"joined": ["2030-01-31", None, "2031-02-01 12:00"]})
            assert dated["joined"].tolist()[::2] == [pd.Timestamp("2030-01-31"), pd.Timestamp("2031-02-01 12:00")]
            assert dated["joined"].isna().tolist() == [False, True, False]
            assert dated["joined"].dtype == df["joined"].dtype
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=10)


@pytest.mark.parametrize(
    ("seed", "problem"),
    [
        ("2**64", "seed=18446744073709551616 (int) is out of range"),
        ("2**63", "seed=9223372036854775808 (int) is out of range"),
        ("-1", "seed=-1 (int) is out of range"),
        ("1.5", "seed=1.5 (float) is not a seed"),
        ("'abc'", "seed='abc' (str) is not a seed"),
        ("True", "seed=True (bool) is not a seed"),
    ],
)
def test_a_bad_marker_seed_is_a_one_line_error_naming_the_test(pytester, seed, problem):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.synthdata(seed={seed})
        def test_marked(synth_customers):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    body = out.split("short test summary info")[0]  # (pytest 9's summary repeats the message)
    assert body.count(problem) == 1, out  # once: no "during handling of the above exception" chain
    assert "During handling" not in out and "INTERNALERROR" not in out
    result.stdout.fnmatch_lines([f"test_*.py::test_marked: @pytest.mark.synthdata: {problem}; pass an int from 0*"])


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        ("None", "returned None (a missing return?); return a list of Schemas or Models ([] for none)"),
        ("pd.DataFrame({'a': [1]})", "returned a DataFrame, which is data, not a dataset (use sd.fit(df, name=...)"),
        ("'customers'", "returned 'customers' (str), not a dataset; return a list of Schemas or Models"),
        ("[SOLO, 'x']", "returned a list whose item 1 is 'x' (str), not a dataset; return a list of Schemas"),
        ("(pd.DataFrame({'a': range(3)}),)", "returned a tuple whose item 0 is a DataFrame, which is data"),
        ("[SOLO, None]", "returned a list whose item 1 is None (a missing return?)"),
    ],
)
def test_a_conftest_datasets_hook_returning_a_non_model_is_a_usage_error_naming_it(pytester, returned, message):
    pytester.makeconftest(
        f"""
        import pandas as pd
        import pytest_synthdata as sd

        SOLO = sd.Schema("solo", {{"a": sd.Integer()}})

        def synthdata_datasets(config):
            return {returned}
        """
    )
    pytester.makepyfile("def test_solo():\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly")
    output = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in output and "Traceback" not in output
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"synthdata_datasets in {pytester.path / 'conftest.py'} {message}" in output


def test_a_datasets_hook_giving_a_bad_name_is_a_usage_error_naming_the_plugin(pytester):
    pytester.makeconftest(
        """
        class Data:
            name = "my data"
            def sample(self, n, *, seed=None):
                raise AssertionError("never sampled")

        def synthdata_datasets(config):
            return [Data()]
        """
    )
    pytester.makepyfile("def test_solo():\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly")
    output = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in output and result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"{pytester.path / 'conftest.py'}: Data.name='my data' (str) is not a dataset name" in output


def test_an_installed_plugins_datasets_hook_returning_a_non_model_names_the_plugin(pytester):
    import pytest_synthdata as sd

    class Acme:
        @sd.hookimpl
        def synthdata_datasets(self, config):
            return ["orders"]

    pm = sd.plugin_manager()
    plugin = Acme()
    pm.register(plugin, name="acme-datasets")
    try:
        pytester.makepyfile("def test_solo():\n    pass\n")
        result = pytester.runpytest("-p", "no:randomly")
    finally:
        pm.unregister(plugin)
    output = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in output and result.ret == pytest.ExitCode.USAGE_ERROR
    assert "synthdata_datasets in acme-datasets returned a list whose item 0 is 'orders' (str), not a dataset" in output


@pytest.mark.parametrize("randomly_seed", [-5, 2**63, 2**64 + 7])
def test_a_pytest_randomly_seed_out_of_range_becomes_one_that_reproduces_the_run(run, randomly_seed):
    pytest.importorskip("pytest_randomly")
    first = run("-p", "randomly", f"--randomly-seed={randomly_seed}")
    base = randomly_seed % 2**63
    run.result.stdout.fnmatch_lines(
        [
            f"synthdata: base seed {base} (pytest-randomly's {randomly_seed} modulo 2**63); "
            f"reproduce with --synthdata-seed={base}"
        ]
    )
    again = run("-p", "no:randomly", f"--synthdata-seed={base}")
    assert len(first) == 4 and again == first


OVERRIDE_CONFTEST = """
import numpy as np
import pandas as pd
import pytest_synthdata as sd

sd.register(sd.Schema("t", {"age": sd.Integer(low=0, high=9), "name": sd.Faker("name"), "code": sd.Id("C-{:03d}"),
                            "plan": sd.Category({"free": 0.5, "pro": 0.5}), "score": sd.Float(low=0, high=1)}))
real = pd.DataFrame({"small": (np.arange(200) % 10).astype(np.int8), "tiny": (np.arange(200) % 7).astype(np.uint8),
                     "ratio": np.linspace(0, 1, 200).astype(np.float32)})
sd.register(sd.fit(real, name="narrow"))
"""


#: (fixture, column, override as Python source, part of the message): values a column cannot hold.
BAD_OVERRIDES = [
    ("t", "age", "2**70", "1180591620717411303424 does not fit its dtype int64 (it would overflow)"),
    ("t", "age", "-(2**64)", "-18446744073709551616 does not fit its dtype int64 (it would overflow)"),
    ("t", "age", "np.uint64(2**64 - 1)", "does not fit its dtype int64 (it would overflow)"),
    ("t", "age", "2.0**70", "1.1805916207174113e+21 does not fit its dtype int64 (it would overflow)"),
    ("t", "age", "[1, 2**63]", "9223372036854775808 does not fit its dtype int64 (it would overflow)"),
    ("narrow", "small", "300", "300 does not fit its dtype int8 (it would overflow)"),
    ("narrow", "small", "[None, 128]", "128 does not fit its dtype int8 (it would overflow)"),
    ("narrow", "tiny", "-1", "-1 does not fit its dtype uint8 (it would overflow)"),
    ("narrow", "ratio", "1e300", "1e+300 does not fit its dtype float32 (it would overflow)"),
    ("t", "score", "2**2000", "does not fit its dtype float64 (it would overflow)"),
    ("t", "age", "[[1], [2]]", "value 0 is [1] (list), not a scalar; pass one scalar per row"),
    ("t", "name", "[['a'], ['b']]", "value 0 is ['a'] (list), not a scalar"),
    ("t", "plan", "[('free',), 'pro']", "value 0 is ('free',) (tuple), not a scalar"),
    ("t", "age", "{1, 2}", "{1, 2} is a set, whose order is arbitrary, so the rows would be too; pass a list"),
    ("t", "name", "frozenset({'a', 'b'})", "is a frozenset, whose order is arbitrary"),
    ("t", "name", "5", "5 (integer) does not fit its dtype string; pass text, e.g. '5'"),
    ("t", "name", "[1, 2]", "[1, 2] (integer) does not fit its dtype string; pass text, e.g. '1'"),
    ("t", "code", "7.5", "7.5 (floating) does not fit its dtype string; pass text, e.g. '7.5'"),
    ("t", "name", "b'Ann'", "b'Ann' (bytes) does not fit its dtype string; pass text, e.g. 'Ann'"),
    ("t", "plan", "5", "5 (integer) does not fit its dtype category; pass text, e.g. '5'"),
    ("t", "name", "[{'a': 1}, {'b': 2}]", "value 0 is {'a': 1} (dict), not a scalar"),
    ("t", "age", "np.arange(3)", "has 3 values for 2 rows; pass a scalar or one value per row"),
]


def test_factory_overrides_a_column_cannot_hold_raise_invalid_argument_naming_it(pytester):
    pytester.makeconftest(OVERRIDE_CONFTEST)
    pytester.makepyfile(
        f"""
        import numpy as np
        import pytest
        from pytest_synthdata.errors import InvalidArgument

        @pytest.mark.parametrize("fixture, column, value, message", {BAD_OVERRIDES!r})
        def test_rejected(request, fixture, column, value, message):
            factory = request.getfixturevalue(f"synth_{{fixture}}_factory")
            with pytest.raises(InvalidArgument) as info:
                factory(2, set={{column: eval(value)}})
            assert str(info.value).startswith(f"override for column {{column!r}}")
            assert message in str(info.value)
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=len(BAD_OVERRIDES))


def test_factory_overrides_that_fit_keep_the_column_dtype(pytester):
    pytester.makeconftest(OVERRIDE_CONFTEST)
    pytester.makepyfile(
        """
        import numpy as np

        def test_accepted(synth_t_factory, synth_narrow_factory):
            df = synth_t_factory(3, set=dict(age=[2**62, 0, None], name=np.array(["a", "b", "c"]), plan="enterprise"))
            assert df["age"].tolist()[:2] == [2**62, 0] and str(df["age"].dtype) == "Int64"
            assert df["name"].tolist() == ["a", "b", "c"] and df["plan"].tolist() == ["enterprise"] * 3
            narrow = synth_narrow_factory(2, set=dict(small=[127, -128], tiny=255, ratio=[1.5, float("inf")]))
            assert narrow["small"].tolist() == [127, -128] and str(narrow["small"].dtype) == "int8"
            assert narrow["tiny"].tolist() == [255, 255] and str(narrow["tiny"].dtype) == "uint8"
            assert str(narrow["ratio"].dtype) == "float32"
            with_none = synth_narrow_factory(2, set={"small": [1, None]})
            assert str(with_none["small"].dtype) == "Int8" and with_none["small"].isna().sum() == 1
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        ("None", "returned None (a missing return?); return a list of Schemas or Models ([] for none)."),
        ("42", "returned 42 (int), not a dataset; return a list of Schemas or Models ([] for none)."),
    ],
)
def test_a_bad_datasets_hook_in_a_conftest_loaded_during_collection_fails_its_directory_in_one_line(
    pytester, returned, message
):
    sub = pytester.mkpydir("sub")
    (sub / "conftest.py").write_text(f"def synthdata_datasets(config):\n    return {returned}\n")
    (sub / "test_sub.py").write_text("def test_sub():\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ERROR collecting sub*", f"synthdata_datasets in {sub / 'conftest.py'} {message}"])
    output = result.stdout.str()
    assert "_hookexec" not in output and "raise pytest.UsageError" not in output and "INTERNALERROR" not in output
