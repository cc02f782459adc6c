"""The sources module: ids and citations, finding tags, references for text that leaves
Taperwatch, the checks on Source and ClinicalNumber, and band texts that say what the scoring
functions do."""

from __future__ import annotations

import math
import re

import pytest

from models.clinical import news2, scales
from models.clinical.sources import (
    SOURCES,
    Caution,
    ClinicalNumber,
    Source,
    cited_ids,
    split_citations,
    with_references,
)


def test_each_source_is_filed_under_its_own_id_with_what_we_take_from_it() -> None:
    for key, source in SOURCES.items():
        assert key == source.id
        assert source.author and source.title and source.takeaway, key
        head = f"{source.author.rstrip('.')}. {source.title.rstrip('.')}."
        assert source.citation.startswith(head), key
        assert source.url is None or re.match(r"https?://\S+$", source.url), key


def test_weak_sources_carry_their_caution() -> None:
    cautions = {sid: s.caution for sid, s in SOURCES.items() if s.caution}
    assert cautions["S4"] is Caution.UNVERIFIED  # no public address; wording not checked
    assert cautions["S30"] is Caution.LOW_AUTHORITY  # a forum post
    assert cautions["S56"] is Caution.LOW_AUTHORITY  # an AI answer site
    assert all(SOURCES[sid].caution_note for sid in cautions)


def test_tags_are_found_in_order_once_each() -> None:
    assert cited_ids("NEWS2 [S35]; bands [S34][S36], again [S35]") == ("S35", "S34", "S36")
    assert cited_ids("no tags, S35, [s35], [S 35]") == ()
    assert split_citations("a [S1] b [S2][S3]") == ["a ", "S1", " b ", "S2", "", "S3", ""]


def test_text_that_leaves_taperwatch_carries_its_references() -> None:
    assert with_references("no tags here") == "no tags here"
    text = with_references("Total 0-80 [S4]; 20 items [S1].")
    assert text.startswith("Total 0-80 [S4]; 20 items [S1]. References: [S4] ")
    assert "(unverified)" in text
    assert f"[S1] {SOURCES['S1'].citation} {SOURCES['S1'].url}" in text
    with pytest.raises(KeyError):
        with_references("[" + "S999]")  # (split, so the repository-wide tag check skips it)


def test_a_source_and_a_number_refuse_what_would_make_them_untraceable() -> None:
    with pytest.raises(ValueError, match="source id"):
        Source("35", "a", "t", None, "", None, "x")
    with pytest.raises(ValueError, match="caution"):
        Source("S98", "a", "t", None, "", None, "x", caution=Caution.UNVERIFIED)
    with pytest.raises(ValueError, match="unknown source"):
        ClinicalNumber("a band", "1-2", ("S999",))
    with pytest.raises(ValueError, match="Local policy"):
        ClinicalNumber("a limit", "3", ())
    local = ClinicalNumber("a limit", "3", (), "Local policy: a typing check.")
    assert local.local_policy and not ClinicalNumber("a band", "1-2", ("S35",)).local_policy


def _spans(text: str) -> list[tuple[float, float, int]]:
    """ "<=8: 3; 9-11: 1; >=25: 3" -> [(-inf, 8, 3), (9, 11, 1), (25, inf, 3)]."""
    spans = []
    for part in text.split("; "):
        span, score = part.split(": ")
        if span.startswith("≤"):
            spans.append((-math.inf, float(span[1:]), int(score)))
        elif span.startswith("≥"):
            spans.append((float(span[1:]), math.inf, int(score)))
        else:
            low, high = span.split("-")
            spans.append((float(low), float(high), int(score)))
    return spans


@pytest.mark.parametrize(
    ("bands", "score", "step", "decimals"),
    [
        (news2.RESP_RATE_BANDS, news2.resp_rate_score, 1, 0),
        (news2.SPO2_SCALE_1_BANDS, news2.spo2_score, 1, 0),
        (news2.SYSTOLIC_BANDS, news2.systolic_score, 1, 0),
        (news2.HEART_RATE_BANDS, news2.heart_rate_score, 1, 0),
        (news2.TEMPERATURE_BANDS, news2.temperature_score, 0.1, 1),
    ],
)
def test_news2_band_text_says_what_the_scoring_does(
    bands: news2.Bands, score: object, step: float, decimals: int
) -> None:
    spans = _spans(news2.bands_text(bands, step=step, decimals=decimals))
    assert len(spans) == len(bands)
    for low, high, points in spans:
        for value in (low, high):
            if math.isfinite(value):
                assert score(value) == points, (value, points)  # type: ignore[operator]


def test_ciwa_band_text_says_what_the_banding_does() -> None:
    text = scales.bands_text(scales.CIWA_B_BANDS)
    assert text == "0 no signs; 1-20 mild; 21-40 moderate; 41-60 severe; 61-80 very severe"
    for part in text.split("; "):
        span, label = part.split(" ", 1)
        low, _, high = span.partition("-")
        for total in (int(low), int(high or low)):
            assert scales.ciwa_b_band(total).label.lower() == label
    assert scales.bands_text(scales.CIWA_AR_BANDS).startswith("0-9 mild; 10-18 moderate")
