"""Account pages of our own (allauth serves sign-in, passwords and two-factor)."""

from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .services import large_text_set

SESSION_KEY = "large_text"


def large_text_on(request) -> bool:
    """Whether the elder-friendly mode is on: the account's setting once signed in,
    the browser session's before."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return bool(user.large_text)
    return bool(request.session.get(SESSION_KEY))


@require_POST
def large_text_toggle(request):
    """One tap on every page turns the large text mode on or off; remembered on the
    account (and in the session before sign-in)."""
    on = request.POST.get("on") == "1"
    if request.user.is_authenticated:
        large_text_set(user=request.user, on=on)
    request.session[SESSION_KEY] = on
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return redirect(target)
