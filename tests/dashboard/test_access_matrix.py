"""Who may do what, for anonymous, nurse, physician and admin: a nurse charts but cannot change a
plan; a physician changes plans; an admin manages users and ward settings.

Enforced twice and tested twice: in the domain operations (``Actor.require``, every write
operation that takes an actor, on SQLite and PostgreSQL) and in the Dash callbacks over HTTP
(every server callback the app has, enumerated from ``app.callback_map``: a forbidden role gets
403 or a refusal, and nothing is written). Pages are enumerated from Dash's page registry. A new
page, callback or domain operation fails these tests until it has a row in the matrix.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session

import models
from models.access_log import record_read
from models.admissions import (
    admit,
    confirm_admission_dose,
    discharge,
    ensure_ward,
    set_ciwa_ar,
    set_spo2_scale,
)
from models.audit import Actor
from models.charting import (
    chart_dose,
    chart_prn,
    mark_in_error,
    new_submission_id,
    record_assessment,
    record_vitals,
)
from models.clinical.drugs import DRUGS, format_mg
from models.co_medications import add_co_medication, record_naloxone, stop_co_medication
from models.db import make_engine, transaction
from models.errors import PermissionDenied
from models.fhir_bundle import BundleRefused
from models.fhir_import import import_bundle
from models.flags import acknowledge_flag, resolve_flag
from models.migrate import upgrade
from models.plan_changes import PlanChange, PlanSpec, apply_change, create_plan, preview_new_plan
from models.plans import parse_times, save_plan_version
from models.prn_orders import PrnOrderForm, change_prn_order, stop_prn_order, write_prn_order
from models.rounds import sign_rounds_note
from models.schemas import (
    DoseAdministrationCreate,
    PrnAdministrationCreate,
    VitalSignsCreate,
    WithdrawalAssessmentCreate,
)
from models.settings import Settings
from models.tables import User, Ward, WardDrugUnit
from models.types import utcnow
from models.user_sessions import lock_idle_session, record_unlock, start_session
from models.users import (
    create_user,
    set_active,
    set_language,
    set_password,
    set_role,
    sign_out_everywhere,
    unlock,
)
from models.ward_formulary import write_per_drug
from models.ward_policy import set_default_language, update_ward_policy
from models.ward_tablets import update_ward_tablets
from models.ward_units import update_ward_units
from models.wristband import override_wristband, scan_wristband
from tests.conftest import NOW
from tests.dashboard.conftest import PASSWORD, sign_in
from tests.dashboard.dash_client import (
    PageState,
    ServerCallback,
    callback_body,
    changed_tables,
    complete_vitals_form,
    post_callback,
    render_page,
    row_counts,
    server_callbacks,
)
from tests.factories import Stay, make_stay

ROLES = ("nurse", "physician", "admin")
USERNAMES = {"nurse": "nurse1", "physician": "doctor1", "admin": "admin1"}
ALL = frozenset(ROLES)
CHARTERS = frozenset({"nurse", "physician"})
PHYSICIAN = frozenset({"physician"})
ADMIN = frozenset({"admin"})
ROUNDS = frozenset({"physician", "admin"})

# --- the domain ------------------------------------------------------------------------------

# Every domain write that takes an actor, and the roles that may call it.
DOMAIN_MATRIX: dict[str, frozenset[str]] = {
    "models.admissions:ensure_ward": ADMIN,
    "models.admissions:admit": ALL,
    "models.admissions:discharge": ALL,
    "models.admissions:set_spo2_scale": PHYSICIAN,
    "models.admissions:confirm_admission_dose": PHYSICIAN,
    "models.admissions:set_ciwa_ar": PHYSICIAN,
    "models.prn_orders:write_prn_order": PHYSICIAN,
    "models.prn_orders:change_prn_order": PHYSICIAN,
    "models.prn_orders:stop_prn_order": PHYSICIAN,
    "models.ward_units:update_ward_units": ADMIN,
    "models.ward_tablets:update_ward_tablets": ADMIN,
    "models.ward_formulary:write_per_drug": ADMIN,
    "models.charting:record_vitals": CHARTERS,
    "models.charting:record_assessment": CHARTERS,
    "models.charting:chart_dose": CHARTERS,
    "models.charting:chart_prn": CHARTERS,
    "models.charting:mark_in_error": CHARTERS,
    "models.plan_changes:create_plan": PHYSICIAN,
    "models.plan_changes:apply_change": PHYSICIAN,
    "models.plans:save_plan_version": PHYSICIAN,
    "models.rounds:sign_rounds_note": PHYSICIAN,
    "models.flags:acknowledge_flag": CHARTERS,
    "models.flags:resolve_flag": CHARTERS,
    "models.ward_policy:update_ward_policy": ADMIN,
    "models.ward_policy:set_default_language": ADMIN,
    "models.users:create_user": ADMIN,
    "models.users:set_active": ADMIN,
    "models.users:set_password": ADMIN,
    "models.users:set_role": ADMIN,
    "models.users:set_language": ADMIN,  # or the user themself (tests/models/test_languages)
    "models.users:unlock": ADMIN,
    "models.access_log:record_read": ALL,  # anyone who may open a chart is recorded opening it
    "models.users:sign_out_everywhere": ADMIN,  # or the user themself (test_security_round2)
    # The idle lock and signing in again on a locked page: each user's own session, any role.
    "models.user_sessions:lock_idle_session": ALL,
    "models.user_sessions:record_unlock": ALL,
    "models.fhir_import:import_bundle": CHARTERS,
    "models.co_medications:add_co_medication": PHYSICIAN,
    "models.co_medications:stop_co_medication": PHYSICIAN,
    "models.co_medications:record_naloxone": CHARTERS,
    "models.wristband:scan_wristband": CHARTERS,
    "models.wristband:override_wristband": CHARTERS,
}


def _domain_writes() -> set[str]:
    """Public module-level functions of ``models`` with an ``actor`` parameter."""
    found = set()
    for info in pkgutil.walk_packages(models.__path__, "models."):
        if ".migrations" in info.name or info.name == "models.audit":  # audit: the recorder
            continue
        module = importlib.import_module(info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != info.name or name.startswith("_"):
                continue
            if "actor" in inspect.signature(function).parameters:
                found.add(f"{info.name}:{name}")
    return found


def test_every_domain_write_is_in_the_matrix() -> None:
    found = _domain_writes()
    assert found - DOMAIN_MATRIX.keys() == set(), "add these to DOMAIN_MATRIX"
    assert DOMAIN_MATRIX.keys() - found == set(), "stale DOMAIN_MATRIX rows"


_PRN_FORM = PrnOrderForm(
    drug="clonazepam",
    dose_ug=500,
    min_interval_min=240,
    max_doses_24h=3,
    max_ug_24h=1500,
    indication="withdrawal symptoms",
)


def _new_plan(stay: Stay, reason: str = "Starting the taper") -> PlanSpec:
    return PlanSpec(
        drug="clonazepam", daily_ug=2000, recipe="-0.25mg/7d", start=stay.now.date(), reason=reason
    )


# Each operation: prepare(stay) -> target (as the system, outside the counted transaction),
# then perform(session, actor, stay, target).
Prepare = Callable[[Stay], Any]
Perform = Callable[[Session, Actor, Stay, Any], object]


def _admit(session: Session, actor: Actor, stay: Stay, n: int) -> object:
    return admit(
        session=session,
        actor=actor,
        ward_id=stay.ward_id,
        mrn=f"NEW{n}",
        family_name="New",
        given_name="Pat",
        birth_date=date(1980, 1, 1),
        sex="female",
        bed=f"N{n}",
        attending_id=stay.staff["doctor1"].user_id or 0,
        drug="clonazepam",
        daily_ug=1000,
        admitted_at=stay.now,
        now=stay.now,
    )


def _vitals(session: Session, actor: Actor, stay: Stay, _: Any) -> object:
    return record_vitals(
        session=session,
        actor=actor,
        now=stay.now,
        data=VitalSignsCreate(
            admission_id=stay.admission_id,
            taken_at=stay.now,
            heart_rate=90,
            systolic=130,
            diastolic=85,
            temperature_c=37.0,
            resp_rate=18,
            spo2=96,
            supplemental_o2=False,
            consciousness="A",
        ),
    )


def _save_version(session: Session, actor: Actor, stay: Stay, admission_id: int) -> object:
    preview = preview_new_plan(
        session=session, admission_id=admission_id, new_plan=_new_plan(stay), now=stay.now
    )
    return save_plan_version(
        session=session,
        actor=actor,
        admission_id=admission_id,
        schedule=preview.schedule,
        drug="clonazepam",
        to_drug=None,
        daily_ug=2000,
        recipe=preview.recipe,
        start_date=stay.now.date(),
        effective_from=stay.now.date(),
        times=parse_times("08:00,20:00"),
        stages=4,
        change="create",
        reason="New plan",
        now=stay.now,
    )


def _other_role(stay: Stay) -> str:
    """A role nurse2 does not have now, so that setting it is a change (and audited)."""
    with Session(stay.engine) as session:
        user = session.get(User, stay.staff["nurse2"].user_id)
        assert user is not None
        return "physician" if user.role == "nurse" else "nurse"


def _other_language(language: str) -> str:
    return "en" if language == "fr" else "fr"


def _switch_ward_language(session: Session, actor: Actor, stay: Stay, _: object) -> None:
    ward = session.get(Ward, stay.ward_id)
    assert ward is not None
    language = _other_language(ward.default_language)
    set_default_language(
        session=session, actor=actor, ward_id=stay.ward_id, language=language, now=stay.now
    )


def _switch_nurse2_language(session: Session, actor: Actor, stay: Stay, _: object) -> None:
    user_id = stay.staff["nurse2"].user_id or 0
    user = session.get(User, user_id)
    assert user is not None
    language = _other_language(user.language)
    set_language(session=session, actor=actor, user_id=user_id, language=language, now=stay.now)


def _lock_own_idle_session(session: Session, actor: Actor, stay: Stay, _: object) -> None:
    token = start_session(session=session, user_id=actor.user_id or 0, now=stay.now)
    session.flush()
    assert lock_idle_session(session=session, actor=actor, token=token, now=stay.now)


OPERATIONS: dict[str, tuple[Prepare, Perform]] = {
    "models.co_medications:add_co_medication": (
        lambda s: None,
        lambda se, a, s, _: add_co_medication(
            session=se,
            actor=a,
            admission_id=s.admission_id,
            drug_class="opioid",
            name="methadone",
            now=s.now,
        ),
    ),
    "models.co_medications:stop_co_medication": (
        lambda s: s.new_co_medication(),
        lambda se, a, s, row: stop_co_medication(
            session=se, actor=a, co_medication_id=row, reason="Finished", now=s.now
        ),
    ),
    "models.co_medications:record_naloxone": (
        lambda s: s.new_admission(),
        lambda se, a, s, adm: record_naloxone(
            session=se, actor=a, admission_id=adm, status="offered", now=s.now
        ),
    ),
    "models.admissions:ensure_ward": (
        lambda s: s.serial(),
        lambda se, a, s, n: ensure_ward(session=se, actor=a, name=f"Ward {n}", timezone="UTC"),
    ),
    "models.admissions:admit": (lambda s: s.serial(), _admit),
    "models.admissions:discharge": (
        lambda s: s.new_admission(),
        lambda se, a, s, adm: discharge(session=se, actor=a, admission_id=adm, at=s.now, now=s.now),
    ),
    "models.admissions:set_spo2_scale": (
        lambda s: s.new_admission(),
        lambda se, a, s, adm: set_spo2_scale(
            session=se, actor=a, admission_id=adm, scale=2, reason="Target 88-92 % (COPD)"
        ),
    ),
    "models.charting:record_vitals": (lambda s: None, _vitals),
    "models.charting:record_assessment": (
        lambda s: None,
        lambda se, a, s, _: record_assessment(
            session=se,
            actor=a,
            now=s.now,
            data=WithdrawalAssessmentCreate(
                admission_id=s.admission_id,
                taken_at=s.now,
                items=dict.fromkeys(range(1, 21), 1),
            ),
        ),
    ),
    "models.charting:chart_dose": (
        lambda s: s.open_slots()[0],
        lambda se, a, s, slot: chart_dose(
            session=se,
            actor=a,
            now=s.now,
            data=DoseAdministrationCreate(
                scheduled_dose_id=slot,
                status="given",
                administered_at=s.now,
            ),
        ),
    ),
    "models.charting:chart_prn": (
        lambda s: s.new_prn_order(),
        lambda se, a, s, order: chart_prn(
            session=se,
            actor=a,
            now=s.now,
            data=PrnAdministrationCreate(
                admission_id=s.admission_id,
                prn_order_id=order,
                administered_at=s.now,
                reason_text="Anxious at night",
            ),
        ),
    ),
    "models.admissions:confirm_admission_dose": (
        lambda s: s.new_admission(drug="alprazolam", daily_ug=12000),
        lambda se, a, s, adm: confirm_admission_dose(
            session=se, actor=a, admission_id=adm, reason="Verified with the GP", now=s.now
        ),
    ),
    "models.admissions:set_ciwa_ar": (
        lambda s: s.new_admission(),
        lambda se, a, s, adm: set_ciwa_ar(
            session=se, actor=a, admission_id=adm, charted=True, now=s.now
        ),
    ),
    "models.prn_orders:write_prn_order": (
        lambda s: None,
        lambda se, a, s, _: write_prn_order(
            session=se,
            actor=a,
            admission_id=s.admission_id,
            form=_PRN_FORM,
            reason="Breakthrough symptoms",
            now=s.now,
        ),
    ),
    "models.prn_orders:change_prn_order": (
        lambda s: s.new_prn_order(),
        lambda se, a, s, order: change_prn_order(
            session=se, actor=a, order_id=order, form=_PRN_FORM, reason="Larger", now=s.now
        ),
    ),
    "models.prn_orders:stop_prn_order": (
        lambda s: s.new_prn_order(),
        lambda se, a, s, order: stop_prn_order(
            session=se, actor=a, order_id=order, reason="Settled", now=s.now
        ),
    ),
    "models.ward_units:update_ward_units": (
        lambda s: s.serial(),
        lambda se, a, s, n: update_ward_units(
            session=se,
            actor=a,
            ward_id=s.ward_id,
            values={"alprazolam": "0.25" if n % 2 else "0.5"},
            now=s.now,
        ),
    ),
    "models.ward_tablets:update_ward_tablets": (
        lambda s: s.serial(),
        lambda se, a, s, n: update_ward_tablets(
            session=se,
            actor=a,
            ward_id=s.ward_id,
            values={"alprazolam": "0.25, 1" if n % 2 else "0.5, 1"},
            now=s.now,
        ),
    ),
    "models.ward_formulary:write_per_drug": (
        lambda s: s.serial(),
        lambda se, a, s, n: write_per_drug(
            se,
            actor=a,
            ward_id=s.ward_id,
            model=WardDrugUnit,
            column="unit_ug",
            stored={"lorazepam": 250 if n % 2 else 500},
            action="ward.unit",
            now=s.now,
        ),
    ),
    "models.charting:mark_in_error": (
        lambda s: s.vitals_entry(),
        lambda se, a, s, entry: mark_in_error(
            session=se, actor=a, entity="vitals", record_id=entry, reason="wrong patient", now=s.now
        ),
    ),
    "models.plan_changes:create_plan": (
        lambda s: s.new_admission(),
        lambda se, a, s, adm: create_plan(
            session=se, actor=a, admission_id=adm, new_plan=_new_plan(s), now=s.now
        ),
    ),
    "models.plan_changes:apply_change": (
        lambda s: s.new_admission(with_plan=True),
        lambda se, a, s, adm: apply_change(
            session=se,
            actor=a,
            admission_id=adm,
            change=PlanChange(kind="hold", reason="Withdrawal worse", hold_days=7),
            now=s.now,
        ),
    ),
    "models.plans:save_plan_version": (lambda s: s.new_admission(), _save_version),
    "models.rounds:sign_rounds_note": (
        lambda s: s.new_admission(with_plan=True),
        lambda se, a, s, adm: sign_rounds_note(
            session=se,
            actor=a,
            admission_id=adm,
            decision="hold",
            reason="Symptoms climbing",
            now=s.now,
            hold_days=7,
        ),
    ),
    "models.flags:acknowledge_flag": (
        lambda s: s.open_flag(),
        lambda se, a, s, flag: acknowledge_flag(
            session=se, actor=a, flag_id=flag, note="seen", now=s.now
        ),
    ),
    "models.flags:resolve_flag": (
        lambda s: s.open_flag(),
        lambda se, a, s, flag: resolve_flag(
            session=se, actor=a, flag_id=flag, note="reviewed, obs repeated", now=s.now
        ),
    ),
    "models.ward_policy:update_ward_policy": (
        lambda s: s.serial(),
        lambda se, a, s, n: update_ward_policy(
            session=se, actor=a, ward_id=s.ward_id, values={"dose_window_min": 61 + n}
        ),
    ),
    "models.ward_policy:set_default_language": (lambda s: None, _switch_ward_language),
    "models.users:set_language": (lambda s: None, _switch_nurse2_language),
    "models.users:create_user": (
        lambda s: s.serial(),
        lambda se, a, s, n: create_user(
            session=se,
            actor=a,
            username=f"locum{n}",
            display_name="Locum",
            role="nurse",
            password=PASSWORD,
        ),
    ),
    "models.users:set_active": (
        lambda s: s.serial(),
        lambda se, a, s, n: set_active(
            session=se, actor=a, user_id=s.staff["nurse2"].user_id or 0, active=n % 2 == 0
        ),
    ),
    "models.users:set_password": (
        lambda s: None,
        lambda se, a, s, _: set_password(
            session=se,
            actor=a,
            user_id=s.staff["nurse2"].user_id or 0,
            password=PASSWORD,
            now=s.now,
        ),
    ),
    "models.users:set_role": (
        _other_role,
        lambda se, a, s, role: set_role(
            session=se, actor=a, user_id=s.staff["nurse2"].user_id or 0, role=role, now=s.now
        ),
    ),
    "models.access_log:record_read": (
        lambda s: None,
        lambda se, a, s, _: record_read(
            session=se, actor=a, action="read.chart", admission_id=s.admission_id
        ),
    ),
    "models.users:unlock": (
        lambda s: None,
        lambda se, a, s, _: unlock(
            session=se, actor=a, user_id=s.staff["nurse2"].user_id or 0, now=s.now
        ),
    ),
    "models.users:sign_out_everywhere": (
        lambda s: None,
        lambda se, a, s, _: sign_out_everywhere(
            session=se, actor=a, user_id=s.staff["nurse2"].user_id or 0, now=s.now
        ),
    ),
    "models.user_sessions:lock_idle_session": (lambda s: None, _lock_own_idle_session),
    "models.user_sessions:record_unlock": (
        lambda s: None,
        lambda se, a, s, _: record_unlock(session=se, actor=a, same_user=True, now=s.now),
    ),
    "models.wristband:scan_wristband": (
        lambda s: None,
        lambda se, a, s, _: scan_wristband(
            session=se, actor=a, admission_id=s.admission_id, code="TW0001", now=s.now
        ),
    ),
    "models.wristband:override_wristband": (
        lambda s: None,
        lambda se, a, s, _: override_wristband(
            session=se,
            actor=a,
            admission_id=s.admission_id,
            reason_code="band_unreadable",
            reason_text="",
            now=s.now,
        ),
    ),
    # An empty bundle: a permitted role gets past the role check to the bundle's own refusal.
    "models.fhir_import:import_bundle": (
        lambda s: None,
        lambda se, a, s, _: import_bundle(
            se, a, {"resourceType": "Bundle", "entry": []}, s.ward_id, 0, now=s.now
        ),
    ),
}


def test_every_operation_has_a_way_to_run_it() -> None:
    assert OPERATIONS.keys() == DOMAIN_MATRIX.keys()


def test_domain_operations_enforce_the_matrix(engine: Engine) -> None:
    """Each operation, as each role: permitted roles write, the others are refused with
    PermissionDenied naming the role, and nothing is written."""
    stay = make_stay(engine, NOW)
    wrong: list[str] = []
    for op, roles in DOMAIN_MATRIX.items():
        prepare, perform = OPERATIONS[op]
        for role in ROLES:
            target = prepare(stay)
            before = row_counts(engine)
            outcome = "wrote"
            try:
                with transaction(engine) as session:
                    perform(session, stay.actor(role), stay, target)
            except PermissionDenied as exc:
                outcome = "refused"
                if f"({role})" not in str(exc):
                    wrong.append(f"{op} as {role}: refusal does not say why: {exc}")
            except BundleRefused:
                outcome = "past the role check"
            written = changed_tables(before, row_counts(engine))
            if role in roles and outcome == "refused":
                wrong.append(f"{op} as {role}: refused, but the matrix allows it")
            if role not in roles and outcome != "refused":
                wrong.append(f"{op} as {role}: {outcome}, but the matrix forbids it")
            if outcome == "refused" and written:
                wrong.append(f"{op} as {role}: refused but wrote {written}")
            if outcome == "wrote" and "audit_event" not in written:
                wrong.append(f"{op} as {role}: wrote {written} without an audit event")
    assert not wrong, "\n".join(wrong)


# --- the web app: pages and callbacks -----------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """Who may run a callback (``roles``; ALL for any signed-in staff) when ``trigger`` (default
    its first input) fires. A rule with ``values`` posts a complete, valid form, so a permitted
    role writes (``writes``: the table it must add to) and a forbidden one would write if the
    check were missing."""

    roles: frozenset[str]
    trigger: str | None = None
    writes: str | None = None


PAGES: dict[str, tuple[frozenset[str], str]] = {
    # page module: roles that see it, and a component only the page itself has
    "dashboard.pages.board": (ALL, "board-table"),
    "dashboard.pages.patient": (ALL, "patient-admission"),
    "dashboard.pages.paper_patient": (ALL, "print-now"),
    "dashboard.pages.paper_wristband": (ALL, "band-label"),
    "dashboard.pages.paper_home": (ALL, "print-now"),
    "dashboard.pages.paper_summary": (ALL, "print-now"),
    "dashboard.pages.queue": (ALL, "queue-list"),
    "dashboard.pages.rounds": (ROUNDS, "rounds-scope"),
    "dashboard.pages.paper_rounds": (ROUNDS, "print-now"),
    "dashboard.pages.admin": (ADMIN, "policy-save"),
    "dashboard.pages.audit": (ADMIN, "audit-show"),
    "dashboard.pages.sources": (ALL, "sources-list"),
}

_PP = "dashboard.components.plan_change_form:form_callbacks.<locals>."
_PRN = "dashboard.components.charting_prn:"
_PRN_ORDERS = "dashboard.components.prn_orders:"
_PRN_STOP = "dashboard.components.prn_orders_stop:"
_AR = "dashboard.components.charting_ciwa_ar:"
_BAND = "dashboard.components.charting_wristband:"
_CONFIRM = "dashboard.components.charting_dose_confirm:"
_COMED = "dashboard.components.co_medications:"
CALLBACKS: dict[str, tuple[Rule, ...]] = {
    "dash.dash:Dash.enable_pages.<locals>.router_sync.<locals>.update": (Rule(ALL),),
    # ward board and admission
    "dashboard.pages.board:refresh_board": (Rule(ALL),),
    "dashboard.components.charting_admit:toggle_admit": (Rule(ALL),),
    "dashboard.components.charting_admit:look_up": (Rule(ALL),),
    "dashboard.components.charting_admit:save_admission": (Rule(ALL, writes="admission"),),
    "dashboard.components.charting_discharge:toggle_discharge": (Rule(ALL),),
    "dashboard.components.charting_discharge:confirm_discharge": (Rule(ALL, writes="audit_event"),),
    "dashboard.components.spo2_scale:toggle_scale_modal": (Rule(PHYSICIAN),),
    "dashboard.components.spo2_scale:confirm_scale": (Rule(PHYSICIAN, writes="audit_event"),),
    _CONFIRM + "toggle_dose_confirm": (Rule(PHYSICIAN),),
    _COMED + "open_modal": (Rule(CHARTERS),),
    _COMED + "add": (Rule(PHYSICIAN, writes="co_medication"),),
    _COMED + "stop": (Rule(PHYSICIAN, writes="audit_event"),),
    _COMED + "naloxone": (Rule(CHARTERS, writes="audit_event"),),
    _CONFIRM + "save_dose_confirm": (Rule(PHYSICIAN, writes="audit_event"),),
    # the patient page: charting
    "dashboard.pages.patient:refresh_patient": (Rule(ALL),),
    "dashboard.components.patient_overview:_range": (Rule(ALL),),
    "dashboard.components.patient_overview:_refresh": (Rule(ALL),),
    "dashboard.components.patient_overview:_redraw": (Rule(ALL),),
    "dashboard.components.charting_vitals:vitals_form_changed": (
        Rule(ALL, trigger="vitals-heart_rate.value"),
        Rule(CHARTERS, trigger="vitals-save.n_clicks", writes="vital_signs"),
    ),
    "dashboard.components.charting_ciwa:ciwa_running": (Rule(ALL),),
    "dashboard.components.charting_ciwa:ciwa_save": (
        Rule(CHARTERS, writes="withdrawal_assessment"),
    ),
    "dashboard.components.charting_mar:mar_action": (Rule(CHARTERS, writes="dose_administration"),),
    "dashboard.components.charting_mar:mar_confirm": (
        Rule(CHARTERS, writes="dose_administration"),
    ),
    "dashboard.components.charting_mar:mar_cancel": (Rule(CHARTERS),),
    _BAND + "band_scanned": (Rule(CHARTERS, writes="wristband_check"),),
    _BAND + "band_override_toggle": (Rule(CHARTERS),),
    _BAND + "band_override_save": (Rule(CHARTERS, writes="wristband_check"),),
    # PRN: nurses and physicians give; physicians write, change and stop orders
    _PRN + "prn_open": (Rule(CHARTERS),),
    _PRN + "prn_save": (Rule(CHARTERS, writes="dose_administration"),),
    _PRN + "prn_cancel": (Rule(CHARTERS),),
    _PRN_ORDERS + "prn_order_open": (Rule(PHYSICIAN),),
    _PRN_ORDERS + "prn_order_save": (Rule(PHYSICIAN, writes="prn_order"),),
    _PRN_ORDERS + "prn_order_cancel": (Rule(PHYSICIAN),),
    _PRN_STOP + "prn_stop_open": (Rule(PHYSICIAN),),
    _PRN_STOP + "prn_stop_save": (Rule(PHYSICIAN, writes="prn_order"),),
    _PRN_STOP + "prn_stop_cancel": (Rule(PHYSICIAN),),
    # CIWA-Ar: charted by nurses and physicians, turned on by a physician
    _AR + "ciwar_running": (Rule(ALL),),
    _AR + "ciwar_save": (Rule(CHARTERS, writes="withdrawal_assessment"),),
    _AR + "ciwa_ar_toggle": (Rule(PHYSICIAN, writes="audit_event"),),
    "dashboard.components.charting_history:open_in_error": (Rule(CHARTERS),),
    "dashboard.components.charting_history:confirm_in_error": (
        Rule(CHARTERS, writes="audit_event"),
    ),
    # the plan: physicians only (the form helpers only show and hide fields)
    _PP + "_preset": (Rule(ALL),),
    _PP + "_mode": (Rule(ALL),),
    _PP + "_changed": (Rule(ALL),),
    _PP + "_cancel": (Rule(ALL),),
    "dashboard.components.plan_panel:_fill": (Rule(ALL),),
    "dashboard.components.plan_panel:_open": (Rule(PHYSICIAN),),
    "dashboard.components.plan_panel:_preview": (Rule(PHYSICIAN),),
    "dashboard.components.plan_panel:_save": (Rule(PHYSICIAN, writes="taper_plan"),),
    # rounds: physicians and admins read, physicians sign
    "dashboard.pages.rounds:_scope": (Rule(ROUNDS),),
    "dashboard.pages.rounds:_open": (Rule(ROUNDS),),
    "dashboard.pages.rounds:_decision": (Rule(ALL),),
    "dashboard.pages.rounds:_preview": (Rule(PHYSICIAN),),
    "dashboard.pages.rounds:_sign": (Rule(PHYSICIAN, writes="rounds_note"),),
    # the review queue: nurses and physicians act on flags
    "dashboard.components.queue_actions:_badge": (Rule(ALL),),
    "dashboard.pages.queue:_refresh": (Rule(ALL),),
    "dashboard.components.queue_actions:_open": (Rule(CHARTERS),),
    "dashboard.components.queue_actions:_confirm": (Rule(CHARTERS, writes="audit_event"),),
    "dashboard.components.queue_actions:_cancel": (Rule(CHARTERS),),
    # admin: users and ward settings
    "dashboard.components.admin_policy:_save_policy": (Rule(ADMIN, writes="audit_event"),),
    "dashboard.components.admin_runs:_refresh_runs": (Rule(ADMIN),),
    "dashboard.components.admin_units:_save_units": (Rule(ADMIN, writes="audit_event"),),
    "dashboard.components.admin_tablets:_save_tablets": (Rule(ADMIN, writes="audit_event"),),
    "dashboard.components.admin_users:_add_user": (Rule(ADMIN, writes="app_user"),),
    "dashboard.components.admin_users:_toggle_user": (Rule(ADMIN, writes="audit_event"),),
    "dashboard.components.admin_users:_unlock_or_sign_out": (Rule(ADMIN, writes="audit_event"),),
    "dashboard.pages.audit:_show": (Rule(ADMIN),),
    "dashboard.components.admin_user_modals:_open_password": (Rule(ADMIN),),
    "dashboard.components.admin_user_modals:_save_password": (Rule(ADMIN, writes="audit_event"),),
    "dashboard.components.admin_user_modals:_open_role": (Rule(ADMIN),),
    "dashboard.components.admin_user_modals:_save_role": (Rule(ADMIN, writes="audit_event"),),
}


@dataclass
class Web:
    app: dash.Dash
    stay: Stay
    clients: dict[str, FlaskClient]
    callbacks: list[ServerCallback]
    page_state: PageState  # what every page shows the roles that may see it


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    """One app and one ward for the module (SQLite), a signed-in client per role."""
    from dashboard.app import create_app

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'matrix.db'}")
    upgrade(engine)
    stay = make_stay(engine, utcnow())
    with transaction(engine) as session:  # the clients sign in once for the whole module, and
        # its callbacks are not use of the page: keep the idle lock out of the way
        session.execute(update(Ward).values(idle_lock_min=480))
    settings = Settings(
        database_url=str(engine.url), secret_key="matrix-test-secret-key", demo=False
    )
    app = create_app(settings, engine)
    app.server.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is an HTTP 500 to report
    clients = {}
    for role in ROLES:
        client = app.server.test_client()
        assert sign_in(client, USERNAMES[role]) == 302
        assert client.get("/").status_code == 200  # loads the page, sets the CSRF cookie
        clients[role] = client
    callbacks = server_callbacks(app)
    router = next(cb for cb in callbacks if "_pages_content" in cb.output)
    state = PageState({}, {})
    for role, client in clients.items():
        state.absorb(client.get("/_dash-layout").get_json())
        for page in dash.page_registry.values():
            if role in PAGES.get(page["module"], (ALL, ""))[0]:
                state.absorb(render_page(client, router, _page_path(page, stay)))
    yield Web(app, stay, clients, callbacks, state)
    engine.dispose()


def test_every_page_is_in_the_matrix(web: Web) -> None:
    modules = {page["module"] for page in dash.page_registry.values()}
    assert modules - PAGES.keys() == set(), "add these pages to PAGES"


def test_every_server_callback_is_in_the_matrix(web: Web) -> None:
    functions = {cb.function for cb in web.callbacks}
    assert functions - CALLBACKS.keys() == set(), "add these callbacks to CALLBACKS"


def _page_path(page: Mapping[str, Any], stay: Stay) -> str:
    template = page.get("path_template")
    if not template:
        return str(page["path"])
    return re.sub(r"<[^>]+>", str(stay.admission_id), template)


def _router(web: Web) -> ServerCallback:
    return next(cb for cb in web.callbacks if "_pages_content" in cb.output)


def test_pages_show_each_role_what_it_may_see(web: Web) -> None:
    """Every page is served to signed-in staff (the shell); what the page router renders
    in it depends on the role: a page for other roles shows a refusal, not its controls."""
    router = _router(web)
    wrong = []
    for page in dash.page_registry.values():
        if page["module"] not in PAGES:
            continue
        roles, marker = PAGES[page["module"]]
        path = _page_path(page, web.stay)
        for role in ROLES:
            client = web.clients[role]
            if client.get(path).status_code != 200:
                wrong.append(f"{path} as {role}: the shell is not served")
            body = callback_body(
                router,
                values={"_pages_location.pathname": path, "_pages_location.search": ""},
            )
            answer = post_callback(client, body)
            shown = json.dumps(answer.response)
            if answer.status_code != 200:
                wrong.append(f"{path} as {role}: HTTP {answer.status_code}")
            elif (f'"{marker}"' in shown) != (role in roles):
                expected = "shown" if role in roles else "refused"
                wrong.append(f"{path} as {role}: should be {expected}")
    assert not wrong, "\n".join(wrong)


# Complete, valid forms for the callbacks that write, per role (each role its own target, so
# a permitted role's write cannot collide with another's).
def _valid_values(web: Web, function: str, trigger: str | None, role: str) -> dict[str, Any]:
    stay = web.stay
    short = function.rsplit(":", 1)[-1].rsplit(".", 1)[-1]
    n = stay.serial()
    if short == "save_admission":
        return {
            "admit-save.n_clicks": 1,
            "admit-mrn.value": f"WEB{n}",
            "admit-family.value": "Webb",
            "admit-given.value": "Alex",
            "admit-birth.value": "1980-02-03",
            "admit-sex.value": "female",
            "admit-bed.value": f"W{n}",
            "admit-attending.value": str(stay.staff["doctor1"].user_id),
            "admit-drug.value": "clonazepam",
            "admit-dose.value": 1,
            "admit-confirm.value": "",
            "admit-history.value": "",
        }
    if short == "confirm_scale":
        return {
            "spo2-scale-confirm.n_clicks": 1,
            "spo2-scale-admission.data": stay.new_admission(),
            "spo2-scale-choice.value": "2",
            "spo2-scale-reason.value": "Hypercapnic COPD: target 88-92 %",
        }
    if "co_medications" in function and short == "add":
        return {
            "comed-add.n_clicks": 1,
            "comed-admission.data": stay.new_admission(),
            "comed-class.value": "opioid",
            "comed-name.value": "methadone",
            "comed-detail.value": "60 mg",
        }
    if "co_medications" in function and short == "stop":
        return {"comed-stop.n_clicks": [1], "comed-stop-reason.value": "Finished"}
    if "co_medications" in function and short == "naloxone":
        return {
            "comed-naloxone-save.n_clicks": 1,
            "comed-admission.data": stay.new_admission(),
            "comed-naloxone.value": "supplied",
        }
    if short == "confirm_discharge":
        return {
            "discharge-confirm.n_clicks": 1,
            "discharge-admission.data": stay.new_admission(),
            "discharge-time.value": "",
        }
    if short == "vitals_form_changed" and trigger == "vitals-save.n_clicks":
        return {
            **complete_vitals_form(stay.admission_id),
            # Each role's form is a new opening with its own token (the same token again is a
            # replay of the first save, which rightly writes nothing).
            "vitals-submission.data": new_submission_id(),
        }
    if short == "ciwa_save":
        return {
            "ciwa-save.n_clicks": 1,
            "ciwa-item.value": ["1"] * 20,
            "ciwa-taken_at.value": "",
            "patient-admission.data": stay.admission_id,
            "ciwa-submission.data": new_submission_id(),
        }
    if short == "prn_save":
        return {
            "prn-save.n_clicks": 1,
            "prn-pending.data": {"order": stay.new_prn_order()},
            "prn-reason.value": "Anxious, asked for a dose",
            "prn-time.value": "",
            "patient-admission.data": stay.admission_id,
        }
    if short == "prn_order_save":
        order = {
            "drug": "lorazepam",
            "dose": "0.5",
            "interval": 4,
            "max-doses": 3,
            "max-mg": "1.5",
            "indication": "withdrawal symptoms",
            "scale": None,
            "threshold": None,
            "days": 3,
            "label-reason": "",
            "reason": "Breakthrough symptoms expected",
        }
        return {
            "prn-order-save.n_clicks": 1,
            "prn-order-pending.data": {"order": None},
            "patient-admission.data": stay.admission_id,
            **{f"prn-order-{k}.value": v for k, v in order.items()},
        }
    if short == "prn_stop_save":
        return {
            "prn-stop-save.n_clicks": 1,
            "prn-stop-pending.data": {"order": stay.new_prn_order()},
            "prn-stop-reason.value": "Settled",
        }
    if short == "ciwar_save":
        return {
            "ciwar-save.n_clicks": 1,
            "ciwar-item.value": ["1"] * 10,
            "ciwar-taken_at.value": "",
            "patient-admission.data": stay.admission_id,
            "ciwar-submission.data": new_submission_id(),
        }
    if short == "ciwa_ar_toggle":
        return {"ciwa-ar-switch.checked": True, "patient-admission.data": stay.new_admission()}
    if short == "save_dose_confirm":
        return {
            "dose-confirm-save.n_clicks": 1,
            "dose-confirm-reason.value": "Verified with the GP",
            "patient-admission.data": stay.new_admission(drug="alprazolam", daily_ug=12000),
        }
    if short == "_save_units":
        return {"units-save.n_clicks": 1, "ward-unit.value": _units_form(n)}
    if short == "_save_tablets":
        changed = "0.25, 1" if n % 2 else "0.5, 1"
        return {
            "tablets-save.n_clicks": 1,
            "ward-tablets.value": [changed if d == "alprazolam" else "1" for d in DRUGS],
        }
    if short == "mar_action":
        return {"mar-act.n_clicks": [1], "mar-time.value": ""}
    if short == "band_scanned":
        return {
            "band-scan.n_submit": 1,
            "band-scan.value": "TW0001",
            "band-admission.data": stay.admission_id,
        }
    if short == "band_override_save":
        return {
            "band-override-save.n_clicks": 1,
            "band-override-reason.value": "band_unreadable",
            "band-override-text.value": "",
            "band-admission.data": stay.admission_id,
        }
    if short == "mar_confirm":
        return {
            "mar-confirm.n_clicks": 1,
            "mar-pending.data": {"slot_id": stay.open_slots()[0], "status": "held"},
            "mar-reason.value": "too_drowsy",
            "mar-reason-text.value": "",
            "mar-modal-time.value": "",
        }
    if short == "confirm_in_error":
        return {
            "in-error-confirm.n_clicks": 1,
            "in-error-target.data": {"entity": "vitals", "id": stay.vitals_entry()},
            "in-error-reason.value": "Charted on the wrong patient",
        }
    if "plan_panel" in function and short == "_save":
        return {
            "pp-save-btn.n_clicks": 1,
            "pp-kind.data": "hold",
            "pp-admission.data": stay.new_admission(with_plan=True),
            "pp-reason.value": "CIWA-B rose after the last cut",
            "pp-hold-days.value": 7,
            "pp-hold-open.checked": False,
        }
    if "rounds" in function and short == "_sign":
        return {
            "rd-save-btn.n_clicks": 1,
            "rounds-admission.data": stay.new_admission(with_plan=True),
            "rd-decision.value": "hold",
            "rounds-scope.value": "all",
            "rd-reason.value": "Symptoms climbing since the last step",
            "rd-hold-days.value": 7,
            "rd-hold-open.checked": False,
        }
    if "queue" in function and short == "_confirm":
        return {
            "queue-confirm.n_clicks": 1,
            "queue-note.value": "Seen; obs repeated",
            "queue-pending.data": {"action": "acknowledge", "flag": stay.open_flag()},
        }
    if short == "_save_policy":
        return {"policy-save.n_clicks": 1, "policy.value": [40 + n % 20]}
    if short == "_add_user":
        return {
            "user-add.n_clicks": 1,
            "user-username.value": f"web{n}",
            "user-display_name.value": "Web Locum",
            "user-role.value": "nurse",
            "user-password.value": PASSWORD,
        }
    if short == "_save_password":
        return {
            "passwd-save.n_clicks": 1,
            "passwd-user.data": stay.staff["nurse2"].user_id,
            "passwd-new.value": PASSWORD,
            "passwd-again.value": PASSWORD,
        }
    if short == "_save_role":
        return {
            "role-save.n_clicks": 1,
            "role-user.data": stay.staff["nurse2"].user_id,
            "role-select.value": _other_role(stay),
        }
    return {}


def _units_form(n: int) -> list[str]:
    """The units form's values in DRUGS order: alprazolam's changes every time (no other test
    of the module uses alprazolam doses that a larger unit would refuse)."""
    changed = "0.25" if n % 2 else "0.5"
    return [changed if d == "alprazolam" else format_mg(spec.unit_ug) for d, spec in DRUGS.items()]


def _expand(web: Web, function: str) -> dict[str, list[dict[str, Any]]]:
    stay = web.stay
    short = function.rsplit(":", 1)[-1].rsplit(".", 1)[-1]
    if "charting_prn" in function and short == "prn_open":
        return {"prn-give": [{"type": "prn-give", "order": stay.new_prn_order()}]}
    if "prn_orders" in function and short == "prn_stop_open":
        return {"prn-stop": [{"type": "prn-stop", "order": stay.new_prn_order()}]}
    if "prn_orders" in function and short == "prn_order_open":
        return {"prn-change": [{"type": "prn-change", "order": stay.new_prn_order()}]}
    if "charting_ciwa_ar" in function:
        return {
            "ciwar-item": [{"type": "ciwar-item", "item": n} for n in range(1, 11)],
            "ciwar-row": [{"type": "ciwar-row", "item": n} for n in range(1, 11)],
        }
    if short == "_save_units":
        return {"ward-unit": [{"type": "ward-unit", "drug": d} for d in DRUGS]}
    if "co_medications" in function and short == "stop":
        return {"comed-stop": [{"type": "comed-stop", "id": stay.new_co_medication()}]}
    if short == "_save_tablets":
        return {"ward-tablets": [{"type": "ward-tablets", "drug": d} for d in DRUGS]}
    if "charting_mar" in function and short == "mar_action":
        slot = stay.open_slots(stay.new_admission(with_plan=True))[0]  # due: the window is open
        return {"mar-act": [{"type": "mar-act", "slot": slot, "act": "given"}]}
    if "charting_ciwa" in function:
        return {
            "ciwa-item": [{"type": "ciwa-item", "item": n} for n in range(1, 21)],
            "ciwa-row": [{"type": "ciwa-row", "item": n} for n in range(1, 21)],
        }
    if "charting_history" in function and short == "open_in_error":
        return {"in-error-open": [{"type": "in-error-open", "entity": "vitals", "id": 1}]}
    if "plan_panel" in function and short == "_open":
        return {"pp-action": [{"type": "pp-action", "kind": "hold"}]}
    if "rounds" in function and short == "_open":
        return {"rounds-review-open": [{"type": "rounds-review-open", "admission": 1}]}
    if "queue" in function and short == "_open":
        flag = stay.open_flag()
        return {"queue-act": [{"type": "queue-act", "flag": flag, "action": "acknowledge"}]}
    if short == "_save_policy":
        return {"policy": [{"type": "policy", "field": "dose_window_min"}]}
    if "admin" in function and short == "_toggle_user":
        return {"user-active": [{"type": "user-active", "user": stay.staff["nurse2"].user_id}]}
    if "admin" in function and short == "_unlock_or_sign_out":
        nurse2 = stay.staff["nurse2"].user_id
        return {
            "user-unlock": [{"type": "user-unlock", "user": nurse2}],
            "user-sign-out": [{"type": "user-sign-out", "user": nurse2}],
        }
    if "admin" in function and short in ("_open_password", "_open_role"):
        kind = "user-passwd-open" if short == "_open_password" else "user-role-open"
        return {kind: [{"type": kind, "user": stay.staff["nurse2"].user_id}]}
    return {}


def _default_values(web: Web, cb: ServerCallback, trigger: str) -> dict[str, Any]:
    """What the rendered pages hold (at the board's address), and a click (n_clicks 1) or a
    tick on the trigger."""
    held = web.page_state.values | {"_pages_location.pathname": "/", "_pages_location.search": ""}
    prop = trigger.rsplit(".", 1)[-1]
    value: Any = [1] if any(isinstance(i, dict) for i, _ in cb.inputs) else 1
    if prop in ("n_clicks", "n_intervals"):
        return held | {trigger: value}
    return held


def _matches(web: Web, function: str) -> dict[str, list[dict[str, Any]]]:
    return {k: list(v) for k, v in web.page_state.matches.items()} | _expand(web, function)


@pytest.mark.parametrize("role", ROLES)
def test_callbacks_enforce_the_matrix(web: Web, role: str) -> None:
    """Every server callback as ``role``: permitted -> answered (and a complete form writes);
    forbidden -> 403, or a refusal, and nothing written."""
    client = web.clients[role]
    wrong = []
    for cb in web.callbacks:
        for rule in CALLBACKS.get(cb.function, ()):
            trigger = rule.trigger or cb.triggers[0]
            values = _default_values(web, cb, trigger) | _valid_values(
                web, cb.function, trigger, role
            )
            body = callback_body(
                cb, values=values, expand=_matches(web, cb.function), trigger=trigger
            )
            before = row_counts(web.stay.engine)
            answer = post_callback(client, body)
            written = changed_tables(before, row_counts(web.stay.engine))
            name = f"{cb.function.split(':')[1]} [{trigger}]"
            if answer.status_code >= 500 or answer.status_code in (400, 401):
                wrong.append(f"{name}: HTTP {answer.status_code}")
            elif role in rule.roles:
                if answer.status_code == 403:
                    wrong.append(f"{name}: 403, but the matrix allows {role}")
                elif rule.writes and rule.writes not in written:
                    wrong.append(f"{name}: a valid form wrote {written}, not {rule.writes}")
            else:
                if written:
                    wrong.append(f"{name}: forbidden to {role} but wrote {written}")
                if answer.status_code != 403 and "Not saved" not in answer.text:
                    wrong.append(f"{name}: forbidden to {role} but answered {answer.status_code}")
            if not rule.writes and written:
                wrong.append(f"{name}: a read-only callback wrote {written}")
    assert not wrong, "\n".join(wrong)


def test_anonymous_is_refused_everything(web: Web) -> None:
    """Anonymous: every page redirects to sign-in, every callback (with a complete form)
    answers 401, and nothing is written."""
    client = web.app.server.test_client()
    for page in dash.page_registry.values():
        response = client.get(_page_path(page, web.stay))
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    bodies = []
    for cb in web.callbacks:
        for rule in CALLBACKS.get(cb.function, ()):
            trigger = rule.trigger or cb.triggers[0]
            values = _default_values(web, cb, trigger) | _valid_values(
                web, cb.function, trigger, "-"
            )
            expand = _matches(web, cb.function)
            bodies.append(callback_body(cb, values=values, expand=expand, trigger=trigger))
    assert bodies
    before = row_counts(web.stay.engine)
    for body in bodies:
        assert post_callback(client, body, csrf=False).status_code == 401, body["output"]
    assert row_counts(web.stay.engine) == before


def test_every_other_route_refuses_anonymous(web: Web) -> None:
    """Flask's own routes (downloads, Dash's endpoints, assets, the pages' catch-all),
    enumerated from the URL map: only the public paths (PUBLIC_ROUTES) answer anonymous
    requests."""
    from dashboard.auth import PUBLIC_PATHS

    client = web.app.server.test_client()
    checked = 0
    for rule in web.app.server.url_map.iter_rules():
        path = re.sub(r"<(?:int:)?[^>]+>", lambda m: "1" if "int:" in m[0] else "x.csv", rule.rule)
        if path in PUBLIC_PATHS or rule.rule in PUBLIC_PATHS:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            refused = response.status_code == 401 or (
                response.status_code == 302 and response.headers["Location"].startswith("/login")
            )
            assert refused, f"{method} {path}: {response.status_code}"
            checked += 1
    assert checked >= 8


# What anonymous requests may reach, and why.
PUBLIC_ROUTES: dict[str, str] = {
    "/login": "the sign-in form",
    "/assets/login.css": "its stylesheet",
    "/favicon.ico": "the browser's icon",
    "/healthz": "the health check (no data)",
    "/session/unlock": "a locked page signs in again (CSRF-checked; a sign-in like /login)",
    "/login/oidc": "hospital sign-in: to the provider (when configured; test_oidc)",
    "/login/oidc/callback": "hospital sign-in: back from it (state and ID token checked)",
}


def test_the_public_paths_are_the_ones_listed() -> None:
    from dashboard.auth import PUBLIC_PATHS

    assert PUBLIC_PATHS == PUBLIC_ROUTES.keys()


# Routes of Flask's own, beyond the pages and callbacks: who may use each. (Downloads have their
# tests in test_csv_export; the sign-in form and health check are public.)
SESSION_ROUTES: dict[str, frozenset[str]] = {
    "GET /session/activity": ALL,  # the idle lock: how long this session has left
    "POST /session/activity": ALL,  # ... and that someone used the page
    "POST /session/unlock": ALL,  # a locked page signs in again (public: the session ended)
}


def test_the_idle_lock_routes_serve_each_role_its_own_session(web: Web) -> None:
    from dashboard.security import CSRF_COOKIE, CSRF_HEADER

    assert all(roles == ALL for roles in SESSION_ROUTES.values())
    rules = {
        f"{method} {rule.rule}"
        for rule in web.app.server.url_map.iter_rules()
        if rule.rule.startswith("/session/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert rules == SESSION_ROUTES.keys()
    for role in ROLES:
        client = web.app.server.test_client()  # its own: unlocking changes the session
        assert sign_in(client, USERNAMES[role]) == 302
        assert client.get("/").status_code == 200
        csrf = client.get_cookie(CSRF_COOKIE)
        assert csrf is not None
        headers = {CSRF_HEADER: csrf.value}
        assert client.get("/session/activity").get_json()["username"] == USERNAMES[role]
        assert client.post("/session/activity", headers=headers).status_code == 200
        before = row_counts(web.stay.engine)
        refused = client.post(
            "/session/unlock", data={"username": USERNAMES[role], "password": "wrong password"}
        )
        assert refused.status_code == 403  # no CSRF header
        assert row_counts(web.stay.engine) == before
        unlocked = client.post(
            "/session/unlock",
            data={"username": USERNAMES[role], "password": PASSWORD},
            headers=headers,
        )
        assert unlocked.get_json() == {"same_user": True}
        assert client.get("/session/activity").get_json()["username"] == USERNAMES[role]
