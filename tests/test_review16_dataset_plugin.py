"""Review 16: the synthdata marker, factory keywords and failure section of a Dataset's fixtures (through pytester)."""

from __future__ import annotations

CONFTEST = """
import pytest_synthdata as sd

shop = sd.register(sd.Dataset(
    "shop",
    tables={
        "customers": sd.Schema(
            "customers", {"id": sd.Id(), "plan": sd.Category({"basic": 0.7, "premium": 0.3})}
        ),
        "orders": sd.Schema("orders", {"total": sd.Float(low=1, high=500)}),
    },
    relations=[("orders.customer_id", "customers.id")],
    children={"orders": sd.Integer(low=0, high=3)},
))
"""


def test_the_marker_conditions_hold_in_both_fixtures_of_a_dataset(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.synthdata(conditions={"customers": {"plan": "premium"}})
        def test_fixture(synth_shop):
            assert (synth_shop["customers"]["plan"] == "premium").all()

        @pytest.mark.synthdata(conditions={"customers": {"plan": "premium"}})
        def test_factory(synth_shop_factory):
            frames = synth_shop_factory(30)
            assert (frames["customers"]["plan"] == "premium").all()
            small = synth_shop_factory(30, conditions={"orders": {"total": (None, 50)}})
            assert (small["customers"]["plan"] == "premium").all()  # the marker's table stays conditioned
            assert (small["orders"]["total"] <= 50).all()
            basic = synth_shop_factory(30, conditions={"customers": {"plan": "basic"}})
            assert (basic["customers"]["plan"] == "basic").all()  # the call wins for a column
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_flat_marker_conditions_on_a_dataset_fail_the_test_saying_to_key_them_by_table(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.synthdata(conditions={"plan": "premium"})
        def test_flat(synth_shop):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.synthdata(conditions={'plan': 'premium'}): 'plan' is a column of 'customers', not a table;"
            " dataset 'shop' holds linked tables, so key conditions by table: "
            "pass conditions={'customers': {'plan': 'premium'}}."
        ]
    )


def test_the_marker_edge_cases_give_every_table_with_an_edge_case_edge_rows_listed_on_failure(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.synthdata(edge_cases=0.5, rows=20)
        def test_edges(synth_shop):
            edges = synth_shop["customers"].attrs["synthdata"]["edges"]
            assert len(edges) == 10 and set(edges.frame["column"]) == {"plan"}
            assert len(synth_shop["orders"].attrs["synthdata"]["edges"])
            assert False
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "--synthdata-seed=1")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "synth_shop: dataset 'shop', 20 rows, seed *, edge_cases 0.5",
            "  customers: 20 rows",
            "  orders: * rows",
            "  * edge rows (the first 20):",
            "    customers row *: plan rare *",
            "same rows in Python: *.sample(20, seed=*, edge_cases=0.5)",
        ]
    )


def test_the_ini_edge_cases_reach_a_datasets_tables_and_the_marker_balance_is_keyed_by_table(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\nsynthdata_edge_cases = 0.2\n")
    pytester.makepyfile(
        """
        import pytest

        def test_ini(synth_shop):
            assert len(synth_shop["customers"].attrs["synthdata"]["edges"]) == 20

        @pytest.mark.synthdata(balance={"customers": "plan"}, edge_cases=0)
        def test_balance(synth_shop):
            assert (synth_shop["customers"]["plan"] == "premium").sum() == 50

        @pytest.mark.synthdata(balance="plan")
        def test_flat_balance(synth_shop):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*@pytest.mark.synthdata(balance='plan') must be a dict of table -> *"])


def test_marker_conditions_are_printed_and_reproduced_in_the_failure_section(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.synthdata(conditions={"customers": {"plan": "premium"}}, rows=12)
        def test_fails(synth_shop):
            assert False
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "--synthdata-seed=2")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "synth_shop: dataset 'shop', 12 rows, seed *, conditions {'customers': {'plan': 'premium'}}",
            "same rows in Python: *.sample(12, seed=*, conditions={'customers': {'plan': 'premium'}})",
        ]
    )


def test_independent_on_a_dataset_fails_the_test_saying_dataset_sample_takes_no_such_option(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.synthdata(independent=True)
        def test_fixture(synth_shop):
            pass

        @pytest.mark.synthdata(independent=True)
        def test_factory(synth_shop_factory):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        ["*@pytest.mark.synthdata(independent=True): Dataset.sample() of dataset 'shop' takes no independent= option*"]
    )


def test_the_python_line_of_a_dataset_file_loads_the_file_and_gives_the_tests_tables(pytester):
    import pytest_synthdata as sd

    sd.Dataset(
        "shop",
        tables={
            "customers": sd.Schema("customers", {"id": sd.Id(), "age": sd.Integer(low=18, high=90)}),
            "orders": sd.Schema("orders", {"total": sd.Float(low=1, high=500)}),
        },
        relations=[("orders.customer_id", "customers.id")],
        children={"orders": sd.Integer(low=0, high=3)},
    ).save(pytester.path / "tests" / "synthdata" / "shop.synth.json")
    pytester.makeini("[pytest]\nsynthdata_models = tests/synthdata\n")
    pytester.makepyfile(
        test_shop="""
        import pathlib

        def test_fails(synth_shop):
            pathlib.Path("seen.txt").write_text(repr(synth_shop["orders"]["total"].tolist()))
            assert False
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "--synthdata-seed=5")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "same rows in Python: import pytest_synthdata as sd; "
            "sd.load('tests/synthdata/shop.synth.json').sample(100, seed=*)"
        ]
    )
    line = next(x for x in result.outlines if x.startswith("same rows in Python: "))
    setup, expression = line.removeprefix("same rows in Python: ").split("; ", 1)
    namespace: dict[str, object] = {}
    exec(setup, namespace)
    frames = eval(expression, namespace)

    assert repr(frames["orders"]["total"].tolist()) == (pytester.path / "seen.txt").read_text()

    import pandas as pd  # the frames written for the failure are the test's rows, value for value

    folder = pytester.path / ".pytest_cache/d/synthdata/failures/test_shop.py_test_fails"
    for table in ("customers", "orders"):
        written = pd.read_json(folder / f"0-synth_shop-{table}.json", orient="table")
        pd.testing.assert_frame_equal(written, frames[table], check_exact=True)


def test_a_dataset_factory_refuses_column_keywords_set_and_n_saying_what_to_pass(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest
        from pytest_synthdata.errors import InvalidArgument

        def test_keywords(synth_shop_factory):
            with pytest.raises(InvalidArgument) as info:
                synth_shop_factory(5, plan="premium")
            assert str(info.value) == (
                "synth_shop_factory(plan='premium'): a dataset's factory takes conditions per table, not column "
                "keywords ('plan' is a column of 'customers'); pass conditions={'customers': {'plan': 'premium'}}. "
                "It takes n, sizes=, seed=, conditions= and edge_cases="
                "."
            )
            with pytest.raises(InvalidArgument, match=r"sets no values after sampling; set them on the frames"):
                synth_shop_factory(5, set={"customers": {"plan": "x"}})
            with pytest.raises(InvalidArgument, match=r"the number of rows of 'customers' is the first argument, without a name; pass synth_shop_factory\\(5\\)"):
                synth_shop_factory(n=5)
            with pytest.raises(InvalidArgument, match=r"edge_cases=\\{'customers': \\{'edge_cases': 0.2, 'balance'"):
                synth_shop_factory(5, balance="plan")
            with pytest.raises(InvalidArgument, match=r"'plan' is a column of 'customers', not a table"):
                synth_shop_factory(5, conditions={"plan": "premium"})
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_a_factorys_row_count_is_positional_and_n_as_a_keyword_says_so_unless_n_is_a_column(pytester):
    pytester.makeconftest(
        CONFTEST
        + 'sd.register(sd.Schema("people", {"age": sd.Integer(low=18, high=90)}))\n'
        + 'sd.register(sd.Schema("baskets", {"n": sd.Integer(low=1, high=9)}))\n'
    )
    pytester.makepyfile(
        """
        import pytest
        from pytest_synthdata.errors import InvalidArgument

        def test_messages(synth_people_factory, synth_baskets_factory):
            with pytest.raises(InvalidArgument) as info:
                synth_people_factory(5.5)
            assert str(info.value) == (
                "synth_people_factory(): n=5.5 (float) is not a row count; pass an int, 0 or more, such as "
                "synth_people_factory(100) (the first argument, without a name)."
            )
            with pytest.raises(InvalidArgument) as info:
                synth_people_factory(n=100)
            assert str(info.value) == (
                "synth_people_factory(n=100): the number of rows is the first argument, without a name (a keyword "
                "is a condition on a column, and 'people' has no column 'n'); pass synth_people_factory(100)."
            )
            assert (synth_baskets_factory(20, n=3)["n"] == 3).all()  # a column n: a condition

        def test_dataset_factory(synth_shop_factory):
            with pytest.raises(InvalidArgument, match=r"is negative; pass an int, 0 or more, such as synth_shop_factory\\(100\\) \\(the first"):
                synth_shop_factory(-2)
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_a_db_fixture_of_a_single_table_says_db_fixtures_are_a_datasets_and_how_to_make_one(pytester):
    pytester.makeconftest(
        """
        import pytest_synthdata as sd
        sd.register(sd.Schema("customers", {"id": sd.Id(), "age": sd.Integer(low=18, high=90)}))
        """
    )
    pytester.makepyfile(
        """
        def test_single(synth_customers_db):
            pass

        def test_unknown(synth_shop_db):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "'synth_customers_db' is not a fixture here: synth_<name>_db (a database of linked tables, keys "
            "declared) exists only for an sd.Dataset, and 'customers' is a single table: its fixtures are "
            "synth_customers and synth_customers_factory. Register a Dataset in a conftest.py that covers this test,"
            " e.g. sd.register(sd.Dataset('shop', tables={'customers': ..., 'orders': ...}, relations=*, "
            "children=*)), and use synth_shop_db; or add a dataset file. See the how-to 'Database fixtures'.",
            "'synth_shop_db' is not a fixture here: synth_<name>_db * exists only for an sd.Dataset. Register *",
            "Add one with `synthdata fit customers.csv orders.csv --relation orders.owner_id=customers.id -o "
            "*shop.synth.json`*",
        ]
    )
    assert "sd.Schema('customers_db'" not in result.stdout.str()
