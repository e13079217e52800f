"""First connection routes: GET and POST /api/first-connection (first-connection cookie only)."""

from cmi import first_connection, portal
from cmi.config import settings
from cmi.http import FIRST_CONNECTION_COOKIE, Api, Request, Response
from cmi.models import FirstConnectionRequest, MessageResponse, NextResponse, PrefillResponse
from cmi.observability import api_entry

api = Api(settings)


@api.route(
    "GET",
    "/api/first-connection",
    summary="Données du compte à créer",
    responses={200: PrefillResponse, 401: MessageResponse},
    cookie=FIRST_CONNECTION_COOKIE,
)
def prefill(request: Request) -> Response:
    view = first_connection.prefill(portal.current(), request.cookie(FIRST_CONNECTION_COOKIE))
    return Response(200, view.model_dump())


@api.route(
    "POST",
    "/api/first-connection",
    summary="Créer le compte : nouveau mot de passe et confirmation de l'email",
    body=FirstConnectionRequest,
    responses={200: NextResponse, 401: MessageResponse},
    cookie=FIRST_CONNECTION_COOKIE,
)
def complete(request: Request) -> Response:
    cookies = first_connection.complete(portal.current(), request.cookie(FIRST_CONNECTION_COOKIE), request.body)
    return Response(200, {"next": "home"}, cookies=cookies)


lambda_handler = api_entry(api)
