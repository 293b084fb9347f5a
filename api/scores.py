"""Scores of a page of assessments for the API's list: `services.scores_of_many`, the same
path as every other page and export."""

from assessment.services import scores_of_many as scores_of

__all__ = ["scores_of"]
