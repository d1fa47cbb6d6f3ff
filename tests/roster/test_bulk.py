"""Fast inserts (core/bulk.py) store what the ORM would, on the database the tests
run on (SQLite by default, PostgreSQL with DATABASE_URL): values read back through
the ORM are the ones given, lookups by UUID and date work, and the next ordinary
insert gets a fresh primary key."""

import datetime
import uuid

from django.db import transaction
from django.utils import timezone

from core.bulk import insert_rows
from organisation.models import Staff, StaffStatus
from tests.factories import StaffFactory


def test_inserted_rows_read_back_as_given(city):
    now = timezone.now()
    public_id = uuid.uuid4()
    row = {
        "public_id": public_id,
        "name": "张三",
        "id_number_encrypted": "token",
        "id_number_hash": "h" * 64,
        "id_number_masked": "360***********123X",
        "staff_number": "BULK1",
        "mobile": "",
        "department_id": city.township_a1.pk,
        "post": "受理",
        "is_window_staff": False,
        "status": StaffStatus.ACTIVE.value,
        "hire_date": datetime.date(2024, 3, 1),
        "left_on": None,
        "user_id": None,
        "created_at": now,
        "updated_at": now,
    }
    with transaction.atomic():
        [pk] = insert_rows(Staff, [row])
    staff = Staff.objects.get(public_id=public_id)
    assert staff.pk == pk
    assert (staff.name, staff.is_window_staff, staff.hire_date) == (
        "张三",
        False,
        datetime.date(2024, 3, 1),
    )
    assert staff.created_at == now
    assert Staff.objects.filter(hire_date=datetime.date(2024, 3, 1), created_at=now).count() == 1
    later = StaffFactory(department=city.township_a1)
    assert later.pk > pk
