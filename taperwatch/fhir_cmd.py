"""``taperwatch export fhir`` and ``taperwatch import fhir`` (plugged into taperwatch.cli).

Exit status: 0 done; 1 the bundle was refused (every reason on stderr, nothing imported);
2 a bad argument or an unknown admission, user or ward (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from models.audit import Actor, audit_event
from models.tables import User, Ward

Handler = Callable[[argparse.Namespace], int]
CLI_ACTOR = Actor(user_id=None, username="cli", role="system")


def register(sub: Any) -> dict[str, Handler]:
    """Add ``export`` and ``import`` to ``sub`` (argparse subparsers); returns their handlers."""
    export = sub.add_parser("export", help="export an admission")
    export_formats = export.add_subparsers(dest="export_format", required=True)
    fhir_out = export_formats.add_parser(
        "fhir", help="one admission as a FHIR R4 Bundle (JSON) on stdout"
    )
    fhir_out.add_argument("--admission", type=int, required=True, metavar="ID")

    load = sub.add_parser("import", help="import from the hospital's EHR")
    load_formats = load.add_subparsers(dest="import_format", required=True)
    fhir_in = load_formats.add_parser(
        "fhir",
        help="load Patient, Encounter and vital-sign Observations from a FHIR R4 Bundle",
        description=__doc__,
    )
    fhir_in.add_argument("file", help="the Bundle, JSON (- reads standard input)")
    fhir_in.add_argument(
        "--user", required=True, help="username of the nurse or physician importing"
    )
    fhir_in.add_argument("--ward", help="ward name or id for a new admission (default: the only)")
    fhir_in.add_argument(
        "--attending", help="attending physician's username (default: the only active one)"
    )
    fhir_in.add_argument("--bed", help="bed for a new admission (default: the Encounter's)")
    fhir_in.add_argument("--drug", help="baseline benzodiazepine of a new admission")
    fhir_in.add_argument("--daily-mg", help="its daily dose in mg")
    fhir_in.add_argument(
        "--admission", type=int, metavar="ID", help="import into this Taperwatch admission"
    )
    fhir_in.add_argument(
        "--assume-alert-on-air",
        action="store_true",
        help="record reading sets without supplemental-oxygen or ACVPU readings as room air "
        "and Alert (otherwise they are refused)",
    )
    return {"export": cmd_export, "import": cmd_import}


def _fail(message: str, status: int = 2) -> int:
    print(f"taperwatch: error: {message}", file=sys.stderr)
    return status


def cmd_export(args: argparse.Namespace) -> int:
    from models.db import get_engine, transaction
    from models.errors import FieldError
    from models.fhir_export import export_admission

    try:
        with transaction(get_engine()) as session:
            bundle = export_admission(session, args.admission, now=datetime.now(UTC))
            audit_event(
                session,
                actor=CLI_ACTOR,
                action="export.fhir",
                entity="admission",
                entity_id=args.admission,
                after={"entries": len(bundle["entry"])},
            )
    except FieldError as exc:
        return _fail(exc.message)
    json.dump(bundle, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from models.clinical.drugs import mg_to_ug
    from models.db import get_engine, transaction
    from models.errors import FieldError, PermissionDenied
    from models.fhir_bundle import MAX_BUNDLE_BYTES, BundleRefused, parse_bundle
    from models.fhir_import import import_bundle

    try:
        if args.file == "-":
            data = sys.stdin.buffer.read(MAX_BUNDLE_BYTES + 1)
        else:
            with Path(args.file).open("rb") as file:
                data = file.read(MAX_BUNDLE_BYTES + 1)
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}")
    try:
        bundle = parse_bundle(data)
    except BundleRefused as exc:
        return _fail(f"{args.file}: {exc.problems[0].reason}")
    try:
        with transaction(get_engine()) as session:
            actor = _actor(session, args.user)
            ward_id = _ward_id(session, args.ward)
            attending_id = _attending_id(session, args.attending)
            daily_ug = mg_to_ug(args.daily_mg, field="daily_mg") if args.daily_mg else None
            result = import_bundle(
                session,
                actor,
                bundle,
                ward_id,
                attending_id,
                now=datetime.now(UTC),
                bed=args.bed,
                drug=args.drug,
                daily_ug=daily_ug,
                admission_id=args.admission,
                assume_alert_on_air=args.assume_alert_on_air,
            )
    except BundleRefused as exc:
        return _fail(str(exc), status=1)
    except (FieldError, PermissionDenied) as exc:
        return _fail(str(exc))
    made = "new admission" if result.admission_created else "existing admission"
    who = "new patient" if result.patient_created else "known patient"
    print(f"imported into admission {result.admission_id} ({made}, {who})")
    print(
        f"  vital-sign sets: {result.vitals_added} added, "
        f"{result.vitals_already_present} already there"
    )
    if result.skipped:
        skipped = ", ".join(f"{n} {kind}" for kind, n in sorted(result.skipped.items()))
        print(f"  not imported (not Patient, Encounter or vital signs): {skipped}")
    for note in result.notes:
        print(f"  note: {note}")
    return 0


def _actor(session: Session, username: str) -> Actor:
    from models.errors import FieldError

    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active or user.id is None:
        raise FieldError("user", f"no active user {username!r}")
    return Actor(user.id, user.username, user.role)


def _ward_id(session: Session, name_or_id: str | None) -> int:
    from models.errors import FieldError

    wards = session.exec(select(Ward).order_by(col(Ward.id))).all()
    if name_or_id is None:
        if len(wards) == 1 and wards[0].id is not None:
            return wards[0].id
        names = ", ".join(w.name for w in wards) or "none yet"
        raise FieldError("ward", f"give --ward (wards: {names})")
    for ward in wards:
        if ward.id is not None and name_or_id in (ward.name, str(ward.id)):
            return ward.id
    raise FieldError("ward", f"no ward {name_or_id!r}")


def _attending_id(session: Session, username: str | None) -> int:
    from models.errors import FieldError

    query = select(User).where(User.role == "physician", col(User.active).is_(True))
    if username is not None:
        query = query.where(User.username == username)
    physicians = session.exec(query).all()
    if len(physicians) == 1 and physicians[0].id is not None:
        return physicians[0].id
    if username is not None:
        raise FieldError("attending", f"{username!r} is not an active physician")
    raise FieldError("attending", "give --attending (the attending physician's username)")
