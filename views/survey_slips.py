"""答卷码 slips: a 问卷链接's unused one-time codes cut from an A4 sheet (4 × 6 a sheet), each with the QR code of
the link with its code filled in, handed to students or sent home to parents. Printed from the link's record."""
from __future__ import annotations

from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access

from models.survey_links import Admission

from .printing import SchoolPrint, qr_svg
from .public_feedback import public_url

SLIPS_PER_SHEET = 24


class SurveySlipPrint(SchoolPrint):
    route_base = "/print/survey-slips"
    class_permission_name = "SurveyLink"
    method_permission_name = {"record": "read"}
    link_label = "打印答卷码纸条"

    @expose("/<int:pk>")
    @has_access
    def record(self, pk):
        link = self.record_or_404(pk)
        unused = [code for code in link.codes if code.used_at is None]
        slips = []
        for code in unused:
            url = public_url("PublicSurveyView.index", slug=link.slug, code=code.code)
            slips.append({"code": code.code, "url": url, "qr": qr_svg(url)})
        notice = None
        if link.admission != Admission.code:
            notice = "此链接为登录后填写，没有答卷码；请把链接发给教职工。"
        elif not slips:
            notice = "此链接没有未使用的答卷码：请在「问卷链接」中填写「新发答卷码数量」后保存，再来打印。"
        sheets = [slips[i:i + SLIPS_PER_SHEET] for i in range(0, len(slips), SLIPS_PER_SHEET)]
        return self.sheet("views/print_survey_slips.html", link, title=f"答卷码纸条 {link}", link=link,
                          sheets=sheets, notice=notice, link_url=public_url("PublicSurveyView.index", slug=link.slug))
