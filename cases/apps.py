from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Tracing cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tracing.crypto import history  # noqa: F401  (history rows keep ciphertext)
