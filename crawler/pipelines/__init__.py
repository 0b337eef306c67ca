"""Item pipelines, one job each: validate, store."""
