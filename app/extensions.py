"""Flask extensions, created unbound; create_app() binds them."""

from typing import TYPE_CHECKING

from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """The declarative base of the tables (see Model)."""


db = SQLAlchemy(model_class=Base)
# The base class of every table. db.Model is made at run time, which a type checker cannot follow; for it the
# declarative base stands in (db.Model derives from it).
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
csrf = CSRFProtect()
htmx = Htmx()
