"""The whole path through the server-rendered pages, each step by the role that does it."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fgdm.models import Case
from network_packages.models import SupportPackage
from payments.models import Payment, PaymentBatch
from tests.helpers import batch_confirmation, formset, package_data, post, referral_data
from tests.helpers import page_ok as ok

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.force_login(user)
    return client


def test_the_whole_path_through_the_pages(client, world):
    u = world.u
    today = timezone.localdate()

    # prac.east opens a referral
    as_user(client, u.prac_east)
    ok(client, reverse("process:home"))
    ok(client, reverse("fgdm:case_new"))
    post(client, reverse("fgdm:case_new"), referral_data(locality=str(world.east.pk)))
    case = Case.objects.get()
    assert case.children.count() == 1
    ok(client, reverse("fgdm:case_list"))
    page = ok(client, reverse("fgdm:case_detail", args=[case.pk])).content.decode()
    assert "<svg" in page and "Hardy" in page

    # tm.east allocates, from the task on the home page
    as_user(client, u.tm_east)
    home = ok(client, reverse("process:home")).content.decode()
    assert reverse("fgdm:case_allocate", args=[case.pk]) in home
    ok(client, reverse("fgdm:case_allocate", args=[case.pk]))
    post(client, reverse("fgdm:case_allocate", args=[case.pk]), {"lead_practitioner": u.prac_east.pk})
    case.refresh_from_db()
    assert case.lead_practitioner == u.prac_east

    # prac.east: consent, network, meeting
    as_user(client, u.prac_east)
    assert reverse("fgdm:case_detail", args=[case.pk]) in ok(client, reverse("process:home")).content.decode()
    ok(client, reverse("fgdm:case_consent", args=[case.pk]))
    post(client, reverse("fgdm:case_consent", args=[case.pk]), {"given_by": "Sarah Hardy (mother)", "scope": "both"})
    child = case.children.get()
    ok(client, reverse("fgdm:child_wishes", args=[child.pk]))
    post(
        client,
        reverse("fgdm:child_wishes", args=[child.pk]),
        {"wishes_and_feelings": "Lily wants to stay with Nan and keep going to school.", "participation": "attends"},
    )
    ok(client, reverse("fgdm:member_new", args=[case.pk]))
    post(
        client,
        reverse("fgdm:member_new", args=[case.pk]),
        {"full_name": "Margaret Hardy", "relationship": "grandparent"},
    )
    post(
        client,
        reverse("fgdm:member_new", args=[case.pk]),
        {
            "full_name": "Sarah Hardy",
            "relationship": "parent",
            "is_parent": "on",
            "has_parental_responsibility": "on",
            "lives_with_child": "on",
        },
    )
    grandmother = case.network_members.get(full_name="Margaret Hardy")
    ok(client, reverse("fgdm:meeting_new", args=[case.pk]))
    when = (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    post(
        client,
        reverse("fgdm:meeting_new", args=[case.pk]),
        {"model": "fnm", "scheduled_for": when, "venue": "Leigh Park Family Hub"},
    )
    meeting = case.meetings.get()

    # records the meeting and the plan
    ok(client, reverse("fgdm:meeting_record", args=[meeting.pk]))
    data = {
        "held_on": today.isoformat(),
        "attendees": "Margaret, Sarah, Lily",
        "private_family_time": "on",
        "contingency": "If Nan is unwell, Aunt Jo steps in.",
        "review_by": (today + datetime.timedelta(days=42)).isoformat(),
    }
    data.update(
        formset(
            "actions",
            [
                {
                    "description": "Nan stays over while mum is in hospital",
                    "owner_member": str(grandmother.pk),
                    "due_by": (today + datetime.timedelta(days=7)).isoformat(),
                }
            ],
            total=5,
        )
    )
    post(client, reverse("fgdm:meeting_record", args=[meeting.pk]), data)
    plan = case.plans.get()
    assert plan.actions.get().owner_member == grandmother

    # accepts it
    ok(client, reverse("fgdm:plan_detail", args=[plan.pk]))
    post(client, reverse("fgdm:plan_accept", args=[plan.pk]), {"support_needed": "yes"})
    plan.refresh_from_db()
    assert plan.status == "accepted"

    # drafts a £300 sofa bed for the grandmother and submits it
    home = ok(client, reverse("process:home")).content.decode()
    assert reverse("network_packages:package_new", args=[case.pk]) in home
    page = ok(client, reverse("network_packages:package_new", args=[case.pk])).content.decode()
    assert "Margaret Hardy" in page and "Sarah Hardy" not in page.split('name="items-0-payee"')[1].split("</select>")[0]
    post(client, reverse("network_packages:package_new", args=[case.pk]), package_data(case, grandmother, plan))
    package = SupportPackage.objects.get()
    assert package.total == Decimal("300.00")
    page = ok(client, reverse("network_packages:package_detail", args=[package.pk])).content.decode()
    assert "£300.00" in page
    post(client, reverse("network_packages:package_submit", args=[package.pk]))
    package.refresh_from_db()
    assert package.status == "submitted" and package.required_tier == "team_manager"

    # tm.east approves
    as_user(client, u.tm_east)
    assert (
        reverse("network_packages:package_detail", args=[package.pk])
        in ok(client, reverse("process:home")).content.decode()
    )
    ok(client, reverse("network_packages:package_detail", args=[package.pk]))
    post(client, reverse("network_packages:package_approve", args=[package.pk]), {"note": "Agreed"})
    package.refresh_from_db()
    assert package.status == "approved"
    payment = Payment.objects.get()
    assert payment.amount == Decimal("300.00")

    # fin1 enters bank details, fin2 verifies, fin1 authorises
    bank_url = reverse("payments:bank_details", args=[grandmother.pk])
    as_user(client, u.fin1)
    ok(client, reverse("process:home"))
    ok(client, reverse("payments:payment_list") + f"?case={case.pk}")
    ok(client, bank_url)
    post(client, bank_url, {"account_name": "M HARDY", "sort_code": "40-00-00", "account_number": "12165678"})
    page = ok(client, bank_url).content.decode()
    assert "12165678" not in page and "Verify the bank details" not in page

    as_user(client, u.fin2)
    page = ok(client, bank_url).content.decode()
    assert "12165678" in page and "Verify the bank details" in page
    post(client, reverse("payments:bank_details_verify", args=[grandmother.pk]))
    assert grandmother.bank_account.__class__.objects.get(member=grandmother).is_verified

    as_user(client, u.fin1)
    post(client, reverse("payments:payment_authorise", args=[payment.pk]), {"next": reverse("payments:payment_list")})
    payment.refresh_from_db()
    assert payment.status == "authorised"

    # fin1 creates a batch, fin2 approves, fin1 exports and confirms
    ok(client, reverse("payments:batch_list"))
    post(client, reverse("payments:batch_list"), {"due_by": today.isoformat()})
    batch = PaymentBatch.objects.get()
    ok(client, reverse("payments:batch_detail", args=[batch.pk]))
    assert client.get(reverse("payments:batch_download", args=[batch.pk])).status_code == 404

    as_user(client, u.fin2)
    post(client, reverse("payments:batch_approve", args=[batch.pk]), batch_confirmation(batch))

    as_user(client, u.fin1)
    response = client.post(reverse("payments:batch_export", args=[batch.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{batch.reference}.csv"'
    batch.refresh_from_db()
    assert response["X-Checksum-SHA256"] == batch.export_sha256
    body = response.getvalue()  # a streamed response
    rows = list(csv.reader(io.StringIO(body.decode())))
    details = [r for r in rows if r[0] == "D"]
    trailer = rows[-1]
    assert sum(Decimal(r[5]) for r in details) == Decimal("300.00")
    assert trailer[0] == "T" and trailer[2] == "1" and trailer[5] == "300.00"
    again = client.get(reverse("payments:batch_download", args=[batch.pk]))
    assert again.status_code == 200 and again.getvalue() == body

    post(client, reverse("payments:batch_confirm", args=[batch.pk]), batch_confirmation(batch))
    batch.refresh_from_db()
    payment.refresh_from_db()
    assert batch.status == "confirmed" and payment.status == "paid"
    ok(client, reverse("payments:batch_detail", args=[batch.pk]))

    # the case page still tells the whole story to its practitioner
    as_user(client, u.prac_east)
    page = ok(client, reverse("fgdm:case_detail", args=[case.pk])).content.decode()
    assert "£300.00" in page and "Paid" in page


def test_sign_in_page_and_redirect_home(client, world):
    world.u.prac_east.set_password("pw")
    world.u.prac_east.save()
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "prac.east", "password": "nope"})
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    response = client.post(reverse("login"), {"username": "prac.east", "password": "pw"})
    assert response.status_code == 302 and response["Location"] == reverse("process:home")
    page = client.get(reverse("process:home")).content.decode()
    assert "Family Group Decision Making" in page and "prac.east" in page and "Sign out" in page


def test_pages_need_sign_in(client, world):
    for url in (
        reverse("process:home"),
        reverse("fgdm:case_list"),
        reverse("payments:payment_list"),
        reverse("payments:batch_list"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_money_is_shown_with_pounds_and_commas(client, world):
    from tests import scenario

    package = scenario.package_submitted(world, amount=Decimal("1234.00"))
    client.force_login(world.u.sm)
    page = client.get(reverse("network_packages:package_detail", args=[package.pk])).content.decode()
    assert "£1,234.00" in page


def test_case_page_map_marks_done_and_current_steps(client, world):
    from tests import scenario

    case = scenario.allocated(world)
    client.force_login(world.u.prac_east)
    page = client.get(reverse("fgdm:case_detail", args=[case.pk])).content.decode()
    assert re.search(r'<g id="step-start" [^>]*class="done"', page)
    assert re.search(r'<g id="step-allocate" [^>]*class="done"', page)
    assert re.search(r'<g id="step-map_network" [^>]*class="current"', page)
    assert not re.search(r'<g id="step-hold_meeting" [^>]*class=', page)
    assert "The case is at: Map the family network and arrange the meeting." in page
    # the same map, full size, on its own
    response = client.get(reverse("fgdm:case_map", args=[case.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
    assert re.search(rb'<g id="step-map_network" [^>]*class="current"', response.content)
    client.force_login(world.u.prac_west)
    assert client.get(reverse("fgdm:case_map", args=[case.pk])).status_code == 404
