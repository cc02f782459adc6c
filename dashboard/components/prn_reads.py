"""What the PRN parts read and say of an order: the orders in force with their last 24 hours,
an order in words, its limits and the next allowed time.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from dashboard.clinical_words import drug_name
from dashboard.components.charting_common import format_local, mg, mg_number
from dashboard.context import default_ward, engine
from dashboard.i18n import _, language, ngettext, request_translator
from models.clinical import prn
from models.db import read_session
from models.i18n import DEFAULT_LANGUAGE
from models.i18n.formats import decimal_separator
from models.prn_orders import (
    check_dose,
    current_orders,
)
from models.tables import PrnOrder


def order_rows(
    session: Session, admission_id: int, now: datetime
) -> list[tuple[PrnOrder, prn.PrnCheck]]:
    """The orders in force now, each with whether a dose may be given now."""
    return [(o, check_dose(session, o, now)) for o in current_orders(session, admission_id, now)]


def order_text(order: PrnOrder) -> str:
    """ "lorazepam 1 mg for anxiety; when CIWA-B ≥ 20" in this request's language."""
    dose = f"{drug_name(order.drug)} {mg(order.dose_ug, language())}"
    if order.scale:
        return _(
            "{dose} for {indication}; when {scale} ≥ {threshold}",
            dose=dose,
            indication=order.indication,
            scale=order.scale,
            threshold=order.threshold,
        )
    return _("{dose} for {indication}", dose=dose, indication=order.indication)


def limits_text(order: PrnOrder, tz: ZoneInfo, now: datetime) -> str:
    code = language()
    hours = f"{order.min_interval_min / 60:g}".replace(".", decimal_separator(code))
    text = _(
        "at least {hours} h apart; at most {doses} doses and {mg} mg in 24 h",
        hours=hours,
        doses=order.max_doses_24h,
        mg=mg_number(order.max_ug_24h, code),
    )
    if order.stop_at:
        when = format_local(order.stop_at, tz, now, t=request_translator())
        text += _("; until {when}", when=when)
    return text


def availability(limits: prn.PrnLimits, result: prn.PrnCheck, tz: ZoneInfo, now: datetime) -> str:
    """models.clinical.prn.availability's line in this request's language (in English the same
    words, a test checks): what was given in 24 h and when the next dose may be."""
    code = language()
    # The count decides the form in French ("1 prise sur 3", "2 prises sur 3"); English reads
    # "1 of 3 doses" either way, as the domain writes it.
    given = ngettext(
        "{doses} of {max_doses} doses, {mg} of {max_mg} mg in 24 h",
        "{doses} of {max_doses} doses, {mg} of {max_mg} mg in 24 h",
        result.doses_24h,
        doses=result.doses_24h,
        max_doses=limits.max_doses,
        mg=mg_number(result.ug_24h, code),
        max_mg=mg_number(limits.max_ug, code),
    )
    if result.allowed:
        return _("{given}; may be given now", given=given)
    if code == DEFAULT_LANGUAGE:
        when = prn.local_time(result.next_at, tz, now)
    else:
        when = format_local(result.next_at, tz, now, t=request_translator())
    return _("{given}; next allowed at {when}", given=given, when=when)


def prn_order(order_id: int) -> PrnOrder | None:
    with read_session(engine()) as session:
        return session.get(PrnOrder, order_id)


def ward_tz() -> ZoneInfo:
    with read_session(engine()) as session:
        return ZoneInfo(default_ward(session).timezone)
