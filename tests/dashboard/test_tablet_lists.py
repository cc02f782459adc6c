"""The admin page's tablet lists in the reader's language: English as the domain writes and
reads them; in French a decimal comma, semicolons between strengths and "sécable", read back
into the domain's syntax so its own checks and refusals stay the one check."""

from __future__ import annotations

import dash
import pytest

from dashboard.components.admin_tablets import _in_words
from dashboard.components.tablet_lists import shown_tablets, typed_tablets
from models.clinical.tablets import DEFAULT_TABLETS, Tablet
from models.errors import FieldError
from models.ward_tablets import parse_tablets

TABLETS = (Tablet(500, True), Tablet(1000, False), Tablet(2000, False))


def _in(app: dash.Dash, language: str) -> object:
    return app.server.test_request_context("/", headers={"Accept-Language": language})


def test_english_shows_and_reads_the_domains_own_text(app: dash.Dash) -> None:
    with _in(app, "en"):
        assert shown_tablets(TABLETS) == "0.5 scored, 1, 2"
        assert typed_tablets("0.5 scored, 1, 2") == "0.5 scored, 1, 2"
        assert typed_tablets("0,5") == "0,5"  # refused by the domain, as before
        assert _in_words({"clonazepam": TABLETS}) == "clonazepam 0.5 scored, 1, 2 mg"


def test_french_shows_a_decimal_comma_semicolons_and_secable(app: dash.Dash) -> None:
    with _in(app, "fr"):
        assert shown_tablets(TABLETS) == "0,5 sécable ; 1 ; 2"
        assert _in_words({"clonazepam": TABLETS, "diazepam": DEFAULT_TABLETS["diazepam"]}) == (
            "clonazépam 0,5 sécable ; 1 ; 2 mg · diazépam 2 ; 5 ; 10 mg"
        )


@pytest.mark.parametrize(
    "typed",
    ["0,5 sécable ; 1 ; 2", "0,5 Sécable; 1; 2", "0,5 sécable, 1, 2", "0.5 scored, 1, 2",
     " 0,5 mg sécable ;1;2 ;"],
)  # fmt: skip
def test_what_a_french_admin_types_reads_as_the_same_tablets(app: dash.Dash, typed: str) -> None:
    with _in(app, "fr"):
        text = typed_tablets(typed)
    assert isinstance(text, str)
    assert parse_tablets("clonazepam", text, field="f") == TABLETS


def test_a_shown_french_list_reads_back_as_itself(app: dash.Dash) -> None:
    assert len(DEFAULT_TABLETS) >= 4
    for drug, tablets in DEFAULT_TABLETS.items():
        with _in(app, "fr"):
            text = typed_tablets(shown_tablets(tablets))
        assert isinstance(text, str)
        assert parse_tablets(drug, text, field="f") == tuple(sorted(tablets))


def test_a_part_that_is_no_strength_reaches_the_domains_refusal_as_typed(app: dash.Dash) -> None:
    with _in(app, "fr"):
        text = typed_tablets("0,5 sécable ; demi")
    assert text == "0.5 scored, demi"
    with pytest.raises(FieldError) as refused:
        parse_tablets("clonazepam", str(text), field="f")
    assert refused.value.values == {"part": "demi"}
