"""The app shell: header with the ward, navigation by role, the signed-in user, the language
menu and sign-out, in the request's language (dashboard.i18n)."""

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
from dashboard.i18n import N_, _, language
from dashboard.theme import MANTINE_THEME
from models.i18n import LANGUAGES


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str
    roles: tuple[str, ...]
    item_id: str


# Navigation, in order. A page plugs itself in by registering its path; items whose page is not
# registered are not shown.
NAV: tuple[NavItem, ...] = (
    NavItem("/", N_("Ward board"), ("nurse", "physician", "admin"), "nav-board"),
    NavItem("/queue", N_("Review queue"), ("nurse", "physician", "admin"), "nav-queue"),
    NavItem("/rounds", N_("Rounds"), ("physician", "admin"), "nav-rounds"),
    NavItem("/admin", N_("Admin"), ("admin",), "nav-admin"),
    NavItem("/admin/audit", N_("Audit log"), ("admin",), "nav-audit"),
)


def _registered_paths() -> set[str]:
    return {page["path"] for page in dash.page_registry.values()}


# The roles as a user sees them (the stored role is the code).
ROLE_LABELS: dict[str, str] = {
    "nurse": N_("nurse"),
    "physician": N_("physician"),
    "admin": N_("admin"),
}


def role_label(role: str) -> str:
    """A role's name in the reader's language."""
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else role


LANGUAGE_PATH = "/language"  # dashboard.language_menu: the signed-in user chooses theirs


def nav_items(role: str) -> list[NavItem]:
    paths = _registered_paths()
    return [item for item in NAV if role in item.roles and item.path in paths]


def language_menu() -> html.Form:
    """English / Français, each in its own name: a choice posts to LANGUAGE_PATH, which
    stores it (audited) and reloads the page in it. The current language is marked."""
    from dashboard.auth import _csrf_token  # the session's token (dashboard.security)

    current = language()
    buttons = [
        html.Button(
            lang.name,
            id=f"language-{code}",
            name="language",
            value=code,
            type="submit",
            lang=code,
            className="tw-language-option",
            disabled=code == current,
            **attrs(aria_current="true" if code == current else None),
        )
        for code, lang in LANGUAGES.items()
    ]
    return html.Form(
        [dcc.Input(type="hidden", name="csrf", value=_csrf_token()), *buttons],
        method="post",
        action=LANGUAGE_PATH,
        id="language-menu",
        className="tw-language-menu",
        **attrs(aria_label=_("Language")),
    )


def shell_layout() -> dmc.MantineProvider:
    signed_in = bool(getattr(current_user, "is_authenticated", False))
    role = current_user.role if signed_in else ""
    name = current_user.display_name if signed_in else ""
    with Session(engine()) as session:
        ward_name = default_ward(session).name
    links = [
        dcc.Link(
            [_(item.label), html.Span(id=f"{item.item_id}-badge", className="tw-nav-badge")],
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
            html.Nav(links, className="tw-nav", **attrs(aria_label=_("Main"))),
            html.Div(
                [
                    html.Span(name, id="shell-user", className="tw-user", title=name),
                    dmc.Badge(
                        _(ROLE_LABELS[role]) if role in ROLE_LABELS else role,
                        id="shell-role",
                        variant="light",
                        color="gray",
                    ),
                    language_menu() if signed_in else None,
                    html.Form(
                        html.Button(_("Sign out"), id="sign-out", className="tw-signout"),
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
        [html.Span(className="tw-menu-icon", **attrs(aria_hidden="true")), _("Menu")],
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
                        html.Span(ward_name, id="shell-ward", className="tw-ward", title=ward_name),
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
        dcc.Link(_("Clinical sources and local policies"), href=SOURCES_PATH, id="footer-sources"),
        className="tw-footer tw-no-print",
    )
    return dmc.MantineProvider(
        dmc.AppShell(
            [
                header,
                dmc.AppShellMain(
                    [dash.page_container, footer, connection_messages()], className="tw-main"
                ),
            ],
            header={"height": 56},
            padding="md",
        ),
        theme=MANTINE_THEME,
        forceColorScheme="light",
    )


def connection_messages() -> html.Div:
    """What assets/connection.js says when a callback's request fails, in the reader's language:
    the script is static and reads them here (its own English if the element is missing)."""
    return html.Div(
        id="tw-connection-messages",
        hidden=True,
        **attrs(
            data_signed_out=_(
                "You are signed out, so nothing was saved. Reload the page and sign in again."
            ),
            data_out_of_date=_(
                "This page is out of date, so nothing was saved. Reload the page and try again."
            ),
            data_unavailable=_(
                "The database is not answering (busy, full or restarting): nothing was saved. "
                "Try again in a moment."
            ),
            data_server_error=_(
                "The server could not do that, so nothing was saved. Try again; if it happens "
                "again, call IT."
            ),
            data_no_answer=_(
                "The server is not answering, so nothing was saved. Check the network and try "
                "again."
            ),
        ),
    )
