"""Forgotten password: POST /api/forgot-password and POST /api/reset-password."""

from cmi import portal, recovery
from cmi.config import settings
from cmi.http import Api, Request, Response
from cmi.models import ForgotPasswordRequest, MessageResponse, NextResponse, ResetPasswordRequest
from cmi.observability import api_entry

api = Api(settings)


@api.route(
    "POST",
    "/api/forgot-password",
    summary="Recevoir par email un lien de modification du mot de passe",
    body=ForgotPasswordRequest,
    responses={200: MessageResponse},
)
def forgot_password(request: Request) -> Response:
    return Response(200, {"message": recovery.forgot_password(portal.current(), request.body)})


@api.route(
    "POST",
    "/api/reset-password",
    summary="Choisir un nouveau mot de passe avec le lien reçu",
    body=ResetPasswordRequest,
    responses={200: NextResponse},
)
def reset_password(request: Request) -> Response:
    recovery.reset_password(portal.current(), request.body)
    return Response(200, {"next": "login"})


lambda_handler = api_entry(api)
