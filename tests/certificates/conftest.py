import pytest

from certificates.models import CertificationSettings, SkillLevel
from certificates.services import certification_settings_get


@pytest.fixture
def levels(db) -> dict[int, SkillLevel]:
    # Re-created if a transactional test elsewhere flushed the migration's rows.
    certification_settings_get()
    return {lv.code: lv for lv in SkillLevel.objects.all()}


@pytest.fixture
def rules(db) -> CertificationSettings:
    return certification_settings_get()
