"""The FGC coordinator's preparation of the Hollis family's conference (booked in the demo), by
clicking and typing: each person's preparation recorded, the network confirmed too early (an error),
the team manager signing off the proposed exclusion, then the network confirmed as prepared."""

import re

import pytest

from fgdm.models import Case

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_coordinator_prepares_a_conference(tour):
    page = tour.page
    hollis = Case.objects.get(family_name="Hollis").reference

    tour.sign_in("coord", expect_heading="My tasks")
    page.get_by_role("link", name=re.compile(rf"^Prepare the network for the conference\W+{hollis}")).click()
    tour.look("prepare-the-network", heading="Prepare the network for the conference")
    for person, stands, slug in (("Bev Turner", "Invited", "bev"), ("Carol Hollis", "Prepared", "carol")):
        page.get_by_role("link", name=f"Record preparation of {person}").click()
        tour.look(f"preparing-{slug}", heading=f"Preparing {person}")
        tour.choose("Where their preparation stands", stands)
        page.get_by_label("Notes (optional)").fill(f"Met {person.split()[0]} at home; knows what to expect.")
        page.get_by_role("button", name="Record").click()
        tour.look(f"{slug}-recorded", heading="Prepare the network for the conference")
        tour.shows(f"{person}'s preparation is recorded")

    # Steve's exclusion is still waiting for the manager: confirming now is refused, with the reason
    page.get_by_role("button", name="The network is prepared").click()
    tour.look("not-yet-prepared", heading="Prepare the network for the conference")
    assert page.title().startswith("Error:")
    tour.shows("Steve Hollis")
    tour.sign_out()

    # tm.west signs off the exclusion the coordinator proposed
    tour.sign_in("tm.west", expect_heading="My tasks")
    page.get_by_role("link", name=re.compile(r"^Review\W+excluding Steve Hollis")).click()
    tour.look("exclusion-sign-off", heading="Sign off excluding Steve Hollis")
    page.get_by_role("button", name="Sign off the exclusion").click()
    tour.look("exclusion-signed-off")
    tour.sign_out()

    # coord confirms the network is prepared
    tour.sign_in("coord", expect_heading="My tasks")
    page.get_by_role("link", name=re.compile(rf"^Prepare the network for the conference\W+{hollis}")).click()
    tour.look("prepare-again", heading="Prepare the network for the conference")
    page.get_by_role("button", name="The network is prepared").click()
    tour.look("network-prepared")
    tour.shows(re.compile("prepared", re.I))
    tour.finish()
