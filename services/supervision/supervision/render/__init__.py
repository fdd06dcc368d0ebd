"""Files the supervision service answers with: statistics tables (CSV, XLSX) and charts (SVG)."""
