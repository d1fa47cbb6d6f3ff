"""Demo training content: the city's programme with three tracks and a weekly module of
Chinese lessons on comprehensive-window work for every week (`seed_programme`; the
scheduled `training_publish` publishes them), and two in-person classes run through the
services (`seed_classes`). Everything people do with them comes from the simulation
(`training/simulation.py`, run by `seed_demo`).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from organisation.models import Department, Role, RoleAssignment

from .content import sanitise_html
from .models import (
    CompletionRule,
    LevelHeld,
    Programme,
    Tier,
    Track,
    WeeklyModule,
)
from .models import Lesson as LessonModel

# The demo township, where every window clerk uses the system (its coordinator and a
# README learner work there).
DEMO_TOWNSHIP = "360102-T01"

# Knowledge points (知识点) of the work type, the same names as the demo question bank
# (exams.demo_bank.POINTS); ids are local to the demo until the exam engine is present.
KNOWLEDGE_POINTS = {
    1: "政策法规",
    2: "服务礼仪规范",
    3: "政务服务平台操作",
    4: "一件事一次办",
    5: "数据安全与个人信息保护",
    6: "帮办代办",
    7: "好差评与投诉处理",
    8: "部门业务知识",
    9: "综合窗口受理流程",
}

# (title, knowledge point ids, [(lesson title, paragraphs)])
WEEKS = [
    (
        "综合窗口的职责与“一窗受理”流程",
        [9, 1],
        [
            (
                "什么是“前台综合受理、后台分类审批、统一窗口出件”",
                [
                    "综合窗口把多个部门的事项集中到一个窗口受理，群众只需到一个窗口、交一套材料。",
                    "受理人员负责材料的接收、初审和录入，后台审批人员负责审查决定，出件窗口统一送达结果。",
                    "受理时要做到“一次告知”：材料不全的，一次性告知需要补正的全部内容，并出具补正告知书。",
                ],
            ),
            (
                "受理、不予受理与补正告知",
                [
                    "申请事项属于本窗口受理范围、材料齐全、符合法定形式的，应当当场受理并出具受理凭证。",
                    "不属于受理范围的，应当告知申请人向有关部门申请，并出具不予受理告知书，说明理由。",
                ],
            ),
        ],
    ),
    (
        "政务服务相关法律法规要点",
        [1],
        [
            (
                "《行政许可法》与窗口工作",
                [
                    "行政许可应当遵循公开、公平、公正、非歧视的原则，办理时限、条件、程序应当公示。",
                    "窗口人员不得要求申请人提交与申请事项无关的材料，不得擅自增加办理条件。",
                ],
            ),
            (
                "《优化营商环境条例》中的政务服务要求",
                [
                    "推行政务服务事项标准化，同一事项在不同地区、不同层级的受理条件和办理标准一致。",
                    "推行“证明事项告知承诺制”，能够通过信息共享获取的材料不再要求申请人提供。",
                ],
            ),
        ],
    ),
    (
        "服务礼仪与文明用语",
        [2],
        [
            (
                "窗口服务礼仪规范",
                [
                    "着装整洁、佩戴工牌、主动问候；接待群众做到“来有迎声、问有答声、走有送声”。",
                    "使用文明用语，杜绝“不知道”“不归我管”“明天再来”等服务禁语。",
                ],
            ),
            (
                "特殊群体的服务",
                [
                    "对老年人、残疾人、孕妇等特殊群体提供优先办理、上门服务、绿色通道等便利措施。",
                    "保留线下办理渠道，不得强制要求老年人使用智能终端办事。",
                ],
            ),
        ],
    ),
    (
        "一体化政务服务平台操作（一）：统一身份认证与受理登记",
        [3],
        [
            (
                "统一身份认证与电子证照调用",
                [
                    "通过统一身份认证平台核验申请人身份，支持刷身份证、扫码、人脸识别等方式。",
                    "能够从电子证照库调取的证照，直接调用，不再要求申请人提交纸质材料。",
                ],
            ),
            (
                "受理登记的规范录入",
                [
                    "按照事项清单选择正确的事项和情形，核对申请表单必填项，材料逐项上传并核对清晰度。",
                    "录入完成后生成办件编号，告知申请人查询办理进度的方式。",
                ],
            ),
        ],
    ),
    (
        "一体化政务服务平台操作（二）：流转、办结与出件",
        [3],
        [
            (
                "办件流转与时限监控",
                [
                    "受理后按照流程推送至后台审批部门，关注办理时限预警，避免超期。",
                    "遇到系统故障时按照应急预案登记，恢复后及时补录，做到办件不积压。",
                ],
            ),
            (
                "统一出件与结果送达",
                [
                    "审批结果统一由出件窗口发放，支持邮政寄递和电子证照送达，做好签收登记。",
                ],
            ),
        ],
    ),
    (
        "“高效办成一件事”集成服务",
        [4, 8],
        [
            (
                "“一件事”的办理模式",
                [
                    "把多个相关联的事项集成为“一件事”，实行一张表单、一套材料、一次提交、一窗办结。",
                    "常见主题：新生儿出生、企业开办、退休、不动产登记与水电气联动过户等。",
                ],
            ),
            (
                "企业开办“一件事”实务",
                [
                    "营业执照、公章刻制、发票申领、社保登记、公积金开户可一次申请、并联办理。",
                ],
            ),
        ],
    ),
    (
        "数据安全与个人信息保护",
        [5],
        [
            (
                "窗口工作中的个人信息保护",
                [
                    "依据《个人信息保护法》，处理个人信息应当具有明确、合理的目的，并遵循最小必要原则。",
                    "身份证号等敏感个人信息应当脱敏展示，不得拍照外传，不得在工作群中发送办件材料。",
                ],
            ),
            (
                "账号与终端安全",
                [
                    "不得共用账号，离开工位及时锁屏；严禁在业务终端上插入来历不明的移动存储介质。",
                ],
            ),
        ],
    ),
    (
        "帮办代办与“跨域通办”",
        [6, 8],
        [
            (
                "帮办代办服务",
                [
                    "为重点项目、特殊群体提供全程帮办代办，建立帮办台账，做到事事有回应。",
                ],
            ),
            (
                "“跨省通办”“省内通办”的受理",
                [
                    "异地申请的事项按照“全程网办”“异地代收代办”“多地联办”等方式办理，做好材料流转登记。",
                ],
            ),
        ],
    ),
    (
        "政务服务“好差评”与投诉处理",
        [7, 2],
        [
            (
                "“好差评”制度",
                [
                    "每个办件都应当邀请群众评价；差评应当在规定时间内回访核实、整改反馈。",
                ],
            ),
            (
                "投诉与矛盾化解",
                [
                    "遇到群众情绪激动时，先倾听、后解释，必要时请值班负责人协调，做好记录。",
                ],
            ),
        ],
    ),
    (
        "市场主体登记业务知识",
        [8],
        [
            (
                "经营主体登记的常见事项",
                [
                    "设立、变更、注销登记的材料要求；经营范围规范表述的选择；名称自主申报的注意事项。",
                ],
            ),
        ],
    ),
    (
        "社会保障与医保业务知识",
        [8, 4],
        [
            (
                "社保与医保常办事项",
                [
                    "参保登记、关系转移接续、异地就医备案、灵活就业人员参保等事项的受理要点。",
                ],
            ),
        ],
    ),
    (
        "综合复习与模拟练习",
        [1, 2, 3, 4, 5],
        [
            (
                "本阶段知识梳理",
                [
                    "回顾前十一周的重点内容，完成模拟练习，查漏补缺，为月度考试和等级认定做好准备。",
                ],
            ),
        ],
    ),
]


def _body(paragraphs: list[str]) -> str:
    return sanitise_html("".join(f"<p>{p}</p>" for p in paragraphs))


def _bank_point_ids() -> dict[int, int]:
    """Local knowledge point number -> the exam engine's KnowledgePoint id (created by
    name when missing), so modules, practice sets and plans use real ids."""
    from exams.models import KnowledgePoint

    return {
        n: KnowledgePoint.objects.get_or_create(name=name)[0].pk
        for n, name in KNOWLEDGE_POINTS.items()
    }


def seed_classes(*, rng: random.Random) -> int:
    """Two in-person classes in the unit of the most local coordinator: one given two
    weeks ago (checked in, closed, rated by enough people to show the aggregate) and one
    next week, to which the unit's window staff are invited. Through the services, on
    their own clock."""
    from organisation.models import Staff, StaffStatus

    from .services import (
        class_audience,
        class_check_in_by_trainer,
        class_close,
        class_schedule,
        evaluation_questions,
        evaluation_submit,
    )

    assignment = (
        RoleAssignment.objects.filter(role=Role.COORDINATOR)
        .select_related("user", "department")
        .order_by("-department__depth", "department__path")
        .first()
    )
    programme = Programme.objects.filter(is_active=True).order_by("-year", "pk").first()
    if assignment is None or programme is None:
        return 0
    unit, coordinator = assignment.department, assignment.user
    bank_ids = _bank_point_ids()
    now = timezone.now()
    people = list(
        Staff.objects.filter(
            unit.subtree_q("department__"), status=StaffStatus.ACTIVE, is_window_staff=True
        ).order_by("staff_number")[:40]
    )
    if len(people) < 6:
        return 0
    day = timezone.localdate(now)
    capacity = len(class_audience(department=unit, audience_departments=[unit])) + 10

    def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
        moment = datetime.datetime.combine(
            day + datetime.timedelta(days=days), datetime.time(hour, minute)
        )
        return timezone.make_aware(moment)

    points = [(bank_ids[3], KNOWLEDGE_POINTS[3])]
    past = class_schedule(
        actor=coordinator,
        department=unit,
        programme=programme,
        title="一网通办平台实操集中培训",
        venue=f"{unit.name}便民服务中心会议室",
        starts_at=at(-14, 9),
        ends_at=at(-14, 11, 30),
        capacity=capacity,
        trainer_name="市政务服务中心 周老师",
        knowledge_points=points,
        audience_departments=[unit],
        audience_posts=[],
        now=at(-21, 9),
    )
    came = [s for s in people if rng.random() < 0.85]
    for staff in came:
        late = rng.random() < 0.15
        class_check_in_by_trainer(
            training_class=past,
            staff=staff,
            actor=coordinator,
            now=at(-14, 9, 20) if late else at(-14, 8, 50),
        )
    class_close(training_class=past, actor=coordinator, now=at(-14, 11, 35))
    questions = evaluation_questions()
    comments = ["案例贴近窗口实际", "希望多安排实操练习", "讲解清楚", ""]
    for staff in came[: max(6, len(came) * 2 // 3)]:
        evaluation_submit(
            staff=staff,
            training_class=past,
            ratings={q.pk: rng.choice([3, 4, 4, 5, 5]) for q in questions},
            comment=rng.choice(comments),
            now=at(-14, 12),
        )
    class_schedule(
        actor=coordinator,
        department=unit,
        programme=programme,
        title="政务服务礼仪与沟通技巧",
        venue=f"{unit.name}便民服务中心会议室",
        starts_at=at(7, 14, 30),
        ends_at=at(7, 16, 30),
        capacity=capacity,
        trainer_name="周老师",
        knowledge_points=points,
        audience_departments=[unit],
        audience_posts=[],
        now=now,
    )
    return 2


def seed_programmes(*, start: datetime.date, end: datetime.date) -> list[Programme]:
    """The city's programme of each calendar year from `start` to `end` (a programme,
    its monthly exams, hours targets and reports are a year's). A week that straddles
    the new year belongs to the year it starts in."""
    programmes = []
    for year in range(start.year, end.year + 1):
        first = datetime.date(year, 1, 1)
        if year > start.year:  # the first Monday of the year
            first += datetime.timedelta(days=(7 - first.weekday()) % 7)
        begins, ends = max(start, first), min(end, datetime.date(year + 1, 1, 1))
        if begins < ends:
            programmes.append(seed_programme(start=begins, end=ends))
    return programmes


def seed_programme(*, start: datetime.date, end: datetime.date) -> Programme:
    """The city's programme with a weekly module for every week from the Monday on or
    before `start` until `end`, none published yet (the scheduled `training_publish`
    publishes each on its Monday). The twelve weeks of lessons repeat; every third week
    also has a quiz. Tracks: in service, new staff, certified refresher."""
    city = Department.objects.filter(depth=1).order_by("path").first()
    bank_ids = _bank_point_ids()
    programme = Programme.objects.create(
        name=f"综窗人员岗位能力提升 {start.year}",
        year=start.year,
        department=city,
        annual_hours_target=Decimal("40"),
    )
    tracks = [
        Track.objects.create(
            programme=programme,
            name="在岗综窗人员（五级/初级）",
            tier=Tier.IN_SERVICE,
            target_level=5,
            level_held=LevelHeld.ANY,
        ),
        Track.objects.create(
            programme=programme,
            name="新入职人员岗前培训",
            tier=Tier.NEW_STAFF,
            target_level=5,
            hired_within_days=180,
        ),
        Track.objects.create(
            programme=programme,
            name="持证人员复训（四级/中级）",
            tier=Tier.REFRESHER,
            target_level=4,
            level_held=LevelHeld.CERTIFIED,
        ),
    ]
    monday = start - datetime.timedelta(days=start.weekday())
    modules = []
    week = 0
    while monday < end:
        week += 1
        title, points, _lessons = WEEKS[(week - 1) % len(WEEKS)]
        for track in tracks:
            modules.append(
                WeeklyModule(
                    track=track,
                    week=week,
                    title=title,
                    summary=f"本周学习：{title}。",
                    starts_on=monday,
                    due_on=monday + datetime.timedelta(days=6),
                    knowledge_points=[KNOWLEDGE_POINTS[p] for p in points],
                    knowledge_point_ids=[bank_ids[p] for p in points],
                    completion_rule=CompletionRule.LESSONS_AND_QUIZ
                    if week % 3 == 0
                    else CompletionRule.LESSONS,
                )
            )
        monday += datetime.timedelta(weeks=1)
    WeeklyModule.objects.bulk_create(modules)
    lessons = []
    for module in WeeklyModule.objects.filter(track__programme=programme).order_by("pk"):
        source = WEEKS[(module.week - 1) % len(WEEKS)][2]
        for order, (title, paragraphs) in enumerate(source, start=1):
            lessons.append(
                LessonModel(module=module, order=order, title=title, body_html=_body(paragraphs))
            )
    LessonModel.objects.bulk_create(lessons)
    return programme
