"""The result page reads like a marked paper: answers as option letters with their
text in A-F order, a wrong answer scores 0, open questions show their reference answer;
no Python lists anywhere."""

import re
from decimal import Decimal

import pytest

from exams.models import Question, QuestionType, Visibility
from exams.services import (
    attempt_save,
    attempt_start,
    attempt_submit,
    attempts_score_handed_in,
)
from exams.templatetags.answers import answer_lines, options_by_letter

from ..factories import StaffFactory, UserFactory
from .helpers import make_bank, open_session


@pytest.fixture
def learner(city):
    user = UserFactory()
    staff = StaffFactory(department=city.township_a1, user=user)
    return user, staff


def test_answers_read_as_letters_and_text_in_letter_order():
    shown = [{"key": "C", "text": "丙"}, {"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}]
    assert options_by_letter(shown) == [("A", "甲"), ("B", "乙"), ("C", "丙")]
    assert answer_lines("multiple", shown, ["C", "A"]) == ["A. 甲", "C. 丙"]
    assert answer_lines("single", ["甲", "乙"], ["B"]) == ["B. 乙"]
    assert answer_lines("single", shown, None) == []
    assert answer_lines("fill_blank", [], [["社保卡", "社会保障卡"]]) == ["社保卡 / 社会保障卡"]
    assert answer_lines("fill_blank", [], ["社保卡"]) == ["社保卡"]
    assert answer_lines("short_answer", [], "先登记，再受理") == ["先登记，再受理"]


def test_result_page_shows_letters_text_zero_and_reference_answers(client, city, learner):
    user, staff = learner
    make_bank()
    Question.objects.filter(type=QuestionType.SHORT_ANSWER).update(
        rubric=[{"item": "说明一次告知", "points": 5}, {"item": "登记台账", "points": 5}]
    )
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        rules=[
            {"type": "single", "count": 1, "points": Decimal(10)},
            {"type": "multiple", "count": 1, "points": Decimal(10)},
            {"type": "fill_blank", "count": 1, "points": Decimal(10)},
            {"type": "short_answer", "count": 1, "points": Decimal(10)},
        ],
        shuffle_options=True,
        show_score=Visibility.AFTER_SUBMIT,
        show_answers=Visibility.AFTER_SUBMIT,
    )
    attempt = attempt_start(session=session, staff=staff)
    by_type = {item.type: item for item in attempt.items.all()}
    answers = {"single": ["C"], "multiple": ["C", "A"], "fill_blank": ["一网通办"]}
    answers["short_answer"] = "先一次告知"
    for seq, (qtype, answer) in enumerate(answers.items(), 1):
        attempt_save(
            attempt_id=attempt.public_id,
            user_id=user.pk,
            position=by_type[qtype].position,
            answer=answer,
            seq=seq,
        )
    attempt_submit(attempt=attempt)
    attempts_score_handed_in()  # the finaliser scores hand-ins
    client.force_login(user)
    page = client.get(f"/exams/attempts/{attempt.public_id}/").text

    assert "['" not in page and "[&#x27;" not in page and "None" not in page
    # the wrong single choice: "C. 丙" given, "B. 乙" right, scored 0 (never "—")
    assert "C. 丙" in page and "B. 乙" in page
    assert re.search(r"0(\.0)? / 10\.0", page)
    # the multiple choice answer reads in letter order, and so do the options listed
    assert "A. 甲<br>C. 丙" in page
    assert page.index("A. 甲") < page.index("B. 乙") < page.index("C. 丙") < page.index("D. 丁")
    # the short answer shows its reference points and waits for a grader
    assert "说明一次告知" in page and "登记台账" in page and "参考答案" in page
    assert "先一次告知" in page
    assert "阅卷中" in page or "待阅卷" in page

    # once graded, the open answer shows its points and the grader's comment
    attempt.items.filter(type="short_answer").update(awarded=6, comment="要点二未答。")
    page = client.get(f"/exams/attempts/{attempt.public_id}/").text
    assert "阅卷评语" in page and "要点二未答。" in page and "6.0 / 10.0" in page


def test_mistake_book_shows_the_correct_answer_and_explanation(client, city, learner):
    from exams.models import MistakeEntry

    user, staff = learner
    make_bank(per_type=1)
    question = Question.objects.filter(type="single").first()
    MistakeEntry.objects.create(staff=staff, question=question)
    client.force_login(user)
    page = client.get("/exams/mistakes/").text
    assert question.stem in page
    assert "B. 乙" in page and "因为乙。" in page
    assert "['" not in page
