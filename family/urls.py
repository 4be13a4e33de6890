"""The family's page (no sign-in) and the staff's pages that send and stop links to it."""

from django.urls import path

from family import views

app_name = "family"

urlpatterns = [
    path("family/<str:token>/", views.family_page, name="view"),
    path("network-members/<int:member_id>/family-link/", views.link_new, name="link_new"),
    path("family-links/<int:link_id>/revoke/", views.link_revoke, name="link_revoke"),
]
