"""X's settings: the brand's account, the app's keys and the prices, from the environment.

X's credentials for CI are OAuth 1.0a user context, which does not expire: the app's consumer
key and secret, and the account's access token and secret (an employee's own account has its own
token and secret, signed with the same app). ``AGORA_X_PRICES`` follows X's per-request prices
(https://docs.x.com/x-api/getting-started/pricing), so the dry run can say what a run costs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from syndication.config import author_credential, base_url, credential, require
from syndication.errors import ConfigError
from syndication.networks.spec import Variable

NAME = "x"
DEFAULT_API_URL = "https://api.x.com"
API_URL_VARIABLE = "AGORA_X_API_URL"
HANDLE_VARIABLE = "AGORA_X_HANDLE"
CONSUMER_KEY_VARIABLE = "AGORA_X_CONSUMER_KEY"
CONSUMER_SECRET_VARIABLE = "AGORA_X_CONSUMER_SECRET"
TOKEN_VARIABLE = "AGORA_X_ACCESS_TOKEN"
TOKEN_SECRET_VARIABLE = "AGORA_X_ACCESS_TOKEN_SECRET"
PRICES_VARIABLE = "AGORA_X_PRICES"

# US dollars, as X published them in 2026: reads per resource returned, writes per request.
DEFAULT_PRICES: dict[str, float] = {
    "post_read": 0.005,
    "user_read": 0.010,
    "create": 0.015,
    "create_with_url": 0.200,
}

VARIABLES: tuple[Variable, ...] = (
    Variable(API_URL_VARIABLE, "X's API", False, DEFAULT_API_URL),
    Variable(HANDLE_VARIABLE, "the brand account's username, without @"),
    Variable(CONSUMER_KEY_VARIABLE, "the app's API key (OAuth 1.0a consumer key)", True),
    Variable(CONSUMER_SECRET_VARIABLE, "the app's API key secret", True),
    Variable(TOKEN_VARIABLE, "the brand account's access token", True),
    Variable(TOKEN_SECRET_VARIABLE, "the brand account's access token secret", True),
    Variable(
        PRICES_VARIABLE,
        "X's prices in US dollars, for the dry run's cost",
        False,
        ",".join(f"{name}={price}" for name, price in DEFAULT_PRICES.items()),
    ),
)
_SECRETS = (CONSUMER_KEY_VARIABLE, CONSUMER_SECRET_VARIABLE, TOKEN_VARIABLE, TOKEN_SECRET_VARIABLE)


@dataclass(frozen=True)
class XSettings:
    """One X account, the app that signs for it, and the prices a run is counted at."""

    api_url: str
    handle: str
    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    access_token_secret: str = field(repr=False)
    token_variable: str = TOKEN_VARIABLE
    token_secret_variable: str = TOKEN_SECRET_VARIABLE
    author: str = ""
    prices: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_PRICES))

    network = NAME

    @property
    def account(self) -> str:
        """How the account is named in messages."""
        return f"@{self.handle}"

    @property
    def credential_variable(self) -> str:
        """The variables to check when X refuses the credentials."""
        return (
            f"{self.token_variable}, {self.token_secret_variable} and the app's "
            f"{CONSUMER_KEY_VARIABLE} and {CONSUMER_SECRET_VARIABLE}"
        )

    @property
    def can_sign(self) -> bool:
        """Whether every key is there (a dry run of a pull request has none)."""
        keys = (self.consumer_key, self.consumer_secret, self.access_token)
        return all(keys) and bool(self.access_token_secret)


def parse_prices(text: str) -> dict[str, float]:
    """``create=0.015,post_read=0.005``: X's prices, the defaults for what is not named."""
    prices = dict(DEFAULT_PRICES)
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in DEFAULT_PRICES:
            known = ", ".join(DEFAULT_PRICES)
            raise ConfigError(
                f"{PRICES_VARIABLE} names {name!r}, which is not one of X's prices ({known})."
            )
        try:
            price = float(value)
        except ValueError:
            price = -1.0
        if not 0 <= price < 1000:
            raise ConfigError(
                f"{PRICES_VARIABLE}: {name}={value.strip()!r} is not a price in dollars; "
                "write it like create=0.015."
            )
        prices[name] = price
    return prices


def brand_settings(env: Mapping[str, str], *, preview: bool = False) -> XSettings | None:
    """The brand's X account, or None when X is not configured."""
    handle = env.get(HANDLE_VARIABLE, "").strip().lstrip("@")
    if not handle and not any(env.get(name, "").strip() for name in _SECRETS):
        return None
    if not handle:
        set_one = next(name for name in _SECRETS if env.get(name, "").strip())
        require(env, HANDLE_VARIABLE, f"{set_one} is set")
    because = f"{HANDLE_VARIABLE} is set"
    return XSettings(
        api_url=base_url(env, API_URL_VARIABLE, DEFAULT_API_URL),
        handle=handle,
        consumer_key=credential(env, CONSUMER_KEY_VARIABLE, because, preview),
        consumer_secret=credential(env, CONSUMER_SECRET_VARIABLE, because, preview),
        access_token=credential(env, TOKEN_VARIABLE, because, preview),
        access_token_secret=credential(env, TOKEN_SECRET_VARIABLE, because, preview),
        prices=parse_prices(env.get(PRICES_VARIABLE, "")),
    )


def employee_settings(
    brand: XSettings, author: str, handle: str, env: Mapping[str, str]
) -> XSettings | None:
    """The employee's own account, signed by the brand's app, when their token is set."""
    token, variable = author_credential(env, TOKEN_VARIABLE, author)
    secret, secret_variable = author_credential(env, TOKEN_SECRET_VARIABLE, author)
    if not token and not secret:
        return None
    if not token or not secret:
        missing = variable if not token else secret_variable
        present = secret_variable if not token else variable
        raise ConfigError(f"{missing} is not set, but {present} is; set both or neither.")
    return XSettings(
        api_url=brand.api_url,
        handle=handle,
        consumer_key=brand.consumer_key,
        consumer_secret=brand.consumer_secret,
        access_token=token,
        access_token_secret=secret,
        token_variable=variable,
        token_secret_variable=secret_variable,
        author=author,
        prices=brand.prices,
    )
