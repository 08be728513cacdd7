"""The Data Docs page view that renders offline, plugged in through GE's own `view` setting of the site builder.

GE 1.24 has no offline mode: its page templates link bootstrap, jQuery, bootstrap-table, font-awesome and vega from
CDNs, draw the index tables with JavaScript and take the logo from S3, and nothing installed ships those libraries.
Its extension points are the `view` class of each site section and of the index (`site_section_builders.<name>.view`,
`site_index_builder.view`) and a custom stylesheet; a `plugins/custom_data_docs/views` folder would only be searched
after GE's own templates, so it cannot replace one. This view is GE's page view with our folder
(`expectations_docs/`) first on its Jinja search path: our page template, navbar and tables replace GE's, every other
template is GE's. GE writes the pages itself; nothing is rewritten afterwards.

GE imports this module by name while it builds the docs (pipelines/deliver/expectations.py); nothing else should,
since it imports great_expectations.
"""

from __future__ import annotations

from pathlib import Path

from great_expectations.render.view import DefaultJinjaPageView
from jinja2 import ChoiceLoader, FileSystemLoader

TEMPLATES = Path(__file__).with_name("expectations_docs")


class OfflinePageView(DefaultJinjaPageView):
    """Suite, validation and index pages from one template with inline styles and no script."""

    _template = "synergy_page.j2"

    def __init__(self, custom_styles_directory: str | None = None, custom_views_directory: str | None = None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        self.env.loader = ChoiceLoader([FileSystemLoader(TEMPLATES), self.env.loader])
