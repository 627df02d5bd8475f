"""factory_boy factories and builders for the shared personas."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from tracing.models import Office, StaffProfile


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"O{n}")
    name = factory.LazyAttribute(lambda o: f"Office {o.code}")
    country = "NL"
    languages = factory.LazyFunction(lambda: ["en"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any = None) -> None:
        if create:
            instance.save(update_fields=["password"])


def staff(username: str, office: Office, role: str, **profile: Any) -> Any:
    user = UserFactory(username=username)
    StaffProfile.objects.update_or_create(user=user, defaults={"office": office, "role": role, **profile})
    return user


def sample_case_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "enquirer": {
            "names": [{"given_names": "Amina", "family_name": "Yusuf", "kind": "primary", "script": "Latn"}],
            "phone": "+31 6 12345678",
            "email": "amina.enquirer@example.org",
            "address": "Keizersgracht 1, Amsterdam",
        },
        "sought": [
            {
                "names": [
                    {"given_names": "Mohammed Abdi", "family_name": "Hassan", "kind": "primary", "script": "Latn"},
                    {"given_names": "محمد عبدي", "family_name": "حسن", "kind": "transliteration", "script": "Arab"},
                ],
                "relationship": "sibling",
                "sex": "male",
                "birth_date": "~1988",
                "birth_place": "Kismayo",
                "places": [{"place": "Dadaab camp", "country": "KE", "date": "2015-06"}],
            }
        ],
        "separation_cause": "conflict",
        "separation_date": "2009-03",
        "separation_place": "Kismayo",
        "separation_circumstances": "Fled fighting; lost each other at the border crossing.",
        "languages": ["so", "en"],
        "eligibility": {"is_relative": True, "lost_contact_months": 120},
    }
    data.update(overrides)
    return data
