"""The "dose may be too high" rule on crafted data, on SQLite and PostgreSQL: it fires on two
doses held for sedation in a day or two sedated readings in a row, raises the top severity for
sedation with depressed breathing, stays quiet otherwise, follows the ward's thresholds, and its
flag is never closed unseen."""

from __future__ import annotations

from datetime import timedelta

from models.clinical.sedation import TOO_HIGH_MESSAGE
from tests.jobs.conftest import NORMAL, T0, Ward7

H = timedelta(hours=1)
M = timedelta(minutes=1)
SEDATED = {**NORMAL, "rass": -3}
DROWSY = {**NORMAL, "rass": -1}


def _hold(ward7: Ward7, patient: int, at: object, reason: str = "too_drowsy") -> int:
    assert isinstance(at, type(T0))
    return ward7.chart(ward7.dose(patient, at), "held", at, reason)


def test_two_doses_held_for_sedation_in_a_day_raise_the_flag_one_does_not(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - 2 * H)
    _hold(ward7, patient, T0)
    ward7.scan(T0 + M)
    assert ward7.flags("dose_too_high") == []
    _hold(ward7, patient, T0 + 12 * H)
    ward7.scan(T0 + 12 * H + M)
    [flag] = ward7.flags("dose_too_high")
    assert flag.admission_id == patient and flag.status == "open"
    assert flag.severity == "high"
    assert "2 doses held for sedation in 24 h" in flag.message
    assert TOO_HIGH_MESSAGE in flag.message


def test_holds_for_other_reasons_or_more_than_a_day_apart_do_not_count(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - 2 * H)
    _hold(ward7, patient, T0)
    _hold(ward7, patient, T0 + 2 * H, reason="nil_by_mouth")
    _hold(ward7, patient, T0 + 24 * H + M)  # just over a day after the first
    ward7.scan(T0 + 24 * H + 2 * M)
    assert ward7.flags("dose_too_high") == []


def test_a_hold_marked_in_error_does_not_count(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - 2 * H)
    first = _hold(ward7, patient, T0)
    _hold(ward7, patient, T0 + 4 * H)
    ward7.in_error("dose", first, T0 + 5 * H)
    ward7.scan(T0 + 5 * H + M)
    assert ward7.flags("dose_too_high") == []


def test_two_sedated_readings_in_a_row_raise_the_flag(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - 2 * H)
    ward7.vitals(patient, T0, SEDATED)
    ward7.scan(T0 + M)
    assert ward7.flags("dose_too_high") == []  # one reading is not a row
    ward7.vitals(patient, T0 + H, {**NORMAL, "rass": -2})
    ward7.scan(T0 + H + M)
    [flag] = ward7.flags("dose_too_high")
    assert flag.severity == "high" and "RASS -2 light sedation" in flag.message


def test_an_alert_reading_between_sedated_ones_breaks_the_row(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - 2 * H)
    ward7.vitals(patient, T0, SEDATED)
    ward7.vitals(patient, T0 + H, DROWSY)  # -1 is within the default threshold
    ward7.vitals(patient, T0 + 2 * H, SEDATED)
    ward7.scan(T0 + 2 * H + M)
    assert ward7.flags("dose_too_high") == []


def test_the_threshold_is_the_wards(ward7: Ward7) -> None:
    ward7.set_policy(sedation_rass_threshold=-1)
    patient = ward7.admit(at=T0 - 2 * H)
    ward7.vitals(patient, T0, DROWSY)
    ward7.vitals(patient, T0 + H, DROWSY)
    ward7.scan(T0 + H + M)
    [flag] = ward7.flags("dose_too_high")
    assert "RASS -1 drowsy" in flag.message


def test_poss_3_twice_raises_the_flag_poss_2_does_not(ward7: Ward7) -> None:
    calm = ward7.admit(bed="B1", at=T0 - 2 * H)
    drowsy = ward7.admit(bed="B2", at=T0 - 2 * H)
    for i in range(2):
        ward7.vitals(calm, T0 + i * H, {**NORMAL, "poss": "2"})
        ward7.vitals(drowsy, T0 + i * H, {**NORMAL, "poss": "3"})
    ward7.scan(T0 + 2 * H)
    [flag] = ward7.flags("dose_too_high")
    assert flag.admission_id == drowsy and "POSS 3" in flag.message


def test_sedation_with_a_low_respiratory_rate_is_the_top_severity_at_once(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - 2 * H)
    ward7.vitals(patient, T0, {**SEDATED, "resp_rate": 8})
    ward7.scan(T0 + M)
    [flag] = ward7.flags("dose_too_high")
    assert flag.severity == "emergency" and "RR 8/min" in flag.message


def test_sedation_with_spo2_below_target_is_the_top_severity(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - 2 * H)
    ward7.vitals(patient, T0, {**SEDATED, "spo2": 93})
    ward7.scan(T0 + M)
    [flag] = ward7.flags("dose_too_high")
    assert flag.severity == "emergency" and "SpO2 93%" in flag.message


def test_low_breathing_without_sedation_is_left_to_news2(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - 2 * H)
    ward7.vitals(patient, T0, {**NORMAL, "resp_rate": 8})
    ward7.scan(T0 + M)
    assert ward7.flags("dose_too_high") == []
    assert [f.severity for f in ward7.flags("news2")] == ["high"]


def test_the_flag_is_not_closed_unseen_when_the_patient_wakes(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - 2 * H)
    ward7.vitals(patient, T0, SEDATED)
    ward7.vitals(patient, T0 + H, SEDATED)
    ward7.scan(T0 + H + M)
    [flag] = ward7.flags("dose_too_high")
    ward7.vitals(patient, T0 + 2 * H, NORMAL)
    ward7.scan(T0 + 2 * H + M)
    [still] = ward7.flags("dose_too_high")
    assert still.id == flag.id and still.status == "cleared"
    seen = ward7.acknowledge(still.id or 0, T0 + 3 * H)
    assert seen.status == "resolved" and seen.acknowledged_by == ward7.nurse.user_id


def test_it_escalates_from_high_to_emergency(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - 2 * H)
    ward7.vitals(patient, T0, SEDATED)
    ward7.vitals(patient, T0 + H, SEDATED)
    ward7.scan(T0 + H + M)
    [flag] = ward7.flags("dose_too_high")
    assert flag.severity == "high"
    ward7.vitals(patient, T0 + 2 * H, {**SEDATED, "resp_rate": 7})
    ward7.scan(T0 + 2 * H + M)
    [worse] = ward7.flags("dose_too_high")
    assert worse.id == flag.id and worse.severity == "emergency"


def test_a_discharged_patient_is_not_judged(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - 2 * H)
    ward7.vitals(patient, T0, SEDATED)
    ward7.vitals(patient, T0 + H, SEDATED)
    ward7.discharge(patient, T0 + 2 * H)
    ward7.scan(T0 + 2 * H + M)
    assert ward7.flags("dose_too_high") == []
