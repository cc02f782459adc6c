"""FHIR R4 export of one admission: every resource validates with fhir.resources, the codes are
the sourced ones (models.fhir_codes), and the bundle is stable. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import Actor
from models.clinical.scales import CIWA_B_ITEMS
from models.db import read_session
from models.errors import FieldError
from models.fhir_export import export_admission, full_url, resource_id
from models.schemas import VitalSignsCreate
from models.tables import Admission, TaperPlan, TaperStep, Ward
from tests.factories import admit_patient
from tests.models.fhir_stay import (
    CIWA_ITEMS,
    PLAN_START,
    VITAL_SETS,
    FhirStay,
    make_stay,
    resources,
)

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"


@pytest.fixture
def stay(engine: Engine, staff: dict[str, Actor], ward: Ward) -> FhirStay:
    return make_stay(engine, staff, ward)


@pytest.fixture
def bundle(engine: Engine, stay: FhirStay) -> dict[str, Any]:
    with read_session(engine) as session:
        exported = export_admission(session, stay.admission_id)
    wire: dict[str, Any] = json.loads(json.dumps(exported))  # what goes over the wire
    return wire


def _codes(concept: dict[str, Any], system: str) -> list[str]:
    return [c["code"] for c in concept["coding"] if c["system"] == system]


def _vital(bundle: dict[str, Any], loinc: str) -> list[dict[str, Any]]:
    return [o for o in resources(bundle, "Observation") if loinc in _codes(o["code"], LOINC)]


def test_every_resource_validates_with_fhir_resources(bundle: dict[str, Any]) -> None:
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    Bundle.model_validate(bundle)
    kinds = set()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"])
        model.model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        kinds.add(resource["resourceType"])
    assert kinds == {
        "Patient",
        "Encounter",
        "Observation",
        "Questionnaire",
        "QuestionnaireResponse",
        "MedicationRequest",
        "MedicationAdministration",
        "Flag",
    }


def test_references_resolve_inside_the_bundle(bundle: dict[str, Any]) -> None:
    urls = {entry["fullUrl"] for entry in bundle["entry"]}
    text = json.dumps(bundle)
    references = [part.split('"')[0] for part in text.split('"reference": "')[1:]]
    assert references and set(references) <= urls


def test_patient_and_encounter(bundle: dict[str, Any], stay: FhirStay) -> None:
    (patient,) = resources(bundle, "Patient")
    (mrn,) = patient["identifier"]
    assert mrn["value"] == "TW0042"
    assert _codes(mrn["type"], "http://terminology.hl7.org/CodeSystem/v2-0203") == ["MR"]
    assert patient["birthDate"] == "1971-05-04" and patient["gender"] == "female"
    assert patient["name"][0]["family"] == "Doe"
    (encounter,) = resources(bundle, "Encounter")
    assert encounter["status"] == "in-progress"
    assert encounter["class"]["code"] == "IMP"
    assert encounter["period"] == {"start": "2026-03-01T09:00:00+00:00"}
    assert encounter["subject"]["reference"] == full_url(f"patient/{patient_id(bundle)}")
    beds = [
        p["location"]["display"]
        for p in encounter["location"]
        if p["physicalType"]["coding"][0]["code"] == "bd"
    ]
    assert beds == ["B3"]


def patient_id(bundle: dict[str, Any]) -> int:
    (patient,) = resources(bundle, "Patient")
    for n in range(1, 100):
        if resource_id(f"patient/{n}") == patient["id"]:
            return n
    raise AssertionError("patient id is not uuid5 of its row")


def test_vital_signs_use_the_documented_loinc_codes_and_ucum_units(bundle: dict[str, Any]) -> None:
    expected = {  # LOINC [S43] -> UCUM [S44][S46]
        "8867-4": ("/min", [row[1] for row in VITAL_SETS]),
        "9279-1": ("/min", [row[5] for row in VITAL_SETS]),
        "8310-5": ("Cel", [row[4] for row in VITAL_SETS]),
    }
    for loinc, (unit, values) in expected.items():
        observations = _vital(bundle, loinc)
        assert [o["valueQuantity"]["value"] for o in observations] == values
        for o in observations:
            assert o["valueQuantity"]["system"] == UCUM and o["valueQuantity"]["code"] == unit
            assert _codes(
                o["category"][0], "http://terminology.hl7.org/CodeSystem/observation-category"
            ) == ["vital-signs"]
            assert "http://hl7.org/fhir/StructureDefinition/vitalsigns" in o["meta"]["profile"]
    blood_pressure = _vital(bundle, "85354-9")
    assert len(blood_pressure) == 3
    for o, row in zip(blood_pressure, VITAL_SETS, strict=True):
        assert "valueQuantity" not in o
        components = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in o["component"]}
        assert set(components) == {"8480-6", "8462-4"}
        assert components["8480-6"]["value"] == row[2] and components["8462-4"]["value"] == row[3]
        assert {q["code"] for q in components.values()} == {"mm[Hg]"}
    spo2 = _vital(bundle, "2708-6")
    assert len(spo2) == 3
    for o, row in zip(spo2, VITAL_SETS, strict=True):
        assert _codes(o["code"], LOINC) == ["2708-6", "59408-5"]  # [S44][S45]
        assert o["valueQuantity"]["code"] == "%" and o["valueQuantity"]["value"] == row[6]
    panels = _vital(bundle, "85353-1")
    assert len(panels) == 3 and all(len(p["hasMember"]) == 5 for p in panels)


def test_news2_inputs_use_local_codes(bundle: dict[str, Any]) -> None:
    observations = resources(bundle, "Observation")
    local = "urn:taperwatch:fhir:observation"
    oxygen = [
        o["valueBoolean"] for o in observations if _codes(o["code"], local) == ["supplemental-o2"]
    ]
    acvpu = [
        o["valueCodeableConcept"]["coding"][0]["code"]
        for o in observations
        if _codes(o["code"], local) == ["acvpu"]
    ]
    assert oxygen == [row[7] for row in VITAL_SETS]
    assert acvpu == [row[8] for row in VITAL_SETS]


def test_a_reading_in_error_is_exported_as_entered_in_error(
    bundle: dict[str, Any], stay: FhirStay
) -> None:
    prefix = f"vital_signs/{stay.vitals_in_error}/"
    ids = {resource_id(prefix + part) for part in ("heart-rate", "blood-pressure", "spo2", "panel")}
    flagged = [o for o in resources(bundle, "Observation") if o["id"] in ids]
    assert len(flagged) == 4
    assert {o["status"] for o in flagged} == {"entered-in-error"}
    assert "wrong patient" in flagged[0]["note"][0]["text"]
    statuses = [o["status"] for o in _vital(bundle, "8867-4")]
    assert statuses == ["final", "final", "entered-in-error"]


def test_ciwa_b_is_a_questionnaire_response_with_a_total_observation(
    bundle: dict[str, Any],
) -> None:
    (questionnaire,) = resources(bundle, "Questionnaire")
    questions = [item for group in questionnaire["item"] for item in group["item"]]
    assert [q["linkId"] for q in questions] == [str(n) for n in range(1, 21)]
    texts = [q["text"] for q in questions]
    # The sleep items carry their own anchors (higher is always more withdrawal).
    assert (
        texts[11]
        == "How restful was your sleep last night? (0 very restful … 4 not at all restful)"
    )
    assert texts[13] == (
        "Do you think you had enough sleep last night? (0 yes, enough … 4 not at all enough)"
    )
    assert [t for n, t in enumerate(texts) if n not in (11, 13)] == [
        item.text for n, item in enumerate(CIWA_B_ITEMS) if n not in (11, 13)
    ]
    assert [g["linkId"] for g in questionnaire["item"]] == ["patient-rated", "observer-rated"]
    assert len(questionnaire["item"][0]["item"]) == 17
    # The scale's sources travel with it, in full: an EHR cannot look up a tag.
    assert "[S1] Busto U, Sykora K, Sellers EM. A clinical scale" in questionnaire["description"]
    assert "https://pubmed.ncbi.nlm.nih.gov/2574193" in questionnaire["description"]
    responses = resources(bundle, "QuestionnaireResponse")
    assert [r["status"] for r in responses] == ["completed", "entered-in-error"]
    assert {r["questionnaire"] for r in responses} == {questionnaire["url"]}
    answers = {
        int(item["linkId"]): item["answer"][0]["valueInteger"]
        for group in responses[0]["item"]
        for item in group["item"]
    }
    assert answers == CIWA_ITEMS
    totals = [
        o
        for o in resources(bundle, "Observation")
        if _codes(o["code"], "urn:taperwatch:fhir:observation") == ["ciwa-b-total"]
    ]
    assert [t["valueInteger"] for t in totals] == [sum(CIWA_ITEMS.values()), 0]
    assert not _codes(totals[0]["code"], LOINC)  # no LOINC code was found: a local code
    assert totals[0]["interpretation"][0]["coding"][0]["code"] == "moderate"
    assert totals[0]["derivedFrom"] == [{"reference": f"urn:uuid:{responses[0]['id']}"}]


def _plan_requests(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in resources(bundle, "MedicationRequest") if not _prn(r)]


def _prn(request: dict[str, Any]) -> bool:
    return any("asNeededCodeableConcept" in d for d in request["dosageInstruction"])


def test_a_medication_request_per_plan_version_with_a_dosage_per_step(
    engine: Engine, bundle: dict[str, Any], stay: FhirStay
) -> None:
    requests = _plan_requests(bundle)
    assert [r["status"] for r in requests] == ["stopped", "active"]
    assert requests[1]["priorPrescription"] == {"reference": f"urn:uuid:{requests[0]['id']}"}
    for request in requests:
        assert _codes(request["medicationCodeableConcept"], RXNORM) == ["2598"]  # [S53]
        assert _codes(request["medicationCodeableConcept"], ATC) == ["N03AE01"]  # [S52]
    with Session(engine) as session:
        plan = session.exec(
            select(TaperPlan).where(
                TaperPlan.admission_id == stay.admission_id, TaperPlan.version == 1
            )
        ).one()
        steps = session.exec(
            select(TaperStep)
            .where(TaperStep.plan_id == plan.id)
            .order_by(col(TaperStep.step_index))
        ).all()
    dosages = requests[0]["dosageInstruction"]
    assert sorted({d["sequence"] for d in dosages}) == [s.step_index + 1 for s in steps]
    for step, following in zip(steps, [*steps[1:], None], strict=True):
        mine = [d for d in dosages if d["sequence"] == step.step_index + 1]
        bounds = mine[0]["timing"]["repeat"]["boundsPeriod"]
        assert bounds["start"] == step.start_date.isoformat()
        if following is not None:
            assert bounds["end"] == (following.start_date - timedelta(days=1)).isoformat()
        daily = mine[0]["maxDosePerPeriod"]["numerator"]
        assert daily["code"] == "mg" and daily["value"] * 1000 == step.daily_ug
        given = sum(
            d["doseAndRate"][0]["doseQuantity"]["value"] * len(d["timing"]["repeat"]["timeOfDay"])
            for d in mine
            if "doseAndRate" in d
        )
        assert round(given * 1000) == step.daily_ug
        for d in mine:
            if "doseAndRate" in d:
                assert d["doseAndRate"][0]["doseQuantity"]["code"] == "mg"
    first = [
        d
        for d in dosages
        if d["timing"]["repeat"]["boundsPeriod"]["start"] == PLAN_START.isoformat()
    ]
    assert first and first[0]["timing"]["repeat"]["timeOfDay"] == ["08:00:00", "20:00:00"]


def test_every_charted_dose_is_a_medication_administration(bundle: dict[str, Any]) -> None:
    administrations = resources(bundle, "MedicationAdministration")
    statuses = [a["status"] for a in administrations]
    assert statuses == [
        "completed",
        "not-done",
        "not-done",
        "not-done",
        "entered-in-error",
        "completed",
    ]
    given, held, refused, not_given, in_error, prn = administrations
    assert given["dosage"]["dose"] == {"value": 1, "unit": "mg", "system": UCUM, "code": "mg"}
    for administration, outcome, reason in (
        (held, "held", "too_drowsy"),
        (refused, "refused", "declined"),
        (not_given, "not_given", "off_ward"),
    ):
        outcome_concept, reason_concept = administration["statusReason"]
        assert outcome_concept["coding"][0]["code"] == outcome
        assert reason_concept["coding"][0]["code"] == reason
        assert "dosage" not in administration
    away = [
        c
        for c in not_given["statusReason"][1]["coding"]
        if c["system"] == "http://hl7.org/fhir/reason-medication-not-given"
    ]
    assert [c["code"] for c in away] == ["b"]  # "Away" [S48]
    assert "wrong patient" in in_error["note"][-1]["text"]
    assert "PRN" in prn["note"][0]["text"]
    assert prn["dosage"]["dose"]["value"] == 0.25
    [order] = [r for r in resources(bundle, "MedicationRequest") if _prn(r)]
    assert prn["request"] == {"reference": f"urn:uuid:{order['id']}"}
    request_urls = {f"urn:uuid:{r['id']}" for r in resources(bundle, "MedicationRequest")}
    assert given["request"]["reference"] in request_urls
    for administration in administrations:
        assert _codes(administration["medicationCodeableConcept"], RXNORM) == ["2598"]


def test_a_prn_order_is_an_as_needed_medication_request_with_its_maximum(
    bundle: dict[str, Any],
) -> None:
    [order] = [r for r in resources(bundle, "MedicationRequest") if _prn(r)]
    assert order["status"] == "active" and order["intent"] == "order"
    assert _codes(order["medicationCodeableConcept"], RXNORM) == ["2598"]
    [dosage] = order["dosageInstruction"]
    assert dosage["asNeededCodeableConcept"] == {"text": "breakthrough withdrawal symptoms"}
    assert dosage["doseAndRate"][0]["doseQuantity"] == {
        "value": 0.25,
        "unit": "mg",
        "system": UCUM,
        "code": "mg",
    }
    repeat = dosage["timing"]["repeat"]
    assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (1, 1, "h")
    assert dosage["maxDosePerPeriod"]["numerator"]["value"] == 3  # 12 doses of 0.25 mg
    assert dosage["maxDosePerPeriod"]["denominator"]["code"] == "d"
    assert "at most 12 doses and 3 mg in 24 h" in dosage["text"]


def test_only_open_flags_are_exported(bundle: dict[str, Any], stay: FhirStay) -> None:
    (flag,) = resources(bundle, "Flag")
    assert flag["id"] == resource_id(f"flag/{stay.open_flag}")
    assert flag["status"] == "active"
    assert flag["code"]["text"] == "CIWA-B rose 12 points in 24 h"
    priority = flag["extension"][0]
    assert priority["url"] == "http://hl7.org/fhir/StructureDefinition/flag-priority"
    assert priority["valueCodeableConcept"]["coding"][0]["code"] == "PH"


def test_the_export_is_stable(engine: Engine, stay: FhirStay, bundle: dict[str, Any]) -> None:
    with read_session(engine) as session:
        again = json.loads(json.dumps(export_admission(session, stay.admission_id)))
    assert again == bundle
    assert "timestamp" not in bundle


def test_substitution_drugs_carry_their_rxnorm_and_atc_codes(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    from models.db import transaction
    from models.plan_changes import PlanSpec, create_plan
    from tests.models.fhir_stay import ADMITTED_AT

    assert ward.id is not None
    with transaction(engine) as session:
        admission = admit_patient(
            session,
            staff=staff,
            ward=ward,
            now=ADMITTED_AT,
            mrn="TW0077",
            given_name="Sam",
            birth_date=date(1980, 2, 2),
            sex="male",
            bed="B9",
            drug="lorazepam",
            daily_ug=3000,
            admitted_at=ADMITTED_AT,
        )
        assert admission.id is not None
        create_plan(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission.id,
            new_plan=PlanSpec(
                drug="lorazepam",
                daily_ug=3000,
                recipe="-10%/14d",
                start=PLAN_START,
                reason="Switch to diazepam",
                to_drug="diazepam",
            ),
            now=ADMITTED_AT,
        )
        bundle = export_admission(session, admission.id)
    by_drug = {
        r["medicationCodeableConcept"]["text"]: r["medicationCodeableConcept"]
        for r in resources(bundle, "MedicationRequest")
    }
    assert set(by_drug) == {"lorazepam", "diazepam"}
    assert _codes(by_drug["lorazepam"], RXNORM) == ["6470"]  # [S53] (verify on RxNav)
    assert _codes(by_drug["lorazepam"], ATC) == ["N05BA06"]  # [S52]
    assert _codes(by_drug["diazepam"], RXNORM) == ["3322"]  # [S53]
    assert _codes(by_drug["diazepam"], ATC) == ["N05BA01"]  # [S52]
    groups = {r["groupIdentifier"]["value"] for r in _plan_requests(bundle)}
    assert len(groups) == 1  # one plan version, two drugs


def test_unknown_admission_is_refused(engine: Engine) -> None:
    with read_session(engine) as session, pytest.raises(FieldError, match="no admission 999"):
        export_admission(session, 999)


def test_a_discharged_stay_exports_as_a_finished_encounter(
    engine: Engine, staff: dict[str, Actor], stay: FhirStay
) -> None:
    from datetime import UTC, datetime

    from models.admissions import discharge
    from models.db import transaction

    at = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    with transaction(engine) as session:
        discharge(
            session=session, actor=staff["nurse1"], admission_id=stay.admission_id, at=at, now=at
        )
        bundle = export_admission(session, stay.admission_id)
        admission = session.get(Admission, stay.admission_id)
        assert admission is not None
    (encounter,) = resources(bundle, "Encounter")
    assert encounter["status"] == "finished"
    assert encounter["period"]["end"] == "2026-03-05T10:00:00+00:00"


def test_sedation_scores_are_observations_with_local_codes(engine: Engine, stay: FhirStay) -> None:
    from datetime import UTC, datetime

    from models.charting import record_vitals
    from models.db import transaction
    from models.tables import User

    now = datetime.now(UTC)
    with transaction(engine) as session:
        nurse = session.exec(select(User).where(User.role == "nurse")).first()
        assert nurse is not None
        row = record_vitals(
            session=session,
            actor=Actor(nurse.id, nurse.username, nurse.role),
            now=now,
            data=VitalSignsCreate(
                admission_id=stay.admission_id,
                taken_at=now - timedelta(minutes=5),
                heart_rate=60,
                systolic=112,
                diastolic=70,
                temperature_c=36.4,
                resp_rate=10,
                spo2=95,
                supplemental_o2=False,
                consciousness="V",
                rass="-3",
                poss="3",
            ),
        )
    with read_session(engine) as session:
        exported = json.loads(json.dumps(export_admission(session, stay.admission_id)))
    Bundle.model_validate(exported)
    local = "urn:taperwatch:fhir:observation"
    by_code = {
        _codes(o["code"], local)[0]: o
        for o in resources(exported, "Observation")
        if _codes(o["code"], local) in (["rass"], ["poss"])
    }
    assert set(by_code) == {"rass", "poss"}
    rass, poss = by_code["rass"], by_code["poss"]
    assert rass["valueCodeableConcept"]["coding"] == [
        {"system": "urn:taperwatch:fhir:rass", "code": "-3", "display": "Moderate sedation"}
    ]
    assert poss["valueCodeableConcept"]["coding"][0]["code"] == "3"
    assert rass["effectiveDateTime"] == poss["effectiveDateTime"]
    assert rass["id"] == resource_id(f"vital_signs/{row.id}/rass")
    for observation in (rass, poss):
        get_fhir_model_class("Observation").model_validate(observation)


def test_other_cns_depressants_are_medication_statements(engine: Engine, stay: FhirStay) -> None:
    from datetime import UTC, datetime

    from models.co_medications import add_co_medication, stop_co_medication
    from models.db import transaction
    from models.tables import User

    now = datetime.now(UTC)
    with transaction(engine) as session:
        doctor = session.exec(select(User).where(User.role == "physician")).first()
        assert doctor is not None
        actor = Actor(doctor.id, doctor.username, doctor.role)
        kept = add_co_medication(
            session=session,
            actor=actor,
            admission_id=stay.admission_id,
            drug_class="opioid",
            name="methadone",
            detail="60 mg daily",
            now=now,
        )
        stopped = add_co_medication(
            session=session,
            actor=actor,
            admission_id=stay.admission_id,
            drug_class="z_drug",
            name="zopiclone",
            now=now,
        )
        stop_co_medication(
            session=session,
            actor=actor,
            co_medication_id=stopped.id or 0,
            reason="Not taken since admission",
            now=now + timedelta(minutes=5),
        )
    with read_session(engine) as session:
        exported = json.loads(json.dumps(export_admission(session, stay.admission_id)))
    Bundle.model_validate(exported)
    statements = {
        s["medicationCodeableConcept"]["text"]: s
        for s in resources(exported, "MedicationStatement")
    }
    assert set(statements) == {"methadone", "zopiclone"}
    methadone, zopiclone = statements["methadone"], statements["zopiclone"]
    assert methadone["status"] == "active" and methadone["dosage"] == [{"text": "60 mg daily"}]
    assert _codes(methadone["category"], "urn:taperwatch:fhir:cns-depressant-class") == ["opioid"]
    assert "end" not in methadone["effectivePeriod"]
    assert zopiclone["status"] == "stopped" and "end" in zopiclone["effectivePeriod"]
    assert zopiclone["statusReason"] == [{"text": "Not taken since admission"}]
    assert methadone["id"] == resource_id(f"co_medication/{kept.id}")
    for statement in statements.values():
        get_fhir_model_class("MedicationStatement").model_validate(statement)
