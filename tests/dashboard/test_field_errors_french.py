"""The domain's field errors with a value (models.errors.FieldError's template and values), as
a form shows them (dashboard.refusals.field_message): the English sentence exactly as the
domain writes it for an English reader, French for a French one; units, choices, doses and
times the reader's way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import dash
import pytest
from sqlalchemy import Integer, String
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.refusals import field_message
from models.audit import Actor
from models.charting import _reason, check_charting_time
from models.clinical.taper import make_step
from models.db import transaction
from models.errors import FieldError, Number, ValidationFailed, Words
from models.plan_changes import PlanSpec, Regimen, advance_steps, plan_start
from models.prn_orders import PrnOrderForm, _check_form, refuse_unless_allowed
from models.storable import _check_value
from models.tables import Admission, PrnOrder, User, Ward
from models.users import _check_role, set_role
from models.ward_policy import update_ward_policy
from models.ward_tablets import parse_tablets
from models.ward_units import check_whole_units, update_ward_units
from tests.dashboard.conftest import admitted_an_hour_ago
from tests.factories import SYSTEM

FRENCH = {"Accept-Language": "fr-FR"}
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def _raised(call: Callable[[], object]) -> FieldError:
    with pytest.raises(FieldError) as caught:
        call()
    return caught.value


def _failed(call: Callable[[], object]) -> dict[str, FieldError]:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return {e.field: e for e in caught.value.errors}


def _french(app: dash.Dash, error: FieldError) -> str:
    """The error as a French reader's form shows it; the English reader's is the domain's
    English sentence, unchanged."""
    assert error.template is not None, f"not a template: {error.message}"
    assert field_message(error) == error.message
    with app.server.test_request_context("/login", headers=FRENCH):
        return field_message(error)


def _admin(engine: Engine) -> Actor:
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "admin1")).one()
    return Actor(user.id, user.username, user.role)


def _ward(session: Session) -> Ward:
    ward = session.exec(select(Ward)).first()
    assert ward is not None
    return ward


def test_the_shown_values_keep_the_domains_english() -> None:
    assert str(Words(["min"])) == "min"
    assert str(Words(["Held", "Other (say why)"])) == "Held, Other (say why)"
    assert str(Number.mg(125)) == "0.125" and str(Number.mg(2000)) == "2"
    assert str(Number(1.5)) == "1.5" and str(Number(1 / 3, text="0.333333")) == "0.333333"
    error = FieldError("x", "enter {low} to {high} {unit}", values={"low": 1, "high": 2,
                       "unit": Words(["hours"])})  # fmt: skip
    assert error.message == "enter 1 to 2 hours"


def test_users_role_and_last_admin(app: dash.Dash, sqlite_engine: Engine) -> None:
    role = _raised(lambda: _check_role("boss"))
    assert role.message == "unknown role 'boss'; use one of nurse, physician, admin"
    assert _french(app, role) == "rôle inconnu 'boss' ; choisissez parmi nurse, physician, admin"
    with Session(sqlite_engine) as session:
        admin1 = session.exec(select(User).where(User.username == "admin1")).one()
    with pytest.raises(FieldError) as caught, transaction(sqlite_engine) as session:
        set_role(session=session, actor=SYSTEM, user_id=admin1.id or 0, role="nurse", now=NOW)
    last = caught.value
    assert last.message == ("admin1 is the last active admin; make another user an admin first")
    assert _french(app, last) == (
        "admin1 est le dernier administrateur actif ; "
        "faites d'abord d'un autre utilisateur un administrateur"
    )


def test_ward_policy_ranges_say_their_unit_in_french(app: dash.Dash, sqlite_engine: Engine) -> None:
    admin = _admin(sqlite_engine)

    def update(values: dict[str, object]) -> Callable[[], object]:
        def run() -> None:
            with transaction(sqlite_engine) as session:
                ward = _ward(session)
                update_ward_policy(session=session, actor=admin, ward_id=ward.id or 0,
                                   values=values)  # fmt: skip

        return run

    errors = _failed(update({"dose_window_min": 999, "worsening_hours": "soon",
                             "doses_time_critical": 5}))  # fmt: skip
    window = errors["dose_window_min"]
    assert window.message == "enter 5 to 240 min"
    assert _french(app, window) == "saisissez de 5 à 240 min"
    hours = errors["worsening_hours"]
    assert hours.message == "enter a whole number of hours"
    assert _french(app, hours) == "saisissez un nombre entier (heures)"
    yes_no = errors["doses_time_critical"]
    assert field_message(yes_no) == "choose yes or no"
    with app.server.test_request_context("/login", headers=FRENCH):
        assert field_message(yes_no) == "choisissez oui ou non"
    wider = _failed(update({"time_critical_window_min": 60, "dose_window_min": 30}))
    (crossed,) = wider.values()
    with app.server.test_request_context("/login", headers=FRENCH):
        assert field_message(crossed) == (
            "la fenêtre des prises critiques ne doit pas être plus large"
        )


def test_ward_units_and_tablets_write_their_doses_the_french_way(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    admin = _admin(sqlite_engine)

    def units(values: dict[str, object]) -> Callable[[], object]:
        def run() -> None:
            with transaction(sqlite_engine) as session:
                update_ward_units(session=session, actor=admin, ward_id=_ward(session).id or 0,
                                  values=values, now=NOW)  # fmt: skip

        return run

    unit = _failed(units({"clonazepam": "0.05"}))["unit_clonazepam"]
    assert unit.message == "enter 0.1 to 2 mg (the largest clonazepam tablet)"
    assert _french(app, unit) == "saisissez de 0,1 à 2 mg (le plus gros comprimé de clonazepam)"
    steps = _raised(lambda: check_whole_units(1300, "clonazepam", {"clonazepam": 250},
                                              field="dose_mg"))  # fmt: skip
    assert steps.message == "enter a positive dose in steps of 0.25 mg"
    assert _french(app, steps) == "saisissez une dose positive, multiple de 0,25 mg"
    cases = {
        "0.5 scored, 0.5": ("0.5 mg is listed twice", "0,5 mg figure deux fois"),
        "0.05": (
            "0.05 mg: enter 0.1 to 2 mg (the largest clonazepam tablet)",
            "0,05 mg : saisissez de 0,1 à 2 mg (le plus gros comprimé de clonazepam)",
        ),
        "0.125 scored": (
            "0.125 mg cannot be halved exactly",
            "0,125 mg ne peut pas être coupé exactement en deux",
        ),
        "1, 2, 3, 4, 5, 6, 7, 8, 9": ("list at most 8 strengths", "indiquez au plus 8 dosages"),
        "half": ('"half" is not a strength: write mg, then "scored" if halved',
                 "« half » n'est pas un dosage : écrivez les mg, puis « sécable » s'il peut "
                 "être coupé en deux"),
    }  # fmt: skip
    for typed, (english, french) in cases.items():
        error = _raised(lambda typed=typed: parse_tablets("clonazepam", typed, field="t"))
        assert error.message == english
        assert _french(app, error) == french


def test_storable_limits(app: dash.Dash) -> None:
    long = _raised(lambda: _check_value("bed", "x" * 20, String(16)))
    assert long.message == "keep it under 16 characters (got 20)"
    assert _french(app, long) == "restez sous 16 caractères (20 saisis)"
    large = _raised(lambda: _check_value("bed", 2**40, Integer()))
    assert (
        _french(app, large) == f"{2**40} est trop grand pour être enregistré ; vérifiez le nombre"
    )
    nul = _raised(lambda: _check_value("bed", "a\x00b", String(16)))
    with app.server.test_request_context("/login", headers=FRENCH):
        assert field_message(nul) == (
            "contient un caractère NUL, qui ne peut pas être enregistré ; supprimez-le"
        )


def test_a_charting_reason_list_is_in_the_readers_words(app: dash.Dash) -> None:
    error = _raised(lambda: _reason("refused", "asleep", None))
    assert error.message == (
        "choose a reason: Patient declined, Nausea or vomiting, Other (say why)"
    )
    assert _french(app, error).startswith("choisissez un motif : ")
    assert "Patient declined" not in _french(app, error)
    late = _raised(lambda: check_charting_time("at", NOW - timedelta(hours=30), NOW))
    assert late.message == "time is more than 24 hours ago; ask the nurse in charge"
    assert _french(app, late) == (
        "l'heure remonte à plus de 24 heures ; demandez à l'infirmier responsable"
    )


def test_prn_order_refusals(app: dash.Dash, sqlite_engine: Engine) -> None:
    admission_id = admitted_an_hour_ago(sqlite_engine, mrn="FR-PRN", bed="B9")
    form = PrnOrderForm(drug="diazepam", dose_ug=5000, min_interval_min=90, max_doses_24h=40,
                        max_ug_24h=1000, indication="x" * 300, scale="CIWA-B", threshold=99,
                        days=200)  # fmt: skip
    with Session(sqlite_engine) as session:
        admission = session.get(Admission, admission_id)
        assert admission is not None
        errors = _failed(lambda: _check_form(session, admission, form, SYSTEM))
    doses = errors["max_doses_24h"]
    assert doses.message == (
        "enter 1 to 16 doses: with 1.5 h between doses, at most 16 fit in 24 hours"
    )
    assert _french(app, doses) == (
        "saisissez de 1 à 16 prises : avec 1,5 h entre les prises, 16 au plus tiennent en 24 heures"
    )
    assert _french(app, errors["indication"]) == "indiquez l'indication, en 200 caractères au plus"
    assert _french(app, errors["days"]) == "saisissez de 1 à 90 jours, ou laissez vide"
    assert _french(app, errors["threshold"]).startswith("saisissez un score CIWA-B de 0 à ")
    order = PrnOrder(admission_id=admission_id, order_key="k", version=1, drug="diazepam",
                     dose_ug=5000, min_interval_min=240, max_doses_24h=3, max_ug_24h=15000,
                     indication="withdrawal", start_at=NOW - timedelta(days=2),
                     stop_at=NOW - timedelta(days=1, hours=2), status="active", author_id=1,
                     reason="r")  # fmt: skip
    with Session(sqlite_engine) as session:
        outside = _raised(lambda: refuse_unless_allowed(session, order, NOW, NOW, LONDON))
    assert outside.message == (
        "the order is in force from Sat 5 Dec 12:00 until yesterday 10:00; that time is outside it"
    )
    assert _french(app, outside) == (
        "la prescription est en vigueur de sam. 5 déc. 12:00 à hier 10:00 ; "
        "cette heure est en dehors"
    )


def test_plan_regimen_refusals_say_the_regimen_in_french(app: dash.Dash) -> None:
    in_force = {"clonazepam": 1500, "diazepam": 10000}
    plan = PlanSpec(drug="lorazepam", daily_ug=1000, recipe="-10%/14d", start=date(2026, 12, 7),
                   reason="r")  # fmt: skip
    error = _raised(lambda: plan_start(plan, in_force))
    assert error.message.startswith(
        "the dose in force is clonazepam 1.5 mg + diazepam 10 mg a day: taper one of its drugs"
    )
    assert str(Regimen(in_force)) == "clonazepam 1.5 mg + diazepam 10 mg a day"
    assert _french(app, error).startswith(
        "la posologie en cours est clonazepam 1,5\xa0mg + diazepam 10\xa0mg par jour : "
    )
    steps = (make_step(index=1, start=date(2026, 12, 10), daily_ug={"diazepam": 9000}, kind="cut"),)
    early = _raised(lambda: advance_steps(steps, on=date(2026, 12, 1)))
    assert early.message == "2026-12-01 is before the plan's first step"
    assert _french(app, early) == "2026-12-01 est avant le premier palier du plan"
