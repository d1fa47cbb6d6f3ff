"""A hand-in racing the answers still being saved (issue: "an answer saved during the
hand-in is stored but not scored").

Invariant, under real concurrency on PostgreSQL: no save is acknowledged or stored
after the attempt's finish, and the score is computed from exactly the answers stored.

Real threads, each with its own database connection, save answers as fast as they can
while another thread hands the attempt in; afterwards the stored answers, their times,
the points of every item and the attempt's score are checked against each other.
SQLite serialises writers, so there is no race to test there (CI's PostgreSQL pass runs
it).
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from exams.models import Attempt, AttemptItem, AttemptStatus
from exams.scoring import score_answer
from exams.services import (
    attempt_hand_in_lean,
    attempt_save,
    attempt_start,
    attempt_submit,
    attempts_finalise_overdue,
)

from ..factories import StaffFactory, UserFactory
from .helpers import make_bank, open_session

LEARNERS = 6
SAVERS_PER_LEARNER = 3
SAVES_PER_SAVER = 40


def _right_answer(item: AttemptItem):
    if item.type == "fill_blank":
        return [item.key[0][0]]
    return list(item.key)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("lean", [False, True], ids=["service", "lean hand-in"])
def test_no_answer_is_stored_after_the_hand_in_and_the_score_is_that_of_the_stored_answers(
    city, lean
):
    """Both hand-ins: the service of the REST view and the exam-day middleware's."""
    make_bank()
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        rules=[
            {"type": "single", "count": 4, "points": Decimal(5)},
            {"type": "multiple", "count": 4, "points": Decimal(5)},
            {"type": "true_false", "count": 4, "points": Decimal(5)},
            {"type": "fill_blank", "count": 4, "points": Decimal(5)},
        ],
        partial_credit=False,
    )
    attempts = []
    for _ in range(LEARNERS):
        user = UserFactory()
        staff = StaffFactory(department=city.township_a1, user=user)
        attempts.append((user, attempt_start(session=session, staff=staff)))
    # What each saver will write: the right answer, so a stored but unscored answer
    # shows as points missing from the score.
    answers = {
        attempt.pk: {item.position: _right_answer(item) for item in attempt.items.all()}
        for _, attempt in attempts
    }
    acknowledged: list[tuple[int, int, int]] = []  # (attempt pk, position, seq)
    errors: list[BaseException] = []
    barrier = threading.Barrier(LEARNERS * (SAVERS_PER_LEARNER + 1))
    lock = threading.Lock()

    def save(user, attempt, saver):
        try:
            barrier.wait()
            positions = sorted(answers[attempt.pk])
            for n in range(SAVES_PER_SAVER):
                position = positions[(saver + n * SAVERS_PER_LEARNER) % len(positions)]
                seq = 1 + n * SAVERS_PER_LEARNER + saver
                result = attempt_save(
                    attempt_id=attempt.public_id,
                    user_id=user.pk,
                    position=position,
                    answer=answers[attempt.pk][position],
                    seq=seq,
                )
                if result.saved:
                    with lock:
                        acknowledged.append((attempt.pk, position, seq))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def hand_in(user, attempt):
        try:
            barrier.wait()
            # In the middle of the saves.
            threading.Event().wait(0.02)
            if lean:
                handed_in = attempt_hand_in_lean(
                    attempt_id=attempt.public_id,
                    user_id=user.pk,
                    device="",
                    account_ok=lambda *account: True,
                )
                assert handed_in is not None
            else:
                attempt_submit(attempt=attempt)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = []
    for user, attempt in attempts:
        threads.extend(
            threading.Thread(target=save, args=(user, attempt, saver))
            for saver in range(SAVERS_PER_LEARNER)
        )
        threads.append(threading.Thread(target=hand_in, args=(user, attempt)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    attempts_finalise_overdue()  # the batched scorer: scores every hand-in

    stored = {
        (i.attempt_id, i.position): i for i in AttemptItem.objects.filter(attempt__session=session)
    }
    for attempt_pk, position, seq in acknowledged:
        assert stored[(attempt_pk, position)].seq >= seq, "an acknowledged save was lost"
    for attempt in Attempt.objects.filter(session=session).select_related("session"):
        assert attempt.status == AttemptStatus.SUBMITTED
        items = [i for (pk, _), i in stored.items() if pk == attempt.pk]
        for item in items:
            if item.answered_at is not None:
                assert item.answered_at <= attempt.finished_at, (
                    f"item {item.position} answered {item.answered_at - attempt.finished_at} "
                    "after the hand-in"
                )
            expected = score_answer(
                qtype=item.type,
                key=item.key,
                answer=item.answer,
                points=item.points,
                partial_credit=False,
            )
            assert item.awarded == expected, (
                f"item {item.position}: answer {item.answer!r} stored, {item.awarded} awarded"
            )
        assert attempt.score == sum(i.awarded for i in items)
