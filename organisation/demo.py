"""A deterministic demo city: ~310 units, ~6,000 window staff, people for every role.

Everything is drawn from one seeded random generator, so two runs on empty databases
produce the same units, people, ID numbers and staff numbers.
"""

from __future__ import annotations

import datetime
import random
import uuid
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from .crypto import encrypt_id_number, hash_id_number
from .idnumbers import make_id_number, mask_id_number
from .models import Department, DepartmentKind, Role, RoleAssignment, Staff, StaffStatus

CITY_NAME = "洪州市"
CITY_CODE = "360100"
DEMO_PASSWORD = "Demo@2026"  # noqa: S105 - printed by seed_demo, demo accounts only

CITY_DEPARTMENTS = [
    "发展和改革委员会",
    "教育局",
    "科学技术局",
    "工业和信息化局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "生态环境局",
    "住房和城乡建设局",
    "城市管理局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文化广电旅游局",
    "卫生健康委员会",
    "退役军人事务局",
    "应急管理局",
    "审计局",
    "市场监督管理局",
    "统计局",
    "医疗保障局",
    "林业局",
    "体育局",
    "行政审批局",
    "数据局",
    "信访局",
    "国有资产监督管理委员会",
    "地方金融管理局",
    "粮食和物资储备局",
    "人民防空办公室",
    "住房公积金管理中心",
    "不动产登记中心",
    "税务局",
    "消防救援支队",
    "气象局",
    "烟草专卖局",
    "残疾人联合会",
    "公共资源交易中心",
    "机关事务管理局",
]
COUNTIES = [
    ("360102", "东湖区", 9),
    ("360103", "西湖区", 11),
    ("360104", "青云谱区", 7),
    ("360111", "青山湖区", 12),
    ("360112", "新建区", 16),
    ("360113", "红谷滩区", 9),
    ("360121", "南昌县", 17),
    ("360123", "安义县", 10),
    ("360124", "进贤县", 21),
    ("360125", "湾里区", 6),
    ("360126", "桑海区", 8),
    ("360127", "经开区", 9),
    ("360128", "高新区", 10),
    ("360129", "小蓝区", 8),
    ("360130", "临空区", 11),
    ("360131", "湾溪县", 14),
    ("360132", "梅岭县", 15),
    ("360133", "丰城县", 18),
    ("360134", "莲塘县", 17),
]
TOWNSHIP_STEMS = [
    "滨江",
    "湖滨",
    "青云",
    "长春",
    "白沙",
    "梅林",
    "石岗",
    "松湖",
    "樵舍",
    "象山",
    "金桥",
    "望城",
    "铁河",
    "联圩",
    "厚田",
    "西山",
    "溪霞",
    "大塘",
    "生米",
    "乐化",
    "昌东",
    "京东",
    "湖坊",
    "塘山",
    "罗家",
    "蛟桥",
    "扬子洲",
    "幽兰",
    "黄马",
    "三江",
    "武阳",
    "冈上",
    "泾口",
    "南新",
    "塔城",
    "广福",
    "八一",
    "太平",
    "招贤",
    "梅庄",
    "长埠",
    "龙津",
    "万埠",
    "石鼻",
    "东阳",
    "新庄",
    "罗溪",
    "三里",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏辉建华俊婷雪琳晨浩宇欣怡子涵梓轩"
    "思远嘉怡文博雨涵佳琪志强海燕春梅晓东立新国庆卫东红梅丹丹晶晶慧敏永红金凤建国志刚丽娟"
)
POSTS = [
    "综合窗口受理",
    "综合窗口受理",
    "综合窗口受理",
    "帮办代办",
    "导服",
    "综合窗口出件",
    "后台审批",
]


@dataclass
class DemoAccount:
    role: str
    username: str
    password: str
    unit: str
    note: str = ""


@dataclass
class DemoResult:
    units: int = 0
    staff: int = 0
    accounts: list[DemoAccount] = field(default_factory=list)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _name(rng: random.Random) -> str:
    given_len = 1 if rng.random() < 0.35 else 2
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(given_len))


def build_departments() -> list[Department]:
    """The unit tree, created with treebeard's bulk loader (a few queries per level)."""
    city_children = [
        {
            "data": {
                "code": f"{CITY_CODE}-{i:02d}",
                "name": f"{CITY_NAME}{name}",
                "kind": DepartmentKind.CITY_DEPARTMENT,
            }
        }
        for i, name in enumerate(CITY_DEPARTMENTS, start=1)
    ]
    city_children.append(
        {
            "data": {
                "code": f"{CITY_CODE}-SC",
                "name": f"{CITY_NAME}政务服务中心",
                "kind": DepartmentKind.SERVICE_CENTRE,
            }
        }
    )
    stems = iter(TOWNSHIP_STEMS * 10)
    for code, name, townships in COUNTIES:
        children = [
            {
                "data": {
                    "code": f"{code}-SC",
                    "name": f"{name}政务服务中心",
                    "kind": DepartmentKind.COUNTY_DEPARTMENT,
                }
            }
        ]
        for t in range(1, townships + 1):
            stem = next(stems)
            suffix = "街道" if name.endswith("区") and t % 3 else "镇"
            children.append(
                {
                    "data": {
                        "code": f"{code}-T{t:02d}",
                        "name": f"{name}{stem}{suffix}",
                        "kind": DepartmentKind.TOWNSHIP,
                    }
                }
            )
        city_children.append(
            {
                "data": {"code": code, "name": name, "kind": DepartmentKind.COUNTY},
                "children": children,
            }
        )
    tree = [
        {
            "data": {"code": CITY_CODE, "name": CITY_NAME, "kind": DepartmentKind.CITY},
            "children": city_children,
        }
    ]
    Department.objects.load_bulk(tree)
    return list(Department.objects.order_by("path"))


def _staff_count(rng: random.Random, kind: str) -> int:
    return {
        DepartmentKind.SERVICE_CENTRE: 400,
        DepartmentKind.CITY_DEPARTMENT: rng.randint(12, 26),
        DepartmentKind.COUNTY_DEPARTMENT: rng.randint(70, 110),
        DepartmentKind.TOWNSHIP: rng.randint(10, 17),
    }.get(kind, 0)


def seed_organisation(*, seed: int = 20261123) -> DemoResult:
    rng = random.Random(seed)
    result = DemoResult()
    departments = build_departments()
    result.units = len(departments)
    by_code = {d.code: d for d in departments}

    used_ids: set[str] = set()
    staff_rows: list[Staff] = []
    serial = 0
    today = datetime.date(2026, 11, 1)
    for dept in departments:
        region = dept.code[:6]
        for _ in range(_staff_count(rng, dept.kind)):
            serial += 1
            while True:
                birth = datetime.date(1966, 1, 1) + datetime.timedelta(days=rng.randint(0, 13500))
                number = make_id_number(region, birth, rng.randint(0, 999))
                if number not in used_ids:
                    used_ids.add(number)
                    break
            is_window = rng.random() < 0.94
            left = rng.random() < 0.02
            staff_rows.append(
                Staff(
                    public_id=_uuid(rng),
                    name=_name(rng),
                    id_number_encrypted=encrypt_id_number(number),
                    id_number_hash=hash_id_number(number),
                    id_number_masked=mask_id_number(number),
                    staff_number=f"HZ{serial:06d}",
                    mobile=f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}",
                    department=dept,
                    post=rng.choice(POSTS) if is_window else "业务科室",
                    is_window_staff=is_window,
                    status=StaffStatus.LEFT if left else StaffStatus.ACTIVE,
                    left_on=today - datetime.timedelta(days=rng.randint(1, 200)) if left else None,
                    hire_date=today - datetime.timedelta(days=rng.randint(30, 6000)),
                )
            )
    # Mobiles must be unique: drop the rare collision rather than guess another.
    seen_mobiles: set[str] = set()
    for row in staff_rows:
        if row.mobile in seen_mobiles:
            row.mobile = ""
        seen_mobiles.add(row.mobile)
    Staff.objects.bulk_create(staff_rows, batch_size=1000)
    result.staff = len(staff_rows)

    result.accounts = _demo_accounts(by_code)
    return result


def _demo_accounts(by_code: dict[str, Department]) -> list[DemoAccount]:
    User = get_user_model()
    password_hash = make_password(DEMO_PASSWORD)  # one slow hash, shared by demo accounts
    accounts: list[DemoAccount] = []

    admin = User.objects.create(
        username="admin", first_name="系统管理员", is_staff=True, password=password_hash
    )
    RoleAssignment.objects.create(
        user=admin, role=Role.ADMINISTRATOR, department=by_code[CITY_CODE]
    )
    accounts.append(
        DemoAccount(
            "administrator",
            "admin",
            DEMO_PASSWORD,
            CITY_NAME,
            "two-factor (TOTP) set-up is required at first sign-in",
        )
    )

    def staff_account(
        staff: Staff, role: str | None, unit: Department, note: str = "", must_change: bool = False
    ) -> None:
        user = User.objects.create(
            username=staff.staff_number,
            first_name=staff.name,
            password=password_hash,
            must_change_password=must_change,
        )
        staff.user = user
        staff.save(update_fields=["user"])
        if role:
            RoleAssignment.objects.create(user=user, role=role, department=unit)
        accounts.append(
            DemoAccount(role or "learner", staff.staff_number, DEMO_PASSWORD, unit.name, note)
        )

    def pick(code: str, window: bool, offset: int = 0) -> Staff:
        candidates = Staff.objects.filter(
            department__code=code, status=StaffStatus.ACTIVE, user__isnull=True
        ).order_by("staff_number")
        preferred = list(candidates.filter(is_window_staff=window)[: offset + 1])
        if len(preferred) > offset:
            return preferred[offset]
        return candidates[offset]

    county = COUNTIES[0][0]
    township = f"{county}-T01"
    staff_account(
        pick(f"{CITY_CODE}-SC", False),
        Role.COORDINATOR,
        by_code[CITY_CODE],
        "city-wide coordinator",
    )
    staff_account(
        pick(f"{county}-SC", False), Role.COORDINATOR, by_code[county], "county coordinator"
    )
    staff_account(
        pick(township, True, 1), Role.COORDINATOR, by_code[township], "township coordinator"
    )
    staff_account(pick(f"{CITY_CODE}-01", False), Role.MANAGER, by_code[CITY_CODE], "city manager")
    staff_account(pick(f"{county}-SC", False, 1), Role.MANAGER, by_code[county], "county manager")
    staff_account(
        pick(f"{CITY_CODE}-SC", True),
        None,
        by_code[f"{CITY_CODE}-SC"],
        "learner at the city service centre",
    )
    staff_account(pick(township, True), None, by_code[township], "learner at a township")
    staff_account(
        pick(f"{county}-SC", True),
        None,
        by_code[f"{county}-SC"],
        "first sign-in: must change the password",
        must_change=True,
    )
    return accounts
