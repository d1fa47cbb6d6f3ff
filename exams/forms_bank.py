"""Forms of the question-bank pages. The answer and rubric are written as in the xlsx
layout (exams.question_io), so a coordinator learns one notation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import question_io
from .models import KnowledgePoint, QuestionStatus, QuestionType
from .services import QUESTION_FIELDS

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
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=question_io.MAX_EXPLANATION,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    knowledge_point = PointChoiceField(label=_("Knowledge point"))
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
