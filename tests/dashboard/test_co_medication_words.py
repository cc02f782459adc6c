"""The depressant warning in the reader's language: in English word for word what
models.co_medications writes, in French translated with the medicines as staff typed them; the
classes and naloxone choices are models.clinical.sedation's words."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash

from dashboard.components.co_medications import (
    CLASS_SHORT_WORDS,
    CLASS_WORDS,
    NALOXONE_ADVICE_WORDS,
    NALOXONE_WORDS,
    OPIOID_WORDS,
    depressant_text,
)
from models.clinical.sedation import (
    CNS_DEPRESSANT_CLASSES,
    NALOXONE_ADVICE,
    NALOXONE_STATUSES,
    OPIOID_WARNING,
)
from models.co_medications import DepressantWarning, depressant_warning
from models.tables import CoMedication

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _row(drug_class: str, name: str, detail: str = "") -> CoMedication:
    return CoMedication(
        admission_id=1, drug_class=drug_class, name=name, detail=detail, recorded_at=AT,
        recorded_by=1,
    )  # fmt: skip


def _warnings() -> list[DepressantWarning]:
    """Every class, with and without details; an opioid with each naloxone record and none."""
    every = [_row(k, f"drug {i}", "10 mg at night" if i % 2 else "") for i, k in
             enumerate(CNS_DEPRESSANT_CLASSES)]  # fmt: skip
    methadone = [_row("opioid", "methadone", "60 mg daily"), _row("z_drug", "zopiclone")]
    found = [depressant_warning(every, None), depressant_warning([_row("alcohol", "beer")], None)]
    found += [depressant_warning(methadone, n) for n in (None, *NALOXONE_STATUSES)]
    return [w for w in found if w is not None]


def test_the_words_are_the_clinical_modules() -> None:
    assert CLASS_WORDS == CNS_DEPRESSANT_CLASSES
    assert CLASS_SHORT_WORDS == {
        k: v.split(" (")[0].lower() for k, v in CNS_DEPRESSANT_CLASSES.items()
    }
    assert NALOXONE_WORDS == NALOXONE_STATUSES
    assert (OPIOID_WORDS, NALOXONE_ADVICE_WORDS) == (OPIOID_WARNING, NALOXONE_ADVICE)


def test_in_english_the_warning_is_the_domains_text_word_for_word() -> None:
    warnings = _warnings()
    assert len(warnings) == 6
    for warning in warnings:
        assert depressant_text(warning) == warning.text


def test_in_french_the_warning_is_translated_with_the_medicines_as_typed(app: dash.Dash) -> None:
    with app.server.test_request_context("/login", headers={"Accept-Language": "fr-FR"}):
        texts = [depressant_text(w) for w in _warnings()]
    for text, warning in zip(texts, _warnings(), strict=True):
        assert text != warning.text
    everything, beer, missing, supplied, offered, declined = texts
    assert "Other CNS" not in everything and "drug 1 10 mg at night (" in everything
    assert "[S69]" in everything and "[S70]" in everything  # an opioid, naloxone not recorded
    assert "[S69]" not in beer
    assert "beer (alcool)" in beer
    assert "methadone 60 mg daily (opioïde)" in missing and "zopiclone (" in missing
    assert "[S69]" in missing and "[S70]" in missing
    assert "[S70]" not in supplied and "[S69]" in supplied
    assert len({supplied, offered, declined}) == 3


def _shown(component: Any) -> str:
    """The text a component shows (its string children, nested)."""
    children = getattr(component, "children", component)
    if isinstance(children, str):
        return children
    if isinstance(children, list | tuple):
        return "".join(_shown(c) for c in children)
    return "" if children is None else _shown(children)


def test_the_rounds_card_says_the_warning_in_the_readers_language(app: dash.Dash) -> None:
    """The rounds card (and the print sheets, which call the same function) show the warning
    through depressant_text: French for a French reader, the domain's English otherwise."""
    from types import SimpleNamespace

    from dashboard.components.rounds_card import depressant_line

    warning = _warnings()[-1]
    summary: Any = SimpleNamespace(depressants=warning)
    with app.server.test_request_context("/login", headers={"Accept-Language": "fr-FR"}):
        french = _shown(depressant_line(summary))
        expected = depressant_text(warning)
    with app.server.test_request_context("/login", headers={"Accept-Language": "en-GB"}):
        english = _shown(depressant_line(summary))
    assert "Other CNS depressants" in english and "Other CNS depressants" not in french
    assert expected.split(" [")[0][:40] in french
