"""Seeds 投诉建议: the posted QR codes (食堂, each dorm building, 后勤办公室), a term's feedback (most replied within
3 days, some late, a few still open, with the workflow history of each step), and a link or two opening the
latest satisfaction survey to students and parents with a batch of one-time codes."""
from __future__ import annotations

import base64
from datetime import timedelta

from .common import between, last_term
from .places import DORM_BUILDINGS

# (编码, 张贴位置, 服务单位编码 or None: the sender chooses)
POINTS = [("st1", "师生食堂一楼大厅", "050201"), ("st2", "师生食堂二楼", "050201"),
          *[(f"ss{n}", f"{name}门厅", "050202") for n, (name, *_rest) in enumerate(DORM_BUILDINGS, 1)],
          ("hq1", "后勤办公室", None), ("cs1", "学生超市门口", "050205")]
# (服务单位编码, 类别, 内容, 回复)
SAYINGS = {
    "050201": [("complaint", "今天午饭的红烧肉有点凉了，希望打菜前保温", "已要求窗口使用保温台，出餐后 15 分钟内售完。感谢反馈。"),
               ("complaint", "二楼窗口排队太久，十二点左右要排二十分钟", "高峰时段已增开一个窗口，并安排错峰就餐。"),
               ("suggestion", "希望晚餐增加面食窗口", "下周起晚餐增设面食窗口，欢迎品尝。"),
               ("praise", "早餐的包子很好吃，阿姨服务态度好", "谢谢您的表扬，我们会继续努力。"),
               ("complaint", "餐盘上有没洗干净的油渍", "已对洗消间加强检查，餐盘洗消后逐一抽检。")],
    "050202": [("complaint", "宿舍热水晚上十点就停了，洗不上澡", "热水供应已延长到晚上十点半。"),
               ("suggestion", "希望宿舍楼下增加晾衣架", "已列入本学期维修计划，两周内安装。"),
               ("complaint", "楼道灯坏了好几天没人修", "已报修并修复，感谢提醒。"),
               ("praise", "宿管阿姨很负责，半夜生病送我去医务室", "这是我们应该做的，祝早日康复。")],
    "050203": [("complaint", "三楼卫生间水龙头漏水", "已派水电工更换水龙头。"),
               ("suggestion", "教室饮水机能否定期清洗并公示", "已制定每月清洗计划，清洗记录张贴在饮水机旁。")],
    "050204": [("suggestion", "操场边的垃圾桶不够，活动后垃圾很多", "已增设 6 个分类垃圾桶。"),
               ("praise", "校园里的花坛很漂亮", "谢谢，春季还会补种花卉。")],
    "050205": [("complaint", "超市的牛奶比外面贵", "已与供应商重新议价，下周起调低售价。"),
               ("suggestion", "洗衣房希望增加两台洗衣机", "已申请采购，预计下月到位。")],
}
CONTACTS = ("", "", "", "138****2736", "微信 lin2019", "135****0911", "高一(3)班家长", "")
REPLIERS = {"050201": "shitang", "050202": "sushe", "050203": "shuidian", "050204": "lvhua", "050205": "zongwu"}


def _token(rng, size: int = 24) -> str:
    """A private token as the application makes them (secrets.token_urlsafe), drawn from the demo's own stream."""
    return base64.urlsafe_b64encode(rng.getrandbits(size * 8).to_bytes(size, "big")).decode().rstrip("=")


def _code(rng) -> str:
    """A one-time code as the application makes them (models/survey_links.py new_code)."""
    from models.survey_links import ALPHABET, CODE_LENGTH, DIGITS

    return "".join(rng.choice(ALPHABET) for _ in range(CODE_LENGTH - 1)) + rng.choice(DIGITS)


class FeedbackMixin:
    """投诉建议 and public survey links (mixed into ``_Activity``)."""

    def build_feedback(self) -> None:
        from models import school_calendar
        from models.feedback import FEEDBACK_WORKFLOW, Feedback, FeedbackKind, FeedbackPoint, FeedbackStatus

        rng = self.rng("feedback")
        b, today = self.b, self.today
        point_ids = self.insert_ids(FeedbackPoint, [
            dict(name=name, code=code, unit_id=b.dept_ids[unit] if unit else None, active=True, row_version=1)
            for code, name, unit in POINTS])
        points_of = {}
        for point_id, (_code, _name, unit) in zip(point_ids, POINTS):
            points_of.setdefault(unit, []).append(point_id)
        term = school_calendar.term_named(last_term(today))
        first = max(term.start, today - timedelta(days=120))
        reply_step, close_step = FEEDBACK_WORKFLOW.steps
        rows, plans = [], []
        for _ in range(60 * self.scale):
            unit = rng.choice(list(SAYINGS))
            kind, content, reply = rng.choice(SAYINGS[unit])
            submitted = self.at_time(rng, between(rng, first, today), [(7, 1), (12, 3), (18, 2), (21, 1)])
            if submitted > self.now:
                submitted = self.now - timedelta(hours=1)
            age = (self.now - submitted).days
            roll = rng.random()
            if age < 4 and roll < 0.5 or roll < 0.04:
                status, replied = FeedbackStatus.pending, None  # a few still open, some of them late
            else:
                late = roll > 0.88
                replied = submitted + timedelta(hours=rng.randint(80, 200) if late else rng.randint(1, 60))
                replied = min(replied, self.now)
                status = FeedbackStatus.closed if rng.random() < 0.6 else FeedbackStatus.replied
            point = rng.choice(points_of.get(unit, []) + points_of[None])
            replier = b.demo_staff[REPLIERS[unit]]
            rows.append(dict(point_id=point, unit_id=b.dept_ids[unit], kind=FeedbackKind[kind], content=content,
                             contact=rng.choice(CONTACTS) or None, submitted_at=submitted,
                             token=_token(rng), status=status,
                             reply=reply if replied else None, replier=b.staff_name[replier] if replied else None,
                             replied_at=replied, closed_at=replied + timedelta(hours=2)
                             if status == FeedbackStatus.closed else None, row_version=1))
            plans.append((replier, replied, status))
        ids = self.insert_ids(Feedback, rows)
        logs = []
        for record, (replier, replied, status) in zip(ids, plans):
            if replied is None:
                continue
            logs.append(self.log("Feedback", record, reply_step, replied, replier,
                                 source=FeedbackStatus.pending, target=FeedbackStatus.replied))
            if status == FeedbackStatus.closed:
                logs.append(self.log("Feedback", record, close_step, replied + timedelta(hours=2), replier,
                                     source=FeedbackStatus.replied, target=FeedbackStatus.closed))
        from app.rules.history import WorkflowLog

        self.bulk(WorkflowLog, logs)
        self.build_survey_links(rng)

    def build_survey_links(self, rng) -> None:
        from sqlalchemy import select

        from models.satisfaction import Identity, Survey
        from models.survey_links import Admission, SurveyCode, SurveyLink

        survey_id = self.session.scalar(select(Survey.id).order_by(Survey.starts_on.desc()).limit(1))
        if survey_id is None:
            return
        link_ids = self.insert_ids(SurveyLink, [
            dict(survey_id=survey_id, audience=audience, admission=Admission.code, slug=_token(rng, 9),
                 active=True, batch=None, row_version=1) for audience in (Identity.student, Identity.parent)])
        self.bulk(SurveyCode, [dict(link_id=link_id, code=_code(rng), used_at=None, row_version=1)
                               for link_id in link_ids for _ in range(30)])
