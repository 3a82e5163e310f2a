from django.apps import AppConfig


class InsightConfig(AppConfig):
    """The metric registry (指标库); later the dashboard, rankings and work reports.

    Apps register their figures from their own `metrics.py`, imported in their AppConfig.ready().
    """

    name = "yiwang.insight"
    label = "insight"
    verbose_name = "指标与分析"
