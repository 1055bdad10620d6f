"""Files shipped with labeler: the sample dataset, gateway policy templates."""
