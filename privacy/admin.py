"""Retention rules in the Django admin: each office administrator edits their own office's rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext as _

from privacy.models import RetentionRule
from tracing.admin import OfficeScopedAdmin
from tracing.permissions import actor_for


class RetentionRuleForm(forms.ModelForm):
    #: The office of a new rule when the form has no office field (office administrators).
    default_office_id: int | None = None

    class Meta:
        model = RetentionRule
        fields = ["office", "closure_reason", "years", "action"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        office = data.get("office")
        office_id = office.pk if office else (self.instance.office_id or self.default_office_id)
        # The unique constraint names the office, which is not on the administrator's form, so
        # Django would not check it and the insert would fail: check it here.
        clash = RetentionRule.objects.filter(office_id=office_id, closure_reason=data.get("closure_reason"))
        if clash.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Your office already has a rule for this closure reason."))
        return data


@admin.register(RetentionRule)
class RetentionRuleAdmin(OfficeScopedAdmin):
    form = RetentionRuleForm
    list_display = ("office", "closure_reason", "years", "action")
    office_admin_may_delete = True

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The office is the administrator's own (set on save); operators may choose any.
        return () if request.user.is_superuser else ("office",)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        actor = actor_for(request.user)
        form.default_office_id = actor.office_id if actor else None
        return form

    def save_model(self, request: HttpRequest, obj: RetentionRule, form: Any, change: bool) -> None:
        if not request.user.is_superuser:
            obj.office_id = actor_for(request.user).office_id
        super().save_model(request, obj, form, change)
