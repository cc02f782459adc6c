"""The app shell: header with the ward, navigation by role, the signed-in user and sign-out."""

from __future__ import annotations

from dataclasses import dataclass

import dash
import dash_mantine_components as dmc
from dash import dcc, html
from flask_login import current_user
from sqlmodel import Session

from dashboard.components.charting_common import attrs
from dashboard.components.citations import SOURCES_PATH
from dashboard.context import default_ward, engine
from dashboard.theme import MANTINE_THEME


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str
    roles: tuple[str, ...]
    item_id: str


# Navigation, in order. A page plugs itself in by registering its path; items whose page is not
# registered are not shown.
NAV: tuple[NavItem, ...] = (
    NavItem("/", "Ward board", ("nurse", "physician", "admin"), "nav-board"),
    NavItem("/queue", "Review queue", ("nurse", "physician", "admin"), "nav-queue"),
    NavItem("/rounds", "Rounds", ("physician", "admin"), "nav-rounds"),
    NavItem("/admin", "Admin", ("admin",), "nav-admin"),
    NavItem("/admin/audit", "Audit log", ("admin",), "nav-audit"),
)


def _registered_paths() -> set[str]:
    return {page["path"] for page in dash.page_registry.values()}


def nav_items(role: str) -> list[NavItem]:
    paths = _registered_paths()
    return [item for item in NAV if role in item.roles and item.path in paths]


def shell_layout() -> dmc.MantineProvider:
    signed_in = bool(getattr(current_user, "is_authenticated", False))
    role = current_user.role if signed_in else ""
    name = current_user.display_name if signed_in else ""
    with Session(engine()) as session:
        ward_name = default_ward(session).name
    links = [
        dcc.Link(
            [item.label, html.Span(id=f"{item.item_id}-badge", className="tw-nav-badge")],
            href=item.path,
            id=item.item_id,
            className="tw-nav-link",
        )
        for item in nav_items(role)
    ]
    # On a narrow screen the navigation and the user's block fold into a menu the toggle opens
    # (assets/shell_menu.js); on a wide one the toggle is hidden and they sit in the header.
    menu = html.Div(
        [
            html.Nav(links, className="tw-nav", **attrs(aria_label="Main")),
            html.Div(
                [
                    html.Span(name, id="shell-user", className="tw-user"),
                    dmc.Badge(role, id="shell-role", variant="light", color="gray"),
                    html.Form(
                        html.Button("Sign out", id="sign-out", className="tw-signout"),
                        method="post",
                        action="/logout",
                    ),
                ],
                className="tw-account",
            ),
        ],
        id="shell-menu",
        className="tw-menu",
    )
    toggle = html.Button(
        [html.Span(className="tw-menu-icon", **attrs(aria_hidden="true")), "Menu"],
        id="shell-menu-toggle",
        className="tw-menu-toggle",
        type="button",
        **attrs(aria_expanded="false", aria_controls="shell-menu"),
    )
    header = dmc.AppShellHeader(
        html.Div(
            [
                html.Div(
                    [
                        html.Span("Taperwatch", className="tw-brand"),
                        html.Span(ward_name, id="shell-ward", className="tw-ward"),
                    ],
                    className="tw-brand-block",
                ),
                toggle,
                menu,
            ],
            className="tw-header",
            id="shell-header",
        )
    )
    footer = html.Footer(
        dcc.Link("Clinical sources and local policies", href=SOURCES_PATH, id="footer-sources"),
        className="tw-footer tw-no-print",
    )
    return dmc.MantineProvider(
        dmc.AppShell(
            [header, dmc.AppShellMain([dash.page_container, footer], className="tw-main")],
            header={"height": 56},
            padding="md",
        ),
        theme=MANTINE_THEME,
        forceColorScheme="light",
    )
