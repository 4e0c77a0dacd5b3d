"""Service errors, named exactly like the error shapes of botocore's Personalize models."""
from __future__ import annotations


class ServiceError(Exception):
    """Base of every error a handler may raise; `code` is the botocore error shape name."""

    code = "InvalidInputException"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInputException(ServiceError):
    code = "InvalidInputException"


class ResourceNotFoundException(ServiceError):
    code = "ResourceNotFoundException"


class ResourceAlreadyExistsException(ServiceError):
    code = "ResourceAlreadyExistsException"


class ResourceInUseException(ServiceError):
    code = "ResourceInUseException"


class LimitExceededException(ServiceError):
    code = "LimitExceededException"


class InvalidNextTokenException(ServiceError):
    code = "InvalidNextTokenException"


class TooManyTagsException(ServiceError):
    code = "TooManyTagsException"


class TooManyTagKeysException(ServiceError):
    code = "TooManyTagKeysException"


def not_found(arn: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Resource Arn {arn} does not exist.")


def already_exists(arn: str) -> ResourceAlreadyExistsException:
    return ResourceAlreadyExistsException(f"Another resource with Arn {arn} already exists.")
