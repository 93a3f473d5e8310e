"""The staff console under /staff, one module per job; every endpoint is declared with `@staff_view`."""

from __future__ import annotations

from starlette.routing import Route

from bot.staff.views import (
    audit,
    bulletins,
    cases,
    dashboard,
    gaps,
    inbox,
    incidents,
    intake,
    labdays,
    rota,
    signin,
)

ROUTES: list[Route] = [
    *signin.ROUTES, *inbox.ROUTES, *cases.ROUTES, *dashboard.ROUTES, *bulletins.ROUTES, *rota.ROUTES,
    *gaps.ROUTES, *intake.ROUTES, *labdays.ROUTES, *audit.ROUTES, *incidents.ROUTES,
]
