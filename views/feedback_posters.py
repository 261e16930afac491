"""投诉建议 posters: each 反馈点's QR code on an A4 sheet to post in the canteen, a dorm building's hall or the
office, printed from a 反馈二维码 record or from the list (what its filters select). The code opens the public
form (views/public_feedback.py) at the address phones reach the system by (PUBLIC_BASE_URL)."""
from __future__ import annotations

from flask import request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access

from .printing import SchoolPrint, qr_svg
from .public_feedback import public_url

POSTERS_MAX = 100


def poster(point) -> dict:
    url = public_url("PublicFeedbackView.index", code=point.code)
    return {"name": point.name, "unit": point.unit.name if point.unit else "后勤服务", "url": url, "qr": qr_svg(url),
            "active": point.active}


class FeedbackPosterPrint(SchoolPrint):
    route_base = "/print/feedback-posters"
    class_permission_name = "FeedbackPoint"
    method_permission_name = {"record": "read", "listed_posters": "read"}
    link_label = "打印二维码海报"
    list_method = "listed_posters"
    list_label = "打印二维码海报"

    def posters(self, points: list, **kwargs):
        return self.sheet("views/print_feedback_posters.html", title="投诉建议二维码海报",
                          posters=[poster(p) for p in points], **kwargs)

    @expose("/<int:pk>")
    @has_access
    def record(self, pk):
        point = self.record_or_404(pk)
        return self.posters([point], back_url=url_for(f"{self.model_view().endpoint}.show", pk=point.id))

    @expose("/")
    @has_access
    def listed_posters(self):
        total, points = self.listed(POSTERS_MAX)
        notice = None
        if total > POSTERS_MAX:
            notice = f"符合条件的反馈二维码共 {total} 个，本页只打印前 {POSTERS_MAX} 个，请缩小筛选范围后分批打印。"
        elif not points:
            notice = "没有符合当前筛选条件的反馈二维码，请返回列表修改筛选条件。"
        query = request.query_string.decode("utf-8", "replace")
        back = url_for(f"{self.model_view().endpoint}.list") + (f"?{query}" if query else "")
        return self.posters(points, notice=notice, back_url=back)
