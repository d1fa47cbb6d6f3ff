"""Home fits the role: a coordinator who does not work at a window sees their work, not
empty learner figures; a manager's work links to the certified-rate dashboard."""

import pytest
from django.urls import reverse

from organisation.models import Role
from tests.factories import StaffFactory, make_learner, make_user_with_role

pytestmark = pytest.mark.django_db


def test_a_coordinator_who_is_not_window_staff_gets_no_learner_widgets(client, city):
    coordinator = make_user_with_role(Role.COORDINATOR, city.county_a)
    StaffFactory(department=city.county_a, user=coordinator, is_window_staff=False)
    client.force_login(coordinator)
    page = client.get(reverse("home")).text
    assert "本年度学时" not in page and "未持证" not in page
    assert 'id="next-h"' not in page
    assert "我的工作" in page
    assert reverse("roster:history") in page


def test_a_manager_home_links_to_the_dashboard(client, city, manager_a):
    client.force_login(manager_a)
    page = client.get(reverse("home")).text
    work = page.split('id="work-h"', 1)[1]
    assert f'href="{reverse("certificates:dashboard")}"' in work
    assert reverse("roster:history") not in work


def test_window_staff_keep_their_learner_home(client, city):
    user, _staff = make_learner(city.township_a1)
    client.force_login(user)
    page = client.get(reverse("home")).text
    assert 'id="next-h"' in page
