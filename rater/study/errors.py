"""Errors raised by study services; each message is written for the person at the desk."""


class StudyError(Exception):
    """Base class: a request that was refused, with the reason in ``str(err)``."""


class NotFound(StudyError):
    pass


class AccessDenied(StudyError):
    """A rater asked for something that is not theirs (blinding) or a coordinator action."""


class RatingLocked(StudyError):
    """The rating is submitted and read-only until a coordinator reopens it."""


class InvalidValue(StudyError):
    pass


class IncompleteRating(StudyError):
    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(f"{len(missing)} required item(s) are not rated yet: {', '.join(missing)}")
