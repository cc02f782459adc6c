"""What the PRN parts read and say of an order: the orders in force with their last 24 hours,
an order in words, its limits and the next allowed time.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from dashboard.components.charting_common import format_local
from dashboard.context import default_ward, engine
from models.clinical import prn
from models.clinical.drugs import format_mg
from models.db import read_session
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
    trigger = f"; when {order.scale} ≥ {order.threshold}" if order.scale else ""
    return f"{order.drug} {format_mg(order.dose_ug)} mg for {order.indication}{trigger}"


def limits_text(order: PrnOrder, tz: ZoneInfo, now: datetime) -> str:
    until = f"; until {format_local(order.stop_at, tz, now)}" if order.stop_at else ""
    return (
        f"at least {order.min_interval_min / 60:g} h apart; at most {order.max_doses_24h} "
        f"doses and {format_mg(order.max_ug_24h)} mg in 24 h{until}"
    )


def prn_order(order_id: int) -> PrnOrder | None:
    with read_session(engine()) as session:
        return session.get(PrnOrder, order_id)


def ward_tz() -> ZoneInfo:
    with read_session(engine()) as session:
        return ZoneInfo(default_ward(session).timezone)
