"""One settings object, read from the environment (prefix ``TAPERWATCH_``)."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "insecure-demo-key-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TAPERWATCH_", extra="ignore")

    database_url: str = "sqlite:///taperwatch.db"
    secret_key: str = DEFAULT_SECRET_KEY
    # Demo mode: the insecure default key is allowed and `serve` seeds the demo ward.
    demo: bool = False
    # Ward defaults, used when a ward is first created; each ward then keeps its own policy.
    ward_name: str = "Detox Ward"
    ward_timezone: str = "Europe/London"
    # Run the scheduler inside `taperwatch serve` (SQLite default); off for gunicorn deployments.
    scheduler_in_process: bool | None = None
    # Set to true when the app is served over HTTPS (session cookie marked Secure).
    secure_cookies: bool = False
    # Where static files' best compressions are kept: a directory, "" for the user's cache
    # directory (~/.cache/taperwatch/compressed), "off" for memory only.
    compressed_cache: str = ""
    # Hospital sign-in (OpenID Connect, dashboard/oidc.py): on when an issuer is set. The
    # provider's groups (the ``oidc_groups_claim`` of its ID token) map to Taperwatch roles,
    # e.g. "ward-nurses=nurse,ward-doctors=physician,it-admins=admin"; someone in no mapped
    # group is refused. Local accounts keep working beside it.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_name: str = "hospital sign-in"  # the button reads "Sign in with <oidc_name>"
    oidc_scope: str = "openid profile email"
    oidc_groups_claim: str = "groups"
    oidc_role_map: str = ""

    @field_validator("ward_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value

    @field_validator("oidc_role_map")
    @classmethod
    def _role_map_parses(cls, value: str) -> str:
        parse_role_map(value)
        return value

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_role_map):
            raise ValueError(
                "TAPERWATCH_OIDC_ISSUER is set: set TAPERWATCH_OIDC_CLIENT_ID and "
                "TAPERWATCH_OIDC_ROLE_MAP too (and TAPERWATCH_OIDC_CLIENT_SECRET)"
            )
        return self

    @property
    def oidc_roles(self) -> tuple[tuple[str, str], ...]:
        return parse_role_map(self.oidc_role_map)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if not self.demo and self.secret_key == DEFAULT_SECRET_KEY:
            raise ValueError(
                "TAPERWATCH_SECRET_KEY is the insecure default; set a long random value "
                "(python -c 'import secrets; print(secrets.token_hex(32))') or set "
                "TAPERWATCH_DEMO=1 for a demo"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def parse_role_map(text: str) -> tuple[tuple[str, str], ...]:
    """``"group=role,group=role"`` -> ((group, role), ...), in the order written: someone in
    several mapped groups gets the role of the first."""
    from models.tables import ROLES

    pairs = []
    for item in text.split(","):
        if not item.strip():
            continue
        group, sep, role = item.partition("=")
        group, role = group.strip(), role.strip()
        if not sep or not group or role not in ROLES:
            raise ValueError(
                f"TAPERWATCH_OIDC_ROLE_MAP: {item.strip()!r} is not group=role with a role of "
                f"{', '.join(ROLES)}"
            )
        pairs.append((group, role))
    return tuple(pairs)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
