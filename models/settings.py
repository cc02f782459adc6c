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

    @field_validator("ward_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
