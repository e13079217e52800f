"""Login routes: POST /api/login, POST /api/logout, GET /api/session."""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from cmi.container import container
from cmi.domain import auth
from cmi.web import cookies
from cmi.web.app import answers, client_source, no_body, resolver
from cmi.web.app import lambda_handler as handler
from cmi.web.models import LoginRequest, NextResponse, OrganisationView, SessionResponse

app = resolver()


@app.post(
    "/api/login",
    summary="Se connecter avec l'identifiant et le mot de passe",
    responses=answers(401, 429, then={"Session": "session_api_session_get", "Logout": "logout_api_logout_post"}),
)
def login(body: LoginRequest, session: cookies.SessionToken = None) -> Response[NextResponse]:
    opened = auth.login(container(), body.identifier, body.password, session, client_source(app))
    return Response(200, body=NextResponse(next=opened.next), cookies=[cookies.opened(opened)])


@app.post(
    "/api/logout",
    summary="Se déconnecter",
    responses=answers(success=204),
    middlewares=[no_body],
)
def logout(session: cookies.SessionToken = None) -> Response[Any]:
    auth.logout(container(), session)
    return Response(204, body="", cookies=[cookies.clear(cookies.SESSION)])


@app.get(
    "/api/session",
    summary="L'agent connecté",
    responses=answers(401, changes=False, then={"Logout": "logout_api_logout_post"}),
)
def session(session: cookies.SessionToken = None) -> SessionResponse:
    account, _ = auth.current_account(container(), session)
    organisation = OrganisationView(code=account.org_code, name=account.org_name)
    return SessionResponse(**SessionResponse.fields_of(account), organisation=organisation)


lambda_handler = handler(app)
