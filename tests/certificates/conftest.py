import pytest

from certificates.models import CertificationSettings, SkillLevel


@pytest.fixture
def levels(db) -> dict[int, SkillLevel]:
    return {lv.code: lv for lv in SkillLevel.objects.all()}


@pytest.fixture
def rules(db) -> CertificationSettings:
    return CertificationSettings.objects.get(pk=1)
