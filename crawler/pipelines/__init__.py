"""Item pipelines, one job each: normalize, validate, de-duplicate, store."""
