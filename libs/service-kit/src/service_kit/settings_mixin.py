"""The base of every settings mixin (a group of environment variables a service mixes into its
settings): read from the environment only, unknown variables ignored, frozen once read."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsMixin(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)
