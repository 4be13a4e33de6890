"""Factories per model, with state-specific helpers that keep the object graph consistent."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from fgdm.models import Case, Child, FamilyHub, Locality, NetworkMember, Team


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "pw")
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            self.groups.add(Group.objects.get(name=role))


class LocalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locality
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"loc{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())


class HubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FamilyHub

    name = factory.Sequence(lambda n: f"Family Hub {n}")
    kind = FamilyHub.Kind.MAIN
    locality = factory.SubFactory(LocalityFactory)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"team{n}")
    name = factory.LazyAttribute(lambda o: f"{o.code.title()} team")


class NetworkMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkMember

    full_name = factory.Faker("name", locale="en_GB")
    relationship = "grandparent"


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = datetime.date(2018, 5, 1)


__all__ = [
    "UserFactory",
    "LocalityFactory",
    "HubFactory",
    "TeamFactory",
    "NetworkMemberFactory",
    "ChildFactory",
    "Case",
]
