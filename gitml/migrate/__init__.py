"""Moving a DVC repository to gitml in place (`gitml import-dvc`)."""
