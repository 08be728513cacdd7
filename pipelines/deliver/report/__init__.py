"""清单报告: one self-contained HTML inventory report per year, for the bureau and for e-mail.

data.py reads the published warehouse read-only (named queries under pipelines/deliver/sql/report_*.sql:
out_inventory__yearly_region_sector for every total, so the report adds up exactly like the published roll-up;
out_inventory__yearly_enterprise for the top emitters; the cross-check findings and the factor library for the quality
notes; the out_synergy__ tables for the pollution-carbon synergy); analysis.py derives the rankings, shares and
changes; render.py writes `清单报告_<year>.html` and plots.py each chart as SVG. The files depend on the warehouse's
data only, so the same warehouse gives byte-identical files.
"""

from pipelines.deliver.report.analysis import count_to_share, index_contributions, pareto, yoy_changes, zoom_limit
from pipelines.deliver.report.data import ReportError
from pipelines.deliver.report.render import build_report, no_previous_year, no_synergy_pairs, report_files, report_path

__all__ = ["ReportError", "build_report", "count_to_share", "index_contributions", "no_previous_year", "no_synergy_pairs",
           "pareto", "report_files", "report_path", "yoy_changes", "zoom_limit"]
