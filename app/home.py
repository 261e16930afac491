"""The home page: the user's dashboard (app/dashboard.py, within their data scope), then their menu as shortcuts."""
from flask_appbuilder import IndexView, expose
from flask_login import current_user

from . import dashboard


class HomeView(IndexView):
    index_template = "engine/index.html"

    @expose("/")
    def index(self):
        # FAB's index renders the template only; the dashboard widgets are computed here, for the login user.
        self.update_redirect()
        shown = dashboard.build() if current_user.is_authenticated else []
        return self.render_template(self.index_template, appbuilder=self.appbuilder, dashboard=shown)
