"""Certification rules cannot hold impossible values: the model's clean (which admin
and forms run) and the database constraints refuse them with the same message."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.forms import modelform_factory

from certificates.models import (
    MSG_PERCENT,
    MSG_RED_ABOVE_YELLOW,
    MSG_VALIDITY,
    CertificationSettings,
)
from certificates.services import certification_settings_get

pytestmark = pytest.mark.django_db


def _form(rules, **changes):
    form_class = modelform_factory(CertificationSettings, fields="__all__")
    data = {
        "pass_mark": rules.pass_mark,
        "required_level": rules.required_level_id,
        "validity_years": rules.validity_years or "",
        "red_card_below": rules.red_card_below,
        "yellow_card_below": rules.yellow_card_below,
        "reminder_days": rules.reminder_days,
        "assessment_body": rules.assessment_body,
        "number_prefix": rules.number_prefix,
        "eligibility_rule": rules.eligibility_rule,
        "examiners_per_room": rules.examiners_per_room,
        "score_spread_threshold": rules.score_spread_threshold,
        **changes,
    }
    return form_class(data, instance=rules)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"pass_mark": "150"}, "pass_mark", MSG_PERCENT),
        ({"pass_mark": "-1"}, "pass_mark", MSG_PERCENT),
        ({"yellow_card_below": "120"}, "yellow_card_below", MSG_PERCENT),
        (
            {"red_card_below": "95", "yellow_card_below": "90"},
            "red_card_below",
            MSG_RED_ABOVE_YELLOW,
        ),
        ({"validity_years": "0"}, "validity_years", MSG_VALIDITY),
    ],
)
def test_impossible_rules_are_refused_on_their_field(changes, field, message):
    rules = certification_settings_get()
    form = _form(rules, **changes)
    assert not form.is_valid()
    assert str(message) in form.errors[field]
    rules.refresh_from_db()
    assert rules.pass_mark == Decimal(60) and rules.red_card_below <= rules.yellow_card_below


def test_sensible_rules_are_accepted():
    rules = certification_settings_get()
    form = _form(rules, pass_mark="75", red_card_below="50", yellow_card_below="50")
    assert form.is_valid(), form.errors
    form.save()
    rules.refresh_from_db()
    assert rules.pass_mark == Decimal(75)


@pytest.mark.parametrize(
    "changes",
    [
        {"pass_mark": Decimal(150)},
        {"red_card_below": Decimal(95), "yellow_card_below": Decimal(90)},
        {"yellow_card_below": Decimal(101), "red_card_below": Decimal(60)},
        {"validity_years": 0},
    ],
)
def test_the_database_refuses_impossible_rules_too(changes):
    certification_settings_get()
    with pytest.raises(IntegrityError), transaction.atomic():
        CertificationSettings.objects.filter(pk=1).update(**changes)


def test_no_constraint_shows_its_raw_name_to_a_person():
    """Every check constraint that a form or the admin can hit has a sentence of its own."""
    from django.apps import apps
    from django.db.models import CheckConstraint

    raw = [
        f"{model.__name__}.{constraint.name}"
        for model in apps.get_models()
        if model._meta.app_label in {"certificates", "exams", "training", "organisation"}
        for constraint in model._meta.constraints
        if isinstance(constraint, CheckConstraint)
        and constraint.violation_error_message == constraint.default_violation_error_message
    ]
    assert raw == []
