"""The national skill levels and the default certification rules.

Seeded by migration 0002 and ensured again at run time, so a database that lost
these rows (e.g. flushed by a transactional test) still works.
"""

LEVELS = [
    # code, name, offered, comprehensive review required
    (5, "五级/初级工", True, False),
    (4, "四级/中级工", True, False),
    (3, "三级/高级工", True, False),
    (2, "二级/技师", False, True),
    (1, "一级/高级技师", False, True),
]

# The theory exam a sitting's planning creates (100 points, the same shape as the
# monthly exam); settings.CERTIFICATES_THEORY_BLUEPRINT overrides it. Each rule:
# {"type", "count", "points", "knowledge_point_id"?, "difficulty"?}.
THEORY_BLUEPRINT = [
    {"type": "single", "count": 30, "points": 2},
    {"type": "multiple", "count": 10, "points": 2},
    {"type": "true_false", "count": 20, "points": 1},
]


def configuration_ensure(SkillLevel, CertificationSettings):
    """Create the levels and the rules row where missing; never overwrite."""
    levels = {}
    for code, name, offered, review in LEVELS:
        levels[code], _ = SkillLevel.objects.get_or_create(
            code=code,
            defaults={"name": name, "is_offered": offered, "requires_review": review},
        )
    CertificationSettings.objects.get_or_create(
        pk=1,
        defaults={
            "pass_mark": 60,
            "required_level": levels[5],
            "validity_years": None,
            "red_card_below": 60,
            "yellow_card_below": 90,
            "reminder_days": 60,
            "assessment_body": "政务服务职业技能等级认定评价机构",
            "number_prefix": "ZC",
        },
    )
