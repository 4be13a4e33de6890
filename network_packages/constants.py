"""Codes of support packages. States and their allowed moves are declared here, once."""

from django.db import models


class PackageStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned"
    WITHDRAWN = "withdrawn", "Withdrawn"
    ENDED = "ended", "Ended"


PACKAGE_TRANSITIONS: dict[str, set[str]] = {
    PackageStatus.DRAFT: {PackageStatus.SUBMITTED, PackageStatus.WITHDRAWN},
    PackageStatus.SUBMITTED: {PackageStatus.APPROVED, PackageStatus.RETURNED, PackageStatus.WITHDRAWN},
    PackageStatus.RETURNED: {PackageStatus.SUBMITTED, PackageStatus.WITHDRAWN},
    PackageStatus.APPROVED: {PackageStatus.ENDED},
    PackageStatus.WITHDRAWN: set(),
    PackageStatus.ENDED: set(),
}
# A draft or a returned package can be edited (and submitted again).
EDITABLE_STATUSES = {PackageStatus.DRAFT, PackageStatus.RETURNED}
# In approval: submitted, or returned to be edited and submitted again. A case has one package in
# approval at a time; another may be drafted meanwhile, but its submission waits.
IN_APPROVAL_STATUSES = {PackageStatus.SUBMITTED, PackageStatus.RETURNED}
# Not yet over: a case's packages in these states are withdrawn or ended when the case closes.
OPEN_STATUSES = {PackageStatus.DRAFT, PackageStatus.SUBMITTED, PackageStatus.RETURNED, PackageStatus.APPROVED}
# A new package is drafted only when the case has no draft (carry on with it) and no approved
# package (change it: a new version of it, rather than another package beside it).
BLOCKS_DRAFTING_STATUSES = {PackageStatus.DRAFT, PackageStatus.APPROVED}


class Category(models.TextChoices):
    HOUSEHOLD_GOODS = "household_goods", "Household goods"
    FURNITURE_AND_BEDDING = "furniture_and_bedding", "Furniture and bedding"
    CHILDCARE = "childcare", "Childcare"
    TRANSPORT = "transport", "Transport"
    FOOD_AND_MEALS = "food_and_meals", "Food and meals"
    ACTIVITIES = "activities", "Activities"
    BOUGHT_IN_SUPPORT = "bought_in_support", "Bought-in support"
    LOST_EARNINGS = "lost_earnings", "Lost earnings"
    HOUSING_DEPOSIT = "housing_deposit", "Housing deposit"
    OTHER = "other", "Other"


class Frequency(models.TextChoices):
    ONE_OFF = "one_off", "One-off"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class ApprovalTier(models.TextChoices):
    """Approval tiers, lowest first. Each is also the name of the role (group) that holds it."""

    TEAM_MANAGER = "team_manager", "Team manager"
    SERVICE_MANAGER = "service_manager", "Service manager"
    HEAD_OF_SERVICE = "head_of_service", "Head of service"


TIER_ORDER = [ApprovalTier.TEAM_MANAGER, ApprovalTier.SERVICE_MANAGER, ApprovalTier.HEAD_OF_SERVICE]


class ReviewDecision(models.TextChoices):
    """What a package's review decides: the support goes on (until a later review) or ends."""

    CONTINUE = "continue", "Continue until a later review"
    END = "end", "End the package"
