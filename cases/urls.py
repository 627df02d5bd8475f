from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cases/", views.case_index, name="list"),
    path("cases/search/", views.search, name="search"),
    path("cases/new/", views.case_new, name="new"),
    path("cases/<uuid:case_id>/", views.case_view, name="detail"),
    path("cases/<uuid:case_id>/edit/", views.case_edit, name="edit"),
    path("cases/<uuid:case_id>/assign/", views.case_assign, name="assign"),
    path("cases/<uuid:case_id>/transition/<slug:name>/", views.case_transition, name="transition"),
    path("cases/<uuid:case_id>/persons/new/", views.person_new, name="person_new"),
    path("cases/<uuid:case_id>/notes/new/", views.note_new, name="note_new"),
    path("cases/<uuid:case_id>/attachments/new/", views.attachment_new, name="attachment_new"),
    path("cases/<uuid:case_id>/attachments/<uuid:attachment_id>/", views.attachment_download, name="attachment"),
    path("cases/<uuid:case_id>/consent/new/", views.consent_new, name="consent_new"),
    path("persons/<uuid:person_id>/edit/", views.person_edit, name="person_edit"),
    path("persons/<uuid:person_id>/erase/", views.person_erase, name="person_erase"),
]
