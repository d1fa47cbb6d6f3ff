"""Non-UUID ids and bad query values answer 404 or are ignored (a form error at most),
never a server error."""

import pytest

URLS = [
    "/exams/practice/?set=abc",
    "/exams/practice/?set=1%27",
    "/exams/practice/?kp=abc",
    "/exams/attempts/not-a-uuid/",
    "/exams/manage/not-a-uuid/",
    "/exams/manage/00000000-0000-0000-0000-000000000000/grade/abc/",
    "/exams/bank/not-a-uuid/",
    "/exams/bank/?kp=abc&difficulty=x&type=zzz&status=zzz",
    "/training/matrix/?track=abc&unit=abc",
    "/training/units/?year=abc",
    "/training/plans/not-a-uuid/",
    "/certificates/c/not-a-uuid/",
    "/certificates/units/abc/gap/",
    "/certificates/assessments/?status=zzz",
    "/certificates/dashboard/abc/",
    "/org/staff/not-a-uuid/",
    "/roster/not-a-uuid/",
]


@pytest.mark.parametrize("url", URLS)
def test_bad_ids_and_query_values_never_give_a_server_error(
    client, city, coordinator_a, learner_a1, url
):
    client.raise_request_exception = False
    for user in (coordinator_a, learner_a1[0]):
        client.force_login(user)
        assert client.get(url).status_code in (200, 404)


@pytest.mark.parametrize("question", ["abc", "123", "", "00000000-0000-0000-0000-000000000000"])
def test_a_practice_answer_naming_a_bad_question_is_a_404(client, learner_a1, question):
    client.force_login(learner_a1[0])
    client.raise_request_exception = False
    assert client.post("/exams/practice/", {"question": question}).status_code == 404
