"""Login routes: POST /api/login, POST /api/logout, GET /api/session."""

from cmi import auth, portal
from cmi.config import settings
from cmi.http import SESSION_COOKIE, Api, Request, Response
from cmi.models import LoginRequest, MessageResponse, NextResponse, OrganisationView, SessionResponse
from cmi.observability import api_entry

api = Api(settings)


@api.route(
    "POST",
    "/api/login",
    summary="Se connecter avec l'identifiant et le mot de passe",
    body=LoginRequest,
    responses={200: NextResponse, 401: MessageResponse, 429: MessageResponse},
)
def login(request: Request) -> Response:
    outcome = auth.login(portal.current(), request.body, request.cookie(SESSION_COOKIE))
    return Response(200, {"next": outcome.next}, cookies=[outcome.cookie])


@api.route("POST", "/api/logout", summary="Se déconnecter", responses={204: None}, cookie=SESSION_COOKIE)
def logout(request: Request) -> Response:
    return Response(204, cookies=[auth.logout(portal.current(), request.cookie(SESSION_COOKIE))])


@api.route(
    "GET",
    "/api/session",
    summary="L'agent connecté",
    responses={200: SessionResponse, 401: MessageResponse},
    cookie=SESSION_COOKIE,
)
def session(request: Request) -> Response:
    account, _ = auth.current_account(portal.current(), request.cookie(SESSION_COOKIE))
    view = SessionResponse(
        identifier=account.identifier,
        first_name=account.first_name,
        last_name=account.last_name,
        email=account.email,
        role=account.role,
        organisation=OrganisationView(code=account.org_code, name=account.org_name),
    )
    return Response(200, view.model_dump())


lambda_handler = api_entry(api)
