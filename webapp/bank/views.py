from flask import Blueprint

blueprint = Blueprint("bank", __name__)
