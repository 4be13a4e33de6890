"""Data that grows: each round adds a referral in each team (the managers' allocation queues), a case
with an authorised payment (finance's queue) and a batch of it (fin2's to approve)."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from payments import services as payment_services
from tests import scenario


@pytest.fixture
def grow(world):
    """`grow(rounds)`: add this many rounds of data (4 cases each); returns the cases made so far."""
    scenario.no_payee_cap_or_checks()
    made = []

    def add(rounds: int):
        for _ in range(rounds):
            made.append(scenario.referral(world))
            made.append(scenario.referral(world, by=world.u.prac_west, locality=world.west))
            package = scenario.payments_authorised(world)
            made.append(package.case)
            payment_services.batch_create(by=world.u.fin1, due_by=timezone.localdate() + datetime.timedelta(days=400))
            # Another payment authorised and left waiting for a batch (the batch list's form).
            made.append(scenario.payments_authorised(world).case)
        return made

    return add


@pytest.fixture
def signed_in(world):
    """`signed_in(username)`: a page client signed in as that person of the world."""
    clients = {}

    def client_for(username: str) -> Client:
        if username not in clients:
            client = Client()
            client.force_login(getattr(world.u, username.replace(".", "_")))
            clients[username] = client
        return clients[username]

    return client_for
