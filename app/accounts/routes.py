"""Sign-up, sign-in, sign-out and the account page."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from wtforms import Form

from app.accounts.forms import ChangePasswordForm, LoginForm, ProviderSignUpForm, SignUpForm
from app.accounts.guards import requires_login
from app.accounts.identity import CurrentUser
from app.accounts.rules import home_path_for
from app.accounts.services import (
    account_authenticate,
    account_change_password,
    account_sign_up,
)
from app.accounts.sessions import sign_in, sign_out
from app.accounts.throttle import DEVICE_TOKEN_LIFETIME, attempts_rule, device_token
from app.catalog.queries import neighbourhood_choices
from app.catalog.services import ProviderSignUp, provider_sign_up
from app.settings import Settings
from app.shared.clock import Clock
from app.shared.errors import DomainError, TooManyAttemptsError
from app.web.context import ClockDep, SettingsDep, client_ip
from app.web.flash import flash
from app.web.forms import add_domain_error, bind_form
from app.web.htmx import render
from app.web.params import safe_next_path

SIGNED_OUT = "You have logged out. See you soon!"
PASSWORD_CHANGED = "Your password has been changed. Other devices have been logged out."


def _form_failed(request: Request, template: str, context: dict, form: Form, error: DomainError) -> Template:
    """Re-render the form with ``error`` beside its field; 429 (with Retry-After) when rate-limited."""
    add_domain_error(form, error)
    if isinstance(error, TooManyAttemptsError):
        return render(
            request,
            template,
            context,
            status_code=429,
            headers={"retry-after": str(error.retry_after_seconds)},
        )
    return render(request, template, context, status_code=422)


def _device_cookie_name(settings: Settings) -> str:
    return "__Host-device" if settings.is_production else "cityloop_device"


def _trusted_device(user: CurrentUser, settings: Settings, clock: Clock) -> Cookie:
    """Marks this browser as one that signed in to ``user``: exempt from the per-account lockout."""
    return Cookie(
        key=_device_cookie_name(settings),
        value=device_token(user.id, clock.now(), settings.secret_key),
        max_age=int(DEVICE_TOKEN_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        secure=settings.is_production,
        samesite="lax",
    )


def _welcome(user: CurrentUser) -> str:
    if user.role.value == "provider":
        return (
            f"Welcome to Cityloop, {user.first_name}! Your business is saved as a draft: "
            "it appears in search once our team has verified it."
        )
    return f"Welcome to Cityloop, {user.first_name}!"


async def _sign_up(
    request: Request, form: Form, settings: Settings, clock: Clock, as_provider: bool
) -> Response:
    template, context = "accounts/signup.html", {"form": form, "as_provider": as_provider}
    if not form.validate():
        return render(request, template, context, status_code=422)
    try:
        person = {
            "email": form.email.normalised,
            "display_name": form.display_name.data,
            "password": form.password.data,
            "ip": client_ip(request),
            "rule": attempts_rule(settings),
            "now": clock.now(),
        }
        if as_provider:
            business = ProviderSignUp(form.business_name.data, form.neighbourhood.data)
            user = await provider_sign_up(**person, business=business)
        else:
            user = await account_sign_up(**person)
    except DomainError as error:
        return _form_failed(request, template, context, form, error)
    sign_in(request, user)
    flash(request, _welcome(user))
    return Redirect(
        home_path_for(user.role), status_code=303, cookies=[_trusted_device(user, settings, clock)]
    )


@get("/signup", name="signup")
async def signup_page(request: Request) -> Template:
    return render(request, "accounts/signup.html", {"form": SignUpForm(), "as_provider": False})


@post("/signup")
async def signup_submit(request: Request, settings: SettingsDep, clock: ClockDep) -> Response:
    return await _sign_up(request, await bind_form(SignUpForm, request), settings, clock, as_provider=False)


@get("/signup/provider", name="signup_provider")
async def provider_signup_page(request: Request) -> Template:
    form = ProviderSignUpForm(neighbourhoods=await neighbourhood_choices())
    return render(request, "accounts/signup.html", {"form": form, "as_provider": True})


@post("/signup/provider")
async def provider_signup_submit(request: Request, settings: SettingsDep, clock: ClockDep) -> Response:
    form = await bind_form(ProviderSignUpForm, request, neighbourhoods=await neighbourhood_choices())
    return await _sign_up(request, form, settings, clock, as_provider=True)


@get("/login", name="login")
async def login_page(
    request: Request, next_path: Annotated[str | None, QueryParameter(name="next")] = None
) -> Response:
    user = request.scope.get("user")
    if user is not None:
        return Redirect(safe_next_path(next_path) or home_path_for(user.role), status_code=303)
    form = LoginForm(data={"next": safe_next_path(next_path) or ""})
    return render(request, "accounts/login.html", {"form": form})


@post("/login")
async def login_submit(request: Request, settings: SettingsDep, clock: ClockDep) -> Response:
    form = await bind_form(LoginForm, request)
    template, context = "accounts/login.html", {"form": form}
    if not form.validate():
        return render(request, template, context, status_code=422)
    try:
        user = await account_authenticate(
            email=form.email.normalised,
            password=form.password.data,
            ip=client_ip(request),
            rule=attempts_rule(settings),
            now=clock.now(),
            device=request.cookies.get(_device_cookie_name(settings)),
            secret=settings.secret_key,
        )
    except DomainError as error:
        return _form_failed(request, template, context, form, error)
    sign_in(request, user)
    flash(request, f"Welcome back, {user.first_name}.")
    return Redirect(
        safe_next_path(form.next.data) or home_path_for(user.role),
        status_code=303,
        cookies=[_trusted_device(user, settings, clock)],
    )


@post("/logout", name="logout")
async def logout(request: Request) -> Redirect:
    if request.scope.get("user") is not None:
        sign_out(request)
        flash(request, SIGNED_OUT)
    return Redirect("/", status_code=303)


@get("/account", name="account", guards=[requires_login])
async def account_page(request: Request) -> Template:
    return render(request, "accounts/account.html", {"form": ChangePasswordForm()})


@post("/account/password", name="account_password", guards=[requires_login])
async def account_password_submit(request: Request, settings: SettingsDep, clock: ClockDep) -> Response:
    form = await bind_form(ChangePasswordForm, request)
    template, context = "accounts/account.html", {"form": form}
    if not form.validate():
        return render(request, template, context, status_code=422)
    user: CurrentUser = request.scope["user"]
    try:
        await account_change_password(
            account_id=user.id,
            current_password=form.current_password.data,
            new_password=form.new_password.data,
            rule=attempts_rule(settings),
            now=clock.now(),
        )
    except DomainError as error:
        return _form_failed(request, template, context, form, error)
    sign_in(request, user)  # a fresh session id, since every old one was just ended
    flash(request, PASSWORD_CHANGED)
    return Redirect("/account", status_code=303)


ROUTES = [
    signup_page,
    signup_submit,
    provider_signup_page,
    provider_signup_submit,
    login_page,
    login_submit,
    logout,
    account_page,
    account_password_submit,
]
