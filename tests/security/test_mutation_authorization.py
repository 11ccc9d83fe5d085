"""Property 69: every mutation checks authorization — anonymous callers are refused by every
mutation that is not one of the public entry points (accounts, newsletter), whatever input they
send."""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
    get_named_type,
)

from tests.support import accounts as accounts
from tests.support.graphql import GraphQLClient

# Mutations anyone may call: signing up and in, the token-based flows an e-mail link starts, and
# the newsletter (a reader needs no account: double opt-in and a signed unsubscribe link).
PUBLIC = frozenset(
    {
        "register",
        "login",
        "refreshToken",
        "logout",
        "verifyEmail",
        "resendVerification",
        "requestPasswordReset",
        "resetPassword",
        "confirmAccountDeletion",
        "subscribeNewsletter",
        "confirmNewsletterSubscription",
        "unsubscribeNewsletter",
        # sign-in with a provider (app/accounts/oidc.py): its steps before a session exists
        "oidcAuthorizationUrl",
        "completeOidcLogin",
        "confirmOidcLink",
        "confirmOidcMfa",
        "sendOidcLinkEmail",
        "confirmOidcLinkByEmail",
    }
)
SCALARS: dict[str, Any] = {
    "String": "x",
    "ID": "00000000-0000-0000-0000-000000000000",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "DateTime": "2030-01-01T00:00:00+00:00",
    "Date": "2030-01-01",
    "JSON": {},
    "Decimal": "1",
}


def _one_of(type_: GraphQLInputObjectType) -> bool:
    """A `@oneOf` input (strawberry marks it with the directive, not graphql-core's flag)."""
    definition = (type_.extensions or {}).get("strawberry-definition")
    directives = getattr(definition, "directives", ())
    return type_.is_one_of or any(type(d).__name__ == "OneOf" for d in directives)


def _value(type_: GraphQLInputType) -> Any:
    """A well-typed value for a required input (only required fields are filled)."""
    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type)
    if isinstance(type_, GraphQLList):
        return []
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType) and _one_of(type_):  # exactly one member
        name, field = next(iter(type_.fields.items()))
        return {name: _value(field.type)}
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: _value(field.type)
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    assert isinstance(type_, GraphQLScalarType)
    return SCALARS[type_.name]


def _selection(field_type: Any) -> str:
    named = get_named_type(field_type)
    if isinstance(named, GraphQLObjectType):
        return "{ __typename }"
    return ""


async def test_property_69_every_non_public_mutation_refuses_anonymous_callers(
    client: GraphQLClient,
) -> None:
    from schema.root import schema

    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    checked = []
    for name, field in mutation_type.fields.items():
        if name in PUBLIC:
            continue
        arguments = {
            arg: _value(spec.type)
            for arg, spec in field.args.items()
            if isinstance(spec.type, GraphQLNonNull)
        }
        declared = ", ".join(f"${a}: {field.args[a].type}" for a in arguments)
        passed = ", ".join(f"{a}: ${a}" for a in arguments)
        query = (
            f"mutation{f'({declared})' if declared else ''} "
            f"{{ {name}{f'({passed})' if passed else ''} {_selection(field.type)} }}"
        )
        outcome = await client.execute(query, arguments)
        assert outcome.codes, (name, outcome.data)
        assert set(outcome.codes) <= {"UNAUTHENTICATED", "FORBIDDEN"}, (name, outcome.errors)
        checked.append(name)
    assert len(checked) > 50  # the walk really covered the schema
