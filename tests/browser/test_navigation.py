"""Navigation from a patient's chart back to the board works without reloading the page
(the chart's trace ids must be safe in a CSS selector when plotly tears the figure down)."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, col, select

from models.tables import Admission
from tests.browser.conftest import LiveServer, sign_in, wait_for


def test_nav_link_leaves_the_patient_chart(browser: WebDriver, live_server: LiveServer) -> None:
    with Session(live_server.engine) as session:
        admission_id = session.exec(
            select(Admission.id).where(col(Admission.discharged_at).is_(None))
        ).first()
    sign_in(browser, live_server, "nurse", "nurse-demo-pass")
    browser.get(f"{live_server.url}/patient/{admission_id}")
    wait_for(browser, ".js-plotly-plot", timeout=30)
    browser.find_element(By.ID, "nav-board").click()
    WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#board-table .tw-board-row")
    )
    assert browser.current_url.rstrip("/") == live_server.url
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not [e for e in severe if "querySelector" in e["message"]], severe
