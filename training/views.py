"""The signed-in home page: what to do next, by role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from organisation.access import user_roles
from organisation.models import Staff


@login_required
def home(request):
    roles = user_roles(request.user)
    staff = (
        Staff.objects.select_related("department").filter(user_id=request.user.pk).first()
        if roles.is_learner
        else None
    )
    return render(request, "training/home.html", {"roles": roles, "staff": staff})
