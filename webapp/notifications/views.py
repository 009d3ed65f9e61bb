from flask import Blueprint

blueprint = Blueprint("notifications", __name__)
