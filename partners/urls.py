"""Pages of the partners app."""

from django.urls import path

from partners import views

app_name = "partners"
urlpatterns = [
    path("", views.system_list, name="systems"),
]
