"""FHIR R4 import from an EHR bundle: Patient, Encounter and vital-sign Observations; idempotent
by identifier, all or nothing, a reason per refused resource. SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.admissions import admit
from models.audit import Actor
from models.clinical.news2 import Vitals, news2
from models.db import transaction
from models.errors import PermissionDenied
from models.fhir_bundle import BundleRefused
from models.fhir_import import ImportResult, import_bundle
from models.tables import Admission, AuditEvent, Patient, VitalSigns, Ward
from tests.conftest import NOW
from tests.factories import admit_patient
from tests.models.fhir_stay import counts

EHR = "https://ehr.hospital.test"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
LOCAL = "urn:taperwatch:fhir:observation"
VITAL_SIGNS = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs",
        }
    ]
}
# (effective time, HR, systolic, diastolic, temperature, RR, SpO2, on oxygen, ACVPU)
SETS = (
    ("2026-03-09T08:00:00Z", 84, 128, 82, 36.9, 16, 97, False, "A"),
    ("2026-03-09T12:00:00+01:00", 104, 150, 95, 37.9, 21, 94, True, "C"),
)
START = "2026-03-08T15:30:00Z"


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _observation(
    name: str, n: int, at: str, code: list[dict[str, str]], **value: Any
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"{name}-{n}",
        "identifier": [{"system": f"{EHR}/observation", "value": f"{name}-{n}"}],
        "status": "final",
        "category": [VITAL_SIGNS],
        "code": {"coding": code},
        "subject": {"reference": "Patient/p1"},
        "encounter": {"reference": "Encounter/e1"},
        "effectiveDateTime": at,
        **value,
    }


def _loinc(code: str) -> list[dict[str, str]]:
    return [{"system": LOINC, "code": code}]


def ehr_bundle(
    sets: tuple[tuple[Any, ...], ...] = SETS, *, news2_inputs: bool = True
) -> dict[str, Any]:
    """What an EHR sends: each vital sign its own Observation, blood pressure as the panel."""
    observations: list[dict[str, Any]] = []
    for n, (at, hr, sbp, dbp, temp, rr, spo2, o2, acvpu) in enumerate(sets):
        observations += [
            _observation("hr", n, at, _loinc("8867-4"), valueQuantity=_quantity(hr, "/min")),
            _observation("rr", n, at, _loinc("9279-1"), valueQuantity=_quantity(rr, "/min")),
            _observation("temp", n, at, _loinc("8310-5"), valueQuantity=_quantity(temp, "Cel")),
            _observation(
                "bp",
                n,
                at,
                _loinc("85354-9"),
                component=[
                    {
                        "code": {"coding": _loinc("8480-6")},
                        "valueQuantity": _quantity(sbp, "mm[Hg]"),
                    },
                    {
                        "code": {"coding": _loinc("8462-4")},
                        "valueQuantity": _quantity(dbp, "mm[Hg]"),
                    },
                ],
            ),
            _observation(
                "spo2",
                n,
                at,
                _loinc("59408-5") + _loinc("2708-6"),
                valueQuantity=_quantity(spo2, "%"),
            ),
        ]
        if news2_inputs:
            observations += [
                _observation(
                    "o2",
                    n,
                    at,
                    [{"system": LOCAL, "code": "supplemental-o2"}],
                    valueBoolean=o2,
                    category=[],
                ),
                _observation(
                    "acvpu",
                    n,
                    at,
                    [{"system": LOCAL, "code": "acvpu"}],
                    category=[],
                    valueCodeableConcept={
                        "coding": [{"system": "urn:taperwatch:fhir:acvpu", "code": acvpu}]
                    },
                ),
            ]
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [
            {"system": f"{EHR}/nhs-number", "value": "999 123 4567"},
            {
                "type": {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}
                    ]
                },
                "system": f"{EHR}/mrn",
                "value": "h123",
            },
        ],
        "name": [{"family": "Smith", "given": ["Jo", "A"]}],
        "gender": "male",
        "birthDate": "1965-07-01",
    }
    encounter = {
        "resourceType": "Encounter",
        "id": "e1",
        "identifier": [{"system": f"{EHR}/encounter", "value": "ENC-1"}],
        "status": "in-progress",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
        "subject": {"reference": "Patient/p1"},
        "period": {"start": START},
    }
    resources: list[dict[str, Any]] = [patient, encounter, *observations]
    return {
        "resourceType": "Bundle",
        "id": "ehr-1",
        "type": "collection",
        "entry": [
            {"fullUrl": f"{EHR}/fhir/{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }


@pytest.fixture
def load(engine: Engine, staff: dict[str, Actor], ward: Ward) -> Callable[..., ImportResult]:
    def run(bundle: object, **options: Any) -> ImportResult:
        actor = options.pop("actor", staff["nurse1"])
        defaults: dict[str, Any] = {"bed": "B7", "drug": "clonazepam", "daily_ug": 2000, "now": NOW}
        with transaction(engine) as session:
            assert ward.id is not None
            return import_bundle(
                session,
                actor,
                bundle,
                ward.id,
                staff["doctor1"].user_id or 0,
                **(defaults | options),
            )

    return run


def _rows(engine: Engine) -> list[VitalSigns]:
    with Session(engine) as session:
        return list(session.exec(select(VitalSigns).order_by(col(VitalSigns.taken_at))).all())


def test_import_creates_the_patient_the_admission_and_one_row_per_reading_set(
    engine: Engine, staff: dict[str, Actor], load: Callable[..., ImportResult]
) -> None:
    result = load(ehr_bundle())
    assert result.patient_created and result.admission_created
    assert (result.vitals_added, result.vitals_already_present) == (2, 0)
    with Session(engine) as session:
        patient = session.get(Patient, result.patient_id)
        admission = session.get(Admission, result.admission_id)
        assert patient is not None and admission is not None
        assert (patient.mrn, patient.family_name, patient.given_name) == ("H123", "Smith", "Jo")
        assert patient.birth_date == date(1965, 7, 1) and patient.sex == "male"
        assert admission.external_id == f"{EHR}/encounter|ENC-1"
        assert admission.admitted_at == datetime(2026, 3, 8, 15, 30, tzinfo=UTC)
        assert admission.bed == "B7" and admission.discharged_at is None
        actions = [
            e.action for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
        ]
    rows = _rows(engine)
    assert [r.taken_at for r in rows] == [
        datetime(2026, 3, 9, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 9, 11, 0, tzinfo=UTC),  # 12:00+01:00
    ]
    for row, (_, hr, sbp, dbp, temp, rr, spo2, o2, acvpu) in zip(rows, SETS, strict=True):
        assert (
            row.heart_rate,
            row.systolic,
            row.diastolic,
            row.temperature_c,
            row.resp_rate,
            row.spo2,
            row.supplemental_o2,
            row.consciousness,
        ) == (hr, sbp, dbp, temp, rr, spo2, o2, acvpu)
        expected = news2(Vitals(hr, sbp, dbp, temp, rr, spo2, o2, acvpu))
        assert row.news2_total == expected.total
        assert row.charted_by == staff["nurse1"].user_id
        assert row.external_id is not None and row.external_id.startswith("fhir-obs:")
    assert rows[1].news2_total >= 7  # the second set is abnormal: NEWS2 computed on import
    assert actions.count("vitals.record") == 2
    assert {"patient.create", "admission.create", "admission.link_encounter", "fhir.import"} <= set(
        actions
    )
    assert result.skipped == {}


def test_importing_twice_adds_nothing(engine: Engine, load: Callable[..., ImportResult]) -> None:
    first = load(ehr_bundle())
    before = counts(engine)
    second = load(ehr_bundle())
    assert second.admission_id == first.admission_id and second.patient_id == first.patient_id
    assert not second.patient_created and not second.admission_created
    assert (second.vitals_added, second.vitals_already_present) == (0, 2)
    after = counts(engine)
    assert after["VitalSigns"] == before["VitalSigns"] == 2
    assert after["Patient"] == before["Patient"] == 1
    assert after["Admission"] == before["Admission"] == 1


def test_a_later_bundle_adds_only_its_new_readings(
    engine: Engine, load: Callable[..., ImportResult]
) -> None:
    load(ehr_bundle(SETS[:1]))
    result = load(ehr_bundle(SETS), bed=None, drug=None, daily_ug=None)  # the admission exists
    assert (result.vitals_added, result.vitals_already_present) == (1, 1)
    assert len(_rows(engine)) == 2


def test_a_changed_reading_is_refused_not_overwritten(
    engine: Engine, load: Callable[..., ImportResult]
) -> None:
    load(ehr_bundle())
    changed = ehr_bundle(((SETS[0][0], 130, *SETS[0][2:]), SETS[1]))
    with pytest.raises(BundleRefused) as refused:
        load(changed)
    assert "differs from the reading already charted" in str(refused.value)
    assert [r.heart_rate for r in _rows(engine)] == [SETS[0][1], SETS[1][1]]


def _drop(bundle: dict[str, Any], resource_id: str) -> None:
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"].get("id") != resource_id]


def _resource(bundle: dict[str, Any], resource_id: str) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == resource_id)


def _no_resource_type(b: dict[str, Any]) -> None:
    del _resource(b, "temp-1")["resourceType"]


def _bad_value(b: dict[str, Any]) -> None:
    _resource(b, "hr-0")["valueQuantity"]["value"] = 400


def _unknown_loinc(b: dict[str, Any]) -> None:
    weight = _observation(
        "weight", 0, SETS[0][0], _loinc("29463-7"), valueQuantity=_quantity(70, "kg")
    )
    b["entry"].append({"fullUrl": f"{EHR}/fhir/Observation/weight-0", "resource": weight})


def _no_time(b: dict[str, Any]) -> None:
    del _resource(b, "rr-1")["effectiveDateTime"]


def _date_only(b: dict[str, Any]) -> None:
    _resource(b, "rr-1")["effectiveDateTime"] = "2026-03-09"


def _incomplete(b: dict[str, Any]) -> None:
    _drop(b, "spo2-0")


def _no_news2_inputs(b: dict[str, Any]) -> None:
    b.update(ehr_bundle(news2_inputs=False))


def _wrong_unit(b: dict[str, Any]) -> None:
    _resource(b, "temp-0")["valueQuantity"] = _quantity(310, "K")


def _not_fhir(b: dict[str, Any]) -> None:
    _resource(b, "hr-1")["valueQuantity"]["value"] = "fast"


def _systolic_below_diastolic(b: dict[str, Any]) -> None:
    _resource(b, "bp-0")["component"][0]["valueQuantity"]["value"] = 70


def _other_patient(b: dict[str, Any]) -> None:
    _resource(b, "hr-0")["subject"] = {"reference": "Patient/someone-else"}


def _no_encounter_identifier(b: dict[str, Any]) -> None:
    del _resource(b, "e1")["identifier"]


def _two_readings(b: dict[str, Any]) -> None:
    duplicate = copy.deepcopy(_resource(b, "hr-0"))
    duplicate["id"] = duplicate["identifier"][0]["value"] = "hr-0b"
    b["entry"].append({"fullUrl": f"{EHR}/fhir/Observation/hr-0b", "resource": duplicate})


def _before_admission(b: dict[str, Any]) -> None:
    for name in ("hr", "rr", "temp", "bp", "spo2", "o2", "acvpu"):
        _resource(b, f"{name}-0")["effectiveDateTime"] = "2026-03-08T10:00:00Z"


def _future(b: dict[str, Any]) -> None:
    for name in ("hr", "rr", "temp", "bp", "spo2", "o2", "acvpu"):
        _resource(b, f"{name}-1")["effectiveDateTime"] = "2026-03-11T10:00:00Z"


def _not_a_bundle(b: dict[str, Any]) -> None:
    b["resourceType"] = "Patient"


MALFORMED: list[tuple[Callable[[dict[str, Any]], None], str, str]] = [
    (
        _no_resource_type,
        "entry 11 (https://ehr.hospital.test/fhir/Observation/temp-1)",
        "no resourceType",
    ),
    (_bad_value, "Observation/hr-0", "heart rate 400 /min is outside the plausible range"),
    (_unknown_loinc, "Observation/weight-0", "LOINC 29463-7 is not a vital sign"),
    (_no_time, "Observation/rr-1", "no time"),
    (_date_only, "Observation/rr-1", "no time"),
    (_incomplete, "Observations at 2026-03-09T08:00:00+00:00", "incomplete set: no SpO2"),
    (
        _no_news2_inputs,
        "Observations at 2026-03-09T08:00:00+00:00",
        "no supplemental oxygen, ACVPU",
    ),
    (_wrong_unit, "Observation/temp-0", "body temperature (LOINC 8310-5) in 'K'"),
    (_not_fhir, "Observation/hr-1", "not valid FHIR: valueQuantity.value"),
    (_systolic_below_diastolic, "Observation/bp-0", "must be above diastolic"),
    (_other_patient, "Observation/hr-0", "subject must be the bundle's Patient"),
    (_no_encounter_identifier, "Encounter/e1", "has no identifier"),
    (_two_readings, "Observation/hr-0b", "a second heart rate"),
    (_before_admission, "Observations at 2026-03-08T10:00:00+00:00", "before the admission"),
    (_future, "Observations at 2026-03-11T10:00:00+00:00", "in the future"),
    (_not_a_bundle, "bundle", "not a FHIR Bundle"),
]


@pytest.mark.parametrize(
    ("spoil", "resource", "reason"), MALFORMED, ids=[m[0].__name__[1:] for m in MALFORMED]
)
def test_a_malformed_bundle_is_refused_with_its_reason_and_nothing_is_written(
    engine: Engine,
    load: Callable[..., ImportResult],
    spoil: Callable[[dict[str, Any]], None],
    resource: str,
    reason: str,
) -> None:
    bundle = ehr_bundle()
    spoil(bundle)
    before = counts(engine)
    with pytest.raises(BundleRefused) as refused:
        load(bundle)
    problems = refused.value.problems
    assert any(p.resource.startswith(resource) and reason in p.reason for p in problems), problems
    assert "nothing was imported" in str(refused.value)
    assert counts(engine) == before


def test_every_problem_is_reported_at_once(load: Callable[..., ImportResult]) -> None:
    bundle = ehr_bundle()
    _bad_value(bundle)
    _no_time(bundle)
    _wrong_unit(bundle)
    with pytest.raises(BundleRefused) as refused:
        load(bundle)
    where = {p.resource for p in refused.value.problems}
    assert {"Observation/hr-0", "Observation/rr-1", "Observation/temp-0"} <= where


def test_a_failure_while_writing_leaves_nothing_even_if_the_caller_commits(
    engine: Engine, staff: dict[str, Actor], ward: Ward, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second reading set fails after the patient, the admission and the first set were
    written: the savepoint takes all of them back."""
    import models.fhir_import as fhir_import
    from models.errors import FieldError

    real = fhir_import.record_vitals  # type: ignore[attr-defined]
    calls: list[int] = []

    def failing_second(**kwargs: Any) -> VitalSigns:
        calls.append(1)
        if len(calls) == 2:
            raise FieldError("taken_at", "injected fault")
        return real(**kwargs)

    monkeypatch.setattr(fhir_import, "record_vitals", failing_second)
    before = counts(engine)
    assert ward.id is not None
    with Session(engine) as session:
        with pytest.raises(BundleRefused, match="injected fault"):
            import_bundle(
                session,
                staff["nurse1"],
                ehr_bundle(),
                ward.id,
                staff["doctor1"].user_id or 0,
                now=NOW,
                bed="B7",
                drug="clonazepam",
                daily_ug=2000,
            )
        session.commit()
    assert len(calls) == 2
    assert counts(engine) == before


def test_an_occupied_bed_refuses_the_bundle(
    engine: Engine, staff: dict[str, Actor], ward: Ward, load: Callable[..., ImportResult]
) -> None:
    assert ward.id is not None
    with transaction(engine) as session:
        admit(
            session=session,
            actor=staff["nurse1"],
            ward_id=ward.id,
            mrn="TW9",
            family_name="Bed",
            given_name="Taken",
            birth_date=date(1990, 1, 1),
            sex="female",
            bed="B7",
            attending_id=staff["doctor1"].user_id or 0,
            drug="diazepam",
            daily_ug=10000,
            admitted_at=NOW - timedelta(days=3),
            now=NOW,
        )
    before = counts(engine)
    with pytest.raises(BundleRefused, match="bed B7 is occupied"):
        load(ehr_bundle())
    assert counts(engine) == before


def test_a_new_admission_needs_the_baseline_drug_and_a_bed(
    load: Callable[..., ImportResult],
) -> None:
    with pytest.raises(BundleRefused) as refused:
        load(ehr_bundle(), bed=None, drug=None, daily_ug=None)
    reasons = " ".join(p.reason for p in refused.value.problems)
    assert "baseline benzodiazepine" in reasons and "needs a bed" in reasons


def test_import_into_an_admission_made_in_taperwatch(
    engine: Engine, staff: dict[str, Actor], ward: Ward, load: Callable[..., ImportResult]
) -> None:
    assert ward.id is not None
    with transaction(engine) as session:
        admission = admit_patient(
            session,
            staff=staff,
            ward=ward,
            now=NOW,
            mrn="H123",
            family_name="Smith",
            given_name="Jo",
            birth_date=date(1965, 7, 1),
            sex="male",
            bed="B2",
            admitted_at=datetime(2026, 3, 8, 15, 0, tzinfo=UTC),
        )
    with pytest.raises(BundleRefused, match="H123 is already admitted"):
        load(ehr_bundle())  # without --admission the import would admit them twice
    result = load(ehr_bundle(), admission_id=admission.id)
    assert result.admission_id == admission.id and not result.admission_created
    assert result.vitals_added == 2
    with Session(engine) as session:
        linked = session.get(Admission, admission.id)
        assert linked is not None and linked.external_id == f"{EHR}/encounter|ENC-1"
    again = load(ehr_bundle())  # found by the encounter identifier now
    assert again.admission_id == admission.id and again.vitals_added == 0


def test_fahrenheit_is_converted_to_celsius(
    engine: Engine, load: Callable[..., ImportResult]
) -> None:
    bundle = ehr_bundle(SETS[:1])
    _resource(bundle, "temp-0")["valueQuantity"] = _quantity(98.6, "[degF]")
    load(bundle)
    assert [r.temperature_c for r in _rows(engine)] == [37.0]


def test_sets_without_oxygen_or_acvpu_can_be_assumed_room_air_and_alert(
    engine: Engine, load: Callable[..., ImportResult]
) -> None:
    result = load(ehr_bundle(news2_inputs=False), assume_alert_on_air=True)
    assert result.vitals_added == 2 and "room air and Alert" in result.notes[0]
    assert {(r.supplemental_o2, r.consciousness) for r in _rows(engine)} == {(False, "A")}


def test_readings_in_error_and_other_resources_are_skipped(
    engine: Engine, load: Callable[..., ImportResult]
) -> None:
    bundle = ehr_bundle()
    for name in ("hr", "rr", "temp", "bp", "spo2", "o2", "acvpu"):
        _resource(bundle, f"{name}-1")["status"] = "entered-in-error"
    lab = _observation(
        "lab", 0, SETS[0][0], _loinc("2345-7"), category=[], valueQuantity=_quantity(5, "mmol/L")
    )
    bundle["entry"].append({"fullUrl": f"{EHR}/fhir/Observation/lab-0", "resource": lab})
    bundle["entry"].append({"resource": {"resourceType": "MedicationStatement", "id": "m1"}})
    result = load(bundle)
    assert result.vitals_added == 1
    assert result.skipped == {
        "Observation (entered-in-error)": 7,
        "Observation (not a vital sign)": 1,
        "MedicationStatement": 1,
    }


def test_an_ended_encounter_is_imported_as_a_discharged_admission(
    engine: Engine, load: Callable[..., ImportResult]
) -> None:
    bundle = ehr_bundle()
    _resource(bundle, "e1")["status"] = "finished"
    _resource(bundle, "e1")["period"]["end"] = "2026-03-09T18:00:00Z"
    result = load(bundle)
    with Session(engine) as session:
        admission = session.get(Admission, result.admission_id)
        assert admission is not None
        assert admission.discharged_at == datetime(2026, 3, 9, 18, 0, tzinfo=UTC)
    assert result.vitals_added == 2
    assert load(bundle).vitals_added == 0  # a second import of the closed stay changes nothing


def test_only_nurses_and_physicians_import(
    staff: dict[str, Actor], load: Callable[..., ImportResult]
) -> None:
    with pytest.raises(PermissionDenied):
        load(ehr_bundle(), actor=staff["admin1"])
