from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The post_save receiver that records webhooks, and the tasks with their beat schedule.
        from partners import tasks, webhooks  # noqa: F401
