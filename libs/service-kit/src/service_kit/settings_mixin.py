"""The base of every settings class (`ServiceSettings` and each mixin, a group of environment
variables a service mixes into its settings): read from the environment only, unknown variables
ignored, frozen once read, and every secret readable from a file as `<NAME>_FILE`."""

from __future__ import annotations

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from service_kit.secret_files import SecretFilesSource


class SettingsMixin(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Before the environment: `<NAME>=""` (docker compose's `${NAME:-}`) next to
        # `<NAME>_FILE` must not hide the file's value; both set non-empty is refused anyway.
        return (
            init_settings,
            SecretFilesSource(settings_cls),
            env_settings,
            dotenv_settings,
            file_secret_settings,
        )
