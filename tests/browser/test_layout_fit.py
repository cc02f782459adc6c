"""Layouts that fit their screen, and components that look alike everywhere. On a phone
(390 px): the board's cards line up with each other, a queue card's heading keeps the name and
the MRN whole, the patient chart opens on its latest readings, plan facts and the new user's
fields stack without ragged gaps or widths. On a wide monitor (1920 px): the board uses the
whole width. A dialog's title reads as its heading. Nothing jumps while a page loads."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, col, select

from jobs.scan import run_scan
from models.tables import Admission, PrnOrder
from tests.browser.conftest import LiveServer, screenshot, sign_in, wait_for
from tests.browser.page_walk import first_admitted, set_viewport, wait_settled

PHONE = (390, 844)
# Every layout shift of the page (Chromium's Layout Instability API), from before its first
# script: the sum is the page's cumulative layout shift.
RECORD_SHIFTS = """
window.twShifts = [];
new PerformanceObserver(list => {
  for (const e of list.getEntries()) {
    if (!e.hadRecentInput) {
      const nodes = (e.sources || []).map(s => s.node && (s.node.id || s.node.className));
      window.twShifts.push([e.value, String(nodes)]);
    }
  }
}).observe({type: 'layout-shift', buffered: true});
"""
CARD = "#board-table .tw-board-row"


def _on_a_phone(driver: WebDriver, server: LiveServer) -> None:
    set_viewport(driver, *PHONE)
    sign_in(driver, server, "nurse", "nurse-demo-pass")


def _boxes(driver: WebDriver, css: str) -> list[dict[str, Any]]:
    return list(
        driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])]"
            ".map(e => e.getBoundingClientRect().toJSON())",
            css,
        )
    )


def test_every_board_card_has_its_score_boxes_in_the_same_place(
    browser: WebDriver, live_server: LiveServer
) -> None:
    """The bed's column does not widen with "B13" against "B3", so a nurse scanning down the
    cards finds CIWA-B, NEWS2 and flags at the same place on each."""
    _on_a_phone(browser, live_server)
    WebDriverWait(browser, 20).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, CARD)) > 10)
    beds = browser.execute_script(
        "return [...document.querySelectorAll(arguments[0] + ' .tw-col-bed')]"
        ".map(b => b.textContent)",
        CARD,
    )
    assert {len(b) for b in beds} >= {2, 3}, beds  # one-digit and two-digit beds both shown
    for column in ("ciwa", "news2", "flags", "due", "next_dose"):
        boxes = _boxes(browser, f"{CARD} > .tw-col-{column}")
        assert len(boxes) == len(beds)
        lefts = {round(b["left"]) for b in boxes}
        widths = {round(b["width"]) for b in boxes}
        assert len(lefts) == 1 and len(widths) == 1, (column, lefts, widths)
    screenshot(browser, "phone-board-cards-aligned")


def test_a_queue_card_heading_keeps_the_name_and_mrn_each_on_one_line(
    browser: WebDriver, live_server: LiveServer
) -> None:
    run_scan(live_server.engine)
    _on_a_phone(browser, live_server)
    browser.get(f"{live_server.url}/queue")
    wait_for(browser, ".tw-queue-patient-head")
    wait_settled(browser, ".tw-queue-patient-head")
    # The lines a text is laid out on: the distinct tops of its range's boxes.
    lines = browser.execute_script(
        """
        return [...document.querySelectorAll('.tw-queue-name, .tw-queue-mrn, .tw-queue-n')]
          .map(e => {
            const range = document.createRange();
            range.selectNodeContents(e);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return [e.textContent, tops.size];
          });
        """
    )
    assert len(lines) >= 3 * 4, lines  # name, MRN and count of each patient with a flag
    assert {n for _, n in lines} == {1}, [t for t, n in lines if n != 1]
    screenshot(browser, "phone-queue-headings")


def test_the_patient_chart_opens_on_its_latest_readings(
    browser: WebDriver, live_server: LiveServer
) -> None:
    """Wider than the phone, the chart pans in its frame; it opens at its right-hand end, the
    "now" line and the latest scores, not at the oldest day of the week."""
    _on_a_phone(browser, live_server)
    browser.get(f"{live_server.url}/patient/{first_admitted(live_server)}?tab=overview")
    wait_settled(browser, "#ov-graph .main-svg")
    shown = browser.execute_script(
        """
        const frame = document.querySelector('.tw-chart-frame');
        const chart = frame.querySelector('.tw-chart').getBoundingClientRect();
        const seen = frame.getBoundingClientRect();
        return {pans: frame.scrollWidth > frame.clientWidth + 100,
                chartRight: chart.right, chartLeft: chart.left,
                seenRight: seen.right, seenLeft: seen.left};
        """
    )
    assert shown["pans"], shown
    assert shown["chartRight"] <= shown["seenRight"] + 1, shown  # the newest end is in view
    assert shown["chartLeft"] < shown["seenLeft"], shown  # the oldest days are a swipe away
    screenshot(browser, "phone-chart-latest")


def test_the_plan_facts_wrap_without_blank_lines_between_them(
    browser: WebDriver, live_server: LiveServer
) -> None:
    """Recipe, drug and equivalence table, one under the other on a phone: a line apart, not
    separated by the wide gap they have side by side."""
    _on_a_phone(browser, live_server)
    browser.get(f"{live_server.url}/patient/{first_admitted(live_server)}?tab=overview")
    wait_settled(browser, ".tw-plan-facts")
    boxes = _boxes(browser, ".tw-plan-facts > *")
    rows = sorted({round(b["top"]): b for b in boxes}.values(), key=lambda b: b["top"])
    assert len(rows) >= 2, boxes  # wrapped at 390 px
    gaps = [b["top"] - a["bottom"] for a, b in zip(rows, rows[1:], strict=False)]
    assert max(gaps) <= 8, gaps


def test_the_board_takes_a_wide_monitors_whole_width(
    browser: WebDriver, live_server: LiveServer
) -> None:
    """Capped at a reading measure, the eleven columns wrapped "Alert and calm" over two
    lines and the vitals over three, on a screen with 400 px to spare."""
    set_viewport(browser, 1920, 1080)
    sign_in(browser, live_server, "nurse", "nurse-demo-pass")
    WebDriverWait(browser, 20).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, CARD)) > 10)
    table = _boxes(browser, "#board-table")[0]
    assert table["right"] >= 1920 - 40, table
    lines = browser.execute_script(
        """
        return [...document.querySelectorAll(arguments[0] + ' > .tw-col-sedation .tw-cell-sub')]
          .map(e => {
            const range = document.createRange();
            range.selectNodeContents(e);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
          });
        """,
        CARD,
    )
    assert lines and set(lines) == {1}, lines
    screenshot(browser, "wide-board")


def test_the_new_user_fields_take_the_phones_width_one_under_another(
    browser: WebDriver, live_server: LiveServer
) -> None:
    set_viewport(browser, *PHONE)
    sign_in(browser, live_server, "admin", "admin-demo-pass")
    browser.get(f"{live_server.url}/admin")
    wait_settled(browser, ".tw-admin-new-user")
    fields = _boxes(browser, ".tw-admin-new-user > .mantine-InputWrapper-root")
    group = _boxes(browser, ".tw-admin-new-user")[0]
    assert len(fields) == 4, fields
    assert {round(f["width"]) for f in fields} == {round(group["width"])}, (fields, group)
    assert len({round(f["left"]) for f in fields}) == 1, fields


def test_a_dialogs_title_reads_as_its_heading(browser: WebDriver, live_server: LiveServer) -> None:
    run_scan(live_server.engine)
    set_viewport(browser, 1366, 768)
    sign_in(browser, live_server, "nurse", "nurse-demo-pass")
    browser.get(f"{live_server.url}/queue")
    wait_settled(browser, ".tw-queue-flag.tw-queue-open")
    resolve = browser.find_element(
        By.CSS_SELECTOR, ".tw-queue-open .tw-queue-actions button + button"
    )
    assert resolve.text == "Resolve"
    resolve.click()
    title = wait_for(browser, ".mantine-Modal-title")
    style = browser.execute_script(
        "const s = getComputedStyle(arguments[0]); "
        "return [parseFloat(s.fontSize), Number(s.fontWeight)]",
        title,
    )
    assert style[0] >= 18 and style[1] >= 700, style


def test_no_page_jumps_while_it_loads(browser: WebDriver, live_server: LiveServer) -> None:
    """The footer used to drop by a screen on every page when the content arrived, and the
    patient's plan panel by the chart's 1130 px when plotly drew it (a shift of 0.47)."""
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_SHIFTS})
    set_viewport(browser, 1366, 768)
    sign_in(browser, live_server, "physician", "physician-demo-pass")
    patient = f"/patient/{first_admitted(live_server)}?tab=overview"
    pages = {"/": "#board-table", "/queue": ".tw-page-title", "/rounds": ".tw-rounds-card",
             patient: "#ov-graph .main-svg"}  # fmt: skip
    jumps = {}
    for path, ready in pages.items():
        browser.get(f"{live_server.url}{path}")
        wait_settled(browser, ready)
        shifts = browser.execute_script("return window.twShifts")
        jumps[path] = (round(sum(v for v, _ in shifts), 3), [n for v, n in shifts if v > 0.001])
    assert all(total < 0.01 for total, _ in jumps.values()), jumps


def test_the_mar_on_a_tablet_has_no_cell_over_another_or_past_its_edge(
    browser: WebDriver, live_server: LiveServer
) -> None:
    """At 820 px the MAR's fixed columns (940 px) squeezed the charted line under the
    Correct… button and pushed Refused… past the table's edge."""
    set_viewport(browser, 820, 1180)
    sign_in(browser, live_server, "nurse", "nurse-demo-pass")
    browser.get(f"{live_server.url}/patient/{first_admitted(live_server)}?tab=mar")
    wait_settled(browser, ".tw-mar tbody tr")
    found = browser.execute_script(
        """
        const table = document.querySelector('.tw-mar').getBoundingClientRect();
        const found = [];
        const parts = '.tw-mar tbody td > *, .tw-mar-actions button';
        for (const row of document.querySelectorAll('.tw-mar tbody tr')) {
          const boxes = [...row.querySelectorAll(parts)]
            .map(e => [e, e.getBoundingClientRect()]).filter(([e, r]) => r.width > 0);
          for (const [e, r] of boxes) {
            if (r.right > table.right + 0.5) { found.push(`${e.textContent} past the edge`); }
          }
          for (const [a, ra] of boxes) {
            for (const [b, rb] of boxes) {
              if (a === b || a.contains(b) || b.contains(a)) { continue; }
              const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
              const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
              if (w > 0.5 && h > 0.5) { found.push(`${a.textContent} over ${b.textContent}`); }
            }
          }
        }
        return found;
        """
    )
    assert browser.find_elements(By.CSS_SELECTOR, ".tw-mar-actions button")
    assert not found, found


def test_on_a_tablet_a_flags_chart_link_and_buttons_share_a_row(
    browser: WebDriver, live_server: LiveServer
) -> None:
    run_scan(live_server.engine)
    set_viewport(browser, 820, 1180)
    sign_in(browser, live_server, "nurse", "nurse-demo-pass")
    browser.get(f"{live_server.url}/queue")
    wait_settled(browser, ".tw-queue-flag.tw-queue-open")
    rows = browser.execute_script(
        """
        return [...document.querySelectorAll('.tw-queue-flag')].map(f => {
          const link = f.querySelector('.tw-queue-link').getBoundingClientRect();
          const buttons = f.querySelector('.tw-queue-actions').getBoundingClientRect();
          return [link.top < buttons.bottom && buttons.top < link.bottom,
                  buttons.right <= f.getBoundingClientRect().right];
        });
        """
    )
    assert rows and all(same_row and inside for same_row, inside in rows), rows


@pytest.mark.parametrize("width", [1180, 1366])
def test_the_mar_actions_of_a_dose_keep_one_line_on_a_laptop(
    browser: WebDriver, live_server: LiveServer, width: int
) -> None:
    """At 1180 and 1366 px the fourth action ("Not given…") wrapped under the other three,
    doubling each due dose's row."""
    set_viewport(browser, width, 900)
    sign_in(browser, live_server, "nurse", "nurse-demo-pass")
    with Session(live_server.engine) as session:
        stays = session.exec(
            select(Admission.id).where(col(Admission.discharged_at).is_(None))
        ).all()
    tops: list[list[int]] = []
    for stay in stays:  # the first with a dose still to chart (which depends on the clock)
        browser.get(f"{live_server.url}/patient/{stay}?tab=mar")
        wait_settled(browser, ".tw-mar tbody tr")
        tops = browser.execute_script(
            """
            return [...document.querySelectorAll('.tw-mar .tw-mar-actions')]
              .map(a => [...a.querySelectorAll('button')]
                .map(b => Math.round(b.getBoundingClientRect().top)))
              .filter(t => t.length === 4);
            """
        )
        if tops:
            break
    assert tops, "no dose with its four actions"
    assert all(len(set(t)) == 1 for t in tops), tops


def test_the_history_on_a_phone_shows_every_detail_and_spaces_its_headings(
    browser: WebDriver, live_server: LiveServer
) -> None:
    """At 390 px the History's Details column was cut off at the screen's edge, and "Going
    home" and "Download the whole stay" sat on the table with no space above."""
    _on_a_phone(browser, live_server)
    browser.get(f"{live_server.url}/patient/{first_admitted(live_server)}?tab=history")
    wait_settled(browser, "#history-table tbody tr")
    found = browser.execute_script(
        """
        const width = document.documentElement.clientWidth;
        const cells = [...document.querySelectorAll('#history-table tbody td')]
          .map(c => c.getBoundingClientRect()).filter(r => r.width > 0);
        const titles = [...document.querySelectorAll('#history-table ~ .tw-section-title')];
        const gaps = titles.map(t => {
          const r = t.getBoundingClientRect(), prev = t.previousElementSibling;
          return Math.round(r.top - prev.getBoundingClientRect().bottom);
        });
        return {cells: cells.length, past: cells.filter(r => r.right > width + 0.5).length, gaps};
        """
    )
    assert found["cells"] > 0 and found["past"] == 0, found
    assert len(found["gaps"]) == 2 and all(g >= 16 for g in found["gaps"]), found


@pytest.mark.parametrize(("tab", "table"), [("mar", ".tw-prn-orders"), ("ciwa", ".tw-ciwa-scores")])
def test_the_prn_orders_and_ciwa_scores_fit_a_phone(
    browser: WebDriver, live_server: LiveServer, tab: str, table: str
) -> None:
    """At 390 px the PRN order table cramped its columns and cut its Give… button off, and the
    CIWA-B scores table panned sideways with tall rows: each is a card per row there."""
    with Session(live_server.engine) as session:
        ordered = session.exec(select(PrnOrder.admission_id)).first()  # a patient with a PRN order
    assert ordered is not None
    _on_a_phone(browser, live_server)
    browser.get(f"{live_server.url}/patient/{ordered}?tab={tab}")
    wait_settled(browser, f"{table} tbody tr")
    found = browser.execute_script(
        """
        const width = document.documentElement.clientWidth;
        const parts = [...document.querySelectorAll(arguments[0] + ' tbody td, '
                                                    + arguments[0] + ' button')]
          .map(c => c.getBoundingClientRect()).filter(r => r.width > 0);
        return {parts: parts.length, past: parts.filter(r => r.right > width + 0.5).length};
        """,
        table,
    )
    assert found["parts"] > 0 and found["past"] == 0, found
