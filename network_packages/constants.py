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


class MeansPolicy(models.TextChoices):
    """Whether the council assesses a family's means before support under s.17(8) Children Act 1989."""

    NOT_ASSESSED = "not_assessed", "Not means-tested"
    ASSESSED = "assessed", "Means assessed (or waived with a reason) for every package"


class MeansDecision(models.TextChoices):
    """The council's decision on means for one package (s.17(8) Children Act 1989)."""

    NOT_ASSESSED = "not_assessed", "Not assessed"
    ASSESSED = "assessed", "Assessed"
    WAIVED = "waived", "Waived"


class OtherFunding(models.TextChoices):
    """Other sources of funding checked before a package pays."""

    UNIVERSAL_CREDIT = "universal_credit", "Universal Credit or other benefits"
    CHILDCARE_ENTITLEMENT = "childcare_entitlement", "Funded childcare hours or Tax-Free Childcare"
    CHARITY = "charity", "A charity or grant-giving trust"
    OTHER_COUNCIL_SUPPORT = "other_council_support", "Other council support (housing, household support fund)"
    SCHOOL_OR_HEALTH = "school_or_health", "School, health or another agency"
    FAMILY_RESOURCES = "family_resources", "The family's own network and resources"


class ChecksRequired(models.TextChoices):
    """Which checks a network member paid for childcare or care needs, under the council's policy."""

    NONE = "none", "No check needed"
    DBS_OR_VIABILITY = "dbs_or_viability", "A DBS check or a viability assessment"
    DBS = "dbs", "A DBS check"
    VIABILITY = "viability", "A viability assessment"


class CheckKind(models.TextChoices):
    DBS = "dbs", "DBS check"
    VIABILITY = "viability", "Viability assessment"


class CheckOutcome(models.TextChoices):
    PASSED = "passed", "Passed: no concerns"
    NOT_PASSED = "not_passed", "Not passed: concerns found"


# Which checks satisfy each policy setting.
CHECKS_SATISFYING = {
    ChecksRequired.NONE: set(),
    ChecksRequired.DBS_OR_VIABILITY: {CheckKind.DBS, CheckKind.VIABILITY},
    ChecksRequired.DBS: {CheckKind.DBS},
    ChecksRequired.VIABILITY: {CheckKind.VIABILITY},
}

# Items that pay someone to look after the child: a paid network member needs a check first.
CARE_CATEGORIES = {Category.CHILDCARE, Category.BOUGHT_IN_SUPPORT}


class SafetyPrompt(models.TextChoices):
    """Questions the submitter answers before a package can be approved."""

    OFSTED = "ofsted", "Childcare by someone who is not a relative (Childcare Act 2006)"
    PRIVATE_FOSTERING = (
        "private_fostering",
        "A child living with someone who is not a relative (Children Act 1989 s.66)",
    )


class SafetyAnswer(models.TextChoices):
    OFSTED_REGISTERED = "ofsted_registered", "The carer is registered with Ofsted"
    OFSTED_EXEMPT = "ofsted_exempt", "The carer is exempt from registration"
    FOSTERING_NOTIFIED = "fostering_notified", "The council was notified of a private fostering arrangement"
    NOT_PRIVATE_FOSTERING = "not_private_fostering", "It is not private fostering"


# The answers each prompt takes.
SAFETY_ANSWERS = {
    SafetyPrompt.OFSTED: [SafetyAnswer.OFSTED_REGISTERED, SafetyAnswer.OFSTED_EXEMPT],
    SafetyPrompt.PRIVATE_FOSTERING: [SafetyAnswer.FOSTERING_NOTIFIED, SafetyAnswer.NOT_PRIVATE_FOSTERING],
}
