"""The pages of prepared files: /exports/ (the person's own), /exports/<id>/ (being prepared, ready
with its download link, or failed in words with "Try again") and its download. Nobody sees
another person's file: it is a 404."""

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from core import exports
from core.exceptions import DomainError
from core.forms import EmptyForm
from core.pages import done, page, run_service


@login_required
@require_safe
def prepared_file_list(request):
    files = exports.prepared_file_list(user=request.user)[:50]
    return page(request, "exports/prepared_file_list.html", {"title": "Files prepared for you", "files": files})


def _detail(request, prepared, *, form=None, status=200):
    spec = exports._kinds.get(prepared.kind)
    return page(
        request,
        "exports/prepared_file.html",
        {
            "title": prepared.title,
            "file": prepared,
            "downloadable": exports.is_downloadable(prepared),
            "may_retry": exports.may_retry(prepared),
            "keep_days": exports.keep_for().days,
            "form": form or EmptyForm(),
            "all_forms": [form] if form is not None else [],
            "back": spec.back_url(prepared.parameters) if spec else reverse("exports:list"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def prepared_file_detail(request, prepared_file_id):
    """GET: where the file stands. POST: try again (a failed or expired file)."""
    prepared = exports.prepared_file_get(user=request.user, prepared_file_id=prepared_file_id)
    if request.method != "POST":
        return _detail(request, prepared)
    form = EmptyForm(request.POST)
    again = run_service(form, lambda data: exports.prepared_file_retry(prepared_file_id=prepared.pk, by=request.user))
    if again:
        return done(
            request,
            "The file is being prepared again. You will be told when it is ready.",
            reverse("exports:detail", args=[prepared.pk]),
        )
    prepared.refresh_from_db()
    return _detail(request, prepared, form=form, status=400)


@login_required
@require_safe
def prepared_file_download(request, prepared_file_id):
    """The file, as an attachment; a refusal (still being prepared, the right to it gone) is shown
    on the file's page in words, with the answer the API gives (409, 403)."""
    prepared = exports.prepared_file_get(user=request.user, prepared_file_id=prepared_file_id)
    try:
        return exports.prepared_file_response(prepared, by=request.user, door="page", path=request.path)
    except DomainError as error:
        form = EmptyForm({})
        form.is_valid()
        form.add_error(None, error.message)
        return _detail(request, prepared, form=form, status=error.http_status)
