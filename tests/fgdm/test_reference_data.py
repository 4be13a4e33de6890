"""Reference data for reporting (issue 16, part 4): localities, family hubs with a status and an
"as at" date, and the 7 Local Alliance Groups, loaded from the CSVs by `load_reference_data` (the
same loader seed_demo uses), idempotently and without deleting anything."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from fgdm.models import FamilyHub, LocalAllianceGroup, Locality
from process import reference_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DORSET = {"east", "purbeck", "dorchester", "west", "north", "chesil"}


def load() -> str:
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    return out.getvalue()


class TestLoadReferenceData:
    def test_loads_localities_hubs_and_alliance_groups(self):
        out = load()
        assert set(Locality.objects.values_list("code", flat=True)) == DORSET
        assert FamilyHub.objects.count() == len(reference_data.read_csv(reference_data.HUBS_CSV)) == 42
        assert LocalAllianceGroup.objects.count() == 7
        assert "Local Alliance Groups: 7 created" in out

    def test_seven_alliance_groups_cover_all_six_localities(self):
        load()
        covered = set(Locality.objects.filter(alliance_groups__isnull=False).values_list("code", flat=True))
        assert covered == DORSET
        for group in LocalAllianceGroup.objects.all():
            assert group.localities.exists() and group.source, group

    def test_every_row_says_its_source(self):
        load()
        assert not FamilyHub.objects.filter(source="").exists()
        assert not LocalAllianceGroup.objects.filter(source="").exists()
        # Names not found in a public document are marked as derived, never passed off as Dorset's.
        for group in LocalAllianceGroup.objects.all():
            assert group.source.startswith("DERIVED") == group.name.endswith("(derived)")

    def test_hubs_due_to_open_in_january_2025_are_planned(self):
        load()
        planned = set(FamilyHub.objects.filter(status=FamilyHub.Status.PLANNED).values_list("name", flat=True))
        assert planned == {
            "Portland Community Hospital",
            "Central Weymouth (to be confirmed)",
            "Weymouth Outdoor Education Centre",
            "Blandford (to be confirmed)",
        }
        leigh_park = FamilyHub.objects.get(name="Leigh Park Family Hub")
        assert leigh_park.status == FamilyHub.Status.DESIGNATED
        assert leigh_park.status_as_at == datetime.date(2025, 1, 21)
        assert "21 January 2025" in leigh_park.source

    def test_running_again_changes_nothing(self):
        load()
        before = {
            "localities": list(Locality.objects.order_by("pk").values()),
            "hubs": list(FamilyHub.objects.order_by("pk").values()),
            "groups": [
                (g.pk, g.code, g.name, sorted(g.localities.values_list("pk", flat=True)))
                for g in LocalAllianceGroup.objects.order_by("pk")
            ],
        }
        out = load()
        assert "0 created, 0 updated, 42 unchanged" in out and "0 created, 0 updated, 7 unchanged" in out
        after = {
            "localities": list(Locality.objects.order_by("pk").values()),
            "hubs": list(FamilyHub.objects.order_by("pk").values()),
            "groups": [
                (g.pk, g.code, g.name, sorted(g.localities.values_list("pk", flat=True)))
                for g in LocalAllianceGroup.objects.order_by("pk")
            ],
        }
        assert after == before

    def test_updates_in_place_and_deletes_nothing(self, world):
        from tests import scenario

        load()
        case = scenario.allocated(world)  # a case in the East locality
        hub = FamilyHub.objects.get(name="Leigh Park Family Hub")
        hub.status, hub.lead_organisation = FamilyHub.Status.PLANNED, "Changed in admin"
        hub.save()
        extra = FamilyHub.objects.create(locality=world.east, name="A hub added in admin", kind="main")
        case.hub = hub
        case.save(update_fields=["hub"])
        out = load()
        hub.refresh_from_db()
        assert (hub.status, hub.lead_organisation) == (
            FamilyHub.Status.DESIGNATED,
            "Children's Services East Locality Team",
        )
        assert FamilyHub.objects.filter(pk=extra.pk).exists()
        assert "Family hubs: 0 created, 1 updated" in out
        case.refresh_from_db()
        assert case.hub_id == hub.pk

    def test_a_row_naming_an_unknown_locality_loads_nothing(self, tmp_path):
        bad = tmp_path / "groups.csv"
        bad.write_text("code,name,localities,source\nx,X,atlantis,made up\n", encoding="utf-8")
        with pytest.raises(CommandError, match="atlantis"):
            call_command("load_reference_data", alliance_groups=bad, stdout=io.StringIO())
        assert not Locality.objects.exists() and not FamilyHub.objects.exists()


class TestReferenceDataShown:
    def test_hubs_api_gives_status_and_as_at(self, world, api):
        load()
        response = api.as_user(world.u.prac_east).get("/api/v1/hubs/", {"locality": "chesil"})
        assert response.status_code == 200
        items = {item["name"]: item for item in response.json()["results"]}
        portland = items["Portland Community Hospital"]
        assert (portland["status"], portland["status_as_at"]) == ("planned", "2025-01-21")
        assert {"id", "name", "kind", "lead_organisation", "designated", "locality"} <= set(portland)

    def test_admin_lists_alliance_groups_and_hub_status(self):
        load()
        admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
        client = Client()
        client.force_login(admin)
        page = client.get(reverse("admin:fgdm_localalliancegroup_changelist")).content.decode()
        assert "Sherborne (derived)" in page and "North" in page
        group = LocalAllianceGroup.objects.get(code="sherborne")
        change = client.get(reverse("admin:fgdm_localalliancegroup_change", args=[group.pk])).content.decode()
        assert "selectfilter" in change.lower() or "SelectFilter" in change
        hubs = client.get(reverse("admin:fgdm_familyhub_changelist")).content.decode()
        assert "Planned" in hubs and "21 January 2025" in hubs
