from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Data protection"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from privacy import tasks  # noqa: F401  (registers the nightly retention beat entry)
