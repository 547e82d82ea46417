"""The user's API tokens: create one (shown once), see when each was last used, revoke."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from capture.forms import InvalidInput

from . import auth, tokens

bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")


class TokenForm(FlaskForm):
    """Name a new token and choose what it may do."""
    label = StringField(_l("令牌名称"), description=_l("写明由哪个系统使用，例如“行政审批系统归档接口”"))
    scopes = SelectField(_l("权限范围"), default="read", validate_choice=False,
                         choices=[("read", _l("只读：查询文件、指导记录和移交状态")),
                                  ("read write", _l("读写：还能登记文件、添加电子文件"))])


class RevokeForm(FlaskForm):
    """Revoke a token (its id is a hidden field)."""


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    """The user's tokens and the form to create one; a new token is shown on this page once."""
    form, created = TokenForm(), None
    status = 200
    if form.validate_on_submit():
        try:
            token, raw = tokens.create(auth.user(), form.label.data, form.scopes.data)
        except InvalidInput as error:
            for name, messages in error.field_errors.items():
                getattr(form, name).errors = list(messages)
            status = 422
        else:
            created = (token, raw)
            form = TokenForm(formdata=None)
    elif form.is_submitted():
        status = 400
    response = render_template("api_tokens/index.html", form=form, created=created,
                               tokens=tokens.tokens_of(auth.user()), revoke_form=RevokeForm())
    # The new token is in this page and nowhere else: no cache may keep it.
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/revoke", methods=["POST"])
@login_required
def revoke():
    """Revoke one of the user's tokens; requests with it are refused from now on."""
    form = RevokeForm()
    token_id = request.form.get("token_id", "")
    if not form.validate_on_submit() or not (token_id.isascii() and token_id.isdigit()) \
            or len(token_id) > 18:
        abort(400)
    token = tokens.revoke(auth.user(), int(token_id))
    if token is None:
        abort(404)
    flash(_("已撤销令牌“%(label)s”，使用它的请求将被拒绝。", label=token.label), "success")
    return redirect(url_for(".index"))
