"""The returns as files prepared in the background (core.exports, kind "return"): a whole year of
a county's meetings or children is too big to build while a request waits.

The parameters are the returns API's (`name`, `format`, `from`, `to`, `locality`), checked by the
same serializer; the right is the same as the synchronous download's (reports.scope.may_see_figures,
asked again when the file is built and at each download), and the file is built as the person who
asked, so it holds exactly the cases their own download would.
"""

import datetime

from django.urls import reverse

from core.exceptions import NotPermitted, RuleBroken
from core.exports import BuiltFile, ExportKind
from fgdm.models import Locality
from reports import returns
from reports.scope import Filters, may_see_figures

KIND = "return"
REFUSED = "Only team managers, service managers and heads of service download returns."
FORMAT_WORDS = {"csv": "CSV", "xlsx": "Excel"}


def check(*, user, parameters: dict) -> None:
    if not may_see_figures(user):
        raise NotPermitted(REFUSED)


def clean(*, user, parameters: dict) -> dict:
    """Raises NotPermitted (not a manager), RuleBroken (bad period, format, locality or return)."""
    from reports.api.views import ReturnQuerySerializer

    check(user=user, parameters=parameters)
    name = parameters.get("name")
    if name not in returns.RETURNS:
        raise RuleBroken(f"Choose one of the returns: {', '.join(returns.RETURNS)}.", field="name")
    query = ReturnQuerySerializer(
        data={key: parameters[key] for key in ("format", "from", "to", "locality") if parameters.get(key)}
    )
    if not query.is_valid():
        field, problems = next(iter(query.errors.items()))
        raise RuleBroken(f"{field}: {' '.join(str(p) for p in problems)}", field=field)
    data = query.validated_data
    locality = data.get("locality")
    return {
        "name": name,
        "format": data["format"],
        "from": data["from"].isoformat(),
        "to": data["to"].isoformat(),
        "locality": locality.code if locality else "",
    }


def _filters(parameters: dict) -> Filters:
    locality = None
    if parameters.get("locality"):
        locality = Locality.objects.filter(code=parameters["locality"]).first()
        if locality is None:
            raise RuleBroken(f"The locality “{parameters['locality']}” no longer exists.")
    return Filters(
        date_from=datetime.date.fromisoformat(parameters["from"]),
        date_to=datetime.date.fromisoformat(parameters["to"]),
        locality=locality,
    )


def build(*, user, parameters: dict) -> BuiltFile:
    the_return = returns.RETURNS[parameters["name"]]
    filters = _filters(parameters)
    file_format = parameters["format"]
    if file_format == "xlsx":
        chunks = [returns.xlsx_file(the_return, user=user, filters=filters)]
    else:
        chunks = returns.csv_chunks(the_return, user=user, filters=filters)
    return BuiltFile(
        file_name=the_return.filename(filters, file_format),
        content_type=returns.CONTENT_TYPES[file_format],
        chunks=chunks,
    )


def title(parameters: dict) -> str:
    the_return = returns.RETURNS[parameters["name"]]
    start, end = (datetime.date.fromisoformat(parameters[key]) for key in ("from", "to"))
    where = f", {parameters['locality']}" if parameters.get("locality") else ""
    return (
        f"{the_return.title} return ({FORMAT_WORDS[parameters['format']]}), {start:%-d %B %Y} to {end:%-d %B %Y}{where}"
    )


EXPORT = ExportKind(
    name=KIND,
    title=title,
    clean=clean,
    check=check,
    build=build,
    back_url=lambda parameters: reverse("reports:returns"),
)
