from flask import Blueprint

blueprint = Blueprint("candidates", __name__)
