"""Seeds satisfaction surveys: their items, answer sheets and ratings."""
from __future__ import annotations

from datetime import date, timedelta

from .common import between, last_term

# (项目名称, 服务单位编码, 满意率目标值)
SURVEY_ITEMS = (
    ("饭菜质量", "050201", 0.87), ("饭菜价格", "050201", 0.86), ("食堂卫生", "050201", 0.93),
    ("食堂服务态度", "050201", 0.91),
    ("宿舍卫生管理", "050202", 0.94), ("宿管员服务", "050202", 0.95), ("宿舍安全与纪律", "050202", 0.96),
    ("维修及时性", "050203", 0.89), ("维修质量", "050203", 0.93), ("水电供应", "050203", 0.95),
    ("校园环境卫生", "050204", 0.96), ("绿化养护", "050204", 0.97),
    ("超市商品与价格", "050205", 0.88), ("洗衣房与开水房", "050205", 0.92),
    ("报修受理", "0502", 0.94),
)
SURVEY_COMMENTS = ("食堂菜品口味偏咸，希望多些清淡的菜", "希望食堂增加夜宵窗口", "宿舍热水供应时间太短", "报修后师傅来得很快，点赞",
                   "超市东西偏贵", "洗衣机经常排队，希望增加几台", "校园环境很好", "饭菜分量不够", "宿管阿姨很负责",
                   "教室空调维修不够及时", "希望食堂多提供水果", "开水房开放时间能否延长")


# 岗位民主评议: teachers rate named post holders; (username of a demo account or a department code, 岗位 shown).
POST_DEPTS = ("050201", "050202", "050203", "050204", "050205")
POST_DEMO = ("weixiu", "shuidian", "shitang", "sushe", "lvhua")
POST_ASPECT = "服务态度与质量"


class SatisfactionMixin:
    """The satisfaction surveys (mixed into ``_Activity``)."""

    def build_post_survey(self) -> None:
        """A 岗位民主评议 in the middle of the last finished term: teachers rate the service posts by name (the demo
        accounts and two more of each service unit), so their 考核 has a 民主评议分 from it. Its own random
        stream, so the other surveys stay as they were."""
        from models import school_calendar
        from models.satisfaction import Identity, Rating, Survey, SurveyAnswer, SurveyItem, SurveyResponse

        rng = self.rng("satisfaction-posts")
        b = self.b
        term = school_calendar.term_named(last_term(self.today))
        starts = term.start + (term.end - term.start) / 2
        if starts > self.today:
            return
        ends = min(starts + timedelta(days=10), self.today)
        named = [b.demo_staff[name] for name in POST_DEMO]
        for dept in POST_DEPTS:
            others = [sid for sid in self.on_duty[dept] if sid not in named]
            named += rng.sample(others, min(2, len(others)))
        survey_id = self.insert_ids(Survey, [dict(
            title=f"{term.name}后勤岗位民主评议", period=term.name, starts_on=starts, ends_on=ends,
            description="教职工对后勤服务岗位人员逐一评议，结果计入本人考核的民主评议分", row_version=1)])[0]
        items = [dict(survey_id=survey_id, name=f"{self.staff_row[sid]['position']} {b.staff_name[sid]} {POST_ASPECT}",
                      unit_id=self.staff_row[sid]["department_id"], staff_id=sid, sort=10 * (k + 1), row_version=1)
                 for k, sid in enumerate(named)]
        item_ids = self.insert_ids(SurveyItem, items)
        count = 60 * self.scale
        response_ids = self.insert_ids(SurveyResponse, [
            dict(survey_id=survey_id, identity=Identity.staff, submitted_on=between(rng, starts, ends),
                 comment=None, submitter_id=None, row_version=1) for _ in range(count)])
        for item_id in item_ids:
            share = rng.uniform(0.78, 0.99)
            satisfied = round(count * share)
            very = round(satisfied * rng.uniform(0.4, 0.6))
            ratings = ([Rating.very_satisfied] * very + [Rating.satisfied] * (satisfied - very)
                       + [Rating.less] * (count - satisfied))
            rng.shuffle(ratings)
            self.bulk(SurveyAnswer, [dict(response_id=rid, item_id=item_id, rating=rating, row_version=1)
                                     for rid, rating in zip(response_ids, ratings)])

    def build_satisfaction(self) -> None:
        self.build_post_survey()  # first: the latest survey (the report's and the dashboard's) stays the same
        from models.satisfaction import (
            Identity,
            Rating,
            Survey,
            SurveyAnswer,
            SurveyItem,
            SurveyResponse,
        )

        rng = self.rng("satisfaction")
        b, today = self.b, self.today
        spring = date(today.year if today.month >= 7 else today.year - 1, 6, 8)
        surveys = [  # (title, period, start, end, responses)
            (f"{spring.year}年春季学期后勤服务满意度调查", f"{spring.year}年春季学期", spring, spring + timedelta(days=11),
             400 * self.scale),
        ]
        autumn = date(today.year, 11, 16) if today.month >= 9 else None
        if autumn is not None and autumn <= today:
            surveys.append((f"{today.year}年秋季学期后勤服务满意度调查", f"{today.year}年秋季学期", autumn,
                            autumn + timedelta(days=14), 120 * self.scale))
        survey_ids = self.insert_ids(Survey, [dict(title=t, period=p, starts_on=s, ends_on=e,
                                                   description="面向全体教职工和寄宿学生，匿名填写；满意率目标 ≥90%",
                                                   row_version=1) for t, p, s, e, _ in surveys])
        items = [dict(survey_id=sid, name=name, unit_id=b.dept_ids[unit], sort=10 * (k + 1), row_version=1)
                 for sid in survey_ids for k, (name, unit, _p) in enumerate(SURVEY_ITEMS)]
        item_ids = self.insert_ids(SurveyItem, items)
        per_survey = len(SURVEY_ITEMS)
        jiaoshi = b.demo_users["jiaoshi"]
        for s, (sid, (_t, _p, starts, ends, count)) in enumerate(zip(survey_ids, surveys)):
            last = min(ends, today)
            responses = []
            for n in range(count):
                identity = Identity.staff if rng.random() < 0.25 else Identity.student
                responses.append(dict(survey_id=sid, identity=identity, submitted_on=between(rng, starts, last),
                                      comment=rng.choice(SURVEY_COMMENTS) if rng.random() < 0.25 else None,
                                      submitter_id=None, row_version=1))
            responses[0].update(identity=Identity.staff, submitter_id=jiaoshi)  # the teacher's own answer sheet
            response_ids = self.insert_ids(SurveyResponse, responses)
            # Exact shares per item: the 满意率 lands where the school's results are (85–97 %).
            for k, (_name, _unit, share) in enumerate(SURVEY_ITEMS):
                item_id = item_ids[s * per_survey + k]
                share = min(0.98, max(0.84, share + rng.uniform(-0.015, 0.015)))
                satisfied = round(count * share)
                very = round(satisfied * rng.uniform(0.45, 0.55))
                fair = round(satisfied * rng.uniform(0.12, 0.2))
                less = round((count - satisfied) * 0.7)
                ratings = ([Rating.very_satisfied] * very + [Rating.satisfied] * (satisfied - very - fair)
                           + [Rating.basic] * fair + [Rating.less] * less
                           + [Rating.dissatisfied] * (count - satisfied - less))
                rng.shuffle(ratings)
                self.bulk(SurveyAnswer, [dict(response_id=rid, item_id=item_id, rating=rating, row_version=1)
                                         for rid, rating in zip(response_ids, ratings)])
