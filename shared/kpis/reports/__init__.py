"""One module per KPI report (KPI-1..4, 7, 8): each reads its sums (`queries`) and labels
(`lookups`), and assembles its schema; the decisions it makes are in `formulas`."""
