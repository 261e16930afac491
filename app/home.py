"""The home page: a greeting and the user's menu as shortcuts."""
from flask_appbuilder import IndexView


class HomeView(IndexView):
    index_template = "engine/index.html"
