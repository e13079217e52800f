"""First connection routes: GET and POST /api/first-connection (first-connection cookie only)."""

from aws_lambda_powertools.event_handler import Response

from cmi.container import container
from cmi.domain import first_connection
from cmi.web import cookies
from cmi.web.app import answers, resolver
from cmi.web.app import lambda_handler as handler
from cmi.web.models import FirstConnectionRequest, NextResponse, PrefillResponse

app = resolver()


@app.get("/api/first-connection", summary="Données du compte à créer", responses=answers(401, changes=False))
def prefill(token: cookies.FirstConnectionToken = None) -> PrefillResponse:
    account = first_connection.prefill(container(), token)
    return PrefillResponse(
        identifier=account.identifier,
        first_name=account.first_name,
        last_name=account.last_name,
        email=account.email,
    )


@app.post(
    "/api/first-connection",
    summary="Créer le compte : nouveau mot de passe et confirmation de l'email",
    responses=answers(401),
)
def complete(body: FirstConnectionRequest, token: cookies.FirstConnectionToken = None) -> Response[NextResponse]:
    opened = first_connection.complete(
        container(),
        token,
        body.new_password,
        body.password_confirmation,
        body.email_confirmation,
        body.alerts_opt_in,
    )
    return Response(
        200,
        body=NextResponse(next="home"),
        cookies=[cookies.opened(opened), cookies.clear(cookies.FIRST_CONNECTION)],
    )


lambda_handler = handler(app)
