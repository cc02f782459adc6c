"""The going-home pages as components: their routes win over the patient page, a plan whose
doses the ward's tablets cannot make is flagged on both, and the summary's dispense period is
read from the address."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dash
from dash._pages import _path_to_page
from sqlalchemy.engine import Engine
from sqlmodel import select

from models.audit import Actor
from models.types import utcnow
from tests.dashboard.test_rounds_pages import _as, _ids, admission_id  # noqa: F401


def _texts(component: Any) -> Iterator[str]:
    if isinstance(component, str):
        yield component
        return
    if isinstance(component, list | tuple):
        for child in component:
            yield from _texts(child)
        return
    if not hasattr(component, "to_plotly_json"):
        return
    for attribute in ("children", "title"):
        yield from _texts(getattr(component, attribute, None))


def test_the_routes_win_over_the_patient_page(admission_id: int) -> None:  # noqa: F811
    for path, module in (
        ("calendar", "dashboard.pages.paper_home"),
        ("summary", "dashboard.pages.paper_summary"),
    ):
        page, variables = _path_to_page(f"patient/{admission_id}/{path}")  # type: ignore[no-untyped-call]
        assert page["module"] == module
        assert variables == {"admission_id": str(admission_id)}


def test_doses_the_default_tablets_cannot_make_are_flagged_on_the_plan_and_both_pages(
    app: dash.Dash,
    sqlite_engine: Engine,
    admission_id: int,  # noqa: F811
) -> None:
    from dashboard.components import plan_panel
    from dashboard.pages import paper_home, paper_summary

    context = _as(app, sqlite_engine, "doctor1")
    try:
        panel = plan_panel.panel(admission_id)
        calendar = paper_home.layout(admission_id=str(admission_id))
        summary = paper_summary.layout(admission_id=str(admission_id), until="2001-01-01")
        bad = paper_summary.layout(admission_id=str(admission_id), until="soon")
    finally:
        context.pop()
    # -10 %/14d from 2 mg in 0.125 mg units: 1.75 mg a day is 0.875 mg twice, and the default
    # clonazepam tablets (0.5 mg scored, 1 and 2 mg unscored) only make quarter milligrams.
    assert {"print-calendar", "calendar-unmakeable", "print-now"} <= set(_ids(calendar))
    assert "plan-tablet-gaps" in set(_ids(panel))
    assert "clonazepam 0.875 mg" in " ".join(_texts(panel))
    assert {"print-summary", "summary-unmakeable", "summary-dispense"} <= set(_ids(summary))
    text = " ".join(_texts(calendar))
    assert "0.875 mg: cannot be made" in text and "tablets of 0.5 mg" in text
    assert "before discharge" in " ".join(_texts(summary))
    assert "summary-until-problem" in set(_ids(summary)) and "summary-until-problem" in set(
        _ids(bad)
    )
    assert "Preview: the patient is still on the ward." in " ".join(_texts(summary))


def test_the_plan_shows_no_tablet_warning_when_the_tablets_make_every_dose(
    app: dash.Dash,
    sqlite_engine: Engine,
    admission_id: int,  # noqa: F811
) -> None:
    from dashboard.components import plan_panel
    from models.db import transaction
    from models.tables import User, Ward
    from models.ward_tablets import update_ward_tablets

    with transaction(sqlite_engine) as session:
        ward = session.exec(select(Ward)).one()
        user = session.exec(select(User).where(User.username == "admin1")).one()
        admin = Actor(user.id, user.username, user.role)
        update_ward_tablets(
            session=session,
            actor=admin,
            ward_id=ward.id or 0,
            values={"clonazepam": "0.125, 0.5 scored, 2 scored"},
            now=utcnow(),
        )
    context = _as(app, sqlite_engine, "doctor1")
    try:
        panel = plan_panel.panel(admission_id)
    finally:
        context.pop()
    assert "plan-steps" in set(_ids(panel))
    assert "plan-tablet-gaps" not in set(_ids(panel))


def test_an_unknown_admission_is_said_plainly(app: dash.Dash, sqlite_engine: Engine) -> None:
    from dashboard.pages import paper_home, paper_summary

    context = _as(app, sqlite_engine, "doctor1")
    try:
        for page in (paper_home, paper_summary):
            assert "print-missing" in set(_ids(page.layout(admission_id="999")))
            assert "print-missing" in set(_ids(page.layout(admission_id="x")))
    finally:
        context.pop()


def test_a_stay_without_tablets_to_take_says_so(app: dash.Dash, sqlite_engine: Engine) -> None:
    from datetime import date, timedelta

    from dashboard.pages import paper_home, paper_summary
    from models.admissions import admit
    from models.db import transaction
    from models.tables import User, Ward

    with transaction(sqlite_engine) as session:
        ward = session.exec(select(Ward)).one()
        nurse = session.exec(select(User).where(User.username == "nurse1")).one()
        doctor = session.exec(select(User).where(User.username == "doctor1")).one()
        now = utcnow()
        admission = admit(
            session=session,
            actor=Actor(nurse.id, nurse.username, nurse.role),
            ward_id=ward.id or 0,
            mrn="TW-NOPLAN",
            family_name="Poe",
            given_name="Al",
            birth_date=date(1960, 1, 1),
            sex="male",
            bed="B9",
            attending_id=doctor.id or 0,
            drug="diazepam",
            daily_ug=10000,
            admitted_at=now - timedelta(hours=2),
            now=now,
        )
        admission_id = admission.id
    context = _as(app, sqlite_engine, "doctor1")
    try:
        calendar = paper_home.layout(admission_id=str(admission_id))
        summary = paper_summary.layout(admission_id=str(admission_id))
    finally:
        context.pop()
    assert "calendar-empty" in set(_ids(calendar))
    text = " ".join(_texts(summary))
    assert "No taper plan was made." in text and "No taper to continue." in text


def test_the_summary_counts_the_tablets_to_the_date_asked(
    app: dash.Dash,
    sqlite_engine: Engine,
    admission_id: int,  # noqa: F811
) -> None:
    from datetime import timedelta

    from sqlmodel import Session

    from dashboard.pages import paper_summary
    from models.clinical.tablets import dispense_words
    from models.going_home import going_home

    with Session(sqlite_engine) as session:
        home = going_home(session, admission_id, now=utcnow())
    until = home.first_day + timedelta(days=6)
    context = _as(app, sqlite_engine, "doctor1")
    try:
        summary = paper_summary.layout(admission_id=str(admission_id), until=until.isoformat())
    finally:
        context.pop()
    text = " ".join(_texts(summary))
    expected = dispense_words(home.dispense(until)["clonazepam"])
    assert f"clonazepam: {expected}" in text
    assert f"to {until:%a %d %b %Y} (inclusive)" in text
    assert "summary-until-problem" not in set(_ids(summary))
    # Before the plan starts 2 mg a day (one 1 mg tablet twice); then 0.875 mg twice, which the
    # default tablets cannot make: those days are not counted, and the summary says so.
    days = [home.first_day + timedelta(days=n) for n in range(7)]
    before = [d for d in days if d < home.all_steps[1].start]
    assert expected == (f"{2 * len(before)} tablets of 1 mg" if before else "no tablets")
    missing = 7 - len(before)
    assert f"Not counted: doses on {missing} {'day' if missing == 1 else 'days'} the" in text


def test_an_unknown_admission_is_refused_with_a_template_and_its_value(
    sqlite_engine: Engine,
) -> None:
    """models.going_home words nothing itself: its refusal is a marked template and a value,
    so a page may say it in the reader's language."""
    import pytest
    from sqlmodel import Session

    from models.errors import FieldError
    from models.going_home import going_home

    with Session(sqlite_engine) as session, pytest.raises(FieldError) as refused:
        going_home(session, 999, now=utcnow())
    assert refused.value.template == "no admission {admission_id}"
    assert refused.value.values == {"admission_id": 999}
    assert refused.value.message == "no admission 999"


def test_the_calendar_is_offered_in_each_language_for_the_patient(
    app: dash.Dash,
    sqlite_engine: Engine,
    admission_id: int,  # noqa: F811
) -> None:
    """An English reader prints the patient's calendar in French: the calendar (its words,
    days and tablets) is French and says so (lang), the bar on screen stays the reader's; an
    unknown language is the reader's."""
    from dashboard.pages import paper_home

    context = _as(app, sqlite_engine, "doctor1")
    try:
        french = paper_home.layout(admission_id=str(admission_id), language="fr")
        unknown = paper_home.layout(admission_id=str(admission_id), language="xx")
        english = paper_home.layout(admission_id=str(admission_id))
    finally:
        context.pop()
    text = " ".join(_texts(french))
    assert "Mon calendrier de comprimés · Ann Roe" in text
    assert "My tablet calendar" not in text
    assert "comprimé" in text and "(matin)" in text
    assert "Print" in text and "Calendar in:" in text  # the bar, in the reader's language
    assert {"calendar-language-en", "calendar-language-fr", "print-calendar"} <= set(_ids(french))
    calendar = french.children[-1]
    assert calendar.lang == "fr"
    for page in (unknown, english):
        assert "My tablet calendar · Ann Roe" in " ".join(_texts(page))
        assert page.children[-1].lang == "en"
