from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit.models import AuditEvent
        from tracing.permissions import audit_events_visible, register_visibility

        # visible(user, AuditEvent) then answers like every other model: from the policy.
        register_visibility(AuditEvent, audit_events_visible)
