"""Bulk import: a filing-catalogue spreadsheet (and its files) on the web or the command line."""
