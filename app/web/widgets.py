"""Form widgets whose controls are 保存 / 保存并继续添加 / 返回."""
from flask_appbuilder.widgets import FormWidget


class EditFormWidget(FormWidget):
    template = "engine/form.html"


class AddFormWidget(FormWidget):
    template = "engine/form.html"

    def __init__(self, **kwargs):
        super().__init__(continue_button=True, **kwargs)
