"""Shared fixtures: a small city tree and people in every role."""

import os
from dataclasses import dataclass

import pytest

from organisation.models import Department, DepartmentKind, Role

from .factories import DepartmentFactory, add_totp, make_learner, make_user_with_role

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@dataclass
class City:
    city: Department
    county_a: Department
    county_b: Department
    township_a1: Department
    township_a2: Department
    township_b1: Department


@pytest.fixture
def city(db) -> City:
    """city ─┬ county_a ─┬ township_a1
    │           └ township_a2
    └ county_b ── township_b1
    """
    city = DepartmentFactory(code="C", name="测试市", kind=DepartmentKind.CITY)
    county_a = DepartmentFactory(parent=city, code="A", name="甲县", kind=DepartmentKind.COUNTY)
    county_b = DepartmentFactory(parent=city, code="B", name="乙县", kind=DepartmentKind.COUNTY)
    a1 = DepartmentFactory(parent=county_a, code="A1", name="甲一镇")
    a2 = DepartmentFactory(parent=county_a, code="A2", name="甲二镇")
    b1 = DepartmentFactory(parent=county_b, code="B1", name="乙一镇")
    return City(city, county_a, county_b, a1, a2, b1)


@pytest.fixture
def coordinator_a(city):
    """A coordinator bound to county A (covers A, A1, A2)."""
    return make_user_with_role(Role.COORDINATOR, city.county_a)


@pytest.fixture
def manager_a(city):
    return make_user_with_role(Role.MANAGER, city.county_a)


@pytest.fixture
def administrator(city):
    user = make_user_with_role(Role.ADMINISTRATOR, city.city)
    add_totp(user)
    return user


@pytest.fixture
def learner_a1(city):
    return make_learner(city.township_a1)


@pytest.fixture(autouse=True)
def _migration_rows_back(request):
    """A transactional test with serialized rollback leaves the database flushed when
    it ends (its data come back only at the start of the next such test), so an
    ordinary test that a worker runs next would find no content types while Django's
    content-type cache still names the old ones (an admin log entry then breaks a
    foreign key). Put back what `post_migrate` makes and forget the stale cache."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or marker.kwargs.get("transaction") or (marker.args and marker.args[0]):
        return
    request.getfixturevalue("_django_db_helper")
    migration_rows_restore()


def migration_rows_restore() -> None:
    """The content types and permissions `post_migrate` makes, back in a flushed
    database, and Django's content-type cache emptied of ids that no longer exist."""
    from django.contrib.contenttypes.models import ContentType

    if ContentType.objects.exists():
        return
    # Only these two: the project's own post_migrate data (units, rules...) belong
    # to the tests that make them.
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    ContentType.objects.clear_cache()
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and throttles live in the cache; no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
