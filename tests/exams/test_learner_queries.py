"""The learner's home and exam list ask the database a fixed number of times, whatever
the number of sessions open in the city (the audience rule is one set query)."""

import pytest

from tests.factories import make_learner

from .helpers import make_bank, open_session


def _queries(client, url, django_assert_num_queries, count):
    with django_assert_num_queries(count):
        response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(("url", "count"), [("/", 14), ("/exams/", 8)])
def test_the_learners_pages_cost_the_same_for_1_and_10_open_sessions(
    client, city, django_assert_num_queries, url, count
):
    make_bank()
    user, _staff = make_learner(city.township_a1)
    client.force_login(user)
    open_session(city.county_a, departments=[city.county_a], window_staff_only=False)
    client.get(url)  # warm the per-minute role cache as in real use
    one = _queries(client, url, django_assert_num_queries, count)
    for _ in range(9):
        open_session(city.county_a, departments=[city.county_a], window_staff_only=False)
    ten = _queries(client, url, django_assert_num_queries, count)
    for response, n in ((one, 1), (ten, 10)):
        if url == "/":
            assert len(response.context["home"].open_exams) == n
        else:
            assert len(response.context["open_sessions"]) == n
