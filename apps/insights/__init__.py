"""Insights: what finance leaders read to see where work is delayed and whether the controls
hold — the KPI definitions (apps.insights.kpis) and their figures for a period, `/insights/`
with benchmarks, trends and drill-down to the lists each figure counts, the process map mined
from the audit trail, and each client tenant's daily figures for its partner. It reads every
context downward and changes nothing but its own daily rollups; nothing imports it."""
