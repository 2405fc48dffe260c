"""Dataset fixtures through pytester: synth_<name> (a dict of frames), the factory, scopes, failure sections."""

from __future__ import annotations

CONFTEST = """
import pytest_synthdata as sd

shop = sd.register(sd.Dataset(
    "shop",
    tables={
        "customers": sd.Schema("customers", {"id": sd.Id(), "age": sd.Integer(low=18, high=90)}),
        "orders": sd.Schema("orders", {"total": sd.Float(low=1, high=500)}),
    },
    relations=[("orders.customer_id", "customers.id")],
    children={"orders": sd.Integer(low=0, high=3)},
))
"""


def test_a_registered_dataset_gives_a_dict_of_frames_with_valid_keys(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        def test_shop(synth_shop):
            assert list(synth_shop) == ["customers", "orders"]
            assert len(synth_shop["customers"]) == 100
            assert synth_shop["orders"]["customer_id"].isin(synth_shop["customers"]["id"]).all()

        def test_factory(synth_shop_factory):
            frames = synth_shop_factory(7)
            assert len(frames["customers"]) == 7
            assert synth_shop_factory(sizes={"customers": 3})["customers"].shape[0] == 3
            assert synth_shop_factory(5, seed=1)["orders"].equals(synth_shop_factory(5, seed=1)["orders"])
            old = synth_shop_factory(20, conditions={"customers": {"age": (60, None)}})
            assert (old["customers"]["age"] >= 60).all()
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_a_failing_test_shows_each_table_and_the_seed(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        def test_fails(synth_shop):
            assert False
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "--synthdata-seed=3")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "synth_shop: dataset 'shop', 100 rows, seed *",
            "  customers: 100 rows",
            "  orders: * rows",
            "same rows in Python: *.sample(100, seed=*)",
        ]
    )
    written = sorted(p.name for p in (pytester.path / ".pytest_cache").rglob("*.json") if "failures" in str(p))
    assert written == ["0-synth_shop-customers.json", "0-synth_shop-orders.json"]


def test_module_scope_shares_one_draw_per_module_seeded_by_the_module(pytester):
    pytester.makeconftest(
        """
        import pytest_synthdata as sd
        people = sd.register(sd.Schema("people", {"age": sd.Integer(low=18, high=90)}), scope="module")
        """
    )
    pytester.makepyfile(
        test_a="""
        SEEN = []
        def test_one(synth_people):
            SEEN.append(synth_people)
        def test_two(synth_people):
            assert synth_people is SEEN[0]
        """,
        test_b="""
        import test_a
        def test_other_module(synth_people):
            assert synth_people is not test_a.SEEN[0]
        """,
    )
    pytester.runpytest("-p", "no:randomly", "--synthdata-seed=1").assert_outcomes(passed=3)


def test_an_unknown_scope_is_refused_with_the_choices(pytester):
    pytester.makeconftest(
        """
        import pytest_synthdata as sd
        sd.register(sd.Schema("people", {"age": sd.Integer(low=18, high=90)}), scope="test")
        """
    )
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("-p", "no:randomly")
    assert "register(scope='test'): the scope must be one of" in str(result.stdout) + str(result.stderr)


def test_a_dataset_file_in_the_models_directory_gives_dataset_fixtures(pytester):
    import pytest_synthdata as sd

    dataset = sd.Dataset(
        "shop",
        tables={
            "customers": sd.Schema("customers", {"id": sd.Id(), "age": sd.Integer(low=18, high=90)}),
            "orders": sd.Schema("orders", {"total": sd.Float(low=1, high=500)}),
        },
        relations=[("orders.customer_id", "customers.id")],
        children={"orders": sd.Integer(low=0, high=3)},
    )
    dataset.save(pytester.path / "tests" / "synthdata" / "shop.synth.json")
    pytester.makepyfile(
        """
        def test_shop(synth_shop, synth_shop_factory):
            assert synth_shop["orders"]["customer_id"].isin(synth_shop["customers"]["id"]).all()
            assert len(synth_shop_factory(4)["customers"]) == 4
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_the_db_fixture_without_sqlalchemy_fails_with_a_one_line_hint(pytester):
    pytester.makeconftest(CONFTEST + "\nimport sys\nsys.modules['sqlalchemy'] = None  # as if not installed\n")
    pytester.makepyfile(
        """
        def test_db(synth_shop_db):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["synth_shop_db needs SQLAlchemy, which is not installed. Install it with `pip install*"]
    )
    assert "During handling" not in result.stdout.str()
