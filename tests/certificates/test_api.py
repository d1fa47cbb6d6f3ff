"""The REST doors onto the same services: assessments, scores, issuance, revocation."""

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEntry
from certificates.models import Assessment, Certificate

from ..factories import StaffFactory
from .helpers import issued_certificate


@pytest.fixture
def api():
    return APIClient()


def test_a_coordinator_runs_an_assessment_to_a_certificate_over_the_api(
    api, city, levels, coordinator_a
):
    staff = StaffFactory(department=city.township_a1)
    api.force_authenticate(coordinator_a)
    response = api.post(
        "/api/certificates/assessments/", {"candidate": str(staff.public_id), "level": 5}
    )
    assert response.status_code == 201, response.json()
    base = f"/api/certificates/assessments/{response.json()['id']}/"
    response = api.post(
        base + "theory/", {"score": "72.5", "source_label": "月考", "attempt_ref": "A-9"}
    )
    assert response.json()["status"] == "pending"
    assert response.json()["theory_attempt_ref"] == "A-9"
    assert api.post(base + "issue/").status_code == 400  # not passed yet
    api.post(base + "practical/", {"score": 64})
    response = api.post(base + "issue/")
    assert response.status_code == 201
    assert response.json()["holder_name"] == staff.name
    assert Certificate.objects.filter(staff=staff).count() == 1


def test_scores_out_of_range_are_refused_over_the_api(api, city, levels, coordinator_a):
    staff = StaffFactory(department=city.township_a1)
    api.force_authenticate(coordinator_a)
    created = api.post(
        "/api/certificates/assessments/", {"candidate": str(staff.public_id), "level": 5}
    ).json()
    response = api.post(f"/api/certificates/assessments/{created['id']}/practical/", {"score": 101})
    assert response.status_code == 400
    assert Assessment.objects.get().practical_score is None


def test_other_units_and_managers_get_404_over_the_api(api, city, levels, coordinator_a, manager_a):
    outsider = StaffFactory(department=city.township_b1)
    api.force_authenticate(coordinator_a)
    response = api.post(
        "/api/certificates/assessments/", {"candidate": str(outsider.public_id), "level": 5}
    )
    assert response.status_code == 404
    mine = StaffFactory(department=city.township_a1)
    api.force_authenticate(manager_a)
    response = api.post(
        "/api/certificates/assessments/", {"candidate": str(mine.public_id), "level": 5}
    )
    assert response.status_code == 404
    assert not Assessment.objects.exists()


def test_only_administrators_revoke_over_the_api(api, city, levels, coordinator_a, administrator):
    certificate = issued_certificate(city.township_a1, levels[5])
    url = f"/api/certificates/certificates/{certificate.public_id}/revoke/"
    api.force_authenticate(coordinator_a)
    assert api.post(url, {"reason": "作弊"}).status_code == 403
    certificate.refresh_from_db()
    assert certificate.revoked_on is None
    api.force_authenticate(administrator)
    response = api.post(url, {"reason": "作弊"})
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert AuditEntry.objects.filter(action="certificate.revoked").count() == 1
