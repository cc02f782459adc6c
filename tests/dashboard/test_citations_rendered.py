"""Citations in the rendered pages: every page, for every role that may see it, on the demo ward
after a review scan (so the queue, rounds, plan panels and print sheets have content). Each
``[Sn]`` is a link to its entry on the Sources page with the citation as its tooltip; no tag is
left as bare text; no text points outside the repository; the Sources page has an entry for
every source and the local policies. The static side (code, docs, help) is tests/test_citations.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import dash
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.components.static_markup import ATTRIBUTE as MARKUP_ATTRIBUTE
from jobs.scan import run_scan
from models.clinical.sources import SOURCE_TAG, SOURCES
from models.db import make_engine
from models.migrate import upgrade
from models.settings import Settings
from models.tables import Admission
from seed_data.demo import DEMO_USERS, seed_demo
from tests.dashboard.charting_fixtures import markup_tree
from tests.dashboard.conftest import sign_in
from tests.dashboard.dash_client import render_page, server_callbacks
from tests.test_citations import OUTSIDE_THE_REPOSITORY

CITE_CLASS = "tw-cite"


@dataclass
class Rendered:
    """What the pages showed: text outside citation links, and the links."""

    texts: list[tuple[str, str]] = field(default_factory=list)  # (page, text)
    cites: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (page, A's props)
    layouts: dict[str, Any] = field(default_factory=dict)  # "role path" -> layout

    def walk(self, page: str, node: Any) -> None:
        if isinstance(node, str):
            self.texts.append((page, node))
        elif isinstance(node, list):
            for item in node:
                self.walk(page, item)
        elif isinstance(node, dict):
            props = node.get("props")
            if "type" in node and isinstance(props, dict):
                if node["type"] == "A" and CITE_CLASS in str(props.get("className", "")).split():
                    self.cites.append((page, props))
                    return
                if isinstance(props.get(MARKUP_ATTRIBUTE), str):  # a block sent as markup
                    self.walk(page, markup_tree(props[MARKUP_ATTRIBUTE]))
                    props = {k: v for k, v in props.items() if k != MARKUP_ATTRIBUTE}
                node = props
            for value in node.values():
                self.walk(page, value)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    from dashboard.app import create_app

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('cite') / 'demo.db'}")
    upgrade(engine)
    seed_demo(engine)
    run_scan(engine)
    settings = Settings(database_url=str(engine.url), secret_key="citations-test-key", demo=True)
    app = create_app(settings, engine)
    app.server.config["PROPAGATE_EXCEPTIONS"] = False
    found = Rendered()
    for user in DEMO_USERS:
        client = app.server.test_client()
        assert sign_in(client, user.username, user.password) == 302
        assert client.get("/").status_code == 200
        router = next(cb for cb in server_callbacks(app) if "_pages_content" in cb.output)
        for path in _paths(engine, user.role):
            layout = render_page(client, router, path)
            found.layouts[f"{user.role} {path}"] = layout
            found.walk(f"{user.role} {path}", layout)
    yield found
    engine.dispose()


def _paths(engine: Engine, role: str) -> list[str]:
    """Every page; the per-patient ones for each admitted patient (the physician) or one."""
    with Session(engine) as session:
        admitted = list(
            session.exec(select(Admission.id).where(col(Admission.discharged_at).is_(None)))
        )
    ids = admitted if role == "physician" else admitted[:1]
    paths = []
    for page in dash.page_registry.values():
        template = page.get("path_template")
        if template:
            paths += [re.sub(r"<[^>]+>", str(i), template) for i in ids]
        else:
            paths.append(str(page["path"]))
    return paths


def test_no_tag_is_left_as_bare_text(rendered: Rendered) -> None:
    bare = [(page, text) for page, text in rendered.texts if SOURCE_TAG.search(text)]
    assert bare == [], "pass the text through dashboard.components.citations.cited()"


def test_every_citation_links_to_its_source_with_the_citation(rendered: Rendered) -> None:
    assert rendered.cites, "no page showed a citation"
    for page, props in rendered.cites:
        label = str(props.get("children"))
        source_id = label.strip("[]")
        assert source_id in SOURCES, (page, label)
        assert label == f"[{source_id}]", (page, label)
        assert props["href"] == f"/sources#{source_id}", page
        assert props["title"].startswith(f"{source_id}: {SOURCES[source_id].citation}"), page
        assert props["data-citation"] == props["title"], page
        assert props["aria-label"].startswith(f"Source {source_id}: "), page
        on_sources_page = page.endswith(" /sources")
        assert props.get("target") == (None if on_sources_page else "_blank"), page


def test_pages_cite_where_their_numbers_come_from(rendered: Rendered) -> None:
    """The admin page's policies, the queue's rules, the rounds suggestions, the plan panel
    and the print sheets each show their sources."""
    by_page: dict[str, set[str]] = {}
    for page, props in rendered.cites:
        by_page.setdefault(page, set()).add(str(props["children"]).strip("[]"))
    assert {"S10", "S16", "S22", "S35", "S37", "S56"} <= by_page["admin /admin"]
    assert {"S16", "S22", "S23", "S41"} <= by_page["nurse /queue"]
    assert {"S16", "S23"} <= by_page["physician /rounds"]
    assert {"S16", "S23"} <= by_page["physician /rounds/print"]
    patient = set().union(*(i for p, i in by_page.items() if p.startswith("physician /patient")))
    assert {"S1", "S3", "S4", "S16", "S17", "S22"} <= patient


def test_no_page_points_outside_the_repository(rendered: Rendered) -> None:
    outside = [(p, t) for p, t in rendered.texts if OUTSIDE_THE_REPOSITORY.search(t)]
    assert outside == []


def _ids_of(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, list):
        for item in node:
            _ids_of(item, found)
    elif isinstance(node, dict):
        props = node.get("props", node)
        ident = props.get("id") if isinstance(props, dict) else None
        if isinstance(ident, str):
            found.add(ident)
        for value in (props if isinstance(props, dict) else node).values():
            _ids_of(value, found)
    return found


def test_the_sources_page_has_an_entry_for_each_source_and_the_local_policies(
    rendered: Rendered,
) -> None:
    for role in ("nurse", "physician", "admin"):
        ids = _ids_of(rendered.layouts[f"{role} /sources"], set())
        assert SOURCES.keys() <= ids, role
        assert "local-policies" in ids
