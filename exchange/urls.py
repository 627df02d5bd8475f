"""Pages of the exchange app."""

from django.urls import path

from exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("imports/<uuid:batch_id>/", views.detail, name="detail"),
    path("imports/<uuid:batch_id>/import/", views.confirm, name="confirm"),
    path("imports/<uuid:batch_id>/status.json", views.status, name="status"),
    path("imports/<uuid:batch_id>/problems.csv", views.problems, name="problems"),
    path("export/", views.export, name="export"),
]
