"""The certificate as its holder reads it: the page shows the verification code (核验码)
with a link to check it; the printed certificate has no empty photo box."""

import datetime

from django.urls import reverse

from certificates.pdf import certificate_html

from .helpers import quick_certificate


def test_the_certificate_page_shows_the_verification_code(client, levels, learner_a1):
    user, staff = learner_a1
    certificate = quick_certificate(staff, levels[5], issued=datetime.date(2026, 1, 5))
    client.force_login(user)
    page = client.get(reverse("certificates:detail", args=[certificate.public_id])).text
    assert "核验码" in page and certificate.verification_code in page
    assert reverse("certificates:verify_code", args=[certificate.verification_code]) in page


def test_a_certificate_without_a_photo_prints_no_empty_photo_box(levels, learner_a1):
    _user, staff = learner_a1
    certificate = quick_certificate(staff, levels[5], issued=datetime.date(2026, 1, 5))
    assert not certificate.photo
    html = certificate_html(certificate)
    assert "photo-empty" not in html and 'class="photo"' not in html


def test_the_staff_page_shows_training_exams_and_certificate(client, city, levels, coordinator_a):
    from tests.factories import StaffFactory

    staff = StaffFactory(department=city.township_a1)
    certificate = quick_certificate(staff, levels[5], issued=datetime.date(2026, 1, 5))
    client.force_login(coordinator_a)
    page = client.get(reverse("organisation:staff_detail", args=[staff.public_id])).text
    assert "培训、考试与证书" in page
    assert "本年度学时" in page and "尚未参加考试" in page
    assert certificate.number in page
