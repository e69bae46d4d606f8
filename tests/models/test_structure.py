"""Stock-and-flow structure from PySD's parse (models.structure), on a hand-written file."""

from __future__ import annotations

from pathlib import Path

from models.structure import model_structure

TINY = Path(__file__).with_name("data") / "tiny_structure.mdl"


def test_signs_of_rate_terms_including_a_negated_product() -> None:
    st = model_structure(TINY)
    terms = {(t.stock, t.flow, t.inputs): t.sign for t in st.terms}
    # Stock A = INTEG(-a*b - f): both terms leave the stock (PySD binds the minus to 'a')
    assert terms[("Stock A", None, ("a", "b"))] == -1
    assert terms[("Stock A", "f", ("f",))] == -1
    assert terms[("Stock B", "g", ("g",))] == +1
    unnamed = [p for p in st.pipes if p.flow is None]
    assert [(p.source, p.target) for p in unnamed] == [("Stock A", None)]


def test_plain_sums_are_recorded_and_nothing_else() -> None:
    st = model_structure(TINY)
    assert st.variables["g"].sum_of == ("f", "h", "a")
    assert all(not st.variables[n].sum_of for n in ("f", "a", "b", "h", "Stock A"))
    assert st.variables["g"].sector == "Flows" and st.variables["Stock A"].sector == "Stocks"
