"""Demo question bank and exam history (deterministic given the generator)."""

from __future__ import annotations

from .demo_bank import FACTS, POINTS
from .models import (
    KnowledgePoint,
    Question,
)

S, M, T, F, A = "single", "multiple", "true_false", "fill_blank", "short_answer"
TF = ["正确", "错误"]

BANK = {
    "政策法规": [
        (
            S,
            "《优化营商环境条例》规定，政务服务事项应当按照什么原则办理？",
            ["就近办理", "统一标准、规范流程", "先到先办", "部门自定"],
            ["B"],
            "条例要求政务服务事项标准化、规范化办理。",
        ),
        (
            S,
            "《个人信息保护法》自哪一年起施行？",
            ["2019年", "2020年", "2021年", "2022年"],
            ["C"],
            "该法自2021年11月1日起施行。",
        ),
        (
            M,
            "“高效办成一件事”改革的主要目标包括：",
            ["减环节", "减材料", "减时限", "增加收费"],
            ["A", "B", "C"],
            "改革不涉及增加收费。",
        ),
        (
            T,
            "群众办事时，窗口人员可以要求其提供法律法规未规定的证明材料。",
            TF,
            ["B"],
            "无法律法规依据的证明材料一律不得索要。",
        ),
        (
            F,
            "政务服务“一件事一次办”中的“一次办”是指让群众最多跑____次。",
            [],
            [["一", "1"]],
            "最多跑一次。",
        ),
        (A, "简述告知承诺制的适用情形和窗口人员应履行的告知义务。", [], [], ""),
    ],
    "服务礼仪规范": [
        (
            S,
            "群众到窗口办事时，窗口人员首先应当：",
            [
                "继续处理手头材料",
                "起身或点头示意、主动问候",
                "让群众排队等候叫号",
                "询问是否有熟人",
            ],
            ["B"],
            "首问负责、主动服务。",
        ),
        (
            S,
            "遇到群众情绪激动时，恰当的做法是：",
            ["与其争辩", "请保安处理", "耐心倾听、安抚情绪后解释政策", "暂停服务"],
            ["C"],
            "",
        ),
        (
            M,
            "窗口“首问负责制”要求首问人员：",
            ["热情接待", "能办的当场办理", "不能办的告知去处", "让群众自己查找"],
            ["A", "B", "C"],
            "",
        ),
        (T, "窗口人员在岗期间可以使用手机处理私人事务。", TF, ["B"], "工作时间不得处理私事。"),
        (
            F,
            "政务服务“好差评”中，群众的差评应在____个工作日内整改反馈。",
            [],
            [["15", "十五"]],
            "差评整改一般在15个工作日内完成。",
        ),
    ],
    "政务服务平台操作": [
        (
            S,
            "在一网通办平台受理事项时，材料不齐全应当：",
            ["直接退件", "一次性告知需补正的全部材料", "让群众回去再想办法", "暂存不处理"],
            ["B"],
            "一次性告知制度。",
        ),
        (
            S,
            "电子证照调用前必须取得：",
            ["部门领导签字", "申请人授权", "窗口组长同意", "无需任何授权"],
            ["B"],
            "调用个人电子证照须经本人授权。",
        ),
        (
            M,
            "综合窗口“前台综合受理、后台分类审批”模式中，前台负责：",
            ["接件", "材料初审", "出件", "实质审批"],
            ["A", "B", "C"],
            "实质审批由后台负责。",
        ),
        (
            T,
            "一网通办平台中的办件，受理后即可由窗口人员自行删除。",
            TF,
            ["B"],
            "办件数据不得擅自删除。",
        ),
        (F, "群众可通过政务服务平台“____码”查询办件进度。", [], [["办件", "查询"]], ""),
        (A, "描述在平台上办理一件跨部门联办事项的受理、流转和出件流程。", [], [], ""),
    ],
    "部门业务知识": [
        (
            S,
            "办理个体工商户设立登记的主管部门是：",
            ["税务局", "市场监督管理局", "人社局", "民政局"],
            ["B"],
            "",
        ),
        (
            S,
            "灵活就业人员参加职工基本养老保险，应向哪个部门申请？",
            ["人力资源和社会保障部门", "医保部门", "住建部门", "公安部门"],
            ["A"],
            "",
        ),
        (
            M,
            "不动产登记申请一般需要提交：",
            ["申请书", "身份证明", "权属来源证明", "学历证明"],
            ["A", "B", "C"],
            "学历证明与不动产登记无关。",
        ),
        (T, "居民身份证到期换领可以在户籍地以外的公安机关申请。", TF, ["A"], "已实现异地换领。"),
        (
            F,
            "新生儿“出生一件事”可一次办理出生医学证明、户口登记、医保参保和____。",
            [],
            [["社保卡", "社会保障卡"]],
            "",
        ),
    ],
    "数据安全与个人信息保护": [
        (
            S,
            "窗口人员在工作中获取的群众身份证号码，正确的处理方式是：",
            ["拍照留存备用", "仅用于办理本事项，不得泄露", "转发给同事核对", "写在便签上"],
            ["B"],
            "",
        ),
        (
            S,
            "下列属于敏感个人信息的是：",
            ["姓名", "行踪轨迹", "单位名称", "办事事项"],
            ["B"],
            "行踪轨迹属于敏感个人信息。",
        ),
        (
            M,
            "复印群众证件时，应当：",
            ["注明用途", "仅复印必要页", "多复印几份备用", "废件及时粉碎"],
            ["A", "B", "D"],
            "",
        ),
        (T, "离开工位时应锁定电脑屏幕。", TF, ["A"], ""),
        (F, "展示身份证号码时应当进行____处理。", [], [["脱敏", "遮蔽", "掩码"]], ""),
    ],
    "综合窗口受理流程": [
        (S, "综合窗口受理的第一步是：", ["审批", "咨询引导与事项确认", "收费", "出件"], ["B"], ""),
        (
            S,
            "受理后发现事项不属于本窗口范围，应当：",
            ["拒绝受理", "告知群众自行查询", "出具不予受理告知并引导至正确窗口", "先收下材料"],
            ["C"],
            "",
        ),
        (
            M,
            "“容缺受理”适用于：",
            ["主要材料齐全", "次要材料欠缺", "申请人书面承诺补齐", "核心材料缺失"],
            ["A", "B", "C"],
            "",
        ),
        (T, "受理回执应写明承诺办结时限。", TF, ["A"], ""),
        (F, "对符合条件的事项，窗口应当场出具____通知书。", [], [["受理"]], ""),
        (A, "一位老年人不会使用智能手机办理社保认证，请写出你的帮办步骤。", [], [], ""),
    ],
}


LETTERS = "ABCD"

# The practical tasks of the skill assessment (操作技能考核): scenario tasks scored by
# examiners per rubric criterion, picked when a sitting is planned (never drawn into
# an exam paper: no blueprint asks for the type).
SCENARIOS = [
    (
        "综合窗口受理流程",
        "情景操作：群众到综合窗口办理“企业开办一件事”，材料缺少一份股东身份证明。"
        "请完成接待、受理审核、一次性告知和系统登记。",
        [
            ("接待与身份核验", 20),
            ("受理材料审核", 40),
            ("一次性告知与答复", 20),
            ("系统登记与台账", 20),
        ],
    ),
    (
        "好差评与投诉处理",
        "情景操作：办事群众对办理时限不满，在窗口情绪激动并要求投诉。"
        "请完成安抚沟通、问题核实、投诉登记和“好差评”回访。",
        [
            ("安抚与沟通礼仪", 30),
            ("问题核实与解释", 30),
            ("投诉登记与转办", 20),
            ("好差评回访", 20),
        ],
    ),
    (
        "帮办代办",
        "情景操作：一位老年人不会使用网上办事平台，需办理社保待遇资格认证。"
        "请完成帮办代办的告知、授权确认、代为操作和结果反馈。",
        [
            ("帮办服务告知", 20),
            ("授权与身份确认", 30),
            ("代为操作规范", 30),
            ("结果反馈与留档", 20),
        ],
    ),
]


def _statement(stem: str, answer: str) -> str:
    return f"{stem}{answer}。"


def generated_questions() -> list[dict]:
    """Questions made from the facts of `demo_bank`: per fact one single choice and
    two true/false (one right, one wrong statement); per fact and the next one a
    multiple choice with both right answers and a wrong one of each."""
    rows: list[dict] = []
    for point in POINTS:
        facts = FACTS[point]
        for i, (stem, right, wrong) in enumerate(facts):
            options = [*wrong]
            at = i % 4
            options.insert(at, right)
            rows.append(
                {
                    "type": S,
                    "stem": f"{stem}（　）。",
                    "options": options,
                    "answer": [LETTERS[at]],
                    "explanation": _statement(stem, right),
                    "point": point,
                    "difficulty": 1 + i % 5,
                }
            )
            rows.append(
                {
                    "type": T,
                    "stem": _statement(stem, right),
                    "options": TF,
                    "answer": ["A"],
                    "explanation": "",
                    "point": point,
                    "difficulty": 1 + i % 3,
                }
            )
            rows.append(
                {
                    "type": T,
                    "stem": _statement(stem, wrong[i % 3]),
                    "options": TF,
                    "answer": ["B"],
                    "explanation": _statement(stem, right),
                    "point": point,
                    "difficulty": 2 + i % 3,
                }
            )
            nstem, nright, nwrong = facts[(i + 1) % len(facts)]
            statements = [
                (_statement(stem, right), True),
                (_statement(nstem, nwrong[(i + 1) % 3]), False),
                (_statement(nstem, nright), True),
                (_statement(stem, wrong[(i + 2) % 3]), False),
            ]
            shift = i % 4
            statements = statements[shift:] + statements[:shift]
            rows.append(
                {
                    "type": M,
                    "stem": f"关于{point}，下列表述正确的有（第{i + 1}组）：",
                    "options": [text for text, _ok in statements],
                    "answer": [LETTERS[k] for k, (_t, ok) in enumerate(statements) if ok],
                    "explanation": "",
                    "point": point,
                    "difficulty": 2 + i % 4,
                }
            )
    return rows


def bank_rows() -> list[dict]:
    """Every demo question: the generated ones, then the hand-written ones whose type
    and stem are not already there (fill in the blank, short answers and a few more),
    then the practical tasks."""
    rows = generated_questions()
    seen = {(r["type"], r["stem"]) for r in rows}
    for name, items in BANK.items():
        for i, (qtype, stem, options, answer, explanation) in enumerate(items):
            if (qtype, stem) in seen:
                continue
            seen.add((qtype, stem))
            rows.append(
                {
                    "type": qtype,
                    "stem": stem,
                    "options": options,
                    "answer": answer,
                    "explanation": explanation,
                    "point": name,
                    "difficulty": 2 + (i % 3),
                }
            )
    for point, stem, rubric in SCENARIOS:
        rows.append(
            {
                "type": "scenario",
                "stem": stem,
                "options": [],
                "answer": [],
                "explanation": "",
                "point": point,
                "difficulty": 3,
                "rubric": [{"item": item, "points": points} for item, points in rubric],
                "points": sum(points for _item, points in rubric),
            }
        )
    return rows


def seed_bank() -> dict[str, KnowledgePoint]:
    """The knowledge points (in the canonical order) and the active question bank."""
    points = {name: KnowledgePoint.objects.get_or_create(name=name)[0] for name in POINTS}
    Question.objects.bulk_create(
        [
            Question(
                type=row["type"],
                stem=row["stem"],
                options=row["options"],
                answer=row["answer"],
                explanation=row["explanation"],
                knowledge_point=points[row["point"]],
                difficulty=row["difficulty"],
                rubric=row.get("rubric", []),
                points=row.get("points"),
            )
            for row in bank_rows()
        ],
        batch_size=1000,
    )
    return points
