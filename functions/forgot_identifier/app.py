"""Forgotten identifier: POST /api/forgot-identifier."""

from cmi import portal, recovery
from cmi.config import settings
from cmi.http import Api, Request, Response
from cmi.models import ForgotIdentifierRequest, MessageResponse
from cmi.observability import api_entry

api = Api(settings)


@api.route(
    "POST",
    "/api/forgot-identifier",
    summary="Recevoir par email les identifiants liés à une adresse",
    body=ForgotIdentifierRequest,
    responses={200: MessageResponse},
)
def forgot_identifier(request: Request) -> Response:
    return Response(200, {"message": recovery.forgot_identifier(portal.current(), request.body)})


lambda_handler = api_entry(api)
