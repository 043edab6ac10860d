"""The plan workbook: one file (or sheet CSVs) holding a plan's agencies, documents, indicators,
tasks, groups, targets and actuals, imported all-or-nothing and exported as the template.

Modules, each depending only on those above it (no import loops):
`results` (row errors, changes, totals, the stream a large sheet is read as), `sheets` (the sheets,
their resources in load order, titles and header checks), `bulk_rows` and `bulk_actuals` (the
actuals sheet checked and written in bulk), `reading` (files: .xlsx, .csv, .zip, folders, through
the upload guard), `loading` (`import_workbook`: the one transaction), `progress` (a worker's
progress on its record), `records` (an upload's ImportRecord: store, check, apply, give back),
`template` (the empty template and the error workbook).
"""
