"""The home page: the user's start buttons (我要报修 …), dashboard (app/features/dashboard.py, within their data scope),
then their menu as shortcuts. A visitor who is not logged in gets the login form."""
from flask import current_app, redirect, url_for
from flask_appbuilder import IndexView, expose
from flask_login import current_user

from app.features import dashboard


def start_buttons() -> list[tuple[str, str, str]]:
    """(label, icon, add-form URL) of each model declaring ``Admin(start=…)`` that the user may add to."""
    engine = current_app.extensions["engine"]
    sm = current_app.appbuilder.sm
    found = []
    for model, view in engine.views.items():
        label = model.__admin__.start
        if label and sm.has_access("can_add", view.class_permission_name):
            found.append((label, model.__admin__.icon, url_for(f"{view.endpoint}.add")))
    return found


class HomeView(IndexView):
    index_template = "engine/index.html"

    @expose("/")
    def index(self):
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        # FAB's index renders the template only; the dashboard widgets are computed here, for the login user.
        self.update_redirect()
        return self.render_template(self.index_template, appbuilder=self.appbuilder, dashboard=dashboard.build(),
                                    start_buttons=start_buttons())
