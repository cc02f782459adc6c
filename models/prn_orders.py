"""PRN (as-needed) orders: written, changed and stopped by a physician, each a new version of the
order (``order_key``) with the version it replaces superseded, audited; nothing is overwritten.

A nurse gives a PRN dose only against an active order (models.charting.chart_prn): its dose,
within its start and stop, at least its interval after the last dose and within its two 24-hour
maxima, counted over every version of the order. Those checks run inside the writing
transaction with the order locked (SQLite's BEGIN IMMEDIATE holds the one write lock; PostgreSQL
locks the order row FOR UPDATE), so two nurses giving a dose at once cannot both pass them.

About 400 lines, one subject: writing an order and checking a dose against it share the
version and lock rules above, so they stay together.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, false
from sqlmodel import Session, col, select

from models.admissions import open_admission
from models.audit import Actor, insert_audited, snapshot, update_audited
from models.clinical import prn
from models.clinical.dose_limits import above_label, check_hard_ceiling, confirmation
from models.clinical.drugs import format_mg, get_drug
from models.clinical.scales import CIWA_AR_MAX, CIWA_B_MAX
from models.errors import (
    ConflictError,
    FieldError,
    Number,
    Phrase,
    ValidationFailed,
    When,
    required_text,
)
from models.i18n.catalogs import N_
from models.tables import Admission, DoseAdministration, PrnOrder, Ward
from models.ward_units import check_whole_units, ward_units

# Sanity limits (local policy, no source): an interval from 15 minutes to a day; an order lasts
# at most 90 days before it is written again.
MIN_INTERVAL_MIN = 15
MAX_INTERVAL_MIN = 24 * 60
MAX_DAYS = 90
INDICATION_MAX = 200
REASON_MAX = 2000
SCALE_MAXIMUM = {"CIWA-B": CIWA_B_MAX, "CIWA-Ar": CIWA_AR_MAX}


@dataclass(frozen=True)
class PrnOrderForm:
    """What the physician writes (doses in ug, interval in minutes)."""

    drug: str
    dose_ug: int
    min_interval_min: int
    max_doses_24h: int
    max_ug_24h: int
    indication: str
    scale: str | None = None  # the order may be given when this score is >= threshold
    threshold: int | None = None
    days: int | None = None  # the order stops this many days after it starts (None: when stopped)
    above_label_reason: str | None = None


def limits(order: PrnOrder) -> prn.PrnLimits:
    return prn.PrnLimits(
        dose_ug=order.dose_ug,
        min_interval=timedelta(minutes=order.min_interval_min),
        max_doses=order.max_doses_24h,
        max_ug=order.max_ug_24h,
    )


def describe(order: PrnOrder) -> str:
    """'lorazepam 1 mg PRN for withdrawal symptoms, every 4 h at most, max 3 doses / 3 mg in
    24 h, when CIWA-B >= 20'."""
    hours = order.min_interval_min / 60
    text = (
        f"{order.drug} {format_mg(order.dose_ug)} mg PRN for {order.indication}: at least "
        f"{hours:g} h apart, at most {order.max_doses_24h} doses and "
        f"{format_mg(order.max_ug_24h)} mg in 24 h"
    )
    if order.scale is not None:
        text += f", when {order.scale} is {order.threshold} or more"
    return text


# --- writing -----------------------------------------------------------------------------------


def _check_form(
    session: Session, admission: Admission, form: PrnOrderForm, actor: Actor
) -> tuple[str, str | None]:
    """Every field checked at once; returns the drug's name and the label confirmation."""
    errors: list[FieldError] = []
    drug = ""
    confirmed: str | None = None
    try:
        drug = get_drug(form.drug).name
        check_whole_units(
            form.dose_ug, drug, ward_units(session, admission.ward_id), field="dose_mg"
        )
    except FieldError as exc:
        errors.append(exc)
    if not MIN_INTERVAL_MIN <= form.min_interval_min <= MAX_INTERVAL_MIN:
        errors.append(FieldError("min_interval", N_("enter 0.25 to 24 hours between doses")))
    else:
        fit = -(-24 * 60 // form.min_interval_min)  # doses that fit in 24 h at that interval
        if not 1 <= form.max_doses_24h <= fit:
            errors.append(
                FieldError(
                    "max_doses_24h",
                    N_(
                        "enter 1 to {fit} doses: with {hours} h between doses, at most {fit} fit"
                        " in 24 hours"
                    ),
                    values={
                        "fit": fit,
                        "hours": Number(
                            form.min_interval_min / 60, text=f"{form.min_interval_min / 60:g}"
                        ),
                    },
                )
            )
    if form.max_ug_24h < form.dose_ug:
        errors.append(FieldError("max_mg_24h", N_("the 24-h maximum is at least one dose")))
    indication = form.indication.strip()
    if not indication or len(indication) > INDICATION_MAX:
        errors.append(
            FieldError(
                "indication",
                N_("say what it is for, in at most {most} characters"),
                values={"most": INDICATION_MAX},
            )
        )
    errors += _check_trigger(admission, form)
    if form.days is not None and not 1 <= form.days <= MAX_DAYS:
        errors.append(
            FieldError(
                "days", N_("enter 1 to {most} days, or leave it empty"), values={"most": MAX_DAYS}
            )
        )
    if drug and not errors:
        try:
            ward = session.get(Ward, admission.ward_id)
            assert ward is not None
            check_hard_ceiling(
                [{drug: form.max_ug_24h}], ceiling_de_mg=ward.hard_ceiling_de_mg, field="max_mg_24h"
            )
            confirmed = confirmation(
                above_label([{drug: form.max_ug_24h}]),
                reason=form.above_label_reason,
                role=actor.role,
            )
        except FieldError as exc:
            errors.append(exc)
    if errors:
        raise ValidationFailed(errors)
    return drug, confirmed


def _check_trigger(admission: Admission, form: PrnOrderForm) -> list[FieldError]:
    if form.scale is None and form.threshold is None:
        return []
    top = SCALE_MAXIMUM.get(form.scale or "")
    if top is None:
        return [FieldError("scale", N_("choose CIWA-B or CIWA-Ar, or no score"))]
    if form.scale == "CIWA-Ar" and not admission.ciwa_ar:
        return [
            FieldError("scale", N_("CIWA-Ar is not charted for this patient; turn it on first"))
        ]
    if form.threshold is None or not 0 <= form.threshold <= top:
        return [
            FieldError(
                "threshold",
                N_("enter a {scale} score from 0 to {top}"),
                values={"scale": form.scale, "top": top},
            )
        ]
    return []


def _check_reason(reason: str) -> str:
    return required_text(
        reason,
        field="reason",
        missing="say why: the reason is kept with the order",
        limit=REASON_MAX,
    )


def _active_version(
    session: Session,
    actor: Actor,
    admission: Admission,
    form: PrnOrderForm,
    reason: str,
    now: datetime,
    *,
    order_key: str,
    version: int,
) -> PrnOrder:
    """A version of an order in force from now, its reason and form checked; not yet stored."""
    text = _check_reason(reason)
    drug, confirmed = _check_form(session, admission, form, actor)
    assert admission.id is not None
    return PrnOrder(
        admission_id=admission.id,
        order_key=order_key,
        version=version,
        drug=drug,
        dose_ug=form.dose_ug,
        min_interval_min=form.min_interval_min,
        max_doses_24h=form.max_doses_24h,
        max_ug_24h=form.max_ug_24h,
        indication=form.indication.strip(),
        scale=form.scale,
        threshold=form.threshold,
        start_at=now,
        stop_at=now + timedelta(days=form.days) if form.days else None,
        status="active",
        author_id=actor.user_id or 0,
        reason=text,
        created_at=now,
        above_label_reason=confirmed,
    )


def write_prn_order(
    *,
    session: Session,
    actor: Actor,
    admission_id: int,
    form: PrnOrderForm,
    reason: str,
    now: datetime,
) -> PrnOrder:
    """A new PRN order, in force from now. Physicians only."""
    actor.require("physician")
    admission = open_admission(session, admission_id)
    order = _active_version(
        session, actor, admission, form, reason, now, order_key=uuid.uuid4().hex, version=1
    )
    insert_audited(session, actor=actor, action="prn_order.write", record=order)
    return order


def _locked_active(session: Session, order_id: int) -> PrnOrder:
    """The order, locked until the transaction ends (PostgreSQL: FOR UPDATE; SQLite: the write
    transaction already holds the database's lock); refused unless it is the active version."""
    order = session.exec(select(PrnOrder).where(PrnOrder.id == order_id).with_for_update()).first()
    if order is None:
        raise FieldError("prn_order", N_("no PRN order {order}"), values={"order": order_id})
    if order.status != "active":
        raise ConflictError(
            N_(
                "this PRN order has been changed or stopped since the page was loaded; refresh "
                "and use the current order"
            )
        )
    return order


def _supersede(session: Session, actor: Actor, order: PrnOrder) -> None:
    before = snapshot(order)
    order.status = "superseded"
    update_audited(
        session,
        actor=actor,
        action="prn_order.supersede",
        record=order,
        before=before,
    )


def change_prn_order(
    *, session: Session, actor: Actor, order_id: int, form: PrnOrderForm, reason: str, now: datetime
) -> PrnOrder:
    """A new version of the order, in force from now; doses already given count against its
    interval and maxima. Physicians only."""
    actor.require("physician")
    previous = _locked_active(session, order_id)
    admission = open_admission(session, previous.admission_id)
    order = _active_version(
        session,
        actor,
        admission,
        form,
        reason,
        now,
        order_key=previous.order_key,
        version=previous.version + 1,
    )
    if order.drug != previous.drug:
        raise FieldError(
            "drug", N_("an order keeps its drug; stop it and write a new order instead")
        )
    _supersede(session, actor, previous)
    insert_audited(session, actor=actor, action="prn_order.change", record=order)
    return order


def stop_prn_order(
    *, session: Session, actor: Actor, order_id: int, reason: str, now: datetime
) -> PrnOrder:
    """Stop the order now: a last version with status "stopped". Physicians only."""
    actor.require("physician")
    previous = _locked_active(session, order_id)
    open_admission(session, previous.admission_id)
    text = _check_reason(reason)
    _supersede(session, actor, previous)
    stopped = PrnOrder(
        **{
            **previous.model_dump(exclude={"id"}),
            "version": previous.version + 1,
            "status": "stopped",
            "start_at": min(previous.start_at, now - timedelta(seconds=1)),
            "stop_at": now,
            "author_id": actor.user_id or 0,
            "reason": text,
            "created_at": now,
        }
    )
    insert_audited(session, actor=actor, action="prn_order.stop", record=stopped)
    return stopped


# --- reading and checking ---------------------------------------------------------------------


def in_force(order: PrnOrder, at: datetime) -> bool:
    return (
        order.status == "active"
        and order.start_at <= at
        and (order.stop_at is None or at < order.stop_at)
    )


def current_orders(session: Session, admission_id: int, now: datetime) -> list[PrnOrder]:
    """The admission's active orders in force now, oldest first."""
    rows = session.exec(
        select(PrnOrder)
        .where(PrnOrder.admission_id == admission_id, PrnOrder.status == "active")
        .order_by(col(PrnOrder.start_at), col(PrnOrder.id))
    ).all()
    return [order for order in rows if in_force(order, now)]


def order_history(session: Session, admission_id: int) -> list[PrnOrder]:
    """Every version of every order of the admission, newest first."""
    return list(
        session.exec(
            select(PrnOrder)
            .where(PrnOrder.admission_id == admission_id)
            .order_by(col(PrnOrder.created_at).desc(), col(PrnOrder.id).desc())
        ).all()
    )


def given_doses(session: Session, order: PrnOrder, around: datetime) -> list[prn.PrnGiven]:
    """Valid doses of every version of ``order`` within a day either side of ``around``."""
    rows = session.exec(
        select(DoseAdministration.administered_at, DoseAdministration.dose_ug)
        .join(PrnOrder, and_(col(PrnOrder.id) == col(DoseAdministration.prn_order_id)))
        .where(
            PrnOrder.order_key == order.order_key,
            col(DoseAdministration.entered_in_error) == false(),
            col(DoseAdministration.administered_at) > around - prn.WINDOW - timedelta(days=1),
            col(DoseAdministration.administered_at) < around + prn.WINDOW,
        )
    ).all()
    return [prn.PrnGiven(at, ug) for at, ug in rows]


def check_dose(session: Session, order: PrnOrder, at: datetime) -> prn.PrnCheck:
    return prn.check(limits(order), given_doses(session, order, at), at)


def lock_for_dose(session: Session, order_id: int, admission_id: int) -> PrnOrder:
    """The order a dose is given against, locked; refused if it is not this admission's active
    order."""
    order = _locked_active(session, order_id)
    if order.admission_id != admission_id:
        raise FieldError("prn_order", N_("this order is for another patient; reload the page"))
    return order


def refuse_unless_allowed(
    session: Session, order: PrnOrder, at: datetime, now: datetime, tz: ZoneInfo
) -> None:
    if not in_force(order, at):
        start = When(order.start_at, tz, now, prn.local_time(order.start_at, tz, now))
        if order.stop_at is None:
            raise FieldError(
                "at",
                N_("the order is in force from {start}; that time is outside it"),
                values={"start": start},
            )
        stop = When(order.stop_at, tz, now, prn.local_time(order.stop_at, tz, now))
        raise FieldError(
            "at",
            N_("the order is in force from {start} until {stop}; that time is outside it"),
            values={"start": start, "stop": stop},
        )
    result = check_dose(session, order, at)
    if not result.allowed:
        raise FieldError("at", prn.refusal(limits(order), result, tz, now))


@dataclass(frozen=True)
class Indicated:
    """An order whose score trigger a new score meets, and whether it may be given now."""

    order: PrnOrder
    check: prn.PrnCheck


def indicated_orders(
    session: Session, admission_id: int, *, scale: str, total: int, now: datetime
) -> list[Indicated]:
    """The admission's orders in force whose ``scale`` threshold ``total`` meets."""
    return [
        Indicated(order, check_dose(session, order, now))
        for order in current_orders(session, admission_id, now)
        if order.scale == scale and order.threshold is not None and total >= order.threshold
    ]


def indicated_message(found: list[Indicated], tz: ZoneInfo, now: datetime) -> Phrase:
    """For the score's save confirmation: which orders may be given now (Taperwatch never gives
    one), and when the others may. A :class:`Phrase`: its English for the logs, its template
    and values for the reader's language (the indication is the physician's own words)."""
    parts: list[Phrase] = []
    for item in found:
        order = item.order
        what = Phrase(
            N_("{drug} {dose} mg PRN ({indication})"),
            {"drug": order.drug, "dose": Number.mg(order.dose_ug), "indication": order.indication},
        )
        if item.check.allowed:
            parts.append(Phrase(N_("{order} may be given now"), {"order": what}))
        else:
            refusal = prn.refusal(limits(order), item.check, tz, now)
            parts.append(Phrase(N_("{order}: {refusal}"), {"order": what, "refusal": refusal}))
    orders = parts[0]
    for part in parts[1:]:
        # TRANSLATORS: two PRN orders in one list: "A; B".
        orders = Phrase(N_("{first}; {next}"), {"first": orders, "next": part})
    trigger = found[0].order
    return Phrase(
        N_("At or above the PRN threshold ({scale} {threshold}): {orders}."),
        {"scale": trigger.scale, "threshold": trigger.threshold, "orders": orders},
    )
