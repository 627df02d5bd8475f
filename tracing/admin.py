"""Django admin: office administrators manage the staff, roles and settings of their own office.

Every admin permission question goes to the policy (`can(user, "office.manage", office)`),
never to Django model permissions, and every queryset is scoped to the user's office, so an
object of another office is a 404 in the admin too. Case content is not in the admin at all
(see cases/admin.py). The admin is a two-factor site when TRACING_REQUIRE_OTP is on, and it
has no login form of its own: sign-in goes through /accounts/login/ (axes lockout, audit).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django_otp.admin import OTPAdminSite

from tracing.models import Office, Role, StaffProfile
from tracing.permissions import actor_for, can

User = get_user_model()


class TracingAdminSite(OTPAdminSite):
    """Open to superusers and office administrators; verified by TOTP when required."""

    site_header = "Family Tracing administration"
    site_title = "Family Tracing administration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        if settings.TRACING_REQUIRE_OTP and not user.is_verified():
            return False
        return user.is_superuser or can(user, "office.manage", None)

    def _otp_pending(self, request: HttpRequest) -> bool:
        return settings.TRACING_REQUIRE_OTP and not request.user.is_verified()

    def admin_view(self, view: Callable[..., HttpResponse], cacheable: bool = False) -> Callable[..., HttpResponse]:
        inner = super().admin_view(view, cacheable)

        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            # A signed-in user without admin rights gets 403, not a trip through a login page.
            if request.user.is_authenticated and not self._otp_pending(request) and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        nxt = request.GET.get("next", "/admin/")
        if request.user.is_authenticated:
            if self._otp_pending(request):
                return redirect_to_login(nxt, "otp-verify")
            raise PermissionDenied
        return redirect_to_login(nxt, settings.LOGIN_URL)


# Swap the class of the default site, keeping what other apps have registered on it
# (the way django-otp documents enabling OTPAdminSite).
admin.site.__class__ = TracingAdminSite


class OfficeScopedAdmin(admin.ModelAdmin):
    """Base: rows of the user's own office only; rights from the policy, not model permissions."""

    office_path = "office"  # lookup from the model to its Office
    office_admin_may_add = True
    office_admin_may_delete = False

    def office_of(self, obj: Any) -> Office:
        return obj.office

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        actor = actor_for(request.user)
        if actor is None or not can(request.user, "office.manage", None):
            return qs.none()
        return qs.filter(**{f"{self.office_path}": actor.office_id})

    def _manages(self, request: HttpRequest, obj: Any = None) -> bool:
        if request.user.is_superuser:
            return True
        return can(request.user, "office.manage", None if obj is None else self.office_of(obj))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._manages(request)

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str) -> HttpResponse:
        # Django redirects to the index with "does not exist"; another office's object must
        # look exactly like a missing one everywhere: 404.
        raise Http404("No such object.")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._manages(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._manages(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return request.user.is_superuser or (self.office_admin_may_add and self._manages(request))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser or (self.office_admin_may_delete and self._manages(request, obj))


@admin.register(Office)
class OfficeAdmin(OfficeScopedAdmin):
    office_path = "pk"
    office_admin_may_add = False
    list_display = ("code", "name", "country", "caseworkers_see_office_cases")
    fields = ("code", "name", "country", "languages", "timezone", "contact_email", "contact_phone",
              "caseworkers_see_office_cases", "inactivity_reminder_days")

    def office_of(self, obj: Any) -> Office:
        return obj

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The code prefixes every case reference; only operators change it (or the country).
        return () if request.user.is_superuser else ("code", "country")


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    min_num = 1
    max_num = 1
    fields = ("office", "role", "network_wide", "language")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Office administrators place staff in their own office; network-wide audit is for operators.
        return () if request.user.is_superuser else ("office", "network_wide")

    def _manages(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or can(request.user, "office.manage", None)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._manages(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._manages(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._manages(request)


class OfficeUserAdmin(OfficeScopedAdmin, UserAdmin):
    """Staff accounts of the office: no superuser, staff or permission flags for office admins."""

    office_path = "staff__office"
    inlines = [StaffProfileInline]
    list_display = ("username", "email", "first_name", "last_name", "is_active", "role")
    list_filter = ("is_active", "staff__role")
    search_fields = ("username", "email", "first_name", "last_name")

    @admin.display(description="role")
    def role(self, obj: Any) -> str:
        profile = getattr(obj, "staff", None)
        return profile.get_role_display() if profile else "—"

    def office_of(self, obj: Any) -> Office | None:
        profile = StaffProfile.objects.filter(user_id=obj.pk).select_related("office").first()
        return profile.office if profile else Office(pk=None)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request).select_related("staff")
        return qs if request.user.is_superuser else qs.exclude(is_superuser=True)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        return (
            (None, {"fields": ("username", "password")}),
            ("Person", {"fields": ("first_name", "last_name", "email")}),
            ("Status", {"fields": ("is_active", "last_login", "date_joined")}),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if request.user.is_superuser else ("last_login", "date_joined")

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is StaffProfile and not request.user.is_superuser:
            actor = actor_for(request.user)
            for profile_form in formset.forms:
                profile_form.instance.office_id = actor.office_id
                profile_form.instance.network_wide = False
        super().save_formset(request, form, formset, change)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, OfficeUserAdmin)


@admin.register(StaffProfile)
class StaffProfileAdmin(OfficeScopedAdmin):
    """Roles at a glance; accounts and roles are edited on the user page."""

    office_admin_may_add = False
    list_display = ("user", "office", "role", "network_wide")
    list_filter = ("role",)
    fields = ("user", "office", "role", "network_wide", "language")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if request.user.is_superuser else ("user", "office", "network_wide")

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role":
            kwargs["choices"] = Role.choices
        return super().formfield_for_choice_field(db_field, request, **kwargs)
