"""Dashboard forms (Flask-WTF, so each carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField
from wtforms.validators import DataRequired


class LoginForm(FlaskForm):
    api_key = PasswordField("API key", validators=[DataRequired(message="Enter the API key.")])
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Logging out changes state, so it is a CSRF-protected POST."""
