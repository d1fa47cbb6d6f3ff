import pytest

from organisation.models import Staff
from roster.models import RosterImport


@pytest.fixture
def snapshot():
    """A picture of everything an import may change, to assert that nothing did."""

    def take():
        from django.contrib.auth import get_user_model

        return (
            sorted(
                Staff.objects.values_list(
                    "pk",
                    "name",
                    "staff_number",
                    "department_id",
                    "mobile",
                    "post",
                    "is_window_staff",
                    "hire_date",
                    "status",
                    "user_id",
                )
            ),
            sorted(get_user_model().objects.values_list("pk", "username", "is_active", "password")),
        )

    return take


@pytest.fixture
def imports():
    return RosterImport.objects
