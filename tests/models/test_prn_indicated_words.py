"""The CIWA-B save's note on PRN orders whose threshold the score meets: its English as it
always read (the logs, the English page), and the same note in the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from models.clinical import prn
from models.errors import shown
from models.i18n import translator
from models.prn_orders import Indicated, indicated_message
from models.tables import PrnOrder

TZ = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)


def _order(drug: str, dose_ug: int) -> PrnOrder:
    return PrnOrder(
        admission_id=1, order_key="k", version=1, drug=drug, dose_ug=dose_ug,
        min_interval_min=240, max_doses_24h=3, max_ug_24h=3000,
        indication="withdrawal symptoms", scale="CIWA-B", threshold=20, start_at=NOW,
        status="active", author_id=1, reason="r",
    )  # fmt: skip


def _found() -> list[Indicated]:
    allowed = prn.PrnCheck(True, NOW, None, 0, 0)
    refused = prn.PrnCheck(False, NOW + timedelta(hours=3), "interval", 1, 1500)
    return [
        Indicated(_order("lorazepam", 1000), allowed),
        Indicated(_order("diazepam", 1500), refused),
    ]


def test_the_note_reads_in_english_as_it_always_did() -> None:
    message = indicated_message(_found(), TZ, NOW)
    assert message == (
        "At or above the PRN threshold (CIWA-B 20): lorazepam 1 mg PRN (withdrawal symptoms) "
        "may be given now; diazepam 1.5 mg PRN (withdrawal symptoms): not yet: at least 4 h "
        "between doses of this order; next allowed at 17:00."
    )
    assert shown(message, translator("en")) == message


def test_the_note_reads_in_french_with_the_physicians_own_indication() -> None:
    text = shown(indicated_message(_found(), TZ, NOW), translator("fr"))
    assert text.startswith(
        "Seuil des prescriptions si besoin atteint (CIWA-B 20)\u00a0: lorazepam 1\u00a0mg si "
        "besoin (withdrawal symptoms) peut être donné maintenant\u00a0; diazepam 1,5\u00a0mg si "
        "besoin (withdrawal symptoms)\u00a0: "
    )
    assert "17:00" in text and "PRN" not in text and "not yet" not in text
