"""Gateway and Azure API Management templates shipped with labeler."""
