"""The status page and the consent page in a real browser: keyboard only, right-to-left Arabic."""

from __future__ import annotations

from typing import Any

import pytest

from cases.actions import case_open, case_transition
from cases.models import Case, Consent
from tests.browser.conftest import shot, tab_to
from tests.factories import sample_case_data
from tracing.public.actions import enquirer_access_issue, found_access_issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _case(personas: Any, *steps: str) -> Case:
    case = case_open(acting_user=personas.caseworker, **sample_case_data())
    for step in steps:
        user = personas.supervisor if step in ("accept",) else personas.caseworker
        case_transition(acting_user=user, case_id=case.id, transition=step)
    case.refresh_from_db()
    return case


def _box(page: Any, selector: str) -> dict[str, float]:
    return page.locator(selector).first.bounding_box()


def test_status_page_by_keyboard_in_arabic_right_to_left(personas: Any, live_server: Any, page: Any) -> None:
    case = _case(personas, "start_review", "accept", "start_search")
    issued = enquirer_access_issue(acting_user=personas.caseworker, case_id=case.id, channel="letter")

    page.goto(f"{live_server.url}/status/?lang=en")
    ltr_brand, ltr_lang = _box(page, "#brand"), _box(page, ".public-lang")
    assert page.get_attribute("html", "dir") == "ltr" and ltr_brand["x"] < ltr_lang["x"]
    shot(page, "status-sign-in-en")

    page.goto(f"{live_server.url}/status/?lang=ar")
    assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "ar"
    rtl_brand, rtl_lang = _box(page, "#brand"), _box(page, ".public-lang")
    assert rtl_brand["x"] > rtl_lang["x"]  # the header mirrors: brand on the right, languages on the left
    label = _box(page, "label[for=id_reference]")
    assert label["x"] + label["width"] > 600  # labels start at the right edge
    shot(page, "status-sign-in-ar")

    tab_to(page, "input[name=reference]")
    page.keyboard.type(issued.login)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "code"
    page.keyboard.type(issued.code_display)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/status/case/")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("h2[data-stage=searching]").inner_text() == "نعمل على طلبك"
    main = page.locator("main").inner_text()
    assert "Mohammed" not in main and "Kismayo" not in main
    shot(page, "status-page-ar")

    # Keyboard only: send new information, Enter in a field submits its form.
    tab_to(page, "input[name=info-place]")
    page.keyboard.type("Garissa")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "شكرًا لك" in page.locator(".messages").inner_text()
    assert case.enquirer_submissions.count() == 1
    shot(page, "status-page-ar-after-submission")

    page.goto(f"{live_server.url}/status/case/?lang=en")
    assert page.locator("h2[data-stage=searching]").inner_text() == "We are working on your request"
    shot(page, "status-page-en")


def test_consent_page_by_keyboard(personas: Any, live_server: Any, page: Any) -> None:
    case = _case(personas, "start_review", "accept", "start_search", "mark_located")
    sought = case.persons.get(role="sought")
    issued = found_access_issue(acting_user=personas.caseworker, case_id=case.id, person_id=sought.id,
                                channel="letter")

    page.goto(f"{live_server.url}/consent/?lang=fr")
    tab_to(page, "input[name=reference]")
    page.keyboard.type(issued.login)
    page.keyboard.press("Tab")
    page.keyboard.type(issued.code)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/consent/answer/")
    assert "Un membre de votre famille vous recherche" in page.locator("h1").inner_text()
    shot(page, "consent-page-fr")

    # Choose "relay messages" with the keyboard: Tab into the group, arrows move the choice.
    tab_to(page, "input[name=answer-scope]")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.value") == "relay_messages"
    tab_to(page, "textarea[name=answer-message]")
    page.keyboard.type("Je vais bien.")
    tab_to(page, "#give-answer")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    consent = Consent.objects.get(case=case, withdrawn_at__isnull=True)
    assert consent.scope == "relay_messages" and consent.source == "online"
    shot(page, "consent-page-fr-answered")

    page.goto(f"{live_server.url}/consent/answer/?lang=ar")
    assert page.get_attribute("html", "dir") == "rtl"
    assert _box(page, "#brand")["x"] > _box(page, ".public-lang")["x"]
    radio, label_text = _box(page, "input[name=answer-scope]"), _box(page, ".radio label")
    assert radio["x"] > label_text["x"] + label_text["width"] / 2  # the radio sits on the right of its words
    shot(page, "consent-page-ar")


def test_caseworker_prints_a_letter_with_the_code(personas: Any, live_server: Any, page: Any) -> None:
    from django.conf import settings
    from django.test import Client

    case = _case(personas, "start_review", "accept")
    staff = Client()
    staff.force_login(personas.caseworker)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": staff.cookies[
        settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    page.goto(f"{live_server.url}/relatives/cases/{case.id}/")
    shot(page, "staff-panel")
    # Keyboard only: choose "letter" in the first channel group, then the issue button.
    tab_to(page, "#id_enquirer_channel_0")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.value") == "letter"
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    code = page.locator(".public-letter .public-code").nth(1).inner_text()
    assert len(code) == 12 and code.count("-") == 2
    shot(page, "staff-letter-screen")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible() and not page.locator(".no-print").is_visible()
    assert page.locator(".public-letter").is_visible()
    shot(page, "staff-letter-print")
    # The printed code opens the status page.
    signed = Client().post("/status/", {"reference": case.reference, "code": code})
    assert signed.status_code == 302
