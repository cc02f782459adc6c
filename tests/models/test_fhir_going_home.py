"""The going-home resources of the FHIR export, on SQLite and PostgreSQL: a discharged stay on
founding schedule (a) exports the rest of the taper as a MedicationRequest with one dosage per
step and dose time (boundsPeriod), supply requests with the tablets to dispense, and the
discharge summary as a Composition; every resource parses with fhir.resources."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.admissions import discharge
from models.audit import Actor
from models.clinical.recipes import PRESETS
from models.clinical.tablets import Tablet, choose_tablets, daily_doses, dispense
from models.clinical.taper import build_schedule, plan_parameters
from models.db import transaction
from models.fhir_export import export_admission
from models.plan_changes import PlanSpec, create_plan
from models.tables import Ward
from models.ward_tablets import update_ward_tablets
from models.ward_units import update_ward_units
from tests.conftest import NOW
from tests.factories import admit_patient

START = NOW.date()  # the first cut, the day of admission
DISCHARGED = NOW + timedelta(days=10)  # Europe/London = UTC in March: day 11, still 1.5 mg


def _stay(engine: Engine, staff: dict[str, Actor], ward: Ward, *, leave: bool) -> int:
    assert ward.id is not None
    with transaction(engine) as session:
        update_ward_tablets(
            session=session,
            actor=staff["admin1"],
            ward_id=ward.id,
            values={"clonazepam": "0.5 scored, 2 scored"},
            now=NOW,
        )
        update_ward_units(
            session=session,
            actor=staff["admin1"],
            ward_id=ward.id,
            values={"clonazepam": "0.25"},
            now=NOW,
        )
        admission = admit_patient(session, staff=staff, ward=ward, now=NOW)
        assert admission.id is not None
        create_plan(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission.id,
            new_plan=PlanSpec("clonazepam", 2000, PRESETS["a"].recipe, START, "Schedule (a)"),
            now=NOW,
        )
        admission_id = admission.id
    if leave:
        with transaction(engine) as session:
            discharge(
                session=session,
                actor=staff["nurse1"],
                admission_id=admission_id,
                at=DISCHARGED,
                now=DISCHARGED,
            )
    return admission_id


def _export(engine: Engine, admission_id: int) -> dict[str, Any]:
    with Session(engine) as session:
        return export_admission(session, admission_id)


def _url_of(bundle: dict[str, Any], resource: dict[str, Any]) -> str:
    return str(next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is resource))


def _of(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_a_discharged_stay_exports_the_rest_of_the_taper_and_its_summary(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    bundle = _export(engine, _stay(engine, staff, ward, leave=True))
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)

    ours = _of(bundle, "MedicationRequest")
    taper = [r for r in ours if "expectedSupplyDuration" in r.get("dispenseRequest", {})]
    supply = [r for r in ours if r.get("basedOn")]
    assert len(taper) == 1 and len(supply) == 1
    request = taper[0]
    dosages = request["dosageInstruction"]
    schedule = build_schedule(
        plan_parameters(
            drug="clonazepam", recipe=PRESETS["a"].recipe, units_ug={"clonazepam": 250}
        ),
        daily_ug=2000,
        start=START,
    )
    first = DISCHARGED.date()
    later = [s for s in schedule.steps if s.start > first]
    # One dosage per remaining step and dose amount; the first starts on the day of discharge.
    starts = sorted({d["timing"]["repeat"]["boundsPeriod"]["start"] for d in dosages})
    assert starts == sorted([first.isoformat()] + [s.start.isoformat() for s in later])
    in_force = next(
        d for d in dosages if d["timing"]["repeat"]["boundsPeriod"]["start"] == starts[0]
    )
    assert (
        in_force["timing"]["repeat"]["boundsPeriod"]["end"]
        == (later[0].start - timedelta(days=1)).isoformat()
    )
    assert in_force["doseAndRate"][0]["doseQuantity"]["value"] == 0.75
    assert in_force["text"].endswith("1½ tablets of 0.5 mg")

    # Dispense: 0.5 mg tablets only, as many as the days' doses take, to the last step.
    steps = list(schedule.steps)
    tablets = (Tablet(500, True), Tablet(2000, True))
    choice = choose_tablets("clonazepam", [d.ug for s in steps for d in s.doses], tablets)
    expected = dispense(daily_doses(steps, "clonazepam", first, schedule.steps[-1].start), choice)
    assert expected.tablets == {500: request["dispenseRequest"]["quantity"]["value"]}
    assert request["dispenseRequest"]["quantity"]["code"] == "{tbl}"
    assert supply[0]["dispenseRequest"]["quantity"]["value"] == expected.tablets[500]
    assert supply[0]["medicationCodeableConcept"]["text"] == "clonazepam 0.5 mg tablet (scored)"
    assert supply[0]["basedOn"] == [{"reference": _url_of(bundle, request)}]
    assert request["dispenseRequest"]["validityPeriod"] == {
        "start": first.isoformat(),
        "end": schedule.steps[-1].start.isoformat(),
    }

    compositions = _of(bundle, "Composition")
    assert len(compositions) == 1
    summary = compositions[0]
    assert summary["type"]["coding"][0]["code"] == "18842-5"
    titles = [s["title"] for s in summary["section"]]
    assert titles == [
        "Stay",
        "Doses at admission and discharge",
        "Taper plan versions",
        "How each step was tolerated",
        "Last CIWA-B and NEWS2",
        "Flags raised and how they ended",
        "The rest of the taper and what to dispense",
        "Who continues the taper",
    ]
    urls = {e["fullUrl"] for e in bundle["entry"]}
    for section in summary["section"]:
        for ref in section.get("entry", []):
            assert ref["reference"] in urls
    tolerance = summary["section"][3]["text"]["div"]
    assert f"Step from {START.isoformat()} (clonazepam 1.5 mg a day)" in tolerance
    assert "no baseline" in tolerance  # no CIWA-B was charted before the first cut
    doses_text = summary["section"][1]["text"]["div"]
    assert "clonazepam 2 mg a day" in doses_text and "clonazepam 1.5 mg a day" in doses_text


def test_a_stay_still_on_the_ward_exports_no_summary(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    bundle = _export(engine, _stay(engine, staff, ward, leave=False))
    assert _of(bundle, "Composition") == []
    assert all(
        "expectedSupplyDuration" not in r.get("dispenseRequest", {})
        for r in _of(bundle, "MedicationRequest")
    )


def test_the_export_is_the_same_twice(engine: Engine, staff: dict[str, Actor], ward: Ward) -> None:
    admission_id = _stay(engine, staff, ward, leave=True)
    assert _export(engine, admission_id) == _export(engine, admission_id)


def test_the_export_is_in_english_and_says_so_whatever_the_wards_default(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    """The export goes to another system, not to a reader: its texts (the tablets in words in
    Dosage.text, the notes, the summary's narrative) stay English under a French ward default,
    and every resource declares its language."""
    from models.ward_policy import set_default_language

    with transaction(engine) as session:
        set_default_language(
            session=session, actor=staff["admin1"], ward_id=ward.id or 0, language="fr", now=NOW
        )
    bundle = _export(engine, _stay(engine, staff, ward, leave=True))
    assert all(e["resource"]["language"] == "en" for e in bundle["entry"])
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    taper = next(
        r
        for r in _of(bundle, "MedicationRequest")
        if "expectedSupplyDuration" in r.get("dispenseRequest", {})
    )
    assert any(d["text"].endswith("1½ tablets of 0.5 mg") for d in taper["dosageInstruction"])
    assert "tablets of 0.5 mg" in taper["note"][0]["text"]
