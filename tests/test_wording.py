"""Words people read that used to leak in English or read wrong in Chinese: the
completion matrix's week headers, the admin's empty choice and tab title, a training
module in progress (学习中, not an exam's 作答中)."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from organisation.models import Role
from tests.factories import make_learner, make_user_with_role
from training.models import Enrolment
from training.selectors import Cell

from .training.helpers import make_module, make_programme, make_track

pytestmark = pytest.mark.django_db


def test_matrix_workbook_headers_are_chinese(client, city):
    track = make_track(make_programme(city.city))
    _user, staff = make_learner(city.township_a1)
    Enrolment.objects.create(staff=staff, track=track, enrolled_at=timezone.now())
    make_module(track, week=1, starts_on=timezone.localdate(), due_on=timezone.localdate())
    client.force_login(make_user_with_role(Role.COORDINATOR, city.county_a))
    response = client.get(reverse("training:matrix") + f"?track={track.pk}&format=xlsx")
    header = next(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert "第1周" in header
    assert not any(str(cell).startswith("Week") for cell in header)


def test_admin_and_training_words_are_chinese():
    from django.contrib import admin
    from django.db.models.fields import BLANK_CHOICE_LABEL

    with translation.override("zh-hans"):
        assert str(BLANK_CHOICE_LABEL) == "- 请选择 -"
        assert "Django" not in str(admin.site.site_title)
        assert str(Cell.LABELS[Cell.IN_PROGRESS]) == "学习中"


def test_failed_reads_as_its_own_thing_not_as_a_failed_import():
    """One msgid "Failed" read "导入失败" (a failed roster import) on the delivery log,
    the certificate bundles and an assessment's result."""
    from certificates.models import AssessmentStatus, BundleStatus
    from certificates.sitting_forms import ReviewPanelForm
    from notices.models import DeliveryStatus
    from roster.models import ImportStatus

    with translation.override("zh-hans"):
        assert str(AssessmentStatus.FAILED.label) == "不合格"
        assert dict(ReviewPanelForm().fields["passed"].choices)["0"] == "不合格"
        for status in (DeliveryStatus.FAILED, BundleStatus.FAILED, ImportStatus.FAILED):
            assert str(status.label) == "失败"
