"""Dashboards (aggregate numbers only, small counts suppressed) and exports of case and person lists."""
