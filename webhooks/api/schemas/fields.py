"""Field types every request model shares: texts, money, channel names, and phones as people type them."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo
from pydantic_core import PydanticCustomError

from channels import contacts

ChannelName = Literal["whatsapp", "sms", "instagram", "email", "telegram", "console"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
IdempotencyKey = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: Where the request's shop reads phone numbers typed without a country code: pass
#: ``context={PHONE_REGION: shop.default_country}`` when validating a body that may carry them.
PHONE_REGION = "phone_region"


def typed_phone(value: str, info: ValidationInfo) -> str:
    """A phone number as people type it, read in the shop's default country, as E.164; 422 saying why."""
    region = (info.context or {}).get(PHONE_REGION)
    try:
        return contacts.textable_e164(value, region)
    except contacts.NotTextable as exc:
        raise PydanticCustomError("phone_number", str(exc)) from None


#: A customer's phone as typed ("(415) 555-0143", "+44 7911 123456"); stored as E.164.
TypedPhone = Annotated[str, StringConstraints(min_length=1, max_length=40), AfterValidator(typed_phone)]
