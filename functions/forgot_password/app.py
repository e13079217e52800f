"""Forgotten password: POST /api/forgot-password and POST /api/reset-password."""

from cmi.container import container
from cmi.domain import recovery
from cmi.web.app import answers, resolver
from cmi.web.app import lambda_handler as handler
from cmi.web.models import ForgotPasswordRequest, MessageResponse, NextResponse, ResetPasswordRequest

app = resolver()


@app.post(
    "/api/forgot-password",
    summary="Recevoir par email un lien de modification du mot de passe",
    responses=answers(then={"ResetPassword": "reset_password_api_reset_password_post"}),
)
def forgot_password(body: ForgotPasswordRequest) -> MessageResponse:
    return MessageResponse(message=recovery.forgot_password(container(), body.identifier))


@app.post(
    "/api/reset-password",
    summary="Choisir un nouveau mot de passe avec le lien reçu",
    responses=answers(then={"Login": "login_api_login_post"}),
)
def reset_password(body: ResetPasswordRequest) -> NextResponse:
    recovery.reset_password(container(), body.token, body.new_password, body.password_confirmation)
    return NextResponse(next="login")


lambda_handler = handler(app)
