from flask import Blueprint

blueprint = Blueprint("assessments", __name__)
