"""Forms of the exam engine: the coordinator's session settings, grading, and the
question-bank pages (the answer and rubric are written as in the xlsx layout of
exams.question_io, so a coordinator learns one notation)."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal, InvalidOperation

from django import forms
from django.core import validators
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisation.access import departments_managed_by, staff_managed_by

from . import question_io
from .messages import MSG_SCORE
from .models import AttemptItem, ExamSession, KnowledgePoint, Question, QuestionStatus, QuestionType
from .services import FIELDS_AFTER_OPENING, QUESTION_FIELDS, SESSION_FIELDS

_SPLIT = re.compile(r"[\s,，:：;；]+")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class PaperSource:
    BLUEPRINT = "blueprint"
    FIXED = "fixed"
    CHOICES = [(BLUEPRINT, _("Drawn by blueprint rules")), (FIXED, _("Fixed paper"))]


class SessionForm(forms.ModelForm):
    """The settings of a session. Units and named staff are limited to the user's
    managed subtree. Once the window has opened only FIELDS_AFTER_OPENING stay editable
    (the service enforces the same rule)."""

    audience_departments = forms.ModelMultipleChoiceField(
        label=_("Units (with the units below)"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    staff_numbers = forms.CharField(
        label=_("Named staff (staff numbers)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One staff number per line (or separated by commas)."),
    )
    extra_time = forms.CharField(
        label=_("Extra time for named staff"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One line per person: staff number and extra minutes, e.g. “S0001 15”."),
    )
    paper = forms.ChoiceField(
        label=_("Paper"), choices=PaperSource.CHOICES, initial=PaperSource.BLUEPRINT
    )
    fixed_paper = forms.CharField(
        label=_("Fixed paper"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One line per question, in order: question ID and points (without points, the "
            "question's own, as imported)."
        ),
    )

    class Meta:
        model = ExamSession
        fields = list(SESSION_FIELDS)
        widgets = {"opens_at": DateTimeLocalInput(), "closes_at": DateTimeLocalInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        managed = departments_managed_by(user).order_by("path")
        self.fields["department"].queryset = managed
        self.fields["department"].empty_label = "—"  # Django's default label is untranslated
        self.fields["audience_departments"].queryset = managed
        for name in ("opens_at", "closes_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]
        self.fields["doors_open_minutes"].required = False
        session = self.instance if self.instance.pk else None
        if session is not None and not self.is_bound:
            self.initial["audience_departments"] = list(
                session.audience_departments.values_list("pk", flat=True)
            )
            self.initial["staff_numbers"] = "\n".join(
                session.audience_staff.order_by("staff_number").values_list(
                    "staff_number", flat=True
                )
            )
            self.initial["extra_time"] = "\n".join(
                f"{number} {minutes}"
                for number, minutes in session.extra_times.order_by(
                    "staff__staff_number"
                ).values_list("staff__staff_number", "minutes")
            )
            fixed = list(session.fixed_questions.values_list("question__public_id", "points"))
            self.initial["fixed_paper"] = "\n".join(f"{q} {p}" for q, p in fixed)
            self.initial["paper"] = PaperSource.FIXED if fixed else PaperSource.BLUEPRINT
        self.locked = bool(session and session.doors_open_at <= timezone.now())
        if self.locked:
            for name, field in self.fields.items():
                if name not in FIELDS_AFTER_OPENING and name != "extra_time":
                    field.disabled = True

    def _unchanged_minute(self, name: str):
        """The page shows times to the minute: a time posted back unchanged keeps its
        seconds (so an untouched closing time is not "earlier")."""
        value = self.cleaned_data.get(name)
        stored = getattr(self.instance, name, None) if self.instance.pk else None
        if value and stored and value == stored.replace(second=0, microsecond=0):
            return stored
        return value

    def clean_doors_open_minutes(self):
        return self.cleaned_data.get("doors_open_minutes") or 0  # empty: no early doors

    def clean_opens_at(self):
        return self._unchanged_minute("opens_at")

    def clean_closes_at(self):
        return self._unchanged_minute("closes_at")

    def _staff_by_number(self, numbers: list[str], field: str) -> dict[str, int]:
        found = dict(
            staff_managed_by(self.user)
            .filter(staff_number__in=numbers)
            .values_list("staff_number", "pk")
        )
        missing = [n for n in numbers if n not in found]
        if missing:
            self.add_error(
                field,
                _("Not found among the staff you manage: %(numbers)s")
                % {"numbers": ", ".join(missing[:20])},
            )
        return found

    def clean_staff_numbers(self) -> list[int]:
        numbers = [n for n in _SPLIT.split(self.cleaned_data["staff_numbers"]) if n]
        found = self._staff_by_number(numbers, "staff_numbers")
        return sorted(set(found.values()))

    def clean_extra_time(self) -> dict[int, int]:
        pairs: dict[str, int] = {}
        for number, line in enumerate(self.cleaned_data["extra_time"].splitlines(), 1):
            parts = [p for p in _SPLIT.split(line.strip()) if p]
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].isdigit() or not 0 < int(parts[1]) <= 600:
                raise forms.ValidationError(
                    _("Line %(line)d: a staff number and a number of minutes (1-600)."),
                    params={"line": number},
                )
            pairs[parts[0]] = int(parts[1])
        found = self._staff_by_number(list(pairs), "extra_time")
        return {found[n]: minutes for n, minutes in pairs.items() if n in found}

    def clean_fixed_paper(self) -> list[tuple[int, Decimal]]:
        """Lines of a question ID and its points; without points, the question's own
        (the 分值 of a bank import)."""
        rows: list[tuple[int, uuid.UUID, Decimal | None]] = []
        for number, line in enumerate(self.cleaned_data["fixed_paper"].splitlines(), 1):
            parts = [p for p in _SPLIT.split(line.strip()) if p]
            if not parts:
                continue
            try:
                key = uuid.UUID(parts[0])
                points = Decimal(parts[1]) if len(parts) > 1 else None
            except (ValueError, InvalidOperation):
                raise forms.ValidationError(
                    _("Line %(line)d: a question ID and its points."), params={"line": number}
                ) from None
            if (points is not None and not Decimal(0) < points <= 100) or len(parts) > 2:
                raise forms.ValidationError(
                    _("Line %(line)d: a question ID and its points."), params={"line": number}
                )
            rows.append((number, key, points))
        found = {
            key: (pk, own)
            for key, pk, own in Question.objects.filter(
                public_id__in=[k for _n, k, _p in rows], status=QuestionStatus.ACTIVE
            ).values_list("public_id", "pk", "points")
        }
        missing = [str(k) for _n, k, _p in rows if k not in found]
        if missing:
            raise forms.ValidationError(
                _("No active question with these IDs: %(ids)s"),
                params={"ids": ", ".join(missing[:10])},
            )
        paper = []
        for number, key, points in rows:
            pk, own = found[key]
            points = points if points is not None else own
            if points is None or not Decimal(0) < points <= 100:
                raise forms.ValidationError(
                    _(
                        "Line %(line)d: this question has no points of its own; "
                        "give them after its ID."
                    ),
                    params={"line": number},
                )
            paper.append((pk, points))
        return paper

    def clean(self):
        data = super().clean()
        if (
            not self.locked
            and not data.get("audience_departments")
            and not data.get("staff_numbers")
            and not self.errors.get("staff_numbers")
        ):
            self.add_error(None, _("Choose at least one unit or one named staff member."))
        if (
            not self.locked
            and data.get("paper") == PaperSource.FIXED
            and not data.get("fixed_paper")
            and "fixed_paper" not in self.errors
        ):
            self.add_error("fixed_paper", _("List the questions of the fixed paper."))
        return data

    def session_fields(self) -> dict:
        """The settings to save; disabled fields (once open) are left out."""
        return {
            name: self.cleaned_data[name]
            for name in SESSION_FIELDS
            if not self.fields[name].disabled
        }


class RuleForm(forms.Form):
    """One blueprint rule: count × type × knowledge point (and below) × difficulty ×
    points each."""

    count = forms.IntegerField(label=_("Count"), min_value=1, max_value=200)
    # An empty first choice: an untouched extra row of the formset then counts as
    # unchanged and is skipped, instead of failing as an incomplete "single choice" rule.
    type = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *QuestionType.choices])
    knowledge_point = forms.ModelChoiceField(
        label=_("Knowledge point"),
        queryset=KnowledgePoint.objects.all(),
        required=False,
        empty_label=_("any topic"),
    )
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"),
        choices=[("", _("any"))] + [(str(d), str(d)) for d in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    points = forms.DecimalField(
        label=_("Points each"), min_value=Decimal("0.5"), max_value=100, decimal_places=1
    )

    def rule(self) -> dict:
        data = self.cleaned_data
        return {
            "count": data["count"],
            "type": data["type"],
            "knowledge_point_id": data["knowledge_point"].pk if data["knowledge_point"] else None,
            "difficulty": data["difficulty"],
            "points": data["points"],
        }


class BaseRuleFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        # The rules are table rows under column headings; each input still needs its
        # own accessible name for screen readers ("Rule 2: Count").
        number = (index or 0) + 1
        for field in form.fields.values():
            field.widget.attrs["aria-label"] = _("Rule %(n)s: %(label)s") % {
                "n": number,
                "label": field.label,
            }


RuleFormSet = forms.formset_factory(
    RuleForm, formset=BaseRuleFormSet, extra=3, can_delete=True, max_num=50
)


def rules_initial(session: ExamSession | None) -> list[dict]:
    if session is None or not session.pk:
        return []
    return [
        {
            "count": r.count,
            "type": r.type,
            "knowledge_point": r.knowledge_point_id,
            "difficulty": r.difficulty,
            "points": r.points,
        }
        for r in session.rules.all()
    ]


class GradeForm(forms.Form):
    """A score for one open answer: the total, or one score per rubric criterion (the
    total is then their sum), and a comment for the learner."""

    item = forms.IntegerField(widget=forms.HiddenInput)
    points = forms.DecimalField(label=_("Points"), required=False, max_digits=5, decimal_places=1)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, target: AttemptItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target
        self.criteria = [r for r in target.rubric or [] if isinstance(r, dict)]
        self._score_field(self.fields["points"], target.points, required=not self.criteria)
        for index, criterion in enumerate(self.criteria):
            field = forms.DecimalField(
                label=_("%(item)s (%(points)s points)")
                % {"item": criterion.get("item", ""), "points": criterion.get("points")},
                max_digits=5,
                decimal_places=1,
            )
            self._score_field(field, criterion.get("points") or 0, required=True)
            self.fields[f"rubric_{index}"] = field
        if self.criteria:
            del self.fields["points"]

    @staticmethod
    def _score_field(field, maximum, *, required: bool) -> None:
        message = MSG_SCORE % {"max": maximum}
        field.required = required
        field.min_value, field.max_value = Decimal(0), Decimal(str(maximum))
        field.validators = [
            validators.MinValueValidator(Decimal(0), message=message),
            validators.MaxValueValidator(Decimal(str(maximum)), message=message),
            validators.DecimalValidator(5, 1),
        ]
        field.error_messages = {
            **field.error_messages,
            "required": message,
            "invalid": message,
            "max_decimal_places": message,
            "max_digits": message,
            "max_whole_digits": message,
        }
        field.widget.attrs.update({"inputmode": "decimal", "step": "0.1", "min": 0})

    @property
    def rubric_fields(self):
        return [self[f"rubric_{i}"] for i in range(len(self.criteria))]

    def clean(self):
        data = super().clean()
        if self.criteria:
            scores = [data.get(f"rubric_{i}") for i in range(len(self.criteria))]
            if all(v is not None for v in scores):
                data["rubric_scores"] = scores
                data["points"] = sum(scores, Decimal(0))
        else:
            data["rubric_scores"] = []
        return data


# --- the question bank -----------------------------------------------------------------


DIFFICULTIES = [(n, str(n)) for n in range(1, 6)]


class PointChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=KnowledgePoint.objects.all(), **kwargs)
        self._paths = None

    def label_from_instance(self, obj):
        if self._paths is None:
            self._paths = question_io.point_paths()
        return self._paths.get(obj.pk, obj.name)


class FilterForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All")), *QuestionType.choices]
    )
    point = PointChoiceField(label=_("Knowledge point"), required=False, empty_label=_("All"))
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All")), *DIFFICULTIES],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *QuestionStatus.choices]
    )
    q = forms.CharField(label=_("Words in the question"), required=False, max_length=100)

    def filters(self) -> dict:
        """Keyword arguments for selectors.bank_questions (invalid filters are ignored)."""
        data = self.cleaned_data if self.is_valid() else {}
        point = data.get("point")
        return {
            "type": data.get("type") or "",
            "point_id": point.pk if point else None,
            "difficulty": data.get("difficulty"),
            "status": data.get("status") or "",
            "text": data.get("q") or "",
        }


class QuestionForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=QuestionType.choices)
    stem = forms.CharField(
        label=_("Question"),
        max_length=question_io.MAX_STEM,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    option_A = forms.CharField(label=_("Option A"), required=False, max_length=500)
    option_B = forms.CharField(label=_("Option B"), required=False, max_length=500)
    option_C = forms.CharField(label=_("Option C"), required=False, max_length=500)
    option_D = forms.CharField(label=_("Option D"), required=False, max_length=500)
    option_E = forms.CharField(label=_("Option E"), required=False, max_length=500)
    option_F = forms.CharField(label=_("Option F"), required=False, max_length=500)
    answer = forms.CharField(
        label=_("Answer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Choice: the letters, e.g. A or ABD. True or false: 对 or 错. Fill in the "
            "blank: one line per blank, accepted answers separated by |."
        ),
    )
    rubric = forms.CharField(
        label=_("Rubric"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Short answers and scenario tasks: one scoring point per line with its "
            "points in brackets, e.g. 核验身份(5分)."
        ),
    )
    reference_answer = forms.CharField(
        label=_("Reference answer"),
        required=False,
        max_length=question_io.MAX_REFERENCE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Short answers and scenario tasks: what a good answer says; graders see it. "
            "A scenario task needs a rubric or a reference answer."
        ),
    )
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=question_io.MAX_EXPLANATION,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    knowledge_point = PointChoiceField(label=_("Knowledge point"))
    points = forms.DecimalField(
        label=_("Points"),
        required=False,
        min_value=Decimal("0.1"),
        max_value=Decimal("999.9"),
        decimal_places=1,
        help_text=_("Leave empty to let the paper decide."),
    )
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"), coerce=int, choices=DIFFICULTIES, initial=3
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=QuestionStatus.choices, initial=QuestionStatus.ACTIVE
    )
    # Set on the confirmation step of a key correction.
    confirm_rescore = forms.BooleanField(required=False, widget=forms.HiddenInput)

    @classmethod
    def initial_for(cls, question) -> dict:
        options = list(question.options or [])
        initial = {
            "type": question.type,
            "stem": question.stem,
            "explanation": question.explanation,
            "knowledge_point": question.knowledge_point_id,
            "difficulty": question.difficulty,
            "points": question.points,
            "reference_answer": question.reference_answer,
            "status": question.status,
            "rubric": "\n".join(
                question_io.format_rubric([item]) for item in question.rubric or []
            ),
            "answer": ""
            if question.type in (QuestionType.SHORT_ANSWER, QuestionType.SCENARIO)
            else question_io.format_answer(question),
        }
        if question.type != QuestionType.TRUE_FALSE:
            for letter, text in zip(question_io.OPTION_LETTERS, options, strict=False):
                initial[f"option_{letter}"] = text
        return initial

    def clean(self):
        data = super().clean()
        qtype = data.get("type")
        options = [question_io.free_text(data.get(f"option_{x}")) for x in "ABCDEF"]
        while options and not options[-1]:
            options.pop()
        values, problems = question_io.check_content(
            qtype=qtype,
            options=options,
            answer=data.get("answer") or "",
            rubric=data.get("rubric") or "",
            reference_answer=data.get("reference_answer") or "",
        )
        for name, code, params in problems:
            error = {"code": code, "params": params}
            self.add_error(name, question_io.row_message(error))
        data["stem"] = question_io.cell_multiline(data.get("stem"))
        data["explanation"] = question_io.cell_multiline(data.get("explanation"))
        data.update(values)
        return data

    def question_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in QUESTION_FIELDS}


class ImportForm(forms.Form):
    file = forms.FileField(
        allow_empty_file=True,  # refused by the import with its own message
        label=_("Question bank file (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )


class ConfirmImportForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # Import the valid rows and leave the rows with errors out.
    skip_invalid = forms.BooleanField(required=False, widget=forms.HiddenInput)
